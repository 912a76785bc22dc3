//! `cargo lab watch`: the checker that checks again each time the student saves.
//!
//! These tests drive it as a student does, on the real exercise file: they save new contents
//! into `lessons/lesson2-bytes/exercises/lossy.rs` and read what the checker says. That file is
//! this test file's alone (no other test reads the student's `lossy.rs`), the tests here take
//! turns on it (one lock), and a guard puts back the student's own file however a test ends; a
//! copy of it also waits in Cargo's temporary folder (`target/tmp/`) in case the test process is
//! killed midway. The input is a pipe, not a terminal, so each key is a line.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use common::workspace_root;
use tempfile::TempDir;

/// Generous: each check builds the exercise's tests, on a busy machine.
const CHECK_TIMEOUT: Duration = Duration::from_secs(600);

/// The exercise the tests edit, relative to the workspace's root.
const LOSSY: &str = "lessons/lesson2-bytes/exercises/lossy.rs";

/// One test at a time on the student's file.
fn take_turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Keeps the student's file as it was, and puts it back when dropped: unless the student saved
/// something else into it meanwhile, which is theirs to keep.
struct Restore {
    path: PathBuf,
    original: Vec<u8>,
    /// What the test wrote last.
    written: Option<Vec<u8>>,
}

impl Restore {
    fn new(path: PathBuf) -> Restore {
        let original = fs::read(&path).unwrap();
        let backup = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lossy.rs.student");
        fs::write(&backup, &original).unwrap();
        Restore {
            path,
            original,
            written: None,
        }
    }

    /// Saves `contents` into the file, as an editor would.
    fn save(&mut self, contents: &[u8]) {
        fs::write(&self.path, contents).unwrap();
        self.written = Some(contents.to_vec());
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        let now = fs::read(&self.path).ok();
        if self.written.is_none() || now == self.written {
            fs::write(&self.path, &self.original).expect("put the student's lossy.rs back");
        }
    }
}

/// The watching checker, its output as it comes, and its input.
struct Watch {
    child: Child,
    input: ChildStdin,
    output: Arc<Mutex<String>>,
    /// How far the test has read.
    seen: usize,
}

impl Watch {
    fn start(args: &[&str], progress: &TempDir) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_socket-lab"))
            .arg("watch")
            .args(args)
            .current_dir(workspace_root())
            .env("SOCKET_LAB_PROGRESS", progress.path().join("progress.json"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = Arc::clone(&output);
            thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    let mut output = output.lock().unwrap();
                    output.push_str(&line);
                    output.push('\n');
                }
            });
        }
        let input = child.stdin.take().unwrap();
        Watch {
            child,
            input,
            output,
            seen: 0,
        }
    }

    /// Waits for `needle` after what was already read, and returns what came up to and
    /// including it.
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + CHECK_TIMEOUT;
        loop {
            let output = self.output.lock().unwrap().clone();
            if let Some(at) = output[self.seen..].find(needle) {
                let end = self.seen + at + needle.len();
                let part = output[self.seen..end].to_string();
                self.seen = end;
                return part;
            }
            assert!(
                Instant::now() < deadline,
                "the watching checker did not say {needle:?}; it said:\n{output}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the prompt that follows each check, and returns the check's report.
    fn report(&mut self) -> String {
        self.wait_for("each followed by Enter): h hint, l list, c check all, q quit.\n")
    }

    fn press(&mut self, key: &str) {
        writeln!(self.input, "{key}").unwrap();
        self.input.flush().unwrap();
    }

    /// Quits with `q`, and returns how the checker exited.
    fn quit(mut self) -> std::process::ExitStatus {
        self.press("q");
        self.wait_for("Bye.");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the checker did not exit after q"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The exercise's starter as the kit ships it: the committed file, or the student's own if it
/// is still untouched (no git, say).
fn starter(root: &Path, current: &[u8]) -> Vec<u8> {
    let committed = Command::new("git")
        .args(["show", &format!("HEAD:{LOSSY}")])
        .current_dir(root)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| output.stdout);
    committed
        .filter(|text| String::from_utf8_lossy(text).contains("todo!()"))
        .unwrap_or_else(|| current.to_vec())
}

/// The planted mistake of lossy: `mistakes/lossy.rs`, or the first of several, `lossy_1.rs`.
fn mistake(exercises: &Path) -> Vec<u8> {
    ["lossy.rs", "lossy_1.rs"]
        .iter()
        .find_map(|name| fs::read(exercises.join("mistakes").join(name)).ok())
        .expect("lossy has a planted mistake")
}

#[test]
fn each_save_is_checked_again_and_a_pass_moves_on_to_the_next_exercise() {
    let _turn = take_turn();
    let root = workspace_root();
    let dir = root.join("lessons/lesson2-bytes/exercises");
    let mut file = Restore::new(root.join(LOSSY));
    let starter = starter(&root, &file.original);
    assert!(
        String::from_utf8_lossy(&starter).contains("todo!()"),
        "no untouched starter of lossy.rs to begin with"
    );
    file.save(&starter);
    let progress = TempDir::new().unwrap();
    let mut watch = Watch::start(&["lesson2"], &progress);

    // The untouched starter: not started, with what to write, and no failure to puzzle over.
    let report = watch.report();
    assert!(report.contains("lesson2 lossy: not started\n"), "{report}");
    assert!(report.contains("its `todo!()` is still there"), "{report}");
    assert!(!report.contains("FAIL"), "{report}");
    assert!(report.contains(&format!("Watching {LOSSY}: each save checks it again.")));

    // A save that does not compile: the compiler's error, and no hint (the hint is about
    // behaviour, and there is none to see yet).
    let mut broken = starter.clone();
    broken.extend_from_slice(b"\npub fn broken() -> u8 {\n    \"not a number\"\n}\n");
    file.save(&broken);
    let report = watch.report();
    assert!(
        report.contains("lesson2 lossy: FAIL (does not compile)\n"),
        "{report}"
    );
    assert!(
        report.contains("error[E0308]: mismatched types"),
        "{report}"
    );
    assert!(!report.contains("hint:"), "{report}");

    // The planted mistake: the failing test's message, then the hint.
    file.save(&mistake(&dir));
    let report = watch.report();
    assert!(report.contains("lesson2 lossy: FAIL\n"), "{report}");
    assert!(
        report.contains("bad_bytes_are_replaced_at_once"),
        "{report}"
    );
    assert!(
        report.contains("hint: When `str::from_utf8` fails"),
        "{report}"
    );

    // h shows the hint again; l lists the lessons and where the student stands.
    watch.press("h");
    let shown = watch.report();
    assert!(
        shown.contains("hint: When `str::from_utf8` fails"),
        "{shown}"
    );
    assert!(!shown.contains("Checking"), "{shown}");
    watch.press("l");
    let listing = watch.report();
    assert!(listing.contains("lossy  failed"), "{listing}");
    assert!(listing.contains("Exercises passed:"), "{listing}");

    // The solution passes, and the checker moves on to the next exercise and checks it.
    file.save(&fs::read(dir.join("solutions/lossy.rs")).unwrap());
    let report = watch.report();
    assert!(report.contains("lesson2 lossy: PASS\n"), "{report}");
    assert!(
        report.contains("On to the next exercise: lesson2 count."),
        "{report}"
    );
    assert!(report.contains("Checking lesson2 count ("), "{report}");
    assert!(report.contains("Watching lessons/lesson2-bytes/exercises/count.rs"));

    assert!(watch.quit().success());
    let original = file.original.clone();
    drop(file);
    assert_eq!(fs::read(root.join(LOSSY)).unwrap(), original);
}

/// Where saves send no event, `--manual` checks again on Enter, and `c` checks every exercise.
#[test]
fn in_manual_mode_enter_checks_again() {
    let _turn = take_turn();
    let root = workspace_root();
    let mut file = Restore::new(root.join(LOSSY));
    file.save(&mistake(&root.join("lessons/lesson2-bytes/exercises")));
    let progress = TempDir::new().unwrap();
    let mut watch = Watch::start(&["2", "--manual"], &progress);
    let report = watch.report();
    assert!(report.contains("lesson2 lossy: FAIL\n"), "{report}");
    assert!(report.contains(&format!(
        "Save {LOSSY}, then press Enter to check it again."
    )));

    watch.press("");
    let report = watch.report();
    assert!(report.contains("Checking lesson2 lossy"), "{report}");
    assert!(report.contains("lesson2 lossy: FAIL\n"), "{report}");

    // c checks every exercise, then shows the first that did not pass.
    watch.press("c");
    let report = watch.report();
    assert!(report.contains("Checking every exercise:"), "{report}");
    assert!(report.contains("  lesson2 lossy  FAIL\n"), "{report}");
    assert!(report.contains("  lesson2 count  "), "{report}");
    assert!(
        report.contains("hint: When `str::from_utf8` fails"),
        "{report}"
    );
    assert!(watch.quit().success());
}
