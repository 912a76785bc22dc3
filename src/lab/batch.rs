//! `cargo lab check lessonN EXERCISE --batch PATH`: a teacher grades a class. Every student's
//! program is run against the same tests as teacher mode (`--server` / `--client`), and the
//! verdicts go into one table, written as CSV and as Markdown.
//!
//! PATH is either
//! - a folder with one sub-folder per student (the sub-folder's name is the student's), where
//!   each student's program is run with the command given by `--server CMD` or `--client CMD`,
//!   in the student's folder; a student's folder may hold a file `command` whose first line
//!   replaces that command for this student; or
//! - a file with one line per student, `NAME<TAB>COMMAND`, where each command runs in the file's
//!   folder (empty lines and lines starting with `#` are skipped).
//!
//! The exercise's tests are built once; then its test program runs once per student, one student
//! at a time or `--jobs N` at once. Each student program runs under a small supervisor (this
//! program's hidden `supervise` command) that passes its output on, and stops it, with a mark in
//! the table, when it writes more than [`OUTPUT_LIMIT`] bytes (output flood), when it runs past
//! the student's time limit (timeout), or notes when it ends by a crash. A client still running
//! when its test gave up on it is marked timeout too. Nothing a student's program does stops the
//! batch: the test program itself is stopped at the time limit.

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use socket_lab::exercise::{CLIENT_COMMAND_ENV, COMMAND_DIR_ENV, RUST_ONLY, SERVER_COMMAND_ENV};

use super::catalog::{Catalog, Exercise, ExerciseSet, Role};
use super::runner::{self, Outcome, Verdict};

/// The most a student's program may write (stdout and stderr together) in one run before it is
/// stopped as an output flood. Far above what any exercise's program prints.
pub const OUTPUT_LIMIT: u64 = 16 << 20;

/// Of the test program's own output, the most kept from its start and from its end.
const KEPT_OUTPUT: usize = 2 << 20;

/// The student's command line, for the supervisor.
const STUDENT_COMMAND_ENV: &str = "SOCKET_LAB_BATCH_COMMAND";
/// Where the supervisor appends what it saw.
const MARKS_ENV: &str = "SOCKET_LAB_BATCH_MARKS";
/// When the student's time is up, in milliseconds since the Unix epoch.
const DEADLINE_ENV: &str = "SOCKET_LAB_BATCH_DEADLINE";

/// The teacher's choices.
pub struct Options<'a> {
    pub path: &'a Path,
    /// The command to run in each student's folder, for a server exercise (`--server`).
    pub server: Option<&'a str>,
    /// The same, for a client exercise (`--client`).
    pub client: Option<&'a str>,
    pub jobs: usize,
    /// Each student's time, for all the tests together.
    pub timeout: Duration,
}

/// One student's program.
#[derive(Clone, Debug, PartialEq)]
struct Student {
    name: String,
    command: String,
    /// Where the command runs.
    dir: PathBuf,
}

/// Where a run of a student's program went wrong in a way a teacher must see at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    Crashed,
    DidNotStart,
    Timeout,
    OutputFlood,
}

impl Mark {
    fn as_str(self) -> &'static str {
        match self {
            Mark::DidNotStart => "did not start",
            Mark::Crashed => "crashed",
            Mark::Timeout => "timeout",
            Mark::OutputFlood => "output flood",
        }
    }
}

/// One line of the table.
struct Row {
    student: String,
    passed: bool,
    mark: Option<Mark>,
    /// Each test's name and whether it passed; tests that did not run are missing.
    tests: Vec<(String, bool)>,
    first_failure: String,
}

pub fn run(
    catalog: &Catalog,
    lesson: &str,
    exercise: Option<&str>,
    options: Options,
) -> anyhow::Result<bool> {
    let (lesson, set) = catalog.exercises_of(lesson)?;
    let exercise = match exercise {
        Some(name) => set.exercise(name)?,
        None => bail!(
            "--batch grades one exercise: name it, as in `cargo lab check {} echo --batch DIR`",
            lesson.name
        ),
    };
    let Some(role) = exercise.role else {
        bail!(
            "{} checks Rust code only: no program in another language can be graded against it",
            exercise.name
        );
    };
    let command = match (role, options.server, options.client) {
        (Role::Server, _, Some(_)) => bail!(
            "{} is a server exercise: give the students' command with --server",
            exercise.name
        ),
        (Role::Client, Some(_), _) => bail!(
            "{} is a client exercise: give the students' command with --client",
            exercise.name
        ),
        (_, server, client) => server.or(client),
    };
    let students = students(options.path, command)?;
    if students.is_empty() {
        bail!("{} holds no student's program", options.path.display());
    }

    println!(
        "Grading {} students on {} {} ({} exercise), {} at a time, {}s each at most.",
        students.len(),
        lesson.name,
        exercise.name,
        match role {
            Role::Server => "a server",
            Role::Client => "a client",
        },
        options.jobs,
        options.timeout.as_secs()
    );
    let tests = build_tests(&catalog.workspace_root, set, exercise)?;
    let marks_dir = catalog
        .target_dir
        .join("socket-lab")
        .join(format!("batch-{}", std::process::id()));
    fs::create_dir_all(&marks_dir)
        .with_context(|| format!("could not create {}", marks_dir.display()))?;
    let supervisor = std::env::current_exe().context("could not find this program's path")?;
    let grader = Grader {
        tests,
        package_dir: set.dir.clone(),
        role,
        supervisor,
        marks_dir: marks_dir.clone(),
        timeout: options.timeout,
    };

    let rows = grade_all(&grader, &students, options.jobs.max(1));
    let _ = fs::remove_dir_all(&marks_dir);

    let folder = if options.path.is_dir() {
        options.path.to_path_buf()
    } else {
        options
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let stem = format!("results-{}-{}", lesson.name, exercise.name);
    let csv_path = folder.join(format!("{stem}.csv"));
    let markdown_path = folder.join(format!("{stem}.md"));
    let names = test_names(&rows);
    let markdown = markdown(&lesson.name, &exercise.name, &names, &rows);
    write_whole(&csv_path, &csv(&names, &rows))?;
    write_whole(&markdown_path, &markdown)?;
    println!();
    print!("{markdown}");
    println!();
    println!(
        "Written to {} and {}.",
        csv_path.display(),
        markdown_path.display()
    );
    Ok(true)
}

/// The students PATH names, in the order of their names.
fn students(path: &Path, command: Option<&str>) -> anyhow::Result<Vec<Student>> {
    // Absolute, since the commands run in folders under it while the tests run elsewhere.
    let path = &fs::canonicalize(path).with_context(|| {
        format!(
            "there is no {}: --batch takes a folder with one sub-folder per student, or a file \
             with one `NAME<TAB>COMMAND` line per student",
            path.display()
        )
    })?;
    let mut students = if path.is_dir() {
        let mut students = Vec::new();
        let entries =
            fs::read_dir(path).with_context(|| format!("could not read {}", path.display()))?;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.file_type()?.is_dir() || name.starts_with('.') {
                continue;
            }
            let dir = entry.path();
            let own = fs::read_to_string(dir.join("command"))
                .ok()
                .and_then(|text| {
                    text.lines()
                        .map(str::trim)
                        .find(|line| !line.is_empty() && !line.starts_with('#'))
                        .map(str::to_string)
                });
            let Some(command) = own.or(command.map(str::to_string)) else {
                bail!(
                    "how is {name}'s program run? Give the command for every student with \
                     --server CMD or --client CMD, or put it in {}",
                    dir.join("command").display()
                );
            };
            students.push(Student { name, command, dir });
        }
        students
    } else {
        let text = fs::read_to_string(path).with_context(|| {
            format!(
                "could not read {}: --batch takes a folder with one sub-folder per student, \
                 or a file with one `NAME<TAB>COMMAND` line per student",
                path.display()
            )
        })?;
        let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        parse_lines(&text, &dir).with_context(|| format!("in {}", path.display()))?
    };
    students.sort_by(|a, b| a.name.cmp(&b.name));
    for pair in students.windows(2) {
        if pair[0].name == pair[1].name {
            bail!("the student {} is listed twice", pair[0].name);
        }
    }
    Ok(students)
}

/// `NAME<TAB>COMMAND` lines.
fn parse_lines(text: &str, dir: &Path) -> anyhow::Result<Vec<Student>> {
    let mut students = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((name, command)) = line.split_once('\t') else {
            bail!(
                "line {}: expected the student's name, a tab, and the command line: {line:?}",
                number + 1
            );
        };
        let (name, command) = (name.trim(), command.trim());
        if name.is_empty() || command.is_empty() {
            bail!("line {}: a name and a command are both needed", number + 1);
        }
        students.push(Student {
            name: name.to_string(),
            command: command.to_string(),
            dir: dir.to_path_buf(),
        });
    }
    Ok(students)
}

/// Builds the exercise's tests as teacher mode does (the reference solution compiled, never
/// run), once for the whole class, and returns the test program's path.
fn build_tests(root: &Path, set: &ExerciseSet, exercise: &Exercise) -> anyhow::Result<PathBuf> {
    println!("Building the tests of {} ...", exercise.name);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["test", "--no-run", "--color", "never"])
        .args(["--message-format", "json-render-diagnostics"])
        .args(["-p", &set.package, "--test", &exercise.name])
        .stdin(Stdio::null())
        .output()
        .context("could not run cargo")?;
    if !output.status.success() {
        bail!(
            "the tests of {} did not build:\n{}",
            exercise.name,
            String::from_utf8_lossy(&output.stderr).trim_end()
        );
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .filter(|message| message["target"]["name"] == exercise.name.as_str())
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .with_context(|| format!("cargo built no test program for {}", exercise.name))
}

/// What every student's run shares.
struct Grader {
    tests: PathBuf,
    package_dir: PathBuf,
    role: Role,
    supervisor: PathBuf,
    marks_dir: PathBuf,
    timeout: Duration,
}

/// Grades every student, `jobs` at a time, printing each verdict as it comes; the rows in the
/// students' order.
fn grade_all(grader: &Grader, students: &[Student], jobs: usize) -> Vec<Row> {
    let next = AtomicUsize::new(0);
    let (done, results) = mpsc::channel();
    let width = students.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut rows: Vec<Option<Row>> = students.iter().map(|_| None).collect();
    thread::scope(|scope| {
        for _ in 0..jobs.min(students.len()) {
            let done = done.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    let Some(student) = students.get(index) else {
                        break;
                    };
                    let row = grader.grade(index, student);
                    if done.send((index, row)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        for (count, (index, row)) in results.iter().enumerate() {
            let verdict = if row.passed { "PASS" } else { "FAIL" };
            let mark = row
                .mark
                .map(|m| format!(" ({})", m.as_str()))
                .unwrap_or_default();
            println!(
                "  [{}/{}] {:<width$}  {verdict}{mark}",
                count + 1,
                students.len(),
                row.student
            );
            rows[index] = Some(row);
        }
    });
    rows.into_iter().flatten().collect()
}

impl Grader {
    fn grade(&self, index: usize, student: &Student) -> Row {
        let marks = self.marks_dir.join(format!("{index}.marks"));
        let started = Instant::now();
        let deadline = SystemTime::now() + self.timeout;
        let wrapped = format!(
            "{} supervise",
            shell_quote(&self.supervisor.to_string_lossy())
        );
        let env_name = match self.role {
            Role::Server => SERVER_COMMAND_ENV,
            Role::Client => CLIENT_COMMAND_ENV,
        };
        let mut command = Command::new(&self.tests);
        command
            .current_dir(&self.package_dir)
            .args(["--skip", RUST_ONLY, "--test-threads=1"])
            .env_remove(SERVER_COMMAND_ENV)
            .env_remove(CLIENT_COMMAND_ENV)
            .env(env_name, &wrapped)
            .env(COMMAND_DIR_ENV, &student.dir)
            .env(STUDENT_COMMAND_ENV, &student.command)
            .env(MARKS_ENV, &marks)
            .env(DEADLINE_ENV, millis_since_epoch(deadline).to_string())
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let (success, stdout, stderr, timed_out) = match command.spawn() {
            Ok(child) => run_bounded(child, started + self.timeout + Duration::from_secs(5)),
            Err(err) => {
                return Row {
                    student: student.name.clone(),
                    passed: false,
                    mark: None,
                    tests: Vec::new(),
                    first_failure: format!("could not run the tests: {err}"),
                };
            }
        };
        // The students' program, not the supervisor, is what the teacher wants named.
        let shown = |text: &str| text.replace(&wrapped, &student.command);
        let outcome = runner::read_outcome(success && !timed_out, &stdout, &stderr);
        let tests = test_results(&stdout);
        let seen = fs::read_to_string(&marks).unwrap_or_default();
        let mark = mark(&seen, self.role, timed_out, &outcome);
        let passed = outcome.verdict == Verdict::Passed && mark.is_none() && !tests.is_empty();
        let first_failure = if passed {
            String::new()
        } else if timed_out && outcome.failed_tests.is_empty() {
            format!(
                "stopped after {}s, the time limit (--timeout), before its tests had finished",
                self.timeout.as_secs()
            )
        } else {
            shown(&first_failure(&outcome))
        };
        Row {
            student: student.name.clone(),
            passed,
            mark,
            tests,
            first_failure,
        }
    }
}

/// Waits for the test program until `deadline`, collecting its output; stops its whole process
/// group then. Returns (exited with success, stdout, stderr, was stopped).
fn run_bounded(mut child: Child, deadline: Instant) -> (bool, String, String, bool) {
    let stdout = keep_bounded(child.stdout.take().expect("stdout is piped"));
    let stderr = keep_bounded(child.stderr.take().expect("stderr is piped"));
    let mut timed_out = false;
    let success = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.success(),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            _ => {
                timed_out = true;
                kill_group(child.id());
                let _ = child.kill();
                let _ = child.wait();
                break false;
            }
        }
    };
    let read = |handle: thread::JoinHandle<String>| handle.join().unwrap_or_default();
    (success, read(stdout), read(stderr), timed_out)
}

/// Reads a pipe to its end on a thread, keeping its first and last [`KEPT_OUTPUT`] bytes.
fn keep_bounded(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut head = Vec::new();
        let mut tail: Vec<u8> = Vec::new();
        let mut dropped = 0usize;
        let mut buf = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            let room = KEPT_OUTPUT.saturating_sub(head.len()).min(n);
            head.extend_from_slice(&buf[..room]);
            tail.extend_from_slice(&buf[room..n]);
            if tail.len() > 2 * KEPT_OUTPUT {
                let cut = tail.len() - KEPT_OUTPUT;
                dropped += cut;
                tail.drain(..cut);
            }
        }
        let mut text = String::from_utf8_lossy(&head).into_owned();
        if dropped > 0 {
            text += &format!("\n[... {dropped} bytes left out]\n");
        }
        text + &String::from_utf8_lossy(&tail)
    })
}

/// `test NAME ... ok` / `test NAME ... FAILED` lines: each test that ran, and how.
fn test_results(stdout: &str) -> Vec<(String, bool)> {
    let mut results: Vec<(String, bool)> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test "))
        .filter_map(|rest| {
            let (name, result) = rest.rsplit_once(" ... ")?;
            match result {
                "ok" => Some((name.to_string(), true)),
                "FAILED" => Some((name.to_string(), false)),
                _ => None,
            }
        })
        .collect();
    results.sort();
    results
}

/// The mark a run earns, from what the supervisor saw (`start`, `end`, `crashed`, `nostart`,
/// `flood`, `timeout` lines, each with the run's process id) and how the tests ended.
fn mark(seen: &str, role: Role, timed_out: bool, outcome: &Outcome) -> Option<Mark> {
    let mut started = BTreeSet::new();
    let mut ended = BTreeSet::new();
    let mut marks = BTreeSet::new();
    for line in seen.lines() {
        let (word, pid) = line.split_once(' ').unwrap_or((line, ""));
        let pid = pid.split(' ').next().unwrap_or_default().to_string();
        match word {
            "start" => {
                started.insert(pid);
            }
            "end" => {
                ended.insert(pid);
            }
            "crashed" => {
                ended.insert(pid);
                marks.insert(Mark::Crashed);
            }
            "nostart" => {
                ended.insert(pid);
                marks.insert(Mark::DidNotStart);
            }
            "flood" => {
                ended.insert(pid);
                marks.insert(Mark::OutputFlood);
            }
            "timeout" => {
                ended.insert(pid);
                marks.insert(Mark::Timeout);
            }
            _ => {}
        }
    }
    // A client must end by itself; one that was still running was stopped by its test's wait.
    // (A server runs until its test stops it.)
    if role == Role::Client && started.iter().any(|pid| !ended.contains(pid)) {
        marks.insert(Mark::Timeout);
    }
    if timed_out {
        marks.insert(Mark::Timeout);
    }
    if outcome.start_failure.is_some() {
        marks.insert(Mark::DidNotStart);
    }
    // The most telling: a flood or a timeout explains the crashes and failures that follow.
    marks.into_iter().next_back()
}

/// The first failed test and its message, on one line for a table cell.
fn first_failure(outcome: &Outcome) -> String {
    if let Some(why) = &outcome.start_failure {
        return why.clone();
    }
    let Some(test) = outcome.failed_tests.first() else {
        return one_line(&outcome.excerpt);
    };
    // The test's own panic message: the lines after `thread 'TEST' panicked at ...:`.
    let header = format!("thread '{test}' panicked at");
    let lines: Vec<&str> = outcome.excerpt.lines().collect();
    let message: Vec<&str> = match lines.iter().position(|line| line.starts_with(&header)) {
        Some(start) => lines[start + 1..]
            .iter()
            .take_while(|line| !line.starts_with("thread '"))
            .copied()
            .collect(),
        None => lines,
    };
    format!(
        "{test}: {}",
        one_line(&the_failed_step(&message).join("\n"))
    )
}

/// A message of numbered steps (`socket_lab::exercise::Steps`) cut to what a table cell needs: its
/// first line, which names the symptom, and the failed step, marked `>`, with what came instead.
/// Any other message is kept whole.
fn the_failed_step<'a>(message: &[&'a str]) -> Vec<&'a str> {
    let Some(marked) = message
        .iter()
        .position(|line| line.trim_start().starts_with("> "))
    else {
        return message.to_vec();
    };
    let is_step = |line: &str| {
        let line = line.trim_start();
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && line[digits..].starts_with(". ")
    };
    let mut kept = vec![message[0]];
    kept.push(message[marked]);
    kept.extend(
        message[marked + 1..]
            .iter()
            .take_while(|line| !is_step(line))
            .copied(),
    );
    kept
}

/// Joins lines with ` / `, and keeps a table cell readable: at most about 300 characters, the
/// first 200 and the last 100, since a failure often ends with what went wrong (the last line of
/// a traceback).
fn one_line(text: &str) -> String {
    let joined: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let joined = joined.join(" / ");
    let length = joined.chars().count();
    if length <= 300 {
        return joined;
    }
    let head: String = joined.chars().take(200).collect();
    let tail: String = joined.chars().skip(length - 100).collect();
    format!("{head} ... {tail}")
}

/// Every test any student's run reached, in order of name.
fn test_names(rows: &[Row]) -> Vec<String> {
    let names: BTreeSet<&str> = rows
        .iter()
        .flat_map(|row| row.tests.iter().map(|(name, _)| name.as_str()))
        .collect();
    names.into_iter().map(str::to_string).collect()
}

/// One cell per test: PASS, FAIL, or `-` for a test the run did not reach.
fn cells(names: &[String], row: &Row) -> Vec<&'static str> {
    names
        .iter()
        .map(
            |name| match row.tests.iter().find(|(test, _)| test == name) {
                Some((_, true)) => "PASS",
                Some((_, false)) => "FAIL",
                None => "-",
            },
        )
        .collect()
}

fn csv(names: &[String], rows: &[Row]) -> String {
    let field = |text: &str| {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    let mut header = vec!["student".to_string(), "result".into(), "mark".into()];
    header.extend(names.iter().cloned());
    header.push("first failure".into());
    let mut out = header
        .iter()
        .map(|h| field(h))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for row in rows {
        let mut fields = vec![
            field(&row.student),
            (if row.passed { "PASS" } else { "FAIL" }).to_string(),
            row.mark.map(Mark::as_str).unwrap_or_default().to_string(),
        ];
        fields.extend(cells(names, row).into_iter().map(str::to_string));
        fields.push(field(&row.first_failure));
        out += &(fields.join(",") + "\n");
    }
    out
}

fn markdown(lesson: &str, exercise: &str, names: &[String], rows: &[Row]) -> String {
    let cell = |text: &str| text.replace('|', "\\|").replace(['\n', '\r'], " ");
    let passed = rows.iter().filter(|row| row.passed).count();
    let mut out = format!(
        "## {lesson} {exercise}: {passed} of {} students passed\n\n",
        rows.len()
    );
    let mut header = vec!["student", "result", "mark"];
    header.extend(names.iter().map(String::as_str));
    header.push("first failure");
    out += &format!("| {} |\n", header.join(" | "));
    out += &format!("|{}\n", " --- |".repeat(header.len()));
    for row in rows {
        let mut fields = vec![
            cell(&row.student),
            (if row.passed { "PASS" } else { "FAIL" }).to_string(),
            row.mark.map(Mark::as_str).unwrap_or_default().to_string(),
        ];
        fields.extend(cells(names, row).into_iter().map(str::to_string));
        fields.push(cell(&row.first_failure));
        out += &format!("| {} |\n", fields.join(" | "));
    }
    out
}

/// Writes `text` under a temporary name beside `path`, then renames it into place.
fn write_whole(path: &Path, text: &str) -> anyhow::Result<()> {
    let partial = path.with_extension(format!("part-{}", std::process::id()));
    fs::write(&partial, text)
        .and_then(|()| fs::rename(&partial, path))
        .with_context(|| format!("could not write {}", path.display()))
}

/// `'text'` for `sh`, whatever `text` holds.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn millis_since_epoch(time: SystemTime) -> u128 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

/// Kills the process group `leader` leads (see `socket_lab::process::shell`: std has no
/// `killpg`, and the kit forbids unsafe code, so the shell's `kill` does it).
fn kill_group(leader: u32) {
    #[cfg(unix)]
    let _ = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -s KILL -- -{leader} 2>/dev/null"))
        .status();
    #[cfg(not(unix))]
    let _ = leader;
}

/// The hidden `supervise` command: runs the student's command (from the environment, its
/// `{host}`, `{port}` and `{addr}` filled in from the harness's `SOCKET_LAB_ADDR`), passes its
/// output on, and appends to the marks file what happened: `start PID`, then `end PID`,
/// `crashed PID STATUS`, `nostart PID STATUS` (the shell found no such program), `flood PID` or
/// `timeout PID`. On a flood or at the deadline it kills its
/// own process group, which the harness made for this run: the student's program, everything it
/// started, and the supervisor.
pub fn supervise() -> ExitCode {
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let mut command_line = env(STUDENT_COMMAND_ENV);
    if let Ok(addr) = env("SOCKET_LAB_ADDR").parse() {
        command_line = socket_lab::exercise::fill_in(&command_line, addr);
    }
    let marks = PathBuf::from(env(MARKS_ENV));
    let deadline = UNIX_EPOCH + Duration::from_millis(env(DEADLINE_ENV).parse().unwrap_or(0));
    let note = |line: String| {
        if let Ok(mut file) = OpenOptions::new().create(true).append(true).open(&marks) {
            let _ = file.write_all(format!("{line}\n").as_bytes());
        }
    };

    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(&command_line)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            eprintln!("could not run `{command_line}`: {err}");
            return ExitCode::from(127);
        }
    };
    let pid = child.id();
    note(format!("start {pid}"));
    let written = Arc::new(AtomicU64::new(0));
    let flooded = Arc::new(AtomicBool::new(false));
    let forward = |pipe: Box<dyn Read + Send>, sink: fn() -> Box<dyn Write>| {
        let written = Arc::clone(&written);
        let flooded = Arc::clone(&flooded);
        thread::spawn(move || pass_on(pipe, sink, &written, &flooded))
    };
    let out = forward(
        Box::new(child.stdout.take().expect("stdout is piped")),
        || Box::new(io::stdout()),
    );
    let err = forward(
        Box::new(child.stderr.take().expect("stderr is piped")),
        || Box::new(io::stderr()),
    );
    let stop = |word: &str, child: &mut Child| {
        note(format!("{word} {pid}"));
        #[cfg(unix)]
        let _ = Command::new("sh").args(["-c", "kill -s KILL 0"]).status();
        let _ = child.kill();
        ExitCode::from(137)
    };
    loop {
        if flooded.load(Ordering::SeqCst) {
            return stop("flood", &mut child);
        }
        if SystemTime::now() >= deadline {
            return stop("timeout", &mut child);
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                // Its output to the end, unless something it started still holds the pipes.
                let waited = Instant::now();
                while !(out.is_finished() && err.is_finished())
                    && waited.elapsed() < Duration::from_secs(1)
                {
                    thread::sleep(Duration::from_millis(10));
                }
                if flooded.load(Ordering::SeqCst) {
                    return stop("flood", &mut child);
                }
                let code = exit_code(status);
                match code {
                    0 => note(format!("end {pid}")),
                    // What `sh` answers when there is no such program, or it cannot be run.
                    126 | 127 => note(format!("nostart {pid} {status}")),
                    _ => note(format!("crashed {pid} {status}")),
                }
                return ExitCode::from(code);
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(_) => return stop("crashed", &mut child),
        }
    }
}

/// Passes a pipe's bytes on until the run as a whole has written more than [`OUTPUT_LIMIT`].
fn pass_on(
    mut pipe: Box<dyn Read + Send>,
    sink: fn() -> Box<dyn Write>,
    written: &AtomicU64,
    flooded: &AtomicBool,
) {
    let mut buf = [0u8; 8192];
    let mut sink = sink();
    while let Ok(n) = pipe.read(&mut buf) {
        if n == 0 {
            return;
        }
        if written.fetch_add(n as u64, Ordering::SeqCst) + n as u64 > OUTPUT_LIMIT {
            flooded.store(true, Ordering::SeqCst);
            return;
        }
        if sink
            .write_all(&buf[..n])
            .and_then(|()| sink.flush())
            .is_err()
        {
            return;
        }
    }
}

/// The status a shell would report: the exit code, or 128 + the signal that ended it.
fn exit_code(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(1);
        }
    }
    1
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cell_keeps_the_symptom_and_the_failed_step_of_a_numbered_message() {
        let message = [
            "step 2 failed: the client returned only part of the reply",
            "  1. listen",
            "> 2. expect the 5 bytes sent",
            "     instead: TypeError",
            "  3. close",
        ];
        assert_eq!(
            super::the_failed_step(&message),
            [message[0], message[2], message[3]]
        );
        assert_eq!(super::the_failed_step(&message[..1]), [message[0]]);
    }

    use super::*;

    #[test]
    fn a_class_list_is_read_line_by_line() {
        let students = parse_lines(
            "# the class of Monday\nalice\tpython3 a.py {port}\n\nbob \t python3 b.py {port}\n",
            Path::new("/class"),
        )
        .unwrap();
        assert_eq!(students.len(), 2);
        assert_eq!(students[1].name, "bob");
        assert_eq!(students[1].command, "python3 b.py {port}");
        assert_eq!(students[1].dir, Path::new("/class"));
        let err = parse_lines("alice python3 a.py\n", Path::new("/")).unwrap_err();
        assert!(err.to_string().contains("line 1: expected"), "{err}");
    }

    fn outcome() -> Outcome {
        runner::read_outcome(true, "running 1 test\ntest a ... ok\n", "")
    }

    #[test]
    fn marks_say_the_worst_of_what_the_supervisor_saw() {
        let ok = outcome();
        assert_eq!(mark("start 1\nend 1\n", Role::Client, false, &ok), None);
        assert_eq!(
            mark("start 1\ncrashed 1 signal 11\n", Role::Server, false, &ok),
            Some(Mark::Crashed)
        );
        assert_eq!(
            mark(
                "start 1\ncrashed 1\nstart 2\nflood 2\n",
                Role::Server,
                false,
                &ok
            ),
            Some(Mark::OutputFlood)
        );
        // A client still running when its test stopped it hung; a server is always stopped.
        assert_eq!(
            mark("start 1\n", Role::Client, false, &ok),
            Some(Mark::Timeout)
        );
        assert_eq!(mark("start 1\n", Role::Server, false, &ok), None);
        assert_eq!(mark("", Role::Server, true, &ok), Some(Mark::Timeout));
        assert_eq!(
            mark(
                "start 1\nnostart 1 exit status: 127\n",
                Role::Client,
                false,
                &ok
            ),
            Some(Mark::DidNotStart)
        );
    }

    #[test]
    fn tables_quote_what_would_break_them() {
        let rows = vec![Row {
            student: "ann, jr".into(),
            passed: false,
            mark: Some(Mark::Crashed),
            tests: vec![("a".into(), true), ("b".into(), false)],
            first_failure: "b: sent \"x\" | got nothing".into(),
        }];
        let names = test_names(&rows);
        assert_eq!(
            csv(&names, &rows),
            "student,result,mark,a,b,first failure\n\
             \"ann, jr\",FAIL,crashed,PASS,FAIL,\"b: sent \"\"x\"\" | got nothing\"\n"
        );
        let table = markdown("lesson1", "echo", &names, &rows);
        assert!(
            table.contains(
                "| ann, jr | FAIL | crashed | PASS | FAIL | b: sent \"x\" \\| got nothing |"
            ),
            "{table}"
        );
        assert!(table.starts_with("## lesson1 echo: 0 of 1 students passed\n"));
    }

    #[test]
    fn each_test_that_ran_is_read_with_its_result() {
        let stdout = "running 3 tests\ntest b ... FAILED\ntest a ... ok\ntest c ... ignored\n";
        assert_eq!(
            test_results(stdout),
            [("a".to_string(), true), ("b".to_string(), false)]
        );
    }

    #[test]
    fn shell_quoting_keeps_quotes() {
        assert_eq!(shell_quote("/a b/it's"), r"'/a b/it'\''s'");
    }
}
