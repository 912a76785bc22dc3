//! The book shows the lessons' real files: every `{{#include}}` must find its file and its anchor.
//!
//! mdBook only logs a missing file, and renders a missing anchor as an empty listing without a word,
//! so these checks are the ones that keep a renamed anchor from silently emptying a chapter.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

use common::workspace_root;

/// One `{{#include ...}}` or `{{#rustdoc_include ...}}` found in a chapter.
struct Include {
    chapter: PathBuf,
    target: PathBuf,
    selector: Option<String>,
}

fn chapters() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "md") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&workspace_root().join("book/src"), &mut found);
    found.sort();
    found
}

fn includes() -> Vec<Include> {
    let mut found = Vec::new();
    for chapter in chapters() {
        let text = fs::read_to_string(&chapter).unwrap();
        let mut pieces = text.split("{{#");
        let mut previous = pieces.next().unwrap_or_default();
        for piece in pieces {
            // `\{{#include ...}}` is mdBook's way to show the directive without running it.
            let escaped = previous.ends_with('\\');
            previous = piece;
            if escaped {
                continue;
            }
            let Some(body) = piece.split("}}").next() else {
                continue;
            };
            let Some(spec) = body
                .strip_prefix("include ")
                .or_else(|| body.strip_prefix("rustdoc_include "))
            else {
                continue;
            };
            let (path, selector) = match spec.trim().split_once(':') {
                Some((path, selector)) => (path, Some(selector.to_string())),
                None => (spec.trim(), None),
            };
            found.push(Include {
                target: chapter.parent().unwrap().join(path),
                chapter: chapter.clone(),
                selector,
            });
        }
    }
    found
}

#[test]
fn every_include_finds_its_file_and_anchor() {
    let mut problems = Vec::new();
    let includes = includes();
    assert!(!includes.is_empty(), "the book includes no file at all");
    for include in &includes {
        let chapter = include
            .chapter
            .strip_prefix(workspace_root())
            .unwrap()
            .display();
        let Ok(text) = fs::read_to_string(&include.target) else {
            problems.push(format!("{chapter}: no file {}", include.target.display()));
            continue;
        };
        match &include.selector {
            None if text.contains("ANCHOR:") => problems.push(format!(
                "{chapter}: includes all of {}, whose ANCHOR lines would show; include an anchor",
                include.target.display()
            )),
            None => {}
            Some(selector)
                if selector
                    .split(':')
                    .all(|part| part.parse::<usize>().is_ok() || part.is_empty()) =>
            {
                let last = selector
                    .split(':')
                    .filter_map(|part| part.parse::<usize>().ok())
                    .max();
                if last.is_some_and(|last| last > text.lines().count()) {
                    problems.push(format!(
                        "{chapter}: {} has no line {selector}",
                        include.target.display()
                    ));
                }
            }
            Some(anchor) => {
                let has = |marker: &str| {
                    text.lines()
                        .any(|line| line.trim_end().ends_with(&format!("{marker}: {anchor}")))
                };
                if !has("ANCHOR") || !has("ANCHOR_END") {
                    problems.push(format!(
                        "{chapter}: {} has no anchor `{anchor}` (ANCHOR and ANCHOR_END)",
                        include.target.display()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_lesson_has_a_chapter_that_shows_its_code() {
    let included: Vec<String> = includes()
        .iter()
        .map(|include| include.target.display().to_string())
        .collect();
    for entry in fs::read_dir(workspace_root().join("lessons")).unwrap() {
        let lesson = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            included
                .iter()
                .any(|path| path.contains(&format!("lessons/{lesson}/"))),
            "no chapter of the book includes code from lessons/{lesson}"
        );
    }
}

#[test]
fn every_output_file_is_shown_somewhere() {
    let included: Vec<PathBuf> = includes()
        .iter()
        .filter_map(|include| fs::canonicalize(&include.target).ok())
        .collect();
    for entry in fs::read_dir(workspace_root().join("book/src/output")).unwrap() {
        let path = fs::canonicalize(entry.unwrap().path()).unwrap();
        assert!(
            included.contains(&path),
            "{} is shown in no chapter",
            path.display()
        );
    }
}

/// A figure in a chapter's prose, where the scan found it.
struct Figure {
    chapter: String,
    line: usize,
    text: String,
}

/// The chapters' prose: what a reader reads as sentences, with fenced code blocks, inline code,
/// `{{#include}}` directives, link targets and HTML tags taken out. Each item is (line number, text).
fn prose_lines(text: &str) -> Vec<(usize, String)> {
    static CODE_SPAN: OnceLock<Regex> = OnceLock::new();
    static LINK_TARGET: OnceLock<Regex> = OnceLock::new();
    static TAG: OnceLock<Regex> = OnceLock::new();
    let code_span = CODE_SPAN.get_or_init(|| Regex::new(r"`[^`]*`").unwrap());
    let link_target =
        LINK_TARGET.get_or_init(|| Regex::new(r"\]\([^)]*\)|<https?://[^>]*>").unwrap());
    let tag = TAG.get_or_init(|| Regex::new(r"</?[a-z][^>]*>").unwrap());
    let mut in_fence = false;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence || line.contains("{{#") {
            continue;
        }
        let line = code_span.replace_all(line, " ");
        let line = link_target.replace_all(&line, "]");
        let line = tag.replace_all(&line, " ");
        lines.push((index + 1, line.into_owned()));
    }
    lines
}

/// What counts as a figure: a number with a unit of time, size, rate or percentage, a count of
/// things (`823,158 guesses`, `200 clients`), `34 of 200`, a ratio (`0.96x`), a decimal, or a
/// number of millions. A bare number is not one: lesson, section and step numbers, ports, RFC and
/// PEP numbers, status codes, `listen(5)`.
fn figure_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        let number = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?";
        let time = r"ns|µs|us|ms|s|secs?|seconds?|milliseconds?|microseconds?|minutes?|min|hours?|days?";
        let size = r"B|bytes?|KiB|MiB|GiB|TiB|KB|kB|MB|GB|TB|bits?";
        let things = r"guess(?:es)?|passwords?|digests?|clients?|connections?|handshakes?|threads?|(?:system )?calls?|runs?|attempts?|times|lines?|cases?|sessions?|entries|entry|characters?|writes?|reads?|files?|processes|process|cores?|tries|rounds?|pieces?|frames?|users?|digits?|passes|pass|messages?|requests?|tests?|million|billion|thousand|percent";
        Regex::new(&format!(
            r"(?x)
            (?P<figure>
                (?:{number})\s?(?:-\s?)?(?:to|and|or)\s(?:{number})\s?(?:{time}|{size}|{things})(?:/s)?\b
              | (?:{number})\s?(?:of|out\ of)\s(?:the\s)?(?:{number})\b
              | (?:{number})(?:\s|-)?(?:[KMG]\s)?(?:{time}|{size}|{things}|md5|%)(?:/s)?(?:\b|$|[^\w])
              | (?:{number})x\b
              | \d+\.\d+
            )"
        ))
        .unwrap()
    })
}

/// Words that make the number after them a name rather than a figure: `lesson 5`, `section 4.2`.
const NAME_WORDS: &[&str] = &[
    "lesson", "lessons", "section", "sections", "step", "steps", "port", "rfc", "pep", "status",
    "python", "cpython", "version", "mdbook", "curl", "md-5", "socket2", "tokio", "since",
];

fn figures() -> Vec<Figure> {
    let root = workspace_root();
    let mut found = Vec::new();
    for chapter in chapters() {
        let name = chapter.strip_prefix(&root).unwrap().display().to_string();
        if name.ends_with("SUMMARY.md") {
            continue;
        }
        let text = fs::read_to_string(&chapter).unwrap();
        for (line, prose) in prose_lines(&text) {
            for caps in figure_pattern().captures_iter(&prose) {
                let m = caps.name("figure").unwrap();
                let before = prose[..m.start()].trim_end();
                let word = before
                    .rsplit(|c: char| c.is_whitespace() || c == '(')
                    .next()
                    .unwrap_or("")
                    .to_lowercase();
                if NAME_WORDS.contains(&word.as_str())
                    || prose[..m.start()].ends_with(|c: char| {
                        c.is_alphanumeric() || c == '.' || c == '-' || c == '_'
                    })
                {
                    continue;
                }
                found.push(Figure {
                    chapter: name.clone(),
                    line,
                    text: m
                        .as_str()
                        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '%')
                        .to_string(),
                });
            }
        }
    }
    found
}

#[test]
fn list_figures() {
    for f in figures() {
        println!("{}:{}: {}", f.chapter, f.line, f.text);
    }
}

/// The backlog run lesson 1 shows: `listen(5)` through lesson 1's own `listen`, no `accept`, and
/// clients connecting one after the other until one has to wait. On Linux the kernel completes
/// backlog + 1 handshakes (capped by net.core.somaxconn); the recorded output states the count,
/// so this test fails if the kernel ever behaves otherwise.
#[test]
fn backlog_run_lesson_1_shows() {
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut transcript = String::from("listen(5) on 127.0.0.1:PORT, and no accept()\n");
    let mut clients = Vec::new();
    for number in 1..=10 {
        // Long enough for a handshake on loopback, however busy the machine; a client that does
        // not get one waits for its kernel's retransmission, a second later.
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(stream) => {
                transcript +=
                    &format!("client {number}: handshake completed, connect() returned\n");
                clients.push(stream);
            }
            Err(err) => {
                transcript += &format!(
                    "client {number}: connect() still waiting after 300 ms ({:?})\n",
                    err.kind()
                );
                break;
            }
        }
    }
    listener.set_nonblocking(true).unwrap();
    let queued = std::iter::from_fn(|| listener.accept().ok()).count();
    transcript += &format!("accept() then found {queued} connections waiting in the queue\n");
    common::assert_matches_book("lesson1-backlog.txt", &transcript);
}

/// The run lesson 5 shows of the article's upload cut short: an upload to the article-style
/// server (tests/peers/article_server.py) announces 10000 bytes, sends 4000 and closes. The
/// server's loop never checks for an empty read, so it spins, and the file it opened under its
/// final name stays empty: what arrived waits in Python's file buffer.
#[test]
fn article_server_cut_upload_run_lesson_5_shows() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    struct Killed(Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    /// The CPU time the process has used so far, in clock ticks (user + system).
    fn cpu_ticks(pid: u32) -> u64 {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }

    if !common::python_available() {
        return;
    }
    let root = workspace_root();
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("alex")).unwrap();
    let mut server = Killed(
        Command::new("python3")
            .arg(root.join("tests/peers/article_server.py"))
            .arg(root.join("lessons/lesson4-login/users.json"))
            .arg("0")
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let pid = server.0.id();

    let mut transcript = String::new();
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(common::LINE_TIMEOUT)).unwrap();
    let mut ask = |message: &[u8]| {
        stream.write_all(message).unwrap();
        let mut reply = [0u8; 1024];
        let n = stream.read(&mut reply).unwrap();
        String::from_utf8_lossy(&reply[..n]).into_owned()
    };
    assert_eq!(ask(b"alex"), "200");
    assert_eq!(ask(b"abc123"), "200");
    let header =
        r#"{"action": "put", "filename": "cut.bin", "file_size": 10000, "ftp_user": "alex"}"#;
    transcript += &format!("client | {header}\n");
    transcript += &format!("server | {}\n", ask(header.as_bytes()));
    stream.write_all(&[b'x'; 4000]).unwrap();
    transcript += "client | 4000 bytes of the 10000, then closes the connection\n";
    let idle_from = cpu_ticks(pid);
    std::thread::sleep(Duration::from_millis(500));
    let idle = cpu_ticks(pid) - idle_from;
    drop(stream);
    let spin_from = cpu_ticks(pid);
    std::thread::sleep(Duration::from_millis(500));
    let spinning = cpu_ticks(pid) - spin_from;
    let cut = dir.path().join("alex/cut.bin");
    let size = fs::metadata(&cut).map(|meta| meta.len());
    transcript += &format!(
        "disk   | alex/cut.bin: {}\n",
        match size {
            Ok(size) => format!("{size} bytes"),
            Err(_) => "no such file".to_string(),
        }
    );
    // A blocked process uses no CPU; a loop around an empty recv uses whatever it is given.
    let busy = spinning >= idle + 3;
    transcript += &format!(
        "server | {}\n",
        if busy {
            "still in its receive loop: more CPU after the close than while it waited for data"
        } else {
            "used no more CPU after the close than before it"
        }
    );
    assert!(
        busy,
        "the server used {spinning} clock ticks in the half second after the close, {idle} before"
    );
    common::assert_matches_book("lesson5-article-cut.txt", &transcript);
}
