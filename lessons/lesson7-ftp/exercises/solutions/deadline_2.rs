//! Lesson 7, exercise `deadline`: a second correct solution, written differently from the first.
//!
//! One buffer for the whole frame, length and body, filled by one loop: it starts 4 bytes long,
//! and once those have come and the length is known good, it grows to hold the body. A read
//! waits at most the time left, and a timeout is recognised by its kind, `WouldBlock` or
//! `TimedOut`, whichever the platform gives.

use std::io::{self, ErrorKind, Read};
use std::net::TcpStream;
use std::time::Instant;

/// Reads one frame of 1 to `max` bytes from `conn` and returns its body, the bytes after the
/// length, once all of them have arrived, by `deadline` at the latest.
pub fn read_frame_by(
    conn: &mut TcpStream,
    max: u32,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    let mut frame = vec![0u8; 4];
    let mut filled = 0;
    while filled < frame.len() {
        let now = Instant::now();
        if now >= deadline {
            return Err(ErrorKind::TimedOut.into());
        }
        conn.set_read_timeout(Some(deadline - now))?;
        let n = match conn.read(&mut frame[filled..]) {
            Ok(n) => n,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(ErrorKind::TimedOut.into());
            }
            Err(err) => return Err(err),
        };
        if n == 0 {
            return if filled == 0 {
                Ok(None)
            } else {
                Err(ErrorKind::UnexpectedEof.into())
            };
        }
        filled += n;
        if filled == 4 && frame.len() == 4 {
            let len = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
            if !(1..=max).contains(&len) {
                return Err(io::Error::new(
                    ErrorKind::InvalidData,
                    format!("a frame of {len} bytes is out of range"),
                ));
            }
            frame.resize(4 + len as usize, 0);
        }
    }
    Ok(Some(frame.split_off(4)))
}
