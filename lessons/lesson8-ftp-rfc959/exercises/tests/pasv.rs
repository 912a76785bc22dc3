//! The tests of exercise `pasv`. Check your file with `cargo lab check lesson8`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit plays the server: it accepts the connection that `pasv` is given, reads the `PASV`
//! command, and answers with a reply the way a network delivers one (in one piece, a byte per
//! write, or in two parts far apart), then checks the address `pasv` returned.

#[cfg_attr(feature = "solution", path = "../solutions/pasv.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/pasv_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/pasv_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/pasv_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/pasv_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/pasv_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../pasv.rs"
)]
mod pasv;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use socket_lab::exercise::{self, CLIENT_TIMEOUT, Pace, Steps, shown};

/// The pause between the two parts of a reply sent in two: long enough for the client to have
/// read the first part on its own.
const BETWEEN_PARTS: Duration = Duration::from_millis(300);

/// The control connection's peer: where every data connection must go.
const LOOPBACK: [u8; 4] = [127, 0, 0, 1];

/// Runs `pasv` on a connection to the kit, answers its command with `parts` at `pace`, and
/// returns what it returned; `steps` records the conversation.
fn answer_pasv(steps: &mut Steps, parts: &[&[u8]], pace: Pace) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(SocketAddr::from((LOOPBACK, 0))).expect("listen");
    let addr = listener.local_addr().expect("the kit's address");
    let (returned, outcome) = mpsc::channel();
    thread::spawn(move || {
        let result = TcpStream::connect(addr).and_then(|mut control| pasv::pasv(&mut control));
        let _ = returned.send(result);
    });
    let mut control = steps.accept(&listener);
    let step = "expect the command PASV\\r\\n";
    match exercise::read_line(&mut control) {
        Ok(line) if line == b"PASV\r\n" => steps.got(step),
        Ok(line) => steps.failed(step, shown(&line), "the client sent another command"),
        Err(short) => steps.failed(step, short, "the client did not send PASV\\r\\n"),
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            thread::sleep(BETWEEN_PARTS);
            steps.did(format!("wait {} ms", BETWEEN_PARTS.as_millis()));
        }
        // A client that gave up early may have closed already; its test fails on what it
        // returned, not here.
        let _ = exercise::send(&mut control, part, pace);
        steps.did(format!("send {}, {pace}", shown(part)));
    }
    match outcome.recv_timeout(CLIENT_TIMEOUT) {
        Ok(result) => result,
        Err(_) => steps.failed(
            "expect pasv to return",
            format!("it had not returned after {}s", CLIENT_TIMEOUT.as_secs()),
            "pasv had not returned: does it stop at the \\r\\n that ends the reply?",
        ),
    }
}

/// Answers with `parts` at `pace` and checks that `pasv` returns 127.0.0.1 and `port`;
/// `failing` says what an error means for this reply.
fn assert_address(parts: &[&[u8]], pace: Pace, port: u16, failing: &str) {
    let mut steps = Steps::new();
    let expected = SocketAddr::from((LOOPBACK, port));
    let step = format!("expect pasv to return {expected}, the control connection's peer");
    match answer_pasv(&mut steps, parts, pace) {
        Ok(addr) if addr == expected => steps.got(step),
        Ok(addr) if addr.ip() != expected.ip() => steps.failed(
            step,
            addr,
            "pasv returned the host named in the reply, not the control connection's peer",
        ),
        Ok(addr) => steps.failed(
            step,
            addr,
            "pasv returned the wrong port: the last two numbers are its high and low bytes",
        ),
        Err(err) => steps.failed(step, format!("an error: {err}"), failing),
    }
}

#[test]
fn a_227_reply_gives_the_port() {
    // 195 * 256 + 80 = 50000.
    let reply: &[u8] = b"227 Entering Passive Mode (127,0,0,1,195,80).\r\n";
    assert_address(
        &[reply],
        Pace::Whole,
        50_000,
        "pasv failed on a plain 227 reply",
    );
    let reply: &[u8] = b"227 Entering Passive Mode (127,0,0,1,4,1)\r\n";
    assert_address(
        &[reply],
        Pace::Whole,
        1025,
        "pasv failed on a plain 227 reply",
    );
}

#[test]
fn a_reply_in_pieces_gives_the_port() {
    let failing = "pasv failed on a reply that arrived in pieces: does it read until \\r\\n?";
    let reply: &[u8] = b"227 Entering Passive Mode (127,0,0,1,156,64)\r\n";
    for pace in [Pace::Drip(1), Pace::Drip(5)] {
        assert_address(&[reply], pace, 40_000, failing);
    }
    let (first, second) = reply.split_at(20);
    assert_address(&[first, second], Pace::Whole, 40_000, failing);
}

#[test]
fn a_reply_without_parentheses_gives_the_port() {
    let failing = "pasv failed on a reply without parentheses: RFC 1123 says to look for the \
                   first digit after the code";
    let reply: &[u8] = b"227 =127,0,0,1,234,96\r\n";
    assert_address(&[reply], Pace::Whole, 60_000, failing);
    let reply: &[u8] = b"227 Entering Passive Mode 127,0,0,1,234,96\r\n";
    assert_address(&[reply], Pace::Whole, 60_000, failing);
}

#[test]
fn a_refusal_is_an_error() {
    let mut steps = Steps::new();
    let reply: &[u8] = b"502 PASV not implemented.\r\n";
    let step = "expect pasv to return an error";
    match answer_pasv(&mut steps, &[reply], Pace::Whole) {
        Err(_) => steps.got(step),
        Ok(addr) => steps.failed(
            step,
            format!("it returned {addr}"),
            "pasv took a refusal for an address: only a 227 reply holds one",
        ),
    }
}

#[test]
fn the_host_comes_from_the_control_connection() {
    // A server behind NAT names its private address; a hostile one, any host it likes.
    let reply: &[u8] = b"227 Entering Passive Mode (10,1,2,3,195,80)\r\n";
    assert_address(
        &[reply],
        Pace::Whole,
        50_000,
        "pasv failed on a plain 227 reply",
    );
}
