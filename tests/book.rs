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
