//! The servers of lessons 3 to 5 under pressure: an accept loop that runs out of file descriptors
//! waits instead of spinning, and a `cd` whose reply cannot be sent changes nothing.

mod common;
mod ftp;
mod server_stats;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use common::{ServerProcess, lesson_bin};
use ftp::{Site, Wire};

/// A server started through `sh` with at most `files` open file descriptors.
#[cfg(target_os = "linux")]
fn start_with_few_files(package: &str, files: u32, args: &str) -> ServerProcess {
    let line = format!(
        "ulimit -n {files} && exec '{}' server --addr 127.0.0.1:0 {args}",
        lesson_bin(package).display()
    );
    let mut command = Command::new("sh");
    command.arg("-c").arg(line);
    ServerProcess::start(command).unwrap()
}

// Linux only: it reads /proc and runs the server under `ulimit -n`.
#[cfg(target_os = "linux")]
#[test]
fn an_accept_loop_out_of_file_descriptors_backs_off_and_keeps_serving() {
    let mut server = start_with_few_files("lesson3", 64, "");
    let addr = server.addr();
    // 1. A client accepted while descriptors are left; it says nothing yet.
    let mut first = TcpStream::connect(addr).unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    server
        .wait_for_line("handle() started", Duration::from_secs(20))
        .expect("step 1: the first client is accepted");
    // 2 to 4. More idle clients than the server may hold files for: once it has 64 open,
    //    `accept` fails with EMFILE while the rest wait in the backlog, and it backs off quietly.
    let idle = server_stats::assert_accept_backs_off(&mut server);
    // 5. The client accepted first is still served.
    first.write_all(b"hello").unwrap();
    let mut answer = [0u8; 64];
    let n = first.read(&mut answer).unwrap();
    assert_eq!(
        &answer[..n],
        b"received \"hello\"",
        "step 5: the first client's answer"
    );
    // 6. Once the idle clients leave, new ones are accepted again.
    drop(idle);
    let mut next = TcpStream::connect(addr).unwrap();
    next.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    next.write_all(b"again").unwrap();
    let n = next.read(&mut answer).unwrap();
    assert_eq!(&answer[..n], b"received \"again\"", "step 6");
    assert!(server.is_running());
}

/// For lessons 4 and 5: a `cd` whose reply would not fit in one `recv(1024)` is refused, and the
/// session stays where it was.
fn a_cd_too_long_to_answer_leaves_the_session_where_it_was(package: &str) {
    let site = Site::new();
    let server = site.start(package);
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    // 1. Four directories deep, each name 200 bytes: the path is 804 bytes, and fits.
    let name = "d".repeat(200);
    let mut here = String::new();
    for _ in 0..4 {
        let made = wire.request(format!(r#"{{"action":"mkdir","path":"{name}"}}"#));
        assert_eq!(made["status"], 200, "step 1: {made}");
        let moved = wire.request(format!(r#"{{"action":"cd","path":"{name}"}}"#));
        here = format!("{here}/{name}");
        assert_eq!(moved["cwd"], here.as_str(), "step 1: {moved}");
    }
    // 2. One more level would be a 1005-byte path, in a reply over 1024 bytes: refused, and the
    //    reply says the session stays.
    let made = wire.request(format!(r#"{{"action":"mkdir","path":"{name}"}}"#));
    assert_eq!(made["status"], 200, "step 2: {made}");
    let refused = wire.request(format!(r#"{{"action":"cd","path":"{name}"}}"#));
    assert_eq!(refused["status"], 400, "step 2: {refused}");
    assert!(
        refused.to_string().contains("you stay where you were"),
        "step 2: {refused}"
    );
    // 3. Where the server thinks the session is: where the client does.
    let stayed = wire.request(r#"{"action":"cd","path":"."}"#);
    assert_eq!(stayed["cwd"], here.as_str(), "step 3: {stayed}");
    wire.still_serves();
}

#[test]
fn lesson4_cd_decides_before_it_acts() {
    a_cd_too_long_to_answer_leaves_the_session_where_it_was("lesson4");
}

#[test]
fn lesson5_cd_decides_before_it_acts() {
    a_cd_too_long_to_answer_leaves_the_session_where_it_was("lesson5");
}
