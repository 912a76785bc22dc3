//! The tests of exercise `echo`. Check your file with `cargo run -- check lesson1`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! A real client (sending with lesson 1's own `send_message`) talks to `echo` over loopback.
//! The tests outside `mod rust_only` speak only over the socket, so a teacher can run them
//! against an echo server in any language: `cargo run -- check lesson1 echo --server "CMD"`.

#[cfg_attr(feature = "solution", path = "../solutions/echo.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/echo.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../echo.rs"
)]
mod echo;

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::thread;

use socket_lab::exercise::{self, Server, Short, preview};

fn start_echo_server() -> Server {
    exercise::start_server(|listener| exercise::each_connection(listener, echo::echo))
}

/// Sends `piece` and expects exactly the same bytes back.
fn send_and_expect_it_back(conn: &mut TcpStream, piece: &[u8]) {
    lesson1::send_message(conn, std::str::from_utf8(piece).unwrap()).expect("send");
    match exercise::read_exactly(conn, piece.len()) {
        Ok(back) => assert!(
            back == piece,
            "sent {}, and {} came back",
            preview(piece),
            preview(&back)
        ),
        Err(Short { received, ended }) => panic!(
            "sent {}; {} came back, then {ended}",
            preview(piece),
            preview(&received)
        ),
    }
}

/// Closes the client's sending side and expects the server to close too, with nothing more.
fn close_and_expect_the_server_to_close(mut conn: TcpStream, echoed_so_far: &[u8]) {
    conn.shutdown(Shutdown::Write).expect("shutdown");
    match exercise::read_until_closed(&mut conn) {
        Ok(more) => assert!(
            more.is_empty(),
            "after {} came back, {} more arrived: the server must send back only what it received",
            preview(echoed_so_far),
            preview(&more)
        ),
        Err(Short { received, ended }) => panic!(
            "the client closed its sending side after {} came back, and waited for the \
             server to close the connection; {} more came, then {ended}",
            preview(echoed_so_far),
            preview(&received)
        ),
    }
}

#[test]
fn a_short_message_comes_back_unchanged() {
    let server = start_echo_server();
    let mut conn = exercise::connect(server.addr());
    send_and_expect_it_back(&mut conn, b"hello");
    close_and_expect_the_server_to_close(conn, b"hello");
}

#[test]
fn each_piece_of_a_message_comes_back() {
    let server = start_echo_server();
    let mut conn = exercise::connect(server.addr());
    // The second piece is sent only once the first has come back, so they arrive as two reads.
    send_and_expect_it_back(&mut conn, "你好".as_bytes());
    send_and_expect_it_back(&mut conn, b", world");
    close_and_expect_the_server_to_close(conn, "你好, world".as_bytes());
}

/// 100,000 bytes, far more than one read of 1024, sent while the echo comes back.
fn long_message() -> Vec<u8> {
    (0..100_000u32).map(|i| (i % 251) as u8).collect()
}

/// Sends `message` from a thread of its own (echo sends back while it is still arriving, so
/// sending it all before reading could fill both ways at once), closes the sending side, and
/// returns everything the server sent back until it closed.
fn echo_of(server: &Server, message: &[u8]) -> Result<Vec<u8>, Short> {
    let mut conn = exercise::connect(server.addr());
    let mut sender = conn.try_clone().expect("clone the socket");
    let message = message.to_vec();
    thread::spawn(move || {
        // If the server stops reading, this write times out; the reader reports what matters.
        let _ = sender.write_all(&message);
        let _ = sender.shutdown(Shutdown::Write);
    });
    exercise::read_until_closed(&mut conn)
}

fn assert_came_back_whole(message: &[u8], echoed: Result<Vec<u8>, Short>) {
    match echoed {
        Ok(back) => {
            if let Some(difference) = exercise::difference(message, &back) {
                panic!(
                    "sent {} bytes and closed the sending side; until the server closed, \
                     {difference}",
                    message.len()
                );
            }
        }
        Err(Short { received, ended }) => panic!(
            "sent {} bytes; {} came back, then {ended}",
            message.len(),
            received.len()
        ),
    }
}

#[test]
fn long_messages_come_back_whole() {
    let server = start_echo_server();
    let message = long_message();
    assert_came_back_whole(&message, echo_of(&server, &message));
}

/// Tests that hand `echo` something other than a socket, so they check Rust code only; the
/// checker skips them when it checks a command (`--server`).
mod rust_only {
    use super::*;
    use socket_lab::exercise::ShortWrites;

    #[test]
    fn everything_comes_back_when_write_takes_only_part() {
        // Each write takes at most 7 bytes, as a socket's may when the kernel is busy.
        let server = exercise::start_rust_server(|listener| {
            exercise::each_connection(listener, |conn| echo::echo(ShortWrites::new(conn, 7)))
        });
        let message = long_message();
        assert_came_back_whole(&message, echo_of(&server, &message));
    }
}
