//! Lesson 5, exercise `receive`: the reference solution.

use std::io::{self, Read, Write};

/// Copies exactly `file_size` bytes from `conn` into `file`, and reads nothing after them.
///
/// Fails with an `UnexpectedEof` error if the connection ends first: the client vanished, and
/// the file is incomplete.
pub fn receive(conn: &mut impl Read, file: &mut impl Write, file_size: u64) -> io::Result<()> {
    // `take` makes a reader that ends after `file_size` bytes: it never asks `conn` for more than
    // what is left of the file, so the next request stays in the socket. `io::copy` reads and
    // writes until that reader ends, whatever size each read returns.
    let received = io::copy(&mut conn.take(file_size), file)?;
    if received < file_size {
        // The take ended early because `conn` did: a read returned 0.
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the connection closed after {received} of the {file_size} bytes announced"),
        ));
    }
    Ok(())
}
