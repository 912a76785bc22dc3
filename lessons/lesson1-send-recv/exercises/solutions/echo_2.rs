//! Lesson 1, exercise `echo`: a second correct solution, written differently from the first.
//!
//! A bigger buffer, a loop that ends on the read of 0 in its condition, and the bytes written by
//! hand, a `write` at a time, the way `write_all` does it.

use std::io::{self, Read, Write};

/// Sends back every byte `conn` receives, until the client closes its end; then returns Ok.
pub fn echo(mut conn: impl Read + Write) -> io::Result<()> {
    let mut buf = vec![0u8; 4096];
    let mut received = conn.read(&mut buf)?;
    while received > 0 {
        let mut sent = 0;
        while sent < received {
            match conn.write(&buf[sent..received])? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                taken => sent += taken,
            }
        }
        received = conn.read(&mut buf)?;
    }
    Ok(())
}
