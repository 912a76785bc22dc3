//! Planted mistake 1 of `read_ready`: one read per call. Whatever arrived beyond the first read
//! stays in the socket, and with edge-triggered readiness the loop is not told again until more
//! bytes come, which may be never.

use std::io::{self, Read};

use lesson3b::lines::Received;

pub fn read_ready(conn: &mut impl Read, pending: &mut Vec<u8>) -> io::Result<Received> {
    let mut received = Received::default();
    let mut buf = [0u8; 1024];
    // WRONG: one read, as if one readiness event meant one read's worth of bytes.
    match conn.read(&mut buf) {
        Ok(0) => received.closed = true,
        Ok(n) => pending.extend_from_slice(&buf[..n]),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
        Err(err) => return Err(err),
    }
    while let Some(end) = pending.iter().position(|&byte| byte == b'\n') {
        let mut line: Vec<u8> = pending.drain(..=end).collect();
        line.pop();
        received.lines.push(line);
    }
    Ok(received)
}
