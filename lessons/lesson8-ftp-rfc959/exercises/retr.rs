//! Lesson 8, exercise `retr`: download a file over FTP's two connections.
//!
//! After `PASV` has given the address of the server's data socket, a download takes three
//! things in order: a preliminary reply on the control connection (`150`, the transfer starts),
//! the file's bytes on the data connection until the server closes it, and a final reply on the
//! control connection (`226`, the transfer worked; `426`, it was cut off). You write `retr`.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson8`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Connects to the data socket at `data`, sends `RETR name\r\n` on `control`, and returns the
/// file's bytes once the server's final reply says that the transfer worked.
///
/// Each reply is one line, three digits and text, ending in `\r\n`; it may arrive over several
/// reads, and two replies may arrive in one. The first reply is `1xx` when the transfer starts;
/// a `4xx` or `5xx` instead (`550`, no such file) refuses it, with no data: return an error. The
/// data is complete when the server closes the data connection. Then comes the final reply:
/// `2xx` means the file is whole; anything else is an error, whatever data came.
pub fn retr(control: &mut TcpStream, data: SocketAddr, name: &str) -> io::Result<Vec<u8>> {
    // TODO: connect to `data`; send the command; read the first reply line; read the data until
    // the server closes it; read the final reply line; return the data only after a 2xx.
    todo!()
}
