//! Lesson 2, exercise `count`: the reference solution (the one the book shows).

use std::io::{self, Read, Write};
use std::str;

/// Answers each line `conn` receives with its number of characters, until the client closes
/// its end; then returns Ok.
pub fn count_characters(mut conn: impl Read + Write) -> io::Result<()> {
    // The bytes of the line so far: a read may end inside a line, and inside a character.
    let mut line = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            // The client closed its end; a line without its `\n` gets no answer.
            return Ok(());
        }
        for &byte in &buf[..n] {
            // In UTF-8 the byte of `\n` is never part of another character, so the bytes can be
            // cut into lines before they are decoded.
            if byte == b'\n' {
                conn.write_all(answer(&line).as_bytes())?;
                line.clear();
            } else {
                line.push(byte);
            }
        }
    }
}

/// The answer to one whole line, `\n` excluded: decoded only now, when no character can be cut.
fn answer(line: &[u8]) -> String {
    match str::from_utf8(line) {
        Ok(text) => format!("{}\n", text.chars().count()),
        Err(_) => "not UTF-8\n".to_string(),
    }
}
