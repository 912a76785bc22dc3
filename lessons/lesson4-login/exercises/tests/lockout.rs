//! The tests of exercise `lockout`. Check your file with `cargo run -- check lesson4`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's client is lesson 4's `Client`: it sends each message of the article's login and
//! reads its answer, over as many connections as a test needs, and hangs up between them as a
//! guesser would. The server knows lesson 4's sample users (`lessons/lesson4-login/users.json`):
//! alex and eric, whose password is `abc123`, and jack, whose password is `qwer`. Each test starts
//! it anew, so every count starts at zero.
//!
//! The tests speak only over the socket, so a teacher can run them against a server in any
//! language that reads that users file: `cargo run -- check lesson4 lockout --server "CMD"`.
//! Such a server answers a wrong password with any refusal but `LOCKED_OUT`, and a locked-out
//! user with exactly `LOCKED_OUT`; the tests close the connection once a login has succeeded.

#[cfg_attr(feature = "solution", path = "../solutions/lockout.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/lockout.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../lockout.rs"
)]
mod lockout;

use std::io::ErrorKind;
use std::path::Path;
use std::sync::Arc;

use lesson4::client::Client;
use lesson4::users::Users;
use lockout::{LOCKED_OUT, LockoutServer};
use socket_lab::exercise::{self, Server, TIMEOUT};
use tempfile::TempDir;

/// The server under test, and the directory of its users' homes (for the Rust server only).
struct Site {
    server: Server,
    _root: TempDir,
}

fn start_lockout_server() -> Site {
    let root = TempDir::new().expect("a temporary directory");
    let users = Users::load(Path::new(lesson4::SAMPLE_USERS)).expect("lesson 4's users");
    let server = LockoutServer::new(users, root.path().to_path_buf());
    let server = exercise::start_server(move |listener| {
        lesson3::serve_threaded(&listener, Arc::new(server))
    });
    Site {
        server,
        _root: root,
    }
}

/// A new connection to the server under test.
fn call(site: &Site) -> Client {
    Client {
        stream: exercise::connect(site.server.addr()),
        user: String::new(),
    }
}

/// What the server must answer to one message of the login.
#[derive(Clone, Copy)]
enum Expect {
    Ok,
    /// A wrong password: any refusal, but not the lockout.
    Refused,
    LockedOut,
}

impl Expect {
    fn describe(self) -> String {
        match self {
            Expect::Ok => "\"200\"".to_string(),
            Expect::Refused => "a refusal (any text but \"200\" or LOCKED_OUT)".to_string(),
            Expect::LockedOut => format!("LOCKED_OUT, {LOCKED_OUT:?}"),
        }
    }

    fn accepts(self, answer: &str) -> bool {
        match self {
            Expect::Ok => answer == "200",
            Expect::Refused => answer != "200" && answer != LOCKED_OUT,
            Expect::LockedOut => answer == LOCKED_OUT,
        }
    }
}

/// Sends one message of the login and expects its answer; `when` says what came before.
fn send(client: &mut Client, message: &str, expected: Expect, when: &str) {
    let answer = match client.exchange(message.as_bytes()) {
        Ok(answer) => String::from_utf8_lossy(&answer).into_owned(),
        Err(err) => {
            let why = match err.kind() {
                ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                    format!("no answer came within {}s", TIMEOUT.as_secs())
                }
                ErrorKind::UnexpectedEof
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted => "the server closed the connection".to_string(),
                _ => err.to_string(),
            };
            panic!(
                "{when}: sent {message:?}, and {why}; expected {}",
                expected.describe()
            )
        }
    };
    assert!(
        expected.accepts(&answer),
        "{when}: sent {message:?}, and the answer was {answer:?}, not {}",
        expected.describe()
    );
}

/// The whole login, expected to succeed.
fn log_in(client: &mut Client, user: &str, password: &str, when: &str) {
    send(client, user, Expect::Ok, when);
    send(client, password, Expect::Ok, when);
}

/// A user name, accepted, and a wrong password, answered `expected`.
fn guess(client: &mut Client, user: &str, expected: Expect, when: &str) {
    send(client, user, Expect::Ok, when);
    send(client, "wrong guess", expected, when);
}

#[test]
fn a_right_password_logs_in() {
    let site = start_lockout_server();
    log_in(&mut call(&site), "alex", "abc123", "alex's first login");
}

#[test]
fn two_wrong_passwords_and_then_the_right_one_log_in() {
    let site = start_lockout_server();
    let mut client = call(&site);
    guess(
        &mut client,
        "alex",
        Expect::Refused,
        "alex's first wrong password",
    );
    guess(
        &mut client,
        "alex",
        Expect::Refused,
        "alex's second wrong password in a row",
    );
    log_in(
        &mut client,
        "alex",
        "abc123",
        "after two wrong passwords in a row, alex's right one",
    );
}

#[test]
fn three_wrong_passwords_lock_the_user_out() {
    let site = start_lockout_server();
    let mut client = call(&site);
    guess(
        &mut client,
        "alex",
        Expect::Refused,
        "alex's first wrong password",
    );
    guess(
        &mut client,
        "alex",
        Expect::Refused,
        "alex's second wrong password in a row",
    );
    guess(
        &mut client,
        "alex",
        Expect::LockedOut,
        "alex's third wrong password in a row",
    );
    send(
        &mut client,
        "alex",
        Expect::LockedOut,
        "after three wrong passwords for alex in a row, on the same connection",
    );
    drop(client);
    send(
        &mut call(&site),
        "alex",
        Expect::LockedOut,
        "after three wrong passwords for alex in a row, on a new connection",
    );
}

#[test]
fn wrong_passwords_on_separate_connections_add_up() {
    let site = start_lockout_server();
    // A guesser who hangs up after each try.
    guess(
        &mut call(&site),
        "alex",
        Expect::Refused,
        "alex's first wrong password, on connection 1",
    );
    guess(
        &mut call(&site),
        "alex",
        Expect::Refused,
        "alex's second wrong password in a row, on connection 2",
    );
    guess(
        &mut call(&site),
        "alex",
        Expect::LockedOut,
        "alex's third wrong password in a row, on connection 3 (the first two hung up)",
    );
}

#[test]
fn the_right_password_starts_the_count_again() {
    let site = start_lockout_server();
    let mut client = call(&site);
    guess(
        &mut client,
        "alex",
        Expect::Refused,
        "alex's first wrong password",
    );
    guess(
        &mut client,
        "alex",
        Expect::Refused,
        "alex's second wrong password in a row",
    );
    log_in(&mut client, "alex", "abc123", "then alex's right password");
    drop(client);
    let mut client = call(&site);
    let when = "after two wrong passwords and the right one, on a new connection";
    guess(
        &mut client,
        "alex",
        Expect::Refused,
        &format!("{when}, a wrong password"),
    );
    guess(
        &mut client,
        "alex",
        Expect::Refused,
        &format!("{when}, a second wrong password"),
    );
    log_in(
        &mut client,
        "alex",
        "abc123",
        &format!("{when}, the right password"),
    );
}

#[test]
fn other_users_are_not_locked_out() {
    let site = start_lockout_server();
    let mut client = call(&site);
    for (nth, expected) in [
        ("first", Expect::Refused),
        ("second", Expect::Refused),
        ("third", Expect::LockedOut),
    ] {
        guess(
            &mut client,
            "alex",
            expected,
            &format!("alex's {nth} wrong password in a row"),
        );
    }
    log_in(
        &mut client,
        "eric",
        "abc123",
        "with alex locked out, on the same connection, eric (whose password is alex's too)",
    );
    drop(client);
    let mut client = call(&site);
    let when = "with alex locked out, on a new connection";
    guess(
        &mut client,
        "jack",
        Expect::Refused,
        &format!("{when}, jack's first wrong password"),
    );
    guess(
        &mut client,
        "jack",
        Expect::Refused,
        &format!("{when}, jack's second"),
    );
    log_in(
        &mut client,
        "jack",
        "qwer",
        &format!("{when}, jack's right password"),
    );
}
