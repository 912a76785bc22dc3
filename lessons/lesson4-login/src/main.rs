//! `cargo run -p lesson4`: the demo; `-- server` and `-- client` for two terminals; `-- useradd`.

use std::io::{self, BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use socket_lab::cli::{self, AddrArg, ConnectArg};

mod demo;

/// Lesson 4: login and JSON dispatch, following section 三 of the article.
///
/// Without a mode, runs the demo: server and client in one process, narrated.
#[derive(Parser)]
#[command(name = "lesson4")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the narrated demo (the default)
    Demo,
    /// Serve logins and ls, cd, mkdir in each user's home, one thread per client
    #[command(after_help = lesson4::SERVER_AFTER_HELP)]
    Server {
        #[command(flatten)]
        addr: AddrArg,
        #[command(flatten)]
        files: lesson4::ServerFiles,
    },
    /// Log in with the article's prompts, then read commands (help, ls, cd, mkdir, q) from stdin
    #[command(after_help = lesson4::CLIENT_AFTER_HELP)]
    Client(ConnectArg),
    /// Add a user to a users file, or change their password; reads the password from stdin
    Useradd {
        /// The user's name, which is also the name of their home directory
        name: String,
        /// The users file to change (created if it does not exist)
        #[arg(long, value_name = "FILE")]
        users: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::run("lesson4", || match cli.mode.unwrap_or(Mode::Demo) {
        Mode::Demo => demo::run(),
        Mode::Server { addr, files } => lesson4::run_server(
            addr.addr,
            &files.users(),
            &files.root(lesson4::DEFAULT_ROOT),
        ),
        Mode::Client(ConnectArg { addr }) => {
            lesson4::client::run_client(addr, lesson4::client::run_command)
        }
        Mode::Useradd { name, users } => {
            let password = read_password(&name)?;
            lesson4::run_useradd(&name, &users, &password)
        }
    })
}

/// The first line of stdin, without its line ending.
fn read_password(name: &str) -> anyhow::Result<String> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprint!("password for {name} (it shows as you type): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
