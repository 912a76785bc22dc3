//! What the tests of every exercise share: starting the code under test, and the kit's side of
//! the conversation, every wait bounded.
//!
//! An exercise's tests (`lessons/lessonN-<slug>/exercises/tests/NAME.rs`) talk to the student's
//! code over real loopback sockets. For a server exercise, [`start_server`] runs the student's
//! code on a thread, listening on 127.0.0.1 on a free port, and the test connects to it as a
//! client; for a client exercise, the test listens and [`run_client`] runs the student's client
//! against it. Every read and write of the kit's side has a timeout ([`TIMEOUT`]), so that an
//! untouched `todo!()` or a server that never answers fails the test quickly instead of hanging.
//!
//! # Teacher mode: the code under test is a command
//!
//! The checker's `--server CMD` and `--client CMD` run the same tests against a program in any
//! language: the protocol is the contract, not the Rust code. The checker passes the command
//! line in [`SERVER_COMMAND_ENV`] or [`CLIENT_COMMAND_ENV`], and [`start_server`] and
//! [`run_client`] run it instead of the Rust code. The contract, for that program:
//!
//! - It runs with `sh -c COMMAND` in the directory the checker was started from, in a process
//!   group of its own, which is killed whole when the test ends.
//! - It learns its address from the placeholders `{host}`, `{port}` and `{addr}` (`HOST:PORT`)
//!   in the command line, replaced before it runs, or from the environment variables
//!   `SOCKET_LAB_HOST`, `SOCKET_LAB_PORT` and `SOCKET_LAB_ADDR`. A server listens there; a client
//!   connects there. The host is always 127.0.0.1.
//! - A server is ready when it prints the kit's `listening on HOST:PORT` line on stdout, or else
//!   as soon as a connection to its address succeeds (that probe connection is closed at once,
//!   without a byte). Each test starts the server anew, and the tests run one after another.
//! - A client gets the test's input on stdin, and what it prints on stdout is its result. It must
//!   exit by itself, with status 0, within [`CLIENT_TIMEOUT`].
//!
//! A test that can only check Rust code (it hands the student's function a special stream, say)
//! lives in a module named `rust_only` and starts the code with [`start_rust_server`]; the
//! checker skips that module in teacher mode.
//!
//! # Adversarial transports
//!
//! Over loopback, a short message written at once arrives at once, in one read: code that
//! assumes one read per message passes a polite test and fails on a real network. So the kit's
//! side writes the way a network delivers, on purpose, with [`send`] and a [`Pace`]:
//! [`Pace::Drip`] writes pieces of 1, 5 or 4096 bytes ([`DRIP_SIZES`]), each flushed at once
//! (`TCP_NODELAY`) and followed by a pause, so that the other side's reads end inside messages
//! and inside characters; [`Pace::Whole`] writes several messages in one `write_all` before
//! reading any answer, so that they arrive together, in one read. [`connect`] and
//! [`accept_one`] set `TCP_NODELAY`. [`StalledPeer`] is a peer that stops reading, for code that
//! must not assume its writes always go through. For Rust code only, [`ShortReads`] and
//! [`ShortWrites`] cut every read or write whatever the timing.
//!
//! # Steps
//!
//! A test drives a conversation and records it in [`Steps`]: each thing the kit's side did, and
//! each thing it expected. When an expectation is not met, the failure message lists the steps
//! in order, numbered, marks the one that failed with what came instead, and names the symptom
//! on its first line, which is what the checker shows (and what `verify` matches against each
//! planted mistake's metadata).

use std::env;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use crate::process::{self, ServerProcess};

/// How long the kit's side of a test waits for any one read or write.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// How long a client under test may take, from start to finish.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The environment variable through which the checker passes `--server CMD` to the tests.
pub const SERVER_COMMAND_ENV: &str = "SOCKET_LAB_SERVER";

/// The environment variable through which the checker passes `--client CMD` to the tests.
pub const CLIENT_COMMAND_ENV: &str = "SOCKET_LAB_CLIENT";

/// The directory a command runs in: where the teacher started the checker, so that a command
/// such as `python3 server.py {port}` finds its file. (Cargo runs tests in their package's
/// directory.)
pub const COMMAND_DIR_ENV: &str = "SOCKET_LAB_COMMAND_DIR";

/// The module that holds an exercise's tests that can only check Rust code; the checker skips
/// test names that start with it in teacher mode.
pub const RUST_ONLY: &str = "rust_only::";

/// The server under test, listening at [`Server::addr`]. A command is killed when this is
/// dropped; a Rust server's thread ends with the test process.
pub struct Server {
    addr: SocketAddr,
    process: Option<ServerProcess>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // When a test fails against a command, the command's own complaint (a Python traceback,
        // say) belongs in the test's output.
        if let Some(process) = &self.process {
            let stderr = process.stderr();
            if thread::panicking() && !stderr.trim().is_empty() {
                eprintln!("the server command wrote on stderr:\n{}", stderr.trim_end());
            }
        }
    }
}

/// Starts the server under test: `serve`, given a listener on 127.0.0.1 and a free port, on a
/// thread of its own; or in teacher mode, the command given with `--server`.
///
/// `serve` is the student's code wrapped in whatever the exercise provides around it, often
/// [`each_connection`].
pub fn start_server(serve: impl FnOnce(TcpListener) + Send + 'static) -> Server {
    match env::var(SERVER_COMMAND_ENV) {
        Ok(command_line) => start_command(&command_line),
        Err(_) => serve_in_process(serve),
    }
}

/// Starts the server under test like [`start_server`], once `before` has run with its address,
/// and returns what `before` returned: clients that `before` connects wait, handshake done, in
/// the listen backlog, and the server finds them all there at once, a burst that no timing of
/// the machine spreads out. In teacher mode the command is started first (it must be listening
/// before anyone can connect), and the burst comes as fast as `before` connects.
pub fn start_server_after<T>(
    before: impl FnOnce(SocketAddr) -> T,
    serve: impl FnOnce(TcpListener) + Send + 'static,
) -> (Server, T) {
    if let Ok(command_line) = env::var(SERVER_COMMAND_ENV) {
        let server = start_command(&command_line);
        let made = before(server.addr());
        return (server, made);
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen on 127.0.0.1");
    let addr = listener.local_addr().expect("the listener's address");
    let made = before(addr);
    thread::Builder::new()
        .name("server".into())
        .spawn(move || serve(listener))
        .expect("start the server's thread");
    let server = Server {
        addr,
        process: None,
    };
    (server, made)
}

/// Starts `serve` in this process, in teacher mode too: for the tests in `mod rust_only`.
///
/// Panics in teacher mode, where such a test would check the reference solution instead of the
/// command and pass for nothing; the checker skips `rust_only`, so this only fires when a test
/// that needs it was put outside that module.
pub fn start_rust_server(serve: impl FnOnce(TcpListener) + Send + 'static) -> Server {
    assert!(
        env::var_os(SERVER_COMMAND_ENV).is_none(),
        "this test checks Rust code, not a command: it belongs in `mod rust_only`"
    );
    serve_in_process(serve)
}

fn serve_in_process(serve: impl FnOnce(TcpListener) + Send + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen on 127.0.0.1");
    let addr = listener.local_addr().expect("the listener's address");
    thread::Builder::new()
        .name("server".into())
        .spawn(move || serve(listener))
        .expect("start the server's thread");
    Server {
        addr,
        process: None,
    }
}

fn start_command(command_line: &str) -> Server {
    let addr = free_addr();
    let process = ServerProcess::start_shell(command(command_line, addr), addr)
        .unwrap_or_else(|err| panic!("could not start the server `{command_line}`: {err}"));
    Server {
        addr: process.addr(),
        process: Some(process),
    }
}

/// Serves every connection `listener` accepts with `handle`, each on a thread of its own, the
/// way the kit's threaded server does (lesson 3).
///
/// This is the server most exercises wrap around a student's handler. A thread per connection
/// means a handler that hangs or panics spoils its own connection only. When a handler returns
/// an error, the error is printed: it then shows in the failing test's output.
pub fn each_connection<H>(listener: TcpListener, handle: H)
where
    H: Fn(TcpStream) -> io::Result<()> + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let handle = Arc::clone(&handle);
        let _ = thread::Builder::new().name("server".into()).spawn(move || {
            if let Err(err) = handle(conn) {
                eprintln!("the handler returned an error: {err}");
            }
        });
    }
}

/// Runs the client under test against `addr` and returns what it produced: what the student's
/// function returned, or in teacher mode what the `--client` command printed on stdout.
///
/// `input` is what a person would type: given to the function, piped to the command's stdin.
/// Err describes how the client failed (an error, a panic, a timeout, a non-zero exit).
pub fn run_client<F>(addr: SocketAddr, input: &[u8], client: F) -> Result<Vec<u8>, String>
where
    F: FnOnce(SocketAddr, Vec<u8>) -> io::Result<Vec<u8>> + Send + 'static,
{
    if let Ok(command_line) = env::var(CLIENT_COMMAND_ENV) {
        return run_client_command(&command_line, addr, input);
    }
    let (result, outcome) = mpsc::channel();
    let input = input.to_vec();
    thread::Builder::new()
        .name("client".into())
        .spawn(move || result.send(client(addr, input)))
        .expect("start the client's thread");
    match outcome.recv_timeout(CLIENT_TIMEOUT) {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(err)) => Err(format!("the client returned an error: {err}")),
        Err(RecvTimeoutError::Disconnected) => {
            Err("the client panicked (its message is above)".to_string())
        }
        Err(RecvTimeoutError::Timeout) => Err(format!(
            "the client had not returned after {}s",
            CLIENT_TIMEOUT.as_secs()
        )),
    }
}

fn run_client_command(
    command_line: &str,
    addr: SocketAddr,
    input: &[u8],
) -> Result<Vec<u8>, String> {
    let output = process::run_shell(command(command_line, addr), input, CLIENT_TIMEOUT)
        .map_err(|err| format!("the client `{command_line}`: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "the client `{command_line}` exited with {}; its stderr: {:?}",
            output.status, output.stderr
        ));
    }
    Ok(output.stdout)
}

/// The command for a command line given with `--server` or `--client`, told its address.
fn command(command_line: &str, addr: SocketAddr) -> std::process::Command {
    let mut command = process::shell(&fill_in(command_line, addr));
    command
        .env("SOCKET_LAB_HOST", addr.ip().to_string())
        .env("SOCKET_LAB_PORT", addr.port().to_string())
        .env("SOCKET_LAB_ADDR", addr.to_string());
    if let Some(dir) = env::var_os(COMMAND_DIR_ENV) {
        command.current_dir(PathBuf::from(dir));
    }
    command
}

/// Replaces `{host}`, `{port}` and `{addr}` in a command line with the parts of `addr`.
pub fn fill_in(command_line: &str, addr: SocketAddr) -> String {
    command_line
        .replace("{host}", &addr.ip().to_string())
        .replace("{port}", &addr.port().to_string())
        .replace("{addr}", &addr.to_string())
}

/// An address on 127.0.0.1 where nothing listens: a port the OS just handed out and we gave
/// back, for a command to listen on.
fn free_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("find a free port");
    listener.local_addr().expect("the free port")
}

/// Connects the kit's side of a test to the server under test, with [`TIMEOUT`] on every read
/// and write, and `TCP_NODELAY`: each write leaves at once, as [`send`] needs.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .unwrap_or_else(|err| panic!("could not connect to the server at {addr}: {err}"));
    bound(&stream);
    stream
        .set_nodelay(true)
        .expect("set TCP_NODELAY on the socket");
    stream
}

/// Accepts one connection on the kit's listener (the client under test connecting), bounded and
/// with `TCP_NODELAY`, like [`connect`]'s; None if no client came within [`CLIENT_TIMEOUT`].
pub fn accept_one(listener: &TcpListener) -> Option<TcpStream> {
    // Non-blocking only while it waits, so that the wait has an end.
    listener
        .set_nonblocking(true)
        .expect("make the listener non-blocking");
    let deadline = std::time::Instant::now() + CLIENT_TIMEOUT;
    let accepted = loop {
        match listener.accept() {
            Ok((stream, _)) => break Some(stream),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                if std::time::Instant::now() >= deadline {
                    break None;
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break None,
        }
    };
    listener
        .set_nonblocking(false)
        .expect("make the listener blocking again");
    let stream = accepted?;
    // On some systems an accepted socket inherits the listener's non-blocking mode.
    stream
        .set_nonblocking(false)
        .expect("make the connection blocking");
    bound(&stream);
    stream
        .set_nodelay(true)
        .expect("set TCP_NODELAY on the socket");
    Some(stream)
}

/// How the kit's side writes bytes to the code under test: see [`send`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pace {
    /// All the bytes in one `write_all`. Several messages sent this way arrive together: on
    /// loopback, up to 64 KiB written at once is one segment, and one read takes all of it.
    Whole,
    /// Pieces of this many bytes, one write each, flushed at once and followed by [`DRIP_PAUSE`],
    /// so that a read waiting on the other side returns after each piece.
    Drip(usize),
}

/// The piece sizes a test drips with: one byte (every character cut), a few bytes (lines and
/// headers cut), and 4096 bytes (a long message cut into reads of a common buffer size).
pub const DRIP_SIZES: [usize; 3] = [1, 5, 4096];

/// The pause after each piece of [`Pace::Drip`]: long enough that a reader that was waiting has
/// taken the piece before the next one comes, on a busy machine too.
pub const DRIP_PAUSE: Duration = Duration::from_millis(15);

impl fmt::Display for Pace {
    /// `in one write`, `1 byte per write`, `4096 bytes per write`.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Pace::Whole => write!(f, "in one write"),
            Pace::Drip(1) => write!(f, "1 byte per write"),
            Pace::Drip(size) => write!(f, "{size} bytes per write"),
        }
    }
}

/// Writes `data` to `stream` at `pace`. The stream should have `TCP_NODELAY` set, as
/// [`connect`] and [`accept_one`] do, or small pieces may wait for each other.
pub fn send(stream: &mut TcpStream, data: &[u8], pace: Pace) -> io::Result<()> {
    match pace {
        Pace::Whole => stream.write_all(data),
        Pace::Drip(size) => {
            for (index, piece) in data.chunks(size.max(1)).enumerate() {
                if index > 0 {
                    thread::sleep(DRIP_PAUSE);
                }
                stream.write_all(piece)?;
                stream.flush()?;
            }
            Ok(())
        }
    }
}

/// Why a write of the kit's side to `peer` (`the server`) failed, in words for a failure
/// message that are the same on every run: a closed connection shows as "broken pipe" or as
/// "connection reset" depending on timing, and both are told as the close.
pub fn write_failure(peer: &str, err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted => {
            format!("{peer} closed the connection before all of it was sent")
        }
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => format!(
            "{peer} took nothing for {}s: it had stopped reading",
            TIMEOUT.as_secs()
        ),
        _ => format!("writing failed: {err}"),
    }
}

/// A peer that stops reading: a listener on 127.0.0.1 that accepts every connection with a
/// small receive buffer and never reads from it. What a client writes to it soon fills both
/// the peer's receive buffer and the client's send buffer, and then a write blocks, or, with a
/// timeout or in non-blocking mode, fails or takes only part: code that assumes every write
/// goes through whole is found out.
pub struct StalledPeer {
    addr: SocketAddr,
    accepted: Arc<std::sync::Mutex<Vec<TcpStream>>>,
}

impl StalledPeer {
    /// The receive buffer asked for (the kernel rounds it up, to a few KiB at least).
    pub const RECEIVE_BUFFER: usize = 4096;

    pub fn start() -> StalledPeer {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("make a socket");
        // Set before listen, so that every accepted connection has it from its handshake.
        socket
            .set_recv_buffer_size(Self::RECEIVE_BUFFER)
            .expect("set the receive buffer's size");
        socket
            .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .expect("listen on 127.0.0.1");
        socket.listen(16).expect("listen");
        let listener: TcpListener = socket.into();
        let addr = listener.local_addr().expect("the listener's address");
        let accepted = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = Arc::clone(&accepted);
        thread::Builder::new()
            .name("stalled peer".into())
            .spawn(move || {
                for conn in listener.incoming().flatten() {
                    // Held open, never read.
                    kept.lock().expect("the stalled peer's lock").push(conn);
                }
            })
            .expect("start the stalled peer's thread");
        StalledPeer { addr, accepted }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections it has accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.lock().expect("the stalled peer's lock").len()
    }
}

/// Connects to `addr` with a small receive buffer, and [`connect`]'s timeouts: a client that
/// can stop reading (it simply does not call `read`) and soon makes the server's writes wait.
pub fn connect_with_small_buffer(addr: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .expect("make a socket");
    socket
        .set_recv_buffer_size(StalledPeer::RECEIVE_BUFFER)
        .expect("set the receive buffer's size");
    socket
        .connect_timeout(&addr.into(), TIMEOUT)
        .unwrap_or_else(|err| panic!("could not connect to the server at {addr}: {err}"));
    let stream: TcpStream = socket.into();
    bound(&stream);
    stream
        .set_nodelay(true)
        .expect("set TCP_NODELAY on the socket");
    stream
}

/// The conversation a test drives, step by step, for its failure message.
///
/// Each step is something the kit's side did (`did`) or expected and got (`got`). When an
/// expectation is not met, [`Steps::failed`] panics with a message that names the symptom on
/// its first line, then lists the steps in order, numbered, the failed one marked with `>` and
/// followed by what happened instead:
///
/// ```text
/// step 5 failed: more arrived: the server must send back only what it received
///   1. connect to the server
///   2. send b"hello" (5 bytes), in one write
///   3. expect b"hello" (5 bytes) back: ok
///   4. close the sending side (the other side's read returns 0)
/// > 5. expect the server to close the connection, with nothing more
///      instead: b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"... (1019 bytes), then the close
/// ```
#[derive(Debug)]
pub struct Steps {
    done: Vec<String>,
    /// Who the kit's side talks to, for the messages: `the server`, `the client`.
    peer: &'static str,
}

impl Default for Steps {
    fn default() -> Self {
        Steps {
            done: Vec::new(),
            peer: "the other side",
        }
    }
}

/// The most steps a failure message lists before the failed one: the ones before are counted,
/// not shown, so that the message fits the checker's excerpt.
const STEPS_SHOWN: usize = 12;

impl Steps {
    pub fn new() -> Steps {
        Steps::default()
    }

    /// Records a step the kit's side did, with nothing to expect: `connect to the server`.
    pub fn did(&mut self, action: impl fmt::Display) {
        self.done.push(action.to_string());
    }

    /// Records a step whose expectation was met: `expect b"hello" back` shows as
    /// `expect b"hello" back: ok`.
    pub fn got(&mut self, expectation: impl fmt::Display) {
        self.done.push(format!("{expectation}: ok"));
    }

    /// The step now being taken failed: panics with the conversation. `step` says what the kit
    /// did or expected, `came` what happened instead, `symptom` what it means, in words that
    /// name the mistake's effect (`verify` looks for them).
    #[track_caller]
    pub fn failed(
        &self,
        step: impl fmt::Display,
        came: impl fmt::Display,
        symptom: impl fmt::Display,
    ) -> ! {
        panic!(
            "{}",
            self.report(&step.to_string(), &came.to_string(), &symptom.to_string())
        )
    }

    /// The failure message [`Steps::failed`] panics with.
    ///
    /// The numbers are right-aligned to the failed step's, so that every step's text, and what
    /// came instead, start in one column: `   9. ...`, then `> 10. ...`.
    pub fn report(&self, step: &str, came: &str, symptom: &str) -> String {
        let number = self.done.len() + 1;
        let width = number.to_string().len();
        let mut text = format!("step {number} failed: {symptom}\n");
        let skipped = self.done.len().saturating_sub(STEPS_SHOWN);
        if skipped > 0 {
            text += &format!("  (steps 1 to {skipped} went as expected)\n");
        }
        for (index, done) in self.done.iter().enumerate().skip(skipped) {
            text += &format!("  {:>width$}. {done}\n", index + 1);
        }
        let indent = " ".repeat(format!("> {number}. ").len());
        text += &format!("> {number}. {step}\n{indent}instead: {came}");
        text
    }

    /// Connects to the server under test, as [`connect`] does: `connect to the server`.
    #[track_caller]
    pub fn connect(&mut self, addr: SocketAddr) -> TcpStream {
        self.peer = "the server";
        let stream = connect(addr);
        self.did("connect to the server");
        stream
    }

    /// Accepts the client under test on the kit's listener, as [`accept_one`] does.
    #[track_caller]
    pub fn accept(&mut self, listener: &TcpListener) -> TcpStream {
        self.peer = "the client";
        let step = "accept the client's connection";
        match accept_one(listener) {
            Some(stream) => {
                self.did(step);
                stream
            }
            None => self.failed(
                step,
                format!("no client connected within {}s", CLIENT_TIMEOUT.as_secs()),
                "the client never connected",
            ),
        }
    }

    /// Sends `data` at `pace`, as [`send`] does; a write that fails is the failed step.
    /// `what` names the data for the list: `b"hello" (5 bytes)`, or `100000 bytes`.
    #[track_caller]
    pub fn send(&mut self, stream: &mut TcpStream, data: &[u8], pace: Pace, what: &str) {
        let step = format!("send {what}, {pace}");
        if let Err(err) = send(stream, data, pace) {
            let came = match err.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => "a write waited in vain",
                _ => "a write failed",
            };
            self.failed(&step, came, write_failure(self.peer, &err));
        }
        self.did(step);
    }

    /// Closes the kit's sending side: the other side's next read returns 0.
    #[track_caller]
    pub fn shut_down_sending(&mut self, stream: &TcpStream) {
        let step = "close the sending side (the other side's read returns 0)";
        if let Err(err) = stream.shutdown(std::net::Shutdown::Write) {
            self.failed(
                step,
                err,
                format!("the connection was gone: {} had closed it", self.peer),
            );
        }
        self.did(step);
    }

    /// Closes the kit's sending side, then expects the other side to close the connection in
    /// turn, with nothing more: what a server that serves until its client is done must do.
    /// `more` is the symptom when more bytes came, `not_closed` when the connection stayed open
    /// for [`TIMEOUT`].
    #[track_caller]
    pub fn close_and_expect_the_close(
        &mut self,
        stream: &mut TcpStream,
        more: &str,
        not_closed: &str,
    ) {
        self.shut_down_sending(stream);
        let step = format!(
            "expect {} to close the connection, with nothing more",
            self.peer
        );
        match read_until_closed(stream) {
            Ok(came) if came.is_empty() => self.got(step),
            Ok(came) => self.failed(step, format!("{}, then the close", shown(&came)), more),
            Err(Short { received, ended }) if received.is_empty() => {
                let symptom = match ended {
                    Ended::TimedOut => not_closed,
                    _ => "the connection failed",
                };
                self.failed(step, &ended, symptom)
            }
            Err(short) => self.failed(step, &short, more),
        }
    }
}

/// Data for a step of [`Steps`]: `b"hello" (5 bytes)`, or the start of it and its size.
pub fn shown(data: &[u8]) -> String {
    if data.len() <= 16 {
        format!("{} ({} bytes)", crate::demo::bytes(data), data.len())
    } else {
        preview(data)
    }
}

/// Puts [`TIMEOUT`] on a stream's reads and writes, so that no wait on it is endless.
pub fn bound(stream: &TcpStream) {
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .expect("set the socket's timeouts");
}

/// How a read on the kit's side ended before it got what it was waiting for.
#[derive(Debug)]
pub enum Ended {
    /// The other side closed the connection: read returned 0, or failed with "connection reset"
    /// because the other side closed while data it had not read was waiting. Which of the two
    /// a test sees can depend on timing, and both mean the other side is gone, so they are one.
    Closed,
    /// Nothing arrived for [`TIMEOUT`].
    TimedOut,
    /// Any other error.
    Failed(io::Error),
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Ended::Closed => write!(f, "the connection was closed"),
            Ended::TimedOut => write!(f, "nothing more arrived for {}s", TIMEOUT.as_secs()),
            Ended::Failed(err) => write!(f, "reading failed: {err}"),
        }
    }
}

/// The error of a read or a write of the kit's side, told the same way on every run: a timeout
/// is [`Ended::TimedOut`]; the other side's close, which shows as a reset, an abort, an early end
/// (`UnexpectedEof`, from `read_exact`) or a broken pipe (a write) depending on timing and on the
/// call, is [`Ended::Closed`].
impl From<io::Error> for Ended {
    fn from(err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Ended::TimedOut,
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::BrokenPipe => Ended::Closed,
            _ => Ended::Failed(err),
        }
    }
}

impl Ended {
    /// What came instead of an answer, for the `instead:` of a step that waited for one:
    /// `nothing came for 5s`, `the connection was closed`, or the error.
    pub fn instead_of_an_answer(&self) -> String {
        match self {
            Ended::TimedOut => format!("nothing came for {}s", TIMEOUT.as_secs()),
            Ended::Closed => "the connection was closed".to_string(),
            Ended::Failed(err) => err.to_string(),
        }
    }
}

/// What arrived before a read ended short, and how it ended.
#[derive(Debug)]
pub struct Short {
    pub received: Vec<u8>,
    pub ended: Ended,
}

/// In words for a failure message: `b"hel" came, then the connection was closed`, or
/// `nothing arrived for 5s`.
impl fmt::Display for Short {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if !self.received.is_empty() {
            return write!(f, "{} came, then {}", preview(&self.received), self.ended);
        }
        match &self.ended {
            Ended::Closed => write!(f, "the connection was closed without a byte"),
            Ended::TimedOut => write!(f, "nothing arrived for {}s", TIMEOUT.as_secs()),
            Ended::Failed(err) => write!(f, "reading failed: {err}"),
        }
    }
}

/// Reads exactly `len` bytes, however many reads they take.
pub fn read_exactly(stream: &mut TcpStream, len: usize) -> Result<Vec<u8>, Short> {
    let mut received = Vec::with_capacity(len);
    let mut buf = [0u8; 4096];
    while received.len() < len {
        let want = (len - received.len()).min(buf.len());
        match stream.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(Short {
                    received,
                    ended: Ended::Closed,
                });
            }
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                return Err(Short {
                    received,
                    ended: err.into(),
                });
            }
        }
    }
    Ok(received)
}

/// Reads until the other side closes the connection, and returns everything that arrived.
///
/// Err when the connection ended any other way (a reset, a timeout), with what had arrived.
pub fn read_until_closed(stream: &mut TcpStream) -> Result<Vec<u8>, Short> {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(received),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                return Err(Short {
                    received,
                    ended: err.into(),
                });
            }
        }
    }
}

/// Reads one line: up to and including the first `\n`, however many reads it takes.
///
/// It reads a byte at a time, so that nothing after the line is taken from the stream: the next
/// line, or the close, is left for the next read.
pub fn read_line(stream: &mut TcpStream) -> Result<Vec<u8>, Short> {
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while received.last() != Some(&b'\n') {
        match stream.read(&mut byte) {
            Ok(0) => {
                return Err(Short {
                    received,
                    ended: Ended::Closed,
                });
            }
            Ok(_) => received.push(byte[0]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                return Err(Short {
                    received,
                    ended: err.into(),
                });
            }
        }
    }
    Ok(received)
}

/// How `received` differs from `expected`, in words for a failure message; None if it does not.
pub fn difference(expected: &[u8], received: &[u8]) -> Option<String> {
    let same = expected
        .iter()
        .zip(received)
        .take_while(|(a, b)| a == b)
        .count();
    if same == expected.len() && same == received.len() {
        None
    } else if same == received.len() {
        Some(format!(
            "only the first {same} of the {} bytes came",
            expected.len()
        ))
    } else if same == expected.len() {
        Some(format!(
            "all {same} bytes came, then {} more: {}",
            received.len() - same,
            preview(&received[same..])
        ))
    } else {
        Some(format!(
            "{} bytes came, and they differ from the {} expected from byte {same} on",
            received.len(),
            expected.len()
        ))
    }
}

/// Bytes for a failure message: like [`crate::demo::bytes`], cut after 16 bytes, with the count.
pub fn preview(data: &[u8]) -> String {
    const SHOWN: usize = 16;
    if data.len() <= SHOWN {
        crate::demo::bytes(data)
    } else {
        format!(
            "{}... ({} bytes)",
            crate::demo::bytes(&data[..SHOWN]),
            data.len()
        )
    }
}

/// A fixed sequence of pseudo-random numbers (Marsaglia's 32-bit xorshift, shifts 13, 17 and
/// 5): test data with no pattern that repeats, the same on every run, so that a piece lost,
/// doubled or moved shows as a difference.
pub struct Xorshift(u32);

impl Xorshift {
    /// The sequence that `seed` starts, which must not be 0 (0 would stay 0).
    pub fn new(seed: u32) -> Xorshift {
        assert_ne!(seed, 0, "a xorshift sequence cannot start at 0");
        Xorshift(seed)
    }
}

impl Iterator for Xorshift {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        Some(self.0)
    }
}

/// A stream whose `write` takes at most `limit` bytes per call, as a socket's does when the
/// kernel's send buffer is nearly full (lesson 6 shows one). Reads pass through unchanged.
///
/// Code that ignores the count `write` returns loses data on it; `write_all` does not.
pub struct ShortWrites<S> {
    inner: S,
    limit: usize,
}

impl<S> ShortWrites<S> {
    pub fn new(inner: S, limit: usize) -> Self {
        ShortWrites { inner, limit }
    }
}

impl<S: Read> Read for ShortWrites<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S: Write> Write for ShortWrites<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = buf.len().min(self.limit);
        self.inner.write(&buf[..len])
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A stream whose `read` returns at most `limit` bytes per call, as a socket's does when the
/// bytes trickle in one packet at a time: however the peer wrote them, each read ends `limit`
/// bytes after the previous one. Writes pass through unchanged.
///
/// Over a real socket, where a read ends depends on timing; here it does not, so a test that
/// uses it fails the same way on every run. Code that takes one read for a whole message, or for
/// whole characters (lesson 2), breaks on it.
pub struct ShortReads<S> {
    inner: S,
    limit: usize,
}

impl<S> ShortReads<S> {
    pub fn new(inner: S, limit: usize) -> Self {
        ShortReads { inner, limit }
    }
}

impl<S: Read> Read for ShortReads<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len().min(self.limit);
        self.inner.read(&mut buf[..len])
    }
}

impl<S: Write> Write for ShortReads<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_in() {
        let addr: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        assert_eq!(
            fill_in("python3 s.py {host} {port} --addr {addr}", addr),
            "python3 s.py 127.0.0.1 4321 --addr 127.0.0.1:4321"
        );
        assert_eq!(fill_in("./server", addr), "./server");
    }

    #[test]
    fn a_preview_cuts_long_data() {
        assert_eq!(preview(b"hello"), r#"b"hello""#);
        assert_eq!(
            preview(&[0u8; 30]),
            format!("b\"{}\"... (30 bytes)", r"\x00".repeat(16))
        );
    }

    #[test]
    fn differences_are_told_in_words() {
        assert_eq!(difference(b"hello", b"hello"), None);
        assert_eq!(
            difference(b"hello", b"hel").unwrap(),
            "only the first 3 of the 5 bytes came"
        );
        assert_eq!(
            difference(b"hello", b"hello\0\0").unwrap(),
            r#"all 5 bytes came, then 2 more: b"\x00\x00""#
        );
        assert_eq!(
            difference(b"hello", b"help").unwrap(),
            "4 bytes came, and they differ from the 5 expected from byte 3 on"
        );
    }

    #[test]
    fn short_writes_take_at_most_the_limit() {
        let mut stream = ShortWrites::new(Vec::new(), 3);
        assert_eq!(stream.write(b"hello").unwrap(), 3);
        stream.write_all(b"hello").unwrap();
        assert_eq!(stream.inner, b"helhello");
    }

    #[test]
    fn short_reads_return_at_most_the_limit() {
        let mut stream = ShortReads::new(&b"hello"[..], 2);
        let mut buf = [0u8; 16];
        assert_eq!(stream.read(&mut buf).unwrap(), 2);
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"llo");
    }

    #[test]
    fn a_failure_lists_the_steps_and_marks_the_failed_one() {
        let mut steps = Steps::new();
        steps.did("connect to the server");
        steps.got("expect b\"hi\" back");
        assert_eq!(
            steps.report("expect the close", "b\"x\"", "more arrived"),
            "step 3 failed: more arrived\n  1. connect to the server\n  \
             2. expect b\"hi\" back: ok\n> 3. expect the close\n     instead: b\"x\""
        );
        for _ in 0..7 {
            steps.did("send");
        }
        // Steps 1 to 9 under step 10: one column for every step's text, and for what came.
        assert_eq!(
            steps.report("expect the close", "b\"x\"", "why"),
            "step 10 failed: why\n   1. connect to the server\n   \
             2. expect b\"hi\" back: ok\n   3. send\n   4. send\n   5. send\n   6. send\n   \
             7. send\n   8. send\n   9. send\n> 10. expect the close\n      instead: b\"x\""
        );
        for _ in 0..13 {
            steps.did("send");
        }
        let long = steps.report("expect", "nothing", "why");
        assert!(
            long.starts_with(
                "step 23 failed: why\n  (steps 1 to 10 went as expected)\n  11. send\n"
            ),
            "{long}"
        );
    }

    #[test]
    fn drip_fed_pieces_each_end_a_read() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = thread::spawn(move || {
            let mut stream = connect(addr);
            send(&mut stream, b"hello", Pace::Drip(2)).unwrap();
        });
        let (mut conn, _) = listener.accept().unwrap();
        bound(&conn);
        let mut reads = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            let n = conn.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            reads.push(buf[..n].to_vec());
        }
        writer.join().unwrap();
        // Reads may end earlier than a piece (never here on loopback), but never take two.
        assert!(reads.iter().all(|read| read.len() <= 2), "{reads:?}");
        assert_eq!(reads.concat(), b"hello");
    }

    #[test]
    fn a_write_to_a_client_that_left_is_the_failed_step() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let client = thread::spawn(move || drop(TcpStream::connect(addr).unwrap()));
        let mut steps = Steps::new();
        let mut conn = steps.accept(&listener);
        client.join().unwrap();
        // The first write after the client's close may go through; the reset it causes makes a
        // later one fail.
        let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for _ in 0..50 {
                steps.send(&mut conn, b"hello", Pace::Whole, "b\"hello\"");
                thread::sleep(Duration::from_millis(10));
            }
        }))
        .expect_err("writing to a closed connection fails");
        let message = failure.downcast_ref::<String>().unwrap();
        assert!(
            message.contains("failed: the client closed the connection before all of it was sent\n  1. accept the client's connection\n"),
            "{message}"
        );
    }

    #[test]
    fn a_stalled_peer_makes_writes_wait() {
        let peer = StalledPeer::start();
        let mut stream = TcpStream::connect(peer.addr()).unwrap();
        stream
            .set_write_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut written = 0usize;
        let err = loop {
            match stream.write(&[0u8; 65536]) {
                Ok(n) => written += n,
                Err(err) => break err,
            }
            assert!(written < 64 << 20, "64 MiB went to a peer that never reads");
        };
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
            "{err}"
        );
        assert_eq!(peer.connections(), 1);
    }

    #[test]
    fn xorshift_gives_marsaglias_sequence() {
        let first: Vec<u32> = Xorshift::new(1).take(2).collect();
        assert_eq!(first, [270369, 67634689]);
    }

    #[test]
    fn a_request_that_ended_without_an_answer_is_told_in_words() {
        let told = |kind: io::ErrorKind| Ended::from(io::Error::from(kind)).instead_of_an_answer();
        assert_eq!(told(io::ErrorKind::WouldBlock), "nothing came for 5s");
        for kind in [
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::BrokenPipe,
        ] {
            assert_eq!(told(kind), "the connection was closed");
        }
        let other = io::Error::new(io::ErrorKind::InvalidData, "not JSON");
        assert_eq!(Ended::from(other).instead_of_an_answer(), "not JSON");
    }

    #[test]
    fn a_short_read_is_told_in_words() {
        let short = |received: &[u8], ended| Short {
            received: received.to_vec(),
            ended,
        };
        assert_eq!(
            short(b"hel", Ended::Closed).to_string(),
            r#"b"hel" came, then the connection was closed"#
        );
        assert_eq!(
            short(b"", Ended::TimedOut).to_string(),
            "nothing arrived for 5s"
        );
        assert_eq!(
            short(b"", Ended::Closed).to_string(),
            "the connection was closed without a byte"
        );
    }
}
