//! `cargo run -- verify`: the proof, for CI and maintainers, that every exercise can tell a
//! right answer from a wrong one.
//!
//! For every exercise of every lesson: its files are where the checker looks for them, the
//! untouched starter compiles and its tests fail on it, they fail on the planted mistake, and
//! they pass on the reference solution. Run it on a clean checkout: it checks the starters as
//! they are in the working tree.

use std::fs;
use std::io::Write;

use super::catalog::{Catalog, Exercise, ExerciseSet};
use super::runner::{self, Outcome, Subject, Variant, Verdict};

/// Runs every check, prints a table and the problems, and returns whether there were none.
pub fn run(catalog: &Catalog) -> anyhow::Result<bool> {
    println!(
        "For every exercise: the starter compiles and fails its tests, the mistake fails them, \
         the solution passes them."
    );
    println!();
    let mut problems = Vec::new();
    let mut count = 0;
    let width = 22;
    println!(
        "{:<width$}{:<14}{:<14}solution",
        "exercise", "starter", "mistake"
    );
    for lesson in &catalog.lessons {
        let Some(set) = &lesson.exercises else {
            continue;
        };
        problems.extend(layout_problems(catalog, &lesson.name, set));
        for exercise in &set.exercises {
            count += 1;
            let key = format!("{}/{}", lesson.name, exercise.name);
            print!("{key:<width$}");
            for (variant, should_pass) in [
                (Variant::Yours, false),
                (Variant::Mistake, false),
                (Variant::Solution, true),
            ] {
                let _ = std::io::stdout().flush();
                let outcome = runner::run(
                    &catalog.workspace_root,
                    set,
                    exercise,
                    Subject::Files(variant),
                );
                let (cell, problem) = judge(&outcome, should_pass);
                if variant == Variant::Solution {
                    println!("{cell}");
                } else {
                    print!("{cell:<14}");
                }
                if let Some(problem) = problem {
                    let mut text = format!("{key}: {} {problem}", variant_name(variant));
                    if !outcome.excerpt.is_empty() {
                        text += &format!(":\n{}", indent(&outcome.excerpt));
                    }
                    problems.push(text);
                }
            }
        }
    }
    println!();
    if problems.is_empty() {
        println!("All {count} exercises are sound.");
        return Ok(true);
    }
    for problem in &problems {
        println!("{problem}");
        println!();
    }
    println!("{} problem(s) in {count} exercises.", problems.len());
    Ok(false)
}

/// The table's cell for one run, and the problem if the run did not go as it should.
fn judge(outcome: &Outcome, should_pass: bool) -> (&'static str, Option<&'static str>) {
    match (outcome.verdict, should_pass) {
        (Verdict::Passed, true) => ("passes", None),
        (Verdict::Failed, false) => ("fails", None),
        (Verdict::Passed, false) => (
            "PASSES (bad)",
            Some("passes the tests, which cannot tell it from an answer"),
        ),
        (Verdict::Failed, true) => ("FAILS (bad)", Some("fails its tests")),
        (Verdict::DidNotCompile, _) => ("NO BUILD (bad)", Some("does not compile")),
    }
}

fn variant_name(variant: Variant) -> &'static str {
    match variant {
        Variant::Yours => "the starter",
        Variant::Mistake => "the mistake",
        Variant::Solution => "the solution",
    }
}

/// What is missing or out of place in an exercises package, before anything is run.
fn layout_problems(catalog: &Catalog, lesson: &str, set: &ExerciseSet) -> Vec<String> {
    let mut problems = Vec::new();
    for exercise in &set.exercises {
        let key = format!("{lesson}/{}", exercise.name);
        for path in [
            exercise.starter(&set.dir),
            exercise.solution(&set.dir),
            exercise.mistake(&set.dir),
            exercise.tests(&set.dir),
        ] {
            if !path.is_file() {
                problems.push(format!("{key}: {} is missing", catalog.show(&path)));
            }
        }
        let starter = fs::read_to_string(exercise.starter(&set.dir)).unwrap_or_default();
        let check = format!("cargo run -- check {lesson}");
        for needed in ["// TODO", "todo!()", check.as_str()] {
            if !starter.contains(needed) {
                problems.push(format!("{key}: the starter does not contain `{needed}`"));
            }
        }
        problems.extend(test_target_problems(&key, exercise, set));
        if exercise.summary.trim().is_empty() || !exercise.hint.contains('?') {
            problems.push(format!(
                "{key}: needs a summary, and a hint that asks a question"
            ));
        }
    }
    // A test target with no entry would pass with `cargo test` and never be checked.
    for entry in fs::read_dir(set.dir.join("tests"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        let Some(name) = path.file_stem().and_then(|stem| stem.to_str()) else {
            continue;
        };
        let listed = set.exercises.iter().any(|exercise| exercise.name == name);
        if path.extension().is_some_and(|ext| ext == "rs") && !listed {
            problems.push(format!(
                "{}: no exercise `{name}` in {}/Cargo.toml",
                catalog.show(&path),
                catalog.show(&set.dir)
            ));
        }
    }
    problems
}

/// A test target must include each of the three files, chosen by feature.
fn test_target_problems(key: &str, exercise: &Exercise, set: &ExerciseSet) -> Vec<String> {
    let tests = fs::read_to_string(exercise.tests(&set.dir)).unwrap_or_default();
    let name = &exercise.name;
    [
        format!("path = \"../solutions/{name}.rs\""),
        format!("path = \"../mistakes/{name}.rs\""),
        format!("path = \"../{name}.rs\""),
    ]
    .into_iter()
    .filter(|include| !tests.contains(include.as_str()))
    .map(|include| format!("{key}: tests/{name}.rs lacks `{include}`"))
    .collect()
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::catalog::Role;

    #[test]
    fn missing_files_and_unlisted_tests_are_problems() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("lessons/lesson9-x/exercises");
        fs::create_dir_all(dir.join("tests")).unwrap();
        fs::create_dir_all(dir.join("solutions")).unwrap();
        fs::write(
            dir.join("echo.rs"),
            "//! cargo run -- check lesson9\n// TODO: echo\ntodo!()",
        )
        .unwrap();
        fs::write(dir.join("solutions/echo.rs"), "").unwrap();
        fs::write(
            dir.join("tests/echo.rs"),
            r#"path = "../solutions/echo.rs" path = "../echo.rs""#,
        )
        .unwrap();
        fs::write(dir.join("tests/stray.rs"), "").unwrap();
        let set = ExerciseSet {
            package: "lesson9-exercises".into(),
            dir: dir.clone(),
            exercises: vec![Exercise {
                name: "echo".into(),
                summary: "echo".into(),
                hint: "What comes back?".into(),
                role: Some(Role::Server),
            }],
        };
        let catalog = Catalog {
            workspace_root: root.path().to_path_buf(),
            target_dir: root.path().join("target"),
            lessons: Vec::new(),
        };
        let mut problems = layout_problems(&catalog, "lesson9", &set);
        problems.sort();
        assert_eq!(
            problems,
            [
                "lesson9/echo: lessons/lesson9-x/exercises/mistakes/echo.rs is missing",
                r#"lesson9/echo: tests/echo.rs lacks `path = "../mistakes/echo.rs"`"#,
                "lessons/lesson9-x/exercises/tests/stray.rs: no exercise `stray` in \
                 lessons/lesson9-x/exercises/Cargo.toml",
            ]
        );
    }
}
