//! Lesson 6, exercise `upload`: a second correct solution, written differently from the first.
//!
//! A `loop` that ends on the empty read, and an index into the line instead of a shrinking
//! slice.

use std::io::{self, BufRead};
use std::net::TcpStream;

use lesson6::upload::send_like_python;

/// Sends all of `file` on `stream`, a non-blocking socket, one line at a time.
///
/// Fails with the first error: a socket that had no room for `SEND_TIMEOUT`, or a connection
/// the server closed.
pub fn send_lines(stream: &mut TcpStream, mut file: impl BufRead) -> io::Result<()> {
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        if file.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let mut sent = 0;
        while sent < line.len() {
            match send_like_python(stream, &line[sent..])? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                taken => sent += taken,
            }
        }
    }
}
