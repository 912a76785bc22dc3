//! Starting a server as a child process and finding out where it listens.
//!
//! The end-to-end tests and the exercise checker run real servers: the kit's own binaries, a
//! student's, or a program in another language. They start it on port 0, read its stdout until the
//! `listening on HOST:PORT` line (see [`crate::listening`]), and talk to that address. A
//! [`ServerProcess`] owns the child: dropping it kills the server, so no test leaves one behind.

use std::io::{self, BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::listening;

/// How long a server may take to print its `listening on` line before we give up on it.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server child process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    stdout: Receiver<String>,
    seen: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `command` with stdout and stderr captured and waits for its `listening on` line.
    ///
    /// Fails if the process exits first (its stderr is in the error) or stays silent for
    /// [`STARTUP_TIMEOUT`].
    pub fn start(mut command: Command) -> io::Result<Self> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = spawn_line_reader(child.stdout.take().expect("stdout is piped"));
        let stderr = spawn_collector(child.stderr.take().expect("stderr is piped"));
        let mut server = ServerProcess {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            stdout,
            seen: Vec::new(),
            stderr,
        };
        match server.wait_for_line(listening::PREFIX, STARTUP_TIMEOUT) {
            Ok(line) => {
                server.addr = listening::parse(&line).ok_or_else(|| {
                    io::Error::other(format!("cannot read an address in {line:?}"))
                })?;
                Ok(server)
            }
            Err(seen) => {
                // Give stderr a moment to arrive: the reason a server did not start is usually there.
                let _ = server.child.wait_timeout_or_kill(Duration::from_secs(2));
                Err(io::Error::other(format!(
                    "the server did not print `{}HOST:PORT`; its stdout: {seen:?}; its stderr: {:?}",
                    listening::PREFIX,
                    server.stderr()
                )))
            }
        }
    }

    /// The address the server announced.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits up to `timeout` for a stdout line containing `needle` and returns it.
    ///
    /// On failure returns every stdout line read so far, to put in the test's failure message.
    pub fn wait_for_line(
        &mut self,
        needle: &str,
        timeout: Duration,
    ) -> Result<String, Vec<String>> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return Ok(line);
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    return Err(self.seen.clone());
                }
            }
        }
    }

    /// Every stdout line read so far, by [`ServerProcess::wait_for_line`] or now.
    pub fn stdout_lines(&mut self) -> Vec<String> {
        self.seen.extend(self.stdout.try_iter());
        self.seen.clone()
    }

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .map(|text| text.clone())
            .unwrap_or_default()
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waiting for a child with a time limit, which `std::process::Child` lacks.
trait WaitTimeout {
    fn wait_timeout_or_kill(&mut self, limit: Duration) -> io::Result<()>;
}

impl WaitTimeout for Child {
    fn wait_timeout_or_kill(&mut self, limit: Duration) -> io::Result<()> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.try_wait()?.is_some() {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.kill()?;
        self.wait().map(drop)
    }
}

/// Forwards each line the child writes into a channel, so the reader can wait with a timeout.
fn spawn_line_reader(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Collects everything the child writes, to show when something goes wrong.
fn spawn_collector(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut text) = sink.lock() {
                text.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    });
    text
}
