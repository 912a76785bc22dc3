//! Lesson 8, exercise `retr`: a second correct solution, written differently from the first.
//!
//! The replies are read a byte at a time, so that no read takes anything past a line's end;
//! the data with `read_to_end`, which reads until the close; the reply codes are parsed.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Connects to the data socket at `data`, sends `RETR name\r\n` on `control`, and returns the
/// file's bytes once the server's final reply says that the transfer worked.
pub fn retr(control: &mut TcpStream, data: SocketAddr, name: &str) -> io::Result<Vec<u8>> {
    let mut data = TcpStream::connect(data)?;
    control.write_all(format!("RETR {name}\r\n").as_bytes())?;
    match reply_code(control)? {
        100..=199 => {}
        code => return Err(io::Error::other(format!("RETR refused with {code}"))),
    }
    let mut file = Vec::new();
    data.read_to_end(&mut file)?;
    match reply_code(control)? {
        200..=299 => Ok(file),
        code => Err(io::Error::other(format!("the transfer ended with {code}"))),
    }
}

/// Reads one reply line to its `\r\n` and returns its code.
fn reply_code(control: &mut TcpStream) -> io::Result<u16> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        match control.read(&mut byte)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            _ => line.push(byte[0]),
        }
    }
    std::str::from_utf8(line.get(..3).unwrap_or_default())
        .ok()
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| io::Error::other(format!("not a reply: {line:?}")))
}
