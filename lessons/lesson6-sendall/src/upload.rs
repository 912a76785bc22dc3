//! The article's upload loop, `for line in f: s.send(line)`, and the same loop with `write_all`.

use std::io::{self, BufRead, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

/// How long a send waits for room in the socket before it gives up.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// What the article's loop did: how many lines, how many bytes it handed to `send`, and how many
/// of those the kernel took.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendReport {
    pub lines: u64,
    pub given: u64,
    pub taken: u64,
    /// How many calls took only part of their line.
    pub short: u64,
}

// ANCHOR: send_like_python
/// One Python `send` on a socket with a timeout: wait until the socket can take at least one
/// byte, then take what fits, and return how many that was.
///
/// Python does this with `poll`; std has no `poll`, so on a non-blocking socket this tries again
/// every millisecond until the kernel takes something.
pub fn send_like_python(stream: &mut TcpStream, data: &[u8]) -> io::Result<usize> {
    let deadline = Instant::now() + SEND_TIMEOUT;
    loop {
        match stream.write(data) {
            Err(err) if err.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(1));
            }
            result => return result,
        }
    }
}
// ANCHOR_END: send_like_python

// ANCHOR: article_loop
/// The article's upload: one `send` per line of the file, and what `send` returns thrown away.
///
/// Every byte of a line that `send` did not take is lost: the loop goes on with the next line.
pub fn send_lines_like_the_article(
    stream: &mut TcpStream,
    mut file: impl BufRead,
) -> io::Result<SendReport> {
    let mut report = SendReport::default();
    let mut line = Vec::new();
    while file.read_until(b'\n', &mut line)? > 0 {
        let taken = send_like_python(stream, &line)?;
        report.lines += 1;
        report.given += line.len() as u64;
        report.taken += taken as u64;
        report.short += u64::from(taken < line.len());
        line.clear();
    }
    Ok(report)
}
// ANCHOR_END: article_loop

// ANCHOR: fixed_loop
/// The same loop with `write_all` (Python's `sendall`): each line goes out whole, however many
/// calls to `write` that takes. The socket must be a blocking one (see [`write_all_by_hand`]).
pub fn send_lines_with_write_all(
    stream: &mut TcpStream,
    mut file: impl BufRead,
) -> io::Result<SendReport> {
    let mut report = SendReport::default();
    let mut line = Vec::new();
    while file.read_until(b'\n', &mut line)? > 0 {
        stream.write_all(&line)?;
        report.lines += 1;
        report.given += line.len() as u64;
        report.taken += line.len() as u64;
        line.clear();
    }
    Ok(report)
}
// ANCHOR_END: fixed_loop

// ANCHOR: write_all
/// What `write_all` does, written out: the standard library's loop, give or take its messages.
///
/// - A `write` that took part of the buffer: go on with the rest.
/// - `Interrupted` (a signal arrived before any byte was taken): nothing happened, try again.
/// - `Ok(0)`: the writer will never take anything, an error (`WriteZero`).
/// - Any other error, `WouldBlock` included, is returned as it is. On a non-blocking socket that
///   means `write_all` can fail after sending part of the buffer, and nothing tells how much:
///   it belongs with blocking sockets.
pub fn write_all_by_hand(writer: &mut impl Write, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match writer.write(buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}
// ANCHOR_END: write_all

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that is interrupted once, then takes at most 3 bytes per call.
    struct Trickle {
        taken: Vec<u8>,
        interrupted: bool,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if !self.interrupted {
                self.interrupted = true;
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(3);
            self.taken.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_all_by_hand_retries_interrupted_and_goes_on_after_a_partial_write() {
        let mut writer = Trickle {
            taken: Vec::new(),
            interrupted: false,
        };
        write_all_by_hand(&mut writer, b"hello world").unwrap();
        assert_eq!(writer.taken, b"hello world");
        // std's write_all does the same.
        let mut writer = Trickle {
            taken: Vec::new(),
            interrupted: false,
        };
        writer.write_all(b"hello world").unwrap();
        assert_eq!(writer.taken, b"hello world");
    }

    #[test]
    fn write_all_by_hand_fails_when_the_writer_takes_nothing() {
        let mut full: &mut [u8] = &mut [0; 4];
        let err = write_all_by_hand(&mut full, b"hello").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WriteZero);
    }
}
