//! Lesson 6, exercise `upload`, planted mistake 1: the article's loop, the count of `send` ignored.
//!
//! The article's loop, in Rust: one send per line, and what it returns ignored. Short lines fit
//! in the socket, so a small text file arrives whole; a long line, sent while the socket is full,
//! loses whatever did not fit.

use std::io::{self, BufRead};
use std::net::TcpStream;

use lesson6::upload::send_like_python;

pub fn send_lines(stream: &mut TcpStream, mut file: impl BufRead) -> io::Result<()> {
    let mut line = Vec::new();
    while file.read_until(b'\n', &mut line)? > 0 {
        send_like_python(stream, &line)?; // how much it took is thrown away
        line.clear();
    }
    Ok(())
}
