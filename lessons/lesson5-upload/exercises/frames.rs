//! Lesson 5, exercise `frames`: messages framed by their length, however the reads cut them.
//!
//! The article's protocol takes one recv for one message. That holds only while every message
//! fits in one read and the sender waits for an answer before it sends the next. Its put shows the
//! way out: say how long the data is, then send exactly that much. Done for every message, that
//! is framing, and lesson 7's protocol frames every message this way:
//!
//! - 4 bytes: the length N of the message, an unsigned 32-bit integer, big-endian (the most
//!   significant byte first: `u32::from_be_bytes`);
//! - then the N bytes of the message. N may be 0.
//!
//! Frames follow each other with nothing between them, and a read may return a single byte of
//! one, or the end of one and the start of the next. `read_frame` reads one frame and returns its
//! message, and leaves everything after it in the connection for the next call.
//!
//! The kit's server calls your `read_frame` for each frame a client sends and sends the message
//! back, framed the same way; it closes the connection when `read_frame` returns `None` or an
//! error. You write `read_frame`.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson5`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Read};

/// The longest message a frame may hold.
pub const MAX_FRAME: u32 = 64 * 1024;

/// Reads one frame from `conn` and returns its message: `Ok(Some(message))`.
///
/// - `Ok(None)` only when the connection was closed cleanly between frames, before the first
///   byte of one: the client is done.
/// - An `UnexpectedEof` error when it was closed inside a frame, in its length or in its
///   message: the message is incomplete, and must not pass for a clean close.
/// - An `InvalidData` error when the length is more than [`MAX_FRAME`], at once, before anything
///   else is read: a client could otherwise make the server wait for 4 GiB, and make room for
///   them. A message of exactly `MAX_FRAME` bytes is allowed.
/// - Any other error of `conn` is returned as it is.
pub fn read_frame(conn: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    // TODO: the 4 bytes of the length, the check, then the message.
    todo!()
}
