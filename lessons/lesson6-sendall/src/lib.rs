//! Lesson 6: send vs sendall.
//!
//! The article ends (section 四) with a warning: `send` may send only part of a long string, and
//! `sendall` sends all of it. In Rust the two are `write` and `write_all`. `write` returns how many
//! bytes the kernel took, which can be fewer than it was given; `write_all` calls `write` until
//! everything is taken. The article's own upload, `for line in f: s.send(line)`, ignores what
//! `send` returns.
//!
//! - [`buffers`]: sockets with small kernel buffers, which make a partial write easy to see.
//! - [`upload`]: the article's upload loop, the same loop with `write_all`, and what `write_all`
//!   does.
//! - [`client`]: lesson 5's client with the article's upload, for two terminals.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use lesson4::server::FtpServer;
use socket_lab::listening;

pub mod buffers;
pub mod client;
pub mod upload;

/// Where lesson 6's server keeps its users' homes unless told otherwise (ignored by git).
pub const DEFAULT_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ftp-root");

/// `lesson6 server`: lesson 5's server, on connections with small buffers, as over a slow link.
pub fn run_server(addr: SocketAddr, users_file: &Path, root: &Path) -> anyhow::Result<()> {
    let users = lesson4::load_users(users_file)?;
    let listener = buffers::listen_with_small_buffers(addr)
        .with_context(|| format!("could not listen on {addr}"))?;
    listening::announce(&listener)?;
    let server = lesson5::server::UploadServer::new(FtpServer::new(users, root.to_path_buf()));
    lesson3::serve_threaded(&listener, Arc::new(server))
}
