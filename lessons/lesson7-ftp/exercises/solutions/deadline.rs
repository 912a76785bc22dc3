//! Lesson 7, exercise `deadline`: the reference solution.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

/// Reads one frame of 1 to `max` bytes from `conn` and returns its body, the bytes after the
/// length, once all of them have arrived, by `deadline` at the latest.
pub fn read_frame_by(
    conn: &mut TcpStream,
    max: u32,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match fill_by(conn, &mut len, deadline)? {
        0 => return Ok(None), // closed between two frames
        4 => {}
        got => return Err(cut_short(got, 4)),
    }
    let len = u32::from_be_bytes(len);
    // The length alone is enough to refuse: no need to wait for a body we will not read.
    if len == 0 || len > max {
        let why = format!("a frame of {len} bytes; frames hold 1 to {max}");
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    let mut body = vec![0u8; len as usize];
    let got = fill_by(conn, &mut body, deadline)?;
    if got < body.len() {
        return Err(cut_short(got, body.len()));
    }
    Ok(Some(body))
}

/// Reads until `buf` is full or the peer closes, and returns how many bytes it read. Before each
/// read, the socket's timeout becomes the time left until `deadline`, so that all the reads
/// together wait no longer than that.
fn fill_by(conn: &mut TcpStream, buf: &mut [u8], deadline: Instant) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            // Checked here, too: `set_read_timeout` refuses a zero duration.
            return Err(too_late());
        }
        conn.set_read_timeout(Some(left))?;
        match conn.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(too_late());
            }
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

fn too_late() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the frame did not arrive in time")
}

fn cut_short(got: usize, wanted: usize) -> io::Error {
    let why = format!("the connection ended after {got} of {wanted} bytes");
    io::Error::new(io::ErrorKind::UnexpectedEof, why)
}
