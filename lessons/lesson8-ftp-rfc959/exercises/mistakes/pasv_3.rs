//! Lesson 8, exercise `pasv`, planted mistake 3: one read for the reply.
//!
//! It takes what one `read` returns for the whole reply line. On loopback a short reply usually
//! comes in one piece; over a network, or from a server that writes its replies in parts, the
//! read returns the start of the line, and the numbers are not all there yet.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn pasv(control: &mut TcpStream) -> io::Result<SocketAddr> {
    control.write_all(b"PASV\r\n")?;
    let mut buf = [0u8; 1024];
    let n = control.read(&mut buf)?; // the mistake: one read taken for the whole line
    let reply = String::from_utf8_lossy(&buf[..n]);
    if !reply.starts_with("227") {
        return Err(io::Error::other(format!("not a 227 reply: {reply:?}")));
    }
    let numbers: Vec<u16> = reply[3..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .filter_map(|run| run.parse().ok())
        .collect();
    let [_, _, _, _, p1, p2] = numbers[..] else {
        return Err(io::Error::other(format!("not six numbers: {reply:?}")));
    };
    Ok(SocketAddr::new(control.peer_addr()?.ip(), p1 * 256 + p2))
}
