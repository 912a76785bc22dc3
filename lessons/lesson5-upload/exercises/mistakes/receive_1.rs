//! Lesson 5, exercise `receive`, planted mistake 1: one read for the whole file.
//!
//! It makes room for the whole file and reads once, trusting one `recv` to hold the whole file.
//! A read returns what has arrived: a small file sent in one write is all there, so trying it by
//! hand suggests it works. A file sent in pieces is stored cut short, and the rest of it is then
//! read as the next request.

use std::io::{self, Read, Write};

pub fn receive(conn: &mut impl Read, file: &mut impl Write, file_size: u64) -> io::Result<()> {
    let mut data = vec![0; file_size as usize];
    let n = conn.read(&mut data)?; // one read: whatever has arrived so far
    file.write_all(&data[..n])
}
