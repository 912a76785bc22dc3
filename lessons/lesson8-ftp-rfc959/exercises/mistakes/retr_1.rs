//! Lesson 8, exercise `retr`, planted mistake 1: one read for each reply.
//!
//! It takes what one `read` on the control connection returns for one reply. When a reply
//! arrives in pieces it gets the start of the line, and the rest is taken for the next reply;
//! when the `150` and the `226` arrive together, as they do for a small file, the first read
//! takes both and the second waits for a reply that has already come.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn retr(control: &mut TcpStream, data: SocketAddr, name: &str) -> io::Result<Vec<u8>> {
    let mut data = TcpStream::connect(data)?;
    control.write_all(format!("RETR {name}\r\n").as_bytes())?;
    let first = read_reply(control)?;
    if !first.starts_with('1') {
        return Err(io::Error::other(first));
    }
    let mut file = Vec::new();
    data.read_to_end(&mut file)?;
    let last = read_reply(control)?;
    if last.starts_with('2') {
        Ok(file)
    } else {
        Err(io::Error::other(last))
    }
}

fn read_reply(control: &mut TcpStream) -> io::Result<String> {
    let mut buf = [0u8; 1024];
    let n = control.read(&mut buf)?; // the mistake: one read taken for one reply
    Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
}
