//! Lesson 8, exercise `pasv`: the reference solution (the one the book shows).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Sends `PASV\r\n` on `control` and returns the address of the server's data socket.
pub fn pasv(control: &mut TcpStream) -> io::Result<SocketAddr> {
    control.write_all(b"PASV\r\n")?;
    let reply = read_line(control)?;
    let Some(text) = reply.strip_prefix("227") else {
        return Err(io::Error::other(format!(
            "PASV refused: {}",
            reply.trim_end()
        )));
    };
    // The six numbers: the runs of digits after the code, wherever the brackets are or are not.
    let numbers: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .take(6)
        .collect();
    let bytes: Vec<u8> = numbers
        .iter()
        .map(|number| number.parse::<u8>())
        .collect::<Result<_, _>>()
        .map_err(|_| io::Error::other(format!("a number above 255 in {reply:?}")))?;
    let [_h1, _h2, _h3, _h4, p1, p2] = bytes[..] else {
        return Err(io::Error::other(format!("not six numbers in {reply:?}")));
    };
    // The host the reply names is ignored: the data goes to the server we are talking to.
    let host = control.peer_addr()?.ip();
    Ok(SocketAddr::new(host, u16::from(p1) * 256 + u16::from(p2)))
}

/// Reads one reply line, up to and including its `\r\n`, a byte at a time so that nothing after
/// it is taken from the connection.
fn read_line(control: &mut TcpStream) -> io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        if control.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        line.push(byte[0]);
    }
    String::from_utf8(line).map_err(io::Error::other)
}
