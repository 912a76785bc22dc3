//! Lesson 5, exercise `receive`, planted mistake 3: a read of 0 is not the end.
//!
//! It reads no more than what is left of the file, and stores whatever way the file arrives. But
//! when the client vanishes before the end, `read` returns 0, and 0 again, forever: this loop adds
//! 0 to what it has received and goes round again, without end. The client is gone, the server's
//! thread spins at 100% of a core, and the connection is never closed.

use std::io::{self, Read, Write};

pub fn receive(conn: &mut impl Read, file: &mut impl Write, file_size: u64) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    let mut received = 0u64;
    while received < file_size {
        let want = buf.len().min((file_size - received) as usize);
        let n = conn.read(&mut buf[..want])?; // the mistake: 0, the client's close, is not looked at
        file.write_all(&buf[..n])?;
        received += n as u64;
    }
    Ok(())
}
