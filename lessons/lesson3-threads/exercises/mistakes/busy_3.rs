//! Lesson 3, exercise `busy`, planted mistake 3: one place too many.
//!
//! It counts the clients being served and gives each place back however the handler ends, but
//! it compares with `>` where `>=` is needed: with 3 clients served, the count is not above 3,
//! and a fourth is welcomed.

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
        // The mistake: with `max_clients` served, the fourth still finds a place.
        if served.load(Ordering::SeqCst) > max_clients {
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
            // Given back on every way out of the thread, a panic's unwinding included.
            let _place = Place(served);
            if let Err(err) = handler.handle(request, client_address) {
                eprintln!("connection with {client_address} failed: {err}");
            }
        });
        if let Err(err) = spawned {
            eprintln!("no thread for {client_address}: {err}");
        }
    }
}

struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
