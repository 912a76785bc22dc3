//! Lesson 1, exercise `greet`, planted mistake 3: it waits for the client to speak first.
//!
//! It reads from the client before it greets it, as a server that answers requests does. But
//! this client sends nothing: it waits for the greeting. Each side waits for the other, and
//! neither ever speaks. A read with no timeout waits forever.

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn greet_next(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, client_address) = listener.accept()?;
    let mut request = [0u8; 1024];
    let _ = conn.read(&mut request)?; // the mistake: the client sends nothing, so this waits
    conn.write_all(format!("hello, {client_address}").as_bytes())?;
    Ok(())
}
