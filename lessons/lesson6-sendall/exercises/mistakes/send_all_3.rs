//! Lesson 6, exercise `send_all`, planted mistake 3: the whole buffer again after a short write.
//!
//! It counts what each `write` takes, and goes on until the count reaches the buffer's length,
//! but it hands `write` the whole buffer every time instead of what is left. After a short
//! write, the next one sends the start of the buffer again: the peer gets bytes it already has,
//! and never the end. The count looks right, so it returns Ok.

use std::io::{self, Write};

#[derive(Debug)]
pub struct SendError {
    pub sent: usize,
    pub error: io::Error,
}

pub fn send_all(writer: &mut impl Write, buf: &[u8]) -> Result<(), SendError> {
    let mut sent = 0;
    while sent < buf.len() {
        match writer.write(buf) {
            // The mistake: `buf`, from its start, where `&buf[sent..]` was meant.
            Ok(0) => {
                return Err(SendError {
                    sent,
                    error: io::ErrorKind::WriteZero.into(),
                });
            }
            Ok(n) => sent += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(SendError { sent, error }),
        }
    }
    Ok(())
}
