//! The tests of exercise `read_ready`. Check your file with `cargo lab check lesson3b`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The first tests hand `read_ready` a scripted socket: it returns the pieces a test gives, then
//! `WouldBlock`, exactly as a non-blocking socket does when nothing more has arrived, so that each
//! call's result is the same on every run. The last test puts `read_ready` into the kit's event
//! loop and talks to it over loopback, the bytes cut every way a network cuts them.

#[cfg_attr(feature = "solution", path = "../solutions/read_ready.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/read_ready_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/read_ready_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/read_ready_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/read_ready_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/read_ready_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../read_ready.rs"
)]
mod read_ready;

/// The loop's write step: the reference solution of the other exercise, `write_ready`.
#[path = "../solutions/write_ready.rs"]
mod kit_write_step;

use std::collections::VecDeque;
use std::io::{self, Read};

use lesson3b::lines::{self, ReadStep, Received};
use socket_lab::exercise::{self, Pace, Short, Steps, shown};

/// What the scripted socket does on one `read`.
#[derive(Clone, Copy)]
enum Piece {
    Bytes(&'static [u8]),
    /// The client closed its side: read returns 0, now and on every read after.
    Closed,
}

/// A non-blocking socket that plays a script: its pieces, then `WouldBlock` (nothing more for
/// now), or 0 for ever once `Closed` has been played.
struct Script {
    pieces: VecDeque<Piece>,
    closed: bool,
    /// Reads after the script ran out: a loop that never stops is stopped here.
    reads_after_end: usize,
}

/// How many reads past its end a script answers before it fails the read.
const RUNAWAY: usize = 100;

impl Script {
    fn new(pieces: &[Piece]) -> Script {
        Script {
            pieces: pieces.iter().copied().collect(),
            closed: false,
            reads_after_end: 0,
        }
    }

    /// Whether bytes, or the close, are still waiting to be read.
    fn left_unread(&self) -> bool {
        !self.pieces.is_empty()
    }

    fn describe(pieces: &[Piece]) -> String {
        let mut parts: Vec<String> = pieces
            .iter()
            .map(|piece| match piece {
                Piece::Bytes(bytes) => shown(bytes),
                Piece::Closed => "the close (read returns 0)".to_string(),
            })
            .collect();
        if !matches!(pieces.last(), Some(Piece::Closed)) {
            parts.push("WouldBlock".to_string());
        }
        format!("the socket's reads return {}", parts.join(", then "))
    }
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.pieces.pop_front() {
            Some(Piece::Bytes(bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                if n < bytes.len() {
                    self.pieces.push_front(Piece::Bytes(&bytes[n..]));
                }
                Ok(n)
            }
            Some(Piece::Closed) => {
                self.closed = true;
                Ok(0)
            }
            None => {
                self.reads_after_end += 1;
                if self.reads_after_end > RUNAWAY {
                    Err(io::Error::other(format!(
                        "the scripted socket stopped a loop that had read {RUNAWAY} times past \
                         the end of its bytes"
                    )))
                } else if self.closed {
                    Ok(0)
                } else {
                    Err(io::ErrorKind::WouldBlock.into())
                }
            }
        }
    }
}

fn lines_shown(lines: &[Vec<u8>]) -> String {
    let shown: Vec<String> = lines.iter().map(|line| shown(line)).collect();
    format!("[{}]", shown.join(", "))
}

/// Calls `read_ready` on a script, as the loop does when the socket is readable, and checks
/// what it returns and what it leaves in `pending`.
fn expect_call(
    steps: &mut Steps,
    script: &[Piece],
    pending: &mut Vec<u8>,
    lines: &[&[u8]],
    closed: bool,
    left_pending: &[u8],
) {
    steps.did(Script::describe(script));
    let mut socket = Script::new(script);
    let step = format!(
        "expect read_ready to return the lines {}{}, and keep {} pending",
        lines_shown(&lines.iter().map(|l| l.to_vec()).collect::<Vec<_>>()),
        if closed { " and the close" } else { "" },
        shown(left_pending)
    );
    let result = read_ready::read_ready(&mut socket, pending);
    let received = match result {
        Ok(received) => received,
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => steps.failed(
            step,
            format!("Err({err})"),
            "read_ready returned the WouldBlock error: WouldBlock only means that nothing more \
             has arrived for now, and the loop closes a connection whose step fails",
        ),
        Err(err) if socket.reads_after_end > RUNAWAY && socket.closed => steps.failed(
            step,
            format!("Err({err})"),
            "read_ready kept reading after the client closed: a read that returns 0 is the close",
        ),
        Err(err) => steps.failed(step, format!("Err({err})"), "read_ready failed"),
    };
    if socket.left_unread() {
        steps.failed(
            step,
            format!(
                "read_ready returned {} while bytes were left unread in the socket",
                lines_shown(&received.lines)
            ),
            "read_ready left unread bytes that had arrived: read until WouldBlock, or the loop \
             never hears of them again",
        );
    }
    let expected = Received {
        lines: lines.iter().map(|line| line.to_vec()).collect(),
        closed,
    };
    let came = format!(
        "the lines {}{}, and {} pending",
        lines_shown(&received.lines),
        if received.closed {
            " and the close"
        } else {
            ""
        },
        shown(pending)
    );
    if received.lines.len() > expected.lines.len() || pending.as_slice() != left_pending {
        steps.failed(
            step,
            came,
            "the start of a line cut between reads must stay in `pending` until its '\\n' comes, \
             not be returned as a line",
        );
    }
    if received != expected {
        steps.failed(
            step,
            came,
            "read_ready did not return what the socket had sent",
        );
    }
    steps.got(step);
}

#[test]
fn a_lines_in_one_read_come_out_in_order() {
    let mut steps = Steps::new();
    let mut pending = Vec::new();
    expect_call(
        &mut steps,
        &[Piece::Bytes(b"one\ntwo\n")],
        &mut pending,
        &[b"one", b"two"],
        false,
        b"",
    );
}

#[test]
fn b_a_line_cut_between_reads_is_kept_for_the_next_call() {
    let mut steps = Steps::new();
    let mut pending = Vec::new();
    expect_call(
        &mut steps,
        &[Piece::Bytes(b"hel"), Piece::Bytes(b"lo\nwor")],
        &mut pending,
        &[b"hello"],
        false,
        b"wor",
    );
    expect_call(
        &mut steps,
        &[Piece::Bytes(b"ld\n")],
        &mut pending,
        &[b"world"],
        false,
        b"",
    );
}

#[test]
fn c_more_than_one_buffer_arrives_before_one_event() {
    // 30 lines of 99 bytes and their '\n': 3000 bytes, more than a buffer of 1024.
    static LINES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let data = LINES.get_or_init(|| {
        (0..30u8)
            .flat_map(|i| {
                let mut line = vec![b'a' + i % 26; 99];
                line.push(b'\n');
                line
            })
            .collect()
    });
    let expected: Vec<Vec<u8>> = (0..30u8).map(|i| vec![b'a' + i % 26; 99]).collect();
    let expected: Vec<&[u8]> = expected.iter().map(Vec::as_slice).collect();
    let mut steps = Steps::new();
    let mut pending = Vec::new();
    expect_call(
        &mut steps,
        &[Piece::Bytes(data)],
        &mut pending,
        &expected,
        false,
        b"",
    );
}

#[test]
fn d_the_close_comes_with_the_last_lines() {
    let mut steps = Steps::new();
    let mut pending = Vec::new();
    expect_call(
        &mut steps,
        &[Piece::Bytes(b"last\nbye\n"), Piece::Closed],
        &mut pending,
        &[b"last", b"bye"],
        true,
        b"",
    );
}

/// The kit's event loop with `read_ready` as its read step.
fn start_line_server() -> exercise::Server {
    let read_step: ReadStep = read_ready::read_ready;
    exercise::start_server(move |listener| {
        let _ = lines::serve_lines(listener, read_step, kit_write_step::write_ready);
    })
}

#[test]
fn e_the_loop_sends_back_every_line_however_it_is_cut() {
    let server = start_line_server();
    // Two clients at once, on the loop's one thread: the first stays connected, half a line
    // sent, while the second is served.
    let mut steps = Steps::new();
    let mut first = steps.connect(server.addr());
    steps.send(&mut first, b"waits ", Pace::Whole, &shown(b"waits "));
    for pace in [Pace::Whole, Pace::Drip(1), Pace::Drip(5)] {
        let mut second = steps.connect(server.addr());
        // The second line is sent once the first has come back: each arrives on its own.
        for line in ["你好, world\n".as_bytes(), b"two\nlines\n"] {
            steps.send(&mut second, line, pace, &shown(line));
            expect_back(&mut steps, &mut second, line);
        }
    }
    steps.send(
        &mut first,
        b"its turn\n",
        Pace::Whole,
        &shown(b"its turn\n"),
    );
    expect_back(&mut steps, &mut first, b"waits its turn\n");
    // 3000 bytes of lines in one write: more than one read of a small buffer.
    let many: Vec<u8> = (0..300)
        .flat_map(|i| format!("line {i:03}\n").into_bytes())
        .collect();
    steps.send(
        &mut first,
        &many,
        Pace::Whole,
        &format!("{} bytes of lines", many.len()),
    );
    expect_back(&mut steps, &mut first, &many);
}

fn expect_back(steps: &mut Steps, conn: &mut std::net::TcpStream, sent: &[u8]) {
    let step = format!("expect {} back", shown(sent));
    match exercise::read_exactly(conn, sent.len()) {
        Ok(back) if back == sent => steps.got(step),
        Ok(back) => steps.failed(step, shown(&back), "the lines that came back differ"),
        Err(Short { received, ended }) => steps.failed(
            step,
            format!("{}, then {ended}", shown(&received)),
            "the server stopped sending back lines that had arrived: were bytes left unread?",
        ),
    }
}
