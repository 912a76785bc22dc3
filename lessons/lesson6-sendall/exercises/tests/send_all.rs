//! The tests of exercise `send_all`. Check your file with `cargo lab check lesson6`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! `send_all` writes to a real socket over loopback, wrapped in writers that behave like a
//! socket on a bad day (each write takes 7 bytes; every third write is interrupted), and the
//! kit's side reads what arrived; two tests use a writer in memory that is full; one uses lesson
//! 6's sockets with small buffers, non-blocking, with a peer that stops reading, so that a write
//! takes part of what it is given and the next fails with `WouldBlock`, on every run. The tests
//! hand `send_all` special writers, so they check Rust code only. Each failure lists the steps
//! of the test, numbered, and marks the one that failed.

#[cfg_attr(feature = "solution", path = "../solutions/send_all.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/send_all_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/send_all_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/send_all_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/send_all_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/send_all_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../send_all.rs"
)]
mod send_all;

use std::io::{self, ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use send_all::{SendError, send_all};
use socket_lab::exercise::{self, Short, ShortWrites, Steps, TIMEOUT, Xorshift};

/// A connected pair on loopback: the writer for `send_all`, and a thread of the kit's that reads
/// everything until the writer is closed.
fn connect_to_a_reader(steps: &mut Steps) -> (TcpStream, JoinHandle<Result<Vec<u8>, Short>>) {
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0))).expect("listen");
    let writer = exercise::connect(listener.local_addr().expect("the address"));
    let (mut reader, _) = listener.accept().expect("accept");
    exercise::bound(&reader);
    let reading = thread::spawn(move || exercise::read_until_closed(&mut reader));
    steps.did("connect a socket to a reader of the kit's, which reads everything until the close");
    (writer, reading)
}

/// What the reader received, once the writer is closed (dropped).
fn received(reading: JoinHandle<Result<Vec<u8>, Short>>) -> Vec<u8> {
    match reading.join().expect("the reader's thread") {
        Ok(bytes) => bytes,
        Err(short) => panic!("the kit's reader: {short}"),
    }
}

/// What `send_all` returned, in words.
fn returned(result: &Result<(), SendError>) -> String {
    match result {
        Ok(()) => "send_all returned Ok".into(),
        Err(SendError { sent, error }) => format!(
            "send_all returned SendError {{ sent: {sent}, error: {:?} (\"{error}\") }}",
            error.kind()
        ),
    }
}

/// Runs `send_all(writer, data)` on a thread of its own, as the step `step`, and returns what it
/// returned, with the writer. Fails the step after [`TIMEOUT`]: a `send_all` that writes again
/// where writing again cannot help would never return.
fn send_all_in_time<W: Write + Send + 'static>(
    steps: &Steps,
    step: &str,
    mut writer: W,
    data: &[u8],
) -> (Result<(), SendError>, W) {
    let (done, outcome) = mpsc::channel();
    let sending = data.to_vec();
    thread::spawn(move || {
        let result = send_all(&mut writer, &sending);
        let _ = done.send((result, writer));
    });
    match outcome.recv_timeout(TIMEOUT) {
        Ok(returned) => returned,
        Err(mpsc::RecvTimeoutError::Disconnected) => steps.failed(
            step,
            "it panicked (its message is above)",
            "send_all panicked",
        ),
        Err(mpsc::RecvTimeoutError::Timeout) => steps.failed(
            step,
            format!("it was still running {}s later", TIMEOUT.as_secs()),
            "send_all had not returned: does it write again, for ever, where writing again \
             cannot help?",
        ),
    }
}

/// `size` bytes that never repeat a pattern (a xorshift sequence), so that a part sent twice or
/// skipped shows as a difference.
fn sample(size: usize) -> Vec<u8> {
    Xorshift::new(0x2545_f491)
        .take(size)
        .map(|number| (number >> 24) as u8)
        .collect()
}

/// How `arrived` differs from `sent`, and why: None when it does not.
fn what_went_wrong(sent: &[u8], arrived: &[u8]) -> Option<(String, &'static str)> {
    let difference = exercise::difference(sent, arrived)?;
    let same = sent.iter().zip(arrived).take_while(|(a, b)| a == b).count();
    let next = &arrived[same..arrived.len().min(same + 16)];
    let why = if same == arrived.len() {
        "fewer bytes arrived than send_all was given, though it returned Ok"
    } else if next.len() == 16 && sent[..same].windows(16).any(|window| window == next) {
        "bytes already sent were sent again: the next write goes on from where the last stopped"
    } else {
        "the bytes that arrived differ from the ones send_all was given"
    };
    Some((difference, why))
}

/// Closes the writer, and expects the reader to have received exactly `data`.
fn expect_all_arrived(
    steps: &mut Steps,
    writer: impl Write,
    reading: JoinHandle<Result<Vec<u8>, Short>>,
    data: &[u8],
) {
    drop(writer);
    let step = format!(
        "close the socket, and expect the reader to have received the {} bytes",
        data.len()
    );
    match what_went_wrong(data, &received(reading)) {
        None => steps.got(step),
        Some((difference, why)) => steps.failed(step, difference, why),
    }
}

/// A writer that fails with `Interrupted` on every third call, having written nothing, as a
/// blocking call does when a signal arrives; the other calls take at most 1000 bytes.
struct Interrupting<W> {
    inner: W,
    calls: usize,
}

impl<W: Write> Write for Interrupting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(3) {
            return Err(ErrorKind::Interrupted.into());
        }
        let len = buf.len().min(1000);
        self.inner.write(&buf[..len])
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A writer in memory with room for `room` bytes: then every write returns `Ok(0)`, as a
/// writer that will never take anything more does.
struct Full {
    taken: Vec<u8>,
    room: usize,
}

impl Write for Full {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = buf.len().min(self.room - self.taken.len());
        self.taken.extend_from_slice(&buf[..len]);
        Ok(len)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn everything_arrives_when_each_write_takes_7_bytes() {
    let mut steps = Steps::new();
    let (writer, reading) = connect_to_a_reader(&mut steps);
    let data = sample(100_000);
    let step = format!(
        "send_all {} bytes through the socket, whose writes take at most 7 bytes: expect Ok",
        data.len()
    );
    let (result, writer) = send_all_in_time(&steps, &step, ShortWrites::new(writer, 7), &data);
    if result.is_err() {
        steps.failed(
            step,
            returned(&result),
            "send_all stopped, though every write took some bytes",
        );
    }
    steps.got(step);
    expect_all_arrived(&mut steps, writer, reading, &data);
}

#[test]
fn an_interrupted_write_is_tried_again() {
    let mut steps = Steps::new();
    let (writer, reading) = connect_to_a_reader(&mut steps);
    let data = sample(10_000);
    let step = format!(
        "send_all {} bytes through the socket, whose every third write is interrupted (having \
         written nothing) and whose other writes take at most 1000 bytes: expect Ok",
        data.len()
    );
    let interrupting = Interrupting {
        inner: writer,
        calls: 0,
    };
    let (result, writer) = send_all_in_time(&steps, &step, interrupting, &data);
    if let Err(SendError { sent, error }) = &result {
        steps.failed(
            step,
            format!("send_all stopped after {sent} bytes with \"{error}\""),
            "send_all gave up on an interrupted write: an interrupted write asks to be called \
             again",
        );
    }
    steps.got(step);
    expect_all_arrived(&mut steps, writer, reading, &data);
}

#[test]
fn a_full_writer_stops_with_write_zero_and_the_count() {
    let mut steps = Steps::new();
    steps.did("make a writer with room for 10 bytes: then every write returns Ok(0)");
    let full = Full {
        taken: Vec::new(),
        room: 10,
    };
    let step = "send_all b\"hello, world\" (12 bytes) to it: expect \
                Err(SendError { sent: 10, error: WriteZero })";
    let (result, _) = send_all_in_time(&steps, step, full, b"hello, world");
    match &result {
        Err(SendError { sent: 10, error }) if error.kind() == ErrorKind::WriteZero => {
            steps.got(step);
        }
        Ok(()) => steps.failed(
            step,
            returned(&result),
            "send_all returned Ok, but the writer took only 10 of the 12 bytes",
        ),
        Err(_) => steps.failed(
            step,
            returned(&result),
            "send_all did not report the writer's Ok(0) as WriteZero, with the 10 bytes taken",
        ),
    }
}

#[test]
fn nothing_to_send_is_sent_without_a_write() {
    let mut steps = Steps::new();
    steps.did("make a writer whose every write returns Ok(0)");
    let full = Full {
        taken: Vec::new(),
        room: 0,
    };
    let step = "send_all nothing (0 bytes) to it: expect Ok";
    let (result, _) = send_all_in_time(&steps, step, full, b"");
    if result.is_err() {
        steps.failed(
            step,
            returned(&result),
            "send_all failed on an empty buffer: there was nothing to send",
        );
    }
    steps.got(step);
}

#[test]
fn a_full_non_blocking_socket_stops_with_would_block_and_the_count() {
    let mut steps = Steps::new();
    // Lesson 6's sockets with small buffers; the peer does not read until send_all has returned.
    let listener =
        lesson6::buffers::listen_with_small_buffers(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("listen");
    let writer = lesson6::buffers::connect_with_small_buffers(listener.local_addr().unwrap())
        .expect("connect");
    let (mut reader, _) = listener.accept().expect("accept");
    exercise::bound(&reader);
    writer.set_nonblocking(true).expect("non-blocking");
    steps
        .did("connect a non-blocking socket with small buffers to a peer that does not read (yet)");
    let data = sample(1 << 20);
    let step = format!(
        "send_all {} bytes through it: expect a SendError with WouldBlock, once the buffers \
         are full",
        data.len()
    );
    let (result, writer) = send_all_in_time(&steps, &step, writer, &data);
    drop(writer);
    let arrived = exercise::read_until_closed(&mut reader)
        .unwrap_or_else(|short| panic!("the kit's reader: {short}"));
    let sent = match &result {
        Err(SendError { sent, error }) if error.kind() == ErrorKind::WouldBlock => *sent,
        Ok(()) => steps.failed(
            step,
            returned(&result),
            format!(
                "send_all returned Ok, but only {} of the {} bytes reached the peer",
                arrived.len(),
                data.len()
            ),
        ),
        Err(_) => steps.failed(
            step,
            returned(&result),
            "send_all did not stop with the socket's WouldBlock",
        ),
    };
    steps.got(step);
    let step = format!(
        "close the socket, let the peer read, and expect the {sent} bytes send_all reported"
    );
    match what_went_wrong(&data[..sent], &arrived) {
        None => steps.got(step),
        Some((difference, why)) if why.starts_with("bytes already sent") => {
            steps.failed(step, difference, why)
        }
        Some((difference, _)) => steps.failed(
            step,
            difference,
            "the `sent` that send_all reported is not the number of bytes that reached the peer",
        ),
    }
}
