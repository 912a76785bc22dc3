//! Lesson 3, exercise `ask_all`: a second correct solution, written differently from the first.
//!
//! Threads that own their data (no scope), each sending its server's number and result down a
//! channel; the answers are put back in the order of `servers` by that number.

use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::{io, thread};

/// Connects to every server in `servers` and asks it `message` with `lesson3::ask`, all at once,
/// each on a thread of its own; returns the answers in the order of `servers`.
pub fn ask_all(servers: &[SocketAddr], message: &str) -> io::Result<Vec<Vec<u8>>> {
    let (results, arrived) = mpsc::channel();
    for (index, &server) in servers.iter().enumerate() {
        let results = results.clone();
        let message = message.to_owned();
        thread::spawn(move || {
            let result = TcpStream::connect(server)
                .and_then(|mut stream| lesson3::ask(&mut stream, &message));
            // The receiver outlives every sender: this send cannot fail.
            let _ = results.send((index, result));
        });
    }
    drop(results);
    let mut answers: Vec<Option<Vec<u8>>> = vec![None; servers.len()];
    for (index, result) in arrived {
        let (answer, _waited) = result?;
        answers[index] = Some(answer);
    }
    Ok(answers.into_iter().flatten().collect())
}
