//! `cargo run -p lesson1`: the demo; `-- server` and `-- client` for two terminals.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use socket_lab::cli::{self, AddrArg, ConnectArg};

mod demo;

/// Lesson 1: one message over TCP, following section 一 of the article.
///
/// Without a mode, runs the demo: server and client in one process, narrated.
#[derive(Parser)]
#[command(name = "lesson1")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the narrated demo (the default)
    Demo,
    /// Listen, and print what each client sends, one client after another
    Server(AddrArg),
    /// Connect, send one message, close
    Client {
        #[command(flatten)]
        addr: ConnectArg,
        /// The text to send
        #[arg(default_value = "hello")]
        message: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::run("lesson1", || match cli.mode.unwrap_or(Mode::Demo) {
        Mode::Demo => demo::run(),
        Mode::Server(AddrArg { addr }) => lesson1::run_server(addr),
        Mode::Client { addr, message } => lesson1::run_client(addr.addr, &message),
    })
}
