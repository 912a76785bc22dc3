//! Reading what the user types, one line per answer, after a prompt.
//!
//! The kit's interactive clients ask the article's questions (`Input Your ftp user:`) and read the
//! answers from stdin, so the same client works typed by hand and piped from a script; the end of
//! the input means quit. When stdin is not a terminal, each answer is echoed after its prompt, so
//! that a scripted session prints the same transcript as one typed by hand. A password is never
//! shown: on a terminal it is read with echo turned off, and a script's is not echoed.

use std::io::{self, BufRead, IsTerminal, Write};

/// Lines from stdin (or any reader, in tests), each read after a prompt.
pub struct Input<R> {
    lines: R,
    /// The lines come from a person at a terminal, who sees what they type: nothing to echo,
    /// and a password must be read with the terminal's echo turned off.
    terminal: bool,
}

impl Input<io::StdinLock<'static>> {
    /// Reads stdin, whether a terminal or a pipe.
    pub fn stdin() -> Self {
        let stdin = io::stdin();
        let terminal = stdin.is_terminal();
        Input {
            lines: stdin.lock(),
            terminal,
        }
    }
}

impl<R: BufRead> Input<R> {
    /// Reads the lines of a script (a file, a pipe, a test's bytes), echoing each answer.
    pub fn script(lines: R) -> Self {
        Input {
            lines,
            terminal: false,
        }
    }

    /// Prints `prompt` (without a newline, as Python's `input` does) and reads one line.
    ///
    /// Returns the line without its line ending, or `None` at the end of the input.
    pub fn prompt(&mut self, prompt: &str) -> io::Result<Option<String>> {
        let answer = self.read_after(prompt)?;
        if let Some(answer) = &answer
            && !self.terminal
        {
            println!("{answer}");
        }
        Ok(answer)
    }

    /// [`Input::prompt`] for a password: what is typed is never shown.
    pub fn prompt_secret(&mut self, prompt: &str) -> io::Result<Option<String>> {
        if self.terminal {
            print!("{prompt}");
            io::stdout().flush()?;
            // rpassword turns the terminal's echo off while the line is typed, and back on.
            return match rpassword::read_password() {
                Ok(password) => Ok(Some(password)),
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    println!();
                    Ok(None)
                }
                Err(err) => Err(err),
            };
        }
        let answer = self.read_after(prompt)?;
        if answer.is_some() {
            // End the prompt's line as the typed answer would have, without the answer.
            println!();
        }
        Ok(answer)
    }

    fn read_after(&mut self, prompt: &str) -> io::Result<Option<String>> {
        let mut stdout = io::stdout().lock();
        write!(stdout, "{prompt}")?;
        stdout.flush()?;
        let mut line = String::new();
        if self.lines.read_line(&mut line)? == 0 {
            // End the prompt's line, so that what is printed next starts on a line of its own.
            writeln!(stdout)?;
            return Ok(None);
        }
        Ok(Some(line.trim_end_matches(['\n', '\r']).to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::Input;

    #[test]
    fn answers_come_without_line_endings_and_the_end_is_none() {
        let mut input = Input::script(&b"alex\r\nabc123\n\nlast"[..]);
        assert_eq!(input.prompt("").unwrap().as_deref(), Some("alex"));
        assert_eq!(input.prompt_secret("").unwrap().as_deref(), Some("abc123"));
        assert_eq!(input.prompt("").unwrap().as_deref(), Some(""));
        assert_eq!(input.prompt("").unwrap().as_deref(), Some("last"));
        assert_eq!(input.prompt("").unwrap(), None);
        assert_eq!(input.prompt_secret("").unwrap(), None);
    }
}
