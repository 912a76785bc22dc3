//! Lesson 5, exercise `receive`, planted mistake 2: the article's loop, 1024 bytes per read.
//!
//! It reads `recv(1024)` after `recv(1024)` until the file's size has arrived, as the article's
//! server does, and (better than the article) stops at a read of 0. It stores a file sent in
//! pieces whole. But its last read asks for 1024 bytes whatever is left of the file: when the
//! client's next request is already waiting behind the file, that read takes the request too,
//! writes it into the file, and the request is never answered.

use std::io::{self, Read, Write};

pub fn receive(conn: &mut impl Read, file: &mut impl Write, file_size: u64) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    let mut received = 0u64;
    while received < file_size {
        let n = conn.read(&mut buf)?; // the mistake: 1024 bytes asked for, not what is left
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        file.write_all(&buf[..n])?;
        received += n as u64;
    }
    Ok(())
}
