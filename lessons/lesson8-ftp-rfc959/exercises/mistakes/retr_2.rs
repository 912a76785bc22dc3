//! Lesson 8, exercise `retr`, planted mistake 2: the data ends at the first short read.
//!
//! It reads the data until a read returns less than its buffer holds, taking that for the end
//! of the file. A read returns what has arrived so far; only a read of 0, the server's close,
//! says the file is complete.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn retr(control: &mut TcpStream, data: SocketAddr, name: &str) -> io::Result<Vec<u8>> {
    let mut data = TcpStream::connect(data)?;
    control.write_all(format!("RETR {name}\r\n").as_bytes())?;
    let mut replies = BufReader::new(control);
    let mut first = String::new();
    replies.read_line(&mut first)?;
    if !first.starts_with('1') {
        return Err(io::Error::other(first));
    }
    let mut file = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = data.read(&mut buf)?;
        file.extend_from_slice(&buf[..n]);
        if n < buf.len() {
            break; // the mistake: a short read taken for the end of the data
        }
    }
    let mut last = String::new();
    replies.read_line(&mut last)?;
    if last.starts_with('2') {
        Ok(file)
    } else {
        Err(io::Error::other(last))
    }
}
