//! The tests of exercise `fetch`. Check your file with `cargo lab check lesson1`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! A real server (listening with lesson 1's `listen`) sends a reply the way a network delivers
//! one: at once, in pieces far apart, or a byte, 5 bytes or 4096 bytes per write; then it closes.
//! `fetch` must return all of it. The tests speak only over the socket, so a teacher can run them
//! against a client in any language that prints the reply on stdout:
//! `cargo lab check lesson1 fetch --client "CMD"`.

#[cfg_attr(feature = "solution", path = "../solutions/fetch.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/fetch_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/fetch_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/fetch_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/fetch_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/fetch_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../fetch.rs"
)]
mod fetch;

use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use socket_lab::exercise::{self, Pace, Steps, preview, shown};

/// The pause between two pieces of a reply: long enough for the client to have read the
/// previous piece on its own.
const BETWEEN_PIECES: Duration = Duration::from_millis(300);

/// Starts a server that answers one client with `pieces`, each written at `pace`, with
/// [`BETWEEN_PIECES`] between them, then closes.
fn start_replying_server(pieces: Vec<Vec<u8>>, pace: Pace) -> SocketAddr {
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0))).expect("listen");
    let addr = listener.local_addr().expect("the server's address");
    thread::spawn(move || {
        let Some(mut conn) = exercise::accept_one(&listener) else {
            return;
        };
        for (i, piece) in pieces.iter().enumerate() {
            if i > 0 {
                thread::sleep(BETWEEN_PIECES);
            }
            // A client that stopped reading early may have closed already; its test fails on
            // what it returned, not here.
            if exercise::send(&mut conn, piece, pace).is_err() {
                return;
            }
        }
    });
    addr
}

fn assert_fetches(pieces: &[&[u8]], pace: Pace) {
    let reply: Vec<u8> = pieces.concat();
    let addr = start_replying_server(pieces.iter().map(|piece| piece.to_vec()).collect(), pace);
    let mut steps = Steps::new();
    steps.did("listen; the client under test connects, and is accepted");
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            steps.did(format!("wait {} ms", BETWEEN_PIECES.as_millis()));
        }
        steps.did(format!("send {}, {pace}", shown(piece)));
    }
    steps.did("close the connection (the client's read returns 0)");
    let step = format!("expect the client to return the {} bytes sent", reply.len());
    let fetched = match exercise::run_client(addr, b"", |addr, _input| fetch::fetch(addr)) {
        Ok(fetched) => fetched,
        Err(failure) => {
            let symptom = if failure.contains("had not returned") {
                "the client had not returned long after the server closed: does it see the \
                 read that returns 0?"
            } else {
                "the client failed"
            };
            steps.failed(step, failure, symptom)
        }
    };
    match exercise::difference(&reply, &fetched) {
        None => steps.got(step),
        Some(difference) => {
            let symptom = if fetched.len() < reply.len() && reply.starts_with(&fetched) {
                "the client returned only part of the reply: a read returns what has arrived \
                 so far, and only the close says the reply is complete"
            } else {
                "the client returned bytes the server did not send"
            };
            steps.failed(
                step,
                format!("{difference} ({})", preview(&fetched)),
                symptom,
            )
        }
    }
}

#[test]
fn a_short_reply_comes_back_whole() {
    assert_fetches(&[b"hello"], Pace::Whole);
}

#[test]
fn a_long_reply_comes_back_whole() {
    let long: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    assert_fetches(&[&long], Pace::Whole);
}

#[test]
fn a_reply_in_pieces_comes_back_whole() {
    assert_fetches(&[b"hel", b"lo, ", "世界".as_bytes()], Pace::Whole);
    // Reads that end inside the characters: a byte, then 5 bytes, per write.
    let reply = "你好, 世界! ".repeat(3);
    for pace in [Pace::Drip(1), Pace::Drip(5)] {
        assert_fetches(&[reply.as_bytes()], pace);
    }
    // A long reply, 4096 bytes per write: reads end wherever the writes do.
    let long: Vec<u8> = "世界".repeat(5_000).into_bytes();
    assert_fetches(&[&long], Pace::Drip(4096));
}
