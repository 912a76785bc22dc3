//! Lesson 1, exercise `fetch`: a second correct solution, written differently from the first.
//!
//! A small buffer, one `match` on what `read` returns, and a read interrupted by a signal tried
//! again, as `read_to_end` does.

use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};

/// Connects to the server at `addr` and returns everything it sends, once it has closed.
pub fn fetch(addr: SocketAddr) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 100];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break Ok(reply),
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => break Err(err),
        }
    }
}
