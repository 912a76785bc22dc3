//! The book shows the lessons' real files: every `{{#include}}` must find its file and its anchor.
//!
//! mdBook only logs a missing file, and renders a missing anchor as an empty listing without a word,
//! so these checks are the ones that keep a renamed anchor from silently emptying a chapter.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

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
