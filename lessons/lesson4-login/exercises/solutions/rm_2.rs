//! Lesson 4, exercise `rm`: a second correct solution, written differently from the first.
//!
//! The case has a name of its own, `Remove`, renamed to `rm` for serde; a refusal goes through
//! `Session::refuse`, and the answer to a removal is built with `Reply::ok` and a message.

use std::io;

use lesson4::protocol::Reply;
use lesson4::session::Session;
use serde::Deserialize;

/// Lesson 4's requests, and rm.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Request {
    Help,
    Ls {
        path: Option<String>,
    },
    Cd {
        path: String,
    },
    Mkdir {
        path: String,
    },
    #[serde(rename = "rm")]
    Remove {
        path: String,
    },
}

/// What help lists besides lesson 4's commands.
pub const COMMANDS: &[(&str, &str)] = &[("rm PATH", "remove a file")];

/// Lesson 4's `run`, with rm.
pub fn run(session: &mut Session, request: Request) -> io::Result<()> {
    match request {
        Request::Remove { path } => rm(session, &path),
        Request::Help => session.help(lesson4::server::COMMANDS.iter().chain(COMMANDS)),
        Request::Ls { path } => session.ls(path.as_deref()),
        Request::Cd { path } => session.cd(&path),
        Request::Mkdir { path } => session.mkdir(&path),
    }
}

/// rm: removes the file that `path` names, and answers.
pub fn rm(session: &mut Session, path: &str) -> io::Result<()> {
    let what = format!("rm {path}");
    let removed = match session.workdir.remove_file(path) {
        Ok(removed) => removed,
        Err(refusal) => return session.refuse(&what, &refusal),
    };
    let mut reply = Reply::ok();
    reply.message = Some(format!("removed {removed}"));
    session.reply(&what, &reply)
}
