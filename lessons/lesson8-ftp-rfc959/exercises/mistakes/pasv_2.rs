//! Lesson 8, exercise `pasv`, planted mistake 2: the port is `p1 + p2`.
//!
//! The two numbers are the port's two bytes, high then low, so the port is `p1 * 256 + p2`.
//! Adding them gives a number below 511, which is nearly never the port the server listens on.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn pasv(control: &mut TcpStream) -> io::Result<SocketAddr> {
    control.write_all(b"PASV\r\n")?;
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        if control.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        line.push(byte[0]);
    }
    let reply = String::from_utf8_lossy(&line);
    if !reply.starts_with("227") {
        return Err(io::Error::other(reply.into_owned()));
    }
    let numbers: Vec<u16> = reply[3..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .filter_map(|run| run.parse().ok())
        .collect();
    let [_, _, _, _, p1, p2] = numbers[..] else {
        return Err(io::Error::other(reply.into_owned()));
    };
    Ok(SocketAddr::new(control.peer_addr()?.ip(), p1 + p2)) // the mistake: p1 + p2
}
