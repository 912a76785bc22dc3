//! Lesson 1, exercise `greet`: accept a client and greet it with its own address.
//!
//! `greet_next` accepts the next client, sends it the text `hello, ` followed by the client's
//! address, such as `hello, 127.0.0.1:54321`, and closes the connection. The server around it
//! calls `greet_next` once for each client, on the same listening socket.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson1`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Write};
use std::net::TcpListener;

/// Accepts the next client on `listener`, sends it `hello, HOST:PORT` with its own address
/// (UTF-8, nothing after it), and closes the connection.
pub fn greet_next(listener: &TcpListener) -> io::Result<()> {
    // TODO: accept a client, send it the greeting, and let the connection close.
    todo!()
}
