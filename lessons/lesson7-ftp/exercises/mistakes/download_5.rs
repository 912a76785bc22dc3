//! Lesson 7, exercise `download`, planted mistake 5: `expect` on the server's answers.
//!
//! It does everything right while the server says yes, but takes a refusal for something that
//! cannot happen: `expect` on each reply. A wrong password, a missing file, a busy server: each
//! makes the program panic with a backtrace instead of returning the error, with the server's
//! sentence, to whoever called it.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};

use lesson7::protocol::{self, MAX_REPLY, Reply, Request, VERSION};
use md5::{Digest, Md5};
use serde_json::Value;

pub fn download(addr: SocketAddr, user: &str, password: &str, path: &str) -> io::Result<Vec<u8>> {
    let mut conn = TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(lesson7::client::REPLY_TIMEOUT))?;
    // The mistake, here and below: a refusal taken for a bug, and a panic instead of an error.
    next_reply(&mut conn).expect("the greeting");
    let login = Request::Login {
        user: user.into(),
        password: password.into(),
        version: VERSION,
    };
    protocol::write_frame(&mut conn, &login)?;
    next_reply(&mut conn).expect("the login");
    let get = Request::Get {
        path: path.into(),
        offset: 0,
    };
    protocol::write_frame(&mut conn, &get)?;
    let size = next_reply(&mut conn)
        .expect("the file")
        .u64("size")
        .ok_or_else(|| invalid("the reply to get has no size".into()))?;

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
