//! Lesson 6, exercise `send_all`: your own `write_all`, which says how much it sent when it fails.
//!
//! `write_all` calls `write` until the whole buffer is taken; when it fails, it does not say how
//! many bytes went out first. On a non-blocking socket, where `WouldBlock` can come halfway
//! through, the caller then cannot know where to go on from (the chapter's pitfalls). `send_all`
//! does what `write_all` does, on top of `write`, and when it stops early it says how many bytes
//! of `buf` the writer took:
//!
//! - `write` returned n, fewer than what is left: go on with the rest;
//! - an `Interrupted` error: a signal came before anything was written; write again;
//! - `Ok(0)` while bytes are left: the writer will take nothing more; stop, with a `WriteZero`
//!   error;
//! - any other error, `WouldBlock` included: stop, with that error;
//! - an empty `buf`: nothing to send, Ok at once.
//!
//! The tests call `send_all` with writers that behave like sockets on a bad day: one that takes
//! 7 bytes per write, one that is interrupted now and then, one that is full, and a real
//! non-blocking socket whose peer does not read.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson6`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Write};

/// Why `send_all` stopped before the end of its buffer, and how far it got.
#[derive(Debug)]
pub struct SendError {
    /// How many bytes of the buffer the writer took: the caller goes on from `buf[sent..]`.
    pub sent: usize,
    pub error: io::Error,
}

/// Writes all of `buf` with `write`, or says how many bytes went out before it had to stop.
pub fn send_all(writer: &mut impl Write, buf: &[u8]) -> Result<(), SendError> {
    // TODO: call `writer.write` with what is left, counting what it takes, until nothing is left.
    todo!()
}
