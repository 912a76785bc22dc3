//! Lesson 7 against hostile and faulty clients: malformed frames and JSON, requests out of
//! turn, path escapes of every kind, impossible sizes, clients that vanish or stall, too many
//! clients, and 200 clients at once. After each batch the server must still serve, and no byte
//! may have landed outside a home.

mod common;
mod lesson7_support;

use std::fs;
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use lesson7::client::Client;
use lesson7_support::{Fixture, Raw, data, md5_hex, retry_while_busy, wait_until};
use serde_json::json;
use socket_lab::links::symlink;

/// The context every case gets: the server's address and the fixture it serves.
struct Case<'a> {
    addr: SocketAddr,
    fixture: &'a Fixture,
}

type CaseFn = fn(&Case);

/// Asserts the status of a reply and a piece of its error sentence.
#[track_caller]
fn refused(reply: &lesson7::protocol::Reply, status: u16, words: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert!(
        reply.error_text().contains(words),
        "expected {words:?} in {:?}",
        reply.error_text()
    );
}

/// After a refusal, the same connection still answers.
#[track_caller]
fn still_answers(raw: &mut Raw) {
    let reply = raw.call(json!({"action": "help"}));
    assert_eq!(reply.status, 200, "{reply:?}");
}

fn put_request(raw: &mut Raw, name: &str, size: serde_json::Value) -> lesson7::protocol::Reply {
    raw.call(json!({"action": "put", "name": name, "size": size}))
}

// --- malformed frames and JSON -------------------------------------------------------------

fn not_an_object(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    raw.send_frame(b"[1, 2, 3]");
    refused(&raw.reply(), 400, "must hold a JSON object");
    still_answers(&mut raw);
}

fn invalid_json(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    raw.send_frame(br#"{"action": "ls""#);
    refused(&raw.reply(), 400, "not valid JSON");
    still_answers(&mut raw);
}

fn not_utf8(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    raw.send_frame(b"{\"action\": \"\xff\xfe\"}");
    refused(&raw.reply(), 400, "not UTF-8");
    still_answers(&mut raw);
}

fn unknown_action(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    refused(
        &raw.call(json!({"action": "format_disk"})),
        400,
        "unknown action `format_disk`",
    );
    still_answers(&mut raw);
}

fn missing_action(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    refused(&raw.call(json!({"filename": "a"})), 400, "no `action`");
}

fn action_not_a_string(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    refused(
        &raw.call(json!({"action": ["ls"]})),
        400,
        "`action` must be a string",
    );
}

fn wrong_field_type(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    refused(
        &raw.call(json!({"action": "cd", "path": 5})),
        400,
        "bad `cd` request",
    );
    refused(
        &raw.call(json!({"action": "mkdir"})),
        400,
        "missing field `path`",
    );
    still_answers(&mut raw);
}

fn oversized_header(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    raw.send_bytes(&(1u32 << 20).to_be_bytes());
    refused(&raw.reply(), 413, "requests are 1 to 16384 bytes");
    assert!(raw.is_closed());
}

fn empty_frame(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    raw.send_bytes(&[0, 0, 0, 0]);
    refused(&raw.reply(), 413, "a request frame of 0 bytes");
    assert!(raw.is_closed());
}

fn header_that_never_finishes(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    raw.send_bytes(&[0, 0]);
    refused(&raw.reply(), 408, "no request for");
    assert!(raw.is_closed());
}

fn body_that_never_finishes(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    raw.send_bytes(&[0, 0, 0, 100]);
    raw.send_bytes(br#"{"action": "#);
    refused(&raw.reply(), 408, "no request for");
    assert!(raw.is_closed());
}

// --- out of turn ---------------------------------------------------------------------------

fn requests_before_login(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    for request in [
        json!({"action": "ls"}),
        json!({"action": "get", "path": "x"}),
        json!({"action": "put", "name": "x", "size": 3}),
        json!({"action": "quota"}),
    ] {
        refused(&raw.call(request), 401, "log in first");
    }
    // The put's 3 bytes were never expected: the next frame is read as a frame.
    still_answers(&mut raw);
}

fn wrong_version(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    let reply =
        raw.call(json!({"action": "login", "user": "alex", "password": "alex3714", "version": 2}));
    refused(&reply, 505, "protocol version 1, not 2");
}

fn login_with_wrong_types(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    let reply =
        raw.call(json!({"action": "login", "user": "alex", "password": 3714, "version": 1}));
    refused(&reply, 400, "bad `login` request");
}

fn unknown_user_and_wrong_password_look_the_same(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    let mut replies = Vec::new();
    for (user, password) in [("alex", "wrong"), ("nobody", "alex3714")] {
        let started = Instant::now();
        let reply =
            raw.call(json!({"action": "login", "user": user, "password": password, "version": 1}));
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "the login delay was skipped"
        );
        replies.push(reply);
    }
    refused(&replies[0], 401, "wrong user name or password");
    assert_eq!(replies[0], replies[1]);
}

fn repeated_failures_close_the_connection(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    for attempt in 1..=3 {
        let reply =
            raw.call(json!({"action": "login", "user": "alex", "password": "guess", "version": 1}));
        if attempt < 3 {
            refused(&reply, 401, "wrong user name or password");
        } else {
            refused(&reply, 429, "3 failed logins");
        }
    }
    assert!(raw.is_closed());
}

fn second_login(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    let reply =
        raw.call(json!({"action": "login", "user": "bob", "password": "bob2016", "version": 1}));
    refused(&reply, 400, "already logged in");
}

// --- paths ---------------------------------------------------------------------------------

fn dot_dot_past_the_home(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    for path in ["..", "../bob", "../../outside", "a/../../..", "/.."] {
        refused(
            &raw.call(json!({"action": "cd", "path": path})),
            403,
            "outside your home",
        );
    }
    assert_eq!(raw.call(json!({"action": "pwd"})).str("path"), Some("/"));
}

fn listing_and_reading_outside(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    refused(
        &raw.call(json!({"action": "ls", "path": "../.."})),
        403,
        "outside your home",
    );
    let reply = raw.call(json!({"action": "get", "path": "../../outside/secret.txt"}));
    refused(&reply, 403, "outside your home");
    let reply = raw.call(json!({"action": "get", "path": "../../users.json"}));
    refused(&reply, 403, "outside your home");
    still_answers(&mut raw);
}

fn absolute_paths_start_at_the_home(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    let secret = case.fixture.dir.path().join("outside/secret.txt");
    let reply = raw.call(json!({"action": "get", "path": secret.to_str().unwrap()}));
    refused(&reply, 404, "no such file or directory");
    refused(
        &raw.call(json!({"action": "cd", "path": "/etc"})),
        404,
        "no such file",
    );
}

fn writing_outside(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    refused(
        &raw.call(json!({"action": "mkdir", "path": "../evil"})),
        403,
        "outside your home",
    );
    refused(
        &put_request(&mut raw, "../evil", json!(3)),
        400,
        "cannot contain `/`",
    );
    refused(
        &put_request(&mut raw, "/evil", json!(3)),
        400,
        "cannot contain `/`",
    );
    refused(
        &raw.call(json!({"action": "rm", "path": "../../outside/secret.txt"})),
        403,
        "outside",
    );
    still_answers(&mut raw);
}

fn symlinks_pointing_out(case: &Case) {
    let home = case.fixture.home("bob");
    fs::create_dir_all(&home).unwrap();
    let link = home.join("escape");
    if !link.exists() {
        symlink(case.fixture.dir.path().join("outside"), &link).unwrap();
    }
    let mut raw = Raw::login(case.addr, "bob");
    refused(
        &raw.call(json!({"action": "cd", "path": "escape"})),
        403,
        "outside your home",
    );
    refused(
        &raw.call(json!({"action": "ls", "path": "escape"})),
        403,
        "outside your home",
    );
    let reply = raw.call(json!({"action": "get", "path": "escape/secret.txt"}));
    refused(&reply, 403, "outside your home");
    refused(
        &raw.call(json!({"action": "mkdir", "path": "escape/x"})),
        403,
        "outside your home",
    );
    refused(
        &put_request(&mut raw, "escape", json!(3)),
        403,
        "outside your home",
    );
    // rm removes the link itself; the file it points to, outside the home, stays.
    let secret = case.fixture.dir.path().join("outside/secret.txt");
    symlink(&secret, home.join("secret-link")).unwrap();
    let reply = raw.call(json!({"action": "rm", "path": "secret-link"}));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(!home.join("secret-link").exists() && secret.exists());
    // And a link to a file in the home: the link goes, the file stays.
    fs::write(home.join("kept.txt"), b"kept").unwrap();
    symlink(home.join("kept.txt"), home.join("kept-link")).unwrap();
    let reply = raw.call(json!({"action": "rm", "path": "kept-link"}));
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(!home.join("kept-link").exists() && home.join("kept.txt").exists());
}

fn nul_backslash_and_long_names(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    refused(&put_request(&mut raw, "a\0b", json!(1)), 400, "NUL");
    refused(
        &put_request(&mut raw, "..\\evil", json!(1)),
        400,
        "backslash",
    );
    refused(
        &raw.call(json!({"action": "mkdir", "path": "a\nb"})),
        400,
        "control character",
    );
    refused(
        &put_request(&mut raw, &"x".repeat(300), json!(1)),
        400,
        "longer than 255 bytes",
    );
    refused(
        &put_request(&mut raw, &"x".repeat(252), json!(1)),
        400,
        "NAME.part fits",
    );
    refused(
        &put_request(&mut raw, "sneaky.part", json!(1)),
        400,
        "kept for unfinished uploads",
    );
    let long_path = "a/".repeat(3000);
    refused(
        &raw.call(json!({"action": "cd", "path": long_path})),
        400,
        "the limit is 4096",
    );
    still_answers(&mut raw);
}

fn get_of_an_unfinished_upload(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    refused(
        &raw.call(json!({"action": "get", "path": "x.part"})),
        403,
        "unfinished upload",
    );
}

fn rm_refuses_directories(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    raw.call(json!({"action": "mkdir", "path": "keep"}));
    refused(
        &raw.call(json!({"action": "rm", "path": "keep"})),
        400,
        "is a directory",
    );
    refused(
        &raw.call(json!({"action": "rm", "path": "none"})),
        404,
        "no such file",
    );
}

// --- sizes ---------------------------------------------------------------------------------

fn negative_fractional_and_string_sizes(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    for size in [json!(-1), json!(1.5), json!("10"), json!(null)] {
        refused(
            &put_request(&mut raw, "a.bin", size),
            400,
            "bad `put` request",
        );
    }
    let reply = raw.call(json!({"action": "get", "path": "x", "offset": -5}));
    refused(&reply, 400, "bad `get` request");
    still_answers(&mut raw);
}

fn huge_sizes_are_over_quota(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    refused(
        &put_request(&mut raw, "huge.bin", json!(u64::MAX)),
        507,
        "quota is left",
    );
    // 2^64 does not fit in a u64 at all.
    raw.send_frame(br#"{"action": "put", "name": "huge.bin", "size": 18446744073709551616}"#);
    refused(&raw.reply(), 400, "bad `put` request");
    still_answers(&mut raw);
    assert!(!case.fixture.home("alex").join("huge.bin.part").exists());
}

fn offset_past_the_end(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    upload(&mut raw, "small.txt", b"12345");
    let reply = raw.call(json!({"action": "get", "path": "small.txt", "offset": 6}));
    refused(&reply, 416, "past the end");
    still_answers(&mut raw);
}

// --- transfers that go wrong ---------------------------------------------------------------

/// A whole, correct upload over a raw connection.
fn upload(raw: &mut Raw, name: &str, bytes: &[u8]) {
    let ready = put_request(raw, name, json!(bytes.len()));
    assert_eq!(ready.status, 200, "{ready:?}");
    raw.send_bytes(bytes);
    let stored = raw.call(json!({"md5": md5_hex(bytes)}));
    assert_eq!(stored.status, 200, "{stored:?}");
}

fn md5_mismatch_keeps_nothing(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    let bytes = data(1, 10_000);
    assert_eq!(
        put_request(&mut raw, "bad.bin", json!(bytes.len())).status,
        200
    );
    raw.send_bytes(&bytes);
    let reply = raw.call(json!({"md5": md5_hex(b"something else")}));
    refused(&reply, 422, "md5 mismatch");
    let home = case.fixture.home("alex");
    assert!(!home.join("bad.bin").exists() && !home.join("bad.bin.part").exists());
    still_answers(&mut raw);
}

fn a_trailer_that_is_not_one(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    assert_eq!(put_request(&mut raw, "t.bin", json!(3)).status, 200);
    raw.send_bytes(b"abc");
    refused(&raw.call(json!({"sha1": "x"})), 422, "the trailer must be");
    assert!(!case.fixture.home("alex").join("t.bin").exists());
}

fn disconnect_mid_upload(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    let bytes = data(2, 200_000);
    assert_eq!(
        put_request(&mut raw, "cut.bin", json!(bytes.len())).status,
        200
    );
    raw.send_bytes(&bytes[..70_000]);
    drop(raw);
    let partial = case.fixture.home("alex").join("cut.bin.part");
    wait_until("the server to keep 70000 bytes", || {
        fs::metadata(&partial).is_ok_and(|m| m.len() == 70_000)
    });
    assert!(!case.fixture.home("alex").join("cut.bin").exists());
    // The next put of the same file continues at byte 70000 (retrying while the server is still
    // finishing the cut session).
    let mut raw = Raw::login(case.addr, "alex");
    let ready = retry_while_busy(
        || put_request(&mut raw, "cut.bin", json!(bytes.len())),
        |reply| reply.status == 409,
    );
    assert_eq!(ready.u64("offset"), Some(70_000), "{ready:?}");
    raw.send_bytes(&bytes[70_000..]);
    let stored = raw.call(json!({"md5": md5_hex(&bytes)}));
    assert_eq!(stored.u64("resumed_from"), Some(70_000), "{stored:?}");
    assert_eq!(
        fs::read(case.fixture.home("alex").join("cut.bin")).unwrap(),
        bytes
    );
}

fn disconnect_mid_download(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    let bytes = data(3, 3_000_000);
    upload(&mut raw, "big.bin", &bytes);
    let ready = raw.call(json!({"action": "get", "path": "big.bin"}));
    assert_eq!(ready.u64("size"), Some(3_000_000));
    let mut some = [0u8; 1000];
    std::io::Read::read_exact(&mut raw.stream, &mut some).unwrap();
    drop(raw);
    let mut raw = Raw::login(case.addr, "alex");
    still_answers(&mut raw);
}

fn stalled_upload_times_out(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    assert_eq!(put_request(&mut raw, "stall.bin", json!(1000)).status, 200);
    raw.send_bytes(&[7u8; 100]);
    refused(&raw.reply(), 408, "kept 100 of 1000 bytes for a resume");
    assert!(raw.is_closed());
}

fn two_sessions_put_the_same_name(case: &Case) {
    let mut first = Raw::login(case.addr, "alex");
    let mut second = Raw::login(case.addr, "alex");
    assert_eq!(put_request(&mut first, "same.bin", json!(10)).status, 200);
    refused(
        &put_request(&mut second, "same.bin", json!(10)),
        409,
        "another session is uploading",
    );
    first.send_bytes(b"0123456789");
    assert_eq!(
        first.call(json!({"md5": md5_hex(b"0123456789")})).status,
        200
    );
    upload(&mut second, "same.bin", b"abcdefghij");
    assert_eq!(
        fs::read(case.fixture.home("alex").join("same.bin")).unwrap(),
        b"abcdefghij"
    );
}

fn quota_is_checked_before_the_data(case: &Case) {
    let mut raw = Raw::login(case.addr, "tiny");
    refused(
        &put_request(&mut raw, "a.bin", json!(5000)),
        507,
        "only 4.0 KiB of your 4.0 KiB",
    );
    upload(&mut raw, "a.bin", &[1u8; 3000]);
    refused(
        &put_request(&mut raw, "b.bin", json!(2000)),
        507,
        "only 1.1 KiB",
    );
    let quota = raw.call(json!({"action": "quota"}));
    assert_eq!(
        (quota.u64("used"), quota.u64("quota")),
        (Some(3000), Some(4096))
    );
}

const CASES: &[(&str, CaseFn)] = &[
    ("a frame that is not a JSON object", not_an_object),
    ("invalid JSON", invalid_json),
    ("a frame that is not UTF-8", not_utf8),
    ("an unknown action", unknown_action),
    ("no action", missing_action),
    ("an action that is not a string", action_not_a_string),
    ("fields of the wrong type, or missing", wrong_field_type),
    ("an oversized header", oversized_header),
    ("an empty frame", empty_frame),
    ("a length that never finishes", header_that_never_finishes),
    (
        "a header body that never finishes",
        body_that_never_finishes,
    ),
    ("requests before login", requests_before_login),
    ("a login in another protocol version", wrong_version),
    (
        "a login with a number for a password",
        login_with_wrong_types,
    ),
    (
        "unknown user and wrong password",
        unknown_user_and_wrong_password_look_the_same,
    ),
    (
        "three failed logins",
        repeated_failures_close_the_connection,
    ),
    ("a second login", second_login),
    ("`..` past the home", dot_dot_past_the_home),
    ("ls and get outside", listing_and_reading_outside),
    ("absolute paths", absolute_paths_start_at_the_home),
    ("mkdir, put and rm outside", writing_outside),
    ("symbolic links pointing out", symlinks_pointing_out),
    (
        "NUL, backslash, control characters, long names",
        nul_backslash_and_long_names,
    ),
    ("get of a .part file", get_of_an_unfinished_upload),
    ("rm of a directory or nothing", rm_refuses_directories),
    (
        "negative, fractional and string sizes",
        negative_fractional_and_string_sizes,
    ),
    ("huge sizes", huge_sizes_are_over_quota),
    ("a resume offset past the end", offset_past_the_end),
    ("an md5 that does not match", md5_mismatch_keeps_nothing),
    ("a trailer that is not one", a_trailer_that_is_not_one),
    ("a disconnect mid-upload", disconnect_mid_upload),
    ("a disconnect mid-download", disconnect_mid_download),
    ("a stalled upload", stalled_upload_times_out),
    (
        "two sessions putting one name",
        two_sessions_put_the_same_name,
    ),
    ("a put over quota", quota_is_checked_before_the_data),
];

#[test]
fn hostile_and_faulty_clients_get_clear_replies_and_the_server_keeps_serving() {
    let fixture = Fixture::new();
    let mut server = fixture.start(&["--idle-timeout", "1", "--stall-timeout", "1"]);
    let case = Case {
        addr: server.addr(),
        fixture: &fixture,
    };
    assert!(CASES.len() >= 30);
    for (name, run) in CASES {
        if let Err(panic) = std::panic::catch_unwind(|| run(&case)) {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!(
                "case `{name}` failed: {why}\nserver stderr: {}",
                server.stderr()
            );
        }
        assert!(server.is_running(), "the server died after `{name}`");
    }
    // Still serving, and nothing escaped.
    let mut raw = Raw::login(case.addr, "alex");
    still_answers(&mut raw);
    fixture.assert_nothing_outside_homes();
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}

#[test]
fn the_client_over_the_limit_is_told_the_server_is_busy() {
    let fixture = Fixture::new();
    let server = fixture.start(&["--max-clients", "2"]);
    let _first = Raw::connect(server.addr());
    let _second = Raw::connect(server.addr());
    let mut third = Raw::connect_quietly(server.addr());
    refused(
        &third.reply(),
        503,
        "the server is busy: it serves 2 clients at once",
    );
    assert!(third.is_closed());
    drop(_first);
    // The place is given back when a session ends.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut next = Raw::connect_quietly(server.addr());
        if next.reply().status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the first client's place was never given back"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_idle_client_is_timed_out() {
    let fixture = Fixture::new();
    let server = fixture.start(&["--idle-timeout", "0.5"]);
    let mut raw = Raw::login(server.addr(), "alex");
    thread::sleep(Duration::from_millis(700));
    refused(&raw.reply(), 408, "no request for");
    assert!(raw.is_closed());
}

#[test]
fn two_hundred_clients_upload_and_download_at_once_and_every_file_survives() {
    const CLIENTS: usize = 200;
    let fixture = Fixture::new();
    let mut server = fixture.start(&["--max-clients", "256"]);
    let addr = server.addr();
    let downloads = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let dir = downloads.path().join(i.to_string());
            thread::spawn(move || -> Result<(), String> {
                let (user, password) = if i % 2 == 0 {
                    ("alex", "alex3714")
                } else {
                    ("bob", "bob2016")
                };
                let bytes = data(i as u64, 32 * 1024 + i * 101);
                fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                let local = dir.join(format!("file{i}.bin"));
                fs::write(&local, &bytes).map_err(|e| e.to_string())?;
                let mut client = Client::connect(addr).map_err(|e| format!("connect: {e}"))?;
                client
                    .login(user, password)
                    .map_err(|e| format!("login: {e}"))?;
                let put = client
                    .put(&local, &mut |_, _| {})
                    .map_err(|e| format!("put: {e}"))?;
                fs::remove_file(&local).map_err(|e| e.to_string())?;
                let got = client
                    .get(&put.path, &dir, &mut |_, _| {})
                    .map_err(|e| format!("get: {e}"))?;
                let back = fs::read(&local).map_err(|e| e.to_string())?;
                if back != bytes || got.md5 != md5_hex(&bytes) {
                    return Err(format!("client {i}: the file came back different"));
                }
                Ok(())
            })
        })
        .collect();
    let failures: Vec<String> = threads
        .into_iter()
        .filter_map(|t| t.join().unwrap().err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
    // Every upload is on the server, whole, under its final name.
    for i in 0..CLIENTS {
        let user = if i % 2 == 0 { "alex" } else { "bob" };
        let stored = fs::read(fixture.home(user).join(format!("file{i}.bin"))).unwrap();
        assert_eq!(stored, data(i as u64, 32 * 1024 + i * 101));
    }
    assert!(server.is_running());
    fixture.assert_nothing_outside_homes();
    let mut raw = Raw::login(addr, "alex");
    still_answers(&mut raw);
}

#[test]
fn a_client_that_stops_reading_a_download_is_dropped() {
    let fixture = Fixture::new();
    let server = fixture.start(&["--stall-timeout", "0.5"]);
    let size = 32 << 20; // far more than the socket buffers on both sides hold
    fs::create_dir_all(fixture.home("alex")).unwrap();
    fs::write(fixture.home("alex").join("big.bin"), data(9, size)).unwrap();
    let mut raw = Raw::login(server.addr(), "alex");
    let ready = raw.call(json!({"action": "get", "path": "big.bin"}));
    assert_eq!(ready.u64("size"), Some(size as u64));
    // Read nothing for a while: the server's writes stall, and it gives up on this client.
    thread::sleep(Duration::from_millis(2500));
    let mut received = Vec::new();
    let _ = std::io::Read::read_to_end(&mut raw.stream, &mut received);
    assert!(
        received.len() < size,
        "the server sent all {} bytes to a client that did not read",
        received.len()
    );
    let mut other = Raw::login(server.addr(), "alex");
    still_answers(&mut other);
}
