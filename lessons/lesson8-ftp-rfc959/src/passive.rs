//! Passive mode: the second connection of every transfer, which the client opens to the server.
//!
//! FTP never sends a file on the control connection. For each listing, download or upload, a
//! data connection carries the bytes and is closed at the end: in stream mode (`MODE S`), the
//! close is how the receiver learns the file is complete. In passive mode (`PASV`, RFC 959; `EPSV`,
//! RFC 2428) the server listens on a fresh port, says which, and the client connects to it.
//!
//! Who may connect? Anybody who can reach the port, unless the server checks. Here only a
//! connection from the control connection's peer address is taken; any other is closed unread,
//! and the wait goes on until the deadline.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

// ANCHOR: ports
/// The ports passive listeners may use, such as `50000-50999`: the range a firewall in front of
/// the server must let through.
#[derive(Debug)]
pub struct Ports {
    range: RangeInclusive<u16>,
    /// Where the next search starts, so that sessions spread over the range instead of all
    /// trying its first ports.
    next: AtomicU16,
}

impl Ports {
    pub fn new(range: RangeInclusive<u16>) -> Ports {
        let next = AtomicU16::new(*range.start());
        Ports { range, next }
    }

    pub fn range(&self) -> &RangeInclusive<u16> {
        &self.range
    }

    /// Listens on `ip` at the first free port of the range, starting after the last one handed
    /// out. Each port is tried once; a full range is an `AddrInUse` error.
    pub fn listen(&self, ip: IpAddr) -> io::Result<Passive> {
        let (first, last) = (*self.range.start(), *self.range.end());
        let count = u32::from(last - first) + 1;
        let start = self.next.load(Ordering::Relaxed).clamp(first, last);
        for i in 0..count {
            let port = first + ((u32::from(start - first) + i) % count) as u16;
            match bind(SocketAddr::new(ip, port)) {
                Ok(socket) => {
                    let next = if port == last { first } else { port + 1 };
                    self.next.store(next, Ordering::Relaxed);
                    return Ok(Passive { socket, port });
                }
                Err(err) if err.kind() == io::ErrorKind::AddrInUse => continue,
                Err(err) => return Err(err),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("every port from {first} to {last} is in use"),
        ))
    }
}

/// Parses `FIRST-LAST`, such as `50000-50999`.
pub fn parse_range(text: &str) -> Result<RangeInclusive<u16>, String> {
    let bad =
        || format!("`{text}` is not a port range of the form FIRST-LAST, such as 50000-50999");
    let (first, last) = text.split_once('-').ok_or_else(bad)?;
    let (first, last): (u16, u16) = (
        first.trim().parse().map_err(|_| bad())?,
        last.trim().parse().map_err(|_| bad())?,
    );
    if first == 0 || first > last {
        return Err(bad());
    }
    Ok(first..=last)
}

fn bind(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // As std's TcpListener does: a port whose last connection is in TIME_WAIT may listen again.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    // One connection is expected; a few more may queue while they are turned away.
    socket.listen(4)?;
    Ok(socket)
}
// ANCHOR_END: ports

/// A passive listener, waiting for the client's data connection.
#[derive(Debug)]
pub struct Passive {
    socket: Socket,
    pub port: u16,
}

/// Why no data connection came.
#[derive(Debug)]
pub enum AcceptError {
    /// Nobody (or nobody allowed) connected before the deadline.
    TimedOut {
        refused: u32,
    },
    Io(io::Error),
}

impl Passive {
    // ANCHOR: accept
    /// Waits up to `within` for a connection from `peer`, the control connection's client.
    ///
    /// std's `TcpListener::accept` waits forever; the socket's receive timeout (SO_RCVTIMEO),
    /// which socket2 sets, also bounds `accept` on Linux and the BSDs: it then fails with
    /// `WouldBlock`. A connection from any other address is closed at once, and logged by the
    /// caller through `refused`: a stranger who guessed the port gets nothing, and cannot make
    /// the real client's connection wait behind theirs for long.
    pub fn accept_from(
        &self,
        peer: IpAddr,
        within: Duration,
        refused: &mut dyn FnMut(SocketAddr),
    ) -> Result<TcpStream, AcceptError> {
        let deadline = Instant::now() + within;
        let mut strangers = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(AcceptError::TimedOut { refused: strangers });
            }
            self.socket
                .set_read_timeout(Some(left))
                .map_err(AcceptError::Io)?;
            match self.socket.accept() {
                Ok((stream, from)) => {
                    let stream: TcpStream = stream.into();
                    let from = from
                        .as_socket()
                        .unwrap_or_else(|| SocketAddr::from(([0; 4], 0)));
                    if from.ip() == peer {
                        return Ok(stream);
                    }
                    strangers += 1;
                    refused(from);
                }
                Err(err) if crate::control::is_timeout(&err) => {
                    return Err(AcceptError::TimedOut { refused: strangers });
                }
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) => {}
                Err(err) => return Err(AcceptError::Io(err)),
            }
        }
    }
    // ANCHOR_END: accept
}

// ANCHOR: pasv_reply
/// `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` (RFC 959, section 4.1.2): the address as six
/// numbers, the port as its high and low byte. IPv4 only: RFC 2428's `EPSV` exists because
/// this format has no room for an IPv6 address.
pub fn pasv_text(ip: std::net::Ipv4Addr, port: u16) -> String {
    let [a, b, c, d] = ip.octets();
    format!(
        "Entering Passive Mode ({a},{b},{c},{d},{},{})",
        port >> 8,
        port & 0xff
    )
}

/// `229 Entering Extended Passive Mode (|||port|)` (RFC 2428, section 3): the port alone; the
/// client connects to the address it already reaches the server at.
pub fn epsv_text(port: u16) -> String {
    format!("Entering Extended Passive Mode (|||{port}|)")
}
// ANCHOR_END: pasv_reply

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pasv_numbers_are_the_address_and_the_port_in_two_bytes() {
        assert_eq!(
            pasv_text([127, 0, 0, 1].into(), 50001),
            "Entering Passive Mode (127,0,0,1,195,81)"
        );
        assert_eq!(
            epsv_text(50001),
            "Entering Extended Passive Mode (|||50001|)"
        );
    }

    #[test]
    fn ranges_parse_and_nonsense_is_refused() {
        assert_eq!(parse_range("50000-50009").unwrap(), 50000..=50009);
        for bad in ["50000", "9-1", "0-10", "a-b", "1-70000"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn accept_waits_no_longer_than_told_and_turns_strangers_away() {
        let ports = Ports::new(1024..=65535);
        let passive = ports.listen([127, 0, 0, 1].into()).unwrap();
        let to = SocketAddr::from(([127, 0, 0, 1], passive.port));
        // A connection from 127.0.0.2 (all of 127/8 is loopback on Linux) is not the client's.
        let stranger = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        stranger
            .bind(&SocketAddr::from(([127, 0, 0, 2], 0)).into())
            .unwrap();
        stranger.connect(&to.into()).unwrap();
        let mut seen = Vec::new();
        let result = passive.accept_from(
            [127, 0, 0, 1].into(),
            Duration::from_millis(300),
            &mut |from| seen.push(from.ip()),
        );
        assert!(
            matches!(result, Err(AcceptError::TimedOut { refused: 1 })),
            "{result:?}"
        );
        assert_eq!(seen, [IpAddr::from([127, 0, 0, 2])]);
        let _client = TcpStream::connect(to).unwrap();
        assert!(
            passive
                .accept_from([127, 0, 0, 1].into(), Duration::from_secs(10), &mut |_| {})
                .is_ok()
        );
    }
}
