//! Lesson 1, exercise `greet`, planted mistake 2: a newline after the greeting.
//!
//! It greets the right address, and ends the greeting with `\n`, the habit of `println!`. The
//! specification says nothing comes after the address: a client that reads until the close gets
//! a byte it did not ask for.

use std::io::{self, Write};
use std::net::TcpListener;

pub fn greet_next(listener: &TcpListener) -> io::Result<()> {
    let (mut conn, client_address) = listener.accept()?;
    conn.write_all(format!("hello, {client_address}\n").as_bytes())?; // the mistake: `\n`
    Ok(())
}
