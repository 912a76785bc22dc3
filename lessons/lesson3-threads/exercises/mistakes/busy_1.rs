//! Lesson 3, exercise `busy`, planted mistake 1: a handler that panics keeps its place.
//!
//! It counts right, and it gives a place back after `handle` returns. But a handler that panics
//! never returns: the panic unwinds its thread, skipping every line after `handle`, and the
//! place is never given back. After three panics, every client is told "busy", forever. Clients
//! that come and go politely never show it, which is why it is easy to miss.

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use lesson3::Handler;

pub const WELCOME: &str = "welcome\n";

pub const BUSY: &str = "busy, try again later\n";

pub fn serve_at_most(listener: &TcpListener, max_clients: usize, handler: Arc<impl Handler>) -> ! {
    let served = Arc::new(AtomicUsize::new(0));
    loop {
        let (mut request, client_address) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        if served.load(Ordering::SeqCst) >= max_clients {
            let _ = request.write_all(BUSY.as_bytes());
            continue;
        }
        if request.write_all(WELCOME.as_bytes()).is_err() {
            continue;
        }
        served.fetch_add(1, Ordering::SeqCst);
        let served = Arc::clone(&served);
        let handler = Arc::clone(&handler);
        let spawned = thread::Builder::new().spawn(move || {
            if let Err(err) = handler.handle(request, client_address) {
                eprintln!("connection with {client_address} failed: {err}");
            }
            // The mistake: this line is never reached when `handle` panics.
            served.fetch_sub(1, Ordering::SeqCst);
        });
        if let Err(err) = spawned {
            eprintln!("no thread for {client_address}: {err}");
        }
    }
}
