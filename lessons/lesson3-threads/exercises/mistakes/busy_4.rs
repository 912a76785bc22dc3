//! Lesson 3, exercise `busy`, planted mistake 4: a client beyond the limit waits for a place.
//!
//! When every place is taken, it waits until one is given back, and only then welcomes the
//! client: no thread is started for a waiting client, but the client is told nothing, and waits
//! without knowing why, for as long as the others stay. The specification asks for `busy` at
//! once.

use std::io::Write;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use lesson3::Handler;

pub const WELCOME: &str = "welcome\n";

#[allow(dead_code)] // never sent: that is the mistake
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
        // The mistake: the client is kept waiting, not told that the server is busy.
        while served.load(Ordering::SeqCst) >= max_clients {
            thread::sleep(Duration::from_millis(10));
        }
        if request.write_all(WELCOME.as_bytes()).is_err() {
            continue;
        }
        served.fetch_add(1, Ordering::SeqCst);
        let served = Arc::clone(&served);
        let handler = Arc::clone(&handler);
        let spawned = thread::Builder::new().spawn(move || {
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
