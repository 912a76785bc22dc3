//! The tests of exercise `rm`. Check your file with `cargo run -- check lesson4`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's server is lesson 4's login and `serve`, with your `run` for each request; the kit's
//! client is lesson 4's `Client`, logged in as alex. Each test sends requests over loopback and
//! looks at the replies, and at the files on the server's disk: so these tests check Rust code
//! only (the exercise has no role for teacher mode).

#[cfg_attr(feature = "solution", path = "../solutions/rm.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/rm.rs"
)]
#[cfg_attr(not(any(feature = "solution", feature = "mistake")), path = "../rm.rs")]
mod rm;

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lesson4::client::Client;
use lesson4::protocol::Reply;
use lesson4::server::{FtpServer, serve};
use lesson4::users::Users;
use serde_json::{Value, json};
use socket_lab::exercise::{self, Server, TIMEOUT};
use tempfile::TempDir;

/// The server under test, and the directory of its users' homes.
struct Site {
    server: Server,
    root: TempDir,
}

impl Site {
    /// alex's home holds notes.txt, docs/report.txt, the empty directory docs/2024, and
    /// report-link, a symbolic link to docs/report.txt; eric's holds secret.txt.
    fn start() -> Site {
        let root = TempDir::new().expect("a temporary directory");
        for (path, content) in [
            ("alex/notes.txt", "twelve bytes"),
            ("alex/docs/report.txt", "a report"),
            ("eric/secret.txt", "eric's"),
        ] {
            let path = root.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).expect("a home");
            fs::write(path, content).expect("a file in a home");
        }
        fs::create_dir_all(root.path().join("alex/docs/2024")).expect("a directory");
        socket_lab::links::symlink("docs/report.txt", root.path().join("alex/report-link"))
            .expect("a symbolic link");
        let users = Users::load(Path::new(lesson4::SAMPLE_USERS)).expect("lesson 4's users");
        let ftp = Arc::new(FtpServer::new(users, root.path().to_path_buf()).with_log(|_| {}));
        let server = exercise::start_rust_server(move |listener| {
            exercise::each_connection(listener, move |conn| {
                let client_address = conn.peer_addr()?;
                match ftp.log_in(conn, client_address)? {
                    Some(session) => serve(session, rm::run),
                    None => Ok(()),
                }
            })
        });
        Site { server, root }
    }

    /// Where `path`, in alex's home, is on the server's disk.
    fn alex(&self, path: &str) -> PathBuf {
        self.root.path().join("alex").join(path)
    }

    /// A client logged in as alex.
    fn log_in(&self) -> Client {
        let mut client = Client {
            stream: exercise::connect(self.server.addr()),
            user: String::new(),
        };
        match client.log_in("alex", "abc123") {
            Ok(Ok(())) => client,
            Ok(Err(answer)) => panic!("alex could not log in: the server answered {answer:?}"),
            Err(err) => panic!("alex could not log in: {err}"),
        }
    }
}

/// Sends `request` and returns the reply.
fn ask(client: &mut Client, request: &Value) -> Reply {
    client.request(request).unwrap_or_else(|err| {
        let why = match err.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                format!("no reply came within {}s", TIMEOUT.as_secs())
            }
            ErrorKind::UnexpectedEof
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted => "the server closed the connection".to_string(),
            _ => err.to_string(),
        };
        panic!("sent {request}: {why}")
    })
}

/// Sends `request` and expects a reply with `status` and a message that contains `says`.
fn expect(client: &mut Client, request: Value, status: u16, says: &str) {
    let reply = ask(client, &request);
    let message = reply.message.as_deref().unwrap_or_default();
    assert!(
        reply.status == status && message.contains(says),
        "sent {request}: the reply was {}, not status {status} with a message that says {says:?}",
        serde_json::to_string(&reply).unwrap()
    );
}

fn rm(path: &str) -> Value {
    json!({"action": "rm", "path": path})
}

#[test]
fn a_file_is_removed() {
    let site = Site::start();
    let mut alex = site.log_in();
    expect(&mut alex, rm("notes.txt"), 200, "removed /notes.txt");
    assert!(
        !site.alex("notes.txt").exists(),
        "rm notes.txt was answered 200, and notes.txt is still there"
    );
    assert!(
        site.alex("docs/report.txt").exists(),
        "rm notes.txt removed docs/report.txt too"
    );
}

#[test]
fn a_path_names_the_file_as_it_does_for_cd() {
    let site = Site::start();
    let mut alex = site.log_in();
    expect(
        &mut alex,
        rm("docs/report.txt"),
        200,
        "removed /docs/report.txt",
    );
    assert!(
        !site.alex("docs/report.txt").exists(),
        "rm docs/report.txt was answered 200, and docs/report.txt is still there"
    );
    let cd = json!({"action": "cd", "path": "docs"});
    let reply = ask(&mut alex, &cd);
    assert!(reply.status == 200, "sent {cd}: the reply was {reply:?}");
    // From /docs: a path with a leading `/` starts at the home.
    expect(&mut alex, rm("/notes.txt"), 200, "removed /notes.txt");
    assert!(
        !site.alex("notes.txt").exists(),
        "in /docs, rm /notes.txt was answered 200, and notes.txt is still in the home"
    );
}

#[test]
fn a_symbolic_link_is_removed_and_what_it_points_to_stays() {
    let site = Site::start();
    let mut alex = site.log_in();
    expect(&mut alex, rm("report-link"), 200, "removed /report-link");
    assert!(
        site.alex("report-link").symlink_metadata().is_err(),
        "rm report-link was answered 200, and the link is still there"
    );
    assert!(
        site.alex("docs/report.txt").exists(),
        "rm report-link removed docs/report.txt, the file the link points to"
    );
}

#[test]
fn a_missing_file_is_refused_and_the_session_goes_on() {
    let site = Site::start();
    let mut alex = site.log_in();
    expect(&mut alex, rm("nothing.txt"), 404, "no such file");
    // The next request is answered as usual.
    expect(&mut alex, rm("notes.txt"), 200, "removed /notes.txt");
}

#[test]
fn a_directory_is_refused_and_kept() {
    let site = Site::start();
    let mut alex = site.log_in();
    expect(&mut alex, rm("docs/2024"), 400, "it is a directory");
    expect(&mut alex, rm("docs"), 400, "it is a directory");
    assert!(
        site.alex("docs/2024").is_dir() && site.alex("docs/report.txt").is_file(),
        "rm docs was refused, but docs or what it holds is gone"
    );
}

#[test]
fn a_path_out_of_the_home_is_refused() {
    let site = Site::start();
    let mut alex = site.log_in();
    expect(
        &mut alex,
        rm("../eric/secret.txt"),
        403,
        "leads outside your home",
    );
    assert!(
        site.root.path().join("eric/secret.txt").exists(),
        "alex's rm ../eric/secret.txt removed eric's file"
    );
}

#[test]
fn a_request_without_a_path_is_refused() {
    let site = Site::start();
    let mut alex = site.log_in();
    expect(
        &mut alex,
        json!({"action": "rm"}),
        400,
        "bad rm request: missing field `path`",
    );
}
