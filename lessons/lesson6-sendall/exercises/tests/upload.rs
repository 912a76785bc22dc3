//! The tests of exercise `upload`. Check your file with `cargo lab check lesson6`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's server is lesson 6's: lesson 5's server on a socket with small buffers, with lesson
//! 4's sample users and a temporary home for alex. Its put waits 300 ms after its `200` before it
//! reads the file, as a busy server would: meanwhile it reads nothing, the client's socket fills
//! up, and a `send` takes only what fits, on every run. (Linux gives a socket at most 4 MiB of
//! send buffer by default, the `net.ipv4.tcp_wmem` maximum, so a line of 8 MiB cannot fit.) Then
//! it reads everything the client sends until the client closes, and the test compares it with
//! the file: first what the server received, then how the client ended, so that a failure says
//! what went wrong on the wire before it says how the session ended. Each failure lists the
//! steps, numbered, and marks the one that failed.
//!
//! The tests speak only the article's protocol over the socket, so a teacher can run them
//! against a client in any language: `cargo lab check lesson6 upload --client "CMD"`. That
//! client reads the article's prompts' answers from stdin, one a line: `alex`, `abc123`,
//! `put PATH` (PATH absolute), then `q`. It logs in, uploads the file with the article's put
//! (the name sent is the last part of PATH), and exits when its input ends.

#[cfg_attr(feature = "solution", path = "../solutions/upload.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/upload_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/upload_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/upload_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/upload_3.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3"
    )),
    path = "../upload.rs"
)]
mod upload;

use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use lesson4::client::Client;
use lesson4::home::PathError;
use lesson4::protocol::Reply;
use lesson4::server::{FtpServer, serve};
use lesson4::session::Session;
use lesson4::users::Users;
use lesson5::server::Request;
use lesson5::transfer::{Buffers, PartialFile};
use socket_lab::exercise::{self, Ended, Steps, TIMEOUT, Xorshift, preview};
use tempfile::TempDir;

/// How long the kit's server waits after its 200 before it reads the file.
const BUSY: Duration = Duration::from_millis(300);

/// What the kit's server saw of the client's put.
#[derive(Default)]
struct Seen {
    /// The put header: the file's name and announced size.
    put: Option<(String, u64)>,
    /// Every byte that came after the server's 200, until the client closed.
    received: Vec<u8>,
    /// How the reading ended, when it was not by the client's close.
    ended: Option<Ended>,
}

type Shared = Arc<Mutex<Seen>>;

/// The kit's server, serving one client; what it saw is in the `Shared`, and the outcome of the
/// session comes on the channel when it ends.
fn serve_one_client(root: &Path) -> (SocketAddr, Shared, Receiver<io::Result<()>>) {
    let listener =
        lesson6::buffers::listen_with_small_buffers(SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("listen");
    let addr = listener.local_addr().expect("the server's address");
    let users = Users::load(Path::new(lesson4::SAMPLE_USERS)).expect("lesson 4's users");
    let ftp = FtpServer::new(users, root.to_path_buf()).with_log(|_| {});
    let seen = Shared::default();
    let recorder = Arc::clone(&seen);
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
                } => put_when_ready(session, &filename, file_size, &recorder),
                other => lesson5::server::run(session, other, Buffers::LESSON),
            })
        };
        let _ = done.send(session());
    });
    (addr, seen, outcome)
}

/// Lesson 5's put, with a pause between the 200 and the first read, that reads everything the
/// client sends until it closes (the client puts one file, then closes), and records it.
fn put_when_ready(
    session: &mut Session,
    filename: &str,
    file_size: u64,
    seen: &Shared,
) -> io::Result<()> {
    seen.lock().unwrap().put = Some((filename.to_string(), file_size));
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
    session.stream.set_read_timeout(Some(TIMEOUT))?;
    let mut buf = [0u8; 65536];
    loop {
        match session.stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => seen.lock().unwrap().received.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => {
                seen.lock().unwrap().ended = Some(err.into());
                break;
            }
        }
    }
    let received = &seen.lock().unwrap().received;
    if received.len() as u64 == file_size {
        io::Write::write_all(partial.file(), received)?;
        partial.keep()?;
    }
    Ok(())
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

/// Why the bytes the server received are not `content`, in words: None if they are. The words
/// hold no count that depends on the machine's socket buffers: the book shows them.
fn what_went_wrong(content: &[u8], file: &[u8]) -> Option<(String, &'static str)> {
    exercise::difference(content, file)?;
    let same = content.iter().zip(file).take_while(|(a, b)| a == b).count();
    if file.is_empty() {
        return Some(("nothing came".into(), "part of the file never came"));
    }
    if same == file.len() {
        return Some((
            "only the start of the file came".into(),
            "part of the file never came",
        ));
    }
    let came = format!(
        "the start of the file came, then {}, which is not what follows it in the file",
        preview(&file[same..])
    );
    // The test's files never repeat 16 bytes in a row (their long line is random letters), so
    // 16 bytes that came earlier in the file came again.
    let next = &file[same..file.len().min(same + 16)];
    let earlier = content[..same]
        .windows(16)
        .position(|window| window == next)
        .filter(|_| next.len() == 16);
    Some(match earlier {
        Some(at) => (
            format!("{came}: it is the file from byte {at} on, again"),
            "bytes already sent were sent again: after a short send, the next one goes on from \
             where it stopped",
        ),
        None => (
            came,
            "the bytes the server received differ from the file: part of a line was lost",
        ),
    })
}

/// Has the client under test upload `content` as `name`, and expects the server to receive
/// all of it and nothing more; `what` describes the file.
fn assert_uploads_whole(name: &str, content: &[u8], what: &str) {
    let dir = TempDir::new().expect("a temporary directory");
    let root = dir.path().join("root");
    let path = dir.path().join(name);
    fs::write(&path, content).expect("the file to upload");
    let mut steps = Steps::new();
    let (addr, seen, outcome) = serve_one_client(&root);
    steps.did(
        "start lesson 6's server (small buffers; after its 200 to a put, it waits 300 ms \
         before it reads)",
    );
    let input = format!("alex\nabc123\nput {}\nq\n", path.display());
    let client = exercise::run_client(addr, input.as_bytes(), move |addr, _input| {
        upload_with_send_lines(addr, &path)
    });
    steps.did(format!(
        "run the client: log in as alex, put {name} ({what}, {} bytes), quit",
        content.len()
    ));
    let session = outcome.recv_timeout(TIMEOUT);
    let seen = seen.lock().unwrap();
    // How the client ended, told after what the server received, which says more.
    let client_ended = match &client {
        Ok(_) => String::new(),
        Err(failure) => format!("; and {failure}"),
    };

    let step = format!("expect a put of {name}, {} bytes", content.len());
    match &seen.put {
        Some((put_name, size)) if put_name == name && *size == content.len() as u64 => {
            steps.got(step);
        }
        Some((put_name, size)) => steps.failed(
            step,
            format!("a put of {put_name}, {size} bytes{client_ended}"),
            "the put names the file by the last part of its path, and announces its size",
        ),
        None => steps.failed(
            step,
            format!("no put came{client_ended}"),
            "the client never sent its put",
        ),
    }

    let step = format!("expect the {} bytes of the file", content.len());
    let received = &seen.received;
    let file = &received[..received.len().min(content.len())];
    if file.len() < content.len() {
        let how = match &seen.ended {
            None => "then the client closed the connection".to_string(),
            Some(ended) => format!("then {ended}"),
        };
        let arrived = match what_went_wrong(&content[..file.len()], file) {
            None if file.is_empty() => "nothing came".to_string(),
            None => "only the start of the file came".to_string(),
            Some((came, _)) => came,
        };
        steps.failed(
            step,
            format!("{arrived}; {how}{client_ended}"),
            format!(
                "the client closed the connection before the {} bytes it announced had all \
                 arrived: part of the file was never sent",
                content.len()
            ),
        );
    }
    if let Some((difference, why)) = what_went_wrong(content, file) {
        steps.failed(step, format!("{difference}{client_ended}"), why);
    }
    steps.got(step);

    let step = "expect nothing more, then the client's close";
    let more = &received[file.len()..];
    if !more.is_empty() {
        steps.failed(
            step,
            format!("{} more came{client_ended}", preview(more)),
            "the client sent more than the file: were bytes already sent sent again?",
        );
    }
    if let Some(ended) = &seen.ended {
        steps.failed(
            step,
            format!("{ended}{client_ended}"),
            "the client never closed",
        );
    }
    steps.got(step);

    let step = "expect the client to finish without an error";
    if let Err(failure) = &client {
        steps.failed(
            step,
            failure,
            "the client failed, though the server received the whole file",
        );
    }
    steps.got(step);

    let step = format!("expect the server to keep {name} in alex's home, and its session to end");
    let kept = fs::read(root.join("alex").join(name)).ok();
    match session {
        Ok(Ok(())) if kept.as_deref() == Some(content) => steps.got(step),
        Ok(Ok(())) => steps.failed(step, "the file is not there", "the server did not keep it"),
        Ok(Err(err)) => steps.failed(
            step,
            format!("the session failed: {err}"),
            "the server's session failed after the file",
        ),
        Err(_) => steps.failed(
            step,
            format!("the session had not ended {}s later", TIMEOUT.as_secs()),
            "the server was still in its session",
        ),
    }
}

/// `len` letters, each chosen at random (a fixed xorshift sequence): 16 letters in a row never
/// come twice, so a piece sent twice shows as such.
fn random_letters(len: usize) -> Vec<u8> {
    Xorshift::new(0x9e37_79b9)
        .take(len)
        .map(|number| b'a' + (number % 26) as u8)
        .collect()
}

#[test]
fn a_short_file_arrives_whole() {
    let content = b"the first line\nthe second line\nthe last line, without a newline";
    assert_uploads_whole("notes.txt", content, "3 short lines");
}

#[test]
fn a_file_with_a_long_line_arrives_whole() {
    let mut content = b"a short first line\n".to_vec();
    content.extend(random_letters(8 << 20));
    content.extend_from_slice(b"\nthe last line\n");
    assert_uploads_whole(
        "long.txt",
        &content,
        "a short line, a line of 8 MiB and another short line",
    );
}
