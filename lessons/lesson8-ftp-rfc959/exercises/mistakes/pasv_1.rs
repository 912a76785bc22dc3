//! Lesson 8, exercise `pasv`, planted mistake 1: it trusts the host in the reply.
//!
//! It connects where the `227` reply says, host and port. A server behind NAT names its private
//! address, which the client cannot reach; a hostile server names any host it likes, and the
//! client connects there for it, which is how curl and Python's ftplib could be turned into port
//! scanners until they stopped trusting it (CVE-2021-4189 for ftplib).

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};

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
    let numbers: Vec<u8> = reply[3..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .filter_map(|run| run.parse().ok())
        .collect();
    let [h1, h2, h3, h4, p1, p2] = numbers[..] else {
        return Err(io::Error::other(reply.into_owned()));
    };
    let host = Ipv4Addr::new(h1, h2, h3, h4); // the mistake: the reply's host, not the peer
    Ok(SocketAddr::from((
        host,
        u16::from(p1) * 256 + u16::from(p2),
    )))
}
