//! The tests of exercise `greet`. Check your file with `cargo run -- check lesson1`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! Real clients connect to the server and compare the greeting with their own address. The
//! tests speak only over the socket, so a teacher can run them against a server in any
//! language: `cargo run -- check lesson1 greet --server "CMD"`.

#[cfg_attr(feature = "solution", path = "../solutions/greet.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/greet.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../greet.rs"
)]
mod greet;

use std::net::TcpStream;

use socket_lab::exercise::{self, Server, Short, preview};

fn start_greeting_server() -> Server {
    exercise::start_server(|listener| {
        loop {
            if let Err(err) = greet::greet_next(&listener) {
                eprintln!("greet_next returned an error: {err}");
            }
        }
    })
}

/// Reads the greeting until the server closes, and checks it names this client's end.
fn expect_greeting(server: &Server, mut client: TcpStream) {
    let me = client.local_addr().expect("the client's address");
    let greeting = match exercise::read_until_closed(&mut client) {
        Ok(greeting) => String::from_utf8_lossy(&greeting).into_owned(),
        Err(Short { received, ended }) => panic!(
            "the client {me} waited for a greeting and the server's close; {} came, \
             then {ended}",
            preview(&received)
        ),
    };
    assert!(
        greeting != format!("hello, {}", server.addr()),
        "the client {me} was greeted with {greeting:?}: that is the server's address, \
         not the client's"
    );
    let expected = format!("hello, {me}");
    assert!(
        greeting == expected,
        "the client {me} was greeted with {greeting:?}, not {expected:?}"
    );
}

#[test]
fn a_client_is_greeted_with_its_own_address() {
    let server = start_greeting_server();
    let client = exercise::connect(server.addr());
    expect_greeting(&server, client);
}

#[test]
fn each_client_is_greeted_with_its_own_address() {
    let server = start_greeting_server();
    // Both connect before either is greeted: the second waits in the listen backlog.
    let first = exercise::connect(server.addr());
    let second = exercise::connect(server.addr());
    expect_greeting(&server, first);
    expect_greeting(&server, second);
}
