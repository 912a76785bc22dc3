//! `cargo run`: the lab runner. Lists the lessons and your progress, and checks your exercises.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod lab;

use lab::catalog::Catalog;
use lab::runner::{Commands, Subject, Variant};

/// Socket Lab: TCP sockets in Rust, lesson by lesson.
///
/// Without a command, lists the lessons and where you stand on their exercises.
#[derive(Parser)]
#[command(name = "socket-lab")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// List the lessons and your progress (the default)
    List,
    /// Check your exercises for a lesson: cargo run -- check lesson1
    Check(CheckArgs),
    /// For CI and maintainers: every exercise's starter and mistake fail, its solution passes
    Verify,
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
    /// Whose code to check: your files, or (for maintainers) the reference solutions or the
    /// planted mistakes
    #[arg(long, value_enum, default_value = "yours", conflicts_with_all = ["server", "client"])]
    variant: Variant,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = Catalog::load().and_then(|catalog| match cli.command.unwrap_or(Command::List) {
        Command::List => {
            lab::list::run(&catalog);
            Ok(true)
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
        Command::Verify => lab::verify::run(&catalog),
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
