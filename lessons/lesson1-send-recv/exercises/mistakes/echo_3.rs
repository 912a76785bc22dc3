//! Lesson 1, exercise `echo`, planted mistake 3: a read that returns 0 is not the end.
//!
//! It sends back what arrives for as long as reading does not fail. But when the client closes
//! its end, `read` does not fail: it returns 0, and again 0, forever. This loop sends back those
//! zero bytes without end and never closes the connection, so the client waits for a close that
//! never comes (and a core spins at 100%).

use std::io::{self, Read, Write};

pub fn echo(mut conn: impl Read + Write) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?; // the mistake: 0, the client's close, is not looked at
        conn.write_all(&buf[..n])?;
    }
}
