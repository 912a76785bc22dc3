//! Lesson 7, exercise `deadline`: read a request frame that must arrive whole by a deadline.
//!
//! A socket's read timeout bounds each read, not a whole request: a server that relies on it
//! alone lets a client that sends one byte every 29 seconds keep its session, and enough such
//! clients take every place. Lesson 7's server closes that gap with `read_frame_within`; here you
//! write the same job yourself. `read_frame_by` reads one frame, a
//! 4-byte big-endian length N and then N bytes, and the whole frame must have arrived by
//! `deadline`, however the bytes trickle in.
//!
//! The tests run it in a small server made of lesson 7's pieces, which gives each frame a
//! deadline of 1 second from the moment it starts waiting for it. It answers each frame your
//! function returns with status 200 and the frame's text; when your function returns an error,
//! it answers as lesson 7's server does: 408 (timed out), 413 (a length out of range) or 400 (a
//! frame cut short), and closes the connection.
//!
//! What you need from `TcpStream`: `set_read_timeout(Some(d))` makes each later `read` that has
//! waited `d` without a byte fail, with an error of kind `WouldBlock` on Linux (`TimedOut`
//! elsewhere); it refuses a zero duration. `Instant::now()` and
//! `deadline.saturating_duration_since(now)` tell how much time is left.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson7`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

/// Reads one frame of 1 to `max` bytes from `conn` and returns its body, the bytes after the
/// length, once all of them have arrived, by `deadline` at the latest.
///
/// - `Ok(None)`: the peer closed the connection before the frame's first byte (a clean end).
/// - An error of kind `TimedOut`: the frame had not arrived whole by `deadline`.
/// - An error of kind `InvalidData`: the length is 0 or over `max`. The body is not read.
/// - An error of kind `UnexpectedEof`: the peer closed the connection in the middle of the frame.
///
/// Nothing after the frame is read: the next frame stays in the socket for the next call.
pub fn read_frame_by(
    conn: &mut TcpStream,
    max: u32,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    // TODO: read the 4 bytes of the length, then the body, each in as many reads as it takes,
    // and make sure no read waits past `deadline`.
    todo!()
}
