//! The tests of exercise `send_all`. Check your file with `cargo run -- check lesson6`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! `send_all` writes to a real socket over loopback, wrapped in writers that behave like a
//! socket on a bad day, and the kit's side reads what arrived; two tests use a writer in memory
//! that is full; the last uses lesson 6's sockets with small buffers, non-blocking, with a peer
//! that does not read. The tests hand `send_all` special writers, so they check Rust code only.

#[cfg_attr(feature = "solution", path = "../solutions/send_all.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/send_all.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../send_all.rs"
)]
mod send_all;

use std::io::{self, ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use send_all::{SendError, send_all};
use socket_lab::exercise::{self, Short, ShortWrites, TIMEOUT};

/// A connected pair on loopback: the writer for `send_all`, and a thread of the kit's that reads
/// everything until the writer is closed.
fn connect_to_a_reader() -> (TcpStream, JoinHandle<Result<Vec<u8>, Short>>) {
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0))).expect("listen");
    let writer = exercise::connect(listener.local_addr().expect("the address"));
    let (mut reader, _) = listener.accept().expect("accept");
    exercise::bound(&reader);
    let reading = thread::spawn(move || exercise::read_until_closed(&mut reader));
    (writer, reading)
}

/// What the reader received, once the writer is closed (dropped).
fn received(reading: JoinHandle<Result<Vec<u8>, Short>>) -> Vec<u8> {
    match reading.join().expect("the reader's thread") {
        Ok(bytes) => bytes,
        Err(short) => panic!("the kit's reader: {short}"),
    }
}

/// Runs `send_all(writer, data)` on a thread of its own and returns what it returned, with the
/// writer; gives up after [`TIMEOUT`], since a `send_all` that writes again where writing again
/// cannot help would never return. `how` says where the bytes go, for the failure message.
fn send_all_in_time<W: Write + Send + 'static>(
    mut writer: W,
    data: &[u8],
    how: &str,
) -> (Result<(), SendError>, W) {
    let (done, outcome) = mpsc::channel();
    let sending = data.to_vec();
    thread::spawn(move || {
        let result = send_all(&mut writer, &sending);
        let _ = done.send((result, writer));
    });
    outcome.recv_timeout(TIMEOUT).unwrap_or_else(|_| {
        panic!(
            "send_all of {} bytes {how} had not returned after {}s",
            data.len(),
            TIMEOUT.as_secs()
        )
    })
}

/// `size` bytes, every byte value in turn.
fn sample(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

fn assert_all_arrived(sent: &[u8], arrived: &[u8], how: &str) {
    if let Some(difference) = exercise::difference(sent, arrived) {
        panic!(
            "send_all returned Ok for {} bytes {how}; of what arrived, {difference}",
            sent.len()
        );
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
    let (writer, reading) = connect_to_a_reader();
    let data = sample(100_000);
    let how = "through a socket whose writes take at most 7 bytes";
    let (result, writer) = send_all_in_time(ShortWrites::new(writer, 7), &data, how);
    assert!(
        result.is_ok(),
        "send_all of {} bytes {how} returned {result:?}",
        data.len()
    );
    drop(writer);
    assert_all_arrived(&data, &received(reading), how);
}

#[test]
fn an_interrupted_write_is_tried_again() {
    let (writer, reading) = connect_to_a_reader();
    let data = sample(10_000);
    let how = "through a socket interrupted on every third write (having written nothing), \
               taking at most 1000 bytes on the others";
    let interrupting = Interrupting {
        inner: writer,
        calls: 0,
    };
    let (result, writer) = send_all_in_time(interrupting, &data, how);
    if let Err(SendError { sent, error }) = result {
        panic!(
            "send_all of {} bytes {how} stopped after {sent} bytes with \"{error}\": an \
             interrupted write asks to be called again",
            data.len()
        );
    }
    drop(writer);
    assert_all_arrived(&data, &received(reading), how);
}

#[test]
fn a_full_writer_stops_with_write_zero_and_the_count() {
    let full = Full {
        taken: Vec::new(),
        room: 10,
    };
    let how = "to a writer with room for 10 bytes (then every write returns Ok(0))";
    let (result, _) = send_all_in_time(full, b"hello, world", how);
    let stopped_right = matches!(
        &result,
        Err(SendError { sent: 10, error }) if error.kind() == ErrorKind::WriteZero
    );
    assert!(
        stopped_right,
        "send_all of b\"hello, world\" {how} returned {result:?}, not \
         Err(SendError {{ sent: 10, error: WriteZero }})"
    );
}

#[test]
fn nothing_to_send_is_sent_without_a_write() {
    let full = Full {
        taken: Vec::new(),
        room: 0,
    };
    let how = "to a writer whose every write returns Ok(0)";
    let (result, _) = send_all_in_time(full, b"", how);
    assert!(
        result.is_ok(),
        "send_all of nothing {how} returned {result:?}: there was nothing to send"
    );
}

#[test]
fn a_full_non_blocking_socket_stops_with_would_block_and_the_count() {
    // Lesson 6's sockets with small buffers; the peer does not read until send_all has returned.
    let listener =
        lesson6::buffers::listen_with_small_buffers(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("listen");
    let writer = lesson6::buffers::connect_with_small_buffers(listener.local_addr().unwrap())
        .expect("connect");
    let (mut reader, _) = listener.accept().expect("accept");
    exercise::bound(&reader);
    writer.set_nonblocking(true).expect("non-blocking");
    let data = sample(1 << 20);
    let how = "to a non-blocking socket whose peer does not read";
    let (result, writer) = send_all_in_time(writer, &data, how);
    let sent = match result {
        Err(SendError { sent, error }) if error.kind() == ErrorKind::WouldBlock => sent,
        other => panic!(
            "send_all of {} bytes {how} returned {other:?}, not a SendError with WouldBlock",
            data.len()
        ),
    };
    drop(writer);
    let arrived = exercise::read_until_closed(&mut reader)
        .unwrap_or_else(|short| panic!("the kit's reader: {short}"));
    assert!(
        arrived == data[..sent],
        "send_all {how} stopped with WouldBlock, but the `sent` it reported is not the number of \
         bytes that reached the peer"
    );
}
