//! Lesson 4, exercise `rm`: the reference solution.

use std::fs;
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
    // `existing_file` resolves the path inside the home, symbolic links followed, and refuses
    // a directory; a failure to remove is a `PathError` too (`?` converts it).
    let removed = session
        .workdir
        .existing_file(path)
        .and_then(|file| Ok(fs::remove_file(file)?));
    let reply = match removed {
        Ok(()) => Reply {
            message: Some(format!("removed {path}")),
            ..Reply::ok()
        },
        // Every refusal is answered: a client that sent a request waits for its reply.
        Err(err) => Reply::from(&err),
    };
    session.reply(&format!("rm {path}"), &reply)
}
