//! Lesson 5, exercise `frames`, planted mistake 2: every failure taken for the client being done.
//!
//! It reads the frame right, and then turns whatever went wrong into `Ok(None)`, "no more
//! frames". The server closes the connection either way, so over the socket it looks the same.
//! But the caller can no longer tell a client that is done from one that vanished halfway
//! through a message, or from one that announced 4 GiB: a message cut short passes for the
//! end of a conversation that went well.

use std::io::{self, Read};

pub const MAX_FRAME: u32 = 64 * 1024;

pub fn read_frame(conn: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    match read_message(conn) {
        Ok(message) => Ok(Some(message)),
        Err(_) => Ok(None), // the mistake: a cut frame and an over-long one pass for a clean close
    }
}

fn read_message(conn: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut length = [0u8; 4];
    conn.read_exact(&mut length)?;
    let length = u32::from_be_bytes(length);
    if length > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too long"));
    }
    let mut message = vec![0; length as usize];
    conn.read_exact(&mut message)?;
    Ok(message)
}
