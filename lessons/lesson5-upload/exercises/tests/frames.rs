//! The tests of exercise `frames`. Check your file with `cargo run -- check lesson5`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's server reads each frame with your `read_frame` and sends its message back in a
//! frame; a real client sends frames over loopback, whole, stuck together, or a byte per write,
//! and checks what comes back, and when the server closes the connection.

#[cfg_attr(feature = "solution", path = "../solutions/frames.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/frames.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../frames.rs"
)]
mod frames;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::Duration;

use socket_lab::exercise::{self, Server, preview};

/// The kit's server: each message back, in a frame, until `read_frame` says the client is done.
fn echo_frames(mut conn: impl Read + Write) -> io::Result<()> {
    while let Some(message) = frames::read_frame(&mut conn)? {
        conn.write_all(&frame(&message))?;
    }
    Ok(())
}

fn start_frame_server() -> Server {
    exercise::start_server(|listener| exercise::each_connection(listener, echo_frames))
}

/// `message` in a frame: its length in 4 bytes, big-endian, then the message.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut framed = (message.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    framed
}

/// Sends `bytes`, one write each piece of `piece_size` bytes with `pause` after each. Stops at
/// the first write that fails (the server may have closed): what came back tells why.
fn send(conn: &mut TcpStream, bytes: &[u8], piece_size: usize, pause: Duration) {
    for piece in bytes.chunks(piece_size) {
        if conn.write_all(piece).is_err() {
            return;
        }
        thread::sleep(pause);
    }
}

/// A message for a failure message: as text if it is UTF-8.
fn text(message: &[u8]) -> String {
    match std::str::from_utf8(message) {
        Ok(text) => format!("{text:?}"),
        Err(_) => preview(message),
    }
}

/// Expects the frames of `messages` back, in order; `sent` says how they were sent.
fn expect_back(conn: &mut TcpStream, messages: &[&[u8]], sent: &str) {
    let expected: Vec<u8> = messages.iter().flat_map(|message| frame(message)).collect();
    let shown: Vec<String> = messages.iter().map(|message| text(message)).collect();
    let shown = shown.join(", ");
    match exercise::read_exactly(conn, expected.len()) {
        Ok(back) => {
            if let Some(difference) = exercise::difference(&expected, &back) {
                panic!(
                    "sent the frames of [{shown}] {sent}, and expected them back; of the {} \
                     bytes, {difference}",
                    expected.len()
                );
            }
        }
        Err(short) => panic!(
            "sent the frames of [{shown}] {sent}, and expected {} bytes back; {short}",
            expected.len()
        ),
    }
}

/// Closes the client's sending side and expects the server to close the connection, having
/// sent nothing more.
fn expect_close(mut conn: TcpStream, after: &str) {
    let _ = conn.shutdown(Shutdown::Write);
    match exercise::read_until_closed(&mut conn) {
        Ok(more) => assert!(
            more.is_empty(),
            "{after}, and then {} came: a frame cut short has no message to answer",
            preview(&more)
        ),
        Err(short) => panic!(
            "{after}, and the client closed its sending side; the server should close the \
             connection, but {short}"
        ),
    }
}

const AT_ONCE: (usize, Duration) = (usize::MAX, Duration::ZERO);

#[test]
fn a_frame_comes_back() {
    let server = start_frame_server();
    let mut conn = exercise::connect(server.addr());
    send(&mut conn, &frame(b"hello"), AT_ONCE.0, AT_ONCE.1);
    expect_back(&mut conn, &[b"hello"], "in one write");
}

#[test]
fn frames_stuck_together_come_back_one_by_one() {
    let server = start_frame_server();
    let mut conn = exercise::connect(server.addr());
    let messages: [&[u8]; 3] = [b"first", b"", "你好".as_bytes()];
    let stuck: Vec<u8> = messages.iter().flat_map(|message| frame(message)).collect();
    send(&mut conn, &stuck, AT_ONCE.0, AT_ONCE.1);
    expect_back(&mut conn, &messages, "in one write");
}

#[test]
fn a_frame_sent_one_byte_per_write_comes_back() {
    let server = start_frame_server();
    let mut conn = exercise::connect(server.addr());
    let message = "hello, 世界".as_bytes();
    send(&mut conn, &frame(message), 1, Duration::from_millis(20));
    expect_back(&mut conn, &[message], "one byte per write, 20 ms apart");
}

#[test]
fn a_long_frame_comes_back() {
    let server = start_frame_server();
    let mut conn = exercise::connect(server.addr());
    let message: Vec<u8> = (0..60_000u32).map(|i| (i % 251) as u8).collect();
    send(&mut conn, &frame(&message), AT_ONCE.0, AT_ONCE.1);
    expect_back(&mut conn, &[&message], "in one write");
}

#[test]
fn the_server_closes_when_the_client_is_done() {
    let server = start_frame_server();
    let mut conn = exercise::connect(server.addr());
    send(&mut conn, &frame(b"bye"), AT_ONCE.0, AT_ONCE.1);
    expect_back(&mut conn, &[b"bye"], "in one write");
    expect_close(conn, "after the frame of b\"bye\" came back");
}

#[test]
fn a_frame_cut_short_is_not_answered() {
    let server = start_frame_server();
    let mut conn = exercise::connect(server.addr());
    // A frame of 10 bytes, of which 3 are sent.
    let cut = &frame(b"0123456789")[..7];
    send(&mut conn, cut, AT_ONCE.0, AT_ONCE.1);
    expect_close(conn, "sent the first 3 bytes of a frame of 10");
}

#[test]
fn a_frame_longer_than_the_limit_is_refused_at_once() {
    let server = start_frame_server();
    let mut conn = exercise::connect(server.addr());
    let length = frames::MAX_FRAME + 1;
    send(&mut conn, &length.to_be_bytes(), AT_ONCE.0, AT_ONCE.1);
    // The client keeps its end open: the server must not wait for the message.
    match exercise::read_until_closed(&mut conn) {
        Ok(back) => assert!(
            back.is_empty(),
            "sent the length of a frame of {length} bytes, over MAX_FRAME, and {} came back",
            preview(&back)
        ),
        Err(short) => panic!(
            "sent the length of a frame of {length} bytes, over MAX_FRAME, and nothing more; \
             the server should close the connection at once, but {short}"
        ),
    }
}

/// A test that hands `read_frame` something other than a socket, so it checks Rust code only.
mod rust_only {
    use super::*;
    use socket_lab::exercise::ShortReads;

    #[test]
    fn frames_read_one_byte_at_a_time_come_back() {
        // Each read returns one byte, however the client wrote them.
        let server = exercise::start_rust_server(|listener| {
            exercise::each_connection(listener, |conn| echo_frames(ShortReads::new(conn, 1)))
        });
        let mut conn = exercise::connect(server.addr());
        let messages: [&[u8]; 3] = [b"first", b"", "你好".as_bytes()];
        let stuck: Vec<u8> = messages.iter().flat_map(|message| frame(message)).collect();
        send(&mut conn, &stuck, AT_ONCE.0, AT_ONCE.1);
        expect_back(
            &mut conn,
            &messages,
            "in one write, read one byte at a time",
        );
    }
}
