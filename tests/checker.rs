//! The exercise checker, run as students and teachers run it: `cargo lab`, `cargo lab check`
//! (the binary itself, from the workspace's root; the alias from the lessons' folders).
//!
//! These tests never check the student's files against a fixed expectation (a student runs this
//! suite too, with half-done exercises): they check the planted mistakes, the reference
//! solutions, and programs in Python that live beside this file, in `peers/`. Each run keeps its
//! progress in a file of its own, leaving the student's alone.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{assert_matches_book, python_available, workspace_root};
use predicates::prelude::*;
use tempfile::TempDir;

/// Generous: the checker builds each exercise's tests, on a busy machine perhaps from scratch.
const CHECK_TIMEOUT: Duration = Duration::from_secs(600);

/// `cargo lab ARGS` from the workspace's root, with a progress file of its own (in `dir`).
fn checker(dir: &TempDir) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("socket-lab").unwrap();
    command
        .current_dir(workspace_root())
        .env("SOCKET_LAB_PROGRESS", dir.path().join("progress.json"))
        .timeout(CHECK_TIMEOUT);
    command
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("the checker prints UTF-8")
}

/// `cargo lab ARGS`, which must succeed; what it printed.
fn passing_check(args: &[&str]) -> String {
    let dir = TempDir::new().unwrap();
    stdout_of(checker(&dir).args(args).assert().success().get_output())
}

/// `cargo lab ARGS`, which must fail; what it printed.
fn failing_check(args: &[&str]) -> String {
    let dir = TempDir::new().unwrap();
    stdout_of(checker(&dir).args(args).assert().failure().get_output())
}

#[test]
fn the_planted_mistakes_fail_with_what_went_wrong_and_the_hint() {
    let dir = TempDir::new().unwrap();
    let output = checker(&dir)
        .args(["check", "lesson1", "--variant", "mistake"])
        .assert()
        .failure()
        .get_output()
        .clone();
    let stdout = stdout_of(&output);
    for exercise in ["echo", "greet", "fetch"] {
        assert!(
            stdout.contains(&format!("  {exercise:<5}  FAIL\n")),
            "{exercise}:\n{stdout}"
        );
    }
    assert!(stdout.contains("more arrived: the server must send back only what it received"));
    assert!(stdout.contains("hint: After `read` returns n"));
    assert!(stdout.ends_with("0 of 3 passed.\n"));
    assert_matches_book("checker-lesson1-mistakes.txt", &stdout);
    assert!(
        !dir.path().join("progress.json").exists(),
        "checking the mistakes must not count as the student's progress"
    );
}

#[test]
fn the_reference_solutions_pass() {
    let stdout = passing_check(&["check", "1", "--variant", "solution"]);
    assert!(
        stdout.contains("  echo   PASS\n  greet  PASS\n  fetch  PASS\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("3 of 3 passed.\n"), "{stdout}");
}

/// A teacher can see what each planted mistake is told, and the second solutions pass too.
#[test]
fn every_planted_mistake_and_the_second_solutions_can_be_checked() {
    let stdout = failing_check(&["check", "lesson1", "echo", "--variant", "mistake3"]);
    assert!(
        stdout.starts_with(
            "Checking planted mistake 3 of each exercise of lesson1, in \
             lessons/lesson1-send-recv/exercises/mistakes/\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("echo (lessons/lesson1-send-recv/exercises/mistakes/echo_3.rs)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the server did not close the connection"),
        "{stdout}"
    );

    // lesson 4's rm plants 3 mistakes, its lockout 5.
    let stdout = failing_check(&["check", "lesson4", "--variant", "mistake4"]);
    assert!(
        stdout.contains("  rm       skipped: it plants 3 mistakes\n  lockout  FAIL\n"),
        "{stdout}"
    );
    assert!(stdout.contains("the right password logged in a locked-out user"));
    assert!(stdout.ends_with("0 of 1 passed.\n"), "{stdout}");
    let dir = TempDir::new().unwrap();
    checker(&dir)
        .args(["check", "lesson4", "--variant", "mistake6"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "no exercise of lesson4 has a `mistake6`: rm plants 3, lockout plants 5",
        ));
    checker(&dir)
        .args(["check", "lesson4", "--variant", "mistakes"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "none of yours, solution, solution2, mistake1, mistake2, ...",
        ));

    let stdout = passing_check(&["check", "lesson1", "--variant", "solution2"]);
    assert!(
        stdout.starts_with("Checking the second solutions of lesson1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  echo   PASS\n  greet  PASS\n  fetch  PASS\n"),
        "{stdout}"
    );
}

#[test]
fn the_planted_mistakes_of_lesson2_fail_with_what_went_wrong_and_the_hint() {
    let stdout = failing_check(&["check", "lesson2", "--variant", "mistake"]);
    assert!(
        stdout.contains("  lossy  FAIL\n  count  FAIL\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 of 5 tests failed:\n  bad_bytes_are_replaced_at_once\n"),
        "{stdout}"
    );
    assert!(stdout.contains("hint: When `str::from_utf8` fails"));
    assert!(stdout.ends_with("0 of 2 passed.\n"));
    assert_matches_book("checker-lesson2-mistakes.txt", &stdout);
}

#[test]
fn the_planted_mistakes_of_lesson3_fail() {
    let stdout = failing_check(&["check", "lesson3", "--variant", "mistake"]);
    assert!(
        stdout.contains("  busy     FAIL\n  ask_all  FAIL\n"),
        "{stdout}"
    );
    // The first failure shown is busy's: its one test that makes handlers panic.
    assert!(
        stdout.contains("1 of 5 tests failed:\n  a_handler_that_panics_gives_its_place_back\n"),
        "{stdout}"
    );
    assert!(stdout.contains("though fewer than 3 clients were connected"));
    assert!(stdout.contains("hint: Who counts the clients being served"));
    assert!(stdout.ends_with("0 of 2 passed.\n"));
}

/// What a student who asks the servers one after the other is told, as the book shows it.
#[test]
fn the_planted_mistake_of_ask_all_is_told_what_the_servers_saw() {
    let stdout = failing_check(&["check", "lesson3", "ask_all", "--variant", "mistake"]);
    assert!(
        stdout.contains("1 of 3 tests failed:\n  every_server_is_asked_before_any_answers\n"),
        "{stdout}"
    );
    assert!(stdout.contains("server 1 answered before all were asked: only 1 of the 3 had been"));
    assert_matches_book("checker-lesson3-ask_all-mistake.txt", &stdout);
}

#[test]
fn the_reference_solutions_of_lessons_2_and_3_pass() {
    let stdout = passing_check(&["check", "lesson2", "--variant", "solution"]);
    assert!(
        stdout.contains("  lossy  PASS\n  count  PASS\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("2 of 2 passed.\n"), "{stdout}");
    let stdout = passing_check(&["check", "3", "--variant", "solution"]);
    assert!(
        stdout.contains("  busy     PASS\n  ask_all  PASS\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("2 of 2 passed.\n"), "{stdout}");
}

#[test]
fn the_planted_mistakes_of_lesson7_fail_with_what_went_wrong_and_the_hint() {
    let stdout = failing_check(&["check", "lesson7", "--variant", "mistake"]);
    assert!(
        stdout.contains("  download  FAIL\n  deadline  FAIL\n"),
        "{stdout}"
    );
    // The mistake reads the trailer and never compares it: only the flipped bit shows.
    assert!(
        stdout.contains("1 of 7 tests failed:\n  the_client_refuses_a_file_whose_md5_differs\n"),
        "{stdout}"
    );
    assert!(stdout.contains("hint: Does one read wait for all the bytes"));
    assert!(stdout.ends_with("0 of 2 passed.\n"));
    assert_matches_book("checker-lesson7-mistakes.txt", &stdout);
}

/// What a student whose deadline bounds each read, not the frame, is told, as the book shows it.
#[test]
fn the_planted_mistake_of_deadline_is_told_the_frame_took_too_long() {
    let stdout = failing_check(&["check", "lesson7", "deadline", "--variant", "mistake"]);
    assert!(
        stdout.contains(
            "1 of 9 tests failed:\n  a_frame_that_trickles_in_too_slowly_is_refused_at_the_deadline\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("should have answered 408, but it answered 200"));
    assert_matches_book("checker-lesson7-deadline-mistake.txt", &stdout);
}

#[test]
fn the_reference_solutions_of_lesson7_pass() {
    let stdout = passing_check(&["check", "lesson7", "--variant", "solution"]);
    assert!(
        stdout.contains("  download  PASS\n  deadline  PASS\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("2 of 2 passed.\n"), "{stdout}");
}

/// Whatever state the student's `greet.rs` is in, the listing then shows what the check found.
#[test]
fn a_check_of_your_file_shows_in_the_listing_until_you_change_it() {
    let dir = TempDir::new().unwrap();
    let greet = workspace_root().join("lessons/lesson1-send-recv/exercises/greet.rs");
    let untouched = std::fs::read_to_string(greet).unwrap().contains("todo!()");
    let check = checker(&dir)
        .args(["check", "lesson1", "greet"])
        .output()
        .unwrap();
    let passed = check.status.success();
    // A starter with its `todo!()` fails its tests, but is not started rather than failed.
    let (verdict, status) = match (passed, untouched) {
        (true, _) => ("PASS", "passed"),
        (false, true) => ("not started", "not started"),
        (false, false) => ("FAIL", "failed"),
    };
    let said = stdout_of(&check);
    assert!(said.contains(&format!("  greet  {verdict}")), "{said}");

    let listing = checker(&dir).assert().success().get_output().clone();
    let listing = stdout_of(&listing);
    assert!(
        listing
            .lines()
            .any(|line| line.trim_start().starts_with("greet") && line.contains(status)),
        "{listing}"
    );
    assert!(listing.contains("cargo lab check lesson1"));
    assert!(listing.contains("cargo run -p lesson1"));
}

/// `cargo lab ...`, the alias in .cargo/config.toml, run from `dir` (relative to the root).
fn cargo_lab(dir: &str, progress: &TempDir) -> assert_cmd::Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = assert_cmd::Command::new(cargo);
    command
        .arg("lab")
        .current_dir(workspace_root().join(dir))
        .env("SOCKET_LAB_PROGRESS", progress.path().join("progress.json"))
        .timeout(CHECK_TIMEOUT);
    command
}

/// In a lesson's folder `cargo run` would pick the lesson's own program, and in its exercises
/// folder there is no program at all; `cargo lab` finds the checker and the workspace anywhere.
#[test]
fn cargo_lab_works_from_a_lessons_folder_and_from_its_exercises_folder() {
    let progress = TempDir::new().unwrap();
    let listing = cargo_lab("lessons/lesson1-send-recv", &progress)
        .assert()
        .success()
        .get_output()
        .clone();
    let listing = stdout_of(&listing);
    assert!(
        listing.contains("exercises:  cargo lab check lesson1"),
        "{listing}"
    );
    assert!(listing.contains("Exercises passed:"), "{listing}");

    let check = cargo_lab("lessons/lesson1-send-recv/exercises", &progress)
        .args(["check", "lesson1", "greet", "--variant", "solution"])
        .assert()
        .success()
        .get_output()
        .clone();
    let check = stdout_of(&check);
    assert!(
        check.contains("Checking the reference solutions of lesson1, in lessons/lesson1-send-recv/exercises/solutions/"),
        "{check}"
    );
    assert!(check.contains("  greet  PASS\n"), "{check}");
}

/// The progress lives outside target/, so that `cargo clean` keeps it, in a folder git ignores.
#[test]
fn the_progress_folder_is_ignored_by_git() {
    let ignored = std::fs::read_to_string(workspace_root().join(".gitignore")).unwrap();
    assert!(
        ignored.lines().any(|line| line == "/.socket-lab/"),
        "{ignored}"
    );
}

#[test]
fn an_unknown_lesson_or_exercise_is_refused_with_the_choices() {
    let dir = TempDir::new().unwrap();
    checker(&dir)
        .args(["check", "lesson99"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "error: there is no lesson `lesson99`; the lessons are lesson1",
        ));
    checker(&dir)
        .args(["check", "lesson1", "ecco"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "there is no exercise `ecco` here; the exercises are echo, greet, fetch",
        ));
}

// Teacher mode: the same tests, against programs in Python.

/// The command line that runs one of the Python programs in `tests/peers/`, such as
/// `lesson1/echo_server.py`.
fn python(file: &str, args: &str) -> String {
    let path = Path::new("tests/peers").join(file);
    assert!(workspace_root().join(&path).is_file(), "{path:?}");
    format!("python3 {} {args}", path.display())
}

#[test]
fn a_correct_python_echo_server_passes() {
    if !python_available() {
        return;
    }
    let server = python("lesson1/echo_server.py", "{port}");
    let stdout = passing_check(&["check", "lesson1", "echo", "--server", &server]);
    assert!(stdout.contains("  echo  PASS\n"), "{stdout}");
    assert!(stdout.ends_with("1 of 1 passed.\n"), "{stdout}");
}

#[test]
fn a_python_echo_server_that_trusts_one_recv_fails() {
    if !python_available() {
        return;
    }
    let server = python("lesson1/echo_server_one_recv.py", "{port}");
    let stdout = failing_check(&["check", "lesson1", "echo", "--server", &server]);
    assert!(stdout.contains("  echo  FAIL\n"), "{stdout}");
    // A short message in one piece comes back fine; a message in pieces does not. The test that
    // hands Rust code a special stream is not run against a command.
    assert!(stdout.contains("2 of 3 tests failed:\n  each_piece_of_a_message_comes_back\n"));
    assert!(!stdout.contains("rust_only"));
    assert_matches_book("checker-teacher-echo.txt", &stdout);
}

#[test]
fn a_correct_python_fetch_client_passes_and_the_server_exercises_are_skipped() {
    if !python_available() {
        return;
    }
    let client = python("lesson1/fetch_client.py", "{host} {port}");
    let stdout = passing_check(&["check", "lesson1", "--client", &client]);
    assert!(
        stdout.contains("  echo   skipped: a server exercise (give its command with --server)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  fetch  PASS\n"), "{stdout}");
    assert!(stdout.ends_with("1 of 1 passed.\n"), "{stdout}");
}

#[test]
fn a_python_fetch_client_that_trusts_one_recv_fails() {
    if !python_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let client = python("lesson1/fetch_client_one_recv.py", "{host} {port}");
    checker(&dir)
        .args(["check", "lesson1", "fetch", "--client", &client])
        .assert()
        .failure()
        .stdout(predicate::str::contains("  fetch  FAIL\n"))
        .stdout(predicate::str::contains(
            "only the first 1024 of the 100000 bytes came",
        ));
}

#[test]
fn a_correct_python_count_server_passes() {
    if !python_available() {
        return;
    }
    let server = python("lesson2/count_server.py", "{port}");
    let stdout = passing_check(&["check", "lesson2", "count", "--server", &server]);
    assert!(stdout.contains("  count  PASS\n"), "{stdout}");
    assert!(stdout.ends_with("1 of 1 passed.\n"), "{stdout}");
}

#[test]
fn a_python_count_server_that_decodes_each_recv_fails() {
    if !python_available() {
        return;
    }
    let server = python("lesson2/count_server_decodes_each_recv.py", "{port}");
    let stdout = failing_check(&["check", "lesson2", "count", "--server", &server]);
    assert!(stdout.contains("  count  FAIL\n"), "{stdout}");
    // Lines sent whole pass; the line sent a byte per write, and the line that is not UTF-8,
    // make it raise UnicodeDecodeError and close. The test with one-byte reads is Rust's only.
    assert!(
        stdout.contains(
            "2 of 4 tests failed:\n  a_line_sent_one_byte_per_write_is_counted_the_same\n  \
             a_line_that_is_not_utf8_is_answered_not_utf8\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("'utf-8' codec can't decode"), "{stdout}");
    assert!(!stdout.contains("rust_only"));
}

#[test]
fn a_correct_python_busy_server_passes() {
    if !python_available() {
        return;
    }
    let server = python("lesson3/busy_server.py", "{port}");
    let stdout = passing_check(&["check", "lesson3", "--server", &server]);
    assert!(stdout.contains("  busy     PASS\n"), "{stdout}");
    assert!(
        stdout.contains("  ask_all  skipped: it checks Rust code only\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 of 1 passed.\n"), "{stdout}");
}

#[test]
fn a_python_busy_server_that_loses_places_on_an_exception_fails() {
    if !python_available() {
        return;
    }
    let server = python("lesson3/busy_server_loses_places.py", "{port}");
    let stdout = failing_check(&["check", "lesson3", "busy", "--server", &server]);
    assert!(stdout.contains("  busy  FAIL\n"), "{stdout}");
    assert!(
        stdout.contains("1 of 5 tests failed:\n  a_handler_that_panics_gives_its_place_back\n"),
        "{stdout}"
    );
    assert!(stdout.contains("though fewer than 3 clients were connected"));
    assert!(stdout.contains("a handler failed: the client sent \"panic\""));
}

#[test]
fn a_correct_python_download_client_passes_against_lesson7s_server() {
    if !python_available() {
        return;
    }
    let client = python("lesson7/download_client.py", "{host} {port}");
    let stdout = passing_check(&["check", "lesson7", "--client", &client]);
    assert!(stdout.contains("  download  PASS\n"), "{stdout}");
    assert!(
        stdout.contains("  deadline  skipped: it checks Rust code only\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 of 1 passed.\n"), "{stdout}");
}

#[test]
fn a_python_download_client_that_trusts_one_recv_fails() {
    if !python_available() {
        return;
    }
    let client = python("lesson7/download_client_one_recv.py", "{host} {port}");
    let stdout = failing_check(&["check", "lesson7", "download", "--client", &client]);
    assert!(stdout.contains("  download  FAIL\n"), "{stdout}");
    // Small files come in one piece over loopback, and pass. The file that the relay passes on
    // in pieces, 300 ms apart, fails every time; the large file fails when it outruns the client,
    // which depends on timing, so this test does not count the failures.
    assert!(
        stdout.contains("\n  a_file_in_pieces_downloads_whole\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("  a_file_downloads_whole\n"), "{stdout}");
    assert!(stdout.contains("ValueError: a reply frame of"), "{stdout}");
}

#[test]
fn a_server_command_that_never_listens_fails_with_its_own_words() {
    let dir = TempDir::new().unwrap();
    checker(&dir)
        .args([
            "check",
            "lesson1",
            "echo",
            "--server",
            "echo 'cannot start: no such file' >&2; exit 3",
        ])
        .assert()
        .failure()
        .stdout(predicate::str::contains("  echo  FAIL (did not start)\n"))
        .stdout(predicate::str::contains(
            "echo could not be checked: the server command did not start.",
        ))
        .stdout(predicate::str::contains("could not start the server"))
        .stdout(predicate::str::contains("cannot start: no such file"))
        // A hint about echoing bytes would mislead: nothing ran.
        .stdout(predicate::str::contains("hint:").not());
}

// Lessons 4 to 6: the planted mistakes, the reference solutions, and the Python programs that
// speak the article's protocol.

#[test]
fn the_planted_mistakes_of_lesson4_fail() {
    let stdout = failing_check(&["check", "lesson4", "--variant", "mistake"]);
    assert!(
        stdout.contains("  rm       FAIL\n  lockout  FAIL\n"),
        "{stdout}"
    );
    // The rm that answers only when it succeeds leaves the client waiting for each refusal.
    assert!(
        stdout.contains("3 of 7 tests failed:\n  a_directory_is_refused_and_kept\n"),
        "{stdout}"
    );
    assert!(stdout.contains("step 3 failed: no reply came: every request must be answered"));
    assert!(stdout.contains(r#"> 3. send {"action":"rm","path":"docs/2024"}, expect status 400"#));
    assert!(stdout.contains("hint: Which of `Workdir`'s methods"));
    assert!(stdout.ends_with("0 of 2 passed.\n"));
    assert_matches_book("checker-lesson4-mistakes.txt", &stdout);
}

#[test]
fn the_planted_mistakes_of_lessons_5_and_6_fail() {
    let stdout = failing_check(&["check", "lesson5", "--variant", "mistake"]);
    assert!(
        stdout.contains("  receive  FAIL\n  frames   FAIL\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the server stored fewer bytes than the client put"),
        "{stdout}"
    );
    assert!(stdout.ends_with("0 of 2 passed.\n"));

    let stdout = failing_check(&["check", "lesson6", "--variant", "mistake"]);
    assert!(
        stdout.contains("  send_all  FAIL\n  upload    FAIL\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 of 5 tests failed:\n  an_interrupted_write_is_tried_again\n"),
        "{stdout}"
    );
    assert!(stdout.contains("stopped after 2000 bytes with \"operation interrupted\""));
    assert!(stdout.ends_with("0 of 2 passed.\n"));
}

/// Only the upload exercise's mistake: the article's loop, which loses the end of a long line.
#[test]
fn the_planted_mistake_of_upload_loses_part_of_a_long_line() {
    let dir = TempDir::new().unwrap();
    checker(&dir)
        .args(["check", "lesson6", "upload", "--variant", "mistake"])
        .assert()
        .failure()
        .stdout(predicate::str::contains(
            "1 of 2 tests failed:\n  a_file_with_a_long_line_arrives_whole\n",
        ))
        .stdout(predicate::str::contains(
            "the client closed the connection before the 8388642 bytes it announced had all \
             arrived",
        ));
}

#[test]
fn the_reference_solutions_of_lessons_4_to_6_pass() {
    let dir = TempDir::new().unwrap();
    for (lesson, listing) in [
        ("lesson4", "  rm       PASS\n  lockout  PASS\n"),
        ("lesson5", "  receive  PASS\n  frames   PASS\n"),
        ("lesson6", "  send_all  PASS\n  upload    PASS\n"),
    ] {
        checker(&dir)
            .args(["check", lesson, "--variant", "solution"])
            .assert()
            .success()
            .stdout(predicate::str::contains(listing))
            .stdout(predicate::str::ends_with("2 of 2 passed.\n"));
    }
}

/// The command line of a lesson 4 or 5 server in `tests/peers/`, given lesson 4's sample users.
fn python_ftp_server(file: &str) -> String {
    python(file, "lessons/lesson4-login/users.json {port}")
}

#[test]
fn a_correct_python_lockout_server_passes() {
    if !python_available() {
        return;
    }
    let server = python_ftp_server("lesson4/lockout_server.py");
    let stdout = passing_check(&["check", "lesson4", "--server", &server]);
    assert!(
        stdout.contains("  rm       skipped: it checks Rust code only\n  lockout  PASS\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 of 1 passed.\n"), "{stdout}");
}

#[test]
fn a_python_lockout_server_that_counts_per_connection_fails() {
    if !python_available() {
        return;
    }
    let server = python_ftp_server("lesson4/lockout_server_counts_per_connection.py");
    let stdout = failing_check(&["check", "lesson4", "lockout", "--server", &server]);
    assert!(stdout.contains("  lockout  FAIL\n"), "{stdout}");
    // Locked out on its own connection, never on the next one.
    assert!(
        stdout.contains(
            "3 of 8 tests failed:\n  three_wrong_passwords_lock_the_user_out\n  \
             while_locked_out_the_right_password_is_refused_too\n  \
             wrong_passwords_on_separate_connections_add_up\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("the user was not locked out on a new connection"));
    assert!(stdout.contains("> 11. on connection 2, send \"alex\", expect LOCKED_OUT"));
}

#[test]
fn a_correct_python_put_server_passes() {
    if !python_available() {
        return;
    }
    let server = python_ftp_server("lesson5/put_server.py");
    let stdout = passing_check(&["check", "lesson5", "receive", "--server", &server]);
    assert!(stdout.contains("  receive  PASS\n"), "{stdout}");
    assert!(stdout.ends_with("1 of 1 passed.\n"), "{stdout}");
}

#[test]
fn a_python_put_server_that_trusts_one_recv_fails() {
    if !python_available() {
        return;
    }
    let server = python_ftp_server("lesson5/put_server_one_recv.py");
    let stdout = failing_check(&["check", "lesson5", "receive", "--server", &server]);
    assert!(stdout.contains("  receive  FAIL\n"), "{stdout}");
    // A file in one write is stored whole; a file dripped a byte per write, or cut off after
    // its first piece, is stored as its first piece. The test with one-byte reads is Rust's only.
    assert!(
        stdout.contains(
            "2 of 4 tests failed:\n  a_file_in_pieces_is_stored_whole\n  \
             an_upload_cut_short_is_not_kept\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("rust_only"));
    assert_matches_book("checker-teacher-receive.txt", &stdout);
}

#[test]
fn a_correct_python_upload_client_passes() {
    if !python_available() {
        return;
    }
    let client = python("lesson6/upload_client.py", "{host} {port}");
    let stdout = passing_check(&["check", "lesson6", "--client", &client]);
    assert!(
        stdout.contains("  send_all  skipped: it checks Rust code only\n  upload    PASS\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 of 1 passed.\n"), "{stdout}");
}

#[test]
fn a_python_upload_client_that_ignores_what_send_returns_fails() {
    if !python_available() {
        return;
    }
    let client = python("lesson6/upload_client_ignores_count.py", "{host} {port}");
    let stdout = failing_check(&["check", "lesson6", "upload", "--client", &client]);
    // Short lines fit in the socket; the long one does not, and its end is lost.
    assert!(
        stdout.contains("1 of 2 tests failed:\n  a_file_with_a_long_line_arrives_whole\n"),
        "{stdout}"
    );
    assert_matches_book("checker-teacher-upload.txt", &stdout);
}
