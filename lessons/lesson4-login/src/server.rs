//! The server: the article's `MyServer` handler, its login loop and its dispatch on `action`.
//!
//! It is a lesson 3 [`Handler`]: `serve_threaded` gives every connection a thread, and `handle`
//! first logs the client in, then answers its requests until it closes the connection.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use lesson3::Handler;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::home::Workdir;
use crate::protocol::{BAD_REQUEST, Reply, parse_request, recv_message};
use crate::session::{Log, Session, printable};
use crate::users::Users;

/// What the server answers when the login succeeds, at each of its two steps.
pub const LOGIN_OK: &[u8] = b"200";
/// The answers to a failed login. Any text but `200` means no; the client shows it as it is.
pub const UNKNOWN_USER: &str = "login failed: no such user";
pub const WRONG_PASSWORD: &str = "login failed: wrong password";
pub const NO_HOME: &str = "login failed: the server cannot open your home directory";

// ANCHOR: request
/// The requests of lesson 4, read from `{"action": ..., ...}`: serde picks the case from the
/// `action` field and fills in the others. An `action` that names no case is an error, which the
/// server answers; the article's server would say nothing and leave its client waiting.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Request {
    Help,
    Ls { path: Option<String> },
    Cd { path: String },
    Mkdir { path: String },
}

/// What the help command lists: each command's usage and what it does.
pub const COMMANDS: &[(&str, &str)] = &[
    ("help, ?", "list the commands"),
    ("ls [PATH]", "list the current directory, or PATH"),
    ("cd PATH", "change the current directory; / is your home"),
    ("mkdir PATH", "make a directory"),
];

/// The article's `getattr(self, "task_" + action)`, as a `match`: every action is handled, and
/// the compiler checks that none is forgotten.
pub fn run(session: &mut Session, request: Request) -> io::Result<()> {
    match request {
        Request::Help => session.help(COMMANDS),
        Request::Ls { path } => session.ls(path.as_deref()),
        Request::Cd { path } => session.cd(&path),
        Request::Mkdir { path } => session.mkdir(&path),
    }
}
// ANCHOR_END: request

// ANCHOR: serve
/// Answers one request after another until the client closes the connection.
///
/// `R` is the set of requests the server knows and `run` what it does for each: lesson 4 passes
/// its [`Request`] and [`run`], lesson 5 its own, with put and get. A message that is not a request
/// gets a 400 and a sentence that says why, and the session goes on.
pub fn serve<R: DeserializeOwned>(
    mut session: Session,
    mut run: impl FnMut(&mut Session, R) -> io::Result<()>,
) -> io::Result<()> {
    while let Some(message) = session.next_message()? {
        match parse_request(&message) {
            Ok(request) => run(&mut session, request)?,
            Err(why) => {
                let what = format!("request {}", String::from_utf8_lossy(&message));
                session.reply(&what, &Reply::error(BAD_REQUEST, why))?;
            }
        }
    }
    Ok(())
}
// ANCHOR_END: serve

/// The FTP server of lesson 4: who may log in, where their homes are, and where to log.
pub struct FtpServer {
    users: Users,
    root: PathBuf,
    log: Log,
}

impl FtpServer {
    /// A server for `users`, each with the home `root/NAME`, logging to stdout.
    pub fn new(users: Users, root: PathBuf) -> FtpServer {
        FtpServer {
            users,
            root,
            log: |line| println!("{line}"),
        }
    }

    /// The same server, logging through `log` instead.
    pub fn with_log(self, log: Log) -> FtpServer {
        FtpServer { log, ..self }
    }

    // ANCHOR: log_in
    /// The article's login exchange. Returns the session once the client has logged in, or `None`
    /// if it closed the connection first.
    ///
    /// 1. The client sends a user name. Unknown: an error text, and back to 1. Known: `200`.
    /// 2. The client sends the password. Its md5 hex digest is not the one in the users file: an
    ///    error text, and back to 1. It is: `200`, and the session begins.
    pub fn log_in(
        &self,
        mut stream: TcpStream,
        client_address: SocketAddr,
    ) -> io::Result<Option<Session>> {
        let log = |what: String| (self.log)(&printable(&format!("{client_address}: {what}")));
        loop {
            let Some(name) = recv_message(&mut stream)? else {
                log("closed the connection before logging in".to_string());
                return Ok(None);
            };
            let name = match std::str::from_utf8(&name) {
                Ok(name) if self.users.contains(name) => name.to_string(),
                _ => {
                    log(format!(
                        "user {:?} -> {UNKNOWN_USER}",
                        String::from_utf8_lossy(&name)
                    ));
                    stream.write_all(UNKNOWN_USER.as_bytes())?;
                    continue;
                }
            };
            log(format!("user {name:?} -> 200"));
            stream.write_all(LOGIN_OK)?;

            let Some(password) = recv_message(&mut stream)? else {
                log("closed the connection before logging in".to_string());
                return Ok(None);
            };
            if !self.users.password_matches(&name, &password) {
                log(format!("password for {name} -> {WRONG_PASSWORD}"));
                stream.write_all(WRONG_PASSWORD.as_bytes())?;
                continue;
            }
            let workdir = match Workdir::open(&self.root.join(&name)) {
                Ok(workdir) => workdir,
                Err(err) => {
                    log(format!("cannot open the home of {name}: {err}"));
                    stream.write_all(NO_HOME.as_bytes())?;
                    return Ok(None);
                }
            };
            log(format!("password for {name} -> 200, logged in"));
            stream.write_all(LOGIN_OK)?;
            return Ok(Some(Session::new(
                stream,
                name,
                workdir,
                client_address,
                self.log,
            )));
        }
    }
    // ANCHOR_END: log_in
}

impl Handler for FtpServer {
    fn handle(&self, request: TcpStream, client_address: SocketAddr) -> io::Result<()> {
        match self.log_in(request, client_address)? {
            Some(session) => serve(session, run),
            None => Ok(()),
        }
    }
}

/// Handles the next connection to `listener` on a thread of its own.
///
/// For demos: joining the thread waits until that connection has been handled to its end, so
/// what the server logs comes before whatever the demo prints next.
pub fn handle_next(
    listener: &TcpListener,
    handler: Arc<impl Handler>,
) -> io::Result<JoinHandle<io::Result<()>>> {
    let listener = listener.try_clone()?;
    Ok(thread::spawn(move || {
        let (stream, client_address) = listener.accept()?;
        handler.handle(stream, client_address)
    }))
}
