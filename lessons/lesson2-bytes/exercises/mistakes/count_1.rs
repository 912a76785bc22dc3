//! Lesson 2, exercise `count`, planted mistake 1: each read decoded on its own.
//!
//! It decodes each read on its own, lossily, and counts the characters of the text it gets. A
//! line sent all at once arrives in one read and is counted right. A line that arrives a byte at
//! a time is not: each read holds a third of a Chinese character, which `from_utf8_lossy` turns
//! into one U+FFFD, so every byte counts as a character. And lossy decoding never says that a
//! line is not UTF-8: it counts a U+FFFD there too.

use std::io::{self, Read, Write};

pub fn count_characters(mut conn: impl Read + Write) -> io::Result<()> {
    let mut characters = 0;
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        // The mistake: a read is decoded as if it held whole characters.
        for character in String::from_utf8_lossy(&buf[..n]).chars() {
            if character == '\n' {
                conn.write_all(format!("{characters}\n").as_bytes())?;
                characters = 0;
            } else {
                characters += 1;
            }
        }
    }
}
