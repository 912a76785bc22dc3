//! Lesson 7, exercise `download`, planted mistake 3: reads of 64 KiB past the file's end.
//!
//! It reads in a loop until it has at least the announced size, each read into a buffer of
//! 64 KiB, and keeps all that each read returned. When the trailer arrives in the same piece as
//! the file's last bytes, as it does when the server is quick or the network gathers them, the
//! start of the trailer ends up in the file, and the frame read afterwards is not the trailer.
//! Whether a read takes the trailer too depends on timing: the test whose relay passes the
//! reply, the file and the trailer in one write makes it happen every time.

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
    let mut buf = vec![0u8; 64 * 1024];
    while (data.len() as u64) < size {
        let n = conn.read(&mut buf)?; // the mistake: may read past the file, into the trailer
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        data.extend_from_slice(&buf[..n]);
    }
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
