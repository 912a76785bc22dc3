//! Lesson 8, exercise `retr`, planted mistake 4: any first reply starts the transfer.
//!
//! It reads the first reply and goes on to the data whatever its code. A `550` (no such file)
//! is final: no transfer starts, the server sends nothing on the data connection and may keep
//! it open, so the client waits for data that will never come.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn retr(control: &mut TcpStream, data: SocketAddr, name: &str) -> io::Result<Vec<u8>> {
    let mut data = TcpStream::connect(data)?;
    control.write_all(format!("RETR {name}\r\n").as_bytes())?;
    let mut replies = BufReader::new(control);
    let mut first = String::new();
    replies.read_line(&mut first)?; // the mistake: its code is never looked at
    let mut file = Vec::new();
    data.read_to_end(&mut file)?;
    let mut last = String::new();
    replies.read_line(&mut last)?;
    if last.starts_with('2') {
        Ok(file)
    } else {
        Err(io::Error::other(last))
    }
}
