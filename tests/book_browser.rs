//! The book as a reader sees it: built with mdBook and opened in headless Chromium by
//! `tests/browser/check-book.mjs` (Playwright's driver, playwright-core, using the system's
//! Chromium: no browser download). The script checks every page for console errors and failed
//! requests, every exchange diagram for a drawn SVG, every code block, output and diagram for a
//! fit in the column or a scroll bar, the search box (Chinese words included), and in both editions,
//! English and 中文, the language switch; it leaves screenshots of each chapter of each edition in
//! `book/book/screenshots/`. Its list of editions is `tests/browser/editions.json`.
//!
//! Without Chromium, Node.js, the script's package (`npm ci --prefix tests/browser`), mdBook,
//! mdbook-mermaid or mdbook-gettext this test says what is missing and passes, so that `cargo test --workspace`
//! works on a machine with Rust alone; CI sets `SOCKET_LAB_REQUIRE_BROWSER=1`, which turns the
//! missing tool into a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{missing_book_tools, on_path, tools_present};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What the test needs and how to get it, for each missing piece.
fn missing_tools(chromium: &Option<PathBuf>) -> Vec<String> {
    let mut missing = Vec::new();
    if chromium.is_none() {
        missing.push("Chromium (Debian: apt-get install chromium)".to_string());
    }
    if on_path("node").is_none() {
        missing.push("Node.js (Debian: apt-get install nodejs npm)".to_string());
    }
    let driver = Path::new(ROOT).join("tests/browser/node_modules/playwright-core/package.json");
    if !driver.is_file() {
        missing.push("the script's package playwright-core (npm ci --prefix tests/browser)".into());
    }
    missing.extend(missing_book_tools());
    missing
}

#[test]
fn the_book_in_a_browser() {
    let chromium = std::env::var_os("SOCKET_LAB_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| on_path("chromium"))
        .or_else(|| on_path("chromium-browser"));
    let missing = missing_tools(&chromium);
    if !tools_present(
        &missing,
        "SOCKET_LAB_REQUIRE_BROWSER",
        "the book's browser test",
    ) {
        return;
    }

    // 1. The book, built as a reader builds it.
    let build = Command::new("mdbook")
        .args(["build", "book"])
        .current_dir(ROOT)
        .output()
        .expect("run mdbook");
    assert!(
        build.status.success(),
        "step 1 failed: mdbook build book\n{}",
        String::from_utf8_lossy(&build.stderr)
    );

    // 2. Every page, diagram and search in Chromium; the script numbers its own steps.
    let check = Command::new("node")
        .arg("tests/browser/check-book.mjs")
        .env("SOCKET_LAB_CHROMIUM", chromium.expect("checked above"))
        .current_dir(ROOT)
        .output()
        .expect("run node");
    let report = String::from_utf8_lossy(&check.stdout);
    println!("{report}");
    assert!(
        check.status.success(),
        "step 2 failed: the book in Chromium (tests/browser/check-book.mjs):\n{report}\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
