//! Lesson 7, exercise `deadline`, planted mistake 1: a timeout per read, not a deadline per frame.
//!
//! It turns the deadline into a read timeout once, at the start, and lets `read_exact` loop.
//! That bounds each read, not the frame: `read_exact` reads as many times as the bytes take to
//! come, and each of its reads may wait the whole timeout again. A frame that never finishes is
//! cut off; a frame that trickles in a byte every 100 ms is read to its end however long it
//! takes, which is the gap in lesson 7's server that the exercise is about.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

pub fn read_frame_by(
    conn: &mut TcpStream,
    max: u32,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    let left = deadline.saturating_duration_since(Instant::now());
    conn.set_read_timeout(Some(left))?; // once, for every read that follows
    let mut len = [0u8; 4];
    // The first byte alone, to tell a clean close from a cut, as lesson 7's `read_frame` does.
    if conn.read(&mut len[..1])? == 0 {
        return Ok(None);
    }
    conn.read_exact(&mut len[1..])?;
    let len = u32::from_be_bytes(len);
    if len == 0 || len > max {
        let why = format!("a frame of {len} bytes; frames hold 1 to {max}");
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    let mut body = vec![0u8; len as usize];
    conn.read_exact(&mut body)?;
    Ok(Some(body))
}
