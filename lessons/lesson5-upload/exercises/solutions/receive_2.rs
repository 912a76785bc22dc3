//! Lesson 5, exercise `receive`: a second correct solution, written differently from the first.
//!
//! A loop of its own, like lesson 5's `copy_exact`: an 8 KiB buffer, each read asking for no
//! more than what is left of the file, and a read of 0 before the end turned into the error.

use std::io::{self, ErrorKind, Read, Write};

/// Copies exactly `file_size` bytes from `conn` into `file`, and reads nothing after them.
pub fn receive(conn: &mut impl Read, file: &mut impl Write, file_size: u64) -> io::Result<()> {
    let mut buf = vec![0u8; 8192];
    let mut left = file_size;
    while left > 0 {
        let want = usize::try_from(left).map_or(buf.len(), |left| left.min(buf.len()));
        let n = match conn.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    format!(
                        "the client closed the connection {left} bytes before the end of the file"
                    ),
                ));
            }
            Ok(n) => n,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        file.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(())
}
