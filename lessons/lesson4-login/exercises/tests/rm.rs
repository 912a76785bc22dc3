//! The tests of exercise `rm`. Check your file with `cargo lab check lesson4`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's server is lesson 4's login and `serve`, with your `run` for each request; the kit's
//! client is lesson 4's `Client`, logged in as alex. Each test sends requests over loopback and
//! looks at the replies, and at the files on the server's disk: so these tests check Rust code
//! only (the exercise has no role for teacher mode). They check what the starter specifies: the
//! status of each reply, the file's path from the home in the reply to a removal, that the session
//! goes on, and what is left on the disk; a refusal's message may say why in any words.

#[cfg_attr(feature = "solution", path = "../solutions/rm.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/rm_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/rm_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/rm_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/rm_3.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3"
    )),
    path = "../rm.rs"
)]
mod rm;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lesson4::client::Client;
use lesson4::protocol::Reply;
use lesson4::server::{FtpServer, serve};
use lesson4::users::Users;
use serde_json::{Value, json};
use socket_lab::exercise::{self, Ended, Server, Steps};
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

    /// A client logged in as alex, on a new connection.
    fn log_in(&self, steps: &mut Steps) -> Client {
        let mut client = Client {
            stream: steps.connect(self.server.addr()),
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
            Err(err) => steps.failed(step, err, "alex could not log in"),
        }
        client
    }
}

/// What a reply must be.
enum Want<'a> {
    /// A 200 whose message names the file removed by its path from the home, `/docs/notes.txt`.
    Removed(&'a str),
    /// This status; the message may say why in any words.
    Status(u16),
}

/// Sends `request` and expects its reply to be `want`, as the next step.
fn expect(steps: &mut Steps, client: &mut Client, request: Value, want: Want) -> Reply {
    let step = match want {
        Want::Removed(path) => format!(
            "send {request}, expect status 200 and a message that names {path}, the file's \
             path from the home"
        ),
        Want::Status(status) => format!("send {request}, expect status {status}"),
    };
    let reply = match client.request(&request) {
        Ok(reply) => reply,
        Err(err) => {
            let ended = Ended::from(err);
            let symptom = match ended {
                Ended::TimedOut => "no reply came: every request must be answered, a refusal too",
                Ended::Closed => {
                    "the server closed the connection instead of answering: a refusal must not \
                     end the session"
                }
                Ended::Failed(_) => "the reply could not be read",
            };
            steps.failed(step, ended.instead_of_an_answer(), symptom)
        }
    };
    let came = serde_json::to_string(&reply).expect("a reply is JSON");
    let message = reply.message.as_deref().unwrap_or_default();
    match want {
        Want::Removed(_) if reply.status != 200 => {
            steps.failed(step, came, "the removal of an existing file was refused")
        }
        Want::Removed(path) if !message.contains(path) => steps.failed(
            step,
            came,
            "the reply does not name the file removed by its path from the home",
        ),
        Want::Status(status) if reply.status != status => steps.failed(
            step,
            came,
            format!("the status is not {status}, the one the specification gives"),
        ),
        _ => steps.got(step),
    }
    reply
}

/// Expects `holds` of what is on the server's disk, as the next step.
fn expect_on_disk(steps: &mut Steps, what: &str, holds: bool, symptom: &str) {
    let step = format!("expect on the server's disk: {what}");
    if !holds {
        steps.failed(step, "it is not so", symptom);
    }
    steps.got(step);
}

fn rm(path: &str) -> Value {
    json!({"action": "rm", "path": path})
}

#[test]
fn a_file_is_removed() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    expect(
        &mut steps,
        &mut alex,
        rm("notes.txt"),
        Want::Removed("/notes.txt"),
    );
    expect_on_disk(
        &mut steps,
        "notes.txt is gone, docs/report.txt is still there",
        !site.alex("notes.txt").exists() && site.alex("docs/report.txt").exists(),
        "rm removed the wrong files",
    );
}

#[test]
fn a_path_names_the_file_as_it_does_for_cd() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    expect(
        &mut steps,
        &mut alex,
        rm("docs/report.txt"),
        Want::Removed("/docs/report.txt"),
    );
    expect_on_disk(
        &mut steps,
        "docs/report.txt is gone",
        !site.alex("docs/report.txt").exists(),
        "rm was answered 200, and the file is still there",
    );
    expect(
        &mut steps,
        &mut alex,
        json!({"action": "cd", "path": "docs"}),
        Want::Status(200),
    );
    // From /docs: a path with a leading `/` starts at the home.
    expect(
        &mut steps,
        &mut alex,
        rm("/notes.txt"),
        Want::Removed("/notes.txt"),
    );
    expect_on_disk(
        &mut steps,
        "notes.txt is gone from the home",
        !site.alex("notes.txt").exists(),
        "rm was answered 200, and the file is still there",
    );
}

#[test]
fn a_symbolic_link_is_removed_and_what_it_points_to_stays() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    expect(
        &mut steps,
        &mut alex,
        rm("report-link"),
        Want::Removed("/report-link"),
    );
    expect_on_disk(
        &mut steps,
        "the link report-link is gone",
        site.alex("report-link").symlink_metadata().is_err(),
        "rm was answered 200, and the link is still there",
    );
    expect_on_disk(
        &mut steps,
        "docs/report.txt, the file the link points to, is still there",
        site.alex("docs/report.txt").exists(),
        "rm of a link removed the file it points to",
    );
}

#[test]
fn a_missing_file_is_refused_and_the_session_goes_on() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    expect(&mut steps, &mut alex, rm("nothing.txt"), Want::Status(404));
    // The next request is answered as usual.
    expect(
        &mut steps,
        &mut alex,
        rm("notes.txt"),
        Want::Removed("/notes.txt"),
    );
}

#[test]
fn a_directory_is_refused_and_kept() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    expect(&mut steps, &mut alex, rm("docs/2024"), Want::Status(400));
    expect(&mut steps, &mut alex, rm("docs"), Want::Status(400));
    expect_on_disk(
        &mut steps,
        "docs/2024 and docs/report.txt are still there",
        site.alex("docs/2024").is_dir() && site.alex("docs/report.txt").is_file(),
        "rm of a directory was refused, but the directory or what it holds is gone",
    );
}

#[test]
fn a_path_out_of_the_home_is_refused() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    expect(
        &mut steps,
        &mut alex,
        rm("../eric/secret.txt"),
        Want::Status(403),
    );
    expect_on_disk(
        &mut steps,
        "eric's secret.txt is still there",
        site.root.path().join("eric/secret.txt").exists(),
        "alex removed a file outside alex's home",
    );
}

#[test]
fn a_request_without_a_path_is_refused() {
    let site = Site::start();
    let mut steps = Steps::new();
    let mut alex = site.log_in(&mut steps);
    expect(
        &mut steps,
        &mut alex,
        json!({"action": "rm"}),
        Want::Status(400),
    );
}
