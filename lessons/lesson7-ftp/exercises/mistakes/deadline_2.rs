//! Lesson 7, exercise `deadline`, planted mistake 2: one read for the length, one for the body.
//!
//! It sets the time left as the timeout, then reads the length with one `read` and the body
//! with another, as if each part of a frame arrived in one piece. Over loopback a frame written
//! at once does; a frame that comes in pieces does not: a read returns what has arrived, so the
//! length may be its first byte and three zeros, and the body may be its first few bytes.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

pub fn read_frame_by(
    conn: &mut TcpStream,
    max: u32,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::ErrorKind::TimedOut.into());
    }
    conn.set_read_timeout(Some(left))?;
    let mut len = [0u8; 4];
    // The mistake: one read taken for all 4 bytes of the length (and below, for the body).
    if conn.read(&mut len)? == 0 {
        return Ok(None);
    }
    let len = u32::from_be_bytes(len);
    if len == 0 || len > max {
        let why = format!("a frame of {len} bytes; frames hold 1 to {max}");
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    let mut body = vec![0u8; len as usize];
    let got = conn.read(&mut body)?;
    if got == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    body.truncate(got);
    Ok(Some(body))
}
