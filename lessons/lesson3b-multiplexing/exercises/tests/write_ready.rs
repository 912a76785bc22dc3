//! The tests of exercise `write_ready`. Check your file with `cargo lab check lesson3b`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The first tests hand `write_ready` a scripted socket that takes a few bytes per write until
//! its buffer is full, then answers `WouldBlock`, as a non-blocking socket to a slow reader does,
//! the same way on every run. The last test puts `write_ready` into the kit's event loop and
//! talks to it over loopback, with a client that sends a lot before it reads anything.

#[cfg_attr(feature = "solution", path = "../solutions/write_ready.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/write_ready_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/write_ready_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/write_ready_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/write_ready_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/write_ready_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../write_ready.rs"
)]
mod write_ready;

/// The loop's read step: the reference solution of the other exercise, `read_ready`.
#[path = "../solutions/read_ready.rs"]
mod kit_read_step;

use std::io::{self, Write};
use std::thread;
use std::time::Duration;

use lesson3b::lines::{self, WriteStep};
use mio::Interest;
use socket_lab::exercise::{self, Pace, Short, Steps, shown};

/// A non-blocking socket whose buffer has `room` bytes free: each write takes at most
/// `per_write` of them, and once the room is used up, writes fail with `WouldBlock`.
struct Sink {
    taken: Vec<u8>,
    room: usize,
    per_write: usize,
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.room == 0 && !data.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = data.len().min(self.per_write).min(self.room);
        self.taken.extend_from_slice(&data[..n]);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// 39 bytes to send.
const ANSWER: &[u8] = b"hello, world\nhello, world\nhello, world\n";

/// Calls `write_ready` as the loop does, and checks what the socket took, what is left in
/// `unsent`, and the interest it asks for.
fn expect_call(steps: &mut Steps, sink: &mut Sink, unsent: &mut Vec<u8>, want: Interest) {
    let before = unsent.clone();
    let taken_before = sink.taken.len();
    steps.did(format!(
        "the socket has room for {} bytes, {} per write; unsent holds {}",
        sink.room,
        sink.per_write,
        shown(unsent)
    ));
    let fits = sink.room.min(before.len());
    let step = format!(
        "expect {fits} bytes sent, {} left in unsent, and {want:?} asked for",
        before.len() - fits
    );
    let interest = match write_ready::write_ready(sink, unsent) {
        Ok(interest) => interest,
        Err(err) if err.kind() == io::ErrorKind::WouldBlock => steps.failed(
            step,
            format!("Err({err})"),
            "write_ready returned the WouldBlock error: a full buffer only means \"not now\", \
             and the loop closes a connection whose step fails",
        ),
        Err(err) => steps.failed(step, format!("Err({err})"), "write_ready failed"),
    };
    let sent = sink.taken[taken_before..].to_vec();
    let came = format!(
        "the socket took {}, unsent holds {}, {interest:?} asked for",
        shown(&sent),
        shown(unsent)
    );
    let mut all = sent.clone();
    all.extend_from_slice(unsent);
    if all != before {
        steps.failed(
            step,
            came,
            "bytes were lost: what `write` did not take must stay in unsent, in order",
        );
    }
    if sent.len() != fits {
        steps.failed(step, came, "write_ready stopped before the socket was full");
    }
    if interest != want {
        let symptom = if unsent.is_empty() {
            "write_ready still asks for write readiness after everything was sent: the loop then \
             reads nothing more from this client"
        } else {
            "write_ready did not ask for write readiness while bytes were left: the loop is then \
             never told that the socket can take the rest"
        };
        steps.failed(step, came, symptom);
    }
    steps.got(step);
}

#[test]
fn a_what_fits_is_sent_and_the_loop_reads_again() {
    let mut steps = Steps::new();
    let mut sink = Sink {
        taken: Vec::new(),
        room: 1000,
        per_write: 7,
    };
    let mut unsent = ANSWER.to_vec();
    expect_call(&mut steps, &mut sink, &mut unsent, Interest::READABLE);
}

#[test]
fn b_what_does_not_fit_waits_for_write_readiness() {
    let mut steps = Steps::new();
    let mut sink = Sink {
        taken: Vec::new(),
        room: 10,
        per_write: 7,
    };
    let mut unsent = ANSWER.to_vec();
    expect_call(&mut steps, &mut sink, &mut unsent, Interest::WRITABLE);
    // The client read some: the socket is writable again.
    sink.room = 100;
    expect_call(&mut steps, &mut sink, &mut unsent, Interest::READABLE);
}

/// How many lines of 11 bytes the slow client sends: more than its small receive buffer and the
/// loop's small send buffer ([`lines::SEND_BUFFER`]) hold together (the kernel doubles each, to
/// about 8 KiB), less than the client's send buffer and the server's receive buffer hold, so the
/// client's sending completes even while the server has stopped reading.
const LINES: usize = 6000;

#[test]
fn c_a_client_that_reads_late_gets_every_line() {
    let write_step: WriteStep = write_ready::write_ready;
    let server = exercise::start_server(move |listener| {
        let _ = lines::serve_lines(listener, kit_read_step::read_ready, write_step);
    });
    let mut steps = Steps::new();
    // A small receive buffer: the server's answers soon fill it, and its writes stop.
    let mut conn = exercise::connect_with_small_buffer(server.addr());
    steps.did("connect to the server, with a small receive buffer");
    let many: Vec<u8> = (0..LINES)
        .flat_map(|i| format!("line {i:05}\n").into_bytes())
        .collect();
    steps.send(
        &mut conn,
        &many,
        Pace::Drip(4096),
        &format!("{} bytes of lines, reading nothing meanwhile", many.len()),
    );
    thread::sleep(Duration::from_millis(100));
    steps.did("wait 100 ms, then read");
    let step = format!("expect all {} bytes back", many.len());
    match exercise::read_exactly(&mut conn, many.len()) {
        Ok(back) if back == many => steps.got(step),
        Ok(back) => steps.failed(
            step,
            exercise::difference(&many, &back).unwrap_or_default(),
            "bytes were lost or reordered on the way back",
        ),
        Err(Short { received, ended }) => steps.failed(
            step,
            format!("{} bytes came, then {ended}", received.len()),
            "the server stopped sending: did write_ready ask for write readiness while bytes \
             were left, and only then?",
        ),
    }
}
