//! `cargo run -p lesson2`: the demo; `-- server` and `-- client` for two terminals.

use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use socket_lab::cli::{self, AddrArg, ConnectArg};

mod demo;

/// Lesson 2: text as bytes, and a character cut between two reads, following section 一 of the
/// article.
///
/// Without a mode, runs the demo: server and client in one process, narrated.
#[derive(Parser)]
#[command(name = "lesson2")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the narrated demo (the default)
    Demo,
    /// Listen, and print the bytes each read returns and the text they complete
    Server(AddrArg),
    /// Connect, send a text as UTF-8 (all at once, or a few bytes per write), close
    Client {
        #[command(flatten)]
        addr: ConnectArg,
        /// The text to send
        #[arg(default_value = lesson2::DEFAULT_TEXT)]
        text: String,
        /// Send BYTES bytes per write, even if that cuts a character, so that the server reads
        /// the text in pieces
        #[arg(long, value_name = "BYTES")]
        chunk: Option<NonZeroUsize>,
        /// Milliseconds to wait between two writes, with --chunk
        #[arg(long, value_name = "MS", default_value_t = 200)]
        pause: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::run("lesson2", || match cli.mode.unwrap_or(Mode::Demo) {
        Mode::Demo => demo::run(),
        Mode::Server(AddrArg { addr }) => lesson2::run_server(addr),
        Mode::Client {
            addr,
            text,
            chunk,
            pause,
        } => lesson2::run_client(addr.addr, &text, chunk, Duration::from_millis(pause)),
    })
}
