//! Lesson 6, exercise `send_all`: the reference solution.

use std::io::{self, Write};

/// Why `send_all` stopped before the end of its buffer, and how far it got.
#[derive(Debug)]
pub struct SendError {
    /// How many bytes of the buffer the writer took: the caller goes on from `buf[sent..]`.
    pub sent: usize,
    pub error: io::Error,
}

/// Writes all of `buf` with `write`, or says how many bytes went out before it had to stop.
pub fn send_all(writer: &mut impl Write, buf: &[u8]) -> Result<(), SendError> {
    let mut sent = 0;
    // The condition comes first: an empty buffer needs no write at all.
    while sent < buf.len() {
        match writer.write(&buf[sent..]) {
            Ok(0) => {
                return Err(SendError {
                    sent,
                    error: io::ErrorKind::WriteZero.into(),
                });
            }
            Ok(n) => sent += n,
            // Nothing was written: the same call again.
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(SendError { sent, error }),
        }
    }
    Ok(())
}
