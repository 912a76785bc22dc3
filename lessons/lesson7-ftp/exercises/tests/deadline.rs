//! The tests of exercise `deadline`. Check your file with `cargo lab check lesson7`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! `read_frame_by` runs in a small server made of lesson 7's pieces (`serve_frames` below), which
//! gives each frame a deadline of 1 second. A client from the kit sends it frames made with
//! lesson 7's `write_frame`: whole; in pieces of 1, 5 and 4096 bytes, each piece in its own
//! write with a pause after it, so that the server's reads end inside the length and inside the
//! body; several in one write, so that one read can take more than a frame; too slowly; never
//! finished; cut short; or with a length out of range. It reads what the server answers, and a
//! failure lists the steps of the conversation, numbered, and marks the one that failed.

#[cfg_attr(feature = "solution", path = "../solutions/deadline.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/deadline_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/deadline_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/deadline_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/deadline_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/deadline_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../deadline.rs"
)]
mod deadline;

use std::io::{self, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use lesson7::protocol::{self, FrameError, MAX_REPLY, MAX_REQUEST, Reply, status};
use lesson7::server::is_timeout;
use serde_json::{Value, json};
use socket_lab::exercise::{self, DRIP_SIZES, Ended, Pace, Server, Short, Steps, TIMEOUT};

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

/// A request frame as lesson 7's `write_frame` makes it, and the JSON text it carries.
fn frame(request: &Value) -> (Vec<u8>, String) {
    let mut wire = Vec::new();
    protocol::write_frame(&mut wire, request).expect("make a frame");
    let text = String::from_utf8(wire[4..].to_vec()).expect("JSON is UTF-8");
    (wire, text)
}

/// A frame for the list of steps: its text, cut short if it is long, and its size on the wire.
fn shown(wire: &[u8], text: &str) -> String {
    format!(
        "the frame {} ({} bytes with its length)",
        quoted(text),
        wire.len()
    )
}

/// The server's next reply, or what came instead, in words.
fn next_reply(conn: &mut TcpStream) -> Result<Reply, String> {
    const CLOSED: &str = "the server closed the connection without a reply";
    let err = match protocol::read_frame(conn, MAX_REPLY) {
        Ok(object) => return Ok(Reply::from_json(Value::Object(object)).expect("a reply")),
        Err(FrameError::Closed) => return Err(CLOSED.into()),
        Err(FrameError::Io(err)) => err,
        Err(err) => return Err(format!("the reply could not be read: {err}")),
    };
    // A close while the client's bytes lay unread arrives as a reset, or not, by timing: the
    // same to the test, so that its message is the same on every run.
    Err(match Ended::from(err) {
        Ended::Closed => CLOSED.into(),
        Ended::TimedOut => format!("no reply came for {}s", TIMEOUT.as_secs()),
        Ended::Failed(err) => format!("the reply could not be read: {err}"),
    })
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

/// What a reply with status `got`, where `expected` was due, says about the function under
/// test: the end of a failure's first line.
fn what_it_means(expected: u16, got: u16) -> &'static str {
    match (expected, got) {
        (status::OK, status::TOO_LARGE) => {
            ": it took a length out of range from a frame whose length is in range; were all 4 \
             bytes of the length read, however many reads they took?"
        }
        (status::OK, status::TIMEOUT) => ": it gave up on a frame that had arrived whole, in time",
        (status::OK, status::BAD_REQUEST) => ": it took a whole frame for one cut short",
        (status::BAD_REQUEST, status::TIMEOUT) => {
            ": it waited out the deadline for bytes that could not come; a read that returns 0 \
             is the client's close"
        }
        (status::TOO_LARGE, status::TIMEOUT) => {
            ": it waited for the body of a frame whose length alone was reason to refuse"
        }
        _ => "",
    }
}

/// Expects the reply that says the frame `text` was read whole, as the next step.
fn expect_received(steps: &mut Steps, conn: &mut TcpStream, text: &str) {
    let step = format!("expect 200 received {}", quoted(text));
    match next_reply(conn) {
        Ok(reply) if reply.is_ok() && reply.str("received") == Some(text) => steps.got(step),
        Ok(reply) if reply.is_ok() => steps.failed(
            step,
            show(&reply),
            "the server read another frame than the one the client sent: were all its bytes \
             read, however many reads they took?",
        ),
        Ok(reply) => steps.failed(
            step,
            show(&reply),
            format!(
                "the frame arrived whole and in time, so the server should have answered 200 \
                 with its text, but it answered {}{}",
                reply.status,
                what_it_means(status::OK, reply.status)
            ),
        ),
        Err(came) => steps.failed(
            step,
            came,
            "the frame arrived whole and in time, and the server did not answer it",
        ),
    }
}

/// Expects a refusal with `expected` status, then the close; `why` says why that status.
fn expect_refusal(steps: &mut Steps, conn: &mut TcpStream, expected: u16, why: &str) {
    let step = format!("expect a reply with status {expected}");
    match next_reply(conn) {
        Ok(reply) if reply.status == expected => steps.got(step),
        Ok(reply) => steps.failed(
            step,
            show(&reply),
            format!(
                "{why}, so the server should have answered {expected}, but it answered {}{}",
                reply.status,
                what_it_means(expected, reply.status)
            ),
        ),
        Err(came) => steps.failed(
            step,
            came,
            format!("{why}, so the server should have answered {expected}"),
        ),
    }
    expect_closed(steps, conn);
}

/// Expects the server to close the connection with nothing more.
fn expect_closed(steps: &mut Steps, conn: &mut TcpStream) {
    let step = "expect the server to close the connection, with nothing more";
    let more = match exercise::read_until_closed(conn) {
        Ok(more) => more,
        // A reset is a close too: the server closed while bytes the client sent lay unread.
        Err(Short {
            received,
            ended: Ended::Closed,
        }) => received,
        Err(short) => steps.failed(step, &short, "the server did not close the connection"),
    };
    if !more.is_empty() {
        steps.failed(
            step,
            format!("{} came, then the close", exercise::preview(&more)),
            "more arrived before the close",
        );
    }
    steps.got(step);
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
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    let (wire, text) = frame(&json!({"action": "pwd"}));
    steps.send(&mut conn, &wire, Pace::Whole, &shown(&wire, &text));
    expect_received(&mut steps, &mut conn, &text);
}

#[test]
fn a_frame_that_arrives_in_pieces_is_read_whole() {
    let server = start_frame_server();
    // Pieces of 1 and 5 bytes cut the length and the body; pieces of 4096 bytes cut the
    // longest frame into reads of a common buffer size. Each frame takes well under its second.
    for size in DRIP_SIZES {
        let request = match size {
            1 => json!({"action": "pwd"}),
            5 => json!({"action": "cd", "path": "docs/2024"}),
            _ => json!({"action": "cd", "path": longest_path()}),
        };
        let mut steps = Steps::new();
        let mut conn = steps.connect(server.addr());
        let (wire, text) = frame(&request);
        send_in_pieces(&mut steps, &mut conn, &wire, &text, size);
        expect_received(&mut steps, &mut conn, &text);
    }
}

/// Sends the frame `wire` in pieces of `size` bytes, as a step. A server that answers before
/// the frame is whole, and closes, makes a write fail: then its answer is what went wrong.
fn send_in_pieces(steps: &mut Steps, conn: &mut TcpStream, wire: &[u8], text: &str, size: usize) {
    let pace = Pace::Drip(size);
    let step = format!("send {}, {pace}", shown(wire, text));
    if exercise::send(conn, wire, pace).is_ok() {
        return steps.did(step);
    }
    match next_reply(conn) {
        Ok(reply) => steps.failed(
            step,
            format!(
                "the server answered {} before the frame was whole, and closed",
                show(&reply)
            ),
            format!(
                "the frame was arriving in time, so the server should have waited for all of \
                 it, but it answered {}{}",
                reply.status,
                what_it_means(status::OK, reply.status)
            ),
        ),
        Err(came) => steps.failed(
            step,
            format!("a write failed, and {came}"),
            "the server closed the connection before the frame was whole",
        ),
    }
}

#[test]
fn a_frame_that_never_finishes_is_refused_at_the_deadline() {
    let server = start_frame_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    steps.send(
        &mut conn,
        &[0, 0],
        Pace::Whole,
        "2 of the 4 bytes of a frame's length, then nothing",
    );
    expect_refusal(
        &mut steps,
        &mut conn,
        status::TIMEOUT,
        "the frame was not whole 1 s later",
    );
}

#[test]
fn a_frame_that_trickles_in_too_slowly_is_refused_at_the_deadline() {
    let server = start_frame_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    let (wire, text) = frame(&json!({"action": "pwd"}));
    let gap = Duration::from_millis(100);
    let takes = gap * (wire.len() as u32 - 1);
    trickle(&conn, wire.clone(), gap);
    steps.did(format!(
        "send {}, one byte every 100 ms, which takes {} s",
        shown(&wire, &text),
        takes.as_secs_f64()
    ));
    expect_refusal(
        &mut steps,
        &mut conn,
        status::TIMEOUT,
        "the frame was not whole 1 s after the server started reading it, even though every \
         read got a byte within 100 ms",
    );
}

#[test]
fn a_frame_that_is_cut_short_is_an_error_not_a_clean_close() {
    let server = start_frame_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    let (wire, _) = frame(&json!({"action": "mkdir", "path": "docs"}));
    steps.send(
        &mut conn,
        &wire[..9],
        Pace::Whole,
        &format!("9 bytes of a {}-byte frame", wire.len()),
    );
    steps.shut_down_sending(&conn);
    expect_refusal(
        &mut steps,
        &mut conn,
        status::BAD_REQUEST,
        "the frame was cut short",
    );
}

#[test]
fn a_length_of_0_or_over_the_limit_is_refused_at_once() {
    let server = start_frame_server();
    for len in [0, MAX_REQUEST + 1] {
        let mut steps = Steps::new();
        let mut conn = steps.connect(server.addr());
        steps.send(
            &mut conn,
            &len.to_be_bytes(),
            Pace::Whole,
            &format!("the length of a frame of {len} bytes, then nothing"),
        );
        expect_refusal(
            &mut steps,
            &mut conn,
            status::TOO_LARGE,
            &format!(
                "request frames hold 1 to {MAX_REQUEST} bytes: the length alone is reason to \
                 refuse, without waiting for a body"
            ),
        );
    }
}

#[test]
fn frames_sent_in_one_write_are_read_one_at_a_time() {
    let server = start_frame_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    let (first, first_text) = frame(&json!({"action": "pwd"}));
    let (second, second_text) = frame(&json!({"action": "ls", "path": "docs"}));
    steps.send(
        &mut conn,
        &[first.clone(), second.clone()].concat(),
        Pace::Whole,
        &format!(
            "{} and {}",
            shown(&first, &first_text),
            shown(&second, &second_text)
        ),
    );
    expect_received(&mut steps, &mut conn, &first_text);
    expect_received(&mut steps, &mut conn, &second_text);
}

#[test]
fn the_client_may_close_between_frames() {
    let server = start_frame_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    let (wire, text) = frame(&json!({"action": "pwd"}));
    steps.send(&mut conn, &wire, Pace::Whole, &shown(&wire, &text));
    expect_received(&mut steps, &mut conn, &text);
    // A clean end, between two frames: no reply is due.
    steps.shut_down_sending(&conn);
    expect_closed(&mut steps, &mut conn);
}

/// The path that makes a `cd` request exactly [`MAX_REQUEST`] bytes long.
fn longest_path() -> String {
    let empty = frame(&json!({"action": "cd", "path": ""})).1;
    "d".repeat(MAX_REQUEST as usize - empty.len())
}

#[test]
fn the_longest_frame_allowed_is_read_whole() {
    let server = start_frame_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    let (wire, text) = frame(&json!({"action": "cd", "path": longest_path()}));
    assert_eq!(text.len(), MAX_REQUEST as usize, "the test's frame");
    steps.send(&mut conn, &wire, Pace::Whole, &shown(&wire, &text));
    expect_received(&mut steps, &mut conn, &text);
}
