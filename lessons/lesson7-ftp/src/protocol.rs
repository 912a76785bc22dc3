//! The wire protocol: frames, requests, replies, status codes, limits.
//!
//! The book's chapter specifies it for someone writing a client in another language; this file is
//! the same specification as Rust types. In short:
//!
//! - A **frame** is a 4-byte big-endian length N (1 to [`MAX_REQUEST`] for requests, to
//!   [`MAX_REPLY`] for replies) followed by N bytes of UTF-8 JSON, always one object.
//! - On connect the server sends one frame, the greeting: `{"status": 200, "version": 1, ...}`, or
//!   `{"status": 503, "error": ...}` when it already serves as many clients as it may, and closes.
//! - Then the client sends a request frame and reads one reply frame, in turn. Every request has an
//!   `action`; every reply has a `status` and, unless it is 200, an `error` sentence.
//! - `put` and `get` move raw bytes between frames: after a 200 reply, exactly the announced number
//!   of bytes, then a trailer frame `{"md5": HEX}` with the digest of the whole file.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protocol version this kit speaks. A client states it when it logs in.
pub const VERSION: u64 = 1;

/// The largest request frame the server reads, in bytes. A request holds at most a path and a few
/// numbers; anything bigger is an attack or a bug, and is refused before it is read.
pub const MAX_REQUEST: u32 = 16 * 1024;

/// The largest reply frame a client need accept. The biggest reply is a page of a listing.
pub const MAX_REPLY: u32 = 4 * 1024 * 1024;

/// The most entries one `ls` reply holds; a longer listing comes in pages (see [`Request::Ls`]).
pub const MAX_LISTING: usize = 10_000;

/// The most bytes the entries of one `ls` reply take as JSON: a quarter of [`MAX_REPLY`], so that
/// a page always fits in a frame, whatever the names hold (a `"` takes 2 bytes once escaped, a
/// control character 6).
pub const MAX_LISTING_BYTES: usize = 1024 * 1024;

/// How deep below the home a directory may be made. The server walks a home without recursion,
/// so depth cannot crash it; the bound keeps every path well inside what the system accepts.
pub const MAX_DEPTH: usize = 64;

/// The longest path a request may carry, in bytes: Linux's `PATH_MAX`.
pub const MAX_PATH: usize = 4096;

// ANCHOR: status
/// Status codes, borrowed from HTTP so that they read familiar: 2xx done, 4xx the client's
/// request cannot be done, 5xx the server's side.
pub mod status {
    pub const OK: u16 = 200;
    /// The frame, its JSON, or a field is not what the protocol allows.
    pub const BAD_REQUEST: u16 = 400;
    /// Login needed first, or the login failed.
    pub const UNAUTHORIZED: u16 = 401;
    /// The path leads outside the home, or names something reserved.
    pub const FORBIDDEN: u16 = 403;
    pub const NOT_FOUND: u16 = 404;
    /// No request for the idle timeout, or no byte for the stall timeout; the server closes.
    pub const TIMEOUT: u16 = 408;
    /// Already exists, is not a directory, or another session is uploading the same file.
    pub const CONFLICT: u16 = 409;
    /// A request frame longer than `MAX_REQUEST`; the server closes.
    pub const TOO_LARGE: u16 = 413;
    /// A resume offset beyond the end of the file.
    pub const BAD_RANGE: u16 = 416;
    /// The md5 of the data that arrived is not the md5 the sender announced: nothing was kept.
    pub const MD5_MISMATCH: u16 = 422;
    /// Too many failed logins on this connection; the server closes.
    pub const TOO_MANY_FAILURES: u16 = 429;
    /// The server could not do it (a disk error, say).
    pub const SERVER_ERROR: u16 = 500;
    /// The server serves as many clients as it may; it closes at once.
    pub const BUSY: u16 = 503;
    /// The client speaks a protocol version the server does not.
    pub const BAD_VERSION: u16 = 505;
    /// The upload does not fit in the user's quota.
    pub const QUOTA_EXCEEDED: u16 = 507;
}
// ANCHOR_END: status

// ANCHOR: request
/// A request, as the JSON object's `action` field selects it. serde does the dispatch that the
/// article does with `hasattr`/`getattr`: an action that is not a variant here is an error, not a
/// method lookup on the server object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Request {
    Login {
        user: String,
        password: String,
        version: u64,
    },
    Help,
    Pwd,
    /// List `path` (the current directory by default). A long listing comes in pages: a reply
    /// with `"next": NAME` has more, and the request with `"after": NAME` gets the next page.
    Ls {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
    Cd {
        path: String,
    },
    Mkdir {
        path: String,
    },
    Rm {
        path: String,
    },
    Quota,
    /// Upload `size` bytes as `name` in the current directory.
    Put {
        name: String,
        size: u64,
    },
    /// Download `path`, starting at byte `offset` (to resume).
    Get {
        path: String,
        #[serde(default)]
        offset: u64,
    },
    Quit,
}
// ANCHOR_END: request

/// The names of the actions, as a client types them and as [`Request`] spells them.
pub const ACTIONS: [&str; 11] = [
    "login", "help", "pwd", "ls", "cd", "mkdir", "rm", "quota", "put", "get", "quit",
];

/// The frame that follows the data of a put or a get.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trailer {
    /// The md5 of the whole file, as 32 lowercase hex digits.
    pub md5: String,
}

// ANCHOR: reply
/// A reply: a status, an error sentence unless the status is 200, and the fields of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub fields: Map<String, Value>,
}

impl Reply {
    /// A 200 reply with the given fields (a JSON object; anything else adds no field).
    pub fn ok(fields: Value) -> Reply {
        Reply {
            status: status::OK,
            fields: match fields {
                Value::Object(map) => map,
                _ => Map::new(),
            },
        }
    }

    /// A refusal: `status` and the sentence that explains it.
    pub fn error(status: u16, error: impl ToString) -> Reply {
        let mut fields = Map::new();
        fields.insert("error".into(), Value::String(error.to_string()));
        Reply { status, fields }
    }

    pub fn is_ok(&self) -> bool {
        self.status == status::OK
    }

    /// The `error` sentence, or an empty string on a 200 reply.
    pub fn error_text(&self) -> &str {
        self.str("error").unwrap_or_default()
    }

    pub fn str(&self, field: &str) -> Option<&str> {
        self.fields.get(field)?.as_str()
    }

    pub fn u64(&self, field: &str) -> Option<u64> {
        self.fields.get(field)?.as_u64()
    }

    /// The reply as the JSON object that travels: `{"status": ..., ...fields}`.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("status".into(), Value::from(self.status));
        object.extend(self.fields.clone());
        Value::Object(object)
    }

    /// Reads a reply back from its JSON object.
    pub fn from_json(value: Value) -> io::Result<Reply> {
        let Value::Object(mut fields) = value else {
            return Err(invalid("a reply must be a JSON object"));
        };
        let status = fields
            .remove("status")
            .and_then(|s| s.as_u64())
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| invalid("a reply must have a numeric `status`"))?;
        Ok(Reply { status, fields })
    }
}

impl Serialize for Reply {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}
// ANCHOR_END: reply

// ANCHOR: frames
/// Writes one frame: the JSON text's length as 4 big-endian bytes, then the text.
///
/// The length comes first so that the reader knows where the frame ends without looking for a
/// delimiter: the article's "sticky packets" cannot happen, whatever the reads return.
pub fn write_frame(stream: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    let json = serde_json::to_vec(value)?;
    let len = u32::try_from(json.len()).map_err(|_| invalid("a frame of 4 GiB or more"))?;
    // One buffer, one write: a frame never goes out as two small packets.
    let mut frame = Vec::with_capacity(4 + json.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&json);
    stream.write_all(&frame)
}

/// What can go wrong reading a frame, told apart because the server answers each differently.
#[derive(Debug)]
pub enum FrameError {
    /// The peer closed the connection cleanly, between two frames.
    Closed,
    /// The length is over `max` (or 0): the frame is refused unread.
    TooLarge(u32),
    /// The frame arrived whole but is not a JSON object in UTF-8. The connection can go on.
    Malformed(String),
    /// A read failed or timed out, or the connection closed in the middle of a frame.
    Io(io::Error),
    /// The frame began but did not arrive whole before its deadline.
    TooSlow(Duration),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Closed => write!(f, "the connection was closed"),
            FrameError::TooLarge(0) => write!(f, "a frame of length 0; frames hold a JSON object"),
            FrameError::TooLarge(len) => write!(f, "a frame of {len} bytes is over the limit"),
            FrameError::Malformed(why) => write!(f, "{why}"),
            FrameError::Io(err) => write!(f, "{err}"),
            FrameError::TooSlow(limit) => write!(
                f,
                "the frame did not arrive whole within {} s",
                limit.as_secs_f64()
            ),
        }
    }
}

impl From<FrameError> for io::Error {
    fn from(err: FrameError) -> io::Error {
        match err {
            FrameError::Io(err) => err,
            FrameError::Closed => io::Error::new(io::ErrorKind::UnexpectedEof, err.to_string()),
            FrameError::TooSlow(_) => io::Error::new(io::ErrorKind::TimedOut, err.to_string()),
            other => invalid(other.to_string()),
        }
    }
}

/// Reads one frame of at most `max` bytes and parses it as a JSON object.
///
/// The body is read with `read_exact`, which loops over `read` until it has every byte: the
/// job lesson 5's hand-written loop does, from the standard library.
pub fn read_frame(stream: &mut impl Read, max: u32) -> Result<Map<String, Value>, FrameError> {
    let mut len = [0u8; 4];
    // The first byte tells a clean close (0 bytes, nothing started) from a cut in mid-frame.
    match stream.read(&mut len[..1]) {
        Ok(0) => return Err(FrameError::Closed),
        Ok(_) => {}
        Err(err) => return Err(FrameError::Io(err)),
    }
    stream.read_exact(&mut len[1..]).map_err(FrameError::Io)?;
    let len = u32::from_be_bytes(len);
    if len == 0 || len > max {
        return Err(FrameError::TooLarge(len));
    }
    let mut body = vec![0u8; len as usize];
    stream.read_exact(&mut body).map_err(FrameError::Io)?;
    parse_frame(&body)
}

/// The body of a frame as a JSON object.
fn parse_frame(body: &[u8]) -> Result<Map<String, Value>, FrameError> {
    let text = std::str::from_utf8(body)
        .map_err(|err| FrameError::Malformed(format!("the frame is not UTF-8: {err}")))?;
    match serde_json::from_str(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(FrameError::Malformed(
            "the frame must hold a JSON object, such as {\"action\": \"help\"}".into(),
        )),
        Err(err) => Err(FrameError::Malformed(format!(
            "the frame is not valid JSON: {err}"
        ))),
    }
}
// ANCHOR_END: frames

// ANCHOR: read_frame_within
/// Reads one frame as [`read_frame`] does, on a socket, with two limits: the first byte may take
/// `wait`, and from that byte on the whole frame must arrive within `deadline`.
///
/// A socket's read timeout bounds each read, not a sum of reads: a client that sends one byte
/// every `wait - 1` seconds would keep a frame coming for ever. So before every read, the timeout
/// becomes the time left (this is lesson 7's `deadline` exercise).
pub fn read_frame_within(
    stream: &mut TcpStream,
    max: u32,
    wait: Duration,
    deadline: Duration,
) -> Result<Map<String, Value>, FrameError> {
    stream
        .set_read_timeout(Some(wait))
        .map_err(FrameError::Io)?;
    let mut len = [0u8; 4];
    match stream.read(&mut len[..1]) {
        Ok(0) => return Err(FrameError::Closed),
        Ok(_) => {}
        Err(err) => return Err(FrameError::Io(err)),
    }
    let by = Instant::now() + deadline;
    fill_by(stream, &mut len[1..], by, deadline)?;
    let len = u32::from_be_bytes(len);
    if len == 0 || len > max {
        return Err(FrameError::TooLarge(len));
    }
    let mut body = vec![0u8; len as usize];
    fill_by(stream, &mut body, by, deadline)?;
    parse_frame(&body)
}

/// Fills `buf` by the instant `by`, the socket's timeout set to the time left before each read.
fn fill_by(
    stream: &mut TcpStream,
    buf: &mut [u8],
    by: Instant,
    deadline: Duration,
) -> Result<(), FrameError> {
    let mut filled = 0;
    while filled < buf.len() {
        let left = by.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(FrameError::TooSlow(deadline));
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(FrameError::Io)?;
        match stream.read(&mut buf[filled..]) {
            Ok(0) => {
                let why = format!("the connection ended after {filled} of {} bytes", buf.len());
                return Err(FrameError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    why,
                )));
            }
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(FrameError::TooSlow(deadline));
            }
            Err(err) => return Err(FrameError::Io(err)),
        }
    }
    Ok(())
}
// ANCHOR_END: read_frame_within

// ANCHOR: parse_request
/// Turns a request object into a [`Request`], or says in one sentence what is wrong with it.
pub fn parse_request(object: Map<String, Value>) -> Result<Request, String> {
    let action = match object.get("action") {
        Some(Value::String(action)) => action.clone(),
        Some(_) => return Err("`action` must be a string".into()),
        None => return Err("the request has no `action`; try {\"action\": \"help\"}".into()),
    };
    if !ACTIONS.contains(&action.as_str()) {
        return Err(format!(
            "unknown action `{action}`; {{\"action\": \"help\"}} lists them"
        ));
    }
    serde_json::from_value(Value::Object(object))
        .map_err(|err| format!("bad `{action}` request: {err}"))
}
// ANCHOR_END: parse_request

/// The md5 digest as 32 lowercase hex digits (md-5 0.11 no longer formats it with `{:x}`).
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn invalid(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_frame_is_a_big_endian_length_then_json() {
        let mut wire = Vec::new();
        write_frame(&mut wire, &json!({"action": "pwd"})).unwrap();
        assert_eq!(&wire[..4], &[0, 0, 0, 16]);
        assert_eq!(&wire[4..], br#"{"action":"pwd"}"#);
        let object = read_frame(&mut wire.as_slice(), MAX_REQUEST).unwrap();
        assert_eq!(parse_request(object).unwrap(), Request::Pwd);
    }

    #[test]
    fn requests_round_trip_and_defaults_apply() {
        let get: Request = serde_json::from_value(json!({"action": "get", "path": "a"})).unwrap();
        assert_eq!(
            get,
            Request::Get {
                path: "a".into(),
                offset: 0
            }
        );
        let put = Request::Put {
            name: "a.bin".into(),
            size: 5,
        };
        let text = serde_json::to_string(&put).unwrap();
        assert_eq!(text, r#"{"action":"put","name":"a.bin","size":5}"#);
    }

    #[test]
    fn bad_requests_are_explained() {
        let explain = |value: Value| match value {
            Value::Object(object) => parse_request(object).unwrap_err(),
            _ => unreachable!(),
        };
        assert!(explain(json!({})).contains("no `action`"));
        assert!(explain(json!({"action": 5})).contains("must be a string"));
        assert!(explain(json!({"action": "rmdir"})).contains("unknown action `rmdir`"));
        assert!(
            explain(json!({"action": "put", "name": "a", "size": -1}))
                .contains("bad `put` request")
        );
        assert!(explain(json!({"action": "cd"})).contains("missing field `path`"));
    }

    #[test]
    fn frames_that_are_not_json_objects_are_malformed_not_fatal() {
        for body in [&b"[1,2]"[..], b"{\"a\":", b"\xff\xfe"] {
            let mut wire = (body.len() as u32).to_be_bytes().to_vec();
            wire.extend_from_slice(body);
            assert!(matches!(
                read_frame(&mut wire.as_slice(), MAX_REQUEST),
                Err(FrameError::Malformed(_))
            ));
        }
        let huge = (MAX_REQUEST + 1).to_be_bytes();
        assert!(matches!(
            read_frame(&mut &huge[..], MAX_REQUEST),
            Err(FrameError::TooLarge(_))
        ));
        assert!(matches!(
            read_frame(&mut &[][..], MAX_REQUEST),
            Err(FrameError::Closed)
        ));
        assert!(matches!(
            read_frame(&mut &[0, 0][..], MAX_REQUEST),
            Err(FrameError::Io(_))
        ));
    }
}
