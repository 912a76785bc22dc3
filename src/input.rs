//! Reading what the user types, one line per answer, after a prompt.
//!
//! The kit's interactive clients ask the article's questions (`Input Your ftp user:`) and read the
//! answers from stdin, so the same client works typed by hand and piped from a script; the end of
//! the input means quit. When stdin is not a terminal, each answer is echoed after its prompt, so
//! that a scripted session prints the same transcript as one typed by hand.

use std::io::{self, BufRead, IsTerminal, Write};

/// Lines from stdin (or any reader, in tests), each read after a prompt.
pub struct Input<R> {
    lines: R,
    echo: bool,
}

impl Input<io::StdinLock<'static>> {
    /// Reads stdin, echoing the answers when stdin is a pipe or a file.
    pub fn stdin() -> Self {
        let stdin = io::stdin();
        let echo = !stdin.is_terminal();
        Input {
            lines: stdin.lock(),
            echo,
        }
    }
}

impl<R: BufRead> Input<R> {
    /// Reads from `lines`; `echo` prints each answer after its prompt.
    pub fn new(lines: R, echo: bool) -> Self {
        Input { lines, echo }
    }

    /// Prints `prompt` (without a newline, as Python's `input` does) and reads one line.
    ///
    /// Returns the line without its line ending, or `None` at the end of the input.
    pub fn prompt(&mut self, prompt: &str) -> io::Result<Option<String>> {
        let mut stdout = io::stdout().lock();
        write!(stdout, "{prompt}")?;
        stdout.flush()?;
        let mut line = String::new();
        if self.lines.read_line(&mut line)? == 0 {
            // End the prompt's line, so that what is printed next starts on a line of its own.
            writeln!(stdout)?;
            return Ok(None);
        }
        let answer = line.trim_end_matches(['\n', '\r']).to_string();
        if self.echo {
            writeln!(stdout, "{answer}")?;
        }
        Ok(Some(answer))
    }
}

#[cfg(test)]
mod tests {
    use super::Input;

    #[test]
    fn answers_come_without_line_endings_and_the_end_is_none() {
        let mut input = Input::new(&b"alex\r\nabc123\n\nlast"[..], false);
        assert_eq!(input.prompt("").unwrap().as_deref(), Some("alex"));
        assert_eq!(input.prompt("").unwrap().as_deref(), Some("abc123"));
        assert_eq!(input.prompt("").unwrap().as_deref(), Some(""));
        assert_eq!(input.prompt("").unwrap().as_deref(), Some("last"));
        assert_eq!(input.prompt("").unwrap(), None);
    }
}
