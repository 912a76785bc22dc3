//! `cargo lab` (an alias for `cargo run -p socket-lab --`, in .cargo/config.toml, that works from
//! any folder of the repository): the lab runner. Lists the lessons and your progress, checks your
//! exercises once or each time you save, and grades a class.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

mod lab;

use lab::catalog::Catalog;
use lab::runner::{Code, Commands, Subject};

/// Socket Lab: TCP sockets in Rust, lesson by lesson.
///
/// Without a command, lists the lessons and where you stand on their exercises.
#[derive(Parser)]
#[command(name = "socket-lab", bin_name = "cargo lab")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// List the lessons and your progress (the default)
    List,
    /// Check your exercises for a lesson: cargo lab check lesson1
    Check(CheckArgs),
    /// Check the exercise you are on each time you save it, and move on when it passes:
    /// cargo lab watch lesson1
    Watch(WatchArgs),
    /// For CI and maintainers: every exercise's starter and planted mistakes fail, both its
    /// solutions pass
    Verify,
    /// Runs one student's program for `check --batch` (not for people)
    #[command(hide = true)]
    Supervise,
}

#[derive(clap::Args)]
struct WatchArgs {
    /// The lesson: lesson1, or just 1 (all lessons by default)
    lesson: Option<String>,
    /// Check again when Enter is pressed, not when the file is saved: for folders where the
    /// editor's saves send no event (WSL2 on a Windows folder, network drives)
    #[arg(long)]
    manual: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The lesson: lesson1, or just 1
    lesson: String,
    /// Only this exercise (all of the lesson's by default)
    exercise: Option<String>,
    /// Teacher mode: run the server exercises' tests against this command instead of Rust code,
    /// e.g. "python3 server.py {port}". {host}, {port} and {addr} are filled in.
    #[arg(long, value_name = "CMD")]
    server: Option<String>,
    /// Teacher mode: run the client exercises' tests against this command, e.g.
    /// "python3 client.py {host} {port}". It prints its result on stdout.
    #[arg(long, value_name = "CMD")]
    client: Option<String>,
    /// Whose code to check: yours (your files), or the kit's, to see what each is told:
    /// solution, solution2 (the second solution), mistake1, mistake2, ... (the planted mistakes;
    /// mistake is mistake1)
    #[arg(
        long,
        value_name = "VARIANT",
        default_value = "yours",
        conflicts_with_all = ["server", "client"]
    )]
    variant: Code,
    /// Teacher mode: grade a class on EXERCISE. PATH is a folder with one sub-folder per
    /// student (each run with --server/--client CMD in its folder, or its own `command` file),
    /// or a file of `NAME<TAB>COMMAND` lines. Writes results-LESSON-EXERCISE.csv and .md there.
    #[arg(long, value_name = "PATH", conflicts_with = "variant")]
    batch: Option<PathBuf>,
    /// With --batch: how many students' programs are tested at once
    #[arg(long, value_name = "N", default_value_t = 1, requires = "batch")]
    jobs: usize,
    /// With --batch: the most seconds one student's program gets for all the tests; it is
    /// stopped then and marked timeout
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 120,
        requires = "batch"
    )]
    timeout: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Supervise) = cli.command {
        return lab::batch::supervise();
    }
    let outcome = Catalog::load().and_then(|catalog| match cli.command.unwrap_or(Command::List) {
        Command::List => {
            lab::list::run(&catalog);
            Ok(true)
        }
        Command::Check(args) if args.batch.is_some() => {
            let options = lab::batch::Options {
                path: args.batch.as_deref().expect("matched on Some"),
                server: args.server.as_deref(),
                client: args.client.as_deref(),
                jobs: args.jobs,
                timeout: Duration::from_secs(args.timeout),
            };
            lab::batch::run(&catalog, &args.lesson, args.exercise.as_deref(), options)
        }
        Command::Check(args) => {
            let subject = if args.server.is_some() || args.client.is_some() {
                Subject::Commands(Commands {
                    server: args.server.as_deref(),
                    client: args.client.as_deref(),
                })
            } else {
                Subject::Files(args.variant)
            };
            lab::check::run(&catalog, &args.lesson, args.exercise.as_deref(), subject)
        }
        Command::Watch(args) => lab::watch::run(&catalog, args.lesson.as_deref(), args.manual),
        Command::Verify => lab::verify::run(&catalog),
        Command::Supervise => unreachable!("handled before the catalog is read"),
    });
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
