//! Planted mistake 4 of `write_ready`: it keeps what did not fit, but asks to read again rather
//! than to hear when the socket can take more: the rest waits until the client sends something,
//! which a client waiting for its answer never does.

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
    // WRONG: READABLE whether or not bytes are left.
    Ok(Interest::READABLE)
}
