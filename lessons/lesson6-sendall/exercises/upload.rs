//! Lesson 6, exercise `upload`: the article's upload, a line at a time, without losing a byte.
//!
//! The article's client sends a file with `for line in f: s.send(line)` and ignores what `send`
//! returns. On a socket with a timeout, which Python makes non-blocking underneath, `send` waits
//! until the socket has room, takes what fits and returns: when a line does not fit, the rest of
//! it is lost (the chapter's demo loses most of a file that way). `send_lines` sends a file the
//! same way, a line at a time on a non-blocking socket, and loses nothing: every line goes out
//! whole, however many sends that takes.
//!
//! Lesson 6's `send_like_python(stream, data)` is one such Python `send`: it waits for room (for
//! up to `SEND_TIMEOUT`), then takes what fits, and returns how many bytes that was. Build on it.
//!
//! The kit's client around `send_lines` logs in as alex, sends the put header and waits for the
//! 200, as lesson 5's client does, makes the socket non-blocking, calls `send_lines`, and closes
//! the connection. The kit's server is lesson 6's (lesson 5's server, on a socket with small
//! buffers), and it takes its time after its 200, as a busy server would: the socket fills up.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson6`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, BufRead};
use std::net::TcpStream;

use lesson6::upload::send_like_python;

/// Sends all of `file` on `stream`, a non-blocking socket, one line at a time.
///
/// Fails with the first error: a socket that had no room for `SEND_TIMEOUT`, or a connection
/// the server closed.
pub fn send_lines(stream: &mut TcpStream, mut file: impl BufRead) -> io::Result<()> {
    // TODO: read a line (`read_until(b'\n', ...)`), send it, and the next, until the file ends.
    // Make sure each line goes out whole.
    todo!()
}
