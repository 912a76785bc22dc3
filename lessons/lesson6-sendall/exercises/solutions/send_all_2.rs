//! Lesson 6, exercise `send_all`: a second correct solution, written differently from the first.
//!
//! It keeps what is left to send, a slice that shrinks from the front, instead of a count, and
//! works the count out from it when it has to report one; the errors are told apart by their
//! kind first.

use std::io::{self, ErrorKind, Write};

/// Why `send_all` stopped before the end of its buffer, and how far it got.
#[derive(Debug)]
pub struct SendError {
    /// How many bytes of the buffer the writer took: the caller goes on from `buf[sent..]`.
    pub sent: usize,
    pub error: io::Error,
}

/// Writes all of `buf` with `write`, or says how many bytes went out before it had to stop.
pub fn send_all(writer: &mut impl Write, buf: &[u8]) -> Result<(), SendError> {
    let mut left = buf;
    loop {
        if left.is_empty() {
            return Ok(());
        }
        let stop = |error: io::Error, left: &[u8]| SendError {
            sent: buf.len() - left.len(),
            error,
        };
        match writer.write(left) {
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(stop(error, left)),
            Ok(0) => return Err(stop(ErrorKind::WriteZero.into(), left)),
            Ok(taken) => left = &left[taken..],
        }
    }
}
