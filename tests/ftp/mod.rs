//! What the tests of lessons 4 to 6 share: a scratch site (users file and root), a client that
//! speaks the article's protocol byte by byte, the article-style Python peers in `tests/peers`, and
//! the comparison of outputs whose numbers vary from run to run.
//!
//! Each test file that uses it declares `mod common; mod ftp;`.
#![allow(dead_code)]

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use socket_lab::exercise::Xorshift;
use tempfile::TempDir;

use crate::common::{LINE_TIMEOUT, ServerProcess, lesson_cmd, start_server, workspace_root};

/// The sample users (lessons/lesson4-login/users.json): alex and eric, password abc123; jack, qwer.
pub const SAMPLE_USERS: &str = "lessons/lesson4-login/users.json";

/// A users file and a root for the homes, in a directory removed when the test ends.
pub struct Site {
    pub dir: TempDir,
    pub users: PathBuf,
    pub root: PathBuf,
}

impl Site {
    /// The sample users, and an empty root.
    pub fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("users.json");
        fs::copy(workspace_root().join(SAMPLE_USERS), &users).unwrap();
        let root = dir.path().join("root");
        fs::create_dir(&root).unwrap();
        Site { dir, users, root }
    }

    /// `lessonN server` on a free port, with this site's users and root.
    pub fn start(&self, package: &str) -> ServerProcess {
        start_server(
            package,
            &[
                "--users",
                self.users.to_str().unwrap(),
                "--root",
                self.root.to_str().unwrap(),
            ],
        )
    }

    /// alex's home directory on the server's disk.
    pub fn home(&self, user: &str) -> PathBuf {
        self.root.join(user)
    }

    /// Every path under the root, relative to it, sorted.
    pub fn tree(&self) -> Vec<String> {
        fn walk(dir: &Path, root: &Path, found: &mut Vec<String>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                found.push(path.strip_prefix(root).unwrap().display().to_string());
                if path.is_dir() && !path.is_symlink() {
                    walk(&path, root, found);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.root, &self.root, &mut found);
        found.sort();
        found
    }
}

/// A client that speaks the protocol message by message, to send what no well-behaved client
/// would. Every read times out, so a test can never hang on it.
pub struct Wire {
    pub stream: TcpStream,
}

impl Wire {
    pub fn connect(addr: SocketAddr) -> Wire {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(LINE_TIMEOUT)).unwrap();
        Wire { stream }
    }

    /// Connects and logs in.
    pub fn logged_in(addr: SocketAddr, user: &str, password: &str) -> Wire {
        let mut wire = Wire::connect(addr);
        assert_eq!(wire.exchange(user.as_bytes()), b"200");
        assert_eq!(wire.exchange(password.as_bytes()), b"200");
        wire
    }

    pub fn send(&mut self, message: &[u8]) {
        self.stream.write_all(message).unwrap();
    }

    /// One recv(1024); panics if the server closed the connection or said nothing in time.
    pub fn recv(&mut self) -> Vec<u8> {
        let mut buf = [0; 1024];
        let n = self
            .stream
            .read(&mut buf)
            .unwrap_or_else(|err| panic!("no answer from the server: {err}"));
        assert!(n > 0, "the server closed the connection");
        buf[..n].to_vec()
    }

    /// Sends a message and returns the answer.
    pub fn exchange(&mut self, message: &[u8]) -> Vec<u8> {
        self.send(message);
        self.recv()
    }

    /// Sends a request (any bytes) and returns the reply as JSON.
    pub fn request(&mut self, message: impl AsRef<[u8]>) -> Value {
        let answer = self.exchange(message.as_ref());
        serde_json::from_slice(&answer).unwrap_or_else(|err| {
            panic!(
                "the reply is not JSON ({err}): {:?}",
                String::from_utf8_lossy(&answer)
            )
        })
    }

    /// Says go after a header, and reads exactly `size` bytes.
    pub fn accept_bytes(&mut self, size: u64) -> Vec<u8> {
        self.send(br#"{"status": 200}"#);
        let mut data = vec![0; size as usize];
        self.stream.read_exact(&mut data).unwrap();
        data
    }

    /// A request that must succeed: `cd /` answers 200, which shows the session is still in step.
    pub fn still_serves(&mut self) {
        let reply = self.request(br#"{"action": "cd", "path": "/"}"#);
        assert_eq!(reply["status"], 200, "{reply}");
        assert_eq!(reply["cwd"], "/");
    }
}

/// `python3 tests/peers/NAME ARGS...`, run from `dir`.
pub fn python_peer(name: &str, args: &[&str], dir: &Path) -> Command {
    let script = workspace_root().join("tests/peers").join(name);
    let mut command = Command::new("python3");
    command.arg(script).args(args).current_dir(dir);
    command
}

/// Runs the article-style Python client against `addr` with `script` on its stdin.
pub fn run_article_client(addr: SocketAddr, script: &str, dir: &Path) -> Output {
    let port = addr.port().to_string();
    assert_cmd::Command::from_std(python_peer("article_client.py", &["127.0.0.1", &port], dir))
        .timeout(LINE_TIMEOUT)
        .write_stdin(script)
        .output()
        .expect("python3 runs")
}

/// Starts the article-style Python server, with `users`, in `dir` (homes are DIR/USER).
pub fn start_article_server(users: &Path, dir: &Path) -> ServerProcess {
    let mut command = python_peer("article_server.py", &[users.to_str().unwrap(), "0"], dir);
    command.env("PYTHONUNBUFFERED", "1");
    ServerProcess::start(command).expect("python3 runs")
}

/// Runs `lessonN client --addr ADDR ARGS` in `dir` with `script` on stdin; returns its output.
pub fn run_client(
    package: &str,
    addr: SocketAddr,
    args: &[&str],
    script: &str,
    dir: &Path,
) -> Output {
    lesson_cmd(package)
        .args(["client", "--addr", &addr.to_string()])
        .args(args)
        .current_dir(dir)
        .write_stdin(script)
        .output()
        .unwrap()
}

/// The server's log so far, once it has printed a line containing `needle`.
pub fn server_log_after(server: &mut ServerProcess, needle: &str) -> String {
    server
        .wait_for_line(needle, LINE_TIMEOUT)
        .unwrap_or_else(|seen| panic!("the server did not print {needle:?}; it printed {seen:#?}"));
    server.stdout_lines().join("\n") + "\n"
}

/// `size` bytes that do not repeat (xorshift), so that a byte lost, doubled or moved shows. About
/// one in 256 is a newline, which gives the article's line-by-line upload lines to send.
pub fn sample_bytes(size: usize) -> Vec<u8> {
    Xorshift::new(0x2545_f491)
        .take(size)
        .map(|n| n as u8)
        .collect()
}
