//! Planted mistake 3 of `read_ready`: `?` on every read, so the WouldBlock that ends each call
//! is returned as an error, and the loop closes the connection.

use std::io::{self, Read};

use lesson3b::lines::Received;

pub fn read_ready(conn: &mut impl Read, pending: &mut Vec<u8>) -> io::Result<Received> {
    let mut received = Received::default();
    let mut buf = [0u8; 1024];
    loop {
        // WRONG: WouldBlock means "nothing more for now", not failure.
        let n = conn.read(&mut buf)?;
        if n == 0 {
            received.closed = true;
            break;
        }
        pending.extend_from_slice(&buf[..n]);
    }
    while let Some(end) = pending.iter().position(|&byte| byte == b'\n') {
        let mut line: Vec<u8> = pending.drain(..=end).collect();
        line.pop();
        received.lines.push(line);
    }
    Ok(received)
}
