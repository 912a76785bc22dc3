//! Lesson 1, exercise `fetch`: connect, and read a reply until the server closes.
//!
//! Some servers send their answer and close the connection, and that close is the only sign
//! that the answer is complete. `fetch` connects to such a server, sends nothing, and returns
//! every byte the server sent, however many reads it takes.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson1`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

/// Connects to the server at `addr` and returns everything it sends, once it has closed.
pub fn fetch(addr: SocketAddr) -> io::Result<Vec<u8>> {
    // TODO: connect, then read (1024 bytes at a time, say) and keep what arrives, until a read
    // tells you the server has closed.
    todo!()
}
