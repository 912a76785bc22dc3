//! How a demo narrates.
//!
//! A demo is a transcript: numbered steps, each a few lines saying who did what on the wire
//! (`server | recv(1024) returned 5 bytes`), with a note where the reason is not obvious. Every demo
//! prints through these functions so that all seven lessons read alike, and so that the book can
//! show a demo's output as it is. Tests compare that output with the copy in the book, so a demo
//! must print the same lines on every run; only ports and measured times may differ.

use std::fmt::{Arguments, Display};
use std::io::{self, Write};
use std::sync::atomic::{AtomicU32, Ordering};

static STEP: AtomicU32 = AtomicU32::new(0);

/// Prints the demo's title, underlined.
pub fn title(text: &str) {
    line(format_args!("{text}"));
    line(format_args!("{}", "=".repeat(display_width(text))));
}

/// Columns a terminal gives `text`: CJK characters such as the article's 一 take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if ('\u{2e80}'..='\u{ffdc}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Starts the next numbered step: `1. The server opens a listening socket`.
pub fn step(title: &str) {
    let number = STEP.fetch_add(1, Ordering::Relaxed) + 1;
    line(format_args!(""));
    line(format_args!("{number}. {title}"));
}

/// One thing one side did or saw: `   server | recv(1024) returned 5 bytes`.
pub fn say(who: &str, what: impl Display) {
    line(format_args!("   {who:<8} | {what}"));
}

/// Why something happened, for the lines where the transcript alone would leave a question.
pub fn note(text: impl Display) {
    line(format_args!("   {:<8} > {text}", ""));
}

/// Prints one line of the transcript.
///
/// When whoever reads the transcript has gone (`lesson1 | head -5`), there is nobody left to
/// narrate to: the demo ends quietly, as other command-line tools do, instead of panicking.
fn line(text: Arguments) {
    let mut stdout = io::stdout().lock();
    if let Err(err) = writeln!(stdout, "{text}").and_then(|()| stdout.flush())
        && err.kind() == io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Shows bytes the way Rust writes a byte string literal: `b"hello"`, `b"\xe4\xbd\xa0"`.
///
/// Printable ASCII stays readable; every other byte becomes an escape, so the reader sees exactly
/// what crossed the wire, not what a terminal made of it.
pub fn bytes(data: &[u8]) -> String {
    format!("b\"{}\"", data.escape_ascii())
}

/// A number of bytes in words: `1 byte`, `0 bytes`, `1024 bytes`.
pub fn byte_count(n: u64) -> String {
    match n {
        1 => "1 byte".to_string(),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::{byte_count, bytes};

    #[test]
    fn one_byte_is_singular() {
        assert_eq!(byte_count(1), "1 byte");
        assert_eq!(byte_count(0), "0 bytes");
        assert_eq!(byte_count(1024), "1024 bytes");
    }

    #[test]
    fn bytes_look_like_a_rust_byte_string() {
        assert_eq!(bytes(b"hello"), r#"b"hello""#);
        assert_eq!(bytes("你".as_bytes()), r#"b"\xe4\xbd\xa0""#);
        assert_eq!(bytes(b"a\"b\n"), r#"b"a\"b\n""#);
    }
}
