//! The control connection: command lines in, numbered replies out (RFC 959, section 4).
//!
//! Lesson 7 framed every message with its length, so a reader always knew where one ends. FTP
//! is older and simpler: a command is a line of text ending in CRLF, such as `RETR notes.txt`, and
//! a reply is a three-digit code and a sentence, such as `550 no such file`. The code is for
//! programs, the sentence for people. A line has no length in front, so the reader must look for
//! its end, and must decide how long it is willing to look: here [`MAX_LINE`] bytes, within
//! the request timeout.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use lesson4::session::printable;

/// The longest command line, CRLF included: a command, a space and the longest path lesson 7
/// accepts ([`lesson7::protocol::MAX_PATH`], 4096 bytes), with room to spare. RFC 959 sets no
/// limit; a server must, or one client sending a line without end fills its memory.
pub const MAX_LINE: usize = 8192;

// ANCHOR: reply
/// A reply: a code and one line of text, or several (`211-Features:` ... `211 End`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn new(code: u16, text: impl Into<String>) -> Reply {
        Reply {
            code,
            lines: vec![text.into()],
        }
    }

    /// A reply of several lines. RFC 959 (section 4.2): the first line is `CODE-text`, the last
    /// `CODE text`, and the lines between start with anything but a code and a space; RFC 2389's
    /// FEAT and RFC 3659's MLST start them with a space.
    pub fn multi(code: u16, lines: Vec<String>) -> Reply {
        Reply { code, lines }
    }

    /// The bytes on the wire. Text that came from the client (a path in an error) may hold a
    /// CR or an LF; written as it is, it would end the reply early and forge the next one, so
    /// every control character is escaped.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut wire = String::new();
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let line = printable(line);
            match i {
                _ if i == last => wire.push_str(&format!("{} {line}\r\n", self.code)),
                0 => wire.push_str(&format!("{}-{line}\r\n", self.code)),
                _ => wire.push_str(&format!("{line}\r\n")),
            }
        }
        if self.lines.is_empty() {
            wire.push_str(&format!("{} \r\n", self.code));
        }
        wire.into_bytes()
    }

    /// How the reply reads in the log: its last line.
    pub fn summary(&self) -> String {
        format!(
            "{} {}",
            self.code,
            printable(self.lines.last().map_or("", String::as_str))
        )
    }

    /// 1xx to 3xx: the command worked, or goes on; 4xx and 5xx: it failed.
    pub fn is_ok(&self) -> bool {
        self.code < 400
    }
}

pub fn send(stream: &mut impl Write, reply: &Reply) -> io::Result<()> {
    stream.write_all(&reply.to_wire())
}
// ANCHOR_END: reply

// ANCHOR: command
/// A command line taken apart: the verb in capitals (`RETR`), and the argument as sent (RFC 959
/// separates them with one space; the argument may itself hold spaces, as file names do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub verb: String,
    pub arg: String,
}

impl Command {
    /// Parses one line, its CRLF (or a bare LF) already taken off. A line that is not UTF-8,
    /// holds a NUL or a CR, or whose verb is not letters, gets the reply to send instead.
    ///
    /// NUL would cut a path short for the operating system (`a.txt\0.jpg`); a CR inside a line is
    /// the start of a forged second command; both are refused here, before any path is looked at.
    pub fn parse(line: &[u8]) -> Result<Command, Reply> {
        let line = std::str::from_utf8(line)
            .map_err(|_| Reply::new(500, "a command line must be UTF-8 (RFC 2640)"))?;
        if line.contains('\0') {
            return Err(Reply::new(501, "a command line may not contain NUL"));
        }
        if line.contains('\r') {
            return Err(Reply::new(
                501,
                "a command line may not contain a CR before its end",
            ));
        }
        let (verb, arg) = line.split_once(' ').unwrap_or((line, ""));
        if verb.is_empty() || verb.len() > 4 || !verb.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Reply::new(
                500,
                "syntax error: a command is 3 or 4 letters, then a space and its argument",
            ));
        }
        Ok(Command {
            verb: verb.to_ascii_uppercase(),
            arg: arg.to_string(),
        })
    }

    /// The command as the log shows it: a password is never written down.
    pub fn describe(&self) -> String {
        match (self.verb.as_str(), self.arg.is_empty()) {
            ("PASS", _) => "PASS ****".to_string(),
            (verb, true) => verb.to_string(),
            (verb, false) => format!("{verb} {:?}", self.arg),
        }
    }
}
// ANCHOR_END: command

// ANCHOR: read_line
/// Why no command line came.
#[derive(Debug)]
pub enum LineError {
    /// The client closed the connection.
    Closed,
    /// Nothing arrived within the wait for the first byte.
    Idle,
    /// The line started but did not end within the time a line may take.
    TooSlow,
    /// More than [`MAX_LINE`] bytes without an end of line.
    TooLong,
    Io(io::Error),
}

/// Reads one line, its end (LF, and a CR before it) taken off.
///
/// The first byte may take `wait`; once it came, the whole line must arrive within `whole`.
/// Nothing more than [`MAX_LINE`] bytes is ever kept: the bytes are looked at as they arrive in
/// `BufReader`'s buffer, and a line that has not ended by then is refused.
pub fn read_line(
    reader: &mut BufReader<TcpStream>,
    wait: Duration,
    whole: Duration,
) -> Result<Vec<u8>, LineError> {
    let mut line = Vec::new();
    let mut deadline = None;
    reader
        .get_ref()
        .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
        .map_err(LineError::Io)?;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) if is_timeout(&err) => {
                return Err(match deadline {
                    None => LineError::Idle,
                    Some(_) => LineError::TooSlow,
                });
            }
            Err(err) => return Err(LineError::Io(err)),
        };
        if available.is_empty() {
            return Err(LineError::Closed);
        }
        let (taken, ended) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (end + 1, true),
            None => (available.len(), false),
        };
        line.extend_from_slice(&available[..taken]);
        reader.consume(taken);
        if line.len() > MAX_LINE {
            return Err(LineError::TooLong);
        }
        if ended {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(line);
        }
        let by = *deadline.get_or_insert_with(|| Instant::now() + whole);
        let left = by.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(LineError::TooSlow);
        }
        reader
            .get_ref()
            .set_read_timeout(Some(left))
            .map_err(LineError::Io)?;
    }
}
// ANCHOR_END: read_line

/// A read that gave up after its timeout: `WouldBlock` on Unix, `TimedOut` on Windows.
pub fn is_timeout(err: &io::Error) -> bool {
    lesson7::server::is_timeout(err)
}

/// A path inside a `257` reply, quoted as RFC 959 (appendix II) asks: between double quotes,
/// with every double quote in it doubled.
pub fn quote_path(path: &str) -> String {
    format!("\"{}\"", path.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_line_reply_has_the_code_and_a_dash_first_and_the_code_and_a_space_last() {
        let reply = Reply::multi(211, vec!["Features:".into(), " SIZE".into(), "End".into()]);
        assert_eq!(reply.to_wire(), b"211-Features:\r\n SIZE\r\n211 End\r\n");
        assert_eq!(Reply::new(200, "ok").to_wire(), b"200 ok\r\n");
    }

    #[test]
    fn a_crlf_from_the_client_cannot_forge_a_second_reply() {
        let reply = Reply::new(550, "no such file: a\r\n230 b");
        assert_eq!(reply.to_wire(), b"550 no such file: a\\r\\n230 b\r\n");
    }

    #[test]
    fn commands_are_parsed_and_tricks_refused() {
        let retr = Command::parse(b"retr my file.txt").unwrap();
        assert_eq!(
            (retr.verb.as_str(), retr.arg.as_str()),
            ("RETR", "my file.txt")
        );
        assert_eq!(Command::parse(b"NOOP").unwrap().arg, "");
        assert_eq!(Command::parse(b"RETR a\0b").unwrap_err().code, 501);
        assert_eq!(Command::parse(b"RETR a\rDELE b").unwrap_err().code, 501);
        assert_eq!(Command::parse(b"\xff\xfe").unwrap_err().code, 500);
        assert_eq!(Command::parse(b"").unwrap_err().code, 500);
        assert_eq!(Command::parse(b"R3TR x").unwrap_err().code, 500);
        assert_eq!(
            Command::parse(b"PASS secret").unwrap().describe(),
            "PASS ****"
        );
    }

    #[test]
    fn a_quote_in_a_path_is_doubled() {
        assert_eq!(quote_path("/say \"hi\""), "\"/say \"\"hi\"\"\"");
    }
}
