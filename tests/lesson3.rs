//! Lesson 3 end to end: who waits for whom, with a server that handles one connection at a time
//! and with one that gives each connection a thread; and handlers that fail or panic.
//!
//! Timing claims are checked as order: whether B has its answer before or after A sends.
//!
//! The tests of a server that serves clients at once run against every server model that speaks
//! lesson 3's protocol, unchanged: lesson 3's thread per connection, and lesson 3b's
//! serve_forever, mio event loop and Tokio server ([`CONCURRENT_SERVERS`]).

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{
    LINE_TIMEOUT, ServerProcess, assert_matches_book, lesson_cmd, start_server, wait_for_stderr,
};
use predicates::prelude::*;

/// How long the one-at-a-time test gives the server to answer B while A holds it up. A correct
/// server never does; a threaded one would, within a millisecond or so.
const CHANCE_TO_ANSWER: Duration = Duration::from_millis(500);

/// Every server that serves lesson 3's protocol to several clients at once: the package, and the
/// arguments that choose the model.
const CONCURRENT_SERVERS: &[(&str, &[&str])] = &[
    ("lesson3", &[]),
    ("lesson3b", &["--model", "forever"]),
    ("lesson3b", &["--model", "mio"]),
    ("lesson3b", &["--model", "tokio"]),
];

/// Connects a client and waits until the server's `handle` has started on its connection.
fn connect_and_wait_for_handle(server: &mut ServerProcess) -> TcpStream {
    let stream = TcpStream::connect(server.addr()).unwrap();
    let started = format!("handle() started for {}", stream.local_addr().unwrap());
    server
        .wait_for_line(&started, LINE_TIMEOUT)
        .unwrap_or_else(|seen| panic!("no {started:?} from the server: {seen:?}"));
    stream
}

/// Sends `message` and reads the answer, waiting at most [`LINE_TIMEOUT`].
fn ask(stream: &mut TcpStream, message: &str) -> String {
    stream.write_all(message.as_bytes()).unwrap();
    read_answer(stream)
}

fn read_answer(stream: &mut TcpStream) -> String {
    stream.set_read_timeout(Some(LINE_TIMEOUT)).unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).expect("an answer in time");
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

/// Every line the server has printed, once it has printed one containing `needle`.
fn wait_for_lines(server: &mut ServerProcess, needle: &str) -> Vec<String> {
    server
        .wait_for_line(needle, LINE_TIMEOUT)
        .unwrap_or_else(|seen| panic!("no {needle:?} from the server: {seen:?}"));
    server.stdout_lines()
}

/// The position of the first line containing `needle`.
fn position(lines: &[String], needle: &str) -> usize {
    lines
        .iter()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in {lines:?}"))
}

#[test]
fn one_at_a_time_b_is_answered_only_after_a_has_sent() {
    let mut server = start_server("lesson3", &["--one-at-a-time"]);
    let mut a = connect_and_wait_for_handle(&mut server);

    let mut b = TcpStream::connect(server.addr()).unwrap();
    b.write_all(b"from B").unwrap();
    b.set_read_timeout(Some(CHANCE_TO_ANSWER)).unwrap();
    let mut buf = [0u8; 1024];
    let early = b.read(&mut buf);
    assert!(
        matches!(&early, Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "B got something while A held the server: {early:?}"
    );

    assert_eq!(ask(&mut a, "from A"), r#"received "from A""#);
    assert_eq!(read_answer(&mut b), r#"received "from B""#);

    let lines = wait_for_lines(&mut server, r#"sent "from B""#);
    let b_addr = b.local_addr().unwrap();
    assert!(
        position(&lines, r#"sent "from A""#) < position(&lines, &format!("started for {b_addr}")),
        "B's handle() started before A's ended: {lines:?}"
    );
}

#[test]
fn threaded_b_is_answered_while_a_is_still_connected() {
    for (package, model) in CONCURRENT_SERVERS {
        let mut server = start_server(package, model);
        let mut a = connect_and_wait_for_handle(&mut server);

        let mut b = TcpStream::connect(server.addr()).unwrap();
        assert_eq!(ask(&mut b, "from B"), r#"received "from B""#);

        // A has been connected, silent, all along; it is served as soon as it speaks.
        assert_eq!(ask(&mut a, "from A"), r#"received "from A""#);
        let lines = wait_for_lines(&mut server, r#"sent "from A""#);
        assert!(
            position(&lines, r#"sent "from B""#) < position(&lines, r#"sent "from A""#),
            "{package} {model:?}: {lines:?}"
        );
    }
}

/// Three terminals: a server that handles one connection at a time, client A that holds it for a
/// second, client B that waits. The outputs are the ones the book shows.
#[test]
fn a_client_that_holds_its_connection_makes_the_next_one_wait() {
    let mut server = start_server("lesson3", &["--one-at-a-time"]);
    let addr = server.addr().to_string();

    let (a_done, a_output) = mpsc::channel();
    let a_args = ["client", "--addr", &addr, "--hold", "1", "I am A"].map(String::from);
    thread::spawn(move || {
        let output = lesson_cmd("lesson3").args(a_args).output();
        a_done.send(output).unwrap();
    });
    server
        .wait_for_line("handle() started for", LINE_TIMEOUT)
        .unwrap_or_else(|seen| panic!("client A did not connect: {seen:?}"));

    let b = lesson_cmd("lesson3")
        .args(["client", "--addr", &addr, "I am B"])
        .assert()
        .success()
        .get_output()
        .clone();
    let a = a_output
        .recv_timeout(LINE_TIMEOUT)
        .expect("client A ends")
        .expect("client A runs");
    assert!(a.status.success(), "client A failed: {a:?}");
    let (a_out, b_out) = (
        String::from_utf8(a.stdout).unwrap(),
        String::from_utf8(b.stdout).unwrap(),
    );
    assert!(a_out.contains("holding the connection for 1 s before sending"));
    assert!(a_out.contains(r#"received "I am A""#));
    assert!(b_out.contains(r#"received "I am B""#));

    let server_out = wait_for_lines(&mut server, r#"sent "I am B""#).join("\n") + "\n";
    assert_matches_book("lesson3-server.txt", &server_out);
    assert_matches_book("lesson3-client-a.txt", &a_out);
    assert_matches_book("lesson3-client-b.txt", &b_out);
}

#[test]
fn a_handler_that_panics_or_fails_ends_only_its_own_connection() {
    let one_at_a_time: (&str, &[&str]) = ("lesson3", &["--one-at-a-time"]);
    for &(package, mode) in CONCURRENT_SERVERS.iter().chain([&one_at_a_time]) {
        let mut server = start_server(package, mode);
        let addr = server.addr().to_string();

        lesson_cmd("lesson3")
            .args(["client", "--addr", &addr, "panic"])
            .assert()
            .failure()
            .stderr(predicate::str::contains(
                "error: the server closed the connection without answering",
            ))
            .stderr(predicate::str::contains("panicked").not());
        wait_for_stderr(&mut server, "panicked; the server keeps serving");

        // A client that leaves without a word, and one that sends bytes that are not UTF-8.
        drop(TcpStream::connect(server.addr()).unwrap());
        wait_for_stderr(
            &mut server,
            "closed the connection without sending a message",
        );
        let mut latin1 = TcpStream::connect(server.addr()).unwrap();
        latin1.write_all(b"caf\xe9!").unwrap();
        wait_for_stderr(
            &mut server,
            "invalid utf-8 sequence of 1 bytes from index 3",
        );

        lesson_cmd("lesson3")
            .args(["client", "--addr", &addr, "still there?"])
            .assert()
            .success()
            .stdout(predicate::str::contains(r#"received "still there?""#));
        assert!(server.is_running(), "the server ended ({package} {mode:?})");
    }
}
