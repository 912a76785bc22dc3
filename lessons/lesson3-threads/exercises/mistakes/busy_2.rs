//! Lesson 3, exercise `busy`, planted mistake 2: the place is taken by the handler's thread.
//!
//! It checks the count in the accept loop, but takes the place in the thread it starts for the
//! client, with a guard that gives it back however the handler ends. Between the check and the
//! take, the loop goes on: it may accept the next client, find the count still low, and welcome
//! it too. Clients that come one at a time never show it; a burst of clients that connect at
//! once finds more places than there are.

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
        let served = Arc::clone(&served);
        let handler = Arc::clone(&handler);
        let spawned = thread::Builder::new().spawn(move || {
            // The mistake: the place is taken here, some time after the loop checked the count.
            let _place = Place::take(&served);
            if let Err(err) = handler.handle(request, client_address) {
                eprintln!("connection with {client_address} failed: {err}");
            }
        });
        if let Err(err) = spawned {
            eprintln!("no thread for {client_address}: {err}");
        }
    }
}

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
