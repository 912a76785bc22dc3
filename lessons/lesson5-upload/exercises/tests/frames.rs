//! The tests of exercise `frames`. Check your file with `cargo lab check lesson5`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! Two kinds of test. In the first, the kit's server reads each frame with your `read_frame` and
//! sends its message back in a frame, and a real client sends frames over loopback the way a
//! network delivers them: whole, several stuck together in one write, or 1, 5 or 4096 bytes per
//! write, so that your reads end inside the length and inside the message. In the second, the
//! test calls `read_frame` itself on the accepting end of a connection, and checks what it
//! returns against its contract: `Ok(None)` for a clean close between frames, `UnexpectedEof` for
//! a frame cut short, `InvalidData` for a length over `MAX_FRAME`. Both hand `read_frame` a Rust
//! stream, so they check Rust code only (the exercise has no role for teacher mode).

#[cfg_attr(feature = "solution", path = "../solutions/frames.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/frames_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/frames_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/frames_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/frames_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/frames_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../frames.rs"
)]
mod frames;

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use frames::MAX_FRAME;
use socket_lab::exercise::{self, Ended, Pace, Server, Steps, TIMEOUT, shown};

/// `message` in a frame: its length in 4 bytes, big-endian, then the message.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut framed = (message.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    framed
}

/// The frames of `messages`, one after the other.
fn framed(messages: &[&[u8]]) -> Vec<u8> {
    messages.iter().flat_map(|message| frame(message)).collect()
}

/// Messages for a step: `b"hello" (5 bytes)`, each.
fn listed(messages: &[&[u8]]) -> String {
    let shown: Vec<String> = messages.iter().map(|message| shown(message)).collect();
    shown.join(", ")
}

// The kit's echo server, for the tests that go through a real server.

/// Each message back, in a frame, until `read_frame` says the client is done (or fails).
fn echo_frames(mut conn: impl Read + Write) -> io::Result<()> {
    while let Some(message) = frames::read_frame(&mut conn)? {
        conn.write_all(&frame(&message))?;
    }
    Ok(())
}

fn start_frame_server() -> Server {
    exercise::start_rust_server(|listener| exercise::each_connection(listener, echo_frames))
}

/// Expects the frames of `messages` back, as the next step.
fn expect_back(steps: &mut Steps, conn: &mut TcpStream, messages: &[&[u8]]) {
    let expected = framed(messages);
    let step = format!("expect the frames of [{}] back", listed(messages));
    match exercise::read_exactly(conn, expected.len()) {
        Ok(back) => match exercise::difference(&expected, &back) {
            None => steps.got(step),
            Some(difference) => steps.failed(
                step,
                difference,
                "what came back is not the frames that were sent",
            ),
        },
        Err(short) => {
            let symptom = if !expected.starts_with(&short.received) {
                "what came back is not the frames that were sent"
            } else {
                match short.ended {
                    Ended::Closed => {
                        "the server closed the connection before the frames sent had come back"
                    }
                    Ended::TimedOut => "the server stopped sending back the frames sent",
                    Ended::Failed(_) => "the connection failed",
                }
            };
            steps.failed(step, &short, symptom)
        }
    }
}

/// Closes the client's sending side, and expects the server to close too, with nothing more.
fn close_and_expect_the_server_to_close(steps: &mut Steps, conn: &mut TcpStream) {
    steps.close_and_expect_the_close(
        conn,
        "more came back after the last frame",
        "the server did not close the connection once the client was done",
    );
}

/// Sends each message in a frame at `pace`, waits for it to come back before the next (so that
/// a server that takes one read for a whole frame has read only part of it), then closes.
fn echo_one_by_one(server: &Server, messages: &[&[u8]], pace: Pace) {
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    for message in messages {
        let step = format!("send the frame of {}, {pace}", shown(message));
        match exercise::send(&mut conn, &frame(message), pace) {
            Ok(()) => steps.did(step),
            // The server closed the connection midway: what it sent back before tells why.
            Err(_) => steps.did(format!("{step} (a write failed: the server had closed)")),
        }
        expect_back(&mut steps, &mut conn, &[message]);
    }
    close_and_expect_the_server_to_close(&mut steps, &mut conn);
}

/// A message of exactly `MAX_FRAME` bytes, the longest a frame may hold.
fn longest_message() -> Vec<u8> {
    (0..MAX_FRAME).map(|i| (i % 251) as u8).collect()
}

#[test]
fn a_frame_comes_back_however_the_reads_cut_it() {
    let server = start_frame_server();
    let short: [&[u8]; 3] = ["hello, 世界".as_bytes(), b"", b"bye"];
    // In one write; then a byte and 5 bytes per write, so that reads end inside the length, and
    // inside the message; then the longest message, 4096 bytes per write.
    for pace in [Pace::Whole, Pace::Drip(1), Pace::Drip(5)] {
        echo_one_by_one(&server, &short, pace);
    }
    let longest = longest_message();
    echo_one_by_one(&server, &[&longest, b"bye"], Pace::Drip(4096));
}

#[test]
fn frames_stuck_together_come_back_one_by_one() {
    let server = start_frame_server();
    let mut steps = Steps::new();
    let mut conn = steps.connect(server.addr());
    let messages: [&[u8]; 3] = [b"first", b"", "你好".as_bytes()];
    let what = format!("the frames of [{}]", listed(&messages));
    steps.send(&mut conn, &framed(&messages), Pace::Whole, &what);
    expect_back(&mut steps, &mut conn, &messages);
    close_and_expect_the_server_to_close(&mut steps, &mut conn);
}

// The tests that call `read_frame` themselves, and check what it returns.

/// What `read_frame` returns.
type Outcome = io::Result<Option<Vec<u8>>>;

/// What `read_frame` returned, in words: `Ok(Some(b"hi" (2 bytes)))`, `Ok(None)`,
/// `Err(UnexpectedEof: early eof)`.
fn returned(outcome: &Outcome) -> String {
    match outcome {
        Ok(Some(message)) => format!("Ok(Some({}))", shown(message)),
        Ok(None) => "Ok(None)".to_string(),
        Err(err) => format!("Err({:?}: {err})", err.kind()),
    }
}

/// The kit's side of a connection, and `read_frame` on the other side, called over and over on
/// a thread of its own for as long as it returns a message. The thread reads while the kit's
/// side sends, as a server would.
struct Reader {
    conn: TcpStream,
    outcomes: Receiver<Outcome>,
}

impl Reader {
    fn connect(steps: &mut Steps) -> Reader {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listen on 127.0.0.1");
        let conn = exercise::connect(listener.local_addr().expect("the listener's address"));
        steps.did("connect; read_frame reads on the accepted end, again after each message");
        // The accepted end has the kit's timeouts: a read_frame that waits in vain returns an
        // error after TIMEOUT instead of hanging the test.
        let mut accepted = exercise::accept_one(&listener).expect("accept the kit's connection");
        let (sender, outcomes) = mpsc::channel();
        thread::Builder::new()
            .name("read_frame".into())
            .spawn(move || {
                loop {
                    let outcome = frames::read_frame(&mut accepted);
                    let more = matches!(outcome, Ok(Some(_)));
                    if sender.send(outcome).is_err() || !more {
                        break;
                    }
                }
            })
            .expect("start read_frame's thread");
        Reader { conn, outcomes }
    }

    /// Sends `data` at `pace`.
    fn send(&mut self, steps: &mut Steps, data: &[u8], pace: Pace, what: &str) {
        steps.send(&mut self.conn, data, pace, what);
    }

    /// Expects read_frame's next outcome to be `expected`.
    fn expect(&mut self, steps: &mut Steps, expected: Expected) {
        let step = format!("expect read_frame to return {}", expected.describe());
        let waited = TIMEOUT + Duration::from_secs(2);
        match self.outcomes.recv_timeout(waited) {
            Ok(outcome) => match expected.symptom(&outcome) {
                None => steps.got(step),
                Some(symptom) => steps.failed(step, returned(&outcome), symptom),
            },
            Err(RecvTimeoutError::Timeout) => steps.failed(
                step,
                format!("read_frame had not returned after {}s", waited.as_secs()),
                "read_frame never returned",
            ),
            Err(RecvTimeoutError::Disconnected) => steps.failed(
                step,
                "read_frame panicked (its message is above)",
                "read_frame panicked",
            ),
        }
    }
}

/// What `read_frame` must return.
enum Expected<'a> {
    Message(&'a [u8]),
    /// `Ok(None)`: the client is done.
    Done,
    Error(ErrorKind),
}

impl Expected<'_> {
    fn describe(&self) -> String {
        match self {
            Expected::Message(message) => format!("Ok(Some({}))", shown(message)),
            Expected::Done => "Ok(None)".to_string(),
            Expected::Error(kind) => format!("an {kind:?} error"),
        }
    }

    /// What is wrong with `outcome`, if it is not what was expected.
    fn symptom(&self, outcome: &Outcome) -> Option<&'static str> {
        match (self, outcome) {
            (Expected::Message(message), Ok(Some(got))) if got == message => None,
            (Expected::Done, Ok(None)) => None,
            (Expected::Error(kind), Err(err)) if err.kind() == *kind => None,
            (Expected::Message(_), Ok(Some(_))) => {
                Some("read_frame returned a message other than the one sent")
            }
            (Expected::Message(_), Ok(None)) => {
                Some("read_frame returned Ok(None) while a frame was there to read")
            }
            (Expected::Message(_), Err(_)) => Some("read_frame failed on a frame that came whole"),
            (Expected::Done, Ok(Some(_))) => {
                Some("read_frame returned a message where the client had closed the connection")
            }
            (Expected::Done, Err(_)) => Some(
                "read_frame returned an error for a clean close between frames: that is \
                 Ok(None), the client being done",
            ),
            (Expected::Error(ErrorKind::UnexpectedEof), Ok(None)) => Some(
                "read_frame returned Ok(None) for a frame cut short: Ok(None) is only for a \
                 clean close between frames",
            ),
            (Expected::Error(ErrorKind::UnexpectedEof), Ok(Some(_))) => {
                Some("read_frame returned a message from a frame cut short")
            }
            (Expected::Error(ErrorKind::UnexpectedEof), Err(_)) => {
                Some("read_frame returned the wrong error for a frame cut short")
            }
            (Expected::Error(ErrorKind::InvalidData), Err(err))
                if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                Some(
                    "read_frame waited for the message of a frame over MAX_FRAME instead of \
                     refusing its length at once",
                )
            }
            (Expected::Error(ErrorKind::InvalidData), Ok(None)) => Some(
                "read_frame returned Ok(None) for a length over MAX_FRAME: that is not a clean \
                 close",
            ),
            (Expected::Error(_), _) => Some("read_frame did not refuse a length over MAX_FRAME"),
        }
    }
}

#[test]
fn the_client_being_done_is_ok_none() {
    // Frames and then a clean close; then a connection closed before any frame.
    let messages: [&[u8]; 2] = [b"first", b"last"];
    let mut steps = Steps::new();
    let mut reader = Reader::connect(&mut steps);
    let what = format!("the frames of [{}]", listed(&messages));
    reader.send(&mut steps, &framed(&messages), Pace::Whole, &what);
    steps.shut_down_sending(&reader.conn);
    for message in messages {
        reader.expect(&mut steps, Expected::Message(message));
    }
    reader.expect(&mut steps, Expected::Done);

    let mut reader = Reader::connect(&mut steps);
    steps.shut_down_sending(&reader.conn);
    reader.expect(&mut steps, Expected::Done);
}

#[test]
fn a_frame_cut_short_is_an_unexpected_eof() {
    let whole = frame(b"0123456789");
    // Cut inside the length, then inside the message; each after a frame that came whole.
    for (cut, what) in [
        (
            &whole[..2],
            "the first 2 bytes of the frame of b\"0123456789\"",
        ),
        (
            &whole[..7],
            "the first 7 bytes of the frame of b\"0123456789\"",
        ),
    ] {
        let mut steps = Steps::new();
        let mut reader = Reader::connect(&mut steps);
        reader.send(
            &mut steps,
            &frame(b"whole"),
            Pace::Whole,
            "the frame of b\"whole\"",
        );
        reader.expect(&mut steps, Expected::Message(b"whole"));
        reader.send(&mut steps, cut, Pace::Whole, what);
        steps.shut_down_sending(&reader.conn);
        reader.expect(&mut steps, Expected::Error(ErrorKind::UnexpectedEof));
    }
}

#[test]
fn a_length_over_max_frame_is_invalid_data_at_once() {
    let mut steps = Steps::new();
    let mut reader = Reader::connect(&mut steps);
    let length = MAX_FRAME + 1;
    reader.send(
        &mut steps,
        &length.to_be_bytes(),
        Pace::Whole,
        &format!("the length {length}, one more than MAX_FRAME, and keep the connection open"),
    );
    reader.expect(&mut steps, Expected::Error(ErrorKind::InvalidData));
}

/// A test that hands `read_frame` a stream whose every read returns one byte, whatever the
/// timing.
mod rust_only {
    use super::*;
    use socket_lab::exercise::ShortReads;

    #[test]
    fn frames_read_one_byte_at_a_time_come_back() {
        let server = exercise::start_rust_server(|listener| {
            exercise::each_connection(listener, |conn| echo_frames(ShortReads::new(conn, 1)))
        });
        let mut steps = Steps::new();
        let mut conn = steps.connect(server.addr());
        let messages: [&[u8]; 3] = [b"first", b"", "你好".as_bytes()];
        let what = format!(
            "the frames of [{}] (the server's reads return one byte each)",
            listed(&messages)
        );
        steps.send(&mut conn, &framed(&messages), Pace::Whole, &what);
        expect_back(&mut steps, &mut conn, &messages);
        close_and_expect_the_server_to_close(&mut steps, &mut conn);
    }
}
