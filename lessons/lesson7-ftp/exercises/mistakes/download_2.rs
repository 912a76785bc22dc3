//! Lesson 7, exercise `download`, planted mistake 2: one read for the whole file.
//!
//! It makes a buffer of the announced size and calls `read` once, as if the file arrived in one
//! piece. A read returns what has arrived so far: a small file sent in one write over loopback
//! does come whole, but a file that comes in pieces is cut after the first, and the rest of it
//! is then read as the trailer's frame. The md5 is checked, so it fails rather than returning a
//! wrong file, but it fails on a file that was sent intact.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

use lesson7::protocol::{self, MAX_REPLY, Reply, Request, VERSION};
use md5::{Digest, Md5};
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
    let size = next_reply(&mut conn)?
        .u64("size")
        .ok_or_else(|| invalid("the reply to get has no size".into()))?;
    let mut data = vec![0u8; size as usize];
    let got = conn.read(&mut data)?; // the mistake: one read taken for the whole file
    data.truncate(got);
    let trailer = protocol::read_frame(&mut conn, MAX_REPLY)?;
    let announced = trailer
        .get("md5")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the trailer has no md5".into()))?;
    let arrived = protocol::hex(&Md5::digest(&data));
    if arrived != announced {
        return Err(invalid(format!(
            "md5 mismatch: the trailer says {announced}, the bytes that arrived have {arrived}"
        )));
    }
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

fn invalid(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}
