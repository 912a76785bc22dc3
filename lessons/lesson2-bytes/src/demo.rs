//! The demo: text becomes bytes, the bytes cross a connection in pieces that cut characters in
//! two, and the server turns them back into text, first wrongly and then right.
//!
//! One thread plays both sides, as in lesson 1. The client writes a piece only after the server has
//! read the one before, so each read returns exactly one piece, on every run.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::str;

use lesson2::Utf8Decoder;
use socket_lab::demo::{self, bytes, note, say};

/// The text the client sends, and the size of its writes. 4 is not a multiple of 3, the size of
/// these characters in UTF-8, so the first two reads end inside a character.
const TEXT: &str = "你好世界";
const PIECE_SIZE: usize = 4;

/// "café!" as Latin-1 encodes it: a byte string that is not UTF-8.
const LATIN1_CAFE: &[u8] = b"caf\xe9!";

// ANCHOR: demo
pub fn run() -> anyhow::Result<()> {
    demo::title("Lesson 2: bytes and encoding (article section 一, iii)");

    demo::step("The client turns text into bytes: UTF-8");
    for text in ["hello", "你好"] {
        say(
            "client",
            format!(
                "{text:?}.as_bytes() is {}: {} bytes, {} characters",
                bytes(text.as_bytes()),
                text.len(),
                text.chars().count()
            ),
        );
    }
    note("len() counts bytes; chars().count() counts characters. Each ASCII character is one");
    note("byte in UTF-8; 你 and 好 are three each. Python's len(\"你好\") counts characters: 2.");

    demo::step("The server turns bytes back into text: strictly, or lossily");
    let nihao = "你好".as_bytes();
    say(
        "server",
        format!(
            "str::from_utf8({}) is {:?}",
            bytes(nihao),
            str::from_utf8(nihao)
        ),
    );
    // The compiler sees that this call fails, and warns; here failing is the point.
    #[allow(invalid_from_utf8)]
    let refused = str::from_utf8(LATIN1_CAFE);
    say(
        "server",
        format!(
            "str::from_utf8({}) fails: {}",
            bytes(LATIN1_CAFE),
            describe(refused)
        ),
    );
    say(
        "server",
        format!(
            "String::from_utf8_lossy({}) is {:?}",
            bytes(LATIN1_CAFE),
            String::from_utf8_lossy(LATIN1_CAFE)
        ),
    );
    note("those bytes are \"café!\" in Latin-1, not UTF-8. Strict decoding refuses them; lossy");
    note("decoding puts U+FFFD, the replacement character �, where the bad byte was.");

    demo::step(&format!(
        "The client sends {TEXT:?} in writes of {PIECE_SIZE} bytes; the server reads each"
    ));
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    client.set_nodelay(true)?;
    let (mut conn, _) = listener.accept()?;
    let mut pieces = Vec::new();
    for piece in TEXT.as_bytes().chunks(PIECE_SIZE) {
        client.write_all(piece)?;
        say("client", format!("write({})", bytes(piece)));
        let data = lesson1::recv_once(&mut conn)?;
        say(
            "server",
            format!("recv(1024) returned {} bytes: {}", data.len(), bytes(&data)),
        );
        pieces.push(data);
    }
    note(format!(
        "{} bytes in all, but each read ends where a write ended, and here that is inside a",
        TEXT.len()
    ));
    note("character: TCP keeps the bytes in order, not the boundaries between characters.");

    demo::step("The server decodes each read on its own");
    for (number, data) in pieces.iter().enumerate() {
        let number = number + 1;
        say(
            "server",
            format!(
                "read {number}, str::from_utf8: {}",
                describe(str::from_utf8(data))
            ),
        );
        say(
            "server",
            format!(
                "read {number}, from_utf8_lossy: {:?}",
                String::from_utf8_lossy(data)
            ),
        );
    }
    note("strict decoding refuses every read, and lossy decoding keeps 你 and 界 and turns 好 and");
    note("世 into replacement characters. Yet no byte is wrong: the reads cut characters in two.");

    demo::step("The server decodes the reads joined");
    let joined = pieces.concat();
    say(
        "server",
        format!(
            "str::from_utf8 of all {} bytes is {:?}",
            joined.len(),
            str::from_utf8(&joined)
        ),
    );
    note("right, but only at the end: a server cannot wait for the end of a conversation");
    note("before it understands any of it.");

    demo::step("The server decodes each read as it comes, with an incremental decoder");
    let mut decoder = Utf8Decoder::new();
    for data in &pieces {
        let decoded = decoder.decode(data)?;
        say(
            "server",
            format!(
                "decode({}) returns {decoded:?}, keeps {}",
                bytes(data),
                bytes(decoder.pending())
            ),
        );
    }
    say("server", format!("finish() returns {:?}", decoder.finish()));
    note("std's Utf8Error says how far the bytes are valid (valid_up_to()), and error_len() None");
    note("says that they end inside a character: the decoder keeps that start for the next read.");

    demo::step("Bytes that are wrong are still an error");
    say(
        "server",
        format!(
            "decode({}) fails: {}",
            bytes(LATIN1_CAFE),
            describe(Utf8Decoder::new().decode(LATIN1_CAFE))
        ),
    );
    let mut decoder = Utf8Decoder::new();
    let cut = &"你".as_bytes()[..2];
    say(
        "server",
        format!("decode({}) returns {:?}", bytes(cut), decoder.decode(cut)?),
    );
    say(
        "server",
        format!("then finish() fails: {}", describe(decoder.finish())),
    );
    note("error_len() is Some(1) for 0xe9 followed by `!`: no byte that comes later can mend it.");
    note("A character still cut when the stream ends is an error as well.");
    Ok(())
}
// ANCHOR_END: demo

/// An error as its Display shows it, the sentence a user would read.
fn describe<T, E: std::fmt::Display>(result: Result<T, E>) -> String {
    match result {
        Ok(_) => "no error".to_string(),
        Err(err) => err.to_string(),
    }
}
