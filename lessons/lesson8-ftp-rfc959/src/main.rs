//! `cargo run -p lesson8`: the demo; `-- server`, `-- client`, `-- bench`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use socket_lab::cli::{self, AddrArg, ConnectArg};
use socket_lab::input::Input;

mod demo;

/// Lesson 8: lesson 7's FTP server speaking real FTP (RFC 959), for curl, lftp, FileZilla and
/// Python's ftplib.
///
/// Without a mode, runs the demo: a server and a small client in one process, the control
/// connection's dialogue printed line by line.
#[derive(Parser)]
#[command(name = "lesson8")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the narrated demo (the default)
    Demo,
    /// Serve the users of lesson 7's users file over FTP, each in a home under the root
    #[command(after_help = SERVER_AFTER_HELP)]
    Server(ServerArgs),
    /// Log in and type commands: ls [PATH], get NAME, put FILE, q; any other line is sent as an
    /// FTP command (PWD, MKD docs, SIZE notes.txt)
    #[command(after_help = CLIENT_AFTER_HELP)]
    Client(ConnectArg),
    /// Time curl's downloads and uploads through lesson 8 and through pyftpdlib, side by side
    Bench(lesson8::bench::Options),
}

#[derive(Args)]
struct ServerArgs {
    #[command(flatten)]
    addr: AddrArg,
    /// The users file, lesson 7's (`cargo run -p lesson7 -- useradd` adds users)
    /// [default: lesson 7's sample users]
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// The folder that holds the homes, one per user [default: homes/ in the lesson's folder]
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The ports passive data connections may use; a firewall must let them through
    #[arg(long, value_name = "FIRST-LAST", default_value = lesson8::DEFAULT_PASSIVE_PORTS,
          value_parser = lesson8::passive::parse_range)]
    passive_ports: std::ops::RangeInclusive<u16>,
    /// The most logged-in sessions at once
    #[arg(long, value_name = "N", default_value_t = 64)]
    max_clients: usize,
    /// Seconds a client may stay silent between commands (vsftpd's idle_session_timeout: 300)
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = cli::parse_seconds)]
    idle_timeout: Duration,
    /// Seconds a connection has to log in
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = cli::parse_seconds)]
    login_timeout: Duration,
    /// Seconds to wait for a data connection, and that a transfer may go without moving a byte
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = cli::parse_seconds)]
    stall_timeout: Duration,
    /// Seconds every failed login takes, at least
    #[arg(long, value_name = "SECS", default_value = "1", value_parser = cli::parse_seconds)]
    login_delay: Duration,
}

const SERVER_AFTER_HELP: &str = "Without --users the server reads lesson 7's users.json, whose \
     sample users are alex (password alex3714, quota 1 GiB) and bob (password bob2016, quota 1 \
     MiB). Any FTP client can log in: curl ftp://alex:alex3714@127.0.0.1:8089/ lists alex's home.";

const CLIENT_AFTER_HELP: &str = "A server started without --users knows the sample users alex \
     (password alex3714, quota 1 GiB) and bob (password bob2016, quota 1 MiB).";

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::run("lesson8", || match cli.mode.unwrap_or(Mode::Demo) {
        Mode::Demo => demo::run(),
        Mode::Server(args) => {
            if args.users.is_none() {
                println!("{}", lesson7::SAMPLE_USERS_TEXT);
            }
            let users = args.users.unwrap_or_else(lesson7::default_users);
            let root = args.root.unwrap_or_else(lesson8::default_root);
            let mut lesson7 = lesson7::server::Config::new(root);
            lesson7.max_clients = args.max_clients;
            lesson7.idle_timeout = args.idle_timeout;
            lesson7.login_timeout = args.login_timeout;
            lesson7.stall_timeout = args.stall_timeout;
            lesson7.login_delay = args.login_delay;
            let config = lesson8::server::Config {
                lesson7,
                passive_ports: args.passive_ports,
            };
            lesson8::run_server(args.addr.addr, &users, config)
        }
        Mode::Client(ConnectArg { addr }) => lesson8::client::interactive(addr, Input::stdin()),
        Mode::Bench(options) => lesson8::bench::run(&options),
    })
}
