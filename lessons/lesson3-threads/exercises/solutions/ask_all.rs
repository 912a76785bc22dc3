//! Lesson 3, exercise `ask_all`: the reference solution (the one the book shows).

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::thread;

/// Connects to every server in `servers` and asks it `message` with `lesson3::ask`, all at once,
/// each on a thread of its own; returns the answers in the order of `servers`.
pub fn ask_all(servers: &[SocketAddr], message: &str) -> io::Result<Vec<Vec<u8>>> {
    // Scoped threads may borrow `message`: the scope waits for all of them before it returns.
    thread::scope(|scope| {
        // First a thread for every server, so that all of them are being asked at once...
        let askers: Vec<_> = servers
            .iter()
            .map(|&server| scope.spawn(move || ask_one(server, message)))
            .collect();
        // ...then wait for each in turn, in the order of `servers`. The first error is returned.
        askers
            .into_iter()
            .map(|asker| asker.join().expect("a thread that asks does not panic"))
            .collect()
    })
}

/// What one thread does: connect, ask, and return the answer or the error.
fn ask_one(server: SocketAddr, message: &str) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(server)?;
    let (answer, _waited) = lesson3::ask(&mut stream, message)?;
    Ok(answer)
}
