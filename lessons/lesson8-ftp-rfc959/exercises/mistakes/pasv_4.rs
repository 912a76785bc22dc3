//! Lesson 8, exercise `pasv`, planted mistake 4: it needs the parentheses.
//!
//! It looks for the six numbers between `(` and `)`, the way RFC 959's example writes them. The
//! RFC does not fix the text around them, and servers write `227 =h1,...,p2` or no brackets at
//! all; RFC 1123 tells clients to scan for the first digit instead.

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
    let reply = String::from_utf8_lossy(&line).into_owned();
    if !reply.starts_with("227") {
        return Err(io::Error::other(reply));
    }
    // The mistake: only the text between the brackets is searched.
    let (Some(open), Some(close)) = (reply.find('('), reply.find(')')) else {
        return Err(io::Error::other(format!(
            "no (h1,h2,h3,h4,p1,p2) in {reply:?}"
        )));
    };
    let numbers: Vec<u16> = reply[open + 1..close]
        .split(',')
        .filter_map(|field| field.trim().parse().ok())
        .collect();
    let [_, _, _, _, p1, p2] = numbers[..] else {
        return Err(io::Error::other(reply));
    };
    Ok(SocketAddr::new(control.peer_addr()?.ip(), p1 * 256 + p2))
}
