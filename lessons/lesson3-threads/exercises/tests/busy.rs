//! The tests of exercise `busy`. Check your file with `cargo run -- check lesson3`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! Real clients connect to the server, held open as long as a test needs; what each is told
//! first, `welcome` or `busy`, shows how many places the server thinks are taken. The tests
//! prove the limit by the order of events, never by timing: three clients are welcomed and stay,
//! so the fourth must be told busy; one leaves, so a new one must be welcomed.
//!
//! They speak only over the socket, so a teacher can run them against a server in any language:
//! `cargo run -- check lesson3 busy --server "CMD"`. That server serves at most 3 clients at
//! once; its handler reads one message with one recv(1024), answers `received "MESSAGE"` and
//! closes, and on the message `panic` fails and closes without an answer, as lesson 3's handler
//! does. A client that closes without sending anything, like the checker's probe connection,
//! must cost it a place only until its handler has ended: the tests retry a client told busy
//! while fewer than 3 are connected, for a few seconds, before they fail.

#[cfg_attr(feature = "solution", path = "../solutions/busy.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/busy.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../busy.rs"
)]
mod busy;

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use socket_lab::exercise::{self, Server, TIMEOUT, preview};

/// The most clients the server under test may serve at once.
const MAX_CLIENTS: usize = 3;

const WELCOME: &[u8] = b"welcome\n";
const BUSY: &[u8] = b"busy, try again later\n";

/// The handler of lesson 3's server, made of the lesson's own pieces, without its printing: one
/// message, one answer, and a panic on `panic`.
struct AnswerOnce;

impl lesson3::Handler for AnswerOnce {
    fn handle(&self, mut request: TcpStream, _client_address: SocketAddr) -> io::Result<()> {
        let message = lesson3::read_message(&mut request)?;
        lesson3::answer(&mut request, &message)
    }
}

fn start_busy_server() -> Server {
    exercise::start_server(|listener| {
        busy::serve_at_most(&listener, MAX_CLIENTS, Arc::new(AnswerOnce))
    })
}

/// A client of a test: its name for the failure messages, and its connection.
struct Client {
    name: String,
    conn: TcpStream,
}

/// Connects a client, without a port in the failure message: it would change on every run.
fn connect(server: &Server, name: &str) -> Client {
    let conn = TcpStream::connect_timeout(&server.addr(), TIMEOUT)
        .unwrap_or_else(|err| panic!("{name} could not connect to the server: {err}"));
    exercise::bound(&conn);
    Client {
        name: name.to_string(),
        conn,
    }
}

/// Text for a failure message: `"welcome\n"`.
fn quoted(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(text) => format!("{text:?}"),
        Err(_) => preview(data),
    }
}

/// The first line the server sends a client: WELCOME or BUSY, if it is right.
fn first_line(client: &mut Client, context: &str) -> Vec<u8> {
    exercise::read_line(&mut client.conn).unwrap_or_else(|short| {
        panic!(
            "{context}, {} connected and waited for {} or {}; {short}",
            client.name,
            quoted(WELCOME),
            quoted(BUSY)
        )
    })
}

/// Connects a client and expects it to be told busy, and its connection closed.
fn told_busy(server: &Server, name: &str, context: &str) {
    let mut client = connect(server, name);
    let line = first_line(&mut client, context);
    assert!(
        line == BUSY,
        "{context}, {name} connected and was told {}, not {}",
        quoted(&line),
        quoted(BUSY)
    );
    match exercise::read_until_closed(&mut client.conn) {
        Ok(more) => assert!(
            more.is_empty(),
            "{name} was told busy, and then {} more came",
            quoted(&more)
        ),
        Err(short) => panic!(
            "{name} was told busy, and waited for the server to close the connection; {short}"
        ),
    }
}

/// Connects a client and expects it to be welcomed, at once or after a few tries that are told
/// busy; `context` says why it should be. A handler's thread gives its place back a moment after
/// its client has seen the connection close, and a new client may come within that moment.
fn welcomed(server: &Server, name: &str, context: &str) -> Client {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut client = connect(server, name);
        let line = first_line(&mut client, context);
        if line == WELCOME {
            return client;
        }
        assert!(
            line == BUSY,
            "{context}, {name} connected and was told {}, not {} or {}",
            quoted(&line),
            quoted(WELCOME),
            quoted(BUSY)
        );
        assert!(
            Instant::now() < deadline,
            "{context}, {name} was told busy on every try for {}s, though fewer than \
             {MAX_CLIENTS} clients were connected",
            TIMEOUT.as_secs()
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `message` and expects the handler's answer, then the close.
fn ask(client: &mut Client, message: &str) {
    let name = &client.name;
    client
        .conn
        .write_all(message.as_bytes())
        .unwrap_or_else(|err| panic!("{name} could not send {message:?}: {err}"));
    let expected = format!("received {message:?}");
    match exercise::read_until_closed(&mut client.conn) {
        Ok(answer) => assert!(
            answer == expected.as_bytes(),
            "{name} sent {message:?} and was answered {}, not {expected:?}",
            quoted(&answer)
        ),
        Err(short) => panic!(
            "{name} sent {message:?} and waited for the answer {expected:?} and the close; \
             {short}"
        ),
    }
}

/// Sends `panic`, on which the handler panics, and expects the connection closed, unanswered.
fn make_the_handler_panic(client: &mut Client) {
    let name = &client.name;
    client
        .conn
        .write_all(lesson3::PANIC_MESSAGE.as_bytes())
        .unwrap_or_else(|err| panic!("{name} could not send \"panic\": {err}"));
    match exercise::read_until_closed(&mut client.conn) {
        Ok(answer) => assert!(
            answer.is_empty(),
            "{name} sent \"panic\", on which the handler panics, and was answered {}",
            quoted(&answer)
        ),
        Err(short) => panic!(
            "{name} sent \"panic\", on which the handler panics, and waited for the connection \
             to close; {short}"
        ),
    }
}

/// Welcomes [`MAX_CLIENTS`] clients, one after the other, and keeps them connected.
fn fill(server: &Server) -> Vec<Client> {
    ["client 1", "client 2", "client 3"]
        .iter()
        .enumerate()
        .map(|(before, name)| {
            let context = match before {
                0 => "with no other client connected",
                1 => "with client 1 welcomed and still connected",
                _ => "with clients 1 and 2 welcomed and still connected",
            };
            welcomed(server, name, context)
        })
        .collect()
}

#[test]
fn a_client_is_welcomed_and_served() {
    let server = start_busy_server();
    let mut client = welcomed(&server, "client 1", "with no other client connected");
    ask(&mut client, "hello from client 1");
}

#[test]
fn clients_up_to_the_limit_are_served_at_once() {
    let server = start_busy_server();
    let mut clients = fill(&server);
    // The last to come is answered first: each has a handler of its own, waiting for it.
    for client in clients.iter_mut().rev() {
        let message = format!("hello from {}", client.name);
        ask(client, &message);
    }
}

#[test]
fn a_client_beyond_the_limit_is_told_busy() {
    let server = start_busy_server();
    let mut clients = fill(&server);
    let context = "with 3 clients welcomed and still connected";
    told_busy(&server, "client 4", context);
    told_busy(&server, "client 5", context);
    // The three are still served.
    for client in &mut clients {
        let message = format!("hello from {}", client.name);
        ask(client, &message);
    }
}

#[test]
fn a_place_is_freed_when_a_client_leaves() {
    let server = start_busy_server();
    let mut clients = fill(&server);
    told_busy(
        &server,
        "client 4",
        "with 3 clients welcomed and still connected",
    );
    let mut first = clients.remove(0);
    ask(&mut first, "hello from client 1");
    drop(first);
    let fifth = welcomed(
        &server,
        "client 5",
        "after client 1 was answered and its connection closed, and client 4 was told busy",
    );
    clients.push(fifth);
    told_busy(
        &server,
        "client 6",
        "with clients 2, 3 and 5 welcomed and still connected",
    );
    for client in &mut clients {
        let message = format!("hello from {}", client.name);
        ask(client, &message);
    }
}

#[test]
fn a_handler_that_panics_gives_its_place_back() {
    let server = start_busy_server();
    for mut client in fill(&server) {
        make_the_handler_panic(&mut client);
    }
    let context = "after the handlers of clients 1, 2 and 3 had panicked";
    let mut clients: Vec<Client> = ["client 4", "client 5", "client 6"]
        .iter()
        .map(|name| welcomed(&server, name, context))
        .collect();
    told_busy(
        &server,
        "client 7",
        "with clients 4, 5 and 6 welcomed and still connected",
    );
    for client in &mut clients {
        let message = format!("hello from {}", client.name);
        ask(client, &message);
    }
}
