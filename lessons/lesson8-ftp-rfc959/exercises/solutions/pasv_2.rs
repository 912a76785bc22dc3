//! Lesson 8, exercise `pasv`: a second correct solution, written differently from the first.
//!
//! A `BufReader` finds the end of the line, and the numbers are the comma-separated fields that
//! start at the first digit after the code.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};

/// Sends `PASV\r\n` on `control` and returns the address of the server's data socket.
pub fn pasv(control: &mut TcpStream) -> io::Result<SocketAddr> {
    control.write_all(b"PASV\r\n")?;
    let peer = control.peer_addr()?;
    let mut reply = String::new();
    BufReader::new(control).read_line(&mut reply)?;
    let bad = || io::Error::other(format!("not a 227 reply: {:?}", reply));
    if !reply.ends_with("\r\n") || !reply.starts_with("227") {
        return Err(bad());
    }
    let start = reply[3..]
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(bad)?
        + 3;
    let fields: Vec<u16> = reply[start..]
        .split(',')
        .take(6)
        .map(|field| {
            let digits: String = field.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u16>().ok().filter(|value| *value < 256)
        })
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    match fields[..] {
        [_, _, _, _, high, low] => Ok(SocketAddr::new(peer.ip(), (high << 8) | low)),
        _ => Err(bad()),
    }
}
