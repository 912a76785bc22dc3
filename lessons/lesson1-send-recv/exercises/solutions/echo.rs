//! Lesson 1, exercise `echo`: the reference solution (the one the book shows).

use std::io::{self, Read, Write};

/// Sends back every byte `conn` receives, until the client closes its end; then returns Ok.
pub fn echo(mut conn: impl Read + Write) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            // The client closed its end: nothing more will ever arrive.
            return Ok(());
        }
        // Only the first n bytes came from the client; the rest of `buf` is left over.
        // `write_all`, because `write` may take fewer bytes than it is given.
        conn.write_all(&buf[..n])?;
    }
}
