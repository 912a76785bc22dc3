//! Lesson 3: a threaded server.
//!
//! The article's section 二 replaces the hand-written accept loop with `socketserver`: you write a
//! class with a `handle` method, and `ThreadingTCPServer` calls it once per connection, each on its
//! own thread. This file is that idea in Rust: a [`Handler`] trait with one method, a server that
//! calls it one connection at a time (socketserver's `TCPServer`), and one that gives every
//! connection a thread (`ThreadingTCPServer`).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;

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
        let Some((request, client_address)) = accept(listener) else {
            continue;
        };
        run_handler(handler, request, client_address);
    }
}
// ANCHOR_END: one_at_a_time

// ANCHOR: threaded
/// socketserver's `ThreadingTCPServer`: accepts a connection, hands it to a new thread, and goes
/// straight back to accepting.
pub fn serve_threaded(listener: &TcpListener, handler: Arc<impl Handler>) -> ! {
    loop {
        let Some((request, client_address)) = accept(listener) else {
            continue;
        };
        let handler = Arc::clone(&handler);
        thread::spawn(move || run_handler(&*handler, request, client_address));
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

/// One `accept`; a failure (a client that gave up before we accepted it, say) is reported and
/// skipped, since it concerns that client only.
fn accept(listener: &TcpListener) -> Option<(TcpStream, SocketAddr)> {
    listener
        .accept()
        .inspect_err(|err| eprintln!("accept failed: {err}"))
        .ok()
}
