//! Lesson 3, exercise `busy`: serve at most 3 clients at once, and tell the next one "busy".
//!
//! The lesson's `serve_threaded` gives every connection a thread, however many come: a thousand
//! clients that connect and say nothing hold a thousand threads. `serve_at_most` serves at most
//! `max_clients` at once, each on a thread of its own. A client that gets a place is told so,
//! `welcome\n`, and its connection goes to the handler. A client that comes while every place is
//! taken is told `busy, try again later\n` at once, and its connection is closed: it costs no
//! thread, and does not wait without knowing why.
//!
//! However the clients come, one after the other or many at once, no more than `max_clients`
//! are ever welcomed and not yet done with. A place is given back when the handler is done with
//! its client, however it ends: with Ok, with an error, or with a panic. The tests serve at most 3 clients, with a handler made of the
//! lesson's pieces: it reads one message, answers `received "MESSAGE"`, and panics on `panic`.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson3`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use lesson3::Handler;

/// What a client that gets a place is told first.
pub const WELCOME: &str = "welcome\n";

/// What a client that finds every place taken is told, before its connection is closed.
pub const BUSY: &str = "busy, try again later\n";

/// Like `lesson3::serve_threaded`, with at most `max_clients` connections handled at once.
pub fn serve_at_most(listener: &TcpListener, max_clients: usize, handler: Arc<impl Handler>) -> ! {
    // TODO: accept clients, as serve_threaded does. Count the clients being served, in a counter
    // that the accept loop and the handlers' threads share. Below `max_clients`: take a place,
    // send WELCOME, and hand the connection to `handler` on a thread of its own. Otherwise: send
    // BUSY and drop the connection. Make sure a place comes back however the handler ends.
    todo!()
}
