//! Lesson 5, exercise `frames`: the reference solution.

use std::io::{self, Read};

/// The longest message a frame may hold.
pub const MAX_FRAME: u32 = 64 * 1024;

/// Reads one frame from `conn` and returns its message.
pub fn read_frame(conn: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    // The length is 4 bytes, and they may come in up to 4 reads. `read_exact` would wait for all
    // of them too, but could not tell a close before the frame (the client is done) from a close
    // after its first byte (a frame cut short): this loop can.
    let mut length = [0u8; 4];
    let mut filled = 0;
    while filled < length.len() {
        match conn.read(&mut length[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection closed inside a frame's length",
                ));
            }
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    let length = u32::from_be_bytes(length);
    if length > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {length} bytes; the most is {MAX_FRAME}"),
        ));
    }
    // Exactly `length` bytes: `read_exact` reads until the buffer is full, and fails with
    // UnexpectedEof if the connection closes first. What follows stays in the connection.
    let mut message = vec![0; length as usize];
    conn.read_exact(&mut message)?;
    Ok(Some(message))
}
