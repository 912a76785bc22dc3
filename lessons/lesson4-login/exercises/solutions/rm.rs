//! Lesson 4, exercise `rm`: the reference solution.

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
    Rm { path: String },
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
        Request::Rm { path } => rm(session, &path),
    }
}

/// rm: removes the file that `path` names, and answers.
pub fn rm(session: &mut Session, path: &str) -> io::Result<()> {
    // `remove_file` resolves the path inside the home and refuses what leads out of it, refuses a
    // directory, and removes a symbolic link itself, never what it points to.
    let reply = match session.workdir.remove_file(path) {
        Ok(removed) => Reply {
            message: Some(format!("removed {removed}")),
            ..Reply::ok()
        },
        // Every refusal is answered: a client that sent a request waits for its reply.
        Err(err) => Reply::from(&err),
    };
    session.reply(&format!("rm {path}"), &reply)
}
