//! Planted mistake 2 of `read_ready`: what is left after the last `\n` is taken for a line of
//! its own, when it is only the start of one that the next read will finish.

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
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    for line in pending.split(|&byte| byte == b'\n') {
        // WRONG: the piece after the last '\n' is pushed as a line too, and pending is emptied.
        if !line.is_empty() {
            received.lines.push(line.to_vec());
        }
    }
    pending.clear();
    Ok(received)
}
