//! Lesson 1, exercise `fetch`, planted mistake 2: a short read taken for the end.
//!
//! It reads until a read returns less than its buffer holds, on the idea that a reply that fills
//! less than the buffer must be all there is. But a read returns what has arrived so far: a
//! reply in pieces, or one read while it was still arriving, comes back cut after the first
//! short read. Only a read that returns 0 says the server has closed.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

pub fn fetch(addr: SocketAddr) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf)?;
        reply.extend_from_slice(&buf[..n]);
        if n < buf.len() {
            return Ok(reply); // the mistake: a short read is not the end
        }
    }
}
