//! Lesson 3, exercise `ask_all`, planted mistake 3: answers in the order they come.
//!
//! It asks every server at once, each thread sending its answer down one channel, and collects
//! the answers as they arrive: the fastest server's first. The specification asks for them in
//! the order of `servers`, whatever the order they come in; a channel keeps the order of the
//! sends, not of the servers.

use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::{io, thread};

pub fn ask_all(servers: &[SocketAddr], message: &str) -> io::Result<Vec<Vec<u8>>> {
    let (answers, arrived) = mpsc::channel();
    for &server in servers {
        let (answers, message) = (answers.clone(), message.to_string());
        thread::spawn(move || {
            let answer = TcpStream::connect(server)
                .and_then(|mut stream| lesson3::ask(&mut stream, &message))
                .map(|(answer, _waited)| answer);
            let _ = answers.send(answer);
        });
    }
    drop(answers);
    // The mistake: the answers are kept in the order they arrive.
    arrived.iter().collect()
}
