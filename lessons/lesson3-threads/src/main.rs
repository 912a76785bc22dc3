//! `cargo run -p lesson3`: the demo; `-- server` and `-- client` for two or three terminals.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use socket_lab::cli::{self, AddrArg, ConnectArg};

mod demo;

/// Lesson 3: a server that makes clients wait, and one that gives each a thread, following
/// section 二 of the article.
///
/// Without a mode, runs the demo: servers and clients in one process, narrated.
#[derive(Parser)]
#[command(name = "lesson3")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the narrated demo (the default)
    Demo,
    /// Listen, and handle each connection on a thread of its own: read one message, print it,
    /// answer
    Server {
        #[command(flatten)]
        addr: AddrArg,
        /// Handle one connection at a time, as socketserver.TCPServer does: the next client waits
        /// until the handler is done with this one
        #[arg(long)]
        one_at_a_time: bool,
    },
    /// Connect, send one message, print the answer and how long it took
    Client {
        #[command(flatten)]
        addr: ConnectArg,
        /// The message to send; `panic` makes the server's handler panic
        #[arg(default_value = "hello")]
        message: String,
        /// Keep the connection open SECONDS before sending: a slow client, for the others to
        /// wait on
        #[arg(long, value_name = "SECONDS", default_value_t = 0)]
        hold: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::run("lesson3", || match cli.mode.unwrap_or(Mode::Demo) {
        Mode::Demo => demo::run(),
        Mode::Server {
            addr,
            one_at_a_time,
        } => lesson3::run_server(addr.addr, one_at_a_time),
        Mode::Client {
            addr,
            message,
            hold,
        } => lesson3::run_client(addr.addr, &message, Duration::from_secs(hold)),
    })
}
