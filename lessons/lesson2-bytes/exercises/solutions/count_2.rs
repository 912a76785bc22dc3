//! Lesson 2, exercise `count`: a second correct solution, written differently from the first.
//!
//! The bytes go into one growing buffer, 4096 at a time; after each read, every whole line at its
//! front is cut off and answered, and what follows the last `\n` stays for the next read.

use std::io::{self, Read, Write};
use std::str;

/// Answers each line `conn` receives with its number of characters, until the client closes
/// its end; then returns Ok.
pub fn count_characters(mut conn: impl Read + Write) -> io::Result<()> {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 4096];
    while let n @ 1.. = conn.read(&mut buf)? {
        pending.extend_from_slice(&buf[..n]);
        while let Some(end) = pending.iter().position(|&byte| byte == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let answer = str::from_utf8(&line[..end])
                .map(|text| format!("{}\n", text.chars().count()))
                .unwrap_or_else(|_| "not UTF-8\n".to_string());
            conn.write_all(answer.as_bytes())?;
        }
    }
    // Read returned 0: the client closed. What is left in `pending` was cut short: no answer.
    Ok(())
}
