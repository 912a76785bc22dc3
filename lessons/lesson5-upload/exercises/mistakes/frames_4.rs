//! Lesson 5, exercise `frames`, planted mistake 4: no limit on the length.
//!
//! It reads frames right, whatever the reads return, and tells a clean close from a cut one.
//! But it believes every length: it makes room for what the client announced and waits for it.
//! A client that announces 4 GiB makes the server allocate 4 GiB and wait; one that announces a
//! little over `MAX_FRAME` and sends nothing more holds the server's thread until the client
//! gives up.

use std::io::{self, Read};

pub const MAX_FRAME: u32 = 64 * 1024;

pub fn read_frame(conn: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut length = [0u8; 4];
    let mut filled = 0;
    while filled < 4 {
        match conn.read(&mut length[filled..])? {
            0 if filled == 0 => return Ok(None),
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => filled += n,
        }
    }
    // The mistake: the length is never compared with MAX_FRAME.
    let mut message = vec![0; u32::from_be_bytes(length) as usize];
    conn.read_exact(&mut message)?;
    Ok(Some(message))
}
