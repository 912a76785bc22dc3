//! Lesson 8, exercise `retr`: the reference solution (the one the book shows).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Connects to the data socket at `data`, sends `RETR name\r\n` on `control`, and returns the
/// file's bytes once the server's final reply says that the transfer worked.
pub fn retr(control: &mut TcpStream, data: SocketAddr, name: &str) -> io::Result<Vec<u8>> {
    let mut data = TcpStream::connect(data)?;
    control.write_all(format!("RETR {name}\r\n").as_bytes())?;
    // One reader for both replies: what a read brings beyond the first reply's line stays in
    // its buffer for the second.
    let mut replies = BufReader::new(control);
    let first = read_reply(&mut replies)?;
    if !first.starts_with('1') {
        return Err(io::Error::other(format!("RETR refused: {first}")));
    }
    let mut file = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = data.read(&mut buf)?;
        if n == 0 {
            break; // the server closed the data connection: the data is complete
        }
        file.extend_from_slice(&buf[..n]);
    }
    let last = read_reply(&mut replies)?;
    if last.starts_with('2') {
        Ok(file)
    } else {
        Err(io::Error::other(format!("transfer failed: {last}")))
    }
}

/// Reads one reply line, however many reads it takes, and returns it without its `\r\n`.
fn read_reply(replies: &mut impl BufRead) -> io::Result<String> {
    let mut line = String::new();
    replies.read_line(&mut line)?;
    match line.strip_suffix("\r\n") {
        Some(reply) => Ok(reply.to_string()),
        None => Err(io::Error::other(format!("a reply cut off: {line:?}"))),
    }
}
