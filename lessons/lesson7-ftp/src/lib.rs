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

/// The sample users file: `alex` (password `alex3714`) and `bob` (`bob2016`).
pub fn default_users() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("users.json")
}

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
