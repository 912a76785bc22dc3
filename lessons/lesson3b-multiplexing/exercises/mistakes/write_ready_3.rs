//! Planted mistake 3 of `write_ready`: it always asks for write readiness, also once everything
//! is sent, so the loop never reads this client again.

use std::io::{self, Write};

use mio::Interest;

pub fn write_ready(conn: &mut impl Write, unsent: &mut Vec<u8>) -> io::Result<Interest> {
    while !unsent.is_empty() {
        match conn.write(unsent) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                unsent.drain(..n);
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    // WRONG: WRITABLE whether or not anything is left.
    Ok(Interest::WRITABLE)
}
