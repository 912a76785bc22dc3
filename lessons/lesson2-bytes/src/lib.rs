//! Lesson 2: bytes and encoding.
//!
//! The article's section 一, part iii: a Python 3 socket carries bytes, not text, so the client
//! encodes its string as UTF-8 before `send` and the server decodes what `recv` returned. In Rust a
//! `&str` is UTF-8 already, so encoding is `as_bytes()`, and decoding checks that the bytes are
//! UTF-8. The article's `hello` hides a trap that Chinese text springs: a character is several
//! bytes, and a read can end in the middle of one. [`decoder`] is the cure; the server here uses it,
//! so it prints the right text however the client's bytes are cut.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::num::NonZeroUsize;
use std::thread;
use std::time::Duration;

use anyhow::Context;
use socket_lab::demo::{byte_count, bytes};
use socket_lab::listening;

pub mod decoder;

pub use decoder::{DecodeError, Utf8Decoder};

/// The text the client sends when given none: "hello world", four characters of three bytes each.
pub const DEFAULT_TEXT: &str = "你好世界";

// ANCHOR: serve
/// Lesson 1's server, with one change: each connection's bytes go through a [`Utf8Decoder`], so
/// that a character cut between two reads is printed whole, once its last byte has come.
pub fn serve(listener: &TcpListener) -> ! {
    lesson1::serve_each(listener, print_text_until_closed)
}

/// Reads until the client closes, printing what each read returned and the text it completed.
///
/// Bytes that are not UTF-8 end the connection with an error: whatever the client sends, it is
/// not UTF-8 text.
fn print_text_until_closed(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
    let mut decoder = Utf8Decoder::new();
    let mut text = String::new();
    loop {
        let data = lesson1::recv_once(conn)?;
        if data.is_empty() {
            println!("recv(1024) returned 0 bytes: {client_address} closed the connection");
            break;
        }
        println!(
            "recv(1024) returned {}: {}",
            byte_count(data.len() as u64),
            bytes(&data)
        );
        let decoded = decoder.decode(&data)?;
        if decoder.pending().is_empty() {
            println!("  decoded {decoded:?}");
        } else {
            let kept = bytes(decoder.pending());
            println!("  decoded {decoded:?}, kept {kept}: a character's start, for the next read");
        }
        text.push_str(&decoded);
    }
    decoder.finish()?;
    println!(
        "  the whole text: {text:?}, {} bytes, {} characters",
        text.len(),
        text.chars().count()
    );
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: send
/// Writes `data` in pieces of `piece_size` bytes, `pause` apart, printing each piece.
///
/// The pause gives the server time to read each piece before the next one comes, so that its reads
/// end where the pieces do, even inside a character. TCP promises the order of the bytes, never
/// where one read ends; this is the way to make a boundary fall where we want it.
pub fn send_in_pieces(
    stream: &mut TcpStream,
    data: &[u8],
    piece_size: NonZeroUsize,
    pause: Duration,
) -> io::Result<()> {
    // Nagle's algorithm holds a small write back while an earlier one is unacknowledged, and sends
    // them together; TCP_NODELAY sends each write at once.
    stream.set_nodelay(true)?;
    for (index, piece) in data.chunks(piece_size.get()).enumerate() {
        if index > 0 {
            thread::sleep(pause);
        }
        // write_all, not write: lesson 6 shows why.
        stream.write_all(piece)?;
        println!("sent {}", bytes(piece));
    }
    Ok(())
}
// ANCHOR_END: send

// ANCHOR: run
/// `lesson2 server`: listen on `addr` and print the text each client sends, however it is cut.
pub fn run_server(addr: SocketAddr) -> anyhow::Result<()> {
    let listener = lesson1::listen(addr).with_context(|| format!("could not listen on {addr}"))?;
    listening::announce(&listener)?;
    serve(&listener)
}

/// `lesson2 client`: connect to `addr` and send `text` as UTF-8, all at once, or in pieces of
/// `piece_size` bytes, `pause` apart.
pub fn run_client(
    addr: SocketAddr,
    text: &str,
    piece_size: Option<NonZeroUsize>,
    pause: Duration,
) -> anyhow::Result<()> {
    let mut stream =
        TcpStream::connect(addr).with_context(|| format!("could not connect to {addr}"))?;
    println!("connected to {addr} from {}", stream.local_addr()?);
    let data = text.as_bytes();
    println!(
        "sending {text:?}: {} bytes, {} characters",
        data.len(),
        text.chars().count()
    );
    let piece_size = piece_size.unwrap_or(NonZeroUsize::MAX);
    send_in_pieces(&mut stream, data, piece_size, pause)?;
    println!("closing the connection");
    Ok(())
}
// ANCHOR_END: run
