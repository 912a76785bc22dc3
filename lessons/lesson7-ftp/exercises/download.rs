//! Lesson 7, exercise `download`: log in, download a file, and check it against the md5 in its
//! trailer.
//!
//! `download` is a client of your own for lesson 7's server, written from the chapter's
//! specification ("The protocol, specified"): it logs in, asks for one file, and returns the
//! file's bytes, but only once their md5 matches the one the server sends after them, in the
//! trailer. Lesson 7's library gives you the frames (`protocol::write_frame`,
//! `protocol::read_frame`) and the requests (`Request`); `next_reply` below reads a reply. The
//! tests run your client against lesson 7's real server.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson7`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

use lesson7::protocol::{self, MAX_REPLY, Reply, Request, VERSION};
use md5::{Digest, Md5};
use serde_json::Value;

/// Logs in to the lesson 7 server at `addr` as `user`, downloads the file at `path`, and
/// returns its bytes once their md5 matches the one in the trailer.
///
/// A refusal (a reply whose status is not 200), a connection that ends too soon, and an md5 that
/// differs are errors: then no bytes are returned.
pub fn download(addr: SocketAddr, user: &str, password: &str, path: &str) -> io::Result<Vec<u8>> {
    // TODO: connect; read the greeting; log in; ask for the file (`Request::Get`, offset 0);
    // read the file's bytes, as many as the reply announces; read the trailer; return the bytes
    // only if their md5 (`Md5::digest`, then `protocol::hex`) is the trailer's.
    todo!()
}

/// Reads the server's next frame as a reply. A status other than 200 is an error that carries
/// the server's sentence, such as `401 wrong user name or password`.
fn next_reply(conn: &mut TcpStream) -> io::Result<Reply> {
    let object = protocol::read_frame(conn, MAX_REPLY)?;
    let reply = Reply::from_json(Value::Object(object))?;
    if reply.is_ok() {
        Ok(reply)
    } else {
        let refusal = format!("{} {}", reply.status, reply.error_text());
        Err(io::Error::other(refusal))
    }
}
