//! Lesson 3, exercise `ask_all`, planted mistake 1: each thread joined before the next starts.
//!
//! It starts a thread for each server, and then at once waits for that thread with `join`,
//! before it starts the next one. `join` waits until the thread has finished, that is until the
//! server has answered; so the second server is asked only once the first has answered, and the
//! threads run one after the other. It is the one-at-a-time server of the lesson, on the
//! client's side: threads, and no concurrency.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::thread;

pub fn ask_all(servers: &[SocketAddr], message: &str) -> io::Result<Vec<Vec<u8>>> {
    let mut answers = Vec::new();
    for &server in servers {
        let message = message.to_string();
        let asker = thread::spawn(move || -> io::Result<Vec<u8>> {
            let mut stream = TcpStream::connect(server)?;
            let (answer, _waited) = lesson3::ask(&mut stream, &message)?;
            Ok(answer)
        });
        // The mistake: this waits for this server's answer before the next server is asked.
        answers.push(asker.join().expect("a thread that asks does not panic")?);
    }
    Ok(answers)
}
