//! The tests of exercise `ask_all`. Check your file with `cargo lab check lesson3`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's servers are lesson 3's own threaded server, with a handler that answers only once
//! every server of the test has been asked, and the last server first. A client that asks them
//! one after the other is found out by that order, not by a clock: the first server it asks
//! waits for the others, gives up after a few seconds, and says so in its answer.

#[cfg_attr(feature = "solution", path = "../solutions/ask_all.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/ask_all_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/ask_all_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/ask_all_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/ask_all_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/ask_all_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../ask_all.rs"
)]
mod ask_all;

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use socket_lab::exercise::{CLIENT_TIMEOUT, Steps, TIMEOUT};

/// What the kit's servers of one test know of each other.
struct Meeting {
    servers: usize,
    progress: Mutex<Progress>,
    changed: Condvar,
}

#[derive(Default)]
struct Progress {
    asked: usize,
    answered: usize,
    /// A server waited [`TIMEOUT`] for the others to be asked, in vain: no server waits again.
    gave_up: bool,
}

impl Meeting {
    fn new(servers: usize) -> Self {
        Meeting {
            servers,
            progress: Mutex::new(Progress::default()),
            changed: Condvar::new(),
        }
    }

    /// Called by the server `index` once it has been asked. Waits until every server has been
    /// asked, then until every server after this one has answered, each time for [`TIMEOUT`]
    /// at most. Err(how many servers had been asked) if not all of them were.
    fn wait_for_turn(&self, index: usize) -> Result<(), usize> {
        let mut progress = self.progress.lock().expect("the meeting's lock");
        progress.asked += 1;
        self.changed.notify_all();
        let (mut progress, _) = self
            .changed
            .wait_timeout_while(progress, TIMEOUT, |p| p.asked < self.servers && !p.gave_up)
            .expect("the meeting's lock");
        if progress.asked < self.servers {
            progress.gave_up = true;
            self.changed.notify_all();
            return Err(progress.asked);
        }
        let after_this_one = self.servers - 1 - index;
        let _ = self
            .changed
            .wait_timeout_while(progress, TIMEOUT, |p| p.answered < after_this_one)
            .expect("the meeting's lock");
        Ok(())
    }

    fn answered(&self) {
        self.progress.lock().expect("the meeting's lock").answered += 1;
        self.changed.notify_all();
    }
}

/// The handler of one kit server: reads one message with lesson 3's `read_message`, waits its
/// turn, and answers, saying which server it is.
struct WaitForTheOthers {
    index: usize,
    meeting: Arc<Meeting>,
}

impl lesson3::Handler for WaitForTheOthers {
    fn handle(&self, mut request: TcpStream, _client_address: SocketAddr) -> io::Result<()> {
        let message = lesson3::read_message(&mut request)?;
        let number = self.index + 1;
        let answer = match self.meeting.wait_for_turn(self.index) {
            Ok(()) => format!("server {number} received {message:?}"),
            Err(asked) => format!(
                "server {number} answered before all were asked: only {asked} of the {} had been",
                self.meeting.servers
            ),
        };
        let written = request.write_all(answer.as_bytes());
        self.meeting.answered();
        written
    }
}

/// Starts `count` servers, lesson 3's `serve_threaded` each, that meet before they answer.
fn start_servers(count: usize) -> Vec<SocketAddr> {
    let meeting = Arc::new(Meeting::new(count));
    (0..count)
        .map(|index| {
            let listener = TcpListener::bind("127.0.0.1:0").expect("listen on 127.0.0.1");
            let addr = listener.local_addr().expect("the listener's address");
            let handler = Arc::new(WaitForTheOthers {
                index,
                meeting: Arc::clone(&meeting),
            });
            thread::spawn(move || lesson3::serve_threaded(&listener, handler));
            addr
        })
        .collect()
}

/// An address on 127.0.0.1 where nothing listens: a port the OS just handed out, given back.
fn nothing_listens() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("find a free port");
    listener.local_addr().expect("the free port")
}

/// Runs `ask_all` on a thread, and waits for it [`CLIENT_TIMEOUT`] at most; a panic or a
/// timeout is the failed step.
fn run_ask_all(
    steps: &mut Steps,
    servers: &[SocketAddr],
    message: &str,
) -> io::Result<Vec<Vec<u8>>> {
    let (result, outcome) = mpsc::channel();
    let (servers, message) = (servers.to_vec(), message.to_string());
    let call = format!("call ask_all(servers, {message:?})");
    thread::Builder::new()
        .name("client".into())
        .spawn(move || result.send(ask_all::ask_all(&servers, &message)))
        .expect("start the client's thread");
    match outcome.recv_timeout(CLIENT_TIMEOUT) {
        Ok(returned) => {
            steps.did(call);
            returned
        }
        Err(RecvTimeoutError::Disconnected) => steps.failed(
            call,
            "a panic (its message is above)",
            "ask_all panicked: an error it meets is for its caller, as an Err",
        ),
        Err(RecvTimeoutError::Timeout) => steps.failed(
            call,
            format!("it had not returned after {}s", CLIENT_TIMEOUT.as_secs()),
            "ask_all never returned",
        ),
    }
}

/// Answers as text, for a failure message.
fn texts(answers: &[Vec<u8>]) -> Vec<String> {
    answers
        .iter()
        .map(|answer| String::from_utf8_lossy(answer).into_owned())
        .collect()
}

fn expect_answers(count: usize, servers_are: &str) {
    let mut steps = Steps::new();
    let servers = start_servers(count);
    steps.did(format!("start {servers_are}"));
    let expected: Vec<String> = (1..=count)
        .map(|number| format!("server {number} received \"hello\""))
        .collect();
    let step = format!("expect the answers, in the order of the servers: {expected:?}");
    match run_ask_all(&mut steps, &servers, "hello") {
        Ok(answers) if texts(&answers) == expected => steps.got(step),
        Ok(answers) => {
            let mut sorted = texts(&answers);
            sorted.sort();
            let symptom = if sorted == expected {
                "the answers are not in the order of `servers`"
            } else if texts(&answers)
                .iter()
                .any(|answer| answer.contains("before all were asked"))
            {
                "a server was asked only after another had answered: they must be asked at once"
            } else {
                "the answers are not the servers' answers"
            };
            steps.failed(step, format!("{:?}", texts(&answers)), symptom)
        }
        Err(err) => steps.failed(
            step,
            format!("the error {err}"),
            "ask_all returned an error",
        ),
    }
}

#[test]
fn one_server_is_asked_and_answers() {
    expect_answers(1, "one server");
}

#[test]
fn every_server_is_asked_before_any_answers() {
    expect_answers(
        3,
        "3 servers, which answer only once all 3 have been asked, server 3 first and server 1 last",
    );
}

#[test]
fn a_server_that_cannot_be_reached_is_an_error() {
    let mut steps = Steps::new();
    let servers = [nothing_listens(), start_servers(1)[0]];
    steps.did("start one server, after an address where nothing listens");
    let step = "expect an error: the first address cannot be reached";
    match run_ask_all(&mut steps, &servers, "hello") {
        Err(_) => steps.got(step),
        Ok(answers) => steps.failed(
            step,
            format!("the answers {:?}", texts(&answers)),
            "ask_all returned answers, not an error, though a server could not be reached",
        ),
    }
}
