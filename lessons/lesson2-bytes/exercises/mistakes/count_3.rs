//! Lesson 2, exercise `count`, planted mistake 3: one read taken for one line.
//!
//! It answers each read, as if a read held exactly one line: a line typed by hand and sent at
//! once arrives in one read, so trying it by hand suggests it works. But a read ends wherever
//! the bytes that have arrived end: a line sent in pieces is answered piece by piece, and lines
//! that arrive together are answered as one.

use std::io::{self, Read, Write};
use std::str;

pub fn count_characters(mut conn: impl Read + Write) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        // The mistake: whatever this read returned is taken for one whole line.
        let line = buf[..n].strip_suffix(b"\n").unwrap_or(&buf[..n]);
        let answer = match str::from_utf8(line) {
            Ok(text) => format!("{}\n", text.chars().count()),
            Err(_) => "not UTF-8\n".to_string(),
        };
        conn.write_all(answer.as_bytes())?;
    }
}
