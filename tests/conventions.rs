//! The conventions every lesson keeps (LESSON-PLAN.md, "Lesson conventions"), checked for each.
//!
//! A lesson joins this suite by being listed in `LESSONS`.

mod common;

use common::{assert_matches_book, lesson_cmd, unused_addr};
use predicates::prelude::*;

const LESSONS: &[&str] = &[
    "lesson1", "lesson2", "lesson3", "lesson4", "lesson5", "lesson6", "lesson7",
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
