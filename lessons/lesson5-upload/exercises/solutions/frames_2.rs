//! Lesson 5, exercise `frames`: a second correct solution, written differently from the first.
//!
//! The first byte of the length alone, to tell a clean close from a frame cut short; then
//! `read_exact` for the other three, and `take` and `read_to_end` for the message, its count
//! checked by hand.

use std::io::{self, ErrorKind, Read};

/// The longest message a frame may hold.
pub const MAX_FRAME: u32 = 64 * 1024;

/// Reads one frame from `conn` and returns its message.
pub fn read_frame(conn: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut length = [0u8; 4];
    loop {
        match conn.read(&mut length[..1]) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    // From here on, a close is inside the frame: `read_exact` fails with UnexpectedEof.
    conn.read_exact(&mut length[1..])?;
    let length = u32::from_be_bytes(length);
    if length > MAX_FRAME {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            format!("a frame of {length} bytes is longer than {MAX_FRAME}"),
        ));
    }
    let mut message = Vec::with_capacity(length as usize);
    conn.take(u64::from(length)).read_to_end(&mut message)?;
    if message.len() < length as usize {
        return Err(io::Error::new(
            ErrorKind::UnexpectedEof,
            format!("the frame ended after {} of {length} bytes", message.len()),
        ));
    }
    Ok(Some(message))
}
