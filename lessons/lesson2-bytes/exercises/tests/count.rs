//! The tests of exercise `count`. Check your file with `cargo run -- check lesson2`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! A real client (sending with lesson 2's own `send_in_pieces`) sends lines to the server over
//! loopback, all at once or a byte per write, and checks each answer. The tests outside
//! `mod rust_only` speak only over the socket, so a teacher can run them against a server in any
//! language: `cargo run -- check lesson2 count --server "CMD"`.

#[cfg_attr(feature = "solution", path = "../solutions/count.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/count.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../count.rs"
)]
mod count;

use std::io::ErrorKind;
use std::net::{Shutdown, TcpStream};
use std::num::NonZeroUsize;
use std::time::Duration;

use socket_lab::exercise::{self, Server, preview};

fn start_counting_server() -> Server {
    exercise::start_server(|listener| exercise::each_connection(listener, count::count_characters))
}

/// How the kit's client sends a line.
#[derive(Clone, Copy)]
enum Sending {
    AllAtOnce,
    /// One byte per write, with a pause after each, so that the server's reads end inside the
    /// characters (lesson 2's `client --chunk 1`).
    OneBytePerWrite,
}

impl Sending {
    fn describe(self) -> &'static str {
        match self {
            Sending::AllAtOnce => "all at once",
            Sending::OneBytePerWrite => "one byte per write, 20 ms apart",
        }
    }
}

/// A line for a failure message: its text if it is UTF-8, and its size in bytes.
fn show(line: &[u8]) -> String {
    match std::str::from_utf8(line) {
        Ok(text) => format!("{text:?} ({} bytes)", line.len()),
        Err(_) => preview(line),
    }
}

/// Sends `line` and expects `expected` back, one line.
fn send_and_expect(conn: &mut TcpStream, line: &[u8], sending: Sending, expected: &str) {
    let (piece_size, pause) = match sending {
        Sending::AllAtOnce => (NonZeroUsize::MAX, Duration::ZERO),
        Sending::OneBytePerWrite => (NonZeroUsize::MIN, Duration::from_millis(20)),
    };
    let how = sending.describe();
    if let Err(err) = lesson2::send_in_pieces(conn, line, piece_size, pause) {
        let why = match err.kind() {
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
                "the server closed the connection before the whole line was sent".to_string()
            }
            _ => format!("writing failed: {err}"),
        };
        panic!("sending {} {how}: {why}", show(line));
    }
    match exercise::read_line(conn) {
        Ok(answer) => assert!(
            answer == expected.as_bytes(),
            "sent {} {how}: the answer was {}, not {}",
            show(line),
            preview(&answer),
            preview(expected.as_bytes())
        ),
        Err(short) => panic!(
            "sent {} {how}, and waited for the answer {}; {short}",
            show(line),
            preview(expected.as_bytes())
        ),
    }
}

/// Closes the client's sending side and expects the server to close too, with nothing more.
fn close_and_expect_the_server_to_close(mut conn: TcpStream) {
    conn.shutdown(Shutdown::Write).expect("shutdown");
    match exercise::read_until_closed(&mut conn) {
        Ok(more) => assert!(
            more.is_empty(),
            "the client closed its sending side after its last answer, and {} more arrived",
            preview(&more)
        ),
        Err(short) => panic!(
            "the client closed its sending side after its last answer, and waited for the \
             server to close the connection; {short}"
        ),
    }
}

#[test]
fn a_line_is_answered_with_its_number_of_characters() {
    let server = start_counting_server();
    let mut conn = exercise::connect(server.addr());
    send_and_expect(&mut conn, b"hello\n", Sending::AllAtOnce, "5\n");
    // 13 bytes, 9 characters.
    send_and_expect(
        &mut conn,
        "你好, world\n".as_bytes(),
        Sending::AllAtOnce,
        "9\n",
    );
    close_and_expect_the_server_to_close(conn);
}

#[test]
fn a_line_sent_one_byte_per_write_is_counted_the_same() {
    let server = start_counting_server();
    let mut conn = exercise::connect(server.addr());
    send_and_expect(
        &mut conn,
        "你好\n".as_bytes(),
        Sending::OneBytePerWrite,
        "2\n",
    );
    close_and_expect_the_server_to_close(conn);
}

#[test]
fn a_line_that_is_not_utf8_is_answered_not_utf8() {
    let server = start_counting_server();
    let mut conn = exercise::connect(server.addr());
    // "café" in Latin-1: 0xe9 would start a three-byte character, and `\n` cannot continue it.
    send_and_expect(&mut conn, b"caf\xe9\n", Sending::AllAtOnce, "not UTF-8\n");
    // The server goes on with the next line.
    send_and_expect(&mut conn, "café\n".as_bytes(), Sending::AllAtOnce, "4\n");
    close_and_expect_the_server_to_close(conn);
}

#[test]
fn lines_that_arrive_together_are_answered_each() {
    let server = start_counting_server();
    let mut conn = exercise::connect(server.addr());
    // Three lines in one write, the second empty: three answers.
    send_and_expect(
        &mut conn,
        "你好\n\nworld\n".as_bytes(),
        Sending::AllAtOnce,
        "2\n",
    );
    for expected in ["0\n", "5\n"] {
        match exercise::read_line(&mut conn) {
            Ok(answer) => assert!(
                answer == expected.as_bytes(),
                "sent \"你好\\n\\nworld\\n\" all at once: after b\"2\\n\", the next answer was {}, \
                 not {}",
                preview(&answer),
                preview(expected.as_bytes())
            ),
            Err(short) => panic!(
                "sent \"你好\\n\\nworld\\n\" all at once, and waited for three answers: after \
                 b\"2\\n\", {short}"
            ),
        }
    }
    close_and_expect_the_server_to_close(conn);
}

/// Tests that hand `count_characters` something other than a socket, so they check Rust code
/// only; the checker skips them when it checks a command (`--server`).
mod rust_only {
    use super::*;
    use socket_lab::exercise::ShortReads;

    #[test]
    fn a_line_read_one_byte_at_a_time_is_counted_the_same() {
        // Each read returns one byte, however the client wrote them: the worst a network can do.
        let server = exercise::start_rust_server(|listener| {
            exercise::each_connection(listener, |conn| {
                count::count_characters(ShortReads::new(conn, 1))
            })
        });
        let mut conn = exercise::connect(server.addr());
        send_and_expect(
            &mut conn,
            "你好世界\n".as_bytes(),
            Sending::AllAtOnce,
            "4\n",
        );
        close_and_expect_the_server_to_close(conn);
    }
}
