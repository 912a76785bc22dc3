//! `cargo run -p lesson3b`: the demo; `-- server --model ...` and `-- client` for two or three
//! terminals; `--release -- bench` for the benchmark.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use lesson3b::Model;
use socket_lab::cli::{self, AddrArg, ConnectArg};

mod demo;

/// Lesson 3b: one thread watching many sockets (I/O multiplexing), what socketserver's
/// serve_forever really does, and what threads and event loops cost, following section 二 of the
/// article.
///
/// Without a mode, runs the demo: servers and clients in one process, narrated.
#[derive(Parser)]
#[command(name = "lesson3b")]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Subcommand)]
enum Mode {
    /// Run the narrated demo (the default)
    Demo,
    /// Listen, and serve lesson 3's protocol (read one message, print it, answer) in one of three
    /// models
    Server {
        #[command(flatten)]
        addr: AddrArg,
        /// forever: serve_forever with a thread per connection (ThreadingTCPServer); mio: one
        /// thread, an event loop; tokio: one thread, async/await
        #[arg(long, value_enum, default_value_t = Model::Mio)]
        model: Model,
        /// How many finished handshakes the kernel queues for accept (listen's backlog); 5 is
        /// the article's, socketserver's request_queue_size
        #[arg(long, default_value_t = lesson1::BACKLOG)]
        backlog: i32,
    },
    /// Connect, send one message, print the answer and how long it took (lesson 3's client)
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
    /// Measure the three models with many idle connections (run it with --release)
    Bench(lesson3b::bench::Options),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::run("lesson3b", || match cli.mode.unwrap_or(Mode::Demo) {
        Mode::Demo => demo::run(),
        Mode::Server {
            addr,
            model,
            backlog,
        } => lesson3b::run_server(addr.addr, model, backlog),
        Mode::Client {
            addr,
            message,
            hold,
        } => lesson3::run_client(addr.addr, &message, Duration::from_secs(hold)),
        Mode::Bench(options) => lesson3b::bench::run(options),
    })
}
