//! The reference solution of `read_ready`.

use std::io::{self, Read};

use lesson3b::lines::Received;

pub fn read_ready(conn: &mut impl Read, pending: &mut Vec<u8>) -> io::Result<Received> {
    let mut received = Received::default();
    let mut buf = [0u8; 1024];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => {
                received.closed = true;
                break;
            }
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            // Nothing more for now: the answer the loop was waiting for, not a failure.
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    while let Some(end) = pending.iter().position(|&byte| byte == b'\n') {
        let mut line: Vec<u8> = pending.drain(..=end).collect();
        line.pop(); // the '\n'
        received.lines.push(line);
    }
    Ok(received)
}
