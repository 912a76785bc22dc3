//! Lesson 1, exercise `echo`, planted mistake 2: one read per connection.
//!
//! It reads once, sends back what came, and returns, closing the connection: the article's
//! server does one `recv(1024)` per message, and a message typed by hand arrives in one piece.
//! But a read returns what has arrived so far; a message that comes in pieces is cut after the
//! first one.

use std::io::{self, Read, Write};

pub fn echo(mut conn: impl Read + Write) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf)?; // the mistake: one read taken for the whole message
    conn.write_all(&buf[..n])
}
