//! The tests of exercise `retr`. Check your file with `cargo lab check lesson8`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit plays the server: a control connection and a data socket, both on 127.0.0.1. It
//! accepts both of `retr`'s connections, reads the `RETR` command, and answers the way a server
//! does over a network: replies in one piece, a byte per write, or two in one write; the file in
//! one write, in pieces, or cut off by a `426`; or a `550` refusal with no data.

#[cfg_attr(feature = "solution", path = "../solutions/retr.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/retr_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/retr_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/retr_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/retr_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/retr_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../retr.rs"
)]
mod retr;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use socket_lab::exercise::{self, CLIENT_TIMEOUT, Pace, Steps, preview, shown};

/// The pause between two parts of the file sent in two: long enough for the client to have read
/// the first part on its own.
const BETWEEN_PARTS: Duration = Duration::from_millis(300);

/// The file the client asks for.
const NAME: &str = "notes.txt";

/// The kit's ends of a `retr` in progress, and where its result will come.
struct Transfer {
    control: TcpStream,
    data: TcpStream,
    returned: Receiver<io::Result<Vec<u8>>>,
}

/// Starts `retr` on a thread, accepts its control and data connections, and reads its command.
fn start_retr(steps: &mut Steps) -> Transfer {
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let control_listener = TcpListener::bind(loopback).expect("listen for control");
    let data_listener = TcpListener::bind(loopback).expect("listen for data");
    let control_addr = control_listener.local_addr().expect("the control address");
    let data_addr = data_listener.local_addr().expect("the data address");
    let (sender, returned) = mpsc::channel();
    thread::spawn(move || {
        let result = TcpStream::connect(control_addr)
            .and_then(|mut control| retr::retr(&mut control, data_addr, NAME));
        let _ = sender.send(result);
    });
    let mut control = steps.accept(&control_listener);
    steps.did("(that was the control connection; now the data connection)");
    let data = steps.accept(&data_listener);
    let step = format!("expect the command RETR {NAME}\\r\\n");
    match exercise::read_line(&mut control) {
        Ok(line) if line == format!("RETR {NAME}\r\n").as_bytes() => steps.got(step),
        Ok(line) => steps.failed(step, shown(&line), "the client sent another command"),
        Err(short) => steps.failed(step, short, "the client did not send its RETR command"),
    }
    Transfer {
        control,
        data,
        returned,
    }
}

/// Waits for `retr` to return.
fn result(
    steps: &Steps,
    returned: &Receiver<io::Result<Vec<u8>>>,
    symptom: &str,
) -> io::Result<Vec<u8>> {
    returned.recv_timeout(CLIENT_TIMEOUT).unwrap_or_else(|_| {
        steps.failed(
            "expect retr to return",
            format!("it had not returned after {}s", CLIENT_TIMEOUT.as_secs()),
            symptom,
        )
    })
}

/// How the kit's server answers: the first reply, the file's parts, the final reply, each at
/// its pace; with `replies_after_data`, both replies go in one write after the data.
struct Answer<'a> {
    first: &'a [u8],
    parts: &'a [&'a [u8]],
    data_pace: Pace,
    last: &'a [u8],
    reply_pace: Pace,
    replies_after_data: bool,
}

impl Answer<'_> {
    fn plain<'a>(parts: &'a [&'a [u8]], data_pace: Pace) -> Answer<'a> {
        Answer {
            first: b"150 Opening BINARY mode data connection.\r\n",
            parts,
            data_pace,
            last: b"226 Transfer complete.\r\n",
            reply_pace: Pace::Whole,
            replies_after_data: false,
        }
    }
}

/// Sends `data` at `pace` and records it. A client that gave up early may have closed already:
/// its test fails on what it returned, not on this write.
fn send(steps: &mut Steps, stream: &mut TcpStream, data: &[u8], pace: Pace, what: String) {
    let _ = exercise::send(stream, data, pace);
    steps.did(format!("send {what}, {pace}"));
}

/// Runs one `retr` against `answer` and returns what it returned.
fn run(steps: &mut Steps, answer: &Answer) -> io::Result<Vec<u8>> {
    let Transfer {
        mut control,
        mut data,
        returned,
    } = start_retr(steps);
    if !answer.replies_after_data {
        send(
            steps,
            &mut control,
            answer.first,
            answer.reply_pace,
            shown(answer.first),
        );
    }
    for (i, part) in answer.parts.iter().enumerate() {
        if i > 0 {
            thread::sleep(BETWEEN_PARTS);
            steps.did(format!("wait {} ms", BETWEEN_PARTS.as_millis()));
        }
        send(
            steps,
            &mut data,
            part,
            answer.data_pace,
            format!("on the data connection {}", shown(part)),
        );
    }
    drop(data);
    steps.did("close the data connection (the client's read returns 0)");
    if answer.replies_after_data {
        let both = [answer.first, answer.last].concat();
        send(steps, &mut control, &both, Pace::Whole, shown(&both));
    } else {
        send(
            steps,
            &mut control,
            answer.last,
            answer.reply_pace,
            shown(answer.last),
        );
    }
    let outcome = result(
        steps,
        &returned,
        "retr had not returned after the final reply: does it read each reply until its \\r\\n, \
         and keep what a read brought beyond it for the next reply?",
    );
    drop(control);
    outcome
}

/// Runs `retr` against `answer` and checks that it returns exactly the file's parts;
/// `failing` says what an error means here.
fn assert_file(answer: &Answer, failing: &str) {
    let mut steps = Steps::new();
    let file = answer.parts.concat();
    let step = format!("expect retr to return the {} bytes sent", file.len());
    match run(&mut steps, answer) {
        Ok(got) => match exercise::difference(&file, &got) {
            None => steps.got(step),
            Some(difference) => {
                let symptom = if got.len() < file.len() && file.starts_with(&got) {
                    "retr returned only part of the file: a read returns what has arrived so \
                     far, and only the close says the data is complete"
                } else {
                    "retr returned bytes the server did not send"
                };
                steps.failed(step, format!("{difference} ({})", preview(&got)), symptom)
            }
        },
        Err(err) => steps.failed(step, format!("an error: {err}"), failing),
    }
}

#[test]
fn a_failed_transfer_is_an_error() {
    let mut steps = Steps::new();
    let answer = Answer {
        last: b"426 Connection closed; transfer aborted.\r\n",
        ..Answer::plain(&[b"the first half of the fi"], Pace::Whole)
    };
    let step = "expect retr to return an error";
    match run(&mut steps, &answer) {
        Err(_) => steps.got(step),
        Ok(got) => steps.failed(
            step,
            format!("it returned {}", preview(&got)),
            "retr returned the file although the server's final reply was 426: the close of \
             the data connection does not say the file is whole",
        ),
    }
}

#[test]
fn a_file_arrives_whole() {
    let failing = "retr failed on a plain transfer";
    assert_file(&Answer::plain(&[b"hello, world\n"], Pace::Whole), failing);
    let started = Answer {
        first: b"125 Data connection already open; transfer starting.\r\n",
        ..Answer::plain(&[b"hello again\n"], Pace::Whole)
    };
    assert_file(
        &started,
        "retr failed on a 125 reply: every 1xx reply starts a transfer",
    );
    assert_file(
        &Answer::plain(&[], Pace::Whole),
        "retr failed on an empty file",
    );
}

#[test]
fn a_file_in_pieces_arrives_whole() {
    let failing = "retr failed on a file that arrived in pieces";
    let long: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    assert_file(&Answer::plain(&[&long], Pace::Drip(4096)), failing);
    let text = "你好, 世界! ".repeat(3);
    assert_file(&Answer::plain(&[text.as_bytes()], Pace::Drip(5)), failing);
    assert_file(
        &Answer::plain(&[b"first part, ", b"second part"], Pace::Whole),
        failing,
    );
}

#[test]
fn a_refusal_is_an_error() {
    let mut steps = Steps::new();
    let Transfer {
        mut control,
        data,
        returned,
    } = start_retr(&mut steps);
    let refusal: &[u8] = b"550 No such file.\r\n";
    send(
        &mut steps,
        &mut control,
        refusal,
        Pace::Whole,
        shown(refusal),
    );
    steps.did("keep the data connection open, sending nothing, as a server may");
    let outcome = result(
        &steps,
        &returned,
        "retr was still waiting for data after the server refused with 550: only a 1xx reply \
         starts a transfer",
    );
    drop((control, data));
    let step = "expect retr to return an error";
    match outcome {
        Err(_) => steps.got(step),
        Ok(got) => steps.failed(
            step,
            format!("it returned {}", preview(&got)),
            "retr returned a file although the server refused with 550",
        ),
    }
}

#[test]
fn replies_in_pieces() {
    let failing = "retr failed on replies that arrived in pieces: does it read each reply \
                   until its \\r\\n?";
    for pace in [Pace::Drip(1), Pace::Drip(5)] {
        let answer = Answer {
            reply_pace: pace,
            ..Answer::plain(&[b"hello, world\n"], Pace::Whole)
        };
        assert_file(&answer, failing);
    }
}

#[test]
fn replies_together() {
    // A small file: the data is sent and closed before the client reads its first reply, and
    // the 150 and the 226 arrive in one read.
    let answer = Answer {
        replies_after_data: true,
        ..Answer::plain(&[b"hello, world\n"], Pace::Whole)
    };
    assert_file(
        &answer,
        "retr failed on two replies that arrived in one read",
    );
}
