//! The book tells the truth about the kit.
//!
//! - It shows the lessons' real files: every `{{#include}}` must find its file and its anchor.
//!   mdBook only logs a missing file, and renders a missing anchor as an empty listing without a
//!   word, so these checks keep a renamed anchor from silently emptying a chapter.
//! - Every figure in its prose is backed: printed by a recorded run the chapter shows, set by the
//!   code, or quoted from a cited source ([`CITED`]).
//! - The runs some chapters quote that no demo makes (a backlog filled, Nagle's algorithm and
//!   message boundaries, the article's server with an upload cut short) are made here, and their
//!   output is compared with the recording on every run.

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
        let size = r"B|bytes?|KiB|MiB|GiB|TiB|KB|kB|MB|GB|TB|bits";
        let things = r"guess(?:es)?|passwords?|digests?|clients?|connections?|handshakes?|threads?|(?:system )?calls?|runs?|attempts?|times|lines?|cases?|sessions?|entries|entry|characters?|writes?|reads?|files?|processes|process|cores?|tries|rounds?|pieces?|users?|digits?|passes|pass|messages?|requests?|tests?|million|billion|thousand|percent";
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
    "python", "cpython", "rust", "version", "mdbook", "curl", "md-5", "socket2", "tokio", "since",
];

fn figures() -> Vec<Figure> {
    let root = workspace_root();
    let mut found = Vec::new();
    for chapter in chapters() {
        let name = chapter.strip_prefix(&root).unwrap().display().to_string();
        if !name.ends_with("SUMMARY.md") {
            found.extend(figures_in(&name, &fs::read_to_string(&chapter).unwrap()));
        }
    }
    found
}

/// Where the book plans rather than reports: a chapter's `**Time:**` paragraph (how long a student
/// should set aside, our estimate) and the maintainers' class plan. Their minutes are advice to a
/// reader, not the result of a run, and the text says so; every other figure is scanned.
const PLANS: &[&str] = &["**Time:**", "## Teaching a class"];

/// `text` with the lines of its plans (see [`PLANS`]) blanked, so that line numbers stay right:
/// a `**Time:**` paragraph ends at a blank line, a section at the next heading of its level.
fn without_plans(text: &str) -> String {
    let mut ends_at: Option<&str> = None;
    let mut kept = Vec::new();
    for line in text.lines() {
        if let Some(end) = ends_at {
            let ended = if end.is_empty() {
                line.trim().is_empty()
            } else {
                line.starts_with(end)
            };
            if ended {
                ends_at = None;
            }
        }
        if ends_at.is_none()
            && let Some(plan) = PLANS.iter().find(|plan| line.starts_with(**plan))
        {
            ends_at = Some(if plan.starts_with('#') { "## " } else { "" });
            kept.push("");
            continue;
        }
        kept.push(if ends_at.is_some() { "" } else { line });
    }
    kept.join("\n")
}

/// The figures in one chapter's prose.
fn figures_in(chapter: &str, text: &str) -> Vec<Figure> {
    let mut found = Vec::new();
    for (line, prose) in prose_lines(&without_plans(text)) {
        for caps in figure_pattern().captures_iter(&prose) {
            let m = caps.name("figure").unwrap();
            let before = &prose[..m.start()];
            let word = before
                .trim_end()
                .rsplit(|c: char| c.is_whitespace() || c == '(')
                .next()
                .unwrap_or("")
                .to_lowercase();
            // A dotted address or version (127.0.0.1, 0.5.4) is no figure, nor is a number
            // inside a word (`lesson7`, `md5`) or after a name (`lesson 5`, `RFC 9293`).
            let after = &prose[m.end()..];
            let dotted =
                after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit());
            let inside = before.ends_with(|c: char| c.is_alphanumeric() || ".-_".contains(c));
            if dotted || inside || NAME_WORDS.contains(&word.as_str()) {
                continue;
            }
            found.push(Figure {
                chapter: chapter.to_string(),
                line,
                text: m
                    .as_str()
                    .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '%')
                    .to_string(),
            });
        }
    }
    found
}

#[test]
fn plans_are_not_scanned_but_what_follows_them_is() {
    let text = "\
# Lesson 9

**Time:** about 15 minutes to read,
and 45 for the exercises.

It took 2.9 s.

## Teaching a class

A 90-minute session.

## Next

Then 500 ms.
";
    let found: Vec<(usize, String)> = figures_in("test.md", text)
        .into_iter()
        .map(|figure| (figure.line, figure.text))
        .collect();
    assert_eq!(
        found,
        [(6, "2.9 s".to_string()), (14, "500 ms".to_string())]
    );
}

#[test]
fn the_scan_finds_figures_and_only_figures() {
    let prose = "\
The guesses took 0.10 s, about 8 M md5/s in a release build; the process used 2.9 s of CPU.
34 of 200 clients waited. Peak memory was 4.0 MiB, then between 12 and 22 MiB; 1.26 MB sent;
a write timeout of 500 ms; md5 took 70 percent, the copy 20%; put ran at 0.96x; 823,158 guesses.
Lesson 5, section 4.2 of RFC 959, port 8089, status 200 or 503, listen(5), lesson7, md5, UTF-8.
Python 3.5 and mdBook 0.5.4 at 127.0.0.1:8089. Code is skipped: `read(&mut buf[..1024])`.
```text
client | sent 4096 bytes in 12 ms
```
";
    let found: Vec<String> = figures_in("test.md", prose)
        .into_iter()
        .map(|figure| figure.text)
        .collect();
    assert_eq!(
        found,
        [
            "0.10 s",
            "8 M md5/s",
            "2.9 s",
            "34 of 200",
            "4.0 MiB",
            "12 and 22 MiB",
            "1.26 MB",
            "500 ms",
            "70 percent",
            "20%",
            "0.96x",
            "823,158 guesses",
        ]
    );
}

/// Figures quoted from a source outside the kit's runs, each with the source that states it. The
/// scan accepts these in any chapter. Keep it short: a figure the kit measures belongs in a
/// recorded output, and a figure the kit sets is found in its code.
const CITED: &[(&str, &str)] = &[
    (
        "19 MiB",
        "argon2's default cost, m=19456 KiB (argon2 0.5, Params::DEFAULT_M_COST, OWASP's \
         recommendation), written into every hash of lessons/lesson7-ftp/users.json",
    ),
    (
        "2 passes",
        "argon2's default cost, t=2 (argon2 0.5, Params::DEFAULT_T_COST), in the same hashes",
    ),
    (
        "16 bits",
        "the size of TCP's checksum field, RFC 9293 section 3.1, cited where it is used",
    ),
    (
        "4 MiB",
        "Linux's default ceiling for a TCP send buffer, net.ipv4.tcp_wmem's max of 4194304 \
         (tcp(7)); also lesson 7's MAX_REPLY",
    ),
    (
        "8 KiB",
        "the capacity of std's BufWriter::new, \"currently 8 KiB\" (std::io::BufWriter docs)",
    ),
    (
        "4 GiB",
        "the most a 4-byte length can announce: 2^32 - 1 bytes",
    ),
    (
        "128 bytes",
        "tokio 1.54's alignment of a task (Cell, src/runtime/task/core.rs) and of a socket's \
         registration (ScheduledIo, src/runtime/io/scheduled_io.rs) on x86_64: repr(align(128))",
    ),
    (
        "2-core",
        "the kit's test machine, where the recorded runs were made: nproc prints 2",
    ),
    (
        "2 characters",
        "你好 in UTF-8, lesson 2's table: 2 characters",
    ),
    ("6 bytes", "你好 in UTF-8, lesson 2's table: 3 bytes each"),
];

/// Where the scan looks for the kit's own parameters (a test's 100,000 bytes, a 300 ms pause, the
/// protocol's 16384-byte frames): the code of the chapter's lesson, the test suite and src/.
fn code_for(chapter: &str) -> String {
    fn walk(dir: &Path, text: &mut String) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy();
            if path.is_dir() {
                if !matches!(name.as_ref(), "target" | "ftp-root" | "homes" | ".git") {
                    walk(&path, text);
                }
            } else if ["rs", "py", "json", "toml"]
                .iter()
                .any(|ext| path.extension().is_some_and(|e| e == *ext))
            {
                *text += &fs::read_to_string(&path).unwrap_or_default();
            }
        }
    }
    let root = workspace_root();
    let mut text = String::new();
    let lesson = chapter
        .rsplit('/')
        .next()
        .unwrap()
        .split('-')
        .next()
        .unwrap();
    if !lesson.starts_with("lesson") {
        // The introduction and the maintainers' chapter speak of the whole kit.
        for dir in ["src", "tests", "lessons"] {
            walk(&root.join(dir), &mut text);
        }
        return text;
    }
    // A lesson's chapter: the lessons (a lesson borrows the code of earlier ones), the lesson's
    // tests and peers, the article's peers, the checker that runs the exercises and its harness.
    walk(&root.join("lessons"), &mut text);
    for dir in [root.join("tests"), root.join("tests/peers")] {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let this_lesson = name.starts_with(lesson)
                && !name[lesson.len()..].starts_with(|c: char| c.is_ascii_digit());
            if !(this_lesson || name.starts_with("article_") || name == "checker.rs") {
                continue;
            }
            if path.is_dir() {
                walk(&path, &mut text);
            } else {
                text += &fs::read_to_string(&path).unwrap_or_default();
            }
        }
    }
    walk(&root.join("src/lab"), &mut text);
    // The harness every exercise's tests talk through: its paces and timeouts are what a chapter's
    // Exercises section describes.
    text += &fs::read_to_string(root.join("src/exercise.rs")).unwrap_or_default();
    text
}

/// The values the code states: integer literals (`100_000`), products (`16 * 1024`), shifts
/// (`10 << 20`), and
/// times, in milliseconds, from `from_secs(N)`, `from_millis(N)` and clap's defaults for options
/// of seconds.
struct CodeValues {
    text: String,
    numbers: std::collections::HashSet<u64>,
    millis: std::collections::HashSet<u64>,
}

fn code_values(code: &str) -> CodeValues {
    // A literal may carry a type: `60_000u32`.
    let product =
        Regex::new(r"\b\d[\d_]*(?:[ui](?:8|16|32|64|size))?(?:\s*\*\s*\d[\d_]*)*\b").unwrap();
    let secs = Regex::new(r#"from_secs(?:_f64)?\(\s*(\d[\d_]*)"#).unwrap();
    // clap's default for an option of seconds: `value_name = "SECS", default_value = "300"`.
    let default_secs = Regex::new(r#"(?i)secs.*default_value = "(\d+)""#).unwrap();
    let millis = Regex::new(r"from_millis\(\s*(\d[\d_]*)").unwrap();
    let value = |text: &str| -> Option<u64> {
        text.split('*')
            .map(|factor| {
                let digits = factor.trim().replace('_', "");
                let digits = digits.split(['u', 'i']).next().unwrap_or_default();
                digits.parse::<u64>().ok()
            })
            .try_fold(1u64, |acc, factor| acc.checked_mul(factor?))
    };
    let mut numbers = std::collections::HashSet::new();
    for found in product.find_iter(code) {
        numbers.extend(value(found.as_str()));
        for factor in found.as_str().split('*') {
            numbers.extend(value(factor));
        }
    }
    let shift = Regex::new(r"\b(\d[\d_]*)\s*<<\s*(\d+)").unwrap();
    for caps in shift.captures_iter(code) {
        if let (Some(n), Ok(bits)) = (value(&caps[1]), caps[2].parse::<u32>()) {
            numbers.extend(n.checked_mul(1u64.checked_shl(bits).unwrap_or(0)));
        }
    }
    let mut times = std::collections::HashSet::new();
    for caps in secs.captures_iter(code) {
        times.extend(value(&caps[1]).map(|n| n * 1000));
    }
    for caps in default_secs.captures_iter(code) {
        times.extend(value(&caps[1]).map(|n| n * 1000));
    }
    for caps in millis.captures_iter(code) {
        times.extend(value(&caps[1]));
    }
    CodeValues {
        text: code.to_string(),
        numbers,
        millis: times,
    }
}

/// The numbers of a figure, and its unit: `1024 and 904 bytes` is ([1024, 904], "bytes").
fn parse_figure(text: &str) -> (Vec<String>, String) {
    let number = Regex::new(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?").unwrap();
    let numbers: Vec<String> = number
        .find_iter(text)
        .map(|m| m.as_str().replace(',', ""))
        .collect();
    let last = number.find_iter(text).last().unwrap();
    let unit = text[last.end()..]
        .trim_start_matches(['-', ' '])
        .to_lowercase();
    (numbers, unit)
}

/// Units that name the same thing: what a chapter writes and what an output prints.
fn unit_spellings(unit: &str) -> Vec<String> {
    let unit = unit.trim();
    let same: &[&[&str]] = &[
        &["s", "sec", "secs", "second", "seconds"],
        &["ms", "millisecond", "milliseconds"],
        &["min", "minute", "minutes"],
        &["b", "byte", "bytes"],
        &["guesses", "guess", "passwords", "tries"],
    ];
    for group in same {
        if group.contains(&unit) {
            return group.iter().map(|u| u.to_string()).collect();
        }
    }
    let singular = unit.strip_suffix('s').unwrap_or(unit);
    vec![
        unit.to_string(),
        singular.to_string(),
        format!("{singular}s"),
    ]
}

/// Whether a recorded output prints the figure: each of its numbers, followed by its unit (in any
/// spelling), or alone when it is a number of 4 digits or more, or a decimal.
fn printed_in(output: &str, figure: &str) -> bool {
    let (numbers, unit) = parse_figure(figure);
    let output = output.replace(',', "").to_lowercase();
    let spellings = unit_spellings(&unit);
    numbers.iter().all(|number| {
        let specific = number.contains('.') || number.len() >= 4;
        let at = Regex::new(&format!(
            r"(?:^|[^\d.])(?P<n>{})(?:[^\d.]|$|\.[^\d])",
            regex::escape(number)
        ))
        .unwrap();
        at.captures_iter(&output).any(|caps| {
            let after = output[caps.name("n").unwrap().end()..]
                .trim_start_matches([' ', '-', ']', ')'])
                .trim_start_matches(['x', '%']);
            specific
                || unit.is_empty()
                || spellings.iter().any(|u| {
                    after.starts_with(u.as_str())
                        && !after[u.len()..].starts_with(|c: char| c.is_alphanumeric())
                })
        })
    })
}

/// Whether the code sets the figure: a time the code waits, a size or a count it uses.
fn set_in_code(values: &CodeValues, figure: &str) -> bool {
    let (numbers, unit) = parse_figure(figure);
    // Percentages, decimals and how many times something happened are results, never settings.
    if figure.contains('%')
        || ["percent", "times"].contains(&unit.as_str())
        || numbers.iter().any(|n| n.contains('.'))
    {
        return false;
    }
    let unit = unit.split_whitespace().next().unwrap_or("").to_string();
    numbers.iter().all(|number| {
        let n: u64 = number.parse().unwrap();
        let millis = match unit.as_str() {
            "ms" | "millisecond" | "milliseconds" => Some(n),
            "s" | "sec" | "secs" | "second" | "seconds" => Some(n * 1000),
            "minute" | "minutes" | "min" => Some(n * 60_000),
            _ => None,
        };
        if let Some(millis) = millis {
            return values.millis.contains(&millis);
        }
        let (scale, spelled) = match unit.as_str() {
            "kib" => (1 << 10, "KiB"),
            "mib" => (1 << 20, "MiB"),
            "gib" => (1 << 30, "GiB"),
            _ => (1, ""),
        };
        // A size is in the code as its number of bytes, or spelled as a size (`"64KiB"`).
        values.numbers.contains(&(n * scale))
            || (scale > 1
                && (values.text.contains(&format!("{n}{spelled}"))
                    || values.text.contains(&format!("{n} {spelled}"))
                    || values.text.contains(&format!("\"--{unit}\", \"{n}\""))))
    })
}

/// Every figure in the book's prose comes from a recorded run, from the code that sets it, or
/// from a cited source (LESSON-PLAN.md, "The book"; issue 9, "Numbers").
#[test]
fn every_figure_in_the_prose_is_backed() {
    let outputs: Vec<(String, String)> = fs::read_dir(workspace_root().join("book/src/output"))
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    // A chapter's figure must be printed by a run that chapter shows.
    let mut shown_outputs: std::collections::HashMap<String, Vec<String>> = Default::default();
    for include in includes() {
        let chapter = include
            .chapter
            .strip_prefix(workspace_root())
            .unwrap()
            .display()
            .to_string();
        let target = include
            .target
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        shown_outputs.entry(chapter).or_default().push(target);
    }
    for chapter in chapters() {
        let chapter = chapter
            .strip_prefix(workspace_root())
            .unwrap()
            .display()
            .to_string();
        shown_outputs.entry(chapter).or_default();
    }
    let mut code_cache: std::collections::HashMap<String, CodeValues> = Default::default();
    let mut unbacked = Vec::new();
    let figures = figures();
    assert!(
        !figures.is_empty(),
        "the scan found no figure at all: is the pattern broken?"
    );
    for figure in &figures {
        let place = format!("{}:{}: \"{}\"", figure.chapter, figure.line, figure.text);
        if CITED
            .iter()
            .any(|(cited, _)| figure.text.eq_ignore_ascii_case(cited))
        {
            println!("{place}: cited");
            continue;
        }
        let shown = &shown_outputs[&figure.chapter];
        if let Some((name, _)) = outputs
            .iter()
            .filter(|(name, _)| shown.contains(name))
            .find(|(_, output)| printed_in(output, &figure.text))
        {
            println!("{place}: printed in {name}");
            continue;
        }
        let values = code_cache
            .entry(figure.chapter.clone())
            .or_insert_with(|| code_values(&code_for(&figure.chapter)));
        if set_in_code(values, &figure.text) {
            println!("{place}: set in the code");
            continue;
        }
        unbacked.push(format!(
            "{}:{}: \"{}\"",
            figure.chapter, figure.line, figure.text
        ));
    }
    assert!(
        unbacked.is_empty(),
        "figures in the book's prose that nothing backs:\n  {}\n\
         Each figure must be printed by a recorded run in book/src/output/ that the same \
         chapter includes (record one: a demo line, or a test that writes its output with BLESS=1 \
         and compares it), be a value the \
         lesson's code sets, or be quoted from a source the chapter cites (add it to CITED in \
         tests/book.rs with that source). Otherwise remove it.",
        unbacked.join("\n  ")
    );
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

/// The article-style server of tests/peers/ (the article's section 三 on the wire), running in
/// `dir`, killed when dropped. Its stderr, where socketserver prints tracebacks, is collected.
struct ArticleServer {
    child: std::process::Child,
    addr: String,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl ArticleServer {
    fn start(dir: &Path) -> ArticleServer {
        use std::io::{BufRead, BufReader, Read};
        use std::process::{Command, Stdio};

        let root = workspace_root();
        let mut child = Command::new("python3")
            .arg(root.join("tests/peers/article_server.py"))
            .arg(root.join("lessons/lesson4-login/users.json"))
            .arg("0")
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the article-style server printed {first:?}"))
            .to_string();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let collected = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                collected
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        ArticleServer {
            child,
            addr,
            stderr,
        }
    }

    /// The CPU time the server has used so far, in clock ticks (user + system).
    fn cpu_ticks(&self) -> u64 {
        let stat = fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
    }
}

impl Drop for ArticleServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The run lesson 5 shows of the article's upload cut short: an upload to the article-style
/// server (tests/peers/article_server.py) announces 10000 bytes, sends 4000 and closes. The
/// server's loop never checks for an empty read, so it spins, and the file it opened under its
/// final name stays empty: what arrived waits in Python's file buffer.
#[test]
fn article_server_cut_upload_run_lesson_5_shows() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    if !common::python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("alex")).unwrap();
    let server = ArticleServer::start(dir.path());
    let addr = server.addr.clone();

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
    let idle_from = server.cpu_ticks();
    std::thread::sleep(Duration::from_millis(500));
    let idle = server.cpu_ticks() - idle_from;
    drop(stream);
    let spin_from = server.cpu_ticks();
    std::thread::sleep(Duration::from_millis(500));
    let spinning = server.cpu_ticks() - spin_from;
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

#[test]
fn a_figure_is_traced_only_to_the_same_figure() {
    let bench = "peak memory (VmHWM) at the end: 11.8 MiB\nput / plain 0.96x\n";
    assert!(printed_in(bench, "11.8 MiB"));
    assert!(printed_in(bench, "0.96"));
    assert!(!printed_in(bench, "12 and 22 MiB"));
    assert!(!printed_in(bench, "1.8 MiB"));
    let demo = "tried 823158 passwords\nbegan reading after 300 ms\nreturned 6144\n";
    assert!(printed_in(demo, "823,158 guesses"));
    assert!(printed_in(demo, "300 ms"));
    assert!(!printed_in(demo, "300 s"));
    assert!(!printed_in(demo, "30 ms"));
    let code = code_values(
        "const HOLD: Duration = Duration::from_secs(1);\nconst MAX: u32 = 16 * 1024;\n\
         let pause = Duration::from_millis(300); let big = 10 << 20; let n = 100_000;\n\
         let label = \"2\"; let three = \"3\";\n\
         #[arg(long, value_name = \"SECS\", default_value = \"30\", value_parser = seconds)]",
    );
    for set in [
        "1 second",
        "300 ms",
        "16384 bytes",
        "16 KiB",
        "10 MiB",
        "100,000 bytes",
    ] {
        assert!(set_in_code(&code, set), "{set} is set in the code");
    }
    for unset in [
        "2 s",
        "3 s",
        "300 s",
        "0.10 s",
        "20 percent",
        "12 and 22 MiB",
        "34 of 200",
    ] {
        assert!(!set_in_code(&code, unset), "{unset} is not set in the code");
    }
}

/// The run lesson 5 quotes on TCP_NODELAY: `write(b"hello")`, `write(b"world")`, a reader that
/// reads 1024 bytes 50 ms later, twenty times each way. Nagle's algorithm decides when bytes leave,
/// not where a message ends: the two words come back as one read either way.
#[test]
fn nodelay_run_lesson_5_shows() {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    const ATTEMPTS: usize = 20;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut transcript = String::new();
    for nodelay in [false, true] {
        let mut together = 0;
        for _ in 0..ATTEMPTS {
            let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (mut server, _) = listener.accept().unwrap();
            client.set_nodelay(nodelay).unwrap();
            client.write_all(b"hello").unwrap();
            client.write_all(b"world").unwrap();
            std::thread::sleep(Duration::from_millis(50));
            server.set_read_timeout(Some(common::LINE_TIMEOUT)).unwrap();
            let mut buf = [0u8; 1024];
            let n = server.read(&mut buf).unwrap();
            together += usize::from(&buf[..n] == b"helloworld");
        }
        transcript += &format!(
            "TCP_NODELAY {}: {together} of {ATTEMPTS} reads returned b\"helloworld\" in one piece\n",
            if nodelay { "on " } else { "off" }
        );
    }
    common::assert_matches_book("lesson5-nodelay.txt", &transcript);
}

/// Words a student reads a minute in a chapter of technical prose and code, for the estimate of
/// each chapter's reading time.
const WORDS_PER_MINUTE: usize = 130;

/// The `**Time:**` paragraph near the top of a chapter: its first line number, and its text.
fn time_line(text: &str) -> Option<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .take(10)
        .position(|line| line.starts_with("**Time:**"))?;
    let paragraph: Vec<&str> = lines[start..]
        .iter()
        .take_while(|line| !line.trim().is_empty())
        .copied()
        .collect();
    Some((start + 1, paragraph.join(" ")))
}

/// Every lesson's chapter says near its top how long it takes: reading, the demo and terminals,
/// the exercises, and their sum. The reading time is the chapter's words at WORDS_PER_MINUTE,
/// to the nearest 5 minutes give or take 5, so that a chapter that grows says so.
#[test]
fn every_lesson_chapter_says_how_long_it_takes() {
    let minutes = Regex::new(
        r"about (\d+) minutes to read[^,]*, (?:and )?(\d+) to run [^:]*?(?:, and (\d+) for [^:]*)?: about (\d+) minutes",
    )
    .unwrap();
    let mut wrong = Vec::new();
    for chapter in chapters() {
        let name = chapter.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("lesson") {
            continue;
        }
        let text = fs::read_to_string(&chapter).unwrap();
        let Some((_, time)) = time_line(&text) else {
            wrong.push(format!("{name}: no **Time:** line in its first 10 lines"));
            continue;
        };
        let Some(caps) = minutes.captures(&time) else {
            wrong.push(format!(
                "{name}: the time line does not read \"about R minutes to read, D to run ..., \
                 and E for ...: about T minutes\": {time}"
            ));
            continue;
        };
        // A lesson without exercises (lesson 8) says so and has no minutes for them.
        let [read, run, exercises, total] = [1, 2, 3, 4].map(|i| {
            caps.get(i)
                .map_or(0, |minutes| minutes.as_str().parse::<usize>().unwrap())
        });
        let words = text.split_whitespace().count();
        let expected = (words + WORDS_PER_MINUTE * 5 / 2) / (WORDS_PER_MINUTE * 5) * 5;
        // Within one step of 5 minutes: a few paragraphs more need no new estimate.
        if read.abs_diff(expected) > 5 {
            wrong.push(format!(
                "{name}: {words} words read in about {expected} minutes, not {read}"
            ));
        }
        if read + run + exercises != total {
            wrong.push(format!(
                "{name}: {read} + {run} + {exercises} minutes is not {total}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The run lesson 7 quotes on a killed sender: a process's sockets are closed when it dies, and a
/// close with unread bytes waiting resets the connection (RFC 1122, 4.2.2.13), dropping what was
/// still queued to send; a close with nothing unread delivers everything. Dropping the socket here
/// is what the kernel does to a dying process's sockets.
#[test]
fn closing_with_unread_bytes_run_lesson_7_shows() {
    use std::io::{ErrorKind, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut transcript = String::new();
    for reads_first in [true, false] {
        let mut sender = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut receiver, _) = listener.accept().unwrap();
        receiver.write_all(b"0123456789").unwrap();
        std::thread::sleep(Duration::from_millis(100));
        if reads_first {
            let mut ten = [0u8; 10];
            sender.read_exact(&mut ten).unwrap();
        }
        // The sender fills its buffers with a file, then dies.
        sender.set_nonblocking(true).unwrap();
        let chunk = vec![b'x'; 65536];
        let mut accepted = 0;
        loop {
            match sender.write(&chunk) {
                Ok(n) => accepted += n,
                Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                Err(err) => panic!("step 1. the sender's write failed: {err}"),
            }
        }
        drop(sender);
        std::thread::sleep(Duration::from_millis(100));
        receiver
            .set_read_timeout(Some(common::LINE_TIMEOUT))
            .unwrap();
        let mut received = 0;
        let mut buf = vec![0u8; 65536];
        let end = loop {
            match receiver.read(&mut buf) {
                Ok(0) => break "the end of the stream".to_string(),
                Ok(n) => received += n,
                Err(err) => break format!("an error, {:?}", err.kind()),
            }
        };
        transcript += &format!(
            "sender {} the 10 bytes sent to it, filled its buffers with a file, and closed\n",
            if reads_first { "read" } else { "left unread" },
        );
        transcript += &format!(
            "receiver got {} of what the sender's kernel had accepted, then {end}\n",
            if received == accepted {
                "all".to_string()
            } else if received < accepted {
                "only part".to_string()
            } else {
                format!("more ({received} > {accepted})")
            }
        );
    }
    common::assert_matches_book("lesson7-close-unread.txt", &transcript);
}

/// The run lesson 1 shows of the article's login loop, which never checks for an empty read: a
/// client that closes at the login prompt gets the server's refusal sent to a closed socket, and
/// the handler dies with an error; a client that only shuts down its sending side gets refusals
/// until its buffers are full, and the server's thread then waits in `sendall` for ever.
#[test]
fn article_server_login_loop_run_lesson_1_shows() {
    use std::io::Read;
    use std::net::{Shutdown, TcpStream};
    use std::time::{Duration, Instant};

    if !common::python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = ArticleServer::start(dir.path());
    let mut transcript = String::new();

    drop(TcpStream::connect(&server.addr).unwrap());
    transcript += "client 1 | connects and closes at the login prompt\n";
    let deadline = Instant::now() + common::LINE_TIMEOUT;
    loop {
        let stderr = server.stderr.lock().unwrap().clone();
        if stderr.contains("BrokenPipeError") || stderr.contains("ConnectionResetError") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "step 1. no traceback from the server after client 1 closed: {stderr:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Which of the two errors comes first depends on timing; both say the connection is gone.
    transcript += "server   | refused the empty user name; writing to a closed connection, the\n";
    transcript +=
        "         | handler died with a traceback (BrokenPipeError or ConnectionResetError)\n";

    let mut client = TcpStream::connect(&server.addr).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    transcript += "client 2 | connects, shuts down its sending side, reads nothing\n";
    // The server spins until the buffers between the two are full, then blocks: wait for a
    // quarter second in which it uses no CPU at all.
    let started = server.cpu_ticks();
    let deadline = Instant::now() + common::LINE_TIMEOUT;
    loop {
        let before = server.cpu_ticks();
        std::thread::sleep(Duration::from_millis(250));
        if server.cpu_ticks() == before {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "step 2. the server kept using CPU after client 2 shut down its side"
        );
    }
    let spent = server.cpu_ticks() - started;
    client.set_nonblocking(true).unwrap();
    let mut waiting = Vec::new();
    let mut buf = [0u8; 65536];
    while let Ok(n @ 1..) = client.read(&mut buf) {
        waiting.extend_from_slice(&buf[..n]);
    }
    let refusal = "没有这个用户".as_bytes();
    let refusals = waiting
        .windows(refusal.len())
        .filter(|window| *window == refusal)
        .count();
    assert!(spent > 0, "step 3. the server never used CPU for client 2");
    transcript +=
        "server   | refused the empty user name again and again, using CPU, then stopped:\n";
    transcript += "         | its sendall waits for room that never comes\n";
    transcript += &format!(
        "client 2 | finds {} refusals waiting in its receive buffer\n",
        if refusals > 100 {
            "hundreds of"
        } else {
            "a few"
        }
    );
    assert!(
        server.stderr.lock().unwrap().matches("Traceback").count() == 1,
        "step 4. client 2's handler should still be alive, waiting in sendall"
    );
    common::assert_matches_book("lesson1-article-login.txt", &transcript);
}
