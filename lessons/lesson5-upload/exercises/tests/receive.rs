//! The tests of exercise `receive`. Check your file with `cargo lab check lesson5`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's server is lesson 5's, with your `receive` in its put; the kit's client logs in as
//! alex with lesson 4's `Client`, sends lesson 5's put header, and then the file the way a
//! network delivers it: in one write, or 1, 5 or 4096 bytes per write, or stuck to the next
//! request in a single write, or cut short by the client's close. It then downloads the file with
//! get, to see what the server stored.
//!
//! The tests outside `mod rust_only` speak only the article's protocol over the socket, so a
//! teacher can run them against a server in any language:
//! `cargo lab check lesson5 receive --server "CMD"`. That server knows lesson 4's sample users
//! (`lessons/lesson4-login/users.json`), answers put as the article's does, answers get as
//! lesson 5's does (`{"status": 200, "file_size": N}`, then, after the client's
//! `{"status": 200}`, the N bytes), refuses a get of a file it does not have, and closes the
//! connection when the client closes its end. Each test starts it anew, with no files.

#[cfg_attr(feature = "solution", path = "../solutions/receive.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/receive_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/receive_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/receive_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/receive_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/receive_4.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4"
    )),
    path = "../receive.rs"
)]
mod receive;

use std::fs::File;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

use lesson4::client::Client;
use lesson4::home::PathError;
use lesson4::protocol::{Reply, recv_message};
use lesson4::server::{FtpServer, serve};
use lesson4::session::Session;
use lesson4::users::Users;
use lesson5::server::Request;
use lesson5::transfer::{Buffers, PartialFile};
use serde_json::json;
use socket_lab::exercise::{self, Ended, Pace, Server, Short, Steps, TIMEOUT, preview};
use tempfile::TempDir;

/// How the kit's server receives a file: your `receive`, or your `receive` on a stream whose
/// reads return one byte each.
type Receive = fn(&mut TcpStream, &mut File, u64) -> io::Result<()>;

/// The server under test, and the directory of its users' homes (for the Rust server only).
struct Site {
    server: Server,
    _root: TempDir,
}

impl Site {
    fn start() -> Site {
        let root = TempDir::new().expect("a temporary directory");
        let dir = root.path().to_path_buf();
        let server = exercise::start_server(move |listener| {
            serve_uploads(
                listener,
                dir,
                |conn: &mut TcpStream, file: &mut File, size| receive::receive(conn, file, size),
            )
        });
        Site {
            server,
            _root: root,
        }
    }

    /// A client logged in as alex, on a new connection.
    fn log_in(&self, steps: &mut Steps) -> Client {
        let stream = steps.connect(self.server.addr());
        let mut client = Client {
            stream,
            user: String::new(),
        };
        let step = "log in as alex";
        match client.log_in("alex", "abc123") {
            Ok(Ok(())) => steps.got(step),
            Ok(Err(answer)) => steps.failed(
                step,
                format!("the server answered {answer:?}"),
                "alex could not log in",
            ),
            Err(err) => steps.failed(
                step,
                Ended::from(err).instead_of_an_answer(),
                "alex could not log in",
            ),
        }
        client
    }
}

/// Lesson 5's server, with `receive` where its put calls `copy_exact`, and without its log.
fn serve_uploads(listener: TcpListener, root: PathBuf, receive: Receive) {
    let users = Users::load(Path::new(lesson4::SAMPLE_USERS)).expect("lesson 4's users");
    let ftp = FtpServer::new(users, root).with_log(|_| {});
    exercise::each_connection(listener, move |conn| {
        let client_address = conn.peer_addr()?;
        let Some(session) = ftp.log_in(conn, client_address)? else {
            return Ok(());
        };
        serve(session, |session, request| match request {
            Request::Put {
                filename,
                file_size,
            } => put(session, &filename, file_size, receive),
            other => lesson5::server::run(session, other, Buffers::LESSON),
        })
    })
}

/// Lesson 5's put: a temporary file, the 200, the bytes, and the file's name only when they are
/// all there.
fn put(session: &mut Session, filename: &str, file_size: u64, receive: Receive) -> io::Result<()> {
    let what = format!("put {filename}, {file_size} bytes");
    let target = match session.workdir.new_file(filename) {
        Ok(target) => target,
        Err(err) => return session.refuse(&what, &err),
    };
    let mut partial = match PartialFile::create(&target) {
        Ok(partial) => partial,
        Err(err) => return session.refuse(&what, &PathError::Io(err)),
    };
    session.reply(&what, &Reply::ok())?;
    receive(&mut session.stream, partial.file(), file_size)?;
    partial.keep()
}

/// `size` bytes of a file, every byte value in turn.
fn sample(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7 % 251) as u8).collect()
}

fn shown(reply: &Reply) -> String {
    serde_json::to_string(reply).expect("a reply is JSON")
}

/// The article's put header, and the server's go-ahead.
fn announce(steps: &mut Steps, client: &mut Client, name: &str, size: usize) {
    let step = format!("send the put header of {name}, {size} bytes, and expect a 200");
    match lesson5::client::put_header(client, name, size as u64) {
        Ok(Ok(())) => steps.got(step),
        Ok(Err(refusal)) => steps.failed(step, refusal, "the put was refused"),
        Err(err) => steps.failed(
            step,
            Ended::from(err).instead_of_an_answer(),
            "the put was not answered",
        ),
    }
}

/// The bytes of `get NAME`, a request on its own.
fn get_request(name: &str) -> Vec<u8> {
    json!({"action": "get", "filename": name})
        .to_string()
        .into_bytes()
}

/// Reads one reply, as the next step: one recv, as the article's client does. `unanswered` is
/// the symptom if none comes.
fn read_reply(steps: &mut Steps, client: &mut Client, step: &str, unanswered: &str) -> Reply {
    let message = match recv_message(&mut client.stream) {
        Ok(Some(message)) => message,
        Ok(None) => steps.failed(
            step,
            "the connection was closed",
            "the server closed the connection instead of answering",
        ),
        Err(err) => steps.failed(step, Ended::from(err).instead_of_an_answer(), unanswered),
    };
    serde_json::from_slice(&message).unwrap_or_else(|err| {
        steps.failed(
            step,
            format!("{} ({err})", preview(&message)),
            "the reply is not JSON",
        )
    })
}

/// After `get NAME` has been sent: expects the file's size, says go, and expects `expected`.
/// `unanswered` is the symptom if no reply comes.
fn expect_download(
    steps: &mut Steps,
    client: &mut Client,
    name: &str,
    expected: &[u8],
    unanswered: &str,
) {
    let step = format!(
        "expect {{\"status\": 200, \"file_size\": {}}} for get {name}",
        expected.len()
    );
    let reply = read_reply(steps, client, &step, unanswered);
    match reply.file_size.filter(|_| reply.status == 200) {
        None => steps.failed(
            step,
            shown(&reply),
            "the server did not keep the file the client put",
        ),
        Some(size) if size < expected.len() as u64 => steps.failed(
            step,
            shown(&reply),
            "the server stored fewer bytes than the client put",
        ),
        Some(size) if size > expected.len() as u64 => steps.failed(
            step,
            shown(&reply),
            "the server stored more bytes than the client put",
        ),
        Some(_) => steps.got(step),
    }
    let step = "send the go-ahead, {\"status\": 200}";
    if let Err(err) = client.go_ahead() {
        steps.failed(
            step,
            Ended::from(err).instead_of_an_answer(),
            "the server closed the connection",
        );
    }
    steps.did(step);
    let step = format!("expect the {} bytes put", expected.len());
    match exercise::read_exactly(&mut client.stream, expected.len()) {
        Ok(received) => match exercise::difference(expected, &received) {
            None => steps.got(step),
            Some(difference) => steps.failed(
                step,
                difference,
                "the server stored bytes other than the ones the client put",
            ),
        },
        Err(short) => steps.failed(step, &short, "the file did not come back whole"),
    }
}

/// Closes the client's sending side and expects the server to close the connection, which it
/// does once it has read everything the client sent; what it sends meanwhile is not looked at.
fn close_and_expect_the_server_to_close(steps: &mut Steps, client: &mut Client) {
    steps.shut_down_sending(&client.stream);
    let step = "expect the server to close the connection";
    match exercise::read_until_closed(&mut client.stream) {
        Ok(_) => steps.got(step),
        Err(Short {
            ended: Ended::TimedOut,
            ..
        }) => steps.failed(
            step,
            format!("it was still open after {}s", TIMEOUT.as_secs()),
            "the server did not close the connection once the client had closed its end",
        ),
        Err(short) => steps.failed(step, &short.ended, "the connection failed"),
    }
}

#[test]
fn a_file_in_pieces_is_stored_whole() {
    let site = Site::start();
    // In one write; then a byte per write (every character cut), 5 bytes per write, and 4096
    // bytes per write (reads of a common buffer size), each written after a pause, so that the
    // server's reads return one piece each. The client then closes; a new connection gets it.
    let small = "你好, world!".as_bytes().to_vec();
    for (name, file, pace) in [
        ("whole.txt", small.clone(), Pace::Whole),
        ("bytes.txt", small, Pace::Drip(1)),
        ("fives.bin", sample(200), Pace::Drip(5)),
        ("pages.bin", sample(100_000), Pace::Drip(4096)),
    ] {
        let mut steps = Steps::new();
        let mut alex = site.log_in(&mut steps);
        announce(&mut steps, &mut alex, name, file.len());
        let what = format!("the {} bytes of {name}", file.len());
        steps.send(&mut alex.stream, &file, pace, &what);
        close_and_expect_the_server_to_close(&mut steps, &mut alex);
        let mut alex = site.log_in(&mut steps);
        steps.send(
            &mut alex.stream,
            &get_request(name),
            Pace::Whole,
            &format!("get {name}"),
        );
        expect_download(
            &mut steps,
            &mut alex,
            name,
            &file,
            "the server did not answer get",
        );
    }
}

#[test]
fn a_request_right_behind_the_file_is_answered() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    let file = sample(1500);
    announce(&mut steps, &mut alex, "stuck.bin", file.len());
    // The file and the next request in one write: they arrive together.
    let mut stuck = file.clone();
    stuck.extend_from_slice(&get_request("stuck.bin"));
    steps.send(
        &mut alex.stream,
        &stuck,
        Pace::Whole,
        "the 1500 bytes of stuck.bin and, right behind them, get stuck.bin",
    );
    expect_download(
        &mut steps,
        &mut alex,
        "stuck.bin",
        &file,
        "no answer came to the request sent right behind the file",
    );
}

#[test]
fn an_empty_file_is_stored() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    announce(&mut steps, &mut alex, "empty.txt", 0);
    steps.send(
        &mut alex.stream,
        &get_request("empty.txt"),
        Pace::Whole,
        "get empty.txt",
    );
    expect_download(
        &mut steps,
        &mut alex,
        "empty.txt",
        b"",
        "the server did not answer get",
    );
}

#[test]
fn an_upload_cut_short_is_not_kept() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    let file = sample(2000);
    announce(&mut steps, &mut alex, "cut.bin", file.len());
    steps.send(
        &mut alex.stream,
        &file[..1000],
        Pace::Whole,
        "the first 1000 of the 2000 bytes of cut.bin",
    );
    close_and_expect_the_server_to_close(&mut steps, &mut alex);
    let mut alex = site.log_in(&mut steps);
    steps.send(
        &mut alex.stream,
        &get_request("cut.bin"),
        Pace::Whole,
        "get cut.bin",
    );
    let step = "expect a refusal: no file cut.bin";
    let reply = read_reply(&mut steps, &mut alex, step, "the server did not answer get");
    if reply.status == 200 {
        steps.failed(
            step,
            shown(&reply),
            "a file cut short was kept under its name",
        );
    }
    steps.got(step);
}

/// A test that hands `receive` something other than a socket, so it checks Rust code only; the
/// checker skips it when it checks a command (`--server`).
mod rust_only {
    use super::*;
    use socket_lab::exercise::ShortReads;

    #[test]
    fn a_file_read_one_byte_at_a_time_is_stored_whole() {
        let root = TempDir::new().expect("a temporary directory");
        let dir = root.path().to_path_buf();
        // Each read of `receive` returns one byte, however the client wrote them.
        let server = exercise::start_rust_server(move |listener| {
            serve_uploads(
                listener,
                dir,
                |conn: &mut TcpStream, file: &mut File, size| {
                    receive::receive(&mut ShortReads::new(conn, 1), file, size)
                },
            )
        });
        let site = Site {
            server,
            _root: root,
        };
        let mut steps = Steps::new();
        let mut alex = site.log_in(&mut steps);
        let file = sample(3000);
        announce(&mut steps, &mut alex, "bytes.bin", file.len());
        let mut stuck = file.clone();
        stuck.extend_from_slice(&get_request("bytes.bin"));
        steps.send(
            &mut alex.stream,
            &stuck,
            Pace::Whole,
            "the 3000 bytes of bytes.bin and get bytes.bin (the server's reads return one \
             byte each)",
        );
        expect_download(
            &mut steps,
            &mut alex,
            "bytes.bin",
            &file,
            "no answer came to the request sent right behind the file",
        );
    }
}
