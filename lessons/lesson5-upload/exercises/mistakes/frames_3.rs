//! Lesson 5, exercise `frames`, planted mistake 3: a clean close is an error.
//!
//! It reads the length with `read_exact`, which waits for all 4 bytes, however many reads they
//! take: right. But `read_exact` fails with `UnexpectedEof` when the connection closes before the
//! first byte too, and the `?` passes that on: a client that sent its last frame and hung up, as
//! every client does in the end, is reported as a frame cut short.

use std::io::{self, Read};

pub const MAX_FRAME: u32 = 64 * 1024;

pub fn read_frame(conn: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut length = [0u8; 4];
    conn.read_exact(&mut length)?; // the mistake: a close before the first byte is an error too
    let length = u32::from_be_bytes(length);
    if length > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too long"));
    }
    let mut message = vec![0; length as usize];
    conn.read_exact(&mut message)?;
    Ok(Some(message))
}
