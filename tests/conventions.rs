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
fn a_client_without_a_server_says_so_and_fails() {
    for package in LESSONS {
        let addr = unused_addr().to_string();
        lesson_cmd(package)
            .args(["client", "--addr", &addr])
            .write_stdin("")
            .assert()
            .failure()
            .stderr(predicate::str::contains(format!(
                "could not connect to {addr}"
            )))
            .stderr(predicate::str::contains("hint: nothing is listening"))
            .stderr(predicate::str::contains("panicked").not());
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
