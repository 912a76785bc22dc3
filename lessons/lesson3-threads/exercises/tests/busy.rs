//! The tests of exercise `busy`. Check your file with `cargo lab check lesson3`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! Real clients connect to the server, held open as long as a test needs; what each is told
//! first, `welcome` or `busy`, shows how many places the server thinks are taken. Clients that
//! come one after the other prove the limit by the order of events, never by timing: three
//! clients are welcomed and stay, so the fourth must be told busy; one leaves, so a new one must
//! be welcomed. Then bursts: six clients connect at once, before the server has accepted any,
//! and at most three may be welcomed. A server that checks the count in its accept loop but
//! takes the place later, in the client's thread, lets a burst in only when its threads start
//! late enough, which depends on timing: not every burst shows it, so the test sends twenty,
//! each to a new server.
//!
//! They speak only over the socket, so a teacher can run them against a server in any language:
//! `cargo lab check lesson3 busy --server "CMD"`. That server serves at most 3 clients at
//! once; its handler reads one message with one recv(1024), answers `received "MESSAGE"` and
//! closes, and on the message `panic` fails and closes without an answer, as lesson 3's handler
//! does. A client that closes without sending anything, like the checker's probe connection,
//! must cost it a place only until its handler has ended: the tests retry a client told busy
//! while fewer than 3 are connected, for a few seconds, before they fail.

#[cfg_attr(feature = "solution", path = "../solutions/busy.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/busy_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/busy_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/busy_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/busy_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/busy_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../busy.rs"
)]
mod busy;

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use socket_lab::exercise::{self, Server, Steps, TIMEOUT, preview};

/// The most clients the server under test may serve at once.
const MAX_CLIENTS: usize = 3;

const WELCOME: &[u8] = b"welcome\n";
const BUSY: &[u8] = b"busy, try again later\n";

/// How many bursts of clients a test sends, each to a new server: a server that lets a burst
/// find more places than there are does not do it on every burst, but does on one of these.
const BURSTS: usize = 20;

/// The handler of lesson 3's server, made of the lesson's own pieces, without its printing: one
/// message, one answer, and a panic on `panic`.
struct AnswerOnce;

impl lesson3::Handler for AnswerOnce {
    fn handle(&self, mut request: TcpStream, _client_address: SocketAddr) -> io::Result<()> {
        let message = lesson3::read_message(&mut request)?;
        lesson3::answer(&mut request, &message)
    }
}

fn serve(listener: std::net::TcpListener) {
    busy::serve_at_most(&listener, MAX_CLIENTS, Arc::new(AnswerOnce))
}

fn start_busy_server() -> Server {
    exercise::start_server(serve)
}

/// A client of a test: its name for the failure messages, and its connection.
struct Client {
    name: String,
    conn: TcpStream,
}

/// Connects a client, without a port in the failure message: it would change on every run.
fn connect_to(addr: SocketAddr, name: &str) -> Client {
    let conn = TcpStream::connect_timeout(&addr, TIMEOUT)
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
fn first_line(steps: &Steps, client: &mut Client, step: &str) -> Vec<u8> {
    exercise::read_line(&mut client.conn).unwrap_or_else(|short| {
        let symptom = match short.ended {
            exercise::Ended::TimedOut if short.received.is_empty() => format!(
                "{} was told nothing for {}s: a client must be told {} or {} at once",
                client.name,
                TIMEOUT.as_secs(),
                quoted(WELCOME),
                quoted(BUSY)
            ),
            _ => format!(
                "{} was told neither {} nor {}",
                client.name,
                quoted(WELCOME),
                quoted(BUSY)
            ),
        };
        steps.failed(step, &short, symptom)
    })
}

/// Expects the server to close `client`'s connection, with nothing more.
fn expect_the_close(steps: &mut Steps, client: &mut Client, step: &str) {
    match exercise::read_until_closed(&mut client.conn) {
        Ok(more) if more.is_empty() => steps.got(step),
        Ok(more) => steps.failed(
            step,
            format!("{}, then the close", quoted(&more)),
            format!("{} was told busy, and then more came", client.name),
        ),
        Err(short) => steps.failed(
            step,
            &short,
            format!(
                "{} was told busy, and its connection was not closed",
                client.name
            ),
        ),
    }
}

/// Connects a client and expects it to be told busy, and its connection closed.
fn told_busy(steps: &mut Steps, server: &Server, name: &str) {
    let mut client = connect_to(server.addr(), name);
    let step = format!("{name} connects; expect {}, then the close", quoted(BUSY));
    let line = first_line(steps, &mut client, &step);
    if line != BUSY {
        steps.failed(
            step,
            quoted(&line),
            format!(
                "{name} was told {}, though the server serves at most {MAX_CLIENTS} and \
                 {MAX_CLIENTS} clients were being served",
                quoted(&line)
            ),
        );
    }
    expect_the_close(steps, &mut client, &step);
}

/// Connects a client and expects it to be welcomed, at once or after a few tries that are told
/// busy. A handler's thread gives its place back a moment after its client has seen the
/// connection close, and a new client may come within that moment.
fn welcomed(steps: &mut Steps, server: &Server, name: &str) -> Client {
    let step = format!(
        "{name} connects; expect {} (told busy, it tries again for {}s)",
        quoted(WELCOME),
        TIMEOUT.as_secs()
    );
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut client = connect_to(server.addr(), name);
        let line = first_line(steps, &mut client, &step);
        if line == WELCOME {
            steps.got(step);
            return client;
        }
        if line != BUSY {
            steps.failed(
                step,
                quoted(&line),
                format!(
                    "{name} was told neither {} nor {}",
                    quoted(WELCOME),
                    quoted(BUSY)
                ),
            );
        }
        if Instant::now() >= deadline {
            steps.failed(
                step,
                format!("{} on every try", quoted(BUSY)),
                format!(
                    "{name} was told busy on every try for {}s, though fewer than \
                     {MAX_CLIENTS} clients were connected",
                    TIMEOUT.as_secs()
                ),
            );
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `message` and expects the handler's answer, then the close.
fn ask(steps: &mut Steps, client: &mut Client, message: &str) {
    let name = &client.name;
    let expected = format!("received {message:?}");
    let step = format!("{name} sends {message:?}; expect {expected:?}, then the close");
    if let Err(err) = client.conn.write_all(message.as_bytes()) {
        steps.failed(step, err, format!("{name} could not send its message"));
    }
    match exercise::read_until_closed(&mut client.conn) {
        Ok(answer) if answer == expected.as_bytes() => steps.got(step),
        Ok(answer) => steps.failed(
            step,
            quoted(&answer),
            format!("{name} was answered {}, not {expected:?}", quoted(&answer)),
        ),
        Err(short) => steps.failed(
            step,
            &short,
            format!("{name} was not answered, or its connection was not closed"),
        ),
    }
}

/// Asks each client its greeting, the last one first.
fn ask_each(steps: &mut Steps, clients: &mut [Client]) {
    for client in clients.iter_mut().rev() {
        let message = format!("hello from {}", client.name);
        ask(steps, client, &message);
    }
}

/// Sends `panic`, on which the handler panics, and expects the connection closed, unanswered.
fn make_the_handler_panic(steps: &mut Steps, client: &mut Client) {
    let name = &client.name;
    let step = format!("{name} sends \"panic\", on which the handler panics; expect the close");
    if let Err(err) = client.conn.write_all(lesson3::PANIC_MESSAGE.as_bytes()) {
        steps.failed(step, err, format!("{name} could not send \"panic\""));
    }
    match exercise::read_until_closed(&mut client.conn) {
        Ok(answer) if answer.is_empty() => steps.got(step),
        Ok(answer) => steps.failed(
            step,
            quoted(&answer),
            format!("{name} sent \"panic\", on which the handler panics, and was answered"),
        ),
        Err(short) => steps.failed(
            step,
            &short,
            format!("{name}'s connection was not closed when its handler panicked"),
        ),
    }
}

/// Welcomes [`MAX_CLIENTS`] clients, one after the other, and keeps them connected.
fn fill(steps: &mut Steps, server: &Server) -> Vec<Client> {
    ["client 1", "client 2", "client 3"]
        .iter()
        .map(|name| welcomed(steps, server, name))
        .collect()
}

/// Six clients connect at once, before the server has accepted any of them: at most
/// [`MAX_CLIENTS`] may be welcomed, the others must be told busy, and the welcomed are served.
fn burst(round: usize) {
    let names: Vec<String> = (1..=6).map(|n| format!("client {n}")).collect();
    let (_server, mut clients) = exercise::start_server_after(
        |addr| {
            names
                .iter()
                .map(|name| connect_to(addr, name))
                .collect::<Vec<Client>>()
        },
        serve,
    );
    let mut steps = Steps::new();
    steps.did(format!(
        "burst {round} of {BURSTS}: clients 1 to 6 connect at once, to a new server"
    ));
    let mut welcomed = Vec::new();
    for client in &mut clients {
        let step = format!(
            "{} reads what it is told: {} or {}",
            client.name,
            quoted(WELCOME),
            quoted(BUSY)
        );
        match first_line(&steps, client, &step).as_slice() {
            WELCOME => welcomed.push(client.name.clone()),
            BUSY => {}
            other => steps.failed(
                step,
                quoted(other),
                format!(
                    "{} was told neither {} nor {}",
                    client.name,
                    quoted(WELCOME),
                    quoted(BUSY)
                ),
            ),
        }
        steps.did(step);
    }
    let step = format!("expect at most {MAX_CLIENTS} of them welcomed");
    if welcomed.len() > MAX_CLIENTS {
        steps.failed(
            step,
            format!("{} were: {}", welcomed.len(), welcomed.join(", ")),
            format!(
                "{} clients that came at once were welcomed, though the server serves at most \
                 {MAX_CLIENTS}",
                welcomed.len()
            ),
        );
    }
    steps.got(step);
    let mut served: Vec<Client> = clients
        .into_iter()
        .filter(|client| welcomed.contains(&client.name))
        .collect();
    ask_each(&mut steps, &mut served);
}

#[test]
fn a_client_is_welcomed_and_served() {
    let server = start_busy_server();
    let mut steps = Steps::new();
    let mut client = welcomed(&mut steps, &server, "client 1");
    ask(&mut steps, &mut client, "hello from client 1");
}

#[test]
fn clients_up_to_the_limit_are_served_at_once() {
    let server = start_busy_server();
    let mut steps = Steps::new();
    let mut clients = fill(&mut steps, &server);
    // The last to come is answered first: each has a handler of its own, waiting for it.
    ask_each(&mut steps, &mut clients);
}

#[test]
fn a_client_beyond_the_limit_is_told_busy() {
    // Clients that come one after the other.
    let server = start_busy_server();
    let mut steps = Steps::new();
    let mut clients = fill(&mut steps, &server);
    told_busy(&mut steps, &server, "client 4");
    told_busy(&mut steps, &server, "client 5");
    // The three are still served.
    ask_each(&mut steps, &mut clients);
    // Clients that come all at once.
    for round in 1..=BURSTS {
        burst(round);
    }
}

#[test]
fn a_place_is_freed_when_a_client_leaves() {
    let server = start_busy_server();
    let mut steps = Steps::new();
    let mut clients = fill(&mut steps, &server);
    told_busy(&mut steps, &server, "client 4");
    let mut first = clients.remove(0);
    ask(&mut steps, &mut first, "hello from client 1");
    drop(first);
    let fifth = welcomed(&mut steps, &server, "client 5");
    clients.push(fifth);
    told_busy(&mut steps, &server, "client 6");
    ask_each(&mut steps, &mut clients);
}

#[test]
fn a_handler_that_panics_gives_its_place_back() {
    let server = start_busy_server();
    let mut steps = Steps::new();
    for mut client in fill(&mut steps, &server) {
        make_the_handler_panic(&mut steps, &mut client);
    }
    let mut clients: Vec<Client> = ["client 4", "client 5", "client 6"]
        .iter()
        .map(|name| welcomed(&mut steps, &server, name))
        .collect();
    told_busy(&mut steps, &server, "client 7");
    ask_each(&mut steps, &mut clients);
}
