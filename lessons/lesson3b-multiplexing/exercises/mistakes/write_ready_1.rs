//! Planted mistake 1 of `write_ready`: one `write`, its count ignored, and everything cleared:
//! what the socket did not take is lost.

use std::io::{self, Write};

use mio::Interest;

pub fn write_ready(conn: &mut impl Write, unsent: &mut Vec<u8>) -> io::Result<Interest> {
    match conn.write(unsent) {
        // WRONG: `write` says how many bytes it took; the others are dropped here.
        Ok(_) => unsent.clear(),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(Interest::WRITABLE),
        Err(err) => return Err(err),
    }
    Ok(Interest::READABLE)
}
