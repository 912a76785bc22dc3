//! Lesson 6, exercise `send_all`, planted mistake 2: one `write`, and its count ignored.
//!
//! It hands the whole buffer to `write` once and reports success. `write` returns how many bytes
//! it took, which may be fewer than it was given: a socket whose send buffer is nearly full takes
//! what fits. Over loopback, with room to spare, a few KiB are nearly always taken whole, so it
//! looks right; the rest of a large buffer, or of one sent to a slow peer, is silently dropped.

use std::io::{self, Write};

#[derive(Debug)]
pub struct SendError {
    pub sent: usize,
    pub error: io::Error,
}

pub fn send_all(writer: &mut impl Write, buf: &[u8]) -> Result<(), SendError> {
    // The mistake: what `write` returns, how much it took, is thrown away (clippy warns of it).
    #[allow(clippy::unused_io_amount)]
    writer
        .write(buf)
        .map_err(|error| SendError { sent: 0, error })?;
    Ok(())
}
