//! Lesson 4, exercise `rm`, planted mistake 3: the reply names the path as the client sent it.
//!
//! It removes the right files, and refuses the rest. But its reply says `removed notes.txt`, or
//! `removed ../docs/report.txt`: the path as it came, relative to a current directory that the
//! reply does not give. The client was promised the file's path from the home, the one
//! `remove_file` returns, which says which file went whatever the current directory was.

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
    let reply = match session.workdir.remove_file(path) {
        Ok(_) => Reply {
            message: Some(format!("removed {path}")), // the mistake: the path as it was sent
            ..Reply::ok()
        },
        Err(err) => Reply::from(&err),
    };
    session.reply(&format!("rm {path}"), &reply)
}
