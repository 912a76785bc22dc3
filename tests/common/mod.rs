//! What every end-to-end test needs: the lessons' real binaries, a server started on a free port,
//! and the comparison of a demo's output with the copy the book shows.
//!
//! Each file in tests/ is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use regex::Regex;
pub use socket_lab::process::ServerProcess;

/// How long a test waits for a line it expects before it fails.
pub const LINE_TIMEOUT: Duration = Duration::from_secs(20);

/// The path of a lesson's binary, built on first use.
///
/// `cargo test` builds a package's binaries only for that package's own integration tests, and
/// these tests live in the root package, so they ask cargo (through escargot) to build the lesson.
/// Once per test process and package; cargo's own lock serializes builds from parallel tests.
pub fn lesson_bin(package: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap();
    built
        .entry(package.to_string())
        .or_insert_with(|| {
            escargot::CargoBuild::new()
                .manifest_path(workspace_root().join("Cargo.toml"))
                .package(package)
                .bin(package)
                .current_release()
                .run()
                .unwrap_or_else(|err| panic!("could not build {package}: {err}"))
                .path()
                .to_path_buf()
        })
        .clone()
}

/// A command that runs a lesson's binary, ready for arguments.
pub fn lesson(package: &str) -> Command {
    let mut command = Command::new(lesson_bin(package));
    command.current_dir(workspace_root());
    command
}

/// The same, as an assert_cmd command, for runs that end on their own.
pub fn lesson_cmd(package: &str) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(lesson_bin(package));
    command.current_dir(workspace_root()).timeout(LINE_TIMEOUT);
    command
}

/// Starts `lessonN server --addr 127.0.0.1:0 ARGS...` and waits for its `listening on` line.
pub fn start_server(package: &str, args: &[&str]) -> ServerProcess {
    let mut command = lesson(package);
    command.args(["server", "--addr", "127.0.0.1:0"]).args(args);
    ServerProcess::start(command).unwrap_or_else(|err| panic!("{package} server: {err}"))
}

/// Waits up to [`LINE_TIMEOUT`] for `needle` in what the server wrote to stderr, and returns all
/// of it. Fails the test if the needle does not come.
pub fn wait_for_stderr(server: &mut ServerProcess, needle: &str) -> String {
    let deadline = Instant::now() + LINE_TIMEOUT;
    loop {
        let stderr = server.stderr();
        if stderr.contains(needle) {
            return stderr;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not write {needle:?} to stderr; it wrote {stderr:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An address where nothing listens: a port the OS just handed out and we gave back.
pub fn unused_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Whether python3 is there to run the Python peers in tests/peers/. Without it those tests are
/// skipped with a note, unless SOCKET_LAB_REQUIRE_PYTHON is set (CI sets it), where a missing
/// Python is a failure.
pub fn python_available() -> bool {
    let found = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        assert!(
            std::env::var_os("SOCKET_LAB_REQUIRE_PYTHON").is_none(),
            "these tests need python3"
        );
        eprintln!("python3 is not installed: the tests that run the Python peers are skipped");
    }
    found
}

/// Where `program` is on the PATH, if it is.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The tools that build the book, as a reader builds it, that are not on the PATH: mdBook and
/// its two preprocessors, each with the command that installs the version CI uses.
pub fn missing_book_tools() -> Vec<String> {
    let tools = [
        (
            "mdbook",
            "mdBook (cargo install mdbook --locked --version 0.5.4)",
        ),
        (
            "mdbook-mermaid",
            "mdbook-mermaid (cargo install mdbook-mermaid --locked --version 0.17.1)",
        ),
        (
            "mdbook-gettext",
            "mdbook-i18n-helpers (cargo install mdbook-i18n-helpers --locked --version 0.4.0)",
        ),
        (
            "mdbook-xgettext",
            "mdbook-i18n-helpers (cargo install mdbook-i18n-helpers --locked --version 0.4.0)",
        ),
    ];
    let mut missing: Vec<String> = tools
        .iter()
        .filter(|(program, _)| on_path(program).is_none())
        .map(|(_, install)| install.to_string())
        .collect();
    missing.dedup();
    missing
}

/// Whether a test that needs tools beyond Rust may go on, `missing` being what it lacks. With
/// nothing missing it may. Otherwise it is skipped with a note naming what to install, so that
/// `cargo test --workspace` passes on a machine with Rust alone, unless the environment variable
/// `require` is `1` (CI sets it), where a missing tool is a failure.
pub fn tools_present(missing: &[String], require: &str, skipped: &str) -> bool {
    if missing.is_empty() {
        return true;
    }
    let list = missing.join("; ");
    if std::env::var(require).as_deref() == Ok("1") {
        panic!("{require}=1, but {skipped} lacks: {list}");
    }
    eprintln!("note: {skipped} is skipped; it needs: {list}");
    false
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Replaces what legitimately changes between runs (ports, measured times and rates) with
/// placeholders, so that two runs of a demo compare equal when they tell the same story.
pub fn normalize(text: &str) -> String {
    static RULES: OnceLock<[(Regex, &str); 4]> = OnceLock::new();
    static ADDR: OnceLock<Regex> = OnceLock::new();
    let addr = ADDR.get_or_init(|| Regex::new(r"(127\.0\.0\.1|\[::1\]|localhost):(\d+)").unwrap());
    let rules = RULES.get_or_init(|| {
        [
            (r"\b\d+(\.\d+)?\s?(ns|µs|us|ms|s|min)\b", "TIME"),
            (r"\b\d+(\.\d+)?\s?([KMG]i?B/s|[kMG] md5/s)", "RATE"),
            (r"\b\d+(\.\d+)?x\b", "RATIOx"),
            // Lesson 8: the port of a passive data connection, in an EPSV reply.
            (r"\(\|\|\|\d+\|\)", "(|||PORT|)"),
        ]
        .map(|(pattern, replacement)| (Regex::new(pattern).unwrap(), replacement))
    });
    let text = text.replace("\r\n", "\n");
    // The article's port 8089 stays; an ephemeral port becomes PORT.
    let mut text = addr
        .replace_all(&text, |caps: &regex::Captures| match &caps[2] {
            "8089" => caps[0].to_string(),
            _ => format!("{}:PORT", &caps[1]),
        })
        .into_owned();
    for (pattern, replacement) in rules {
        text = pattern.replace_all(&text, *replacement).into_owned();
    }
    text
}

/// Checks that `actual` tells the same story as the output file the book shows, `book/src/output/NAME`.
///
/// Run with `BLESS=1` to write `actual` into the file instead, after a deliberate change to a demo;
/// then read the diff before committing it.
pub fn assert_matches_book(name: &str, actual: &str) {
    let path = workspace_root().join("book/src/output").join(name);
    if std::env::var_os("BLESS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = read(&path);
    let (expected, actual) = (normalize(&expected), normalize(actual));
    if expected != actual {
        panic!(
            "the output differs from {} (ports and times ignored).\n\
             If the change is deliberate, run the test again with BLESS=1.\n\
             {}",
            path.display(),
            first_difference(&expected, &actual)
        );
    }
}

/// What an output looks like with every number replaced by N, every size (`4.0 MiB`) by SIZE and
/// every run of spaces by one: how a transcript whose counts vary from run to run (the bytes a
/// partial write took, a benchmark's rates and sizes, its columns) is compared with the book's.
pub fn shape(text: &str) -> String {
    static RULES: OnceLock<[(Regex, &str); 3]> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (r"\d+(\.\d+)? (B|KiB|MiB|GiB|TiB)\b", "SIZE"),
            (r"\d+(\.\d+)?", "N"),
            (r"[ \t]+", " "),
        ]
        .map(|(pattern, replacement)| (Regex::new(pattern).unwrap(), replacement))
    });
    let mut text = normalize(text);
    for (pattern, replacement) in rules {
        text = pattern.replace_all(&text, *replacement).into_owned();
    }
    text
}

/// [`assert_shape_matches_book`] for a benchmark's table: which rows a noisy machine marks
/// (`socket_lab::bench::NOISY`), and whether a rate comes out in MB/s or GB/s, differ from run to
/// run, so the marks are left out of both sides and the units made one.
pub fn assert_bench_shape_matches_book(name: &str, actual: &str) {
    let unmarked = |text: &str| {
        text.replace(socket_lab::bench::NOISY, "")
            .replace("GB/s", "MB/s")
    };
    let path = workspace_root().join("book/src/output").join(name);
    assert_eq!(
        shape(&unmarked(&read(&path))),
        shape(&unmarked(actual)),
        "the benchmark's output differs in shape from {} (numbers and NOISY marks ignored); \
         the output:\n{actual}",
        path.display()
    );
}

/// Compares `actual` with `book/src/output/NAME` by their [`shape`]. With `BLESS=1` and `bless`,
/// writes `actual` into the file instead; outputs recorded by hand from a full-size run (the
/// benchmarks') pass `false`, so that a quick test run never replaces them.
pub fn assert_shape_matches_book(name: &str, actual: &str, bless: bool) {
    let path = workspace_root().join("book/src/output").join(name);
    if bless && std::env::var_os("BLESS").is_some() {
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = read(&path);
    assert_eq!(
        shape(&expected),
        shape(actual),
        "the output's shape differs from {} (numbers ignored); the output:\n{actual}",
        path.display()
    );
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| {
        panic!(
            "cannot read {}: {err}; run with BLESS=1 to create it",
            path.display()
        )
    })
}

fn first_difference(expected: &str, actual: &str) -> String {
    let mut expected_lines = expected.lines();
    let mut actual_lines = actual.lines();
    for number in 1.. {
        match (expected_lines.next(), actual_lines.next()) {
            (None, None) => break,
            (e, a) if e == a => continue,
            (e, a) => {
                return format!(
                    "first difference at line {number}:\n  book: {}\n  now:  {}",
                    e.unwrap_or("<end of output>"),
                    a.unwrap_or("<end of output>")
                );
            }
        }
    }
    "the texts differ only in their line endings".to_string()
}
