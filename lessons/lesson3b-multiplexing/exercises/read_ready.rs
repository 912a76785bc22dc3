//! Lesson 3b, exercise `read_ready`: an event loop's read step.
//!
//! The kit's event loop (`lesson3b::lines::serve_lines`) serves many clients on one thread. Each
//! client sends lines, bytes ending in `\n`, and gets each line back. When the loop hears that a
//! client's socket is readable, it calls `read_ready` with the socket and the connection's
//! `pending` bytes, and sends back the lines it returns. You write `read_ready`.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson3b`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Read};

use lesson3b::lines::Received;

/// Reads everything `conn` has for now, and returns the lines it completes.
///
/// `conn` is non-blocking: `read` returns the bytes that have arrived, `Ok(0)` once the client
/// has closed its side, or the error `WouldBlock` when nothing more has arrived for now. The loop
/// hears of a socket once when bytes arrive, not again for bytes left unread, so read until
/// `WouldBlock` (or the close).
///
/// Bytes come in any pieces: a line may be cut between reads, or between calls, and one read may
/// hold several lines. `pending` holds the start of a line whose `\n` has not come yet; the loop
/// keeps it from one call to the next.
///
/// Returns every line completed, in order, without its `\n` (`Received::lines`), and whether the
/// client closed (`Received::closed`). Other errors are returned as they are.
pub fn read_ready(conn: &mut impl Read, pending: &mut Vec<u8>) -> io::Result<Received> {
    // TODO: read into a buffer and add what arrived to `pending`, until WouldBlock or 0; then
    // take each complete line out of `pending`, leaving the unfinished rest there.
    todo!()
}
