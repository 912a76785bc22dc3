//! Lesson 7's server under attacks on its resources, measured from outside: peak memory while
//! many connections try passwords at the real argon2 cost, CPU while `accept` keeps failing and
//! while downloads ask for nothing, and how long one user's upload waits while another user
//! walks a large home. Every figure is asserted as a bound or a ratio, never an absolute time.

// Linux only: it reads /proc and runs servers under `ulimit -n`.
#![cfg(target_os = "linux")]

mod common;
mod lesson7_support;
mod server_stats;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::{ServerProcess, lesson, lesson_bin};
use lesson7::accounts::{self, Cost};
use lesson7_support::{Fixture, Raw, md5_hex};
use serde_json::json;

const MIB: u64 = 1 << 20;

#[test]
fn wrong_passwords_from_64_connections_at_the_real_cost_keep_memory_bounded() {
    // 1. Users hashed at the production cost: 19 MiB and 2 passes per verification.
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    accounts::add_user(&users, "alex", "alex3714", MIB, Cost::default()).unwrap();
    let mut command = lesson("lesson7");
    command
        .args(["server", "--addr", "127.0.0.1:0", "--login-delay", "0"])
        .args(["--max-verifying", "2", "--users"])
        .arg(&users)
        .arg("--root")
        .arg(dir.path().join("root"));
    let server = ServerProcess::start(command).unwrap();
    let pid = server.pid();
    // Loading the users hashed one password already, at that cost.
    let before = server_stats::peak_memory(pid);
    // 2. 64 connections, never logged in, each trying 3 wrong passwords at once.
    let attackers: Vec<_> = (0..64)
        .map(|_| {
            let addr = server.addr();
            thread::spawn(move || {
                let mut raw = Raw::connect(addr);
                for _ in 0..3 {
                    raw.send(
                        json!({"action": "login", "user": "alex", "password": "x", "version": 1}),
                    );
                    let reply = raw.reply();
                    assert!(matches!(reply.status, 401 | 429), "{reply:?}");
                }
            })
        })
        .collect();
    for attacker in attackers {
        attacker.join().unwrap();
    }
    // 3. Two verifications at a time: the peak grows by about two hashes' memory, not 64.
    let grew = server_stats::peak_memory(pid).saturating_sub(before);
    eprintln!(
        "peak memory before {} MiB, grew by {} MiB; memory now {} MiB",
        before / MIB,
        grew / MIB,
        server_stats::memory(pid) / MIB
    );
    assert!(
        grew < 3 * 19 * MIB,
        "step 3: 192 wrong passwords made the peak grow by {} MiB",
        grew / MIB
    );
    // 4. And the right password still logs in.
    let mut raw = Raw::connect(server.addr());
    let reply =
        raw.call(json!({"action": "login", "user": "alex", "password": "alex3714", "version": 1}));
    assert_eq!(reply.status, 200, "step 4: {reply:?}");
}

#[test]
fn an_accept_loop_out_of_file_descriptors_backs_off_and_keeps_serving() {
    let fixture = Fixture::new();
    let line = format!(
        "ulimit -n 64 && exec '{}' server --addr 127.0.0.1:0 --users '{}' --root '{}'",
        lesson_bin("lesson7").display(),
        fixture.users().display(),
        fixture.root().display()
    );
    let mut command = Command::new("sh");
    command.arg("-c").arg(line);
    let mut server = ServerProcess::start(command).unwrap();
    // 1. A user logged in while descriptors are left.
    let mut early = Raw::login(server.addr(), "alex");
    // 2 to 4. More idle connections than it may hold files for: it backs off, quietly.
    let idle = server_stats::assert_accept_backs_off(&mut server);
    // 5. The user logged in first is served.
    let reply = early.call(json!({"action": "pwd"}));
    assert_eq!(reply.status, 200, "step 5: {reply:?}");
    drop(idle);
}

/// Starts the server with `--root` spelled `root`, from `dir`, and with `extra` options.
fn start_in(dir: &Path, root: &str, extra: &[&str]) -> ServerProcess {
    let mut command = lesson("lesson7");
    command
        .current_dir(dir)
        .args(["server", "--addr", "127.0.0.1:0", "--login-delay", "0.05"])
        .args(["--users", "users.json", "--root", root])
        .args(extra);
    ServerProcess::start(command).unwrap()
}

#[test]
fn two_uploads_together_stay_within_the_quota_however_the_root_is_spelled() {
    let fixture = Fixture::new();
    let dir = fixture.dir.path();
    fs::create_dir_all(fixture.root()).unwrap();
    symlink(fixture.root(), dir.join("link")).unwrap();
    let absolute = fixture.root().display().to_string();
    for root in [absolute.as_str(), "root", "link", "./link/../root/"] {
        let server = start_in(dir, root, &[]);
        // tiny may store 4096 bytes. Two uploads of 3000, started together: the second is refused,
        // because the first counts at its full size while it runs.
        let mut first = Raw::login(server.addr(), "tiny");
        let mut second = Raw::login(server.addr(), "tiny");
        let ready = first.call(json!({"action": "put", "name": "a.bin", "size": 3000}));
        assert_eq!(ready.status, 200, "--root {root}: {ready:?}");
        let refused = second.call(json!({"action": "put", "name": "b.bin", "size": 3000}));
        assert_eq!(refused.status, 507, "--root {root}: {refused:?}");
        first.send_bytes(&[1u8; 3000]);
        let stored = first.call(json!({"md5": md5_hex(&[1u8; 3000])}));
        assert_eq!(stored.status, 200, "--root {root}: {stored:?}");
        let quota = second.call(json!({"action": "quota"}));
        assert_eq!(quota.u64("used"), Some(3000), "--root {root}: {quota:?}");
        fs::remove_dir_all(fixture.home("tiny")).unwrap();
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[test]
fn one_user_walking_a_large_home_does_not_hold_up_another_users_upload() {
    let fixture = Fixture::new();
    // 1. alex's home holds 20,000 directories, made on disk (past any entries limit).
    let home = fixture.home("alex");
    for i in 0..20_000 {
        fs::create_dir_all(home.join(format!("d{}/e{i}", i % 100))).unwrap();
    }
    let server = fixture.start(&["--max-entries", "1000000"]);
    let addr = server.addr();
    // 2. Three sessions of alex ask for the quota, a walk of the whole home, over and over.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let walkers: Vec<_> = (0..3)
        .map(|_| {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut raw = Raw::login(addr, "alex");
                let mut times = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let started = Instant::now();
                    let quota = raw.call(json!({"action": "quota"}));
                    assert_eq!(quota.status, 200, "{quota:?}");
                    times.push(started.elapsed());
                }
                times
            })
        })
        .collect();
    // 3. Meanwhile bob uploads 1-byte files.
    let mut bob = Raw::login(addr, "bob");
    let mut puts = Vec::new();
    for i in 0..30 {
        let started = Instant::now();
        let ready = bob.call(json!({"action": "put", "name": format!("b{i}"), "size": 1}));
        assert_eq!(ready.status, 200, "{ready:?}");
        bob.send_bytes(b"x");
        let stored = bob.call(json!({"md5": md5_hex(b"x")}));
        assert_eq!(stored.status, 200, "{stored:?}");
        puts.push(started.elapsed());
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let walks: Vec<Duration> = walkers
        .into_iter()
        .flat_map(|walker| walker.join().unwrap())
        .collect();
    // 4. bob's upload takes less than half of one of alex's walks: it never waits for one.
    let (put, walk) = (median(puts), median(walks));
    eprintln!("median put of 1 byte by bob: {put:?}; median quota of alex: {walk:?}");
    assert!(
        put * 2 < walk,
        "step 4: bob's put took {put:?}, alex's walk {walk:?}"
    );
}

#[test]
fn downloads_that_ask_for_nothing_cost_nothing_after_the_first() {
    let fixture = Fixture::new();
    let size = 64 << 20;
    fs::create_dir_all(fixture.home("alex")).unwrap();
    fs::write(
        fixture.home("alex").join("big.bin"),
        lesson7_support::data(3, size),
    )
    .unwrap();
    let server = fixture.start(&[]);
    let pid = server.pid();
    let mut raw = Raw::login(server.addr(), "alex");
    let get_at_end = |raw: &mut Raw| {
        let ready = raw.call(json!({"action": "get", "path": "big.bin", "offset": size}));
        assert_eq!(ready.u64("size"), Some(size as u64), "{ready:?}");
        lesson7::protocol::read_frame(&mut raw.stream, lesson7::protocol::MAX_REPLY).unwrap();
    };
    // 1. The first: the server has never seen the file whole, and hashes it.
    let before = server_stats::cpu_time(pid);
    get_at_end(&mut raw);
    let first = server_stats::cpu_time(pid) - before;
    // 2. Ten more: the md5 is known, nothing is read.
    let before = server_stats::cpu_time(pid);
    for _ in 0..10 {
        get_at_end(&mut raw);
    }
    let ten = server_stats::cpu_time(pid) - before;
    eprintln!("CPU for the first get at the end: {first:?}; for ten more: {ten:?}");
    assert!(
        ten < first,
        "step 2: ten gets at the end took {ten:?} of CPU, the first {first:?}"
    );
}
