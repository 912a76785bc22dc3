//! Lesson 1, exercise `greet`, planted mistake 1: the server's address.
//!
//! It asks the connection for an address, but `local_addr` is the address of this end, the
//! server's. The client's end is `peer_addr`, or the address `accept` returned beside it.

use std::io::{self, Write};
use std::net::TcpListener;

pub fn greet_next(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, _) = listener.accept()?;
    let address = conn.local_addr()?; // the server's end of the connection
    conn.write_all(format!("hello, {address}").as_bytes())?;
    Ok(())
}
