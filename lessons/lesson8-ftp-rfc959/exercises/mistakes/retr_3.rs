//! Lesson 8, exercise `retr`, planted mistake 3: no final reply.
//!
//! It returns the data as soon as the server closes the data connection. But the close says
//! only that no more data will come, not that all of it came: a server whose disk failed, or
//! whose client sent ABOR, closes it too, and says so in the final reply (`426`, `451`). Not
//! reading that reply also leaves it on the control connection, to be taken for the answer to
//! the next command.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn retr(control: &mut TcpStream, data: SocketAddr, name: &str) -> io::Result<Vec<u8>> {
    let mut data = TcpStream::connect(data)?;
    control.write_all(format!("RETR {name}\r\n").as_bytes())?;
    let mut first = String::new();
    BufReader::new(control).read_line(&mut first)?;
    if !first.starts_with('1') {
        return Err(io::Error::other(first));
    }
    let mut file = Vec::new();
    data.read_to_end(&mut file)?;
    Ok(file) // the mistake: the final reply is never read
}
