//! `cargo run -p lesson5`: the demo; `-- server` and `-- client` for two terminals; `-- bench`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use socket_lab::cli::{self, AddrArg};

mod bench;
mod demo;

/// Lesson 5: size-prefixed uploads and sticky packets, following section 三 of the article.
///
/// Without a mode, runs the demo: server and client in one process, narrated.
#[derive(Parser)]
#[command(name = "lesson5")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the narrated demo (the default)
    Demo,
    /// Serve logins, ls, cd, mkdir, put and get in each user's home, one thread per client
    Server {
        #[command(flatten)]
        addr: AddrArg,
        /// The users file: {"NAME": {"passwd": "<md5 hex of the password>"}, ...}
        #[arg(long, value_name = "FILE", default_value = lesson4::SAMPLE_USERS)]
        users: PathBuf,
        /// The directory that holds one home directory per user
        #[arg(long, value_name = "DIR", default_value = lesson5::DEFAULT_ROOT)]
        root: PathBuf,
    },
    /// Log in with the article's prompts, then read commands (help, ls, cd, mkdir, put, get, q)
    Client(AddrArg),
    /// Measure put against a plain copy of the same bytes and against the article's Python
    /// server, over loopback (use a release build)
    Bench {
        /// How many MiB to send each time
        #[arg(long, value_name = "MIB", default_value_t = 128)]
        mib: u64,
        /// How many rounds, each running every contender once; medians and spreads are printed
        #[arg(long, value_name = "N", default_value_t = 7)]
        rounds: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::run("lesson5", || match cli.mode.unwrap_or(Mode::Demo) {
        Mode::Demo => demo::run(),
        Mode::Server { addr, users, root } => lesson5::run_server(addr.addr, &users, &root),
        Mode::Client(AddrArg { addr }) => lesson5::run_client(addr),
        Mode::Bench { mib, rounds } => bench::run(mib, rounds),
    })
}
