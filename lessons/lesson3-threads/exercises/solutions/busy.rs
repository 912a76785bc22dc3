//! Lesson 3, exercise `busy`: the reference solution (the one the book shows).

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
    // How many clients are being served: the accept loop and every handler's thread share it.
    let served = Arc::new(AtomicUsize::new(0));
    loop {
        let (mut request, client_address) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        // Only this loop takes places, so none can be taken between this check and `take`;
        // the handlers' threads can only give places back meanwhile.
        if served.load(Ordering::SeqCst) >= max_clients {
            if let Err(err) = request.write_all(BUSY.as_bytes()) {
                eprintln!("could not tell {client_address} that the server is busy: {err}");
            }
            continue; // `request` is dropped: the connection is closed, and no thread started.
        }
        let place = Place::take(&served);
        if let Err(err) = request.write_all(WELCOME.as_bytes()) {
            eprintln!("could not welcome {client_address}: {err}");
            continue; // `place` is dropped here, and given back.
        }
        let handler = Arc::clone(&handler);
        let spawned = thread::Builder::new().spawn(move || {
            // The thread owns the place: it is dropped, and given back, when the thread ends,
            // whether `handle` returns or panics.
            let _place = place;
            if let Err(err) = handler.handle(request, client_address) {
                eprintln!("connection with {client_address} failed: {err}");
            }
        });
        // If no thread could start, the closure is dropped, and the place with it.
        if let Err(err) = spawned {
            eprintln!("no thread for {client_address}: {err}");
        }
    }
}

/// One client's place among the `max_clients`: taken when made, given back when dropped.
///
/// Rust drops a value on every way out of its scope, a panic's unwinding included, so a place
/// cannot be lost by a handler that panics, as a `fetch_sub` after `handle` would be.
struct Place {
    served: Arc<AtomicUsize>,
}

impl Place {
    fn take(served: &Arc<AtomicUsize>) -> Place {
        served.fetch_add(1, Ordering::SeqCst);
        Place {
            served: Arc::clone(served),
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.served.fetch_sub(1, Ordering::SeqCst);
    }
}
