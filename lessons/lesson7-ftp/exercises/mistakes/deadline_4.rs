//! Lesson 7, exercise `deadline`, planted mistake 4: the length checked after the body is read.
//!
//! It reads the whole frame by its deadline, and only then checks the length. A length of 0 is
//! still refused at once (there is no body to wait for), but a length over the limit makes it
//! allocate that much and wait for a body the server will refuse anyway: a client that sends
//! 4 bytes makes the server reserve up to 4 GiB and hold a place until the deadline. The server
//! then answers "too slow" instead of "too large".

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

pub fn read_frame_by(
    conn: &mut TcpStream,
    max: u32,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match fill_by(conn, &mut len, deadline)? {
        0 => return Ok(None),
        4 => {}
        _ => return Err(io::ErrorKind::UnexpectedEof.into()),
    }
    let len = u32::from_be_bytes(len);
    let mut body = vec![0u8; len as usize];
    if fill_by(conn, &mut body, deadline)? < body.len() {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    // The mistake: checked only now, after waiting for a body it could refuse unread.
    if len == 0 || len > max {
        let why = format!("a frame of {len} bytes; frames hold 1 to {max}");
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    Ok(Some(body))
}

fn fill_by(conn: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        conn.set_read_timeout(Some(left))?;
        match conn.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                return Err(io::ErrorKind::TimedOut.into());
            }
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}
