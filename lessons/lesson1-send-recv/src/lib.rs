//! Lesson 1: send and recv.
//!
//! The article's first program (section 一, parts i and ii): the server makes a socket, binds it to
//! an address, listens and accepts; the client connects and sends `hello`; the server reads what
//! arrived with one `recv(1024)`. This file holds that socket code, one function per step, and later
//! lessons call it instead of writing it again.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use socket_lab::demo::{byte_count, bytes};
use socket_lab::listening;
use socket2::{Domain, Protocol, Socket, Type};

/// How many connections the kernel may queue, handshake done, before the server accepts them:
/// the article's `s.listen(5)`.
pub const BACKLOG: i32 = 5;

/// The most bytes one read asks for: the article's `recv(1024)`.
pub const RECV_SIZE: usize = 1024;

// ANCHOR: listen
/// Opens a listening TCP socket in the article's three steps: socket, bind, listen(5).
///
/// `std::net::TcpListener::bind(addr)` does the same in one call, but always with a backlog of
/// 128. socket2 exposes each step, so this server can ask for the article's 5.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    listen_with_backlog(addr, BACKLOG)
}

/// The same three steps with another backlog, for a server that expects many clients at the
/// same moment (lesson 7's).
pub fn listen_with_backlog(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // Without SO_REUSEADDR, a server restarted within a minute or two of stopping fails to bind:
    // the kernel still holds the old connections in TIME_WAIT. std sets it too, on Unix.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    Ok(socket.into())
}
// ANCHOR_END: listen

// ANCHOR: send
/// Sends `message` as UTF-8 with one `write`, as the article sends with one `s.send(...)`.
///
/// Returns how many bytes the kernel accepted. For a short message that is all of them; lesson 6
/// shows when it is fewer, and why the article ends with `sendall`.
pub fn send_message(stream: &mut TcpStream, message: &str) -> io::Result<usize> {
    stream.write(message.as_bytes())
}
// ANCHOR_END: send

// ANCHOR: recv
/// One `recv(1024)`: waits until at least one byte has arrived, then returns up to 1024 of them.
///
/// An empty result means the peer closed its side of the connection: nothing more will ever
/// arrive. It never means "nothing yet"; for that, `read` waits.
pub fn recv_once(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut buf = [0u8; RECV_SIZE];
    let n = stream.read(&mut buf)?;
    Ok(buf[..n].to_vec())
}
// ANCHOR_END: recv

// ANCHOR: serve
/// The article's server, kept running: accept a client, print what each recv returns until the
/// client closes, then accept the next one.
///
/// One connection at a time: while it talks to one client, the next waits in the backlog.
/// Lesson 3 is about that.
pub fn serve(listener: &TcpListener) -> ! {
    serve_each(listener, print_until_closed)
}

/// Accepts clients one after another and gives each connection to `talk` until it returns.
///
/// Lesson 2's server is this loop with another `talk`.
pub fn serve_each(
    listener: &TcpListener,
    mut talk: impl FnMut(&mut TcpStream, SocketAddr) -> io::Result<()>,
) -> ! {
    loop {
        // accept returns a new socket for this one client, and the client's address; the
        // listening socket goes on listening.
        let (mut conn, client_address) = accept(listener);
        println!("accepted a connection from {client_address}");
        if let Err(err) = talk(&mut conn, client_address) {
            // A client that misbehaves ends its own connection, not the server.
            eprintln!("connection with {client_address} failed: {err}");
        }
    }
}

fn print_until_closed(conn: &mut TcpStream, client_address: SocketAddr) -> io::Result<()> {
    loop {
        let data = recv_once(conn)?;
        if data.is_empty() {
            println!("recv(1024) returned 0 bytes: {client_address} closed the connection");
            return Ok(());
        }
        println!(
            "recv(1024) returned {}: {}",
            byte_count(data.len() as u64),
            bytes(&data)
        );
        println!("  as UTF-8 text: {}", String::from_utf8_lossy(&data));
    }
}
// ANCHOR_END: serve

// ANCHOR: accept
/// The first pause after a failed `accept`, and the longest: the pause doubles from one to the
/// other while the failures go on, and a success resets it.
pub const ACCEPT_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(10), Duration::from_secs(1));

/// Accepts the next connection, waiting out the failures in between.
///
/// A failure that concerns one client (it reset the connection before we took it) is skipped at
/// once. Any other failure, typically `EMFILE` (the process has as many files open as its limit
/// allows), does not go away by itself: the connection stays in the backlog and every `accept`
/// fails again at once. Retrying without a pause would burn a core and write the same line
/// thousands of times a second; the loop waits instead, longer each time, and logs the burst at
/// its 1st, 2nd, 4th, 8th... failure. Connections already accepted are served meanwhile, and as
/// they close, files come free.
pub fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    let (mut pause, longest) = ACCEPT_BACKOFF;
    let mut failures: u64 = 0;
    loop {
        let err = match listener.accept() {
            Ok(accepted) => return accepted,
            Err(err) => err,
        };
        if matches!(
            err.kind(),
            io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::Interrupted
        ) {
            eprintln!("accept failed: {err}; that client is gone");
            continue;
        }
        failures += 1;
        if failures.is_power_of_two() {
            eprintln!("accept failed: {err} ({failures} times); backing off");
        }
        thread::sleep(pause);
        pause = (pause * 2).min(longest);
    }
}
// ANCHOR_END: accept

// ANCHOR: run
/// `lesson1 server`: listen on `addr` and serve forever.
pub fn run_server(addr: SocketAddr) -> anyhow::Result<()> {
    let listener = listen(addr).with_context(|| format!("could not listen on {addr}"))?;
    listening::announce(&listener)?;
    serve(&listener)
}

/// `lesson1 client`: connect to `addr`, send one message, close.
pub fn run_client(addr: SocketAddr, message: &str) -> anyhow::Result<()> {
    let mut stream =
        TcpStream::connect(addr).with_context(|| format!("could not connect to {addr}"))?;
    println!("connected to {addr} from {}", stream.local_addr()?);
    let sent = send_message(&mut stream, message)?;
    println!(
        "write returned {sent}: the kernel took {sent} of the {} of {}",
        byte_count(message.len() as u64),
        bytes(message.as_bytes())
    );
    println!("closing the connection");
    Ok(())
}
// ANCHOR_END: run
