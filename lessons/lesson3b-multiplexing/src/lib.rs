//! Lesson 3b: I/O multiplexing, the other half of the article's section 二.
//!
//! Section 二 says that a server handles many clients at once with two ideas: I/O multiplexing
//! (IO多路复用), one thread watching many sockets and serving whichever is ready, and threads (or
//! processes). Lesson 3 taught the threads. This lesson teaches the rest, in three server models
//! that all speak lesson 3's protocol (read one message, print it, answer `received "..."`):
//!
//! - [`forever`]: what `socketserver`'s `serve_forever` really does: a selector watching only
//!   the listening socket, woken every half second to check for `shutdown()`, and a thread per
//!   accepted connection (`ThreadingMixIn`). Multiplexing for one socket, threads for the rest.
//! - [`event_loop`]: one thread, many clients, on `mio`: non-blocking sockets and readiness
//!   events, each connection's progress kept as data.
//! - [`on_tokio`]: the same server written with async/await, the loop written for you.
//!
//! Each model tells what it does through a [`Report`], so that the command line prints lesson 3's
//! own lines (and lesson 3's tests read them) while the demo collects them in order.

pub mod bench;
pub mod event_loop;
pub mod forever;
pub mod lines;
pub mod on_tokio;
pub mod report;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use socket_lab::listening;

pub use report::{Event, Report};

/// The server models of this lesson, as `lesson3b server --model` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Model {
    /// socketserver's serve_forever with ThreadingMixIn: a selector on the listening socket, a
    /// thread per connection.
    Forever,
    /// One thread, an event loop on mio.
    Mio,
    /// One thread, Tokio's event loop under async/await.
    Tokio,
}

// ANCHOR: run
/// `lesson3b server`: listen on `addr` (with the article's backlog of 5 unless told otherwise)
/// and serve every client with lesson 3's protocol, in the chosen model.
pub fn run_server(addr: SocketAddr, model: Model, backlog: i32) -> anyhow::Result<()> {
    let listener = lesson1::listen_with_backlog(addr, backlog)
        .with_context(|| format!("could not listen on {addr}"))?;
    listening::announce(&listener)?;
    let report: Report = Arc::new(report::print);
    match model {
        Model::Forever => {
            println!("serving like socketserver.ThreadingTCPServer: a selector, a thread each");
            let server = forever::Server::new(listener);
            let mixin = forever::ThreadingMixIn::new(Arc::new(lesson3::PrintMessage), report);
            server.serve_forever(|request, client_address| {
                mixin.process_request(request, client_address)
            })?;
            Ok(())
        }
        Model::Mio => {
            println!("serving every client on this one thread, with an event loop on mio");
            match event_loop::serve(listener, report)? {}
        }
        Model::Tokio => {
            println!("serving every client on this one thread, with Tokio (async/await)");
            match on_tokio::serve(listener, report)? {}
        }
    }
}
// ANCHOR_END: run
