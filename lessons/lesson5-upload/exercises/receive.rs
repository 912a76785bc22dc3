//! Lesson 5, exercise `receive`: the server's side of put, exactly the bytes announced and not
//! one more.
//!
//! After the article's put header, `{"action": "put", "filename": NAME, "file_size": N, ...}`,
//! the server answers `{"status": 200}` and reads the file: exactly N bytes. The client sends them
//! as it likes, in one write or a line at a time, and TCP cuts and joins them as it likes: a read
//! may return a single byte, or the end of the file together with the client's next request. The
//! article's server sends nothing after the data, and neither does this one; what it reads next
//! must be the next request, whole.
//!
//! The kit's server is lesson 5's: it logs the client in, checks the file's name, answers 200, and
//! calls your `receive` with the connection and a temporary file. When `receive` returns Ok, the
//! file gets its name, and the server reads the next request; when it fails, the server keeps
//! nothing and closes the connection. You write `receive`. (Lesson 5's `copy_exact` is one
//! answer: write yours without looking, then compare.)
//!
//! Check your work from any folder of the repository: `cargo lab check lesson5`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Read, Write};

/// Copies exactly `file_size` bytes from `conn` into `file`, and reads nothing after them.
///
/// Fails with an `UnexpectedEof` error if the connection ends first: the client vanished, and
/// the file is incomplete.
pub fn receive(conn: &mut impl Read, file: &mut impl Write, file_size: u64) -> io::Result<()> {
    // TODO: read what has arrived, write it to `file`, and again, until file_size bytes have come.
    todo!()
}
