//! Lesson 8, exercise `pasv`: ask for a passive data connection and work out where to connect.
//!
//! A client that wants a listing or a file first sends `PASV` on the control connection. The
//! server opens a listening socket for the data connection and answers with its address as six
//! numbers, `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)`: the host's four bytes, then the
//! port's high byte and low byte. You write `pasv`, which asks and returns where to connect.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson8`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Sends `PASV\r\n` on `control` and returns the address of the server's data socket.
///
/// The reply is one line ending in `\r\n`, which may arrive over several reads. A `227` reply
/// holds six numbers separated by commas, the first digit after the code starting them; RFC 959
/// puts them in parentheses, but some servers write `227 =h1,h2,h3,h4,p1,p2` or leave out the
/// brackets, and RFC 1123 (section 4.1.2.6) asks clients to accept that. The port is `p1 * 256 +
/// p2`. The host is the control connection's peer, whatever the reply names: a server behind NAT
/// names an address the client cannot reach, and a hostile one could send the client anywhere.
/// Any other reply (a `502`, say) is an error.
pub fn pasv(control: &mut TcpStream) -> io::Result<SocketAddr> {
    // TODO: send the command; read until the reply's line ends; check its code; find the six
    // numbers; build the address from the control connection's peer and the port.
    todo!()
}
