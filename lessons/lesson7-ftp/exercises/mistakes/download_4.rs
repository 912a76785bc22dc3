//! Lesson 7, exercise `download`, planted mistake 4: the md5 of the wrong bytes.
//!
//! It hashes the file as it arrives, as lesson 7's client does, so that it never goes over the
//! bytes twice; but it feeds the hasher the whole buffer after each read instead of the n bytes
//! that read returned. Every md5 it computes is wrong (but the empty file's), so it refuses
//! every file the server sends, intact or not.

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
    let mut data = Vec::new();
    let mut md5 = Md5::new();
    let mut buf = [0u8; 4096];
    while (data.len() as u64) < size {
        let want = buf.len().min((size - data.len() as u64) as usize);
        let n = conn.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..n]);
        md5.update(buf); // the mistake: all 4096 bytes, not the n that arrived
    }
    let trailer = protocol::read_frame(&mut conn, MAX_REPLY)?;
    let announced = trailer
        .get("md5")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the trailer has no md5".into()))?;
    let arrived = protocol::hex(&md5.finalize());
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
