//! Socket Lab's shared scaffolding: the parts of every lesson that no lesson is about.
//!
//! A lesson's own code (under `lessons/`) is about sockets. What it needs besides (reading its
//! command line, reporting an error as a sentence, narrating a demo, starting a server process and
//! waiting until it listens) is written once, here.
//!
//! - [`bench`]: benchmarks that hold still: contenders interleaved, medians and spreads.
//! - [`cli`]: the command-line convention (`demo`, `server`, `client`, `--addr`) and error reports.
//! - [`demo`]: how a demo narrates what happens on the wire.
//! - [`exercise`]: what the exercises' tests share: the code under test (the student's, or a
//!   teacher's command) on a free port, and the kit's side of the conversation, with timeouts.
//! - [`listening`]: the `listening on HOST:PORT` line every server prints when it is ready.
//! - [`process`]: starting a server as a child process and finding its port, for tests and the checker.
//! - [`input`]: reading what the user types after a prompt, for the interactive clients.
//! - [`links`]: making a symbolic link on Unix and on Windows, for tests.

pub mod bench;
pub mod cli;
pub mod demo;
pub mod exercise;
pub mod input;
pub mod links;
pub mod listening;
pub mod process;
