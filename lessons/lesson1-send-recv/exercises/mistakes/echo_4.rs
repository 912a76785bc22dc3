//! Lesson 1, exercise `echo`, planted mistake 4: `write` where `write_all` is needed.
//!
//! It hands each read's bytes to `write` once. `write` may take fewer bytes than it is given,
//! and returns how many it took; this code ignores that count, and what `write` did not take is
//! lost. Over loopback a few hundred bytes are nearly always taken whole, so it looks right;
//! a busy kernel takes part (the test hands `echo` a stream whose writes take 7 bytes).

use std::io::{self, Read, Write};

pub fn echo(mut conn: impl Read + Write) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        // The mistake: the count `write` returns is dropped (clippy warns of it, rightly).
        #[allow(clippy::unused_io_amount)]
        conn.write(&buf[..n])?;
    }
}
