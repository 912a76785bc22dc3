//! Lesson 6, exercise `upload`, planted mistake 2: the whole line again after a short send.
//!
//! It knows that a send may take only part of a line, and sends again until as many bytes as
//! the line holds have gone out; but each time it sends the line from its start. After a short
//! send, the server receives the start of the line a second time, and never its end: the count
//! is right and the bytes are wrong.

use std::io::{self, BufRead};
use std::net::TcpStream;

use lesson6::upload::send_like_python;

pub fn send_lines(stream: &mut TcpStream, mut file: impl BufRead) -> io::Result<()> {
    let mut line = Vec::new();
    while file.read_until(b'\n', &mut line)? > 0 {
        let mut sent = 0;
        while sent < line.len() {
            sent += send_like_python(stream, &line)?; // the mistake: `&line[sent..]` was meant
        }
        line.clear();
    }
    Ok(())
}
