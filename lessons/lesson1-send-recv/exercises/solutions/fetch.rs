//! Lesson 1, exercise `fetch`: the reference solution (the one the book shows).

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

/// Connects to the server at `addr` and returns everything it sends, once it has closed.
pub fn fetch(addr: SocketAddr) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        // Each read returns what has arrived by now, at most 1024 bytes: a part of the reply.
        let n = stream.read(&mut buf)?;
        if n == 0 {
            // The server closed its end: the reply is complete.
            return Ok(reply);
        }
        reply.extend_from_slice(&buf[..n]);
    }
}
