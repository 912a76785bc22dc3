//! Lesson 4 end to end: login, JSON dispatch, ls/cd/mkdir in a home, useradd, and the article's
//! own client and server on the other end of the wire.

mod common;
mod ftp;

use std::fs;
use std::io::{ErrorKind, Read};
use std::thread;
use std::time::Duration;

use common::{assert_matches_book, lesson_cmd};
use ftp::{Site, Wire, run_article_client, run_client, server_log_after, start_article_server};
use predicates::prelude::*;
use socket_lab::links::symlink;

const SESSION: &str = "\
alex
wrong
bob
abc123
alex
abc123
help
mkdir docs
cd docs
ls
cd ../..
mkdir /docs/2024
cd /
ls
ls docs
frobnicate
q
";

#[test]
fn a_client_logs_in_after_a_wrong_password_and_an_unknown_user_and_runs_commands() {
    let site = Site::new();
    fs::create_dir(site.home("alex")).unwrap();
    fs::write(site.home("alex").join("notes.txt"), "twelve bytes").unwrap();
    let mut server = site.start("lesson4");
    let addr = server.addr();

    let output = run_client("lesson4", addr, &[], SESSION, site.dir.path());
    assert!(output.status.success(), "{output:?}");
    let client = String::from_utf8(output.stdout).unwrap();
    for expected in [
        // The password is never shown, not even when it comes from a script.
        "Input Your ftp pass:\nlogin failed: wrong password\n",
        "Input Your ftp pass:\nlogin failed: no such user\n",
        "logged in as alex\n",
        "mkdir PATH    make a directory\nq             quit\n",
        ">>>:cd docs\n/docs\n",
        ">>>:ls\n(empty)\n",
        "403 `../..` leads outside your home directory\n",
        "created /docs/2024\n",
        "              docs/\n          12  notes.txt\n",
        "              2024/\n",
        "unknown command `frobnicate`; type help for the list\n",
    ] {
        assert!(client.contains(expected), "{expected:?} not in:\n{client}");
    }
    assert!(
        !client.contains("abc123"),
        "the password was shown:\n{client}"
    );
    assert!(site.home("alex").join("docs/2024").is_dir());

    let log = server_log_after(&mut server, "alex: closed the connection");
    assert!(log.contains(r#"user "bob" -> login failed: no such user"#));
    assert_matches_book("lesson4-client.txt", &client);
    assert_matches_book("lesson4-server.txt", &log);
}

#[test]
fn every_bad_request_gets_a_400_with_a_reason_and_the_session_goes_on() {
    let site = Site::new();
    let server = site.start("lesson4");
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    for (request, says) in [
        (&b"hello"[..], "the request is not JSON"),
        (b"\xff\xfe\xfd", "the request is not JSON"),
        (br#"{"action": "ls""#, "the request is not JSON"),
        (br#"["ls"]"#, "a request is a JSON object"),
        (b"42", "a request is a JSON object"),
        (br#""ls""#, "a request is a JSON object"),
        (br#"{"path": "/"}"#, r#"the request has no "action""#),
        (br#"{"action": null}"#, "the action must be a string"),
        (br#"{"action": "delete"}"#, "unknown action `delete`"),
        (
            br#"{"action": "put", "filename": "a", "file_size": 1}"#,
            "unknown action `put`",
        ),
        (
            br#"{"action": "cd"}"#,
            "bad cd request: missing field `path`",
        ),
        (
            br#"{"action": "cd", "path": 5}"#,
            "bad cd request: invalid type: integer `5`",
        ),
        (
            br#"{"action": "ls", "path": ["a"]}"#,
            "bad ls request: invalid type",
        ),
    ] {
        let reply = wire.request(request);
        assert_eq!(reply["status"], 400, "{request:?}: {reply}");
        let message = reply["message"].as_str().unwrap();
        assert!(message.starts_with(says), "{request:?}: {message}");
        wire.still_serves();
    }
}

#[test]
fn no_path_leads_out_of_the_home() {
    let site = Site::new();
    let server = site.start("lesson4");
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    symlink(&site.root, site.home("alex").join("escape")).unwrap();
    fs::write(site.root.join("secret.txt"), "not alex's").unwrap();
    for (request, status) in [
        (r#"{"action": "cd", "path": "../.."}"#, 403),
        (r#"{"action": "cd", "path": "/../eric"}"#, 403),
        (r#"{"action": "ls", "path": ".."}"#, 403),
        (r#"{"action": "ls", "path": "escape"}"#, 403),
        (r#"{"action": "cd", "path": "escape"}"#, 403),
        (r#"{"action": "mkdir", "path": "../evil"}"#, 403),
        (r#"{"action": "mkdir", "path": "escape/evil"}"#, 403),
        (r#"{"action": "ls", "path": "/etc"}"#, 404),
        (r#"{"action": "mkdir", "path": "a\\b"}"#, 400),
        (r#"{"action": "mkdir", "path": "nul\u0000byte"}"#, 400),
        (r#"{"action": "mkdir", "path": "new\nline"}"#, 400),
    ] {
        let reply = wire.request(request);
        assert_eq!(reply["status"], status, "{request}: {reply}");
        wire.still_serves();
    }
    let long = format!(r#"{{"action": "mkdir", "path": "{}"}}"#, "x".repeat(256));
    assert_eq!(wire.request(long)["status"], 400);
    assert_eq!(site.tree(), ["alex", "alex/escape", "secret.txt"]);
}

#[test]
fn a_listing_longer_than_one_recv_arrives_whole_and_the_next_reply_is_not_stuck_to_it() {
    let site = Site::new();
    let home = site.home("alex");
    fs::create_dir(&home).unwrap();
    let names: Vec<String> = (0..60)
        .map(|i| format!("file-{i:02}-{}", "n".repeat(30)))
        .collect();
    for name in &names {
        fs::write(home.join(name), name).unwrap();
    }
    let server = site.start("lesson4");
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    let header = wire.request(r#"{"action": "ls"}"#);
    assert_eq!(header["status"], 200);
    let size = header["size"].as_u64().unwrap();
    assert!(size > 1024, "the listing is only {size} bytes");
    let listing = String::from_utf8(wire.accept_bytes(size)).unwrap();
    for name in &names {
        assert!(listing.contains(&format!("  {name}\n")), "{name} missing");
    }
    wire.still_serves();

    // A client that declines gets nothing, and the session goes on.
    assert_eq!(wire.request(r#"{"action": "ls"}"#)["status"], 200);
    wire.send(br#"{"status": 400, "message": "no thanks"}"#);
    wire.still_serves();

    // The kit's client reads it whole too.
    let output = run_client(
        "lesson4",
        server.addr(),
        &[],
        "alex\nabc123\nls\nq\n",
        site.dir.path(),
    );
    let client = String::from_utf8(output.stdout).unwrap();
    assert_eq!(client.matches("  file-").count(), 60, "{client}");
}

#[test]
fn the_server_keeps_serving_others_whatever_one_client_does() {
    let site = Site::new();
    let mut server = site.start("lesson4");
    let addr = server.addr();

    // One client stays logged in and idle for the whole test: the others are not kept waiting.
    let mut idle = Wire::logged_in(addr, "eric", "abc123");

    // Gone in the middle of the login.
    let mut gone = Wire::connect(addr);
    assert_eq!(gone.exchange(b"alex"), b"200");
    drop(gone);
    server_log_after(&mut server, "closed the connection before logging in");

    // Gone right after sending a request.
    let mut rude = Wire::logged_in(addr, "alex", "abc123");
    rude.send(br#"{"action": "ls"}"#);
    drop(rude);

    // A connection that sends nothing, then closes.
    drop(Wire::connect(addr));

    let mut next = Wire::logged_in(addr, "jack", "qwer");
    next.still_serves();
    idle.still_serves();
    thread::sleep(Duration::from_millis(100));
    assert!(server.is_running());
}

#[test]
fn useradd_sets_a_password_that_the_server_then_accepts() {
    let site = Site::new();
    let users = site.dir.path().join("class.json");
    let users_arg = users.to_str().unwrap();
    lesson_cmd("lesson4")
        .args(["useradd", "lin", "--users", users_arg])
        .write_stdin("s3cret\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("added lin in"));
    lesson_cmd("lesson4")
        .args(["useradd", "mei", "--users", users_arg])
        .write_stdin("abc123\n")
        .assert()
        .success();
    lesson_cmd("lesson4")
        .args(["useradd", "lin", "--users", users_arg])
        .write_stdin("n3w\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("changed the password of lin"));
    let text = fs::read_to_string(&users).unwrap();
    // The article's format, with the md5 hex digest of the password.
    assert!(
        text.contains(r#""passwd": "e99a18c428cb38d5f260853678922e03""#),
        "{text}"
    );

    for (name, password, says) in [
        ("../evil", "pw\n", "cannot be a user name"),
        ("a/b", "pw\n", "cannot be a user name"),
        ("ok", "\n", "the password is empty"),
    ] {
        lesson_cmd("lesson4")
            .args(["useradd", name, "--users", users_arg])
            .write_stdin(password)
            .assert()
            .failure()
            .stderr(predicate::str::contains(says));
    }

    let server = common::start_server(
        "lesson4",
        &["--users", users_arg, "--root", site.root.to_str().unwrap()],
    );
    let mut wire = Wire::connect(server.addr());
    assert_eq!(wire.exchange(b"lin"), b"200");
    assert_eq!(wire.exchange(b"s3cret"), b"login failed: wrong password");
    assert_eq!(wire.exchange(b"lin"), b"200");
    assert_eq!(wire.exchange(b"n3w"), b"200");
    wire.still_serves();
}

#[test]
fn a_users_file_that_is_not_one_is_refused_before_listening() {
    let site = Site::new();
    let bad = site.dir.path().join("bad.json");
    for (content, says) in [
        (None, "could not read the users file"),
        (Some("not json"), "it is not a users file"),
        (
            Some(r#"{"alex": {"passwd": "abc123"}}"#),
            "is not an md5 hex digest",
        ),
        (
            Some(r#"{"../x": {"passwd": "e99a18c428cb38d5f260853678922e03"}}"#),
            "cannot have a home",
        ),
    ] {
        if let Some(content) = content {
            fs::write(&bad, content).unwrap();
        }
        lesson_cmd("lesson4")
            .args([
                "server",
                "--addr",
                "127.0.0.1:0",
                "--users",
                bad.to_str().unwrap(),
            ])
            .assert()
            .failure()
            .stdout(predicate::str::contains("listening").not())
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn the_article_client_logs_in_and_its_put_is_answered_as_an_unknown_action() {
    if !common::python_available() {
        return;
    }
    let site = Site::new();
    let mut server = site.start("lesson4");
    fs::write(site.dir.path().join("hi.txt"), "hi\n").unwrap();
    let output = run_article_client(
        server.addr(),
        "alex\nwrong\nbob\nabc123\nalex\nabc123\nput hi.txt\nq\n",
        site.dir.path(),
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "login failed: wrong password\n",
        "login failed: no such user\n",
        "logged in as alex\n",
        "{'status': 400, 'message': 'unknown action `put`",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in:\n{stdout}");
    }
    // The client did not send the file after a refusal, so the server is still in step.
    server_log_after(&mut server, "alex: closed the connection");
    Wire::logged_in(server.addr(), "alex", "abc123").still_serves();
}

#[test]
fn the_kit_client_logs_in_to_the_article_server_and_shows_its_error_texts() {
    if !common::python_available() {
        return;
    }
    let site = Site::new();
    let server = start_article_server(&site.users, site.dir.path());
    let output = run_client(
        "lesson4",
        server.addr(),
        &[],
        "alex\nwrong\nbob\nx\nalex\nabc123\nq\n",
        site.dir.path(),
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    // The article-style server's own texts, in Chinese, shown as they came.
    assert!(
        stdout.contains("Input Your ftp pass:\n密码错误，请重新输入\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Input Your ftp pass:\n没有这个用户，请重新输入\n"),
        "{stdout}"
    );
    assert!(stdout.contains("logged in as alex\n"), "{stdout}");
}

#[test]
fn the_article_server_hangs_up_on_bad_json_and_never_answers_an_unknown_action() {
    if !common::python_available() {
        return;
    }
    let site = Site::new();
    let server = start_article_server(&site.users, site.dir.path());

    // An action with no task_ method: no answer at all. The client would wait forever.
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    wire.stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    wire.send(br#"{"action": "ls"}"#);
    let err = wire.stream.read(&mut [0; 1024]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );

    // Not JSON: json.loads raises, and socketserver closes the connection (0 bytes: closed).
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    wire.send(b"hello");
    assert_eq!(wire.stream.read(&mut [0; 1024]).unwrap(), 0);
    // The server itself goes on.
    Wire::logged_in(server.addr(), "alex", "abc123");
}
