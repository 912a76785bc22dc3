//! `cargo lab check lessonN [EXERCISE]`: builds and tests the student's exercises, says which
//! pass, and for the first that fails, shows what went wrong and the exercise's hint.
//!
//! `--server CMD` / `--client CMD` (teacher mode) run the same tests against a program in any
//! language (see `socket_lab::exercise` for the contract). `--variant` checks one of the kit's
//! own files instead of the student's: `solution`, `solution2`, or a planted mistake, `mistake1`,
//! `mistake2`, ... (`mistake` is `mistake1`), to see what a student who made it is told.

use std::fs;
use std::io::Write;

use anyhow::bail;

use super::catalog::{Catalog, Exercise, ExerciseSet, Role};
use super::progress::{self, Progress};
use super::runner::{self, Code, Commands, Outcome, Subject, Verdict};

/// Checks one lesson's exercises (or only `only`) and returns whether every one checked passed.
pub fn run(
    catalog: &Catalog,
    lesson: &str,
    only: Option<&str>,
    subject: Subject,
) -> anyhow::Result<bool> {
    let (lesson, set) = catalog.exercises_of(lesson)?;
    let selected: Vec<&Exercise> = match only {
        Some(name) => vec![set.exercise(name)?],
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
    if let Subject::Files(code) = subject
        && !selected.iter().any(|exercise| code.exists_for(exercise))
    {
        bail!(
            "no exercise of {} has a `{code}`: {}",
            lesson.name,
            mistake_counts(&selected)
        );
    }

    println!("{}", header(catalog, &lesson.name, set, subject));
    println!();
    let mut progress = Progress::load(&catalog.workspace_root);
    let width = selected.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let mut first_failure: Option<(&Exercise, Checked)> = None;
    let (mut checked, mut passed) = (0, 0);
    for exercise in selected {
        print!("  {:<width$}  ", exercise.name);
        if let Subject::Commands(commands) = subject
            && !applies(exercise, commands)
        {
            println!("skipped: {}", why_skipped(exercise));
            continue;
        }
        if let Subject::Files(code) = subject
            && !code.exists_for(exercise)
        {
            println!("skipped: it plants {} mistakes", exercise.mistakes.len());
            continue;
        }
        let _ = std::io::stdout().flush();
        let result = check_exercise(catalog, &lesson.name, set, exercise, subject, &mut progress)?;
        checked += 1;
        println!("{}", result.word());
        if result.passed() {
            passed += 1;
        } else if first_failure.is_none() {
            first_failure = Some((exercise, result));
        }
    }

    if let Some((exercise, result)) = &first_failure {
        println!();
        print_failure(catalog, set, exercise, result, subject);
    }
    println!();
    print!("{passed} of {checked} passed.");
    match (&first_failure, subject) {
        (None, _) => println!(),
        (Some((exercise, _)), Subject::Files(Code::Yours)) => println!(
            " Work on {}.rs, then check again: cargo lab check {} (or: cargo lab watch {})",
            exercise.name, lesson.name, lesson.name
        ),
        (Some(_), _) => println!(),
    }
    Ok(first_failure.is_none())
}

/// One exercise checked: how its tests went, and whether the student's file was still the
/// untouched starter, which is "not started" rather than a failure.
pub struct Checked {
    pub outcome: Outcome,
    pub not_started: bool,
}

impl Checked {
    pub fn passed(&self) -> bool {
        self.outcome.verdict == Verdict::Passed
    }

    /// The verdict in a word or three, as the listing of a check shows it.
    pub fn word(&self) -> &'static str {
        match self.outcome.verdict {
            Verdict::Passed => "PASS",
            Verdict::DidNotCompile => "FAIL (does not compile)",
            Verdict::Failed if self.not_started => "not started",
            Verdict::Failed if self.outcome.start_failure.is_some() => "FAIL (did not start)",
            Verdict::Failed => "FAIL",
        }
    }
}

/// Runs one exercise's tests on `subject`, and for the student's own file, records the verdict
/// in the progress.
pub fn check_exercise(
    catalog: &Catalog,
    lesson: &str,
    set: &ExerciseSet,
    exercise: &Exercise,
    subject: Subject,
    progress: &mut Progress,
) -> anyhow::Result<Checked> {
    // The student's file as it is checked, for the progress: it may change meanwhile.
    let yours = matches!(subject, Subject::Files(Code::Yours))
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
    let not_started = outcome.verdict == Verdict::Failed
        && yours.as_deref().is_some_and(progress::still_a_starter);
    if let Some(file) = yours {
        let key = format!("{lesson}/{}", exercise.name);
        progress.record(&key, &file, outcome.verdict == Verdict::Passed)?;
    }
    Ok(Checked {
        outcome,
        not_started,
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

/// How many mistakes each exercise plants, for the error when none has the one asked for.
fn mistake_counts(exercises: &[&Exercise]) -> String {
    let counts: Vec<String> = exercises
        .iter()
        .map(|exercise| format!("{} plants {}", exercise.name, exercise.mistakes.len()))
        .collect();
    counts.join(", ")
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
        Subject::Files(Code::Yours) => {
            format!("Checking your exercises for {lesson}, in {dir}/")
        }
        Subject::Files(Code::Solution) => {
            format!("Checking the reference solutions of {lesson}, in {dir}/solutions/")
        }
        Subject::Files(Code::SecondSolution) => {
            format!("Checking the second solutions of {lesson}, in {dir}/solutions/")
        }
        Subject::Files(Code::Mistake(number)) => {
            format!(
                "Checking planted mistake {number} of each exercise of {lesson}, in {dir}/mistakes/"
            )
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

/// What went wrong with one exercise, in the words that fit: the compiler's errors, the
/// teacher's command that did not start, the starter not yet touched, or the first failed test's
/// message followed by the exercise's hint (a hint only helps with code that runs).
pub fn print_failure(
    catalog: &Catalog,
    set: &ExerciseSet,
    exercise: &Exercise,
    result: &Checked,
    subject: Subject,
) {
    let outcome = &result.outcome;
    let file = match subject {
        Subject::Files(code) => catalog.show(&code.file(exercise, &set.dir)),
        Subject::Commands(_) => match exercise.role {
            Some(Role::Client) => "the client command".to_string(),
            _ => "the server command".to_string(),
        },
    };
    if result.not_started {
        println!(
            "{} ({file}) is not started: its `todo!()` is still there.",
            exercise.name
        );
        println!(
            "Write the code where its `// TODO` says: {}.",
            exercise.summary
        );
        return;
    }
    if let Some(why) = &outcome.start_failure {
        println!(
            "{} could not be checked: {file} did not start.",
            exercise.name
        );
        println!();
        print_indented(why);
        println!();
        println!(
            "Does the command run by itself, from this folder ({})? The tests fill in {{host}}, \
             {{port}} and {{addr}}.",
            std::env::current_dir()
                .map(|dir| dir.display().to_string())
                .unwrap_or_else(|_| "?".to_string())
        );
        return;
    }
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
    print_indented(&outcome.excerpt);
    if outcome.verdict == Verdict::DidNotCompile {
        return;
    }
    println!();
    print_hint(exercise);
}

/// The exercise's hint, a question, under `hint:`.
pub fn print_hint(exercise: &Exercise) {
    let mut hint = exercise.hint.trim().lines();
    println!("hint: {}", hint.next().unwrap_or_default());
    for line in hint {
        println!("      {line}");
    }
}

fn print_indented(text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            println!();
        } else {
            println!("    {line}");
        }
    }
}
