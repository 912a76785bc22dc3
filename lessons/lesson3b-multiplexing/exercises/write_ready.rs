//! Lesson 3b, exercise `write_ready`: an event loop's write step.
//!
//! The kit's event loop (`lesson3b::lines::serve_lines`) serves many clients on one thread, and
//! sends each line a client sends back to it. A client that sends a lot and reads slowly fills
//! its socket's buffers: then a write takes only part of what it is given, or nothing at all. The
//! loop cannot wait in `write_all`, since every other client would wait too. When it has bytes
//! for a client, it calls `write_ready` with the socket and those `unsent` bytes, and registers
//! the socket with the interest `write_ready` returns. You write `write_ready`.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson3b`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Write};

use mio::Interest;

/// Sends as much of `unsent` as `conn` takes now, and removes what was sent from the front of
/// `unsent`; the rest stays there, in order, for the next call.
///
/// `conn` is non-blocking: `write` takes some of the bytes it is given and says how many, or
/// returns the error `WouldBlock` when the socket's buffer is full. A full buffer is not a
/// failure: stop there, and ask the loop to call again when the socket can take more.
///
/// Returns the interest the loop registers next: `Interest::WRITABLE` while bytes are left
/// (the loop then reads nothing more from this client until they are sent), and
/// `Interest::READABLE` once `unsent` is empty. Other errors are returned as they are.
pub fn write_ready(conn: &mut impl Write, unsent: &mut Vec<u8>) -> io::Result<Interest> {
    // TODO: write what is left of `unsent`, again and again, taking out what each write took,
    // until it is empty or the socket says WouldBlock; then say which event to wait for.
    todo!()
}
