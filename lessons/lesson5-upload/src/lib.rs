//! Lesson 5: size-prefixed uploads and downloads.
//!
//! TCP delivers a stream of bytes, not messages: two sends can arrive as one recv, one send as
//! several. The article's put therefore announces the file's size first, and the server reads
//! exactly that many bytes. This lesson adds put and get to lesson 4's server and client.
//!
//! - [`transfer`]: copying exactly the announced number of bytes; a received file that gets its
//!   name only once complete.
//! - [`server`]: the server side of put and get, and the server with them.
//! - [`client`]: the client side of put and get, and the client with them.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use lesson4::server::FtpServer;
use socket_lab::listening;

pub mod client;
pub mod server;
pub mod transfer;

/// Where lesson 5's server keeps its users' homes unless told otherwise (ignored by git).
pub const DEFAULT_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ftp-root");

/// `lesson5 server`: lesson 4's server, with put and get.
pub fn run_server(addr: SocketAddr, users_file: &Path, root: &Path) -> anyhow::Result<()> {
    let users = lesson4::load_users(users_file)?;
    let listener = lesson1::listen(addr).with_context(|| format!("could not listen on {addr}"))?;
    listening::announce(&listener)?;
    let server = server::UploadServer::new(FtpServer::new(users, root.to_path_buf()));
    lesson3::serve_threaded(&listener, Arc::new(server))
}

/// `lesson5 client`: lesson 4's client, with put and get.
pub fn run_client(addr: SocketAddr) -> anyhow::Result<()> {
    lesson4::client::run_client(addr, client::run_command)
}
