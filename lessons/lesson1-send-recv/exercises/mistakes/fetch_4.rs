//! Lesson 1, exercise `fetch`, planted mistake 4: it waits for an error to end.
//!
//! It reads until a read fails, taking the failure for the server's close. But when the server
//! closes, `read` does not fail: it returns 0, and again 0, forever. The loop never ends, and
//! the caller never gets the reply (while a core spins at 100%).

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

pub fn fetch(addr: SocketAddr) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 1024];
    // The mistake: a read of 0, the close, is not an error, so this loop has no end.
    while let Ok(n) = stream.read(&mut buf) {
        reply.extend_from_slice(&buf[..n]);
    }
    Ok(reply)
}
