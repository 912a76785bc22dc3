//! Lesson 4, exercise `rm`, planted mistake 1: a refusal is never sent.
//!
//! It removes the right files, and only inside the home. But it answers only when it succeeds:
//! for a path it will not use, it sends nothing, and the client waits for a reply that never
//! comes. That is the article's own bug, its `hasattr` test without an `else`, written in Rust.

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
    if let Ok(removed) = session.workdir.remove_file(path) {
        let reply = Reply {
            message: Some(format!("removed {removed}")),
            ..Reply::ok()
        };
        session.reply(&format!("rm {path}"), &reply)?;
    }
    Ok(()) // no such file, a directory, outside the home: no answer at all
}
