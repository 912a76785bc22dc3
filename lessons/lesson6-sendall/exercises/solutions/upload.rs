//! Lesson 6, exercise `upload`: the reference solution.

use std::io::{self, BufRead};
use std::net::TcpStream;

use lesson6::upload::send_like_python;

/// Sends all of `file` on `stream`, a non-blocking socket, one line at a time.
///
/// Fails with the first error: a socket that had no room for `SEND_TIMEOUT`, or a connection
/// the server closed.
pub fn send_lines(stream: &mut TcpStream, mut file: impl BufRead) -> io::Result<()> {
    let mut line = Vec::new();
    while file.read_until(b'\n', &mut line)? > 0 {
        // Python's sendall, on top of its send: each send takes what fits, and the next goes on
        // from there, until nothing of the line is left. (`write_all` would stop at the first
        // WouldBlock, and not say where.)
        let mut rest = &line[..];
        while !rest.is_empty() {
            let taken = send_like_python(stream, rest)?;
            if taken == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            rest = &rest[taken..];
        }
        line.clear();
    }
    Ok(())
}
