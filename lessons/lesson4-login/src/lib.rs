//! Lesson 4: login and JSON dispatch.
//!
//! The article's FTP server (section 三) as far as its login and its command loop: the client logs
//! in with a user name and a password checked against md5 digests in a users file, then sends JSON
//! requests that the server dispatches on their `action`. Each user has a home directory, and each
//! session a current directory in it.
//!
//! - [`users`]: the users file, md5, and why md5 is not enough.
//! - [`protocol`]: the messages: replies, and reading a request.
//! - [`home`]: a user's home directory and a session's current directory, where every path a
//!   client names is resolved inside the home or refused.
//! - [`session`]: one logged-in client on the server, and what the server does for each request.
//! - [`server`]: the handler: login, then requests dispatched on their action.
//! - [`client`]: the article's client: the login prompts and a command loop.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use socket_lab::listening;

pub mod client;
pub mod home;
pub mod protocol;
pub mod server;
pub mod session;
pub mod users;

use server::FtpServer;
use users::Users;

/// The sample users file: alex and eric (password `abc123`), jack (password `qwer`).
pub const SAMPLE_USERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/users.json");

/// The users and passwords of the sample users file (lessons 4 to 6 share it). A unit test checks
/// them against the file, so that what the help and the banner say is what logs in.
pub const SAMPLE_LOGINS: [(&str, &str); 3] =
    [("alex", "abc123"), ("eric", "abc123"), ("jack", "qwer")];

/// What a server's `--help` and its first line say about the sample users.
pub const SAMPLE_USERS_TEXT: &str =
    "sample users: alex and eric (password abc123), jack (password qwer)";

/// The help of a server of lessons 4 to 6 after its options: who can log in without a users file.
pub const SERVER_AFTER_HELP: &str = "Without --users the server reads lesson 4's users.json, whose \
     sample users are alex and eric (password abc123) and jack (password qwer).";

/// The help of a client of lessons 4 to 6 after its options.
pub const CLIENT_AFTER_HELP: &str = "A server started without --users knows the sample users \
     alex and eric (password abc123) and jack (password qwer).";

/// Where lesson 4's server keeps its users' homes unless told otherwise (ignored by git).
pub const DEFAULT_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ftp-root");

/// `--users FILE` and `--root DIR`, the options every server of lessons 4 to 6 takes. Without them
/// a server reads the sample users and keeps the homes in `ftp-root/` in its own lesson's folder.
/// The help gives the defaults in words: the paths themselves are those of the machine that built
/// the program.
#[derive(clap::Args, Debug, Clone)]
pub struct ServerFiles {
    /// The users file: {"NAME": {"passwd": "<md5 hex of the password>"}, ...} [default: the
    /// sample users, users.json in lesson 4's folder]
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
    /// The directory that holds one home directory per user [default: ftp-root in the lesson's
    /// folder]
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

impl ServerFiles {
    /// The users file given, or the sample users.
    pub fn users(&self) -> PathBuf {
        self.users
            .clone()
            .unwrap_or_else(|| PathBuf::from(SAMPLE_USERS))
    }

    /// The root given, or the lesson's own `default_root`.
    pub fn root(&self, default_root: &str) -> PathBuf {
        self.root
            .clone()
            .unwrap_or_else(|| PathBuf::from(default_root))
    }
}

/// Reads a users file (saying which file, and what is wrong with it, when it cannot) and prints
/// the user names: a server's first line. For the sample users file it also prints their
/// passwords, so that whoever sits at the client's terminal knows how to log in.
pub fn load_users(path: &Path) -> anyhow::Result<Users> {
    let users = Users::load(path)
        .with_context(|| format!("could not read the users file {}", path.display()))?;
    let names: Vec<&str> = users.names().collect();
    println!("users: {}", names.join(", "));
    if path == Path::new(SAMPLE_USERS) {
        println!("{SAMPLE_USERS_TEXT}");
    }
    Ok(users)
}

// ANCHOR: run
/// `lesson4 server`: load the users, listen on `addr`, and give every connection a thread.
pub fn run_server(addr: SocketAddr, users_file: &Path, root: &Path) -> anyhow::Result<()> {
    let users = load_users(users_file)?;
    let listener = lesson1::listen(addr).with_context(|| format!("could not listen on {addr}"))?;
    listening::announce(&listener)?;
    lesson3::serve_threaded(
        &listener,
        Arc::new(FtpServer::new(users, root.to_path_buf())),
    )
}
// ANCHOR_END: run

/// `lesson4 useradd NAME --users FILE`: set NAME's password (read from stdin) in FILE, which is
/// created if it does not exist.
pub fn run_useradd(name: &str, users_file: &Path, password: &str) -> anyhow::Result<()> {
    let mut users = if users_file.exists() {
        Users::load(users_file)
            .with_context(|| format!("could not read the users file {}", users_file.display()))?
    } else {
        Users::default()
    };
    let added = users
        .set_password(name, password)
        .map_err(anyhow::Error::msg)?;
    users
        .save(users_file)
        .with_context(|| format!("could not write the users file {}", users_file.display()))?;
    let done = if added {
        "added"
    } else {
        "changed the password of"
    };
    println!("{done} {name} in {}", users_file.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_logins_are_those_of_the_sample_users_file() {
        let users = Users::load(Path::new(SAMPLE_USERS)).unwrap();
        assert_eq!(
            users.names().collect::<Vec<_>>(),
            SAMPLE_LOGINS.map(|(name, _)| name)
        );
        for (name, password) in SAMPLE_LOGINS {
            assert!(users.password_matches(name, password.as_bytes()), "{name}");
            for text in [SAMPLE_USERS_TEXT, SERVER_AFTER_HELP, CLIENT_AFTER_HELP] {
                assert!(text.contains(name) && text.contains(password), "{text}");
            }
        }
    }
}
