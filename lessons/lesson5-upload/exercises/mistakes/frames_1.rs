//! Lesson 5, exercise `frames`, planted mistake 1: one read for the 4 bytes of the length.
//!
//! It reads the message with `read_exact`, as it should, but the length with one `read`, as if
//! 4 bytes always came together. They usually do: a frame sent in one write arrives whole. When a
//! read returns only the first byte of the length, the other three are taken for zeros, and the
//! frame's length is wrong from then on.

use std::io::{self, Read};

pub const MAX_FRAME: u32 = 64 * 1024;

pub fn read_frame(conn: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut length = [0u8; 4];
    if conn.read(&mut length)? == 0 {
        // The mistake: one read taken for all 4 bytes; what it did not fill stays 0.
        return Ok(None);
    }
    let length = u32::from_be_bytes(length);
    if length > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too long"));
    }
    let mut message = vec![0; length as usize];
    conn.read_exact(&mut message)?;
    Ok(Some(message))
}
