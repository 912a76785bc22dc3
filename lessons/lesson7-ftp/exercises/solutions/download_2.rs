//! Lesson 7, exercise `download`: a second correct solution, written differently from the first.
//!
//! It hashes the file as it arrives, the way lesson 7's client does, with a loop of its own that
//! never asks for more than what is left of the file (so the trailer stays in the socket), and
//! reads into a buffer of 16 KiB.

use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};

use lesson7::protocol::{self, MAX_REPLY, Reply, Request, VERSION};
use md5::{Digest, Md5};
use serde_json::Value;

/// Logs in to the lesson 7 server at `addr` as `user`, downloads the file at `path`, and
/// returns its bytes once their md5 matches the one in the trailer.
pub fn download(addr: SocketAddr, user: &str, password: &str, path: &str) -> io::Result<Vec<u8>> {
    let mut conn = TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(lesson7::client::REPLY_TIMEOUT))?;
    let requests = [
        Request::Login {
            user: user.into(),
            password: password.into(),
            version: VERSION,
        },
        Request::Get {
            path: path.into(),
            offset: 0,
        },
    ];
    // The greeting first, then one reply per request; the last one, to `get`, has the size.
    let mut reply = next_reply(&mut conn)?;
    for request in &requests {
        protocol::write_frame(&mut conn, request)?;
        reply = next_reply(&mut conn)?;
    }
    let Some(size) = reply.u64("size") else {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            "no size in the reply",
        ));
    };

    let mut data = Vec::with_capacity(size.min(1 << 20) as usize);
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut left = size;
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = match conn.read(&mut buf[..want]) {
            Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
            Ok(n) => n,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        md5.update(&buf[..n]);
        data.extend_from_slice(&buf[..n]);
        left -= n as u64;
    }

    let trailer = protocol::read_frame(&mut conn, MAX_REPLY)?;
    match trailer.get("md5").and_then(Value::as_str) {
        Some(announced) if announced == protocol::hex(&md5.finalize()) => Ok(data),
        Some(_) => Err(io::Error::new(ErrorKind::InvalidData, "the md5 differs")),
        None => Err(io::Error::new(
            ErrorKind::InvalidData,
            "no md5 in the trailer",
        )),
    }
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
