//! Lesson 7, exercise `deadline`, planted mistake 3: a read that returns 0 is not the close.
//!
//! It keeps the deadline right, a new timeout before every read, and reads until the buffer is
//! full; but it adds whatever `read` returns to its count, 0 too. When the client closes in the
//! middle of a frame, every read returns 0 at once, and the loop spins until the deadline, then
//! reports a timeout: the server answers "too slow" to a client that has gone, a second late,
//! and a client that closes between two frames gets a 408 it never asked for.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

pub fn read_frame_by(
    conn: &mut TcpStream,
    max: u32,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    fill_by(conn, &mut len, deadline)?;
    let len = u32::from_be_bytes(len);
    if len == 0 || len > max {
        let why = format!("a frame of {len} bytes; frames hold 1 to {max}");
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    let mut body = vec![0u8; len as usize];
    fill_by(conn, &mut body, deadline)?;
    Ok(Some(body))
}

fn fill_by(conn: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        conn.set_read_timeout(Some(left))?;
        match conn.read(&mut buf[filled..]) {
            Ok(n) => filled += n, // the mistake: 0, the client's close, is not looked at
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                return Err(io::ErrorKind::TimedOut.into());
            }
            Err(err) => return Err(err),
        }
    }
    Ok(())
}
