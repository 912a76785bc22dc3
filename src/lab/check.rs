//! `cargo run -- check lessonN [EXERCISE]`: builds and tests the student's exercises, says which
//! pass, and for the first that fails, shows what went wrong and the exercise's hint.
//!
//! `--server CMD` / `--client CMD` (teacher mode) run the same tests against a program in any
//! language (see `socket_lab::exercise` for the contract). `--variant solution|mistake` checks
//! the kit's own reference solutions or planted mistakes instead of the student's files.

use std::fs;
use std::io::Write;

use anyhow::{Context, bail};

use super::catalog::{Catalog, Exercise, ExerciseSet, Role};
use super::progress::Progress;
use super::runner::{self, Commands, Outcome, Subject, Variant, Verdict};

/// Checks one lesson's exercises (or only `only`) and returns whether every one checked passed.
pub fn run(
    catalog: &Catalog,
    lesson: &str,
    only: Option<&str>,
    subject: Subject,
) -> anyhow::Result<bool> {
    let lesson = catalog.lesson(lesson)?;
    let set = lesson
        .exercises
        .as_ref()
        .with_context(|| format!("{} has no exercises yet", lesson.name))?;
    let selected: Vec<&Exercise> = match only {
        Some(name) => vec![find(set, name)?],
        None => set.exercises.iter().collect(),
    };
    if let Subject::Commands(commands) = subject
        && !selected.iter().any(|exercise| applies(exercise, commands))
    {
        bail!(
            "no exercise of {} can check that command: {}",
            lesson.name,
            roles(set)
        );
    }

    println!("{}", header(catalog, &lesson.name, set, subject));
    println!();
    let mut progress = Progress::load(&catalog.target_dir);
    let width = selected.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let mut first_failure: Option<(&Exercise, Outcome)> = None;
    let (mut checked, mut passed) = (0, 0);
    for exercise in selected {
        print!("  {:<width$}  ", exercise.name);
        if let Subject::Commands(commands) = subject
            && !applies(exercise, commands)
        {
            println!("skipped: {}", why_skipped(exercise));
            continue;
        }
        let _ = std::io::stdout().flush();
        // The student's file as it is checked, for the progress: it may change meanwhile.
        let yours = matches!(subject, Subject::Files(Variant::Yours))
            .then(|| fs::read(exercise.starter(&set.dir)).unwrap_or_default());
        let mut outcome = runner::run(&catalog.workspace_root, set, exercise, subject);
        let passed_nothing = outcome.verdict == Verdict::Passed && outcome.tests_run == 0;
        if matches!(subject, Subject::Commands(_)) && passed_nothing {
            outcome.verdict = Verdict::Failed;
            outcome.excerpt = format!(
                "none of the tests of {} can check a command: they all check Rust code",
                exercise.name
            );
        }
        checked += 1;
        match outcome.verdict {
            Verdict::Passed => {
                passed += 1;
                println!("PASS");
            }
            Verdict::Failed => println!("FAIL"),
            Verdict::DidNotCompile => println!("FAIL (does not compile)"),
        }
        if let Some(file) = yours {
            let key = format!("{}/{}", lesson.name, exercise.name);
            progress.record(&key, &file, outcome.verdict == Verdict::Passed)?;
        }
        if outcome.verdict != Verdict::Passed && first_failure.is_none() {
            first_failure = Some((exercise, outcome));
        }
    }

    if let Some((exercise, outcome)) = &first_failure {
        println!();
        print_failure(catalog, set, exercise, outcome, subject);
    }
    println!();
    print!("{passed} of {checked} passed.");
    match (&first_failure, subject) {
        (None, _) => println!(),
        (Some((exercise, _)), Subject::Files(Variant::Yours)) => println!(
            " Work on {}.rs, then check again: cargo run -- check {}",
            exercise.name, lesson.name
        ),
        (Some(_), _) => println!(),
    }
    Ok(first_failure.is_none())
}

fn find<'a>(set: &'a ExerciseSet, name: &str) -> anyhow::Result<&'a Exercise> {
    set.exercises
        .iter()
        .find(|exercise| exercise.name == name.trim_end_matches(".rs"))
        .with_context(|| {
            let names: Vec<&str> = set.exercises.iter().map(|e| e.name.as_str()).collect();
            format!(
                "there is no exercise `{name}` here; the exercises are {}",
                names.join(", ")
            )
        })
}

/// Whether a teacher's commands give this exercise something to check.
fn applies(exercise: &Exercise, commands: Commands) -> bool {
    match exercise.role {
        Some(Role::Server) => commands.server.is_some(),
        Some(Role::Client) => commands.client.is_some(),
        None => false,
    }
}

fn why_skipped(exercise: &Exercise) -> &'static str {
    match exercise.role {
        Some(Role::Server) => "a server exercise (give its command with --server)",
        Some(Role::Client) => "a client exercise (give its command with --client)",
        None => "it checks Rust code only",
    }
}

/// Which exercises take which command, for the error when none takes the one given.
fn roles(set: &ExerciseSet) -> String {
    let with = |role: Role| {
        let names: Vec<&str> = set
            .exercises
            .iter()
            .filter(|exercise| exercise.role == Some(role))
            .map(|exercise| exercise.name.as_str())
            .collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    format!(
        "--server checks {}; --client checks {}",
        with(Role::Server),
        with(Role::Client)
    )
}

fn header(catalog: &Catalog, lesson: &str, set: &ExerciseSet, subject: Subject) -> String {
    let dir = catalog.show(&set.dir);
    match subject {
        Subject::Files(Variant::Yours) => {
            format!("Checking your exercises for {lesson}, in {dir}/")
        }
        Subject::Files(Variant::Solution) => {
            format!("Checking the reference solutions of {lesson}, in {dir}/solutions/")
        }
        Subject::Files(Variant::Mistake) => {
            format!("Checking the planted mistakes of {lesson}, in {dir}/mistakes/")
        }
        Subject::Commands(commands) => {
            let mut programs = Vec::new();
            if let Some(server) = commands.server {
                programs.push(format!("the server `{server}`"));
            }
            if let Some(client) = commands.client {
                programs.push(format!("the client `{client}`"));
            }
            format!("Checking {lesson} against {}", programs.join(" and "))
        }
    }
}

fn print_failure(
    catalog: &Catalog,
    set: &ExerciseSet,
    exercise: &Exercise,
    outcome: &Outcome,
    subject: Subject,
) {
    let file = match subject {
        Subject::Files(Variant::Yours) => catalog.show(&exercise.starter(&set.dir)),
        Subject::Files(Variant::Solution) => catalog.show(&exercise.solution(&set.dir)),
        Subject::Files(Variant::Mistake) => catalog.show(&exercise.mistake(&set.dir)),
        Subject::Commands(_) => match exercise.role {
            Some(Role::Client) => "the client command".to_string(),
            _ => "the server command".to_string(),
        },
    };
    match outcome.verdict {
        Verdict::DidNotCompile => println!("{} ({file}) does not compile:", exercise.name),
        _ if outcome.failed_tests.is_empty() => println!("{} ({file}) failed:", exercise.name),
        _ => {
            println!(
                "{} ({file}): {} of {} tests failed:",
                exercise.name,
                outcome.failed_tests.len(),
                outcome.tests_run
            );
            for test in &outcome.failed_tests {
                println!("  {test}");
            }
            println!();
            println!("The first of them said:");
        }
    }
    println!();
    for line in outcome.excerpt.lines() {
        if line.is_empty() {
            println!();
        } else {
            println!("    {line}");
        }
    }
    println!();
    let mut hint = exercise.hint.trim().lines();
    println!("hint: {}", hint.next().unwrap_or_default());
    for line in hint {
        println!("      {line}");
    }
}
