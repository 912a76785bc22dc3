//! The tests of exercise `echo`. Check your file with `cargo lab check lesson1`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! A real client talks to `echo` over loopback, and sends the way a network delivers: a byte or
//! a few bytes per write, so that the server's reads end inside the message and inside its
//! characters. The tests outside `mod rust_only` speak only over the socket, so a teacher can run
//! them against an echo server in any language: `cargo lab check lesson1 echo --server "CMD"`.

#[cfg_attr(feature = "solution", path = "../solutions/echo.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/echo_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/echo_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/echo_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/echo_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/echo_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../echo.rs"
)]
mod echo;

use std::net::TcpStream;
use std::thread;

use socket_lab::exercise::{self, Ended, Pace, Server, Short, Steps, shown};

fn start_echo_server() -> Server {
    exercise::start_server(|listener| exercise::each_connection(listener, echo::echo))
}

/// Why what came back is wrong, when it is not `sent`: the symptom a failure names.
fn what_went_wrong(sent: &[u8], back: &[u8]) -> &'static str {
    if back.len() > sent.len() {
        "more arrived than the client sent: the server must send back only what it received"
    } else if back.len() < sent.len() {
        "fewer bytes came back than the client sent"
    } else {
        "the bytes that came back differ from the ones the client sent"
    }
}

/// Why a read ended short: the server closed too early, or stopped answering.
fn why_short(ended: &Ended) -> &'static str {
    match ended {
        Ended::Closed => {
            "the server closed the connection before it had sent back all that the client sent"
        }
        Ended::TimedOut => "the server stopped sending back what the client sent",
        Ended::Failed(_) => "the connection failed",
    }
}

/// Expects exactly `sent` back, as the next step.
fn expect_back(steps: &mut Steps, conn: &mut TcpStream, sent: &[u8]) {
    let step = format!("expect {} back", shown(sent));
    match exercise::read_exactly(conn, sent.len()) {
        Ok(back) if back == sent => steps.got(step),
        Ok(back) => steps.failed(step, shown(&back), what_went_wrong(sent, &back)),
        Err(short) => steps.failed(step, &short, why_short(&short.ended)),
    }
}

/// Closes the client's sending side, and expects the server to close too, with nothing more.
fn close_and_expect_the_server_to_close(steps: &mut Steps, conn: &mut TcpStream) {
    steps.close_and_expect_the_close(
        conn,
        "more arrived: the server must send back only what it received",
        "the server did not close the connection once the client had closed its sending side: \
         does it see the read that returns 0?",
    );
}

#[test]
fn a_short_message_comes_back_unchanged() {
    let server = start_echo_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    steps.send(&mut conn, b"hello", Pace::Whole, &shown(b"hello"));
    expect_back(&mut steps, &mut conn, b"hello");
    close_and_expect_the_server_to_close(&mut steps, &mut conn);
}

#[test]
fn each_piece_of_a_message_comes_back() {
    let server = start_echo_server();
    // Each piece in one write, then a byte, then 5 bytes per write: the server's reads end
    // inside the message, and inside its characters.
    for pace in [Pace::Whole, Pace::Drip(1), Pace::Drip(5)] {
        let mut steps = Steps::new();
        let mut conn = steps.connect(server.addr());
        // The second piece is sent once the first has come back: a server that reads once
        // has read only the first, however the machine's timing goes.
        for piece in ["你好".as_bytes(), b", world"] {
            steps.send(&mut conn, piece, pace, &shown(piece));
            expect_back(&mut steps, &mut conn, piece);
        }
        close_and_expect_the_server_to_close(&mut steps, &mut conn);
    }
}

/// 100,000 bytes, far more than one read of 1024.
fn long_message() -> Vec<u8> {
    (0..100_000u32).map(|i| (i % 251) as u8).collect()
}

/// Sends `message` 4096 bytes per write, from a thread of its own (echo sends back while it is
/// still arriving, so sending it all before reading could fill both ways at once), closes the
/// sending side, and expects exactly `message` back, then the close.
fn expect_echo_of_long_message(server: &Server) {
    let message = long_message();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    let mut sender = conn.try_clone().expect("clone the socket");
    let pace = Pace::Drip(4096);
    steps.did(format!(
        "send {} bytes, {pace}, from another thread, then close the sending side",
        message.len()
    ));
    let to_send = message.clone();
    thread::spawn(move || {
        // If the server stops reading, this write times out; the reader reports what matters.
        let _ = exercise::send(&mut sender, &to_send, pace);
        let _ = sender.shutdown(std::net::Shutdown::Write);
    });
    let step = format!(
        "expect the same {} bytes back, then the server's close",
        message.len()
    );
    match exercise::read_until_closed(&mut conn) {
        Ok(back) => match exercise::difference(&message, &back) {
            None => steps.got(step),
            Some(difference) => steps.failed(step, difference, what_went_wrong(&message, &back)),
        },
        Err(Short { received, ended }) => steps.failed(
            step,
            format!("{} bytes came, then {ended}", received.len()),
            match ended {
                Ended::TimedOut if received.len() == message.len() => {
                    "the server did not close the connection once the client had closed its \
                     sending side: does it see the read that returns 0?"
                }
                _ => why_short(&ended),
            },
        ),
    }
}

#[test]
fn long_messages_come_back_whole() {
    expect_echo_of_long_message(&start_echo_server());
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
        expect_echo_of_long_message(&server);
    }
}
