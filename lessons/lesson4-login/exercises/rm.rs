//! Lesson 4, exercise `rm`: a new action, rm, which removes a file from the user's home.
//!
//! The request is `{"action": "rm", "path": PATH}`. PATH names a file the way cd's path names a
//! directory: from the current directory, or from the home with a leading `/`. The server removes
//! the file and answers `{"status": 200, "message": "removed /docs/notes.txt"}`, with the file's
//! path as the client sees it, from the home. It removes files only (a symbolic link is a file:
//! the link goes, what it points to stays), and only inside the user's home; for anything else it
//! answers what lesson 4's server answers for a path it will not use: 404 when there is no such
//! file, 403 for a path that leads out of the home, 400 for a directory, each with a `message`
//! that says why (in words of your choice). Whatever happens, the client gets an answer, and the
//! session goes on with the next request.
//!
//! The kit's server logs the client in as lesson 4's does, and then hands each request to your
//! `run`, through lesson 4's `serve`. You add rm to `Request`, send it to `rm` in `run`, and write
//! `rm`.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson4`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io;

use lesson4::protocol::Reply;
use lesson4::session::Session;
use serde::Deserialize;

/// Lesson 4's requests, and rm.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Request {
    Help,
    Ls { path: Option<String> },
    Cd { path: String },
    Mkdir { path: String },
    // TODO: the case for {"action": "rm", "path": "notes.txt"}.
}

/// What help lists besides lesson 4's commands.
pub const COMMANDS: &[(&str, &str)] = &[("rm PATH", "remove a file")];

/// Lesson 4's `run`, with rm.
pub fn run(session: &mut Session, request: Request) -> io::Result<()> {
    match request {
        Request::Help => session.help(lesson4::server::COMMANDS.iter().chain(COMMANDS)),
        Request::Ls { path } => session.ls(path.as_deref()),
        Request::Cd { path } => session.cd(&path),
        Request::Mkdir { path } => session.mkdir(&path),
        // TODO: rm.
    }
}

/// rm: removes the file that `path` names, and answers.
pub fn rm(session: &mut Session, path: &str) -> io::Result<()> {
    // TODO: `session.workdir` knows the home, and has a method for this. Answer with
    // `session.reply`, whatever happens: `Reply::from` turns a `PathError` into a refusal.
    todo!()
}
