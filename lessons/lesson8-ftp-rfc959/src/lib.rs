//! Lesson 8: lesson 7's server speaking real FTP (RFC 959), so that curl, lftp, FileZilla and
//! Python's `ftplib` use it.
//!
//! - [`control`]: the control connection's command lines and numbered replies.
//! - [`passive`]: the data connection of each transfer, on a port the server listens on.
//! - [`listing`]: LIST, NLST and MLSD lines, and the times they carry.
//! - [`server`]: the sessions, on lesson 7's accounts, homes, quotas, bounds and timeouts.
//! - [`client`]: the few commands the demo and the `client` mode need, from the client's side.
//! - [`bench`]: `lesson8 bench`, curl through lesson 8 and through pyftpdlib, side by side.

pub mod bench;
pub mod client;
pub mod control;
pub mod listing;
pub mod passive;
pub mod server;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The ports passive listeners use unless told otherwise: room for 1000 transfers at once, just
/// above the ports Linux picks for outgoing connections (32768-60999 by default,
/// net.ipv4.ip_local_port_range), so that no outgoing connection of the machine holds one.
pub const DEFAULT_PASSIVE_PORTS: &str = "61000-61999";

/// The default root of the homes, in the lesson's folder; git ignores it.
pub fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("homes")
}

// ANCHOR: run_server
/// `lesson8 server`: lesson 7's users file and listener, this lesson's sessions.
pub fn run_server(addr: SocketAddr, users: &Path, config: server::Config) -> anyhow::Result<()> {
    let accounts = lesson7::accounts::Accounts::load(users)?;
    let root = &config.lesson7.root;
    std::fs::create_dir_all(root)
        .with_context(|| format!("could not create the root {}", root.display()))?;
    let listener = lesson7::listen(addr).with_context(|| format!("could not listen on {addr}"))?;
    socket_lab::listening::announce(&listener)?;
    server::serve(&listener, accounts, config)
}
// ANCHOR_END: run_server
