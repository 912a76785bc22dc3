//! `cargo run -p lesson6`: the demo; `-- server` and `-- client` for two terminals.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use socket_lab::cli::{self, AddrArg, ConnectArg};

mod demo;

/// Lesson 6: send vs sendall, following section 四 of the article.
///
/// Without a mode, runs the demo: partial writes, the article's upload losing bytes, write_all.
#[derive(Parser)]
#[command(name = "lesson6")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the narrated demo (the default)
    Demo,
    /// Lesson 5's server, on connections with small socket buffers, as over a slow link
    #[command(after_help = lesson4::SERVER_AFTER_HELP)]
    Server {
        #[command(flatten)]
        addr: AddrArg,
        #[command(flatten)]
        files: lesson4::ServerFiles,
    },
    /// Lesson 5's client, whose put sends one line per write, as the article does
    #[command(after_help = lesson4::CLIENT_AFTER_HELP)]
    Client {
        #[command(flatten)]
        addr: ConnectArg,
        /// Send each line with write_all, the fix, instead of write
        #[arg(long)]
        write_all: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::run("lesson6", || match cli.mode.unwrap_or(Mode::Demo) {
        Mode::Demo => demo::run(),
        Mode::Server { addr, files } => lesson6::run_server(
            addr.addr,
            &files.users(),
            &files.root(lesson6::DEFAULT_ROOT),
        ),
        Mode::Client { addr, write_all } => lesson6::client::run_client(addr.addr, write_all),
    })
}
