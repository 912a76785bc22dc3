//! `cargo lab verify`: the proof, for CI and maintainers, that every exercise can tell a
//! right answer from a wrong one.
//!
//! For every exercise of every lesson: its files are where the checker looks for them, the
//! untouched starter compiles and its tests fail on it; every planted mistake fails them, and the
//! message the checker would show names the symptom its metadata gives; the reference solution
//! and the second solution, written differently, both pass them. Run it on a clean checkout: it
//! checks the starters as they are in the working tree. An exercise without a second solution
//! and at least three planted mistakes is a problem of its layout.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::catalog::{Catalog, Exercise, ExerciseSet};
use super::runner::{self, Code, Outcome, Verdict};

/// Runs every check, prints a table and the problems, and returns whether there were none.
pub fn run(catalog: &Catalog) -> anyhow::Result<bool> {
    println!(
        "For every exercise: the starter compiles and fails its tests, both solutions pass them, \
         and every planted mistake fails them with a message that names its symptom."
    );
    println!();
    let started = Instant::now();
    let mut problems = Vec::new();
    let mut count = 0;
    let width = 22;
    println!(
        "{:<width$}{:<10}{:<10}{:<12}mistakes",
        "exercise", "starter", "solution", "solution 2"
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
            let _ = std::io::stdout().flush();
            let mut codes = vec![Code::Yours, Code::Solution, Code::SecondSolution];
            let planted = exercise.mistakes.len();
            codes.extend((1..=planted).map(Code::Mistake));
            let outcomes = run_all(catalog, set, exercise, &codes);
            let mut sound = 0;
            for (&code, outcome) in codes.iter().zip(&outcomes) {
                let should_pass = matches!(code, Code::Solution | Code::SecondSolution);
                let (cell, problem) = judge(outcome, should_pass);
                let problem = problem
                    .map(str::to_string)
                    .or_else(|| unnamed_symptom(exercise, code, outcome));
                match code {
                    Code::Yours | Code::Solution => print!("{cell:<10}"),
                    Code::SecondSolution => print!("{cell:<12}"),
                    Code::Mistake(_) => {}
                }
                match problem {
                    Some(problem) => problems.push(described(
                        &key,
                        &code_name(catalog, set, exercise, code),
                        &problem,
                        outcome,
                    )),
                    None if matches!(code, Code::Mistake(_)) => sound += 1,
                    None => {}
                }
            }
            println!("{sound} of {planted} fail as they should");
        }
    }
    println!();
    println!("Verified in {:.0} s.", started.elapsed().as_secs_f64());
    if problems.is_empty() {
        println!("All {count} exercises are sound.");
        return Ok(true);
    }
    println!();
    for problem in &problems {
        println!("{problem}");
        println!();
    }
    println!("{} problem(s) in {count} exercises.", problems.len());
    Ok(false)
}

/// How many test binaries run at once. Most of a mistake's run is spent waiting, for a timeout
/// or for a peer, so a few side by side save time even on a small machine; more would make the
/// runs compete for the CPU.
const RUNS_AT_ONCE: usize = 3;

/// Builds the exercise's tests for each of `codes`, one after the other (Cargo builds one at a
/// time), then runs the test binaries, [`RUNS_AT_ONCE`] at a time; the outcomes in order.
fn run_all(
    catalog: &Catalog,
    set: &ExerciseSet,
    exercise: &Exercise,
    codes: &[Code],
) -> Vec<Outcome> {
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(codes.len());
    let mut binaries = Vec::new();
    for (index, &code) in codes.iter().enumerate() {
        match runner::build_code(&catalog.workspace_root, set, exercise, code) {
            Ok(binary) => {
                outcomes.push(None);
                binaries.push((index, binary));
            }
            Err(failed) => outcomes.push(Some(failed)),
        }
    }
    for batch in binaries.chunks(RUNS_AT_ONCE) {
        std::thread::scope(|scope| {
            let runs: Vec<_> = batch
                .iter()
                .map(|(index, binary)| (*index, scope.spawn(|| runner::run_built(set, binary))))
                .collect();
            for (index, run) in runs {
                outcomes[index] = Some(run.join().expect("a run does not panic"));
            }
        });
    }
    outcomes
        .into_iter()
        .map(|outcome| outcome.expect("every file is built, or its build failed"))
        .collect()
}

/// The problem with a planted mistake that fails, but whose failure message, as the checker
/// shows it, does not contain the symptom its metadata names.
fn unnamed_symptom(exercise: &Exercise, code: Code, outcome: &Outcome) -> Option<String> {
    let Code::Mistake(number) = code else {
        return None;
    };
    let mistake = exercise.mistakes.get(number - 1)?;
    let shown = outcome.excerpt.to_lowercase();
    (!shown.contains(&mistake.symptom.to_lowercase())).then(|| {
        format!(
            "fails, but the message shown does not name its symptom {:?}",
            mistake.symptom
        )
    })
}

/// A problem with one run, and what the run printed.
fn described(key: &str, name: &str, problem: &str, outcome: &Outcome) -> String {
    let mut text = format!("{key}: {name} {problem}");
    if !outcome.excerpt.is_empty() {
        text += &format!(":\n{}", indent(&outcome.excerpt));
    }
    text
}

/// The table's cell for one run, and the problem if the run did not go as it should.
fn judge(outcome: &Outcome, should_pass: bool) -> (&'static str, Option<&'static str>) {
    match (outcome.verdict, should_pass) {
        (Verdict::Passed, true) => ("passes", None),
        (Verdict::Failed, false) => ("fails", None),
        (Verdict::Passed, false) => (
            "PASSES!",
            Some("passes the tests, which cannot tell it from an answer"),
        ),
        (Verdict::Failed, true) => ("FAILS!", Some("fails its tests")),
        (Verdict::DidNotCompile, _) => ("NO BUILD!", Some("does not compile")),
    }
}

/// `the starter`, `mistake 2 (mistakes/echo_2.rs: sends back the whole buffer)`.
fn code_name(catalog: &Catalog, set: &ExerciseSet, exercise: &Exercise, code: Code) -> String {
    match code {
        Code::Yours => "the starter".to_string(),
        Code::Solution => "the solution".to_string(),
        Code::SecondSolution => "the second solution".to_string(),
        Code::Mistake(number) => {
            let file = catalog.show(&exercise.mistake_file(&set.dir, number));
            let does = &exercise.mistakes[number - 1].does;
            format!("mistake {number} ({file}: {does})")
        }
    }
}

/// What is missing or out of place in an exercises package, before anything is run.
fn layout_problems(catalog: &Catalog, lesson: &str, set: &ExerciseSet) -> Vec<String> {
    let mut problems = Vec::new();
    for exercise in &set.exercises {
        let key = format!("{lesson}/{}", exercise.name);
        let mut files = vec![
            exercise.starter(&set.dir),
            exercise.solution(&set.dir),
            exercise.second_solution(&set.dir),
        ];
        files.extend(
            (1..=exercise.mistakes.len()).map(|number| exercise.mistake_file(&set.dir, number)),
        );
        files.push(exercise.tests(&set.dir));
        for path in files {
            if !path.is_file() {
                problems.push(format!("{key}: {} is missing", catalog.show(&path)));
            }
        }
        let starter = fs::read_to_string(exercise.starter(&set.dir)).unwrap_or_default();
        let check = format!("cargo lab check {lesson}");
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
        if exercise.mistakes.len() < MIN_MISTAKES {
            problems.push(format!(
                "{key}: plants {} mistake(s); every exercise plants at least {MIN_MISTAKES}",
                exercise.mistakes.len()
            ));
        }
        for (index, mistake) in exercise.mistakes.iter().enumerate() {
            if mistake.does.trim().is_empty() || mistake.symptom.trim().is_empty() {
                problems.push(format!(
                    "{key}: mistake {} needs `does` and `symptom` in the metadata",
                    index + 1
                ));
            }
        }
        for feature in features(exercise) {
            if !set.features.contains(&feature) {
                problems.push(format!(
                    "{key}: {}/Cargo.toml has no feature `{feature}`",
                    catalog.show(&set.dir)
                ));
            }
        }
    }
    // A test target with no entry would pass with `cargo test` and never be checked.
    for path in rust_files(&set.dir.join("tests")) {
        let listed = set
            .exercises
            .iter()
            .any(|exercise| exercise.tests(&set.dir) == path);
        if !listed {
            let name = path.file_stem().unwrap_or_default().to_string_lossy();
            problems.push(format!(
                "{}: no exercise `{name}` in {}/Cargo.toml",
                catalog.show(&path),
                catalog.show(&set.dir)
            ));
        }
    }
    // Nor would a mistake file with no entry (one of the kit's first layout, `mistakes/NAME.rs`,
    // or one numbered past the entries).
    for path in rust_files(&set.dir.join("mistakes")) {
        let planted = set.exercises.iter().any(|exercise| {
            (1..=exercise.mistakes.len())
                .any(|number| exercise.mistake_file(&set.dir, number) == path)
        });
        if !planted {
            problems.push(format!(
                "{}: no entry under `mistakes` in {}/Cargo.toml describes it",
                catalog.show(&path),
                catalog.show(&set.dir)
            ));
        }
    }
    problems
}

/// The `.rs` files in `dir`, sorted; none if it cannot be read.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    files
}

/// The fewest planted mistakes an exercise may have.
const MIN_MISTAKES: usize = 3;

/// The Cargo features that pick each of the exercise's files.
fn features(exercise: &Exercise) -> Vec<String> {
    let mut features = vec!["solution".to_string(), "solution2".to_string()];
    features.extend((1..=exercise.mistakes.len()).map(|number| format!("mistake{number}")));
    features
}

/// A test target must include each of the exercise's files, chosen by feature.
fn test_target_problems(key: &str, exercise: &Exercise, set: &ExerciseSet) -> Vec<String> {
    let tests = fs::read_to_string(exercise.tests(&set.dir)).unwrap_or_default();
    let name = &exercise.name;
    let mut includes = vec![
        format!("path = \"../solutions/{name}.rs\""),
        format!("path = \"../{name}.rs\""),
        format!("path = \"../solutions/{name}_2.rs\""),
    ];
    includes.extend(
        (1..=exercise.mistakes.len())
            .map(|number| format!("path = \"../mistakes/{name}_{number}.rs\"")),
    );
    includes
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
    fn an_exercise_with_planted_mistakes_needs_every_file_feature_and_entry() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("lessons/lesson9-x/exercises");
        for sub in ["tests", "solutions", "mistakes"] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
        fs::write(
            dir.join("echo.rs"),
            "//! cargo lab check lesson9\n// TODO: echo\ntodo!()",
        )
        .unwrap();
        for file in [
            "solutions/echo.rs",
            "mistakes/echo_1.rs",
            "mistakes/echo_2.rs",
        ] {
            fs::write(dir.join(file), "").unwrap();
        }
        // A third mistake on disk, and no entry for it; no second solution.
        fs::write(dir.join("mistakes/echo_3.rs"), "").unwrap();
        fs::write(
            dir.join("tests/echo.rs"),
            r#"path = "../solutions/echo.rs" path = "../echo.rs" path = "../solutions/echo_2.rs"
               path = "../mistakes/echo_1.rs""#,
        )
        .unwrap();
        let mistake = |symptom: &str| crate::lab::catalog::Mistake {
            does: "something wrong".into(),
            symptom: symptom.into(),
        };
        let set = ExerciseSet {
            package: "lesson9-exercises".into(),
            features: vec!["solution".into(), "solution2".into(), "mistake1".into()],
            dir: dir.clone(),
            exercises: vec![Exercise {
                name: "echo".into(),
                summary: "echo".into(),
                hint: "What comes back?".into(),
                role: Some(Role::Server),
                mistakes: vec![mistake("more arrived"), mistake("")],
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
                "lesson9/echo: lessons/lesson9-x/exercises/Cargo.toml has no feature `mistake2`",
                "lesson9/echo: lessons/lesson9-x/exercises/solutions/echo_2.rs is missing",
                "lesson9/echo: mistake 2 needs `does` and `symptom` in the metadata",
                "lesson9/echo: plants 2 mistake(s); every exercise plants at least 3",
                r#"lesson9/echo: tests/echo.rs lacks `path = "../mistakes/echo_2.rs"`"#,
                "lessons/lesson9-x/exercises/mistakes/echo_3.rs: no entry under `mistakes` in \
                 lessons/lesson9-x/exercises/Cargo.toml describes it",
            ]
        );
    }

    #[test]
    fn the_first_layout_with_one_mistake_is_a_problem() {
        // The kit's first layout: one mistake, `mistakes/echo.rs` with feature `mistake`, no
        // entry under `mistakes`, no second solution; and a test target with no exercise.
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("lessons/lesson9-x/exercises");
        for sub in ["tests", "solutions", "mistakes"] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
        fs::write(
            dir.join("echo.rs"),
            "//! cargo run -- check lesson9\n// TODO: echo\ntodo!()",
        )
        .unwrap();
        fs::write(dir.join("solutions/echo.rs"), "").unwrap();
        fs::write(dir.join("mistakes/echo.rs"), "").unwrap();
        fs::write(
            dir.join("tests/echo.rs"),
            r#"path = "../solutions/echo.rs" path = "../echo.rs" path = "../mistakes/echo.rs""#,
        )
        .unwrap();
        fs::write(dir.join("tests/stray.rs"), "").unwrap();
        let set = ExerciseSet {
            package: "lesson9-exercises".into(),
            features: vec!["solution".into(), "mistake".into()],
            dir: dir.clone(),
            exercises: vec![Exercise {
                name: "echo".into(),
                summary: "echo".into(),
                hint: "What comes back?".into(),
                role: Some(Role::Server),
                mistakes: Vec::new(),
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
                "lesson9/echo: lessons/lesson9-x/exercises/Cargo.toml has no feature `solution2`",
                "lesson9/echo: lessons/lesson9-x/exercises/solutions/echo_2.rs is missing",
                "lesson9/echo: plants 0 mistake(s); every exercise plants at least 3",
                r#"lesson9/echo: tests/echo.rs lacks `path = "../solutions/echo_2.rs"`"#,
                "lesson9/echo: the starter does not contain `cargo lab check lesson9`",
                "lessons/lesson9-x/exercises/mistakes/echo.rs: no entry under `mistakes` in \
                 lessons/lesson9-x/exercises/Cargo.toml describes it",
                "lessons/lesson9-x/exercises/tests/stray.rs: no exercise `stray` in \
                 lessons/lesson9-x/exercises/Cargo.toml",
            ]
        );
    }
}
