//! Lesson 3: a threaded server.
//!
//! The article's section 二 replaces the hand-written accept loop with `socketserver`: you write a
//! class with a `handle` method, and `ThreadingTCPServer` calls it once per connection, each on its
//! own thread. This file is that idea in Rust: a [`Handler`] trait with one method, a server that
//! calls it one connection at a time (socketserver's `TCPServer`), and one that gives every
//! connection a thread (`ThreadingTCPServer`). Then the article's handler, [`PrintMessage`], which
//! also answers, and the client's side, [`ask`], which times the answer: the time a client waits
//! is what tells the two servers apart.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use socket_lab::listening;

// ANCHOR: handler
/// What the server does with one connection: the article's `BaseRequestHandler` subclass.
///
/// The server calls [`Handler::handle`] once per connection, with the connection (Python's
/// `self.request`) and the client's address (`self.client_address`). When `handle` returns, the
/// connection is closed. `Send + Sync + 'static` because one handler serves every connection, from
/// many threads at once.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, request: TcpStream, client_address: SocketAddr) -> io::Result<()>;
}
// ANCHOR_END: handler

// ANCHOR: one_at_a_time
/// socketserver's `TCPServer`: accepts a connection, handles it to the end, accepts the next.
///
/// While one client is being handled, the others wait in the listen backlog.
pub fn serve_one_at_a_time(listener: &TcpListener, handler: &impl Handler) -> ! {
    loop {
        let (request, client_address) = lesson1::accept(listener);
        run_handler(handler, request, client_address);
    }
}
// ANCHOR_END: one_at_a_time

// ANCHOR: threaded
/// socketserver's `ThreadingTCPServer`: accepts a connection, hands it to a new thread, and goes
/// straight back to accepting.
///
/// Every thread gets a clone of the `Arc`, a counted pointer to the one handler, so the handler
/// lives as long as any thread still uses it.
pub fn serve_threaded(listener: &TcpListener, handler: Arc<impl Handler>) -> ! {
    loop {
        let (request, client_address) = lesson1::accept(listener);
        let handler = Arc::clone(&handler);
        let spawned =
            thread::Builder::new().spawn(move || run_handler(&*handler, request, client_address));
        // `thread::spawn` would panic, and end the server, when the system refuses another thread
        // (too many connections at once). Builder::spawn returns the error instead: this client's
        // connection is closed, and the server goes on serving the others.
        if let Err(err) = spawned {
            eprintln!("no thread for {client_address}: {err}");
        }
    }
}
// ANCHOR_END: threaded

// ANCHOR: run_handler
/// Calls `handle` for one connection and reports how it ended, panics included.
///
/// A panic unwinds only the thread it happens on, and `catch_unwind` stops it here, so a handler
/// that panics ends its own connection and nothing else: the server keeps serving.
fn run_handler(handler: &impl Handler, request: TcpStream, client_address: SocketAddr) {
    match panic::catch_unwind(AssertUnwindSafe(|| handler.handle(request, client_address))) {
        Ok(Ok(())) => {}
        Ok(Err(err)) => eprintln!("connection with {client_address} failed: {err}"),
        Err(_) => eprintln!("the handler for {client_address} panicked; the server keeps serving"),
    }
}
// ANCHOR_END: run_handler

// ANCHOR: print_message
/// The article's handler (its `Myclass`): reads the client's message with one `recv(1024)` and
/// prints it. Then it answers, which the article's does not, so that a client can tell when it
/// was served, and time it.
pub struct PrintMessage;

impl Handler for PrintMessage {
    fn handle(&self, mut request: TcpStream, client_address: SocketAddr) -> io::Result<()> {
        println!("handle() started for {client_address}");
        let message = read_message(&mut request)?;
        println!("{client_address} sent {message:?}");
        answer(&mut request, &message)
    }
}

/// The message that makes [`answer`] panic. Send it to watch a handler panic and the server live on.
pub const PANIC_MESSAGE: &str = "panic";

/// Reads one message: one `recv(1024)`, decoded as UTF-8, as the article's handler reads it.
///
/// One read is one message only for a short message sent with one write; lesson 5 is about the
/// rest. A client that closes without sending anything is an error here, and so are bytes that
/// are not UTF-8 (lesson 2).
pub fn read_message(request: &mut TcpStream) -> io::Result<String> {
    let data = lesson1::recv_once(request)?;
    if data.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the client closed the connection without sending a message",
        ));
    }
    String::from_utf8(data).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
}

/// Answers a message: `received "hello"`.
///
/// # Panics
///
/// On the message [`PANIC_MESSAGE`], on purpose: a stand-in for any bug in a handler.
pub fn answer(request: &mut TcpStream, message: &str) -> io::Result<()> {
    if message == PANIC_MESSAGE {
        panic!("the client sent {message:?}, and this handler panics on purpose");
    }
    request.write_all(format!("received {message:?}").as_bytes())
}
// ANCHOR_END: print_message

// ANCHOR: ask
/// The client's side: sends `message` and waits for the answer with one `recv(1024)`. Returns
/// the answer and how long it took to come.
///
/// An empty answer means that the server closed the connection without answering.
pub fn ask(stream: &mut TcpStream, message: &str) -> io::Result<(Vec<u8>, Duration)> {
    let asked_at = Instant::now();
    // write_all, not write: lesson 6 shows why.
    stream.write_all(message.as_bytes())?;
    let answer = lesson1::recv_once(stream)?;
    Ok((answer, asked_at.elapsed()))
}
// ANCHOR_END: ask

// ANCHOR: run
/// `lesson3 server`: listen on `addr` and serve every client with [`PrintMessage`], each on its
/// own thread, or one at a time.
pub fn run_server(addr: SocketAddr, one_at_a_time: bool) -> anyhow::Result<()> {
    let listener = lesson1::listen(addr).with_context(|| format!("could not listen on {addr}"))?;
    listening::announce(&listener)?;
    if one_at_a_time {
        println!("serving one connection at a time, like socketserver.TCPServer");
        serve_one_at_a_time(&listener, &PrintMessage)
    } else {
        println!(
            "serving each connection on a thread of its own, like socketserver.ThreadingTCPServer"
        );
        serve_threaded(&listener, Arc::new(PrintMessage))
    }
}

/// `lesson3 client`: connect to `addr`, keep the connection open and silent for `hold`, then send
/// `message` and print the answer and how long it took.
pub fn run_client(addr: SocketAddr, message: &str, hold: Duration) -> anyhow::Result<()> {
    let mut stream =
        TcpStream::connect(addr).with_context(|| format!("could not connect to {addr}"))?;
    println!("connected to {addr} from {}", stream.local_addr()?);
    if !hold.is_zero() {
        println!(
            "holding the connection for {} s before sending",
            hold.as_secs()
        );
        thread::sleep(hold);
    }
    println!("sending {message:?} and waiting for the answer");
    let (answer, waited) = ask(&mut stream, message)?;
    if answer.is_empty() {
        anyhow::bail!("the server closed the connection without answering");
    }
    let answer = String::from_utf8_lossy(&answer);
    println!("the answer came after {} ms: {answer}", waited.as_millis());
    Ok(())
}
// ANCHOR_END: run
