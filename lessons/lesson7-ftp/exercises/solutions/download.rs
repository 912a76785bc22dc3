//! Lesson 7, exercise `download`: the reference solution.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

use lesson7::protocol::{self, MAX_REPLY, Reply, Request, VERSION};
use md5::{Digest, Md5};
use serde_json::Value;

/// Logs in to the lesson 7 server at `addr` as `user`, downloads the file at `path`, and
/// returns its bytes once their md5 matches the one in the trailer.
pub fn download(addr: SocketAddr, user: &str, password: &str, path: &str) -> io::Result<Vec<u8>> {
    let mut conn = TcpStream::connect(addr)?;
    // A server that stops answering makes a read fail after this long, instead of never.
    conn.set_read_timeout(Some(lesson7::client::REPLY_TIMEOUT))?;
    // The server speaks first: the greeting (or 503, busy).
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

    // Exactly `size` bytes: `take` stops the reads there, so the trailer that follows the file
    // stays in the socket, even when it arrived in the same piece as the file's last bytes.
    let mut data = Vec::new();
    (&mut conn).take(size).read_to_end(&mut data)?;
    if data.len() as u64 != size {
        let why = format!("the connection ended after {} of {size} bytes", data.len());
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, why));
    }

    let trailer = protocol::read_frame(&mut conn, MAX_REPLY)?;
    let announced = trailer
        .get("md5")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("the trailer has no md5".into()))?;
    let arrived = protocol::hex(&Md5::digest(&data));
    if arrived != announced {
        return Err(invalid(format!(
            "md5 mismatch: the server's file has md5 {announced}, the bytes that arrived \
             have {arrived}"
        )));
    }
    Ok(data)
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

fn invalid(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}
