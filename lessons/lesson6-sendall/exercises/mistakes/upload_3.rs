//! Lesson 6, exercise `upload`, planted mistake 3: `write_all` on a non-blocking socket.
//!
//! `write_all` is the right tool on a blocking socket: it writes until everything is taken.
//! On a non-blocking socket, a write that finds no room fails at once with `WouldBlock`, and
//! `write_all` stops there and returns that error, without saying how much of the line went
//! out. Short lines fit, so a small file arrives; a long line fills the socket, and the upload
//! fails halfway through it.

use std::io::{self, BufRead, Write};
use std::net::TcpStream;

pub fn send_lines(stream: &mut TcpStream, mut file: impl BufRead) -> io::Result<()> {
    let mut line = Vec::new();
    while file.read_until(b'\n', &mut line)? > 0 {
        stream.write_all(&line)?; // the mistake: stops at the first WouldBlock
        line.clear();
    }
    Ok(())
}
