//! Lesson 7: the complete multi-user FTP server, completing the one the article starts in section 三.
//!
//! - [`protocol`]: the framed protocol, the one thing client and server share.
//! - [`accounts`]: the users file, with salted argon2 password hashes and quotas.
//! - [`store`]: what lesson 7 adds to lesson 4's `Workdir`: rm, unfinished uploads, quota usage.
//! - [`transfer`]: a file's bytes and their md5 in one pass.
//! - [`server`]: sessions on lesson 3's threaded server, bounded, with timeouts.
//! - [`client`]: the protocol from the client's side, and the interactive client.
//! - [`bench`]: how fast transfers go, against the simplest code that does the same work.

pub mod accounts;
pub mod bench;
pub mod client;
pub mod protocol;
pub mod server;
pub mod store;
pub mod transfer;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// How many connections the kernel may queue before the server accepts them.
///
/// Lesson 1 keeps the article's `listen(5)`. That is fine for one client at a time, and wrong for
/// a server that 200 clients reach at once: the sixth handshake that completes before `accept`
/// takes the first ones finds the queue full, Linux drops it, and that client waits for the
/// kernel's retransmissions, up to a minute. std's `TcpListener::bind` uses 128; Linux caps any
/// value at `net.core.somaxconn` (4096 by default).
pub const BACKLOG: i32 = 1024;

// ANCHOR: listen
/// Lesson 1's `listen`, with a backlog fit for many clients arriving at once.
pub fn listen(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    lesson1::listen_with_backlog(addr, BACKLOG)
}
// ANCHOR_END: listen

/// The sample users file: `alex` (password `alex3714`, quota 1 GiB) and `bob` (`bob2016`, 1 MiB).
pub fn default_users() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("users.json")
}

/// The users, passwords and quotas of the sample users file. alex may store 1 GiB, enough for a
/// file of a few hundred MB, where the progress bar and a resumed transfer are worth watching; bob
/// may store 1 MiB, so that a quota refusal is easy to see. A unit test checks them against the file.
pub const SAMPLE_LOGINS: [(&str, &str, u64); 2] =
    [("alex", "alex3714", 1 << 30), ("bob", "bob2016", 1 << 20)];

/// What the server's `--help` and its banner say about the sample users.
pub const SAMPLE_USERS_TEXT: &str =
    "sample users: alex (password alex3714, quota 1 GiB), bob (password bob2016, quota 1 MiB)";

/// The default root of the homes, in the lesson's folder; git ignores it.
pub fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("homes")
}

// ANCHOR: run_server
/// `lesson7 server`: load the users, listen on `addr`, serve forever.
pub fn run_server(addr: SocketAddr, users: &Path, config: server::Config) -> anyhow::Result<()> {
    let accounts = accounts::Accounts::load(users)?;
    std::fs::create_dir_all(&config.root)
        .with_context(|| format!("could not create the root {}", config.root.display()))?;
    let listener = listen(addr).with_context(|| format!("could not listen on {addr}"))?;
    socket_lab::listening::announce(&listener)?;
    server::serve(&listener, accounts, config)
}
// ANCHOR_END: run_server

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_logins_are_those_of_the_sample_users_file() {
        let accounts = accounts::Accounts::load(&default_users()).unwrap();
        for (name, password, quota) in SAMPLE_LOGINS {
            let account = accounts.verify(name, password).expect(name);
            assert_eq!(account.quota, quota, "{name}");
            let said = format!(
                "{name} (password {password}, quota {})",
                accounts::human_size(quota).replace(".0", "")
            );
            assert!(SAMPLE_USERS_TEXT.contains(&said), "{said}");
        }
    }
}
