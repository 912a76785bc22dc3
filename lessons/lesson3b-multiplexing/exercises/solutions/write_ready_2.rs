//! A second correct solution of `write_ready`: it counts what was sent and removes it once, at
//! the end, whatever ended the writing.

use std::io::{self, Write};

use mio::Interest;

pub fn write_ready(conn: &mut impl Write, unsent: &mut Vec<u8>) -> io::Result<Interest> {
    let mut sent = 0;
    let outcome = loop {
        if sent == unsent.len() {
            break Ok(());
        }
        match conn.write(&unsent[sent..]) {
            Ok(0) => break Err(io::Error::from(io::ErrorKind::WriteZero)),
            Ok(n) => sent += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => break Err(err),
        }
    };
    unsent.drain(..sent);
    match outcome {
        Ok(()) => Ok(Interest::READABLE),
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => Ok(Interest::WRITABLE),
        Err(err) => Err(err),
    }
}
