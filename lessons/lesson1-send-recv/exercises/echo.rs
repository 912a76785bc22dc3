//! Lesson 1, exercise `echo`: send back every byte a client sends, until it closes.
//!
//! An echo server returns to each client exactly the bytes it sent, as they arrive, for as long
//! as the client keeps its end open. The server around `echo` is written already: it accepts
//! each client and calls `echo` with the connection. You write `echo`.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson1`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Read, Write};

/// Sends back every byte `conn` receives, until the client closes its end; then returns Ok.
///
/// `conn` is the connection `accept` returned, a `TcpStream`, or in one test a stream that
/// behaves like a busy one: all `echo` may do with it is `read` and `write`.
pub fn echo(mut conn: impl Read + Write) -> io::Result<()> {
    // TODO: read into a buffer of 1024 bytes (the article's recv(1024)), send back what arrived,
    // and again, until a read tells you the client has closed.
    todo!()
}
