//! Lesson 3, exercise `ask_all`: ask several servers at once, a thread each, answers in order.
//!
//! The lesson's `ask` sends a message and waits for the answer. Asking three servers one after
//! the other takes as long as their three answers together; asking them at once, each from a
//! thread of its own, takes as long as the slowest. `ask_all` asks every server in `servers` the
//! same `message`, all at once, and returns their answers in the order of `servers`, whatever
//! the order they come in.
//!
//! A server that cannot be reached, or that fails, makes `ask_all` return that error: it is no
//! reason to panic.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson3`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::thread;

/// Connects to every server in `servers` and asks it `message` with `lesson3::ask`, all at once,
/// each on a thread of its own; returns the answers in the order of `servers`.
pub fn ask_all(servers: &[SocketAddr], message: &str) -> io::Result<Vec<Vec<u8>>> {
    // TODO: start a thread for each server, which connects and asks. Then collect what each
    // thread returns, in the order of `servers`: an answer, or an error to return.
    todo!()
}
