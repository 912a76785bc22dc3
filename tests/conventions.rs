//! The conventions every lesson keeps (LESSON-PLAN.md, "Lesson conventions"), checked for each.
//!
//! A lesson joins this suite by being listed in `LESSONS`.

mod common;

use common::{assert_matches_book, lesson_cmd, unused_addr};
use predicates::prelude::*;

const LESSONS: &[&str] = &[
    "lesson1", "lesson2", "lesson3", "lesson4", "lesson5", "lesson6", "lesson7", "lesson8",
];

#[test]
fn every_demo_runs_and_prints_what_the_book_shows() {
    for package in LESSONS {
        let output = lesson_cmd(package).assert().success().get_output().clone();
        let stdout = String::from_utf8(output.stdout).expect("the demo prints UTF-8");
        assert_matches_book(&format!("{package}-demo.txt"), &stdout);
        // `demo` is the same as no mode at all.
        let again = lesson_cmd(package)
            .arg("demo")
            .assert()
            .success()
            .get_output()
            .clone();
        assert_matches_book(
            &format!("{package}-demo.txt"),
            &String::from_utf8_lossy(&again.stdout),
        );
    }
}

#[test]
fn every_mode_explains_itself_with_help() {
    for package in LESSONS {
        lesson_cmd(package)
            .arg("--help")
            .assert()
            .success()
            .stdout(predicate::str::contains("server").and(predicate::str::contains("client")));
        for mode in ["server", "client"] {
            lesson_cmd(package)
                .args([mode, "--help"])
                .assert()
                .success()
                .stdout(predicate::str::contains("--addr <HOST:PORT>"))
                .stdout(predicate::str::contains("127.0.0.1:8089"));
        }
    }
}

#[test]
fn each_side_explains_its_own_addr_and_no_help_shows_a_path_of_the_build_machine() {
    let build_dir = common::workspace_root().display().to_string();
    for package in LESSONS {
        let help = |mode: &str| {
            let output = lesson_cmd(package).args([mode, "--help"]).output().unwrap();
            String::from_utf8(output.stdout).unwrap()
        };
        let (server, client) = (help("server"), help("client"));
        assert!(
            server.contains("Address to listen on"),
            "{package}: {server}"
        );
        assert!(
            client.contains("Address of the server to connect to"),
            "{package}: {client}"
        );
        for word in ["to listen on", "Port 0"] {
            assert!(!client.contains(word), "{package} client --help: {client}");
        }
        for text in [&server, &client] {
            assert!(!text.contains(&build_dir), "{package}: {text}");
        }
    }
}

#[test]
fn the_servers_of_lessons_4_to_7_name_their_sample_users_and_passwords_in_their_help() {
    for (package, logins) in [
        (
            "lesson4",
            &["alex and eric (password abc123)", "jack (password qwer)"][..],
        ),
        (
            "lesson5",
            &["alex and eric (password abc123)", "jack (password qwer)"],
        ),
        (
            "lesson6",
            &["alex and eric (password abc123)", "jack (password qwer)"],
        ),
        (
            "lesson7",
            &[
                "alex (password alex3714, quota 1 GiB",
                "bob (password bob2016",
            ],
        ),
        (
            "lesson8",
            &[
                "alex (password alex3714, quota 1 GiB",
                "bob (password bob2016",
            ],
        ),
    ] {
        for mode in ["server", "client"] {
            let output = lesson_cmd(package).args([mode, "--help"]).output().unwrap();
            let help = String::from_utf8(output.stdout).unwrap();
            for login in logins {
                assert!(help.contains(login), "{package} {mode} --help: {help}");
            }
        }
    }
}

#[test]
fn a_server_started_with_the_sample_users_names_them_and_their_passwords_first() {
    for (package, banner) in [
        (
            "lesson4",
            "sample users: alex and eric (password abc123), jack (password qwer)",
        ),
        (
            "lesson5",
            "sample users: alex and eric (password abc123), jack (password qwer)",
        ),
        (
            "lesson6",
            "sample users: alex and eric (password abc123), jack (password qwer)",
        ),
    ] {
        // Lessons 4 to 6 keep their homes in the lesson's folder by default; a scratch root
        // keeps this test from touching it.
        let root = tempfile::tempdir().unwrap();
        let mut server = common::start_server(package, &["--root", root.path().to_str().unwrap()]);
        let lines = server.stdout_lines();
        assert!(
            lines.iter().any(|line| line == banner),
            "{package}: {lines:?}"
        );
    }
}

#[test]
fn a_client_without_a_server_says_so_once_and_names_the_server_command_with_its_addr() {
    for package in LESSONS {
        let addr = unused_addr().to_string();
        let output = lesson_cmd(package)
            .args(["client", "--addr", &addr])
            .write_stdin("")
            .assert()
            .failure()
            .stderr(predicate::str::contains(format!(
                "could not connect to {addr}"
            )))
            .stderr(predicate::str::contains(format!(
                "hint: nothing is listening at that address. Start the server first, in another \
                 terminal: cargo run -p {package} -- server --addr {addr}\n"
            )))
            .stderr(predicate::str::contains("panicked").not())
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        let error = stderr.lines().next().unwrap();
        // The cause appears once: "Connection refused (os error 111)", not twice.
        let cause = error.rsplit(": ").next().unwrap();
        assert_eq!(error.matches(cause).count(), 1, "{package}: {stderr}");
    }
}

#[test]
fn a_server_whose_port_is_taken_says_so_and_fails() {
    for package in LESSONS {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap().to_string();
        lesson_cmd(package)
            .args(["server", "--addr", &addr])
            .assert()
            .failure()
            .stderr(predicate::str::contains(format!(
                "could not listen on {addr}"
            )))
            .stderr(predicate::str::contains(
                "hint: another program already listens",
            ))
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn an_address_that_is_not_one_is_refused_before_anything_runs() {
    for package in LESSONS {
        lesson_cmd(package)
            .args(["client", "--addr", "no-port-here"])
            .assert()
            .failure()
            .stderr(predicate::str::contains(
                "is not an address of the form HOST:PORT",
            ));
    }
}

/// Lesson 3's key fact, which the transcript comparison cannot see because it takes the times
/// out: behind a server that handles one connection at a time, client B waits for as long as
/// client A keeps quiet; behind the threaded server, it hardly waits. Checked as ratios of times
/// measured in the same run, never against a clock.
#[test]
fn lesson3_demo_b_waits_behind_one_thread_and_not_behind_a_thread_each() {
    let output = lesson_cmd("lesson3")
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).expect("the demo prints UTF-8");
    let millis = |pattern: &str| -> Vec<u128> {
        regex::Regex::new(pattern)
            .unwrap()
            .captures_iter(&stdout)
            .map(|caps| caps[1].parse().unwrap())
            .collect()
    };
    let hold = millis(r"client A \| connected, and keeps quiet for (\d+) ms");
    let waits = millis(r"client B \| the answer came after (\d+) ms");
    assert!(
        hold.len() == 2 && waits.len() == 2,
        "step 1. the demo no longer prints A's silence and B's wait for both servers:\n{stdout}"
    );
    let (hold, one_thread, thread_each) = (hold[0], waits[0], waits[1]);
    assert!(
        2 * one_thread >= hold,
        "step 2. one thread: B waited {one_thread} ms, less than half of A's {hold} ms of silence"
    );
    assert!(
        2 * thread_each < one_thread,
        "step 3. a thread each: B waited {thread_each} ms, not less than half of the \
         {one_thread} ms it waited behind one thread"
    );
}

/// Lesson 4's brute force: the demo's rate and its projection must follow from the count and the
/// time it prints, in a fresh run and in the release run the book shows (recorded by hand, so
/// compared by shape: the same lines with the numbers taken out).
#[test]
fn lesson4_brute_force_figures_agree_with_each_other() {
    let output = lesson_cmd("lesson4")
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).expect("the demo prints UTF-8");
    common::assert_shape_matches_book("lesson4-demo-release.txt", &stdout, false);
    let recorded = std::fs::read_to_string(
        common::workspace_root().join("book/src/output/lesson4-demo-release.txt"),
    )
    .unwrap();
    for (name, text) in [("this run", &stdout), ("the release recording", &recorded)] {
        let number = |pattern: &str| -> f64 {
            let caps = regex::Regex::new(pattern)
                .unwrap()
                .captures(text)
                .unwrap_or_else(|| panic!("step 1. {name} has no line matching {pattern}"));
            caps[1].parse().unwrap()
        };
        let tried = number(r"tried (\d+) passwords");
        let millis = number(r"found in (\d+) ms").max(1.0);
        let rate = number(r"(\d+\.\d) M md5/s");
        let minutes = number(r"characters in (\d+) min");
        let measured = tried / millis / 1000.0;
        assert!(
            (rate - measured).abs() <= 0.05 + measured * 0.01,
            "step 2. {name}: {tried} digests in {millis} ms is {measured:.2} M md5/s, not {rate}"
        );
        let projected = 36f64.powi(6) / (measured * 1e6) / 60.0;
        assert!(
            (minutes - projected).abs() <= 0.5 + projected * 0.01,
            "step 3. {name}: at {measured:.2} M md5/s, 36^6 digests take {projected:.1} min, not {minutes}"
        );
    }
}
