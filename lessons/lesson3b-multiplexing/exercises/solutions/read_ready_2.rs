//! A second correct solution of `read_ready`: `read_to_end`, which reads until the close, stops
//! at WouldBlock with an error but keeps what it read; the lines are then cut with `split`.

use std::io::{self, Read};

use lesson3b::lines::Received;

pub fn read_ready(conn: &mut impl Read, pending: &mut Vec<u8>) -> io::Result<Received> {
    let closed = match conn.read_to_end(pending) {
        Ok(_) => true,
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => false,
        Err(err) => return Err(err),
    };
    let ended = pending.iter().filter(|&&byte| byte == b'\n').count();
    let mut pieces: Vec<Vec<u8>> = pending
        .split(|&byte| byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    // After the last '\n' comes the unfinished line (maybe empty): it stays pending.
    *pending = pieces.pop().unwrap_or_default();
    debug_assert_eq!(pieces.len(), ended);
    Ok(Received {
        lines: pieces,
        closed,
    })
}
