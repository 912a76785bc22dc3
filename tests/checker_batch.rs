//! A teacher grades a class: `cargo lab check lessonN EXERCISE --batch PATH` runs every
//! student's program against the exercise's tests and writes one table, as CSV and Markdown.
//!
//! The class is in `tests/peers/batch/lesson1-fetch/`: five Python clients for lesson 1's `fetch`
//! that pass, fail, hang, flood their output and crash. The tests copy it into a temporary folder,
//! since the batch writes its results beside the students' folders.

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::{python_available, workspace_root};
use tempfile::TempDir;

/// Generous: the tests are built first, and a hanging client costs each test its full wait.
const BATCH_TIMEOUT: Duration = Duration::from_secs(600);

fn checker(dir: &TempDir) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("socket-lab").unwrap();
    command
        .current_dir(workspace_root())
        .env("SOCKET_LAB_PROGRESS", dir.path().join("progress.json"))
        .timeout(BATCH_TIMEOUT);
    command
}

/// A copy of the class in `tests/peers/batch/lesson1-fetch/`, in `into`.
fn copy_class(into: &Path) {
    let class = workspace_root().join("tests/peers/batch/lesson1-fetch");
    for student in fs::read_dir(class).unwrap() {
        let student = student.unwrap();
        if !student.file_type().unwrap().is_dir() {
            continue;
        }
        let folder = into.join(student.file_name());
        fs::create_dir_all(&folder).unwrap();
        fs::copy(student.path().join("fetch.py"), folder.join("fetch.py")).unwrap();
    }
}

/// The Markdown row of `student`, split into its cells.
fn row<'a>(table: &'a str, student: &str) -> Vec<&'a str> {
    let line = table
        .lines()
        .find(|line| line.starts_with(&format!("| {student} |")))
        .unwrap_or_else(|| panic!("no row for {student} in:\n{table}"));
    line.trim_matches('|').split(" | ").map(str::trim).collect()
}

#[test]
fn a_class_is_graded_and_a_hanging_flooding_or_crashing_program_never_stops_the_batch() {
    if !python_available() {
        return;
    }
    let progress = TempDir::new().unwrap();
    let class = TempDir::new().unwrap();
    copy_class(class.path());
    let output = checker(&progress)
        .args(["check", "lesson1", "fetch", "--batch"])
        .arg(class.path())
        .args(["--client", "python3 fetch.py {host} {port}", "--jobs", "3"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();

    // The Markdown is printed, and written beside the students' folders with the CSV.
    let markdown = fs::read_to_string(class.path().join("results-lesson1-fetch.md")).unwrap();
    assert!(stdout.contains(&markdown), "{stdout}");
    assert!(
        markdown.starts_with("## lesson1 fetch: 1 of 5 students passed\n"),
        "{markdown}"
    );
    let header = row(&markdown, "student");
    assert_eq!(header[..3], ["student", "result", "mark"]);
    assert_eq!(header.last(), Some(&"first failure"));
    assert!(
        header.contains(&"a_reply_in_pieces_comes_back_whole"),
        "{header:?}"
    );
    let tests = header.len() - 4;

    let ada = row(&markdown, "ada");
    assert_eq!(ada[1..3], ["PASS", ""]);
    assert!(
        ada[3..3 + tests].iter().all(|cell| *cell == "PASS"),
        "{ada:?}"
    );

    // ben trusts one recv: a short reply passes, a long one fails, and the table says why.
    let ben = row(&markdown, "ben");
    assert_eq!(ben[1..3], ["FAIL", ""]);
    assert!(ben[3..3 + tests].contains(&"PASS") && ben[3..3 + tests].contains(&"FAIL"));
    assert!(
        ben[ben.len() - 1].contains("only part of the reply"),
        "{ben:?}"
    );

    for (student, mark) in [
        ("cy", "timeout"),
        ("dee", "output flood"),
        ("eve", "crashed"),
    ] {
        let cells = row(&markdown, student);
        assert_eq!(cells[1..3], ["FAIL", mark], "{student}: {cells:?}");
    }
    // The table names the student's command, not the supervisor the checker wrapped it in.
    assert!(row(&markdown, "eve").last().unwrap().contains("TypeError"));
    assert!(!markdown.contains("supervise"), "{markdown}");

    let csv = fs::read_to_string(class.path().join("results-lesson1-fetch.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 6, "{csv}");
    assert!(lines[0].starts_with("student,result,mark,"), "{csv}");
    assert!(lines[0].ends_with(",first failure"), "{csv}");
    assert!(lines[1].starts_with("ada,PASS,,PASS,"), "{csv}");
    assert!(lines[3].starts_with("cy,FAIL,timeout,"), "{csv}");
    assert!(lines[4].starts_with("dee,FAIL,output flood,"), "{csv}");
    // Nothing the checker wrote is left but the two tables.
    let mut written: Vec<String> = fs::read_dir(class.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("results"))
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["results-lesson1-fetch.csv", "results-lesson1-fetch.md"]
    );
}

/// The other form of a class: a file of `NAME<TAB>COMMAND` lines, run in the file's folder.
#[test]
fn a_class_list_names_each_students_command_and_a_command_that_cannot_start_is_marked() {
    if !python_available() {
        return;
    }
    let progress = TempDir::new().unwrap();
    let class = TempDir::new().unwrap();
    copy_class(class.path());
    fs::write(
        class.path().join("class.tsv"),
        "# lesson 1, fetch\nada\tpython3 ada/fetch.py {host} {port}\n\
         zoe\tno-such-program-socket-lab {host} {port}\n",
    )
    .unwrap();
    // Named relative to where the teacher is: the commands still run in the list's folder.
    checker(&progress)
        .current_dir(class.path())
        .args(["check", "lesson1", "fetch", "--batch", "class.tsv"])
        .assert()
        .success();
    let markdown = fs::read_to_string(class.path().join("results-lesson1-fetch.md")).unwrap();
    assert!(markdown.contains("1 of 2 students passed"), "{markdown}");
    assert_eq!(row(&markdown, "ada")[1], "PASS");
    let zoe = row(&markdown, "zoe");
    assert_eq!(zoe[1..3], ["FAIL", "did not start"], "{zoe:?}");
    assert!(
        zoe.last().unwrap().contains("no-such-program-socket-lab"),
        "{zoe:?}"
    );
}

#[test]
fn a_batch_needs_an_exercise_that_a_program_can_take_and_a_way_to_run_each_student() {
    let progress = TempDir::new().unwrap();
    let class = TempDir::new().unwrap();
    fs::create_dir(class.path().join("ada")).unwrap();
    let refused = |args: &[&str], because: &str| {
        let output = checker(&progress)
            .args(args)
            .arg(class.path())
            .assert()
            .failure()
            .get_output()
            .clone();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(because), "{stderr}");
    };
    refused(
        &["check", "lesson1", "--batch"],
        "--batch grades one exercise",
    );
    refused(
        &["check", "lesson3", "ask_all", "--batch"],
        "ask_all checks Rust code only",
    );
    refused(
        &["check", "lesson1", "fetch", "--batch"],
        "how is ada's program run?",
    );
    refused(
        &[
            "check",
            "lesson1",
            "fetch",
            "--server",
            "python3 s.py {port}",
            "--batch",
        ],
        "fetch is a client exercise: give the students' command with --client",
    );
}
