//! The tests of exercise `fetch`. Check your file with `cargo run -- check lesson1`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! A real server (listening with lesson 1's `listen`) sends a reply, in one piece or several,
//! and closes; `fetch` must return all of it. The tests speak only over the socket, so a teacher
//! can run them against a client in any language that prints the reply on stdout:
//! `cargo run -- check lesson1 fetch --client "CMD"`.

#[cfg_attr(feature = "solution", path = "../solutions/fetch.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/fetch.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../fetch.rs"
)]
mod fetch;

use std::io::Write;
use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use socket_lab::exercise::{self, preview};

/// Starts a server that answers one client with `pieces`, pausing between them, then closes.
fn start_replying_server(pieces: Vec<Vec<u8>>) -> SocketAddr {
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0))).expect("listen");
    let addr = listener.local_addr().expect("the server's address");
    thread::spawn(move || {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        exercise::bound(&conn);
        for (i, piece) in pieces.iter().enumerate() {
            if i > 0 {
                // Long enough for the client to have read the previous piece on its own.
                thread::sleep(Duration::from_millis(300));
            }
            // A client that stopped reading early may have closed already; its test fails on
            // what it returned, not here.
            if conn.write_all(piece).is_err() {
                return;
            }
        }
    });
    addr
}

fn assert_fetches(pieces: &[&[u8]]) {
    let reply: Vec<u8> = pieces.concat();
    let addr = start_replying_server(pieces.iter().map(|piece| piece.to_vec()).collect());
    let fetched = exercise::run_client(addr, b"", |addr, _input| fetch::fetch(addr))
        .unwrap_or_else(|failure| panic!("{failure}"));
    if let Some(difference) = exercise::difference(&reply, &fetched) {
        panic!(
            "the server sent {} in {} piece(s) and closed; of what the client returned, \
             {difference}",
            preview(&reply),
            pieces.len()
        );
    }
}

#[test]
fn a_short_reply_comes_back_whole() {
    assert_fetches(&[b"hello"]);
}

#[test]
fn a_long_reply_comes_back_whole() {
    let long: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    assert_fetches(&[&long]);
}

#[test]
fn a_reply_in_pieces_comes_back_whole() {
    assert_fetches(&[b"hel", b"lo, ", "世界".as_bytes()]);
}
