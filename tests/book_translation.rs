//! The Chinese edition (简体中文) keeps up with the English book.
//!
//! The Chinese edition is not a second copy of the chapters: it is the English book with each
//! message (a paragraph, a list item, a table cell, a heading, a diagram, a comment of a listing)
//! swapped for its translation from `book/po/zh-CN.po` while the book is built (mdbook-gettext).
//! A message without a translation, or with one gettext marked fuzzy because the English changed
//! under it, is shown in English: the edition would drift back into English without a word.
//! So, as for the figures of the English prose (tests/book.rs), a test keeps it honest:
//!
//! - every message the English book has today has a translation that is not fuzzy, and the
//!   catalogue holds no message the English no longer has (it was merged after the last change);
//! - no figure changes in translation: every number of a message appears in its translation.
//!
//! The first check extracts the messages from the English book with mdbook-xgettext, as a
//! maintainer does (see "The Chinese edition" in maintainers.md). Without mdBook or
//! mdbook-i18n-helpers it says what is missing and passes, so that `cargo test --workspace` works
//! on a machine with Rust alone; CI sets `SOCKET_LAB_REQUIRE_BOOK_TOOLS=1`, which turns the
//! missing tool into a failure. The second check needs only the catalogue.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{missing_book_tools, tools_present};
use polib::catalog::Catalog;
use regex::Regex;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn catalogue_path() -> PathBuf {
    Path::new(ROOT).join("book/po/zh-CN.po")
}

/// The command that brings the catalogue up to date, shown whenever the test fails.
const UPDATE: &str = "MDBOOK_OUTPUT='{\"xgettext\": {\"pot-file\": \"messages.pot\", \"granularity\": 0}}' \
mdbook build book -d /tmp/socket-lab-pot && msgmerge --update --backup=off \
book/po/zh-CN.po /tmp/socket-lab-pot/messages.pot";

/// One message of the English book that the catalogue does not translate, and why.
#[derive(Debug, PartialEq)]
struct Gap {
    /// The chapter(s) it comes from, as gettext records them (`src/lesson5-upload.md`).
    source: String,
    msgid: String,
    why: &'static str,
}

/// What the catalogue lacks for the messages of `template`, and the messages it holds that the
/// template no longer has (translations of text that was changed or removed).
fn gaps(template: &Catalog, catalogue: &Catalog) -> (Vec<Gap>, Vec<String>) {
    let translations: HashMap<&str, (&str, bool)> = catalogue
        .messages()
        .map(|m| (m.msgid(), (m.msgstr().unwrap_or(""), m.is_fuzzy())))
        .collect();
    let mut missing = Vec::new();
    for message in template.messages() {
        let why = match translations.get(message.msgid()) {
            None => "not in zh-CN.po: new or changed English",
            Some((_, true)) => "fuzzy: the English changed under this translation",
            Some(("", false)) => "not translated",
            Some(_) => continue,
        };
        missing.push(Gap {
            source: message.source().to_string(),
            msgid: message.msgid().to_string(),
            why,
        });
    }
    let current: std::collections::HashSet<&str> = template.messages().map(|m| m.msgid()).collect();
    let stale = catalogue
        .messages()
        .map(|m| m.msgid())
        .filter(|id| !id.is_empty() && !current.contains(id))
        .map(str::to_string)
        .collect();
    (missing, stale)
}

/// The numbers a text states (`1024`, `1.86`, `3,919,467`), each with how often it occurs.
/// Mermaid's character codes (`#59;` for a semicolon inside a label) are not figures.
fn figures(text: &str) -> BTreeMap<String, usize> {
    let code = Regex::new(r"#\d+;").unwrap();
    let number = Regex::new(r"\d+(?:[.,]\d+)*").unwrap();
    let mut found = BTreeMap::new();
    for m in number.find_iter(&code.replace_all(text, "")) {
        *found.entry(m.as_str().to_string()).or_insert(0) += 1;
    }
    found
}

/// The figures of `msgid` that its translation lost or changed. A translation may add a digit
/// (a "zero" written as 0), never drop one.
fn lost_figures(msgid: &str, msgstr: &str) -> Vec<String> {
    let kept = figures(msgstr);
    figures(msgid)
        .into_iter()
        .filter(|(figure, count)| kept.get(figure).copied().unwrap_or(0) < *count)
        .map(|(figure, _)| figure)
        .collect()
}

fn short(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(100) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line,
    }
}

#[test]
fn every_message_of_the_english_book_is_translated() {
    let checks = "the Chinese edition's completeness check";
    if !tools_present(
        &missing_book_tools(),
        "SOCKET_LAB_REQUIRE_BOOK_TOOLS",
        checks,
    ) {
        return;
    }

    // 1. The messages of the English book as it is now.
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let extract = Command::new("mdbook")
        .args(["build", "book", "-d"])
        .arg(scratch.path())
        .env(
            "MDBOOK_OUTPUT",
            r#"{"xgettext": {"pot-file": "messages.pot", "granularity": 0}}"#,
        )
        .current_dir(ROOT)
        .output()
        .expect("run mdbook");
    let template_path = scratch.path().join("messages.pot");
    assert!(
        extract.status.success() && template_path.is_file(),
        "step 1 failed: extracting the English book's messages with mdbook-xgettext\n{}",
        String::from_utf8_lossy(&extract.stderr)
    );
    let template = polib::po_file::parse(&template_path).expect("step 1: read messages.pot");

    // 2. Each of them translated in the catalogue, and nothing left over.
    let catalogue = polib::po_file::parse(&catalogue_path()).expect("step 2: read zh-CN.po");
    let (missing, stale) = gaps(&template, &catalogue);
    let mut report = String::new();
    for gap in missing.iter().take(15) {
        report += &format!("  [{}] {}: {}\n", gap.why, gap.source, short(&gap.msgid));
    }
    for msgid in stale.iter().take(5) {
        report += &format!("  [no longer in the English book] {}\n", short(msgid));
    }
    assert!(
        missing.is_empty() && stale.is_empty(),
        "step 2 failed: the Chinese edition is behind the English book: {} of {} messages have \
         no Chinese translation, and zh-CN.po holds {} that the English no longer has:\n{report}\n\
         Bring the catalogue up to date ({UPDATE}), then translate every empty or fuzzy message \
         and remove the fuzzy marks, in the same commit as the English change.",
        missing.len(),
        template.count(),
        stale.len(),
    );
}

#[test]
fn no_figure_changes_in_translation() {
    let catalogue = polib::po_file::parse(&catalogue_path()).expect("read book/po/zh-CN.po");
    let mut problems = Vec::new();
    for message in catalogue.messages() {
        let msgstr = message.msgstr().unwrap_or("");
        if msgstr.is_empty() {
            continue; // the completeness test reports it
        }
        let lost = lost_figures(message.msgid(), msgstr);
        if !lost.is_empty() {
            problems.push(format!(
                "  {} lost {}: {}",
                message.source(),
                lost.join(", "),
                short(message.msgid())
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} translations lost or changed a figure of the English (every figure is backed by a \
         recorded run or a source; the Chinese must state the same ones):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The checks themselves, on small catalogues with planted faults.
mod the_checks {
    use super::*;

    fn catalogue(text: &str) -> Catalog {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.po");
        // The fields polib insists on, as msginit writes them.
        let header = [
            "Project-Id-Version: test",
            "POT-Creation-Date: 2026-12-01",
            "PO-Revision-Date: 2026-12-01",
            "Language-Team: none",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: 8bit",
            "Language: zh_CN",
            "Plural-Forms: nplurals=1; plural=0;",
        ]
        .map(|field| format!("\"{field}\\n\"\n"))
        .concat();
        let header = format!("msgid \"\"\nmsgstr \"\"\n{header}\n");
        std::fs::write(&path, format!("{header}{text}")).unwrap();
        polib::po_file::parse(&path).unwrap()
    }

    #[test]
    fn untranslated_fuzzy_new_and_stale_messages_are_all_found() {
        let template = catalogue(
            "#: src/a.md\nmsgid \"Done\"\nmsgstr \"\"\n\n\
             #: src/a.md\nmsgid \"Empty\"\nmsgstr \"\"\n\n\
             #: src/b.md\nmsgid \"Changed\"\nmsgstr \"\"\n\n\
             #: src/b.md\nmsgid \"Brand new\"\nmsgstr \"\"\n",
        );
        let translated = catalogue(
            "msgid \"Done\"\nmsgstr \"完成\"\n\n\
             msgid \"Empty\"\nmsgstr \"\"\n\n\
             #, fuzzy\nmsgid \"Changed\"\nmsgstr \"旧的译文\"\n\n\
             msgid \"Removed\"\nmsgstr \"已删除\"\n",
        );
        let (missing, stale) = gaps(&template, &translated);
        let found: Vec<(&str, &str)> = missing
            .iter()
            .map(|gap| (gap.msgid.as_str(), gap.why))
            .collect();
        assert_eq!(
            found,
            [
                ("Empty", "not translated"),
                (
                    "Changed",
                    "fuzzy: the English changed under this translation"
                ),
                ("Brand new", "not in zh-CN.po: new or changed English"),
            ]
        );
        assert_eq!(stale, ["Removed"]);
    }

    #[test]
    fn a_translation_keeps_every_figure() {
        assert!(lost_figures("1.86x in 256 MiB", "256 MiB 中为 1.86x").is_empty());
        assert_eq!(
            lost_figures("1.86x in 256 MiB", "256 MiB 中约为 2 倍"),
            ["1.86"]
        );
        assert_eq!(
            lost_figures("0.5 s, then 0.5 s", "0.5 s，然后半秒"),
            ["0.5"]
        );
        assert!(lost_figures("the first byte, zero", "第一个字节，也就是 0").is_empty());
        assert!(lost_figures("a#59; b", "a，b").is_empty());
    }
}
