//! Lesson 1, exercise `echo`, planted mistake 1: it sends back the whole buffer.
//!
//! It sends back the whole buffer instead of the bytes that arrived. In Python, `recv` returns
//! a new object holding exactly what arrived; in Rust, `read` fills part of a buffer you own and
//! returns how much, and the rest of the buffer is whatever was there before.

use std::io::{self, Read, Write};

pub fn echo(mut conn: impl Read + Write) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf)?; // all 1024 bytes, not the n that arrived
    }
}
