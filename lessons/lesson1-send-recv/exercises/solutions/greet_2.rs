//! Lesson 1, exercise `greet`: a second correct solution, written differently from the first.
//!
//! It asks the connection for the address of its other end with `peer_addr`, and writes with
//! `write!`, which formats straight into the socket; the connection is closed by `drop`.

use std::io::{self, Write};
use std::net::TcpListener;

/// Accepts the next client on `listener`, sends it `hello, HOST:PORT` with its own address
/// (UTF-8, nothing after it), and closes the connection.
pub fn greet_next(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, _) = listener.accept()?;
    let client = conn.peer_addr()?;
    write!(conn, "hello, {client}")?;
    drop(conn);
    Ok(())
}
