//! Running one exercise's tests with `cargo test`, and reading what they said.
//!
//! Each exercise is a test target of its own (`cargo test -p lessonN-exercises --test NAME`), so
//! that one exercise that does not compile does not hide the others. Features pick the code under
//! test ([`Code`]): none for the student's file, the default (`solution`) for the reference
//! solution, which also serves in teacher mode, where the tests talk to a command; `solution2`
//! for the second solution, `mistake1`, `mistake2`, ... for the planted mistakes.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use socket_lab::exercise::{CLIENT_COMMAND_ENV, COMMAND_DIR_ENV, RUST_ONLY, SERVER_COMMAND_ENV};

use super::catalog::{Exercise, ExerciseSet};

/// Whose code an exercise's tests check: the student's file or one of the kit's. `--variant`
/// names it (see [`Code::from_str`]); `verify` checks the kit's every one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Code {
    /// `NAME.rs`, the student's file (the untouched starter, on a clean checkout): `yours`.
    Yours,
    /// `solutions/NAME.rs`: `solution`.
    Solution,
    /// `solutions/NAME_2.rs`: `solution2`.
    SecondSolution,
    /// `mistakes/NAME_N.rs`, counted from 1: `mistakeN`.
    Mistake(usize),
}

impl Code {
    /// What `cargo test` is told to build this code.
    fn feature_args(self) -> Vec<String> {
        let only =
            |feature: String| vec!["--no-default-features".into(), "--features".into(), feature];
        match self {
            Code::Yours => vec!["--no-default-features".into()],
            Code::Solution => Vec::new(),
            Code::SecondSolution => only("solution2".into()),
            Code::Mistake(number) => only(format!("mistake{number}")),
        }
    }

    /// Whether `exercise` has this code: every exercise has both solutions, and its own number
    /// of mistakes.
    pub fn exists_for(self, exercise: &Exercise) -> bool {
        match self {
            Code::Mistake(number) => (1..=exercise.mistakes.len()).contains(&number),
            _ => true,
        }
    }

    /// The file this code is, for `exercise` in `dir`.
    pub fn file(self, exercise: &Exercise, dir: &Path) -> PathBuf {
        match self {
            Code::Yours => exercise.starter(dir),
            Code::Solution => exercise.solution(dir),
            Code::SecondSolution => exercise.second_solution(dir),
            Code::Mistake(number) => exercise.mistake_file(dir, number),
        }
    }
}

/// The names `--variant` takes: `yours`, `solution`, `solution2`, `mistake1`, `mistake2`, ...,
/// and `mistake` for `mistake1` (the book records outputs of `--variant mistake`, from when each
/// exercise planted one mistake).
impl FromStr for Code {
    type Err = String;

    fn from_str(name: &str) -> Result<Code, String> {
        match name {
            "yours" => return Ok(Code::Yours),
            "solution" => return Ok(Code::Solution),
            "solution2" => return Ok(Code::SecondSolution),
            "mistake" => return Ok(Code::Mistake(1)),
            _ => {}
        }
        name.strip_prefix("mistake")
            .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse().ok())
            .filter(|&number| number >= 1)
            .map(Code::Mistake)
            .ok_or_else(|| {
                format!(
                    "`{name}` is none of yours, solution, solution2, mistake1, mistake2, ... \
                     (mistake is mistake1)"
                )
            })
    }
}

/// The name `--variant` takes for it.
impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Code::Yours => write!(f, "yours"),
            Code::Solution => write!(f, "solution"),
            Code::SecondSolution => write!(f, "solution2"),
            Code::Mistake(number) => write!(f, "mistake{number}"),
        }
    }
}

/// Programs given by a teacher, to check instead of Rust code.
#[derive(Clone, Copy, Debug)]
pub struct Commands<'a> {
    pub server: Option<&'a str>,
    pub client: Option<&'a str>,
}

/// What the tests check.
#[derive(Clone, Copy, Debug)]
pub enum Subject<'a> {
    Files(Code),
    Commands(Commands<'a>),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    Passed,
    Failed,
    DidNotCompile,
}

/// How one run of an exercise's tests went.
pub struct Outcome {
    pub verdict: Verdict,
    /// The names of the tests that failed, sorted.
    pub failed_tests: Vec<String>,
    /// How many tests ran, failed or not.
    pub tests_run: usize,
    /// What a person needs to see of a failure: compiler errors, or the first failed test's
    /// output, without Cargo's noise.
    pub excerpt: String,
    /// In teacher mode, when the teacher's command never got going (no server listened, the
    /// shell found no such program): what failed to start, and why. The tests then say nothing
    /// about the program, and a hint about the exercise would mislead.
    pub start_failure: Option<String>,
}

/// The longest excerpt shown, in lines: enough for an error and its context.
const EXCERPT_LINES: usize = 30;

/// Builds and runs the tests of `exercise` on `subject`, from the workspace at `root`.
pub fn run(root: &Path, set: &ExerciseSet, exercise: &Exercise, subject: Subject) -> Outcome {
    let commands = match subject {
        Subject::Files(code) => return run_code(root, set, exercise, code),
        Subject::Commands(commands) => commands,
    };
    let mut command = test_command(root, set, exercise);
    // The reference solution is compiled (the tests need some Rust code to build) but not run:
    // the tests talk to the commands instead.
    for (name, value) in [
        (SERVER_COMMAND_ENV, commands.server),
        (CLIENT_COMMAND_ENV, commands.client),
    ] {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    if let Ok(dir) = std::env::current_dir() {
        command.env(COMMAND_DIR_ENV, dir);
    }
    // One test at a time: a student's server may serve one client at a time, as the early
    // lessons' do.
    command.args(["--", "--skip", RUST_ONLY, "--test-threads=1"]);
    run_command(command)
}

/// Builds and runs the tests of `exercise` on one file of the kit's or the student's.
pub fn run_code(root: &Path, set: &ExerciseSet, exercise: &Exercise, code: Code) -> Outcome {
    let mut command = test_command(root, set, exercise);
    command
        .args(code.feature_args())
        .env_remove(SERVER_COMMAND_ENV)
        .env_remove(CLIENT_COMMAND_ENV);
    run_command(command)
}

/// Builds the tests of `exercise` on one file, without running them: the test binary, or the
/// outcome of a build that failed. With [`run_built`], this is [`run_code`] in two steps, so that
/// `verify` can build one variant after another (Cargo builds one at a time) and then run the
/// binaries side by side.
pub fn build_code(
    root: &Path,
    set: &ExerciseSet,
    exercise: &Exercise,
    code: Code,
) -> Result<PathBuf, Outcome> {
    let mut command = test_command(root, set, exercise);
    command.args(code.feature_args()).args([
        "--no-run",
        "--message-format",
        "json-render-diagnostics",
    ]);
    let output = command.output().map_err(|err| Outcome {
        verdict: Verdict::DidNotCompile,
        failed_tests: Vec::new(),
        tests_run: 0,
        excerpt: format!("could not run cargo: {err}"),
        start_failure: None,
    })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let binary = output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<Artifact>(line).ok())
            .find(|artifact| {
                artifact.target.name == exercise.name
                    && artifact.target.kind.iter().any(|kind| kind == "test")
            })
            .and_then(|artifact| artifact.executable)
    });
    match binary.flatten() {
        Some(binary) => Ok(binary),
        // No "running" line on stdout: read_outcome takes it for a build that failed.
        None => Err(read_outcome(false, "", &stderr)),
    }
}

/// Runs a test binary that [`build_code`] built, as `cargo test` would: in the package's
/// directory, on the Rust code it was built with.
pub fn run_built(set: &ExerciseSet, binary: &Path) -> Outcome {
    let mut command = Command::new(binary);
    command
        .current_dir(&set.dir)
        .env("RUST_BACKTRACE", "0")
        .env_remove(SERVER_COMMAND_ENV)
        .env_remove(CLIENT_COMMAND_ENV);
    run_command(command)
}

/// The part of a line of `cargo --message-format json` that names a built test binary.
#[derive(serde::Deserialize)]
struct Artifact {
    target: ArtifactTarget,
    executable: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
struct ArtifactTarget {
    name: String,
    kind: Vec<String>,
}

/// `cargo test` of one exercise's test target, before the choice of what it tests.
fn test_command(root: &Path, set: &ExerciseSet, exercise: &Exercise) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["test", "--color", "never", "-p", &set.package])
        .args(["--test", &exercise.name])
        // The checker shows the panic message; a backtrace would bury it.
        .env("RUST_BACKTRACE", "0");
    command
}

fn run_command(mut command: Command) -> Outcome {
    match command.output() {
        Ok(output) => read_outcome(
            output.status.success(),
            &String::from_utf8_lossy(&output.stdout),
            &String::from_utf8_lossy(&output.stderr),
        ),
        Err(err) => Outcome {
            verdict: Verdict::DidNotCompile,
            failed_tests: Vec::new(),
            tests_run: 0,
            excerpt: format!("could not run cargo: {err}"),
            start_failure: None,
        },
    }
}

/// Reads the outcome from what `cargo test` printed on stdout (the test harness) and stderr
/// (Cargo and the compiler).
pub fn read_outcome(success: bool, stdout: &str, stderr: &str) -> Outcome {
    let tests_run = tests_run(stdout);
    let compiled = stdout.lines().any(|line| line.starts_with("running "));
    if !compiled {
        return Outcome {
            verdict: Verdict::DidNotCompile,
            failed_tests: Vec::new(),
            tests_run,
            excerpt: compiler_errors(stderr),
            start_failure: None,
        };
    }
    let mut sections = failed_sections(stdout);
    sections.sort();
    let failed_tests: Vec<String> = sections.iter().map(|(name, _)| name.clone()).collect();
    let excerpt = match sections.first() {
        Some((_, text)) => text.clone(),
        // A failure without a failed test: the test process died. Its last words say why.
        None if !success => last_lines(&format!("{stdout}\n{stderr}"), 15),
        None => String::new(),
    };
    let start_failure = start_failure(&sections);
    Outcome {
        verdict: if success {
            Verdict::Passed
        } else {
            Verdict::Failed
        },
        failed_tests,
        tests_run,
        excerpt,
        start_failure,
    }
}

/// What the harness says when a teacher's server never listened (`socket_lab::exercise`).
const SERVER_DID_NOT_START: &str = "could not start the server";

/// The exit statuses of `sh -c` when the command is not there (127) or cannot be run (126).
const CLIENT_DID_NOT_START: [&str; 2] = [
    "exited with exit status: 127",
    "exited with exit status: 126",
];

/// When every failed test failed because the teacher's command did not start, the line that
/// says so (from the first of them); None when any test got to talk to the program.
fn start_failure(sections: &[(String, String)]) -> Option<String> {
    if sections.is_empty()
        || !sections
            .iter()
            .all(|(_, text)| did_not_start(text).is_some())
    {
        return None;
    }
    did_not_start(&sections[0].1).map(str::to_string)
}

/// The line of a failed test's output that says the teacher's command did not start.
fn did_not_start(text: &str) -> Option<&str> {
    text.lines().find(|line| {
        line.contains(SERVER_DID_NOT_START)
            || (line.contains("the client `")
                && CLIENT_DID_NOT_START
                    .iter()
                    .any(|status| line.contains(status)))
    })
}

/// Adds up `N passed; M failed` over every `test result:` line.
fn tests_run(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: "))
        .flat_map(|result| result.split(';'))
        .filter_map(|part| {
            let part = part
                .trim()
                .trim_start_matches("ok. ")
                .trim_start_matches("FAILED. ");
            let (count, what) = part.split_once(' ')?;
            matches!(what, "passed" | "failed").then(|| count.parse::<usize>().ok())?
        })
        .sum()
}

/// Each failed test's captured output: libtest prints it under `---- NAME stdout ----`.
fn failed_sections(stdout: &str) -> Vec<(String, String)> {
    let mut sections = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in stdout.lines() {
        let header = line
            .strip_prefix("---- ")
            .and_then(|rest| rest.strip_suffix(" stdout ----"));
        if (header.is_some() || line == "failures:")
            && let Some((name, lines)) = current.take()
        {
            let text = tidy_section(&name, &lines);
            sections.push((name, text));
        }
        if let Some(name) = header {
            current = Some((name.to_string(), Vec::new()));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    if let Some((name, lines)) = current {
        let text = tidy_section(&name, &lines);
        sections.push((name, text));
    }
    sections
}

/// The most lines of a failed test's own message that are shown, however long it is: enough
/// for every numbered step of a conversation, bounded against a program that floods.
const MESSAGE_LINES: usize = 200;

/// A failed test's output, tidied and capped like any excerpt, except that the test's own panic
/// message (the steps it took, what it expected, what came back) is never cut in the middle.
fn tidy_section(name: &str, lines: &[&str]) -> String {
    let text = tidy(lines, usize::MAX);
    let all: Vec<&str> = text.lines().collect();
    let own_panic = format!("thread '{name}' panicked at");
    let message_end = all
        .iter()
        .position(|line| line.starts_with(&own_panic))
        .map(|start| {
            let rest = &all[start + 1..];
            let len = rest
                .iter()
                .position(|line| line.starts_with("thread '"))
                .unwrap_or(rest.len());
            (start + 1 + len).min(start + 1 + MESSAGE_LINES)
        })
        .unwrap_or(0);
    cap(&text, EXCERPT_LINES.max(message_end))
}

/// The compiler's errors, without its warnings and without Cargo's progress lines.
fn compiler_errors(stderr: &str) -> String {
    let mut errors: Vec<Vec<&str>> = Vec::new();
    let mut in_error = false;
    for line in stderr.lines() {
        if line.starts_with("error") || line.starts_with("warning") {
            in_error = line.starts_with("error")
                && !line.starts_with("error: could not compile")
                && !line.starts_with("error: test failed");
            if in_error {
                errors.push(vec![line]);
            }
        } else if line.is_empty() {
            in_error = false;
        } else if in_error {
            errors.last_mut().expect("an error has begun").push(line);
        }
    }
    if errors.is_empty() {
        return last_lines(stderr, 15);
    }
    let blocks: Vec<String> = errors
        .iter()
        .map(|block| tidy(block, EXCERPT_LINES))
        .collect();
    cap(&blocks.join("\n\n"), EXCERPT_LINES)
}

/// Makes captured test output readable: no blank lines around it, no thread ids or backtrace
/// notes, and `exercises/echo.rs` rather than `exercises/tests/../echo.rs`.
fn tidy(lines: &[&str], max_lines: usize) -> String {
    let kept: Vec<String> = lines
        .iter()
        .filter(|line| !line.starts_with("note: run with `RUST_BACKTRACE"))
        .map(|line| without_thread_id(&line.replace("/tests/../", "/")))
        .collect();
    cap(kept.join("\n").trim_matches('\n'), max_lines)
}

/// `thread 'server' (31451) panicked at` -> `thread 'server' panicked at`: the id changes on
/// every run and tells a student nothing.
fn without_thread_id(line: &str) -> String {
    let Some(rest) = line.strip_prefix("thread '") else {
        return line.to_string();
    };
    let Some((name, after)) = rest.split_once("' (") else {
        return line.to_string();
    };
    match after.split_once(") ") {
        Some((id, tail)) if id.bytes().all(|b| b.is_ascii_digit()) => {
            format!("thread '{name}' {tail}")
        }
        _ => line.to_string(),
    }
}

fn cap(text: &str, max_lines: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= max_lines {
        return text.to_string();
    }
    format!(
        "{}\n[... {} more lines]",
        lines[..max_lines].join("\n"),
        lines.len() - max_lines
    )
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILED_RUN: &str = "
running 3 tests
test b_second ... FAILED
test a_first ... FAILED
test c_third ... ok

failures:

---- b_second stdout ----

thread 'b_second' (3311) panicked at lessons/l/exercises/tests/echo.rs:37:43:
sent b\"x\"
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- a_first stdout ----

thread 'server' (3312) panicked at lessons/l/exercises/tests/../echo.rs:19:5:
not yet implemented

thread 'a_first' (3313) panicked at lessons/l/exercises/tests/echo.rs:37:43:
sent b\"hello\", and b\"\" came back before the connection was reset


failures:
    a_first
    b_second

test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.08s
";

    #[test]
    fn the_first_failed_test_by_name_is_shown_tidied() {
        let outcome = read_outcome(false, FAILED_RUN, "   Compiling x\nerror: test failed");
        assert_eq!(outcome.verdict, Verdict::Failed);
        assert_eq!(outcome.failed_tests, ["a_first", "b_second"]);
        assert_eq!(outcome.tests_run, 3);
        assert_eq!(
            outcome.excerpt,
            "thread 'server' panicked at lessons/l/exercises/echo.rs:19:5:\n\
             not yet implemented\n\n\
             thread 'a_first' panicked at lessons/l/exercises/tests/echo.rs:37:43:\n\
             sent b\"hello\", and b\"\" came back before the connection was reset"
        );
    }

    #[test]
    fn compiler_errors_are_kept_and_warnings_dropped() {
        let stderr = "   Compiling lesson1-exercises v0.1.0 (/w/l)
warning: unused import: `Read`
  --> lessons/l/exercises/tests/../fetch.rs:10:21
   |
10 | use std::io::{self, Read};
   |                     ^^^^

error[E0308]: mismatched types
  --> lessons/l/exercises/tests/../echo.rs:12:5
   |
12 |     5
   |     ^ expected `Result<(), Error>`, found integer

warning: `lesson1-exercises` (test \"echo\") generated 1 warning
error: could not compile `lesson1-exercises` (test \"echo\") due to 1 previous error; 1 warning emitted
";
        let outcome = read_outcome(false, "", stderr);
        assert_eq!(outcome.verdict, Verdict::DidNotCompile);
        assert_eq!(
            outcome.excerpt,
            "error[E0308]: mismatched types
  --> lessons/l/exercises/echo.rs:12:5
   |
12 |     5
   |     ^ expected `Result<(), Error>`, found integer"
        );
    }

    #[test]
    fn a_passing_run_counts_its_tests() {
        let stdout = "running 0 tests\ntest result: ok. 0 passed; 0 failed; 0 ignored\n\n\
                      running 2 tests\ntest result: ok. 2 passed; 0 failed; 1 filtered out\n";
        let outcome = read_outcome(true, stdout, "");
        assert_eq!(outcome.verdict, Verdict::Passed);
        assert_eq!(outcome.tests_run, 2);
        assert!(outcome.failed_tests.is_empty());
    }

    #[test]
    fn a_long_message_of_the_failed_test_is_shown_whole() {
        let steps: Vec<String> = (1..=40).map(|n| format!("{n}. sent step {n}")).collect();
        let stdout = format!(
            "running 1 test\ntest long ... FAILED\n\nfailures:\n\n---- long stdout ----\n\
             thread 'long' (7) panicked at t.rs:1:1:\n{}\n\nfailures:\n    long\n\n\
             test result: FAILED. 0 passed; 1 failed\n",
            steps.join("\n")
        );
        let outcome = read_outcome(false, &stdout, "");
        assert!(
            outcome.excerpt.ends_with("40. sent step 40"),
            "{}",
            outcome.excerpt
        );
        assert!(!outcome.excerpt.contains("more lines"));
    }

    #[test]
    fn a_command_that_never_started_is_told_apart_from_failed_tests() {
        let run = |message: &str| {
            format!(
                "running 2 tests\ntest a ... FAILED\ntest b ... FAILED\n\nfailures:\n\n\
                 ---- a stdout ----\n{message}\n\n---- b stdout ----\n{message}\n\n\
                 failures:\n    a\n    b\n\ntest result: FAILED. 0 passed; 2 failed\n"
            )
        };
        let server = "thread 'a' panicked at src/exercise.rs:134:10:\n\
                      could not start the server `python3 nope.py 1`: the server command ended";
        let outcome = read_outcome(false, &run(server), "");
        assert_eq!(
            outcome.start_failure.as_deref(),
            Some("could not start the server `python3 nope.py 1`: the server command ended")
        );
        let client = "the client `nope 1` exited with exit status: 127; its stderr: \"not found\"";
        let outcome = read_outcome(false, &run(client), "");
        assert!(outcome.start_failure.is_some());
        let outcome = read_outcome(false, FAILED_RUN, "");
        assert_eq!(outcome.start_failure, None);
    }

    #[test]
    fn variants_are_named_as_the_kit_names_its_files() {
        for (name, code) in [
            ("yours", Code::Yours),
            ("solution", Code::Solution),
            ("solution2", Code::SecondSolution),
            ("mistake", Code::Mistake(1)),
            ("mistake1", Code::Mistake(1)),
            ("mistake12", Code::Mistake(12)),
        ] {
            assert_eq!(name.parse::<Code>(), Ok(code), "{name}");
        }
        assert_eq!(Code::Mistake(3).to_string(), "mistake3");
        for wrong in [
            "mistake0",
            "mistake-1",
            "mistake+1",
            "mistakes",
            "solution3",
            "",
        ] {
            let err = wrong.parse::<Code>().unwrap_err();
            assert!(
                err.contains("yours, solution, solution2, mistake1"),
                "{err}"
            );
        }
    }

    #[test]
    fn thread_ids_go_and_other_lines_stay() {
        assert_eq!(
            without_thread_id("thread 'server' (31451) panicked at a.rs:1:1:"),
            "thread 'server' panicked at a.rs:1:1:"
        );
        assert_eq!(without_thread_id("thread 'x' (y) z"), "thread 'x' (y) z");
        assert_eq!(without_thread_id("sent b\"x\""), "sent b\"x\"");
    }
}
