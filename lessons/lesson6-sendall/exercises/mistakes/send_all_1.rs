//! Lesson 6, exercise `send_all`, planted mistake 1: an interrupted write taken for a failure.
//!
//! It keeps the count and goes on after a short write, but it takes every error for a reason to
//! stop, `Interrupted` too. An interrupted write wrote nothing and asks to be called again; this
//! one gives up halfway through a buffer because a signal happened to arrive.

use std::io::{self, Write};

#[derive(Debug)]
pub struct SendError {
    pub sent: usize,
    pub error: io::Error,
}

pub fn send_all(writer: &mut impl Write, buf: &[u8]) -> Result<(), SendError> {
    let mut sent = 0;
    while sent < buf.len() {
        match writer.write(&buf[sent..]) {
            Ok(0) => {
                return Err(SendError {
                    sent,
                    error: io::ErrorKind::WriteZero.into(),
                });
            }
            Ok(n) => sent += n,
            Err(error) => return Err(SendError { sent, error }), // Interrupted included
        }
    }
    Ok(())
}
