//! The tests of exercise `lockout`. Check your file with `cargo lab check lesson4`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's client is lesson 4's `Client`: it sends each message of the article's login and
//! reads its answer, over as many connections as a test needs, and hangs up between them as a
//! guesser would. The server knows lesson 4's sample users (`lessons/lesson4-login/users.json`):
//! alex and eric, whose password is `abc123`, and jack, whose password is `qwer`. Each test starts
//! it anew, so every count starts at zero.
//!
//! The tests speak only over the socket, so a teacher can run them against a server in any
//! language that reads that users file: `cargo lab check lesson4 lockout --server "CMD"`.
//! Such a server answers a wrong password with any refusal but `LOCKED_OUT`, and a locked-out
//! user with exactly `LOCKED_OUT`; the tests close the connection once a login has succeeded.
//!
//! The article's login takes one recv for one message, so the tests send each message in one
//! write and wait for its answer, as the article's client does: a message dripped a byte at a
//! time would be several messages by the protocol's own rule. What they do to the server is what
//! a guesser does: hang up and call again, hang up before the password, and guess on one
//! connection while another waits with the user's name given.

#[cfg_attr(feature = "solution", path = "../solutions/lockout.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/lockout_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/lockout_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/lockout_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/lockout_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/lockout_4.rs")]
#[cfg_attr(feature = "mistake5", path = "../mistakes/lockout_5.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4",
        feature = "mistake5"
    )),
    path = "../lockout.rs"
)]
mod lockout;

use std::path::Path;
use std::sync::Arc;

use lesson4::client::Client;
use lesson4::protocol::recv_message;
use lesson4::users::Users;
use lockout::{LOCKED_OUT, LockoutServer};
use socket_lab::exercise::{self, Ended, Server, Short, Steps, preview};
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

/// A new connection to the server under test: connection number `number` of the test.
fn call(steps: &mut Steps, site: &Site, number: usize) -> Client {
    let stream = exercise::connect(site.server.addr());
    steps.did(format!("open connection {number}"));
    Client {
        stream,
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
    fn describe(self) -> &'static str {
        match self {
            Expect::Ok => "\"200\"",
            Expect::Refused => "a refusal (any text but \"200\" or LOCKED_OUT)",
            Expect::LockedOut => "LOCKED_OUT",
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

/// Sends one message of the login on connection `number`, and expects its answer; `symptom`
/// says what it means if another answer comes.
fn send(
    steps: &mut Steps,
    (client, number): (&mut Client, usize),
    message: &str,
    expected: Expect,
    symptom: &str,
) {
    let step = format!(
        "on connection {number}, send {message:?}, expect {}",
        expected.describe()
    );
    match client.exchange(message.as_bytes()) {
        Ok(answer) => {
            let answer = String::from_utf8_lossy(&answer);
            if !expected.accepts(&answer) {
                steps.failed(step, format!("{answer:?}"), symptom);
            }
            steps.got(step);
        }
        Err(err) => {
            let ended = Ended::from(err);
            let symptom = match ended {
                Ended::TimedOut => "the server did not answer",
                Ended::Closed => "the server closed the connection instead of answering",
                Ended::Failed(_) => "the connection failed",
            };
            steps.failed(step, ended.instead_of_an_answer(), symptom)
        }
    }
}

/// The whole login on connection `number`, expected to succeed.
fn log_in(steps: &mut Steps, conn: (&mut Client, usize), user: &str, password: &str) {
    let (client, number) = conn;
    let symptom = format!("{user} could not log in with the right password");
    send(steps, (client, number), user, Expect::Ok, &symptom);
    send(steps, (client, number), password, Expect::Ok, &symptom);
}

/// A user name, accepted, and a wrong password, answered `expected`.
fn guess(
    steps: &mut Steps,
    conn: (&mut Client, usize),
    user: &str,
    expected: Expect,
    symptom: &str,
) {
    let (client, number) = conn;
    let accepted = format!("{user}'s name was refused");
    send(steps, (client, number), user, Expect::Ok, &accepted);
    send(steps, (client, number), "wrong guess", expected, symptom);
}

/// What a wrong password before the third in a row must get.
const NOT_YET: &str = "the user was locked out before the third wrong password in a row";

/// Three wrong passwords for `user` in a row on connection `number`: locked out.
fn lock_out(steps: &mut Steps, conn: (&mut Client, usize), user: &str) {
    let (client, number) = conn;
    guess(steps, (client, number), user, Expect::Refused, NOT_YET);
    guess(steps, (client, number), user, Expect::Refused, NOT_YET);
    guess(
        steps,
        (client, number),
        user,
        Expect::LockedOut,
        "the third wrong password in a row did not lock the user out",
    );
}

#[test]
fn a_right_password_logs_in() {
    let site = start_lockout_server();
    let mut steps = Steps::new();
    let mut client = call(&mut steps, &site, 1);
    log_in(&mut steps, (&mut client, 1), "alex", "abc123");
}

#[test]
fn two_wrong_passwords_and_then_the_right_one_log_in() {
    let site = start_lockout_server();
    let mut steps = Steps::new();
    let mut client = call(&mut steps, &site, 1);
    guess(
        &mut steps,
        (&mut client, 1),
        "alex",
        Expect::Refused,
        NOT_YET,
    );
    guess(
        &mut steps,
        (&mut client, 1),
        "alex",
        Expect::Refused,
        NOT_YET,
    );
    log_in(&mut steps, (&mut client, 1), "alex", "abc123");
}

#[test]
fn three_wrong_passwords_lock_the_user_out() {
    let site = start_lockout_server();
    let mut steps = Steps::new();
    let mut client = call(&mut steps, &site, 1);
    lock_out(&mut steps, (&mut client, 1), "alex");
    send(
        &mut steps,
        (&mut client, 1),
        "alex",
        Expect::LockedOut,
        "a locked-out user's name was accepted",
    );
    drop(client);
    steps.did("close connection 1");
    let mut client = call(&mut steps, &site, 2);
    send(
        &mut steps,
        (&mut client, 2),
        "alex",
        Expect::LockedOut,
        "the user was not locked out on a new connection: the count must belong to the server, \
         not to a connection",
    );
}

#[test]
fn wrong_passwords_on_separate_connections_add_up() {
    let site = start_lockout_server();
    let mut steps = Steps::new();
    // A guesser who hangs up after each try.
    for number in 1..=3 {
        let mut client = call(&mut steps, &site, number);
        let (expected, symptom) = if number < 3 {
            (Expect::Refused, NOT_YET)
        } else {
            (
                Expect::LockedOut,
                "wrong passwords on separate connections did not add up",
            )
        };
        guess(&mut steps, (&mut client, number), "alex", expected, symptom);
        drop(client);
        steps.did(format!("close connection {number}"));
    }
}

#[test]
fn the_right_password_starts_the_count_again() {
    let site = start_lockout_server();
    let mut steps = Steps::new();
    let again = "the right password did not start the count again";
    for number in 1..=2 {
        let mut client = call(&mut steps, &site, number);
        let symptom = if number == 1 { NOT_YET } else { again };
        guess(
            &mut steps,
            (&mut client, number),
            "alex",
            Expect::Refused,
            symptom,
        );
        guess(
            &mut steps,
            (&mut client, number),
            "alex",
            Expect::Refused,
            symptom,
        );
        log_in(&mut steps, (&mut client, number), "alex", "abc123");
        drop(client);
        steps.did(format!("close connection {number}"));
    }
    let mut client = call(&mut steps, &site, 3);
    guess(&mut steps, (&mut client, 3), "alex", Expect::Refused, again);
}

#[test]
fn other_users_are_not_locked_out() {
    let site = start_lockout_server();
    let mut steps = Steps::new();
    let mut client = call(&mut steps, &site, 1);
    lock_out(&mut steps, (&mut client, 1), "alex");
    let symptom = "another user was locked out by alex's wrong passwords";
    // eric's password is alex's too.
    send(&mut steps, (&mut client, 1), "eric", Expect::Ok, symptom);
    send(&mut steps, (&mut client, 1), "abc123", Expect::Ok, symptom);
    drop(client);
    steps.did("close connection 1");
    let mut client = call(&mut steps, &site, 2);
    guess(
        &mut steps,
        (&mut client, 2),
        "jack",
        Expect::Refused,
        symptom,
    );
    guess(
        &mut steps,
        (&mut client, 2),
        "jack",
        Expect::Refused,
        symptom,
    );
    send(&mut steps, (&mut client, 2), "jack", Expect::Ok, symptom);
    send(&mut steps, (&mut client, 2), "qwer", Expect::Ok, symptom);
}

#[test]
fn while_locked_out_the_right_password_is_refused_too() {
    let site = start_lockout_server();
    let mut steps = Steps::new();
    // Connection 1 gives the name before the lockout, and its password after it.
    let mut early = call(&mut steps, &site, 1);
    send(
        &mut steps,
        (&mut early, 1),
        "alex",
        Expect::Ok,
        "alex's name was refused",
    );
    let mut guesser = call(&mut steps, &site, 2);
    lock_out(&mut steps, (&mut guesser, 2), "alex");
    send(
        &mut steps,
        (&mut early, 1),
        "abc123",
        Expect::LockedOut,
        "the right password logged in a locked-out user",
    );
}

#[test]
fn hanging_up_before_the_password_is_not_a_guess() {
    let site = start_lockout_server();
    let mut steps = Steps::new();
    for number in 1..=3 {
        let mut client = call(&mut steps, &site, number);
        send(
            &mut steps,
            (&mut client, number),
            "alex",
            Expect::Ok,
            "alex's name was refused",
        );
        steps.shut_down_sending(&client.stream);
        let step = "expect the server to close the connection, with no answer";
        match recv_message(&mut client.stream) {
            Ok(None) => steps.got(step),
            Ok(Some(answer)) => steps.failed(
                step,
                preview(&answer),
                "the server answered a password that never came: a hang-up is not a guess",
            ),
            Err(err) => match Ended::from(err) {
                Ended::Closed => steps.got(step),
                ended => steps.failed(
                    step,
                    Short {
                        received: Vec::new(),
                        ended,
                    },
                    "the server did not close the connection once the client had closed its end",
                ),
            },
        }
    }
    let mut client = call(&mut steps, &site, 4);
    log_in(&mut steps, (&mut client, 4), "alex", "abc123");
}
