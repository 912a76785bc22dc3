//! Planted mistake 2 of `write_ready`: `write_all`, as a blocking program would. On a
//! non-blocking socket it returns the WouldBlock error as soon as the buffer fills, and does not
//! say how much it had sent.

use std::io::{self, Write};

use mio::Interest;

pub fn write_ready(conn: &mut impl Write, unsent: &mut Vec<u8>) -> io::Result<Interest> {
    // WRONG: WouldBlock comes back as an error, and the loop closes the connection.
    conn.write_all(unsent)?;
    unsent.clear();
    Ok(Interest::READABLE)
}
