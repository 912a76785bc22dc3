//! The messages of the article's protocol after login, as both sides see them.
//!
//! Nothing on the wire marks where a message ends. Each side sends one message with one write and
//! then waits for the other's answer (lockstep), and the receiver takes one `recv(1024)` to be one
//! message. That holds as long as every message fits in 1024 bytes and the sender sends nothing
//! more until it has its answer; lesson 5 shows what happens when it does not.
//!
//! A request is a JSON object whose `action` says what to do: `{"action": "cd", "path": "docs"}`.
//! A reply is a JSON object with a `status`, 200 meaning yes: `{"status": 200, "cwd": "/docs"}`,
//! or `{"status": 404, "message": "no such file or directory: /x"}`.

use std::fmt;
use std::io::{self, Read};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::home::PathError;

pub use lesson1::RECV_SIZE;

/// The article's "yes". Every other status is a refusal, with a `message` saying why.
pub const OK: u16 = 200;
/// The request is not one the server understands.
pub const BAD_REQUEST: u16 = 400;
/// The path leads somewhere the user may not go.
pub const FORBIDDEN: u16 = 403;
pub const NOT_FOUND: u16 = 404;
/// Something is already there.
pub const CONFLICT: u16 = 409;
/// The server failed at something the client did not cause.
pub const SERVER_ERROR: u16 = 500;

// ANCHOR: reply
/// A reply: always a `status`, and the fields that go with the request that was answered.
///
/// The same type is the client's go-ahead before a download (`{"status": 200}`), the message the
/// server sends before an upload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub status: u16,
    /// Why the answer is no; or, for mkdir, what was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// cd: the new current directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// ls: how many bytes of listing will follow the go-ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// get: how many bytes of file will follow the go-ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
    /// help: each command's usage and what it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commands: Option<Vec<(String, String)>>,
}
// ANCHOR_END: reply

impl Reply {
    /// `{"status": 200}`.
    pub fn ok() -> Reply {
        Reply {
            status: OK,
            ..Reply::default()
        }
    }

    /// A refusal: `{"status": STATUS, "message": MESSAGE}`.
    pub fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply {
            status,
            message: Some(message.into()),
            ..Reply::default()
        }
    }

    /// Whether the reply, as it is, fits in the peer's one `recv(1024)`.
    pub fn fits(&self) -> bool {
        serde_json::to_vec(self).is_ok_and(|json| json.len() <= RECV_SIZE)
    }

    /// The reply as it goes on the wire: JSON short enough for the peer's one `recv(1024)`.
    ///
    /// A message can quote what the client sent, and so be long; it is cut to fit. A reply that
    /// still does not fit becomes an error, rather than one whose end would arrive with the next
    /// message.
    pub fn encode(&self) -> Vec<u8> {
        let mut reply = self.clone();
        loop {
            let json = serde_json::to_vec(&reply).expect("a reply is always valid JSON");
            if json.len() <= RECV_SIZE {
                return json;
            }
            match &reply.message {
                Some(message) if message.chars().count() > 8 => {
                    let half: String = message.chars().take(message.chars().count() / 2).collect();
                    reply.message = Some(format!("{half}..."));
                }
                _ => {
                    reply = Reply::error(
                        SERVER_ERROR,
                        format!("the reply would not fit in one recv({RECV_SIZE})"),
                    );
                }
            }
        }
    }

    /// `Ok(self)` for a 200, the refusal otherwise.
    pub fn into_result(self) -> Result<Reply, Refusal> {
        if self.status == OK {
            Ok(self)
        } else {
            Err(Refusal {
                status: self.status,
                message: self.message.unwrap_or_default(),
            })
        }
    }
}

impl From<&PathError> for Reply {
    fn from(err: &PathError) -> Reply {
        let status = match err {
            PathError::OutsideHome(_) => FORBIDDEN,
            PathError::BadName { .. } | PathError::NotADirectory(_) => BAD_REQUEST,
            PathError::NotFound(_) => NOT_FOUND,
            PathError::AlreadyExists(_) => CONFLICT,
            PathError::Io(_) => SERVER_ERROR,
        };
        Reply::error(status, err.to_string())
    }
}

/// A reply that says no, as the client sees it: `404 no such file or directory: /x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

// ANCHOR: recv_message
/// One message: one `recv(1024)`, or `None` when the peer has closed the connection.
pub fn recv_message(stream: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut buf = [0u8; RECV_SIZE];
    let n = stream.read(&mut buf)?;
    Ok((n > 0).then(|| buf[..n].to_vec()))
}
// ANCHOR_END: recv_message

// ANCHOR: parse_request
/// Reads a request: a JSON object whose `action` names one of the cases of `R`.
///
/// This is what the article does with `json.loads`, `hasattr` and `getattr`, with the error cases
/// spelled out. Each `Err` is the sentence for the client: the bytes are not JSON, the JSON is not
/// an object, there is no action, no such action, or a field is missing or of the wrong type.
pub fn parse_request<R: DeserializeOwned>(message: &[u8]) -> Result<R, String> {
    let value: Value =
        serde_json::from_slice(message).map_err(|err| format!("the request is not JSON: {err}"))?;
    // serde would also read an enum from an array such as ["ls"]; this protocol has objects only.
    let Some(action) = value.as_object().map(|object| object.get("action")) else {
        return Err(r#"a request is a JSON object, such as {"action": "help"}"#.to_string());
    };
    let action = match action {
        Some(Value::String(action)) => action.clone(),
        Some(_) => return Err("the action must be a string".to_string()),
        None => return Err(r#"the request has no "action""#.to_string()),
    };
    serde_json::from_value(value).map_err(|err| {
        let err = err.to_string();
        // serde calls the cases of an enum variants; here they are actions.
        match err.strip_prefix("unknown variant") {
            Some(rest) => format!("unknown action{rest}"),
            None => format!("bad {action} request: {err}"),
        }
    })
}
// ANCHOR_END: parse_request

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "action", rename_all = "lowercase")]
    enum Request {
        Help,
        Cd { path: String },
    }

    #[test]
    fn requests_are_json_objects_with_a_known_action_and_the_right_fields() {
        assert_eq!(parse_request(br#"{"action": "help"}"#), Ok(Request::Help));
        assert_eq!(
            parse_request(br#"{"action":"cd","path":"docs","extra":1}"#),
            Ok(Request::Cd {
                path: "docs".into()
            })
        );
        for (message, says) in [
            (&b"hello"[..], "the request is not JSON: expected value"),
            (b"\xff\xfe", "the request is not JSON"),
            (br#"["cd", "docs"]"#, "a request is a JSON object"),
            (b"42", "a request is a JSON object"),
            (br#"{"path": "docs"}"#, r#"the request has no "action""#),
            (br#"{"action": 7}"#, "the action must be a string"),
            (
                br#"{"action": "delete"}"#,
                "unknown action `delete`, expected `help` or `cd`",
            ),
            (
                br#"{"action": "cd"}"#,
                "bad cd request: missing field `path`",
            ),
            (
                br#"{"action": "cd", "path": 5}"#,
                "bad cd request: invalid type: integer `5`, expected a string",
            ),
        ] {
            let err = parse_request::<Request>(message).unwrap_err();
            assert!(err.starts_with(says), "{message:?}: {err}");
        }
    }

    #[test]
    fn a_reply_always_fits_in_one_recv() {
        let ok = Reply {
            cwd: Some("/docs".into()),
            ..Reply::ok()
        };
        assert_eq!(ok.encode(), br#"{"status":200,"cwd":"/docs"}"#);
        let long = Reply::error(BAD_REQUEST, "\u{1}".repeat(2000));
        let encoded = long.encode();
        assert!(encoded.len() <= RECV_SIZE);
        let back: Reply = serde_json::from_slice(&encoded).unwrap();
        assert_eq!(back.status, BAD_REQUEST);
        assert!(back.message.unwrap().ends_with("..."));
        let huge_cwd = Reply {
            cwd: Some("x".repeat(2000)),
            ..Reply::ok()
        };
        let back: Reply = serde_json::from_slice(&huge_cwd.encode()).unwrap();
        assert_eq!(back.status, SERVER_ERROR);
    }

    #[test]
    fn the_article_servers_reply_reads_as_a_reply() {
        // What Python's json.dumps({"status": 200}) sends.
        let reply: Reply = serde_json::from_slice(br#"{"status": 200}"#).unwrap();
        assert_eq!(reply, Reply::ok());
        assert_eq!(
            Reply::error(NOT_FOUND, "gone").into_result(),
            Err(Refusal {
                status: NOT_FOUND,
                message: "gone".into()
            })
        );
    }
}
