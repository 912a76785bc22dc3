//! Lesson 3, exercise `busy`: a second correct solution, written differently from the first.
//!
//! No counter of its own: every client being served holds a clone of one `Arc`, its ticket, and
//! the number of clones is the number of clients served. The loop clones a ticket before the
//! client's thread starts; the thread drops it on every way out, a panic's unwinding included.

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;

use lesson3::Handler;

/// What a client that gets a place is told first.
pub const WELCOME: &str = "welcome\n";

/// What a client that finds every place taken is told, before its connection is closed.
pub const BUSY: &str = "busy, try again later\n";

/// Like `lesson3::serve_threaded`, with at most `max_clients` connections handled at once.
pub fn serve_at_most(listener: &TcpListener, max_clients: usize, handler: Arc<impl Handler>) -> ! {
    let tickets = Arc::new(());
    for accepted in listener.incoming() {
        let Ok(mut request) = accepted else { continue };
        let Ok(client_address) = request.peer_addr() else {
            continue;
        };
        // One strong reference is the loop's own; the others are the clients being served.
        let served = Arc::strong_count(&tickets) - 1;
        if served >= max_clients {
            let _ = request.write_all(BUSY.as_bytes());
            continue;
        }
        let ticket = Arc::clone(&tickets);
        if request.write_all(WELCOME.as_bytes()).is_err() {
            continue; // the ticket is dropped here
        }
        let handler = Arc::clone(&handler);
        let started = thread::Builder::new().spawn(move || {
            let _ticket = ticket;
            if let Err(err) = handler.handle(request, client_address) {
                eprintln!("connection with {client_address} failed: {err}");
            }
        });
        if let Err(err) = started {
            eprintln!("no thread for {client_address}: {err}");
        }
    }
    unreachable!("`incoming` never ends")
}
