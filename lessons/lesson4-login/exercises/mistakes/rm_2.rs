//! Lesson 4, exercise `rm`, planted mistake 2: a refusal ends the session.
//!
//! It removes the right files, and only inside the home. But it passes `remove_file`'s error on
//! with `?`, the way Rust code passes errors up: `run` returns it, `serve` stops, and the
//! connection is closed. A path the server will not use is not a failure of the server: it is an
//! answer the client is waiting for, and the session should go on.

use std::io;

use lesson4::protocol::Reply;
use lesson4::session::Session;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Request {
    Help,
    Ls { path: Option<String> },
    Cd { path: String },
    Mkdir { path: String },
    Rm { path: String },
}

pub const COMMANDS: &[(&str, &str)] = &[("rm PATH", "remove a file")];

pub fn run(session: &mut Session, request: Request) -> io::Result<()> {
    match request {
        Request::Help => session.help(lesson4::server::COMMANDS.iter().chain(COMMANDS)),
        Request::Ls { path } => session.ls(path.as_deref()),
        Request::Cd { path } => session.cd(&path),
        Request::Mkdir { path } => session.mkdir(&path),
        Request::Rm { path } => rm(session, &path),
    }
}

pub fn rm(session: &mut Session, path: &str) -> io::Result<()> {
    // The mistake: a refusal becomes an error of the server, which ends the session unanswered.
    let removed = session
        .workdir
        .remove_file(path)
        .map_err(|err| io::Error::other(err.to_string()))?;
    let reply = Reply {
        message: Some(format!("removed {removed}")),
        ..Reply::ok()
    };
    session.reply(&format!("rm {path}"), &reply)
}
