//! The tests of exercise `upload`. Check your file with `cargo run -- check lesson6`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's server is lesson 6's: lesson 5's server on a socket with small buffers, with lesson
//! 4's sample users and a temporary home for alex. Its put waits 300 ms after its `200` before it
//! reads the file, as a busy server would: meanwhile the client's socket fills up, and a `send`
//! takes only what fits. (Linux gives a socket at most 4 MiB of send buffer by default, the
//! `net.ipv4.tcp_wmem` maximum, so a line of 8 MiB cannot fit.) When the client has finished, the
//! test compares the file the server kept with the file the client was given.
//!
//! The tests speak only the article's protocol over the socket, so a teacher can run them
//! against a client in any language: `cargo run -- check lesson6 upload --client "CMD"`. That
//! client reads the article's prompts' answers from stdin, one a line: `alex`, `abc123`,
//! `put PATH` (PATH absolute), then `q`. It logs in, uploads the file with the article's put
//! (the name sent is the last part of PATH), and exits when its input ends.

#[cfg_attr(feature = "solution", path = "../solutions/upload.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/upload.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
    path = "../upload.rs"
)]
mod upload;

use std::fs::{self, File};
use std::io::{self, BufReader, ErrorKind};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use lesson4::client::Client;
use lesson4::home::PathError;
use lesson4::protocol::Reply;
use lesson4::server::{FtpServer, serve};
use lesson4::session::Session;
use lesson4::users::Users;
use lesson5::server::Request;
use lesson5::transfer::{BUFFER_SIZE, PartialFile, copy_exact};
use socket_lab::exercise::{self, TIMEOUT};
use tempfile::TempDir;

/// How long the kit's server waits after its 200 before it reads the file.
const BUSY: Duration = Duration::from_millis(300);

/// The kit's server, serving one client; the outcome of that client's session comes on the
/// channel when it ends.
fn serve_one_client(root: &Path) -> (SocketAddr, Receiver<io::Result<()>>) {
    let listener =
        lesson6::buffers::listen_with_small_buffers(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("listen");
    let addr = listener.local_addr().expect("the server's address");
    let users = Users::load(Path::new(lesson4::SAMPLE_USERS)).expect("lesson 4's users");
    let ftp = FtpServer::new(users, root.to_path_buf()).with_log(|_| {});
    let (done, outcome) = mpsc::channel();
    thread::spawn(move || {
        let session = || -> io::Result<()> {
            let (stream, client_address) = listener.accept()?;
            let Some(session) = ftp.log_in(stream, client_address)? else {
                return Ok(());
            };
            serve(session, |session, request| match request {
                Request::Put {
                    filename,
                    file_size,
                } => put_when_ready(session, &filename, file_size),
                other => lesson5::server::run(session, other, BUFFER_SIZE),
            })
        };
        let _ = done.send(session());
    });
    (addr, outcome)
}

/// Lesson 5's put, with a pause between the 200 and the first read.
fn put_when_ready(session: &mut Session, filename: &str, file_size: u64) -> io::Result<()> {
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
    thread::sleep(BUSY);
    copy_exact(
        &mut session.stream,
        partial.file(),
        file_size,
        &mut [0; BUFFER_SIZE],
    )?;
    partial.keep()
}

/// The kit's client, with your `send_lines` for the file's bytes.
fn upload_with_send_lines(addr: SocketAddr, path: &Path) -> io::Result<Vec<u8>> {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    exercise::bound(&stream);
    let mut client = Client {
        stream,
        user: String::new(),
    };
    client.log_in("alex", "abc123")?.map_err(io::Error::other)?;
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    lesson5::client::put_header(&mut client, name, size)?
        .map_err(|refusal| io::Error::other(refusal.to_string()))?;
    // As a Python socket with a timeout is: a send takes what fits, and returns.
    client.stream.set_nonblocking(true)?;
    upload::send_lines(&mut client.stream, BufReader::new(file))?;
    Ok(Vec::new())
}

/// Has the client under test upload `content` as `name`, and expects the server to keep all of
/// it; `what` describes the file.
fn assert_uploads_whole(name: &str, content: &[u8], what: &str) {
    let dir = TempDir::new().expect("a temporary directory");
    let root = dir.path().join("root");
    let path = dir.path().join(name);
    fs::write(&path, content).expect("the file to upload");
    let (addr, outcome) = serve_one_client(&root);
    let input = format!("alex\nabc123\nput {}\nq\n", path.display());
    let when = format!("put {name}, {what}");
    if let Err(failure) = exercise::run_client(addr, input.as_bytes(), move |addr, _input| {
        upload_with_send_lines(addr, &path)
    }) {
        panic!("{when}: {failure}");
    }
    let session = outcome.recv_timeout(TIMEOUT).unwrap_or_else(|_| {
        panic!(
            "{when}: the client had finished, and {}s later the server was still in its session",
            TIMEOUT.as_secs()
        )
    });
    if let Err(err) = session {
        let why = match err.kind() {
            ErrorKind::UnexpectedEof => format!(
                "the client closed the connection before the {} bytes it announced had all \
                 arrived: part of the file was never sent, and the server kept nothing",
                content.len()
            ),
            kind => format!("the server's session failed: {kind:?}"),
        };
        panic!("{when}: {why}");
    }
    match fs::read(root.join("alex").join(name)) {
        Ok(kept) => {
            if let Some(difference) = exercise::difference(content, &kept) {
                panic!("{when}: of the file the server kept, {difference}");
            }
        }
        Err(_) => panic!(
            "{when}: the client finished, and the server has no {name} in alex's home: did the \
             client log in as alex, and name the file by the last part of its path?"
        ),
    }
}

#[test]
fn a_short_file_arrives_whole() {
    let content = b"the first line\nthe second line\nthe last line, without a newline";
    assert_uploads_whole("notes.txt", content, "3 short lines");
}

#[test]
fn a_file_with_a_long_line_arrives_whole() {
    let mut content = b"a short first line\n".to_vec();
    content.extend((0..8 << 20).map(|i: u32| b'a' + (i % 26) as u8));
    content.extend_from_slice(b"\nthe last line\n");
    assert_uploads_whole(
        "long.txt",
        &content,
        "a short line, a line of 8 MiB and another short line",
    );
}
