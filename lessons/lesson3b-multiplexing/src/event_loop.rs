//! One thread, many clients: an event loop on mio.
//!
//! mio is to Rust what `selectors` is to Python: one interface over the system's ways of
//! watching many sockets at once (epoll on Linux, kqueue on the BSDs and macOS). Every socket is
//! non-blocking, so no call ever waits; the loop waits in one place only, `poll`, for the kernel
//! to say which sockets are ready, and then does for each what can be done without waiting.
//!
//! What a thread kept on its stack for free (where it is in the conversation, the bytes read so
//! far, the answer not yet sent) the loop keeps as data, one [`Connection`] per client.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token};

use crate::report::{self, Event, Report};

/// The listening socket's token; connections get 1, 2, 3...
const LISTENER: Token = Token(0);

// ANCHOR: connection
/// Where one client's conversation stands: what lesson 3's handler knew by where its thread was.
enum State {
    /// Waiting for the message.
    Reading,
    /// The answer, and how much of it the kernel has taken so far.
    Writing { answer: Vec<u8>, written: usize },
}

/// One client of the loop.
struct Connection {
    stream: TcpStream,
    addr: SocketAddr,
    state: State,
    /// Whether the loop asked to hear when the socket can take more: only while an answer waits.
    wants_write: bool,
}

/// What the loop does with a connection after it has advanced it.
enum Next {
    /// Leave it registered: the kernel will say when it is ready again.
    Wait,
    /// The conversation is over: deregister and close it.
    Close,
}
// ANCHOR_END: connection

// ANCHOR: serve
/// Serves every client of `listener` on the calling thread. Returns only if polling fails.
pub fn serve(listener: std::net::TcpListener, report: Report) -> io::Result<Infallible> {
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut connections: HashMap<Token, Connection> = HashMap::new();
    let mut next_token = 1;
    let mut events = Events::with_capacity(1024);
    loop {
        // The one place the thread waits: until at least one socket is ready.
        match poll.poll(&mut events, None) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            result => result?,
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                accept_all(
                    &listener,
                    poll.registry(),
                    &mut connections,
                    &mut next_token,
                    &report,
                );
                continue;
            }
            let Some(connection) = connections.get_mut(&event.token()) else {
                continue; // closed earlier in this batch
            };
            if let Next::Close = advance_safely(connection, poll.registry(), event.token(), &report)
            {
                let mut connection = connections.remove(&event.token()).expect("it was there");
                let _ = poll.registry().deregister(&mut connection.stream);
                // Dropping the stream closes the connection.
            }
        }
    }
}

/// Accepts every connection waiting: epoll reports the listener once for a burst (edge
/// triggered), so the loop takes connections until the kernel has none left.
fn accept_all(
    listener: &TcpListener,
    registry: &Registry,
    connections: &mut HashMap<Token, Connection>,
    next_token: &mut usize,
    report: &Report,
) {
    loop {
        let (mut stream, addr) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                // EMFILE and the like: the connection stays queued. The loop serves the others
                // meanwhile; the next connection to arrive wakes the listener again.
                eprintln!("accept failed: {err}");
                return;
            }
        };
        let token = Token(*next_token);
        *next_token += 1;
        if let Err(err) = registry.register(&mut stream, token, Interest::READABLE) {
            report(Event::Failed(addr, err));
            continue;
        }
        report(Event::Started(addr));
        connections.insert(
            token,
            Connection {
                stream,
                addr,
                state: State::Reading,
                wants_write: false,
            },
        );
    }
}

/// Advances one connection, and turns its error or its panic into a report and a close: one
/// client's trouble never stops the loop that serves all the others.
fn advance_safely(
    connection: &mut Connection,
    registry: &Registry,
    token: Token,
    report: &Report,
) -> Next {
    let addr = connection.addr;
    match panic::catch_unwind(AssertUnwindSafe(|| {
        connection.advance(registry, token, report)
    })) {
        Ok(Ok(next)) => next,
        Ok(Err(err)) => {
            report(Event::Failed(addr, err));
            Next::Close
        }
        Err(_) => {
            report(Event::Panicked(addr));
            Next::Close
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: advance
impl Connection {
    /// Does all that can be done now without waiting: read the message, then write the answer,
    /// until the conversation is over or the socket would block.
    fn advance(&mut self, registry: &Registry, token: Token, report: &Report) -> io::Result<Next> {
        loop {
            match &mut self.state {
                State::Reading => {
                    let mut buf = [0u8; 1024];
                    let n = match self.stream.read(&mut buf) {
                        Ok(n) => n,
                        // Nothing yet (a wake-up with no data): wait for the next event.
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                            return Ok(Next::Wait);
                        }
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                        Err(err) => return Err(err),
                    };
                    // Lesson 3's protocol: the message is what one read returned.
                    let message = report::message_from(&buf[..n])?;
                    report(Event::Sent(self.addr, message.clone()));
                    let answer = report::answer_to(&message);
                    self.state = State::Writing { answer, written: 0 };
                }
                State::Writing { answer, written } => {
                    while *written < answer.len() {
                        match self.stream.write(&answer[*written..]) {
                            Ok(n) => *written += n,
                            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                                // The kernel's buffer is full: ask to hear when it has room,
                                // once, and keep the rest of the answer until then.
                                if !self.wants_write {
                                    registry.reregister(
                                        &mut self.stream,
                                        token,
                                        Interest::WRITABLE,
                                    )?;
                                    self.wants_write = true;
                                }
                                return Ok(Next::Wait);
                            }
                            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                            Err(err) => return Err(err),
                        }
                    }
                    // All sent. Lesson 3's handler returns here, and the connection closes.
                    return Ok(Next::Close);
                }
            }
        }
    }
}
// ANCHOR_END: advance
