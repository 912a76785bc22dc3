//! Lesson 6, exercise `send_all`, planted mistake 4: a write of 0 not seen as "never".
//!
//! It adds whatever `write` returns to its count and writes again until the count reaches the
//! end. When the writer will take nothing more, `write` returns `Ok(0)`, and returns it again
//! on every call: the count never grows, and the loop spins for ever, a core at 100%, instead
//! of stopping with `WriteZero`. (It is the writer's side of lesson 1's read that returns 0.)

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
            Ok(n) => sent += n, // the mistake: Ok(0) is not looked at
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(SendError { sent, error }),
        }
    }
    Ok(())
}
