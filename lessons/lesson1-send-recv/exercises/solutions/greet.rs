//! Lesson 1, exercise `greet`: the reference solution (the one the book shows).

use std::io::{self, Write};
use std::net::TcpListener;

/// Accepts the next client on `listener`, sends it `hello, HOST:PORT` with its own address
/// (UTF-8, nothing after it), and closes the connection.
pub fn greet_next(listener: &TcpListener) -> io::Result<()> {
    // accept returns the new connection and the address of the client at its other end.
    let (mut conn, client_address) = listener.accept()?;
    conn.write_all(format!("hello, {client_address}").as_bytes())?;
    Ok(())
    // `conn` is dropped here, which closes the connection.
}
