//! Lesson 7, exercise `download`, planted mistake 1: the md5 in the trailer is never compared.
//!
//! It follows the protocol to the letter: greeting, login, get, exactly `size` bytes, then the
//! trailer. But it reads the trailer only to get it out of the way, and returns the bytes that
//! arrived whatever they are. Over loopback nothing ever changes them, so every download looks
//! right; the test whose relay flips one bit of the file on its way tells the difference.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

use lesson7::protocol::{self, MAX_REPLY, Reply, Request, VERSION};
use serde_json::Value;

pub fn download(addr: SocketAddr, user: &str, password: &str, path: &str) -> io::Result<Vec<u8>> {
    let mut conn = TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(lesson7::client::REPLY_TIMEOUT))?;
    next_reply(&mut conn)?;
    let login = Request::Login {
        user: user.into(),
        password: password.into(),
        version: VERSION,
    };
    protocol::write_frame(&mut conn, &login)?;
    next_reply(&mut conn)?;
    let get = Request::Get {
        path: path.into(),
        offset: 0,
    };
    protocol::write_frame(&mut conn, &get)?;
    let size = next_reply(&mut conn)?.u64("size").unwrap_or(0);
    let mut data = Vec::new();
    (&mut conn).take(size).read_to_end(&mut data)?;
    if data.len() as u64 != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file was cut short",
        ));
    }
    protocol::read_frame(&mut conn, MAX_REPLY)?; // the trailer, read and never compared
    Ok(data)
}

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
