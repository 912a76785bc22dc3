//! The reference solution of `write_ready`.

use std::io::{self, Write};

use mio::Interest;

pub fn write_ready(conn: &mut impl Write, unsent: &mut Vec<u8>) -> io::Result<Interest> {
    while !unsent.is_empty() {
        match conn.write(unsent) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                unsent.drain(..n);
            }
            // The buffer is full: keep the rest, and hear when the socket has room.
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(Interest::WRITABLE),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    // All sent: stop asking for write readiness, and read again.
    Ok(Interest::READABLE)
}
