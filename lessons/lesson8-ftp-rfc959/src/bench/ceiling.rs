//! The ceiling of an upload on this machine: curl sending to the cheapest receiver that still
//! speaks enough FTP for `curl -T`.
//!
//! A server's upload rate is bounded by the client's as much as by its own work: on loopback both
//! share the machine's cores, and curl's half of the transfer (reading the file, then `send`, in
//! whose system call the kernel also runs TCP's receiving side) is the same whoever receives. So
//! the bench measures two receivers that do as little as a receiver can:
//!
//! - [`Keep::Nothing`] reads each block from the socket and drops it: no server that keeps the
//!   file can be faster.
//! - [`Keep::File`] writes each block to a file: the least a server that stores the upload does,
//!   with none of lesson 8's checks (no login, no quota, no `.part`, no rename, no `fsync`).
//!
//! Both read in lesson 7's `BLOCK`, as lesson 8 does. The dialogue is canned (any user, any
//! password, the file name ignored): this is a measuring instrument, not a server.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use lesson7::transfer::BLOCK;

/// What the receiver does with the bytes of an upload.
#[derive(Debug, Clone)]
pub enum Keep {
    /// Reads them and drops them.
    Nothing,
    /// Writes them to this file, created anew for each upload.
    File(PathBuf),
}

/// A running receiver: where it listens, and how many bytes its last upload brought.
pub struct Receiver {
    pub addr: SocketAddr,
    received: Arc<AtomicU64>,
}

impl Receiver {
    /// The bytes the last complete upload brought, so that the bench can check it got them all.
    pub fn last_upload(&self) -> u64 {
        self.received.load(Ordering::SeqCst)
    }
}

/// Starts a receiver on a free loopback port, on a thread that serves one client at a time for
/// as long as the bench runs.
pub fn start(keep: Keep) -> io::Result<Receiver> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    let addr = listener.local_addr()?;
    let received = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&received);
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            // A session that fails (curl gave up) ends; the bench reports curl's error.
            let _ = session(client, &keep, &count);
        }
    });
    Ok(Receiver { addr, received })
}

/// The commands `curl -T` sends (USER, PASS, PWD, EPSV, TYPE, STOR, QUIT), answered so that it
/// goes on; anything else gets 502.
fn session(client: TcpStream, keep: &Keep, received: &AtomicU64) -> io::Result<()> {
    // As lesson 8's control connection does: each reply goes at once, in one write, rather than
    // wait (Nagle's algorithm) for curl's delayed acknowledgement of the one before.
    client.set_nodelay(true)?;
    let mut replies = client.try_clone()?;
    let mut lines = BufReader::new(client);
    replies.write_all(b"220 the ceiling receiver\r\n")?;
    let mut passive: Option<TcpListener> = None;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.split_whitespace().next().unwrap_or("");
        match verb.to_ascii_uppercase().as_str() {
            "USER" => replies.write_all(b"331 any password\r\n")?,
            "PASS" => replies.write_all(b"230 in\r\n")?,
            "PWD" => replies.write_all(b"257 \"/\"\r\n")?,
            "TYPE" => replies.write_all(b"200 ok\r\n")?,
            "EPSV" => {
                let listener = TcpListener::bind(("127.0.0.1", 0))?;
                let port = listener.local_addr()?.port();
                let reply = format!("229 Entering Extended Passive Mode (|||{port}|)\r\n");
                replies.write_all(reply.as_bytes())?;
                passive = Some(listener);
            }
            "STOR" => {
                let Some(listener) = passive.take() else {
                    replies.write_all(b"425 EPSV first\r\n")?;
                    continue;
                };
                replies.write_all(b"150 send it\r\n")?;
                let (data, _) = listener.accept()?;
                let n = receive(data, keep)?;
                received.store(n, Ordering::SeqCst);
                replies.write_all(format!("226 {n} bytes\r\n").as_bytes())?;
            }
            "QUIT" => return replies.write_all(b"221 bye\r\n"),
            _ => replies.write_all(b"502 not here\r\n")?,
        }
    }
}

/// Reads the data connection to its end, a `BLOCK` at a time, keeping the bytes as `keep` says.
fn receive(mut data: TcpStream, keep: &Keep) -> io::Result<u64> {
    let mut file = match keep {
        Keep::Nothing => None,
        Keep::File(path) => Some(File::create(path)?),
    };
    let mut buf = vec![0u8; BLOCK];
    let mut received = 0;
    loop {
        let n = match data.read(&mut buf) {
            Ok(0) => return Ok(received),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        received += n as u64;
        if let Some(file) = &mut file {
            file.write_all(&buf[..n])?;
        }
    }
}
