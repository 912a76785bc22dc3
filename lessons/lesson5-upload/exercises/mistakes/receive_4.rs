//! Lesson 5, exercise `receive`, planted mistake 4: how much came is never checked.
//!
//! `take` and `io::copy`, as the reference solution does: never more than the file's size, and
//! as many reads as it takes. But `io::copy` also ends, without an error, when `conn` ends, and
//! this code does not look at the count it returns. A client that vanishes halfway leaves a file
//! cut short, which the server keeps under its name as if it were whole.

use std::io::{self, Read, Write};

pub fn receive(conn: &mut impl Read, file: &mut impl Write, file_size: u64) -> io::Result<()> {
    io::copy(&mut conn.take(file_size), file)?; // the mistake: the count it returns is dropped
    Ok(())
}
