//! Lesson 3, exercise `ask_all`, planted mistake 2: a server that cannot be reached panics.
//!
//! It asks every server at once, and returns the answers in order, but each thread unwraps what
//! `connect` and `ask` return: a server that cannot be reached panics the thread, and `join`
//! passes the panic on to the caller. An address with no server behind it is an everyday error,
//! not a bug in the program: the specification asks for it as an `Err`.

use std::net::{SocketAddr, TcpStream};
use std::{io, thread};

pub fn ask_all(servers: &[SocketAddr], message: &str) -> io::Result<Vec<Vec<u8>>> {
    let askers: Vec<_> = servers
        .iter()
        .map(|&server| {
            let message = message.to_string();
            thread::spawn(move || {
                // The mistake: an error becomes a panic.
                let mut stream = TcpStream::connect(server).unwrap();
                lesson3::ask(&mut stream, &message).unwrap().0
            })
        })
        .collect();
    Ok(askers
        .into_iter()
        .map(|asker| asker.join().unwrap())
        .collect())
}
