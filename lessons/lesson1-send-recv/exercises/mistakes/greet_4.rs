//! Lesson 1, exercise `greet`, planted mistake 4: the host without the port.
//!
//! It greets the client with `ip()` of its address, the host alone. Every client of this
//! machine then gets the same greeting, `hello, 127.0.0.1`: it is the port that tells two
//! connections from one host apart.

use std::io::{self, Write};
use std::net::TcpListener;

pub fn greet_next(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, client_address) = listener.accept()?;
    let host = client_address.ip(); // the mistake: the port is left out
    conn.write_all(format!("hello, {host}").as_bytes())?;
    Ok(())
}
