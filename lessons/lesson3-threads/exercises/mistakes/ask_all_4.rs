//! Lesson 3, exercise `ask_all`, planted mistake 4: errors are left out.
//!
//! It asks every server at once and keeps the answers in order, but it drops every error with
//! `filter_map(Result::ok)`: a server that cannot be reached simply has no answer, and the
//! caller gets fewer answers than servers without knowing which one is missing, or why.

use std::net::{SocketAddr, TcpStream};
use std::{io, thread};

pub fn ask_all(servers: &[SocketAddr], message: &str) -> io::Result<Vec<Vec<u8>>> {
    thread::scope(|scope| {
        let askers: Vec<_> = servers
            .iter()
            .map(|&server| {
                scope.spawn(move || -> io::Result<Vec<u8>> {
                    let mut stream = TcpStream::connect(server)?;
                    Ok(lesson3::ask(&mut stream, message)?.0)
                })
            })
            .collect();
        Ok(askers
            .into_iter()
            .map(|asker| asker.join().expect("a thread that asks does not panic"))
            .filter_map(Result::ok) // the mistake: an error is dropped, not returned
            .collect())
    })
}
