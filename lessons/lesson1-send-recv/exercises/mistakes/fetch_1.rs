//! Lesson 1, exercise `fetch`, planted mistake 1: one read.
//!
//! It reads once, as the article's client does when it waits for a status code: one
//! `recv(1024)`, trusted to hold the whole reply. A read returns what has arrived so far, at most
//! the size of the buffer, so a long reply, or one that arrives in pieces, comes back cut short.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

pub fn fetch(addr: SocketAddr) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf)?; // one read: whatever has arrived, 1024 bytes at most
    Ok(buf[..n].to_vec())
}
