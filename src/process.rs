//! Starting a server as a child process and finding out where it listens.
//!
//! The end-to-end tests and the exercise checker run real servers: the kit's own binaries, a
//! student's, or a program in another language. They start it on port 0, read its stdout until the
//! `listening on HOST:PORT` line (see [`crate::listening`]), and talk to that address. A
//! [`ServerProcess`] owns the child: dropping it kills the server, so no test leaves one behind.
//!
//! A program in another language is given as a command line (`python3 server.py 8089`): [`shell`]
//! runs it with `sh -c` in a process group of its own, [`ServerProcess::start_shell`] waits until
//! it listens, [`run_shell`] runs a client to its end, and both kill the whole group when done, so
//! that nothing the command started (the shell, the interpreter, its children) outlives it.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::listening;

/// How long a server may take to print its `listening on` line before we give up on it.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a command given by a person may take to start listening: a program that is already
/// built (Python, a compiled binary) starts in well under a second.
pub const SHELL_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// A running server child process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    /// Whether the child leads a process group of its own (see [`shell`]), to be killed whole.
    own_group: bool,
    addr: SocketAddr,
    stdout: Receiver<String>,
    seen: Vec<String>,
    stderr: Collected,
}

impl ServerProcess {
    /// Starts `command` with stdout and stderr captured and waits for its `listening on` line.
    ///
    /// Fails if the process exits first (its stderr is in the error) or stays silent for
    /// [`STARTUP_TIMEOUT`].
    pub fn start(command: Command) -> io::Result<Self> {
        let mut server = Self::spawn(command, false)?;
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
                    server.stderr.wait_for_end()
                )))
            }
        }
    }

    /// Starts a command made by [`shell`], which was told to listen on `addr`, and waits until
    /// it does.
    ///
    /// A program in another language cannot be expected to print the kit's `listening on` line,
    /// so either sign will do: that line on stdout (its address is then the one used), or a
    /// connection to `addr` that succeeds. That probe connection is closed at once without a
    /// byte sent: the server sees one client come and go before the real ones.
    ///
    /// Fails if the command exits first or is not listening after [`SHELL_STARTUP_TIMEOUT`].
    pub fn start_shell(command: Command, addr: SocketAddr) -> io::Result<Self> {
        let mut server = Self::spawn(command, true)?;
        server.addr = addr;
        let deadline = Instant::now() + SHELL_STARTUP_TIMEOUT;
        let poll = Duration::from_millis(50);
        while Instant::now() < deadline {
            if let Some(announced) = server.announced_addr(poll) {
                server.addr = announced;
                return Ok(server);
            }
            if TcpStream::connect_timeout(&addr, poll).is_ok() {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "the server command ended ({status}) before it listened on {addr}; \
                     its stderr: {:?}",
                    server.stderr.wait_for_end()
                )));
            }
        }
        Err(io::Error::other(format!(
            "the server command was not listening on {addr} after {}s; \
             does it take its port from {{port}} or $SOCKET_LAB_PORT? its stdout: {:?}",
            SHELL_STARTUP_TIMEOUT.as_secs(),
            server.stdout_lines()
        )))
    }

    fn spawn(mut command: Command, own_group: bool) -> io::Result<Self> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = spawn_line_reader(child.stdout.take().expect("stdout is piped"));
        let stderr = Collected::spawn(child.stderr.take().expect("stderr is piped"));
        Ok(ServerProcess {
            child,
            own_group,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            stdout,
            seen: Vec::new(),
            stderr,
        })
    }

    /// The address in a `listening on` line the server printed, waiting up to `wait` for one.
    fn announced_addr(&mut self, wait: Duration) -> Option<SocketAddr> {
        let mut lines: Vec<String> = self.stdout.try_iter().collect();
        if lines.is_empty() {
            match self.stdout.recv_timeout(wait) {
                Ok(line) => lines.push(line),
                // Nothing more will come on stdout; the caller finds out whether the child ended.
                Err(RecvTimeoutError::Disconnected) => thread::sleep(wait),
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        self.seen.extend(lines.iter().cloned());
        lines.iter().find_map(|line| listening::parse(line))
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
        self.stderr.text()
    }

    /// The process id, for reading what the kernel reports about the server (`/proc/PID`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if self.own_group {
            kill_group(&self.child);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command line given by a person (a teacher's `python3 server.py 8089`), to be run with
/// `sh -c` in a process group of its own, so that everything it starts can be killed with it.
///
/// Start it with [`ServerProcess::start_shell`] or [`run_shell`], which kill the group.
pub fn shell(command_line: &str) -> Command {
    let mut command = Command::new("sh");
    command.arg("-c").arg(command_line);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command
}

/// What a command run by [`run_shell`] did.
pub struct ShellOutput {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Runs a command made by [`shell`] to its end, with `input` on its stdin, and returns what it
/// printed. If it is still running after `timeout`, its process group is killed and the error
/// says so (with what it had printed).
pub fn run_shell(mut command: Command, input: &[u8], timeout: Duration) -> io::Result<ShellOutput> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    // A command that never reads its input must not block us: write from a thread of its own.
    thread::spawn(move || stdin.write_all(&input));
    let stdout = Collected::spawn(child.stdout.take().expect("stdout is piped"));
    let stderr = Collected::spawn(child.stderr.take().expect("stderr is piped"));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            kill_group(&child);
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the command was still running after {}s and was stopped; \
                     its stdout: {:?}; its stderr: {:?}",
                    timeout.as_secs(),
                    String::from_utf8_lossy(&stdout.wait_for_end_bytes()),
                    stderr.wait_for_end()
                ),
            ));
        }
        thread::sleep(Duration::from_millis(20));
    };
    // The group may hold children that still write; they go with the command.
    kill_group(&child);
    Ok(ShellOutput {
        status,
        stdout: stdout.wait_for_end_bytes(),
        stderr: stderr.wait_for_end(),
    })
}

/// Kills every process in the group `child` leads (see [`shell`]).
///
/// std has no `killpg`, and the kit forbids unsafe code, so the shell's `kill` does it: a
/// negative process id names a whole group.
#[cfg(unix)]
fn kill_group(child: &Child) {
    let _ = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -s KILL -- -{} 2>/dev/null", child.id()))
        .status();
}

#[cfg(not(unix))]
fn kill_group(_child: &Child) {}

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

/// Everything a child writes to one pipe, collected by a thread of its own so that the child
/// never blocks on a full pipe.
struct Collected {
    bytes: Arc<Mutex<Vec<u8>>>,
    ended: Receiver<()>,
}

impl Collected {
    fn spawn(mut pipe: impl Read + Send + 'static) -> Self {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&bytes);
        let (end, ended) = mpsc::channel();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut bytes) = sink.lock() {
                    bytes.extend_from_slice(&buf[..n]);
                }
            }
            let _ = end.send(());
        });
        Collected { bytes, ended }
    }

    /// What was collected so far.
    fn bytes(&self) -> Vec<u8> {
        self.bytes
            .lock()
            .map(|bytes| bytes.clone())
            .unwrap_or_default()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Everything, once the pipe has closed (the child ended), or what came within a second.
    fn wait_for_end_bytes(&self) -> Vec<u8> {
        let _ = self.ended.recv_timeout(Duration::from_secs(1));
        self.bytes()
    }

    fn wait_for_end(&self) -> String {
        String::from_utf8_lossy(&self.wait_for_end_bytes()).into_owned()
    }
}
