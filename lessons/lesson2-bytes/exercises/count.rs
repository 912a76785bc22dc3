//! Lesson 2, exercise `count`: answer each line a client sends with its number of characters.
//!
//! A client sends lines of UTF-8 text, each ending with `\n`. For each line, the server answers
//! with the number of characters in it (the `\n` not counted), in decimal, followed by `\n`:
//! `你好, world` is 13 bytes and 9 characters, so the line `你好, world\n` is answered `9\n`.
//! A line that is not UTF-8 is answered `not UTF-8\n`, and the server goes on with the next.
//! When the client closes the connection, the server closes it too; a line cut short by the
//! close gets no answer.
//!
//! The client may send a line all at once, or a byte at a time: the answers must not change.
//! The server around `count_characters` is written already: it accepts each client and calls
//! `count_characters` with the connection. You write `count_characters`.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson2`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Read, Write};
use std::str;

/// Answers each line `conn` receives with its number of characters, until the client closes
/// its end; then returns Ok.
///
/// `conn` is the connection `accept` returned, a `TcpStream`, or in one test a stream whose
/// reads return one byte each: all `count_characters` may do with it is `read` and `write`.
pub fn count_characters(mut conn: impl Read + Write) -> io::Result<()> {
    // TODO: read (1024 bytes at a time, say) until a read tells you the client has closed. A read
    // may end anywhere: inside a line, inside a character. Answer each line once its `\n` has
    // arrived.
    todo!()
}
