//! The tests of exercise `greet`. Check your file with `cargo lab check lesson1`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! Real clients connect to the server and compare the greeting with their own address. The
//! tests speak only over the socket, so a teacher can run them against a server in any
//! language: `cargo lab check lesson1 greet --server "CMD"`.

#[cfg_attr(feature = "solution", path = "../solutions/greet.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/greet_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/greet_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/greet_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/greet_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/greet_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../greet.rs"
)]
mod greet;

use std::net::TcpStream;

use socket_lab::exercise::{self, Ended, Server, Steps};

fn start_greeting_server() -> Server {
    exercise::start_server(|listener| {
        loop {
            if let Err(err) = greet::greet_next(&listener) {
                eprintln!("greet_next returned an error: {err}");
            }
        }
    })
}

/// A greeting for a failure message, the same on every run: the addresses, whose ports change
/// from run to run, are named instead of shown.
fn shown_greeting(greeting: &str, server: &Server, client: &TcpStream) -> String {
    let me = client.local_addr().expect("the client's address");
    let text = greeting
        .replace(&me.to_string(), "<this client's address>")
        .replace(&server.addr().to_string(), "<the server's address>")
        .replace(&me.port().to_string(), "<this client's port>");
    format!("{text:?}")
}

/// Reads the greeting until the server closes, and checks it names this client's end.
fn expect_greeting(steps: &mut Steps, server: &Server, client: &mut TcpStream, name: &str) {
    let me = client.local_addr().expect("the client's address");
    let expected = format!("hello, {me}");
    let step = format!("{name}: expect \"hello, <this client's address>\", then the close");
    let greeting = match exercise::read_until_closed(client) {
        Ok(greeting) => String::from_utf8_lossy(&greeting).into_owned(),
        Err(short) => {
            let came = String::from_utf8_lossy(&short.received).into_owned();
            let symptom = match short.ended {
                Ended::TimedOut if came.is_empty() => "the server sent nothing",
                Ended::TimedOut => "the server did not close the connection after the greeting",
                _ => "the connection failed",
            };
            let instead = if came.is_empty() {
                short.to_string()
            } else {
                format!(
                    "{}, then {}",
                    shown_greeting(&came, server, client),
                    short.ended
                )
            };
            steps.failed(step, instead, symptom)
        }
    };
    if greeting == expected {
        steps.got(step);
        return;
    }
    let symptom = if greeting == format!("hello, {}", server.addr()) {
        "the greeting names the server's address, not the client's".to_string()
    } else if greeting == format!("hello, {}", me.ip()) {
        "the greeting names the client's host but not its port".to_string()
    } else if let Some(more) = greeting.strip_prefix(&expected) {
        format!("more came after the greeting: {more:?}")
    } else {
        "the greeting is not \"hello, \" and the client's address".to_string()
    };
    steps.failed(
        step,
        format!(
            "{}, then the close",
            shown_greeting(&greeting, server, client)
        ),
        symptom,
    );
}

#[test]
fn a_client_is_greeted_with_its_own_address() {
    let server = start_greeting_server();
    let mut steps = Steps::new();
    let mut client = steps.connect(server.addr());
    expect_greeting(&mut steps, &server, &mut client, "the client");
}

#[test]
fn each_client_is_greeted_with_its_own_address() {
    let server = start_greeting_server();
    let mut steps = Steps::new();
    // Both connect before either is greeted: the second waits in the listen backlog.
    let mut first = exercise::connect(server.addr());
    let mut second = exercise::connect(server.addr());
    steps.did("client 1 connects, then client 2");
    expect_greeting(&mut steps, &server, &mut first, "client 1");
    expect_greeting(&mut steps, &server, &mut second, "client 2");
}
