//! The tests of exercise `deadline`. Check your file with `cargo run -- check lesson7`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! `read_frame_by` runs in a small server made of lesson 7's pieces (`serve_frames` below), which
//! gives each frame a deadline of 1 second. A client from the kit sends it frames made with
//! lesson 7's `write_frame`: whole, a byte at a time, several in one write, too slowly, never
//! finished, cut short, or with a length out of range, and reads what the server answers.

#[cfg_attr(feature = "solution", path = "../solutions/deadline.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/deadline.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../deadline.rs"
)]
mod deadline;

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use lesson7::protocol::{self, FrameError, MAX_REPLY, MAX_REQUEST, Reply, status};
use lesson7::server::is_timeout;
use serde_json::{Value, json};
use socket_lab::exercise::{self, Ended, Server, Short, TIMEOUT};

/// How long the server gives each frame, from the moment it starts waiting for it.
const FRAME_DEADLINE: Duration = Duration::from_secs(1);

/// Serves one connection: reads frames with the function under test, answers each with its text,
/// and answers the first error the way lesson 7's server does, then closes.
fn serve_frames(mut conn: TcpStream) -> io::Result<()> {
    conn.set_write_timeout(Some(TIMEOUT))?;
    loop {
        let deadline = Instant::now() + FRAME_DEADLINE;
        let refusal = match deadline::read_frame_by(&mut conn, MAX_REQUEST, deadline) {
            Ok(Some(body)) => {
                let text = String::from_utf8_lossy(&body);
                protocol::write_frame(&mut conn, &Reply::ok(json!({ "received": text })))?;
                continue;
            }
            Ok(None) => return Ok(()),
            Err(err) if is_timeout(&err) => Reply::error(status::TIMEOUT, "too slow"),
            Err(err) if err.kind() == io::ErrorKind::InvalidData => {
                Reply::error(status::TOO_LARGE, "a length out of range")
            }
            Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                Reply::error(status::BAD_REQUEST, "a frame cut short")
            }
            Err(err) => return Err(err),
        };
        return protocol::write_frame(&mut conn, &refusal);
    }
}

fn start_frame_server() -> Server {
    exercise::start_server(|listener| exercise::each_connection(listener, serve_frames))
}

/// Connects the kit's client, with every write sent at once rather than gathered.
fn connect(server: &Server) -> TcpStream {
    let conn = exercise::connect(server.addr());
    conn.set_nodelay(true).expect("set TCP_NODELAY");
    conn
}

/// A request frame as lesson 7's `write_frame` makes it, and the JSON text it carries.
fn frame(request: &Value) -> (Vec<u8>, String) {
    let mut wire = Vec::new();
    protocol::write_frame(&mut wire, request).expect("make a frame");
    let text = String::from_utf8(wire[4..].to_vec()).expect("JSON is UTF-8");
    (wire, text)
}

const CLOSED: &str = "the server closed the connection without a reply";

/// The server's next reply; a panic that says what came instead, after `context`.
fn next_reply(conn: &mut TcpStream, context: &str) -> Reply {
    let err = match protocol::read_frame(conn, MAX_REPLY) {
        Ok(object) => return Reply::from_json(Value::Object(object)).expect("a reply"),
        Err(FrameError::Closed) => panic!("{context}; {CLOSED}"),
        Err(FrameError::Io(err)) => err,
        Err(err) => panic!("{context}; the reply could not be read: {err}"),
    };
    // A close while the client's bytes lay unread arrives as a reset, or not, by timing: the
    // same to the test, so that its message is the same on every run.
    match Ended::from(err) {
        Ended::Closed => panic!("{context}; {CLOSED}"),
        Ended::TimedOut => panic!("{context}; no reply came for {}s", TIMEOUT.as_secs()),
        Ended::Failed(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
            panic!("{context}; {CLOSED}")
        }
        Ended::Failed(err) => panic!("{context}; the reply could not be read: {err}"),
    }
}

/// A reply in words: `200 received "..."` or `408 too slow`.
fn show(reply: &Reply) -> String {
    match reply.str("received") {
        Some(text) => format!("{} received {}", reply.status, quoted(text)),
        None => format!("{} {}", reply.status, reply.error_text()),
    }
}

/// A frame's text for a failure message, cut short if it is long.
fn quoted(text: &str) -> String {
    const SHOWN: usize = 40;
    match text.get(..SHOWN) {
        Some(start) if text.len() > SHOWN => format!("{start:?}... ({} bytes)", text.len()),
        _ => format!("{text:?}"),
    }
}

/// Expects the reply that says the frame `text` was read whole.
fn expect_received(conn: &mut TcpStream, text: &str, context: &str) {
    let reply = next_reply(conn, context);
    assert!(
        reply.is_ok() && reply.str("received") == Some(text),
        "{context}; the server should have read it whole and answered 200 received {}, \
         but it answered {}",
        quoted(text),
        show(&reply)
    );
}

/// Expects a refusal with `expected` status, then the close; `why` says why that status.
fn expect_refusal(conn: &mut TcpStream, expected: u16, why: &str, context: &str) {
    let reply = next_reply(conn, context);
    assert!(
        reply.status == expected,
        "{context}; {why}, so the server should have answered {expected}, but it answered {}",
        show(&reply)
    );
    expect_closed(
        conn,
        &format!("{context}, and the server answered {expected}"),
    );
}

/// Expects the server to close the connection with nothing more.
fn expect_closed(conn: &mut TcpStream, context: &str) {
    let more = match exercise::read_until_closed(conn) {
        Ok(more) => more,
        // A reset is a close too: the server closed while bytes the client sent lay unread.
        Err(Short {
            received,
            ended: Ended::Closed,
        }) => received,
        Err(short) => {
            panic!("{context}; the server should have closed the connection, but {short}")
        }
    };
    assert!(
        more.is_empty(),
        "{context}; then {} more arrived before the close",
        exercise::preview(&more)
    );
}

/// Sends `bytes` one per write, `gap` apart, from a thread of its own.
fn trickle(conn: &TcpStream, bytes: Vec<u8>, gap: Duration) {
    let mut conn = conn.try_clone().expect("clone the socket");
    thread::spawn(move || {
        for byte in bytes {
            // Once the server has given up and closed, the rest has nowhere to go.
            if conn.write_all(&[byte]).is_err() {
                return;
            }
            thread::sleep(gap);
        }
    });
}

#[test]
fn a_frame_is_read_whole() {
    let server = start_frame_server();
    let mut conn = connect(&server);
    let (wire, text) = frame(&json!({"action": "pwd"}));
    conn.write_all(&wire).expect("send");
    expect_received(
        &mut conn,
        &text,
        &format!("the client sent the frame {text}"),
    );
}

#[test]
fn a_frame_sent_a_byte_at_a_time_is_read_whole() {
    let server = start_frame_server();
    let mut conn = connect(&server);
    let (wire, text) = frame(&json!({"action": "cd", "path": "docs"}));
    trickle(&conn, wire.clone(), Duration::from_millis(2));
    expect_received(
        &mut conn,
        &text,
        &format!(
            "the client sent the frame {text} ({} bytes with its length) one byte per write, \
             2 ms apart",
            wire.len()
        ),
    );
}

#[test]
fn a_frame_that_never_finishes_is_refused_at_the_deadline() {
    let server = start_frame_server();
    let mut conn = connect(&server);
    conn.write_all(&[0, 0]).expect("send");
    expect_refusal(
        &mut conn,
        status::TIMEOUT,
        "the frame was not whole 1 s later",
        "the client sent 2 of the 4 bytes of a frame's length, then nothing",
    );
}

#[test]
fn a_frame_that_trickles_in_too_slowly_is_refused_at_the_deadline() {
    let server = start_frame_server();
    let mut conn = connect(&server);
    let (wire, text) = frame(&json!({"action": "pwd"}));
    let gap = Duration::from_millis(100);
    let takes = gap * (wire.len() as u32 - 1);
    trickle(&conn, wire.clone(), gap);
    expect_refusal(
        &mut conn,
        status::TIMEOUT,
        "the frame was not whole 1 s after the server started reading it, even though every \
         read got a byte within 100 ms",
        &format!(
            "the client sent the frame {text} ({} bytes with its length) one byte every \
             100 ms, which takes {} s",
            wire.len(),
            takes.as_secs_f64()
        ),
    );
}

#[test]
fn a_frame_that_is_cut_short_is_an_error_not_a_clean_close() {
    let server = start_frame_server();
    let mut conn = connect(&server);
    let (wire, _) = frame(&json!({"action": "mkdir", "path": "docs"}));
    conn.write_all(&wire[..9]).expect("send");
    conn.shutdown(Shutdown::Write).expect("shutdown");
    expect_refusal(
        &mut conn,
        status::BAD_REQUEST,
        "the frame was cut short",
        &format!(
            "the client sent 9 bytes of a {}-byte frame, then closed its sending side",
            wire.len()
        ),
    );
}

#[test]
fn a_length_of_0_or_over_the_limit_is_refused_at_once() {
    let server = start_frame_server();
    for len in [0, MAX_REQUEST + 1] {
        let mut conn = connect(&server);
        conn.write_all(&len.to_be_bytes()).expect("send");
        expect_refusal(
            &mut conn,
            status::TOO_LARGE,
            &format!(
                "request frames hold 1 to {MAX_REQUEST} bytes: the length alone is reason to \
                 refuse, without waiting for a body"
            ),
            &format!("the client sent the length of a frame of {len} bytes, then nothing"),
        );
    }
}

#[test]
fn frames_sent_in_one_write_are_read_one_at_a_time() {
    let server = start_frame_server();
    let mut conn = connect(&server);
    let (first, first_text) = frame(&json!({"action": "pwd"}));
    let (second, second_text) = frame(&json!({"action": "ls", "path": "docs"}));
    conn.write_all(&[first, second].concat()).expect("send");
    let context = format!("the client sent the frames {first_text} and {second_text} in one write");
    expect_received(&mut conn, &first_text, &context);
    expect_received(
        &mut conn,
        &second_text,
        &format!("{context}, and the first was answered"),
    );
}

#[test]
fn the_client_may_close_between_frames() {
    let server = start_frame_server();
    let mut conn = connect(&server);
    let (wire, text) = frame(&json!({"action": "pwd"}));
    conn.write_all(&wire).expect("send");
    let context = format!("the client sent the frame {text}");
    expect_received(&mut conn, &text, &context);
    conn.shutdown(Shutdown::Write).expect("shutdown");
    expect_closed(
        &mut conn,
        &format!(
            "{context}, read the answer and closed its sending side: a clean end, \
             between two frames"
        ),
    );
}

#[test]
fn the_longest_frame_allowed_is_read_whole() {
    let server = start_frame_server();
    let mut conn = connect(&server);
    let empty = frame(&json!({"action": "cd", "path": ""})).1;
    let path = "d".repeat(MAX_REQUEST as usize - empty.len());
    let (wire, text) = frame(&json!({"action": "cd", "path": path}));
    assert_eq!(text.len(), MAX_REQUEST as usize, "the test's frame");
    conn.write_all(&wire).expect("send");
    expect_received(
        &mut conn,
        &text,
        &format!("the client sent a frame of {MAX_REQUEST} bytes, the limit"),
    );
}
