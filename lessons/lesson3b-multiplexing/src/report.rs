//! What a server says about each connection.
//!
//! Lesson 3's handler prints `handle() started for ADDR` and `ADDR sent "..."` on stdout, and the
//! failures on stderr; lesson 3's end-to-end tests read those lines. Every model of this lesson
//! says the same through a [`Report`], so the same tests run against all of them. The demo passes
//! a report of its own that also notes which thread did the work.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

/// One thing that happened to one connection.
#[derive(Debug)]
pub enum Event {
    /// The server took the connection and will serve it.
    Started(SocketAddr),
    /// The client's message arrived, and the answer is on its way.
    Sent(SocketAddr, String),
    /// The connection ended with an error before it was served.
    Failed(SocketAddr, io::Error),
    /// Serving the connection panicked; that connection is closed, the server goes on.
    Panicked(SocketAddr),
}

/// Where a server reports its events; called from whichever thread serves the connection.
pub type Report = Arc<dyn Fn(Event) + Send + Sync>;

/// Prints an event as lesson 3's server does.
pub fn print(event: Event) {
    match event {
        Event::Started(addr) => println!("handle() started for {addr}"),
        Event::Sent(addr, message) => println!("{addr} sent {message:?}"),
        Event::Failed(addr, err) => eprintln!("connection with {addr} failed: {err}"),
        Event::Panicked(addr) => {
            eprintln!("the handler for {addr} panicked; the server keeps serving")
        }
    }
}

// ANCHOR: message
/// Lesson 3's message from the bytes of one read: the same rules as `lesson3::read_message`,
/// for servers whose reads are not the blocking `recv(1024)` that function makes.
///
/// An empty read is a client that closed without a word; bytes that are not UTF-8 are refused.
pub fn message_from(data: &[u8]) -> io::Result<String> {
    if data.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the client closed the connection without sending a message",
        ));
    }
    let text =
        std::str::from_utf8(data).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Ok(text.to_string())
}

/// Lesson 3's answer to `message`, as bytes to send: `received "..."`.
///
/// # Panics
///
/// On `lesson3::PANIC_MESSAGE`, as lesson 3's handler does: a stand-in for any bug.
pub fn answer_to(message: &str) -> Vec<u8> {
    if message == lesson3::PANIC_MESSAGE {
        panic!("the client sent {message:?}, and this server panics on purpose");
    }
    format!("received {message:?}").into_bytes()
}
// ANCHOR_END: message
