//! The event loop around the exercises: a line echo server on mio, with its read step and its
//! write step passed in, so that an exercise can put the student's step in place of the kit's.
//!
//! Each client sends lines (bytes ending in `\n`) and gets every line back. Unlike lesson 3's
//! protocol, where the first read is the message, a line may arrive in any number of pieces and
//! several lines in one piece, and a client may send far more than it reads: the two steps are
//! where an event loop meets both.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

/// The send buffer the loop asks for on each connection (Linux doubles it). Small on purpose:
/// a client that reads slowly then stops the server's writes after a few KiB rather than a few
/// MiB, which is what the write step must handle, so it shows at once.
pub const SEND_BUFFER: usize = 4096;

/// What one read step found on a connection.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Every line completed by the bytes read, in order, without its `\n`.
    pub lines: Vec<Vec<u8>>,
    /// Whether the client has closed its sending side (a read returned 0).
    pub closed: bool,
}

/// Reads what the socket has for now and returns the completed lines: see the exercise
/// `read_ready`.
pub type ReadStep = fn(&mut TcpStream, &mut Vec<u8>) -> io::Result<Received>;

/// Sends what the socket takes now and returns the interest to register next: see the exercise
/// `write_ready`.
pub type WriteStep = fn(&mut TcpStream, &mut Vec<u8>) -> io::Result<Interest>;

// ANCHOR: client
/// One client of the line server.
struct Client {
    stream: TcpStream,
    /// The start of a line whose `\n` has not come yet.
    pending: Vec<u8>,
    /// Lines to send back that the socket has not taken yet.
    unsent: Vec<u8>,
    /// What the loop asked to hear about: READABLE, or WRITABLE while `unsent` waits. While
    /// output waits the loop reads nothing more, so a client that sends without reading cannot
    /// make the server hold more than one read step's worth.
    interest: Interest,
    /// The interest the socket is registered with now.
    registered: Interest,
    /// The client closed its side: send what is left, then close.
    closing: bool,
}
// ANCHOR_END: client

// ANCHOR: serve_lines
/// Serves every client of `listener` on the calling thread: each line a client sends comes back
/// to it. Returns only if polling fails.
pub fn serve_lines(
    listener: std::net::TcpListener,
    read_step: ReadStep,
    write_step: WriteStep,
) -> io::Result<Infallible> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    let listener_token = Token(usize::MAX);
    poll.registry()
        .register(&mut listener, listener_token, Interest::READABLE)?;
    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut next_token = 0;
    let mut events = Events::with_capacity(256);
    loop {
        match poll.poll(&mut events, None) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            result => result?,
        }
        for event in events.iter() {
            let token = event.token();
            if token == listener_token {
                while let Ok((mut stream, _)) = listener.accept() {
                    // Best effort: a larger buffer only makes the slow reader show later.
                    let _ = socket2::SockRef::from(&stream).set_send_buffer_size(SEND_BUFFER);
                    next_token += 1;
                    let token = Token(next_token);
                    if poll
                        .registry()
                        .register(&mut stream, token, Interest::READABLE)
                        .is_ok()
                    {
                        let client = Client {
                            stream,
                            pending: Vec::new(),
                            unsent: Vec::new(),
                            interest: Interest::READABLE,
                            registered: Interest::READABLE,
                            closing: false,
                        };
                        clients.insert(token, client);
                    }
                }
                continue;
            }
            let Some(client) = clients.get_mut(&token) else {
                continue;
            };
            let done = match serve_client(client, read_step, write_step) {
                Ok(done) => done,
                Err(err) => {
                    eprintln!("a client's connection failed: {err}");
                    true
                }
            };
            if done {
                let mut client = clients.remove(&token).expect("it was there");
                let _ = poll.registry().deregister(&mut client.stream);
            } else if client.interest != client.registered {
                // Only when it changes: with edge-triggered readiness, the kernel then reports
                // the socket when it becomes writable (or readable) again, and not before.
                let interest = client.interest;
                match poll
                    .registry()
                    .reregister(&mut client.stream, token, interest)
                {
                    Ok(()) => client.registered = interest,
                    Err(err) => {
                        eprintln!("could not watch a client's socket: {err}");
                        clients.remove(&token);
                    }
                }
            }
        }
    }
}

/// Does what can be done for one client without waiting. Returns true when it is done with.
fn serve_client(
    client: &mut Client,
    read_step: ReadStep,
    write_step: WriteStep,
) -> io::Result<bool> {
    loop {
        if !client.unsent.is_empty() {
            client.interest = write_step(&mut client.stream, &mut client.unsent)?;
            if !client.unsent.is_empty() {
                return Ok(false); // the rest when the socket can take more
            }
        }
        if client.closing {
            return Ok(true);
        }
        let received = read_step(&mut client.stream, &mut client.pending)?;
        for line in received.lines {
            client.unsent.extend_from_slice(&line);
            client.unsent.push(b'\n');
        }
        client.closing = received.closed;
        if client.unsent.is_empty() && !client.closing {
            return Ok(false); // nothing to send, nothing more to read for now
        }
    }
}
// ANCHOR_END: serve_lines
