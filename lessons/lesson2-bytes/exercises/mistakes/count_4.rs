//! Lesson 2, exercise `count`, planted mistake 4: bytes counted, not characters.
//!
//! It cuts the lines right and checks that each is UTF-8, then answers `line.len()`: the number
//! of bytes. In Python 3, `len` of a `str` counts characters; in Rust, `len` of a `str` or a
//! `String` counts its UTF-8 bytes, and `chars().count()` counts characters. For ASCII text the
//! two agree, which is why it is easy to miss.

use std::io::{self, Read, Write};
use std::str;

pub fn count_characters(mut conn: impl Read + Write) -> io::Result<()> {
    let mut line = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        for &byte in &buf[..n] {
            if byte != b'\n' {
                line.push(byte);
                continue;
            }
            let answer = match str::from_utf8(&line) {
                Ok(text) => format!("{}\n", text.len()), // the mistake: bytes, not characters
                Err(_) => "not UTF-8\n".to_string(),
            };
            conn.write_all(answer.as_bytes())?;
            line.clear();
        }
    }
}
