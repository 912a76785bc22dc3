//! Planted mistake 4 of `read_ready`: a read that returns 0 is taken as "nothing this time", so
//! after the client's close the loop reads 0 again and again, for ever.

use std::io::{self, Read};

use lesson3b::lines::Received;

pub fn read_ready(conn: &mut impl Read, pending: &mut Vec<u8>) -> io::Result<Received> {
    let mut received = Received::default();
    let mut buf = [0u8; 1024];
    loop {
        match conn.read(&mut buf) {
            // WRONG: no case for Ok(0); it adds nothing and reads again.
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    while let Some(end) = pending.iter().position(|&byte| byte == b'\n') {
        let mut line: Vec<u8> = pending.drain(..=end).collect();
        line.pop();
        received.lines.push(line);
    }
    Ok(received)
}
