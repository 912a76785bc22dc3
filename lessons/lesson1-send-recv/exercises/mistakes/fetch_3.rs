//! Lesson 1, exercise `fetch`, planted mistake 3: each read decoded on its own.
//!
//! It turns each read into text as it arrives, with `String::from_utf8_lossy`, and returns the
//! text's bytes: the article decodes each `recv`. A read may end inside a character; each half
//! is then a bad sequence, and comes back as U+FFFD, bytes the server never sent. (Lesson 2 is
//! about this.)

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

pub fn fetch(addr: SocketAddr) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    let mut reply = String::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(reply.into_bytes());
        }
        reply.push_str(&String::from_utf8_lossy(&buf[..n])); // the mistake: a cut character
    }
}
