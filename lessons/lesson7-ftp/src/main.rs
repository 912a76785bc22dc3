//! `cargo run -p lesson7`: the demo; `-- server`, `-- client`, `-- useradd`, `-- bench`.

use std::io::{self, BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use lesson7::accounts::{self, Cost, Useradd};
use lesson7::server::Config;
use socket_lab::cli::{self, AddrArg, ConnectArg};
use socket_lab::input::Input;

mod demo;

/// Lesson 7: the complete multi-user FTP server and client, completing the article's (section 三).
///
/// Without a mode, runs the demo: a server and a client in one process, narrated.
#[derive(Parser)]
#[command(name = "lesson7")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the narrated demo (the default)
    Demo,
    /// Serve the users of a users file, each in a home under the root
    #[command(after_help = SERVER_AFTER_HELP)]
    Server(ServerArgs),
    /// Log in and type commands (help lists them); reads stdin, so it can be scripted
    #[command(after_help = CLIENT_AFTER_HELP)]
    Client(ConnectArg),
    /// Add a user to a users file, or change a user's password or quota; reads the password from
    /// the first line of stdin
    Useradd(UseraddArgs),
    /// Measure transfer rates against a plain socket copy and the simplest verified transfer
    Bench(lesson7::bench::Options),
}

#[derive(Args)]
struct ServerArgs {
    #[command(flatten)]
    addr: AddrArg,
    /// The users file [default: the sample users, users.json in the lesson's folder]
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// The folder that holds the homes, one per user [default: homes/ in the lesson's folder]
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The most logged-in sessions at once; the next login is told the server is busy
    #[arg(long, value_name = "N", default_value_t = 64)]
    max_clients: usize,
    /// The most connections not logged in yet, at once (pyftpdlib's max_cons: 512)
    #[arg(long, value_name = "N", default_value_t = 512)]
    max_unauthenticated: usize,
    /// The most password checks running at once, each using the hash's memory cost
    /// [default: the number of cores]
    #[arg(long, value_name = "N")]
    max_verifying: Option<usize>,
    /// The most files, directories and links one home may hold
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_entries: u64,
    /// Seconds a client may stay silent between requests (vsftpd's idle_session_timeout: 300)
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = cli::parse_seconds)]
    idle_timeout: Duration,
    /// Seconds a connection has to log in (vsftpd's accept_timeout and connect_timeout: 60)
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = cli::parse_seconds)]
    login_timeout: Duration,
    /// Seconds a request may take from its first byte to its last (Apache's
    /// RequestReadTimeout header=20); a transfer's grace before --min-rate applies
    #[arg(long, value_name = "SECS", default_value = "20", value_parser = cli::parse_seconds)]
    request_timeout: Duration,
    /// Seconds a transfer may go without moving a byte
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = cli::parse_seconds)]
    stall_timeout: Duration,
    /// The slowest a transfer may go, in bytes per second, after --request-timeout (Apache's
    /// RequestReadTimeout MinRate=500); 0 for no minimum
    #[arg(long, value_name = "BYTES", default_value_t = 500)]
    min_rate: u64,
    /// Seconds every failed login takes, at least
    #[arg(long, value_name = "SECS", default_value = "1", value_parser = cli::parse_seconds)]
    login_delay: Duration,
}

#[derive(Args)]
struct UseraddArgs {
    /// The user's name (also the name of their home directory)
    name: String,
    /// The users file to change; created if it does not exist
    #[arg(long, value_name = "FILE")]
    users: PathBuf,
    /// How much the user may store, such as 500MiB or 2GiB [default for a new user: 100MiB; an
    /// existing user keeps theirs]
    #[arg(long, value_name = "SIZE", value_parser = accounts::parse_size)]
    quota: Option<u64>,
    /// argon2's memory cost in KiB (the default is OWASP's recommendation; tests use less)
    #[arg(long, value_name = "KIB", default_value_t = Cost::default().memory_kib)]
    memory_kib: u32,
    /// argon2's passes over that memory
    #[arg(long, value_name = "N", default_value_t = Cost::default().passes)]
    passes: u32,
}

/// What the server's help says after its options.
const SERVER_AFTER_HELP: &str = "Without --users the server reads the lesson's users.json, whose \
     sample users are alex (password alex3714, quota 1 GiB: room for a file of a few hundred MB) \
     and bob (password bob2016, quota 1 MiB). `lesson7 useradd` adds users or changes them.";

/// What the client's help says after its options.
const CLIENT_AFTER_HELP: &str = "A server started without --users knows the sample users alex \
     (password alex3714, quota 1 GiB) and bob (password bob2016, quota 1 MiB).";

/// `lesson7 useradd`: reads the password, changes the file, says what changed.
fn useradd(args: &UseraddArgs) -> anyhow::Result<()> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprint!(
            "password for {} (it shows as you type; empty keeps an existing user's): ",
            args.name
        );
    }
    let mut password = String::new();
    stdin.lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    let cost = Cost {
        memory_kib: args.memory_kib,
        passes: args.passes,
    };
    let (name, file) = (&args.name, args.users.display());
    match accounts::useradd(&args.users, name, password, args.quota, cost)? {
        Useradd::Added { quota } => {
            println!(
                "added {name} to {file}, quota {}",
                accounts::human_size(quota)
            );
        }
        Useradd::Changed { password, quota } => {
            let mut changes = Vec::new();
            if password {
                changes.push("new password".to_string());
            }
            if let Some((old, new)) = quota {
                let (old, new) = (accounts::human_size(old), accounts::human_size(new));
                changes.push(format!("quota {old} -> {new}"));
            }
            println!("updated {name} in {file}: {}", changes.join("; "));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::run("lesson7", || match cli.mode.unwrap_or(Mode::Demo) {
        Mode::Demo => demo::run(),
        Mode::Server(args) => {
            if args.users.is_none() {
                println!("{}", lesson7::SAMPLE_USERS_TEXT);
            }
            let users = args.users.unwrap_or_else(lesson7::default_users);
            let mut config = Config::new(args.root.unwrap_or_else(lesson7::default_root));
            config.max_clients = args.max_clients;
            config.max_unauthenticated = args.max_unauthenticated;
            config.max_verifying = args.max_verifying.unwrap_or(config.max_verifying);
            config.max_entries = args.max_entries;
            config.idle_timeout = args.idle_timeout;
            config.login_timeout = args.login_timeout;
            config.request_timeout = args.request_timeout;
            config.stall_timeout = args.stall_timeout;
            config.min_rate = args.min_rate;
            config.login_delay = args.login_delay;
            lesson7::run_server(args.addr.addr, &users, config)
        }
        Mode::Client(ConnectArg { addr }) => lesson7::client::interactive(addr, Input::stdin()),
        Mode::Useradd(args) => useradd(&args),
        Mode::Bench(options) => lesson7::bench::run(&options),
    })
}
