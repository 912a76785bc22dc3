//! The command-line convention every lesson follows.
//!
//! `lessonN` alone (or `lessonN demo`) runs the demo; `lessonN server` and `lessonN client` run one
//! side each, for two terminals. Both sides take `--addr HOST:PORT`, 127.0.0.1:8089 by default, the
//! address the article uses. A lesson declares its own modes with clap and flattens [`AddrArg`] into
//! each; [`run`] turns the error a mode returns into a sentence on stderr and a non-zero exit.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

/// The address the article's server binds and its client connects to.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8089";

/// `--addr HOST:PORT`, shared by every server and client mode.
#[derive(clap::Args, Debug, Clone)]
pub struct AddrArg {
    /// Address to listen on (server) or connect to (client). Port 0 lets the OS pick a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR, value_parser = parse_addr)]
    pub addr: SocketAddr,
}

/// Accepts `127.0.0.1:8089`, `[::1]:8089` and names such as `localhost:8089`.
pub fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    let mut candidates = text
        .to_socket_addrs()
        .map_err(|err| format!("`{text}` is not an address of the form HOST:PORT ({err})"))?;
    // `localhost` may resolve to ::1 first; the kit's servers and clients default to IPv4.
    let all: Vec<SocketAddr> = candidates.by_ref().collect();
    all.iter()
        .find(|addr| addr.is_ipv4())
        .or(all.first())
        .copied()
        .ok_or_else(|| format!("`{text}` resolves to no address"))
}

/// Runs one mode of a lesson and turns its outcome into an exit code.
///
/// An error becomes `error: ...` on stderr, with every cause in the chain, followed by a `hint:`
/// line when the cause is one a user can fix (nothing listening, port taken). Nothing a user can
/// cause should end in a panic and a backtrace; this is where such errors land instead.
pub fn run(lesson: &str, mode: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    match mode() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if let Some(hint) = hint_for(&err, lesson) {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

/// A sentence telling the user what to do about an error, when the error says it clearly enough.
pub fn hint_for(err: &anyhow::Error, lesson: &str) -> Option<String> {
    let kind = err
        .chain()
        .find_map(|cause| cause.downcast_ref::<io::Error>())?
        .kind();
    match kind {
        io::ErrorKind::ConnectionRefused => Some(format!(
            "nothing is listening at that address. Start the server first, in another terminal: \
             cargo run -p {lesson} -- server"
        )),
        io::ErrorKind::AddrInUse => Some(
            "another program already listens on that port (perhaps a server you started earlier). \
             Stop it, or choose another port with --addr 127.0.0.1:PORT"
                .to_string(),
        ),
        io::ErrorKind::AddrNotAvailable => {
            Some("that address does not belong to this machine; 127.0.0.1 always does".to_string())
        }
        io::ErrorKind::PermissionDenied => {
            Some("ports below 1024 need administrator rights; pick a port above 1024".to_string())
        }
        _ => None,
    }
}
