//! Lesson 7 against hostile and faulty clients: malformed frames and JSON, requests out of
//! turn, path escapes of every kind, impossible sizes, clients that vanish, stall or dribble,
//! homes made deep or crowded, forged log lines, too many clients, and 200 clients at once. After
//! each case the server must still serve a normal client, and no byte may have landed outside a
//! home. Where a case is about memory, CPU or disk, it measures them (`server_stats`), as bounds
//! and ratios.

mod common;
mod lesson7_support;
mod server_stats;

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use common::ServerProcess;
use lesson7::client::Client;
use lesson7::protocol::{MAX_REPLY, Request};
use lesson7_support::{Fixture, Raw, data, md5_hex, retry_while_busy, wait_until};
use serde_json::json;
use socket_lab::links::symlink;

/// The context every case gets: the server's address, the fixture it serves, and the server
/// itself, for its log.
struct Case<'a> {
    addr: SocketAddr,
    fixture: &'a Fixture,
    server: &'a Mutex<ServerProcess>,
}

impl Case<'_> {
    /// Every line the server has logged so far.
    fn log(&self) -> Vec<String> {
        self.server.lock().unwrap().stdout_lines()
    }
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
    refused(&raw.reply(), 408, "did not arrive whole within 1 s");
    assert!(raw.is_closed());
}

fn body_that_never_finishes(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    raw.send_bytes(&[0, 0, 0, 100]);
    raw.send_bytes(br#"{"action": "#);
    refused(&raw.reply(), 408, "did not arrive whole within 1 s");
    assert!(raw.is_closed());
}

/// Writes `bytes` one at a time, `pause` apart, on a thread of its own, until done or refused.
fn dribble(stream: &TcpStream, bytes: Vec<u8>, pause: Duration) -> thread::JoinHandle<usize> {
    let mut stream = stream.try_clone().unwrap();
    thread::spawn(move || {
        let mut sent = 0;
        for byte in bytes {
            if stream.write_all(&[byte]).is_err() {
                break;
            }
            sent += 1;
            thread::sleep(pause);
        }
        sent
    })
}

fn a_request_dribbled_a_byte_at_a_time(case: &Case) {
    // Each byte comes well within the idle timeout (1 s here), the whole well past the request
    // timeout (1 s here): 40 bytes, 200 ms apart.
    let mut raw = Raw::login(case.addr, "alex");
    let body = br#"{"action": "help", "pad": "........"}"#;
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(body);
    let writer = dribble(&raw.stream, frame, Duration::from_millis(200));
    refused(&raw.reply(), 408, "did not arrive whole within 1 s");
    assert!(raw.is_gone());
    assert!(
        writer.join().unwrap() < body.len(),
        "the server waited for the whole frame"
    );
}

fn help_now_and_then_without_logging_in(case: &Case) {
    // The idle timeout (1 s) never fires: a request comes every 400 ms. The login timeout (3 s
    // here) does.
    let mut raw = Raw::connect(case.addr);
    let started = Instant::now();
    loop {
        let reply = raw.call(json!({"action": "help"}));
        if reply.status != 200 {
            refused(&reply, 408, "not logged in within 3 s");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "help kept the connection open for 20 s"
        );
        thread::sleep(Duration::from_millis(400));
    }
    assert!(raw.is_gone());
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

// --- logins nobody owns --------------------------------------------------------------------

fn failing_logins_do_not_hold_up_a_good_one(case: &Case) {
    // Eight connections fail their logins at the same time; a ninth logs in meanwhile.
    let failing: Vec<_> = (0..8)
        .map(|_| {
            let addr = case.addr;
            thread::spawn(move || {
                let mut raw = Raw::connect(addr);
                for _ in 0..2 {
                    let reply = raw.call(
                        json!({"action": "login", "user": "alex", "password": "no", "version": 1}),
                    );
                    assert_eq!(reply.status, 401, "{reply:?}");
                }
            })
        })
        .collect();
    let mut raw = Raw::login(case.addr, "bob");
    still_answers(&mut raw);
    for thread in failing {
        thread.join().unwrap();
    }
}

// --- deep and crowded homes ----------------------------------------------------------------

fn directories_deeper_than_the_limit(case: &Case) {
    let mut raw = Raw::login(case.addr, "bob");
    raw.call(json!({"action": "mkdir", "path": "/deep"}));
    raw.call(json!({"action": "cd", "path": "/deep"}));
    // /deep is level 1; levels 2 to 64 are allowed, the 65th is refused.
    for level in 2..=64 {
        let made = raw.call(json!({"action": "mkdir", "path": "d"}));
        assert_eq!(made.status, 200, "level {level}: {made:?}");
        assert_eq!(raw.call(json!({"action": "cd", "path": "d"})).status, 200);
    }
    refused(
        &raw.call(json!({"action": "mkdir", "path": "d"})),
        400,
        "65 levels deep; the limit is 64",
    );
    let quota = raw.call(json!({"action": "quota"}));
    assert_eq!(quota.status, 200, "{quota:?}");
    fs::remove_dir_all(case.fixture.home("bob").join("deep")).unwrap();
}

fn a_tree_deeper_than_a_thread_stack(case: &Case) {
    // 1500 levels, made on the server's disk (mkdir stops at 64): a walk that recursed once per
    // level overflowed a 2 MiB thread stack at about 1400, and aborted the whole server.
    let home = case.fixture.home("alex");
    let mut dir = home.join("abyss");
    for _ in 0..1500 {
        dir.push("a");
    }
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("bottom.bin"), [5u8; 1000]).unwrap();
    let mut raw = Raw::login(case.addr, "alex");
    let quota = raw.call(json!({"action": "quota"}));
    assert_eq!(quota.status, 200, "{quota:?}");
    assert!(quota.u64("used").unwrap() >= 1000, "{quota:?}");
    let put = put_request(&mut raw, "after-abyss.bin", json!(3));
    assert_eq!(
        put.status, 507,
        "alex's home now holds over 300 entries: {put:?}"
    );
    drop(raw);
    fs::remove_dir_all(home.join("abyss")).unwrap();
    let mut raw = Raw::login(case.addr, "alex");
    upload(&mut raw, "after-abyss.bin", b"abc");
}

fn directories_count_against_the_entries(case: &Case) {
    // crowd's quota is 1 KiB and the suite's --max-entries 300: empty directories cost no byte,
    // but each is an entry.
    let mut raw = Raw::login(case.addr, "crowd");
    let mut made = 0;
    loop {
        let reply = raw.call(json!({"action": "mkdir", "path": format!("d{made}")}));
        if reply.status != 200 {
            refused(&reply, 507, "holds 300 files and directories");
            break;
        }
        made += 1;
        assert!(made <= 300, "more than 300 directories were made");
    }
    assert_eq!(made, 300);
    let quota = raw.call(json!({"action": "quota"}));
    assert_eq!(
        (
            quota.u64("used"),
            quota.u64("entries"),
            quota.u64("max_entries")
        ),
        (Some(0), Some(300), Some(300)),
        "{quota:?}"
    );
    // What the entries take on disk is bounded by the limit: a directory takes a block or so.
    let disk = server_stats::disk_use(&case.fixture.home("crowd"));
    assert!(
        disk <= 301 * 16 * 1024,
        "300 empty directories take {disk} bytes of disk"
    );
}

fn empty_files_count_against_the_entries(case: &Case) {
    let mut raw = Raw::login(case.addr, "crowd");
    // The home is full of directories (the case before); free one entry and fill it with an
    // empty file, then the next empty file is refused.
    fs::remove_dir(case.fixture.home("crowd").join("d0")).unwrap();
    upload(&mut raw, "empty0", b"");
    refused(
        &put_request(&mut raw, "empty1", json!(0)),
        507,
        "holds 300 files and directories",
    );
    assert!(!case.fixture.home("crowd").join("empty1.part").exists());
    fs::remove_dir_all(case.fixture.home("crowd")).unwrap();
}

fn quota_counts_entries(case: &Case) {
    let mut raw = Raw::login(case.addr, "tiny");
    let before = raw.call(json!({"action": "quota"})).u64("entries").unwrap();
    raw.call(json!({"action": "mkdir", "path": "e1"}));
    upload(&mut raw, "e2", b"");
    let after = raw.call(json!({"action": "quota"}));
    assert_eq!(after.u64("entries"), Some(before + 2), "{after:?}");
}

// --- a race between sessions of one user ---------------------------------------------------

fn files_vanishing_during_a_count(case: &Case) {
    // One session puts and removes files as fast as it can; another asks for the quota meanwhile.
    // Every answer is a 200: a file removed mid-count is simply not counted.
    let addr = case.addr;
    let churn = thread::spawn(move || {
        let mut raw = Raw::login(addr, "bob");
        for i in 0..60 {
            let name = format!("churn{i}.bin");
            upload(&mut raw, &name, &[i as u8; 2000]);
            let removed = raw.call(json!({"action": "rm", "path": name}));
            assert_eq!(removed.status, 200, "{removed:?}");
        }
    });
    let mut raw = Raw::login(case.addr, "bob");
    let mut counted = 0;
    while !churn.is_finished() {
        let quota = raw.call(json!({"action": "quota"}));
        assert_eq!(quota.status, 200, "{quota:?}");
        counted += 1;
    }
    churn.join().unwrap();
    assert!(counted > 0);
}

// --- unfinished uploads --------------------------------------------------------------------

fn get_of_an_unfinished_upload_however_spelled(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    assert_eq!(put_request(&mut raw, "half.bin", json!(1000)).status, 200);
    raw.send_bytes(&[9u8; 400]);
    drop(raw);
    let partial = case.fixture.home("alex").join("half.bin.part");
    wait_until("the server to keep 400 bytes", || {
        fs::metadata(&partial).is_ok_and(|m| m.len() == 400)
    });
    let mut raw = Raw::login(case.addr, "alex");
    for path in [
        "half.bin.part",
        "half.bin.part/",
        "half.bin.part/.",
        "./half.bin.part/",
        "/half.bin.part//.",
    ] {
        let reply = raw.call(json!({"action": "get", "path": path}));
        refused(&reply, 403, "unfinished upload");
    }
    // On a case-insensitive file system another case of the letters is the same file: refused
    // too. And an upload may not be named that way either.
    refused(
        &raw.call(json!({"action": "get", "path": "HALF.BIN.PART"})),
        403,
        "unfinished upload",
    );
    refused(
        &put_request(&mut raw, "half.bin.PART", json!(1)),
        400,
        "kept for unfinished uploads",
    );
}

// --- replies that must fit -----------------------------------------------------------------

fn a_listing_too_long_for_one_reply(case: &Case) {
    // 10,000 names of 200 `"` each: 5.4 MB of JSON once escaped, over the 4 MiB frame limit.
    let dir = case.fixture.home("alex").join("quotes");
    fs::create_dir_all(&dir).unwrap();
    for i in 0..10_000 {
        fs::write(dir.join(format!("{}{i:05}", "\"".repeat(200))), b"").unwrap();
    }
    let mut raw = Raw::login(case.addr, "alex");
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let mut request = json!({"action": "ls", "path": "quotes"});
        if let Some(after) = &after {
            request["after"] = json!(after);
        }
        // `reply` refuses a frame over MAX_REPLY: each page fits.
        let page = raw.call(request);
        assert_eq!(page.status, 200, "{page:?}");
        pages += 1;
        let entries = page.fields["entries"].as_array().unwrap();
        seen.extend(
            entries
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_string()),
        );
        match page.str("next") {
            Some(next) => {
                assert_eq!(page.fields["truncated"], json!(true));
                after = Some(next.to_string());
            }
            None => break,
        }
        assert!(pages < 100, "the pages never end");
    }
    assert!(pages >= 2, "5.4 MB of names came in {pages} page");
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!((seen.len(), unique.len()), (10_000, 10_000));
    // The kit's own client reads the first page.
    let mut client = Client::connect(case.addr).unwrap();
    client.login("alex", "alex3714").unwrap();
    let first = client
        .call(&Request::Ls {
            path: Some("quotes".into()),
            after: None,
        })
        .unwrap();
    assert!(first.str("next").is_some(), "{:?}", first.status);
    fs::remove_dir_all(dir).unwrap();
}

fn a_listing_past_its_last_name(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    let page = raw.call(json!({"action": "ls", "path": "/", "after": "\u{10FFFF}"}));
    assert_eq!(page.fields["entries"], json!([]), "{page:?}");
    assert_eq!(page.fields["truncated"], json!(false));
    assert!(page.str("next").is_none());
}

// --- trailers ------------------------------------------------------------------------------

/// Sends a whole upload of `bytes`, then `trailer` as the trailer frame's body.
fn upload_with_trailer(case: &Case, name: &str, trailer: &[u8]) -> lesson7::protocol::Reply {
    let mut raw = Raw::login(case.addr, "alex");
    assert_eq!(put_request(&mut raw, name, json!(5)).status, 200);
    raw.send_bytes(b"12345");
    raw.send_frame(trailer);
    let reply = raw.reply();
    still_answers(&mut raw);
    reply
}

fn a_trailer_that_is_not_json(case: &Case) {
    let reply = upload_with_trailer(case, "nj.bin", b"md5 please");
    refused(&reply, 422, "nothing was kept");
    let home = case.fixture.home("alex");
    assert!(!home.join("nj.bin").exists() && !home.join("nj.bin.part").exists());
}

fn a_trailer_that_is_a_json_array(case: &Case) {
    let reply = upload_with_trailer(case, "arr.bin", br#"["827ccb0eea8a706c4c34a16891f84e7b"]"#);
    refused(&reply, 422, "nothing was kept");
    assert!(!case.fixture.home("alex").join("arr.bin.part").exists());
}

fn a_trailer_whose_md5_is_a_number(case: &Case) {
    let reply = upload_with_trailer(case, "num.bin", br#"{"md5": 12345}"#);
    refused(&reply, 422, "the trailer must be");
    assert!(!case.fixture.home("alex").join("num.bin.part").exists());
}

// --- slow transfers ------------------------------------------------------------------------

fn an_upload_dribbled_a_byte_at_a_time(case: &Case) {
    // A byte every 200 ms never stalls for the stall timeout (1 s here), but after the grace
    // (the request timeout, 1 s here) the transfer must move 500 bytes a second.
    let mut raw = Raw::login(case.addr, "alex");
    assert_eq!(put_request(&mut raw, "drip.bin", json!(1000)).status, 200);
    let writer = dribble(&raw.stream, vec![1u8; 100], Duration::from_millis(200));
    let reply = raw.reply();
    refused(&reply, 408, "slower than 500 bytes/s");
    assert!(raw.is_gone());
    let sent = writer.join().unwrap();
    assert!(sent < 100, "the server waited for all 100 bytes");
    let kept = fs::metadata(case.fixture.home("alex").join("drip.bin.part"))
        .unwrap()
        .len();
    assert!(kept > 0 && kept <= sent as u64, "kept {kept} of {sent}");
    assert!(
        reply
            .error_text()
            .contains(&format!("kept {kept} of 1000 bytes"))
    );
}

fn a_trailer_dribbled_a_byte_at_a_time(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    assert_eq!(put_request(&mut raw, "tdrip.bin", json!(3)).status, 200);
    raw.send_bytes(b"abc");
    let body = format!(r#"{{"md5": "{}"}}"#, md5_hex(b"abc"));
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(body.as_bytes());
    let writer = dribble(&raw.stream, frame, Duration::from_millis(200));
    refused(&raw.reply(), 408, "did not arrive whole within 1 s");
    writer.join().unwrap();
    assert!(!case.fixture.home("alex").join("tdrip.bin").exists());
}

// --- cheap requests stay cheap -------------------------------------------------------------

fn a_download_at_its_end(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    let bytes = data(21, 100_000);
    upload(&mut raw, "end.bin", &bytes);
    // Put by the server itself, too: its md5 is not known until the first whole read.
    fs::write(case.fixture.home("alex").join("side.bin"), &bytes).unwrap();
    for path in ["end.bin", "side.bin", "side.bin"] {
        let ready = raw.call(json!({"action": "get", "path": path, "offset": 100_000}));
        assert_eq!(
            (ready.u64("size"), ready.u64("offset")),
            (Some(100_000), Some(100_000)),
            "{ready:?}"
        );
        // No data: the trailer comes at once.
        assert_eq!(trailer_md5(&mut raw), md5_hex(&bytes), "{path}");
    }
}

/// Reads a download's trailer frame, `{"md5": HEX}`, and returns the md5.
fn trailer_md5(raw: &mut Raw) -> String {
    let trailer = lesson7::protocol::read_frame(&mut raw.stream, MAX_REPLY).unwrap();
    trailer["md5"].as_str().unwrap().to_string()
}

// --- the log -------------------------------------------------------------------------------

/// Every line the server logged is one of its own: the announcement, or a client's address at
/// the start. No line holds a raw control character; `forged` appears only escaped.
#[track_caller]
fn log_is_clean(case: &Case, forged: &str) {
    // The log reaches the test through a pipe: wait until the line is there.
    let mut log = case.log();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !log.iter().any(|line| line.contains(forged)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
        log = case.log();
    }
    for line in &log {
        assert!(
            line.starts_with("127.0.0.1:") || line.starts_with("listening on"),
            "a forged log line: {line:?}"
        );
        assert!(
            !line.chars().any(|c| c.is_control()),
            "a raw control character in the log: {line:?}"
        );
    }
    assert!(
        log.iter().any(|line| line.contains(forged)),
        "{forged:?} was not logged at all"
    );
}

const FORGED: &str = "\n127.0.0.1:1 root: logged in\u{1b}[2J";

fn log_injection_in_a_path(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    let reply = raw.call(json!({"action": "mkdir", "path": format!("x{FORGED}")}));
    assert_eq!(reply.status, 400, "{reply:?}");
    raw.call(json!({"action": "cd", "path": format!("nowhere{FORGED}")}));
    still_answers(&mut raw);
    log_is_clean(case, "root: logged in");
}

fn log_injection_in_an_upload_name(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    let reply = put_request(&mut raw, &format!("up{FORGED}"), json!(1));
    assert_eq!(reply.status, 400, "{reply:?}");
    log_is_clean(case, "up\\n127.0.0.1:1 root");
}

fn log_injection_in_an_md5(case: &Case) {
    let reply = upload_with_trailer(
        case,
        "inj.bin",
        json!({ "md5": format!("0{FORGED}") })
            .to_string()
            .as_bytes(),
    );
    refused(&reply, 422, "md5 mismatch");
    log_is_clean(case, "the sender's has 0\\n127.0.0.1:1 root");
}

fn log_injection_in_a_user_name(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    let reply = raw.call(
        json!({"action": "login", "user": format!("u{FORGED}"), "password": "x", "version": 1}),
    );
    assert_eq!(reply.status, 401, "{reply:?}");
    log_is_clean(case, "login \"u\\n127.0.0.1:1 root");
}

// --- cd ------------------------------------------------------------------------------------

fn a_refused_cd_stays_where_it_was(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    raw.call(json!({"action": "mkdir", "path": "/stay"}));
    upload(&mut raw, "plain.txt", b"text");
    raw.call(json!({"action": "cd", "path": "/stay"}));
    for (path, status) in [("/plain.txt", 409), ("/missing", 404), ("../..", 403)] {
        assert_eq!(
            raw.call(json!({"action": "cd", "path": path})).status,
            status
        );
        let here = raw.call(json!({"action": "pwd"}));
        assert_eq!(here.str("path"), Some("/stay"), "after cd {path}");
    }
}

fn rm_of_an_upload_in_progress_however_spelled(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    assert_eq!(put_request(&mut raw, "busy.bin", json!(10)).status, 200);
    let mut other = Raw::login(case.addr, "alex");
    for path in ["busy.bin.part", "./busy.bin.part"] {
        refused(
            &other.call(json!({"action": "rm", "path": path})),
            409,
            "being written by an upload",
        );
    }
    raw.send_bytes(b"0123456789");
    assert_eq!(raw.call(json!({"md5": md5_hex(b"0123456789")})).status, 200);
}

fn silence_before_login(case: &Case) {
    let mut raw = Raw::connect(case.addr);
    refused(&raw.reply(), 408, "no request for 1 s");
    assert!(raw.is_closed());
}

fn a_listing_of_one_file(case: &Case) {
    let mut raw = Raw::login(case.addr, "alex");
    upload(&mut raw, "single.txt", b"one");
    let page = raw.call(json!({"action": "ls", "path": "single.txt"}));
    assert_eq!(
        page.fields["entries"],
        json!([{"name": "single.txt", "dir": false, "size": 3}]),
        "{page:?}"
    );
    assert_eq!(page.fields["truncated"], json!(false));
}

fn a_download_resumed_in_the_middle(case: &Case) {
    // With the md5 known (uploaded) and unknown (written by the server's owner), a download
    // from the middle ends with the md5 of the whole file.
    let mut raw = Raw::login(case.addr, "alex");
    let bytes = data(22, 50_000);
    upload(&mut raw, "mid.bin", &bytes);
    fs::write(case.fixture.home("alex").join("mid2.bin"), &bytes).unwrap();
    for path in ["mid.bin", "mid2.bin"] {
        let ready = raw.call(json!({"action": "get", "path": path, "offset": 20_000}));
        assert_eq!(ready.status, 200, "{ready:?}");
        let mut rest = vec![0u8; 30_000];
        raw.stream.read_exact(&mut rest).unwrap();
        assert_eq!(rest, bytes[20_000..]);
        assert_eq!(trailer_md5(&mut raw), md5_hex(&bytes), "{path}");
    }
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
    (
        "a request dribbled a byte at a time",
        a_request_dribbled_a_byte_at_a_time,
    ),
    (
        "help now and then, never a login",
        help_now_and_then_without_logging_in,
    ),
    (
        "failing logins beside a good one",
        failing_logins_do_not_hold_up_a_good_one,
    ),
    (
        "directories deeper than the limit",
        directories_deeper_than_the_limit,
    ),
    (
        "a tree deeper than a thread's stack",
        a_tree_deeper_than_a_thread_stack,
    ),
    (
        "empty directories fill the entries",
        directories_count_against_the_entries,
    ),
    (
        "empty files fill the entries",
        empty_files_count_against_the_entries,
    ),
    ("quota counts entries", quota_counts_entries),
    (
        "files vanishing during a quota count",
        files_vanishing_during_a_count,
    ),
    (
        "get of a .part however spelled",
        get_of_an_unfinished_upload_however_spelled,
    ),
    (
        "a listing too long for one reply",
        a_listing_too_long_for_one_reply,
    ),
    ("a listing past its last name", a_listing_past_its_last_name),
    ("a trailer that is not JSON", a_trailer_that_is_not_json),
    (
        "a trailer that is a JSON array",
        a_trailer_that_is_a_json_array,
    ),
    (
        "a trailer whose md5 is a number",
        a_trailer_whose_md5_is_a_number,
    ),
    (
        "an upload dribbled a byte at a time",
        an_upload_dribbled_a_byte_at_a_time,
    ),
    (
        "a trailer dribbled a byte at a time",
        a_trailer_dribbled_a_byte_at_a_time,
    ),
    ("a download at its end", a_download_at_its_end),
    ("a forged log line in a path", log_injection_in_a_path),
    (
        "a forged log line in an upload name",
        log_injection_in_an_upload_name,
    ),
    ("a forged log line in an md5", log_injection_in_an_md5),
    (
        "a forged log line in a user name",
        log_injection_in_a_user_name,
    ),
    (
        "a refused cd stays where it was",
        a_refused_cd_stays_where_it_was,
    ),
    (
        "rm of an upload in progress",
        rm_of_an_upload_in_progress_however_spelled,
    ),
    ("silence before login", silence_before_login),
    ("a listing of one file", a_listing_of_one_file),
    (
        "a download resumed in the middle",
        a_download_resumed_in_the_middle,
    ),
];

/// The options of the server the cases share: short timeouts, so that the cases about them
/// finish quickly, and a small entries limit.
const SUITE_OPTIONS: [&str; 10] = [
    "--idle-timeout",
    "1",
    "--stall-timeout",
    "1",
    "--request-timeout",
    "1",
    "--login-timeout",
    "3",
    "--max-entries",
    "300",
];

#[test]
fn hostile_and_faulty_clients_get_clear_replies_and_the_server_keeps_serving() {
    let fixture = Fixture::new();
    let server = Mutex::new(fixture.start(&SUITE_OPTIONS));
    let case = Case {
        addr: server.lock().unwrap().addr(),
        fixture: &fixture,
        server: &server,
    };
    assert!(CASES.len() >= 60, "{} cases", CASES.len());
    for (number, (name, run)) in CASES.iter().enumerate() {
        let outcome = std::panic::catch_unwind(|| {
            run(&case);
            // Whatever the case did, a normal client is served.
            let mut normal = Raw::login(case.addr, "tiny");
            still_answers(&mut normal);
        });
        if let Err(panic) = outcome {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!(
                "case {} `{name}` failed: {why}\nserver stderr: {}",
                number + 1,
                server.lock().unwrap().stderr()
            );
        }
        assert!(
            server.lock().unwrap().is_running(),
            "the server died after case {} `{name}`",
            number + 1
        );
    }
    // Still serving, and nothing escaped.
    let mut raw = Raw::login(case.addr, "alex");
    still_answers(&mut raw);
    fixture.assert_nothing_outside_homes();
    let stderr = server.lock().unwrap().stderr();
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_login_over_the_limit_is_told_the_server_is_busy() {
    let fixture = Fixture::new();
    let server = fixture.start(&["--max-clients", "2"]);
    let first = Raw::login(server.addr(), "alex");
    let _second = Raw::login(server.addr(), "bob");
    // 1. A third connection is greeted (it has not logged in yet), and its login is refused.
    let mut third = Raw::connect(server.addr());
    let reply =
        third.call(json!({"action": "login", "user": "tiny", "password": "tiny1", "version": 1}));
    refused(&reply, 503, "the server is busy: it serves 2 users at once");
    assert!(third.is_closed(), "step 1");
    drop(first);
    // 2. The place is given back when a session ends.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut next = Raw::connect(server.addr());
        let reply = next
            .call(json!({"action": "login", "user": "tiny", "password": "tiny1", "version": 1}));
        if reply.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "step 2: the first client's place was never given back"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn connections_that_never_log_in_have_places_of_their_own() {
    let fixture = Fixture::new();
    // The login timeout must outlast steps 2 and 3 on a loaded machine (CI's two cores run the
    // whole suite at once): 3 s, not 1, or the silent connections time out before the fifth is
    // refused, and it gets a place.
    let server = fixture.start(&["--max-unauthenticated", "4", "--login-timeout", "3"]);
    let addr = server.addr();
    // 1. A user logged in before the silent connections came.
    let mut early = Raw::login(addr, "alex");
    // 2. Four silent connections fill the places for connections not logged in; a fifth is told
    //    so and closed.
    let silent: Vec<Raw> = (0..4).map(|_| Raw::connect(addr)).collect();
    let mut fifth = Raw::connect_quietly(addr);
    refused(&fifth.reply(), 503, "4 connections are logging in");
    assert!(fifth.is_closed(), "step 2");
    // 3. The logged-in user is served meanwhile.
    still_answers(&mut early);
    // 4. The login timeout frees the places: each silent connection is told why and closed.
    for mut raw in silent {
        refused(&raw.reply(), 408, "not logged in within 3 s");
        assert!(raw.is_closed(), "step 4");
    }
    let mut later = Raw::login(addr, "bob");
    still_answers(&mut later);
}

#[test]
fn sixty_four_silent_connections_lock_nobody_out_by_default() {
    let fixture = Fixture::new();
    let server = fixture.start(&[]);
    let silent: Vec<Raw> = (0..64).map(|_| Raw::connect(server.addr())).collect();
    let mut raw = Raw::login(server.addr(), "alex");
    still_answers(&mut raw);
    drop(silent);
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
