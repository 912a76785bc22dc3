//! Lesson 2, exercise `count`, planted mistake 2: a line cut short by the close is answered.
//!
//! It keeps the bytes of the line so far and answers each line at its `\n`, as it should. But
//! when the client closes, it answers what is left too, as Python's `for line in f` yields a
//! last line without its `\n`. The specification says otherwise: a line cut short by the close
//! gets no answer (the client may have been stopped in the middle of it).

use std::io::{self, Read, Write};
use std::str;

pub fn count_characters(mut conn: impl Read + Write) -> io::Result<()> {
    let mut line = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            if !line.is_empty() {
                // The mistake: this line never got its `\n`.
                conn.write_all(answer(&line).as_bytes())?;
            }
            return Ok(());
        }
        for &byte in &buf[..n] {
            if byte == b'\n' {
                conn.write_all(answer(&line).as_bytes())?;
                line.clear();
            } else {
                line.push(byte);
            }
        }
    }
}

fn answer(line: &[u8]) -> String {
    match str::from_utf8(line) {
        Ok(text) => format!("{}\n", text.chars().count()),
        Err(_) => "not UTF-8\n".to_string(),
    }
}
