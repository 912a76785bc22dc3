//! The tests of exercise `receive`. Check your file with `cargo run -- check lesson5`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's server is lesson 5's, with your `receive` in its put; the kit's client is lesson 4's
//! `Client`, logged in as alex, with lesson 5's put header. Each test uploads a file, sent in
//! one write, in pieces, stuck to the next request, or cut short, and then downloads it with get
//! to see what the server stored.
//!
//! The tests outside `mod rust_only` speak only the article's protocol over the socket, so a
//! teacher can run them against a server in any language:
//! `cargo run -- check lesson5 receive --server "CMD"`. That server knows lesson 4's sample users
//! (`lessons/lesson4-login/users.json`), answers put as the article's does, answers get as
//! lesson 5's does (`{"status": 200, "file_size": N}`, then, after the client's
//! `{"status": 200}`, the N bytes), and closes the connection when the client closes its end.
//! Each test starts it anew, with no files.

#[cfg_attr(feature = "solution", path = "../solutions/receive.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/receive.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../receive.rs"
)]
mod receive;

use std::fs::File;
use std::io::{self, ErrorKind, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use lesson4::client::Client;
use lesson4::home::PathError;
use lesson4::protocol::{Reply, recv_message};
use lesson4::server::{FtpServer, serve};
use lesson4::session::Session;
use lesson4::users::Users;
use lesson5::server::Request;
use lesson5::transfer::{BUFFER_SIZE, PartialFile};
use serde_json::json;
use socket_lab::exercise::{self, Server, TIMEOUT, preview};
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
    fn log_in(&self) -> Client {
        let mut client = Client {
            stream: exercise::connect(self.server.addr()),
            user: String::new(),
        };
        match client.log_in("alex", "abc123") {
            Ok(Ok(())) => client,
            Ok(Err(answer)) => panic!("alex could not log in: the server answered {answer:?}"),
            Err(err) => panic!("alex could not log in: {}", why(&err)),
        }
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
            other => lesson5::server::run(session, other, BUFFER_SIZE),
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

/// An error of the kit's side in words that are the same on every run.
fn why(err: &io::Error) -> String {
    match err.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            format!("nothing came for {}s", TIMEOUT.as_secs())
        }
        ErrorKind::UnexpectedEof
        | ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe => "the server closed the connection".to_string(),
        _ => err.to_string(),
    }
}

/// `size` bytes of a file, every byte value in turn.
fn sample(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7 % 251) as u8).collect()
}

/// The article's put header, and the server's go-ahead.
fn announce(client: &mut Client, name: &str, size: usize) {
    match lesson5::client::put_header(client, name, size as u64) {
        Ok(Ok(())) => {}
        Ok(Err(refusal)) => panic!("put {name}, {size} bytes, was refused: {refusal}"),
        Err(err) => panic!("put {name}, {size} bytes: {}", why(&err)),
    }
}

fn send(client: &mut Client, bytes: &[u8], when: &str) {
    if let Err(err) = client.stream.write_all(bytes) {
        panic!(
            "{when}: sending {} bytes failed: {}",
            bytes.len(),
            why(&err)
        );
    }
}

/// Sends `get NAME` on its own.
fn ask_for(client: &mut Client, name: &str, when: &str) {
    let request = json!({"action": "get", "filename": name}).to_string();
    send(client, request.as_bytes(), when);
}

/// Reads one reply: one recv, as the article's client does.
fn read_reply(client: &mut Client, when: &str) -> Reply {
    let message = match recv_message(&mut client.stream) {
        Ok(Some(message)) => message,
        Ok(None) => panic!("{when}: the server closed the connection instead of answering"),
        Err(err) => panic!("{when}: {}", why(&err)),
    };
    serde_json::from_slice(&message).unwrap_or_else(|err| {
        panic!(
            "{when}: the reply is not JSON ({err}): {}",
            preview(&message)
        )
    })
}

fn shown(reply: &Reply) -> String {
    serde_json::to_string(reply).expect("a reply is JSON")
}

/// After `get NAME` has been sent: expects the file's size, says go, and expects `expected`.
fn expect_download(client: &mut Client, name: &str, expected: &[u8], when: &str) {
    let when = format!("{when}: get {name}");
    let reply = read_reply(client, &when);
    let Some(size) = reply.file_size.filter(|_| reply.status == 200) else {
        panic!(
            "{when} was answered {}, not a 200 with the file_size",
            shown(&reply)
        );
    };
    assert!(
        size == expected.len() as u64,
        "{when} announced {size} bytes, not the {} that were put",
        expected.len()
    );
    if let Err(err) = client.go_ahead() {
        panic!("{when}: sending the go-ahead failed: {}", why(&err));
    }
    match exercise::read_exactly(&mut client.stream, expected.len()) {
        Ok(received) => {
            if let Some(difference) = exercise::difference(expected, &received) {
                panic!("{when} sent bytes that are not the file put: {difference}");
            }
        }
        Err(short) => panic!("{when} announced {size} bytes; {short}"),
    }
}

/// Closes the client's sending side and waits for the server to close the connection, which it
/// does once it has read everything the client sent; what it sends meanwhile is not looked at.
fn close_and_wait(mut client: Client, when: &str) {
    let _ = client.stream.shutdown(Shutdown::Write);
    if let Err(short) = exercise::read_until_closed(&mut client.stream) {
        panic!(
            "{when}, the client closed its sending side and waited for the server to close the \
             connection; {}",
            short.ended
        );
    }
}

#[test]
fn a_small_file_is_stored_whole() {
    let site = Site::start();
    let mut alex = site.log_in();
    let file = b"twelve bytes";
    announce(&mut alex, "small.txt", file.len());
    send(&mut alex, file, "put small.txt");
    ask_for(&mut alex, "small.txt", "after put small.txt");
    expect_download(
        &mut alex,
        "small.txt",
        file,
        "after put small.txt, 12 bytes in one write",
    );
}

#[test]
fn an_empty_file_is_stored() {
    let site = Site::start();
    let mut alex = site.log_in();
    announce(&mut alex, "empty.txt", 0);
    ask_for(&mut alex, "empty.txt", "after put empty.txt");
    expect_download(&mut alex, "empty.txt", b"", "after put empty.txt, 0 bytes");
}

#[test]
fn a_file_sent_in_pieces_is_stored_whole() {
    let site = Site::start();
    let mut alex = site.log_in();
    let file = sample(3000);
    announce(&mut alex, "pieces.bin", file.len());
    send(
        &mut alex,
        &file[..1000],
        "put pieces.bin, the first 1000 bytes",
    );
    // Long enough for the server's read to return the first piece alone.
    thread::sleep(Duration::from_millis(100));
    send(
        &mut alex,
        &file[1000..],
        "put pieces.bin, the other 2000 bytes",
    );
    close_and_wait(alex, "after put pieces.bin");
    let mut alex = site.log_in();
    ask_for(&mut alex, "pieces.bin", "on a new connection");
    expect_download(
        &mut alex,
        "pieces.bin",
        &file,
        "after put pieces.bin, 3000 bytes in two writes 100 ms apart, on a new connection",
    );
}

#[test]
fn the_next_request_stuck_to_the_file_is_answered() {
    let site = Site::start();
    let mut alex = site.log_in();
    let file = sample(1500);
    announce(&mut alex, "stuck.bin", file.len());
    // The file and the next request in one write: they arrive together.
    let mut stuck = file.clone();
    stuck.extend_from_slice(
        json!({"action": "get", "filename": "stuck.bin"})
            .to_string()
            .as_bytes(),
    );
    send(&mut alex, &stuck, "put stuck.bin");
    expect_download(
        &mut alex,
        "stuck.bin",
        &file,
        "after put stuck.bin, 1500 bytes sent in one write with the next request",
    );
}

#[test]
fn an_upload_cut_short_is_not_kept() {
    let site = Site::start();
    let mut alex = site.log_in();
    let file = sample(2000);
    announce(&mut alex, "cut.bin", file.len());
    send(&mut alex, &file[..1000], "put cut.bin");
    close_and_wait(alex, "after 1000 of the 2000 bytes of cut.bin");
    let mut alex = site.log_in();
    ask_for(&mut alex, "cut.bin", "on a new connection");
    let when = "after 1000 of the 2000 bytes of cut.bin and the close, on a new connection: get \
                cut.bin";
    let reply = read_reply(&mut alex, when);
    assert!(
        reply.status != 200,
        "{when} was answered {}: a file cut short must not be kept under its name",
        shown(&reply)
    );
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
        let mut alex = site.log_in();
        let file = sample(3000);
        announce(&mut alex, "bytes.bin", file.len());
        let mut stuck = file.clone();
        stuck.extend_from_slice(
            json!({"action": "get", "filename": "bytes.bin"})
                .to_string()
                .as_bytes(),
        );
        send(&mut alex, &stuck, "put bytes.bin");
        expect_download(
            &mut alex,
            "bytes.bin",
            &file,
            "after put bytes.bin, 3000 bytes read one at a time, sent with the next request",
        );
    }
}
