//! Lesson 7's resume (断点续传): transfers cut at random points, in both directions, by a
//! network failure, a killed client and a restarted server, then resumed and compared byte for
//! byte. And the quota, which counts what unfinished uploads hold.

mod common;
mod lesson7_support;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Stdio};
use std::thread;
use std::time::Duration;

use common::lesson;
use lesson7::client::{Client, ClientError, Transferred};
use lesson7::protocol::Request;
use lesson7_support::{
    Direction, Fixture, Random, Raw, Relay, data, md5_hex, retry_while_busy, wait_until,
};
use serde_json::json;

const SIZE: usize = 2 * 1024 * 1024;

/// The size of a transfer interrupted from outside (a killed client, a restarted server). What
/// the killed side had already handed to its kernel still arrives, up to a few MiB of socket
/// buffers; the file must be larger than that for anything to be left to resume.
const BIG: usize = 12 * 1024 * 1024;

/// A pause per 16 KiB relayed: about 8 MB/s, so that a transfer lasts long enough to stop.
const SLOW: Duration = Duration::from_millis(2);

fn login(addr: std::net::SocketAddr) -> Client {
    let mut client = Client::connect(addr).unwrap();
    client.login("alex", "alex3714").unwrap();
    client
}

/// A put that resumes what a cut session left, once the server has noticed the cut.
fn put_resuming(client: &mut Client, local: &Path) -> Transferred {
    retry_while_busy(
        || client.put(local, &mut |_, _| {}),
        |outcome| matches!(outcome, Err(ClientError::Refused(reply)) if reply.status == 409),
    )
    .unwrap()
}

fn wait_for_size(path: &Path, at_least: u64, what: &str) {
    wait_until(what, || {
        fs::metadata(path).is_ok_and(|m| m.len() >= at_least)
    });
}

fn wait_for_exit(child: &mut Child) {
    wait_until("the client to exit", || child.try_wait().unwrap().is_some());
}

#[test]
fn transfers_cut_at_random_points_resume_and_arrive_whole() {
    let fixture = Fixture::new();
    let server = fixture.start(&[]);
    let local = tempfile::tempdir().unwrap();
    let bytes = data(21, SIZE);
    let original = local.path().join("big.bin");
    fs::write(&original, &bytes).unwrap();
    let mut random = Random::from_clock();
    let seed = random.0;

    for round in 0..3 {
        // Upload: the relay cuts after `cut` bytes from the client.
        let cut = random.between(1000, SIZE as u64);
        let relay = Relay::start(server.addr(), Some((Direction::Upload, cut)), None);
        let cut_off = login(relay.addr).put(&original, &mut |_, _| {});
        assert!(
            cut_off.is_err(),
            "seed {seed}, round {round}: the cut put succeeded"
        );
        let done = put_resuming(&mut login(server.addr()), &original);
        assert!(
            done.resumed_from > 0 && done.resumed_from < cut,
            "seed {seed}, round {round}: cut at {cut}, resumed from {}",
            done.resumed_from
        );
        assert_eq!(done.md5, md5_hex(&bytes));
        assert_eq!(
            fs::read(fixture.home("alex").join("big.bin")).unwrap(),
            bytes
        );

        // Download: the relay cuts after `cut` bytes from the server.
        let downloads = local.path().join(format!("round{round}"));
        fs::create_dir_all(&downloads).unwrap();
        let cut = random.between(1000, SIZE as u64);
        let relay = Relay::start(server.addr(), Some((Direction::Download, cut)), None);
        let cut_off = login(relay.addr).get("big.bin", &downloads, &mut |_, _| {});
        assert!(
            cut_off.is_err(),
            "seed {seed}, round {round}: the cut get succeeded"
        );
        assert!(
            !downloads.join("big.bin").exists(),
            "a cut download took the final name"
        );
        let done = login(server.addr())
            .get("big.bin", &downloads, &mut |_, _| {})
            .unwrap();
        assert!(
            done.resumed_from > 0 && done.resumed_from < cut,
            "seed {seed}, round {round}: cut at {cut}, resumed from {}",
            done.resumed_from
        );
        assert_eq!(fs::read(downloads.join("big.bin")).unwrap(), bytes);
        assert!(!downloads.join("big.bin.part").exists());

        login(server.addr())
            .call(&Request::Rm {
                path: "big.bin".into(),
            })
            .unwrap();
    }
}

/// `lesson7 client` in `dir`, its commands piped in, talking to `addr`.
fn client_process(addr: std::net::SocketAddr, dir: &Path, commands: &str) -> Child {
    let mut child = lesson("lesson7")
        .current_dir(dir)
        .args(["client", "--addr", &addr.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("alex\nalex3714\n{commands}\n").as_bytes())
        .unwrap();
    child
}

fn finish(child: Child) -> String {
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The `K` of "resumed an interrupted transfer at byte K of N".
fn resumed_at(stdout: &str) -> u64 {
    let line = stdout
        .lines()
        .find(|l| l.contains("resumed an interrupted transfer at byte"))
        .unwrap_or_else(|| panic!("no resume reported in {stdout}"));
    line.split_whitespace()
        .nth_back(2)
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_killed_client_resumes_its_put_and_its_get() {
    let fixture = Fixture::new();
    let server = fixture.start(&[]);
    let local = tempfile::tempdir().unwrap();
    let bytes = data(22, BIG);
    fs::write(local.path().join("big.bin"), &bytes).unwrap();
    let mut random = Random::from_clock();
    let seed = random.0;

    // Killed in the middle of a put: the server keeps big.bin.part.
    let kill_at = random.between(BIG as u64 / 10, BIG as u64 / 2);
    let relay = Relay::start(server.addr(), None, Some(SLOW));
    let mut child = client_process(relay.addr, local.path(), "put big.bin");
    let partial = fixture.home("alex").join("big.bin.part");
    wait_for_size(&partial, kill_at, "the upload");
    child.kill().unwrap();
    wait_for_exit(&mut child);
    assert!(!fixture.home("alex").join("big.bin").exists());

    let stdout = retry_while_busy(
        || finish(client_process(server.addr(), local.path(), "put big.bin")),
        |stdout| stdout.contains("another session is uploading"),
    );
    assert!(resumed_at(&stdout) >= kill_at, "seed {seed}: {stdout}");
    assert_eq!(
        fs::read(fixture.home("alex").join("big.bin")).unwrap(),
        bytes
    );

    // Killed in the middle of a get: the client keeps big.bin.part in its own directory.
    let downloads = local.path().join("downloads");
    fs::create_dir_all(&downloads).unwrap();
    let kill_at = random.between(BIG as u64 / 10, BIG as u64 / 2);
    let relay = Relay::start(server.addr(), None, Some(SLOW));
    let mut child = client_process(relay.addr, &downloads, "get big.bin");
    wait_for_size(&downloads.join("big.bin.part"), kill_at, "the download");
    child.kill().unwrap();
    wait_for_exit(&mut child);
    assert!(!downloads.join("big.bin").exists());

    let stdout = finish(client_process(server.addr(), &downloads, "get big.bin"));
    assert!(resumed_at(&stdout) >= kill_at, "seed {seed}: {stdout}");
    assert!(stdout.contains(&format!("md5 {} verified", md5_hex(&bytes))));
    assert_eq!(fs::read(downloads.join("big.bin")).unwrap(), bytes);
}

#[test]
fn a_restarted_server_resumes_the_put_and_the_get() {
    let fixture = Fixture::new();
    let local = tempfile::tempdir().unwrap();
    let bytes = data(23, BIG);
    let original = local.path().join("big.bin");
    fs::write(&original, &bytes).unwrap();
    let mut random = Random::from_clock();
    let seed = random.0;

    // The server dies in the middle of an upload.
    let server = fixture.start(&[]);
    let relay = Relay::start(server.addr(), None, Some(SLOW));
    let upload = {
        let original = original.clone();
        thread::spawn(move || login(relay.addr).put(&original, &mut |_, _| {}))
    };
    let stop_at = random.between(BIG as u64 / 10, BIG as u64 / 2);
    wait_for_size(
        &fixture.home("alex").join("big.bin.part"),
        stop_at,
        "the upload",
    );
    drop(server);
    assert!(upload.join().unwrap().is_err(), "seed {seed}");

    let server = fixture.start(&[]);
    let done = login(server.addr()).put(&original, &mut |_, _| {}).unwrap();
    assert!(done.resumed_from >= stop_at, "seed {seed}: {done:?}");
    assert_eq!(
        fs::read(fixture.home("alex").join("big.bin")).unwrap(),
        bytes
    );

    // The server dies in the middle of a download.
    let relay = Relay::start(server.addr(), None, Some(SLOW));
    let downloads = local.path().join("downloads");
    fs::create_dir_all(&downloads).unwrap();
    let download = {
        let downloads = downloads.clone();
        thread::spawn(move || login(relay.addr).get("big.bin", &downloads, &mut |_, _| {}))
    };
    let stop_at = random.between(BIG as u64 / 10, BIG as u64 / 2);
    wait_for_size(&downloads.join("big.bin.part"), stop_at, "the download");
    drop(server);
    assert!(download.join().unwrap().is_err(), "seed {seed}");

    let server = fixture.start(&[]);
    let done = login(server.addr())
        .get("big.bin", &downloads, &mut |_, _| {})
        .unwrap();
    assert!(done.resumed_from >= stop_at, "seed {seed}: {done:?}");
    assert_eq!(fs::read(downloads.join("big.bin")).unwrap(), bytes);
}

#[test]
fn a_resume_whose_start_differs_is_caught_by_the_md5_and_kept_nowhere() {
    let fixture = Fixture::new();
    let server = fixture.start(&[]);
    let local = tempfile::tempdir().unwrap();
    let bytes = data(24, 100_000);
    let original = local.path().join("doc.bin");
    fs::write(&original, &bytes).unwrap();
    // A .part left by an upload of another version of the file.
    fs::create_dir_all(fixture.home("alex")).unwrap();
    fs::write(fixture.home("alex").join("doc.bin.part"), vec![0u8; 40_000]).unwrap();
    let refused = login(server.addr())
        .put(&original, &mut |_, _| {})
        .unwrap_err();
    assert!(
        refused.to_string().starts_with("422 md5 mismatch"),
        "{refused}"
    );
    assert!(!fixture.home("alex").join("doc.bin").exists());
    assert!(!fixture.home("alex").join("doc.bin.part").exists());
    // Put again: from the start, and whole.
    let done = login(server.addr()).put(&original, &mut |_, _| {}).unwrap();
    assert_eq!(done.resumed_from, 0);
    assert_eq!(
        fs::read(fixture.home("alex").join("doc.bin")).unwrap(),
        bytes
    );
}

#[test]
fn unfinished_uploads_count_against_the_quota() {
    let fixture = Fixture::new();
    let server = fixture.start(&[]);
    // tiny may store 4096 bytes. An upload of 3000 is cut after 2000.
    let mut raw = Raw::login(server.addr(), "tiny");
    let ready = raw.call(json!({"action": "put", "name": "a.bin", "size": 3000}));
    assert_eq!(ready.u64("offset"), Some(0));
    raw.send_bytes(&[1u8; 2000]);
    drop(raw);
    wait_for_size(&fixture.home("tiny").join("a.bin.part"), 2000, "the upload");

    let mut raw = Raw::login(server.addr(), "tiny");
    let quota = raw.call(json!({"action": "quota"}));
    assert_eq!(
        (quota.u64("used"), quota.u64("free")),
        (Some(2000), Some(2096))
    );
    let refused = raw.call(json!({"action": "put", "name": "b.bin", "size": 3000}));
    assert_eq!(refused.status, 507);
    assert!(
        refused
            .error_text()
            .contains("only 2.0 KiB of your 4.0 KiB quota is left")
    );
    // Finishing the cut upload needs only the 1000 bytes it lacks.
    let ready = retry_while_busy(
        || raw.call(json!({"action": "put", "name": "a.bin", "size": 3000})),
        |reply| reply.status == 409,
    );
    assert_eq!(ready.u64("offset"), Some(2000), "{ready:?}");
    raw.send_bytes(&[1u8; 1000]);
    let done = raw.call(json!({"md5": md5_hex(&[1u8; 3000])}));
    assert_eq!(done.u64("resumed_from"), Some(2000), "{done:?}");
}
