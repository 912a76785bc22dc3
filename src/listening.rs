//! The `listening on HOST:PORT` line.
//!
//! Every server in the kit prints this line on stdout as soon as it accepts connections, with the
//! port it really got (which matters when it was asked for port 0). Scripts, tests and the exercise
//! checker wait for the line instead of sleeping and hoping the server is up.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener};

/// The words that start the announcement, wherever they appear in a line.
pub const PREFIX: &str = "listening on ";

/// Prints `listening on HOST:PORT` for a listener that is ready, and returns that address.
pub fn announce(listener: &TcpListener) -> io::Result<SocketAddr> {
    let addr = listener.local_addr()?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{PREFIX}{addr}")?;
    stdout.flush()?;
    Ok(addr)
}

/// Finds the announced address in a line of a server's output, if the line announces one.
pub fn parse(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once(PREFIX)?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn finds_the_address_at_the_start_or_inside_a_line() {
        assert_eq!(
            parse("listening on 127.0.0.1:8089"),
            Some("127.0.0.1:8089".parse().unwrap())
        );
        assert_eq!(
            parse("server | listening on 127.0.0.1:40000 (backlog 5)"),
            Some("127.0.0.1:40000".parse().unwrap())
        );
        assert_eq!(parse("listening on nowhere"), None);
        assert_eq!(parse("accepted 127.0.0.1:5000"), None);
    }
}
