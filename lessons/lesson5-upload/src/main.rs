//! `cargo run -p lesson5`: the demo; `-- server` and `-- client` for two terminals; `-- bench`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use socket_lab::cli::{self, AddrArg, ConnectArg};

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
    #[command(after_help = lesson4::SERVER_AFTER_HELP)]
    Server {
        #[command(flatten)]
        addr: AddrArg,
        #[command(flatten)]
        files: lesson4::ServerFiles,
    },
    /// Log in with the article's prompts, then read commands (help, ls, cd, mkdir, put, get, q)
    #[command(after_help = lesson4::CLIENT_AFTER_HELP)]
    Client(ConnectArg),
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
        Mode::Server { addr, files } => lesson5::run_server(
            addr.addr,
            &files.users(),
            &files.root(lesson5::DEFAULT_ROOT),
        ),
        Mode::Client(ConnectArg { addr }) => lesson5::run_client(addr),
        Mode::Bench { mib, rounds } => bench::run(mib, rounds),
    })
}
