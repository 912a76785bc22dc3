//! The command-line convention every lesson follows.
//!
//! `lessonN` alone (or `lessonN demo`) runs the demo; `lessonN server` and `lessonN client` run one
//! side each, for two terminals. Both sides take `--addr HOST:PORT`, 127.0.0.1:8089 by default, the
//! address the article uses. A lesson declares its own modes with clap and flattens [`AddrArg`] into
//! a server mode and [`ConnectArg`] into a client mode (the same option, explained for each side);
//! [`run`] turns the error a mode returns into a sentence on stderr and a non-zero exit.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

/// The address the article's server binds and its client connects to.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8089";

/// `--addr HOST:PORT` of a server mode: where it listens.
#[derive(clap::Args, Debug, Clone)]
pub struct AddrArg {
    /// Address to listen on. Port 0 lets the OS pick a free port; the server prints the one it got
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_ADDR, value_parser = parse_addr)]
    pub addr: SocketAddr,
}

/// `--addr HOST:PORT` of a client mode: the server it connects to.
#[derive(clap::Args, Debug, Clone)]
pub struct ConnectArg {
    /// Address of the server to connect to: the one its `listening on` line shows
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

/// Accepts a number of seconds, fractions too (`0.5`), for the servers' timeout options.
pub fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|secs| std::time::Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| format!("`{text}` is not a number of seconds"))
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
            let addr = addr_given(std::env::args());
            if let Some(hint) = hint_for(&err, lesson, addr.as_deref()) {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

/// The `--addr` on a command line, as typed (`--addr X` or `--addr=X`): the server command in a
/// hint repeats it, so that the hint can be copied as it is.
pub fn addr_given(args: impl IntoIterator<Item = String>) -> Option<String> {
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--addr" {
            return args.next();
        }
        if let Some(addr) = arg.strip_prefix("--addr=") {
            return Some(addr.to_string());
        }
    }
    None
}

/// A sentence telling the user what to do about an error, when the error says it clearly enough.
/// `addr` is the `--addr` the user gave, if any.
pub fn hint_for(err: &anyhow::Error, lesson: &str, addr: Option<&str>) -> Option<String> {
    let kind = err
        .chain()
        .find_map(|cause| cause.downcast_ref::<io::Error>())?
        .kind();
    match kind {
        io::ErrorKind::ConnectionRefused => {
            let addr = addr
                .map(|addr| format!(" --addr {addr}"))
                .unwrap_or_default();
            Some(format!(
                "nothing is listening at that address. Start the server first, in another \
                 terminal: cargo run -p {lesson} -- server{addr}"
            ))
        }
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

#[cfg(test)]
mod tests {
    #[test]
    fn seconds_take_fractions_and_refuse_what_is_not_a_duration() {
        use std::time::Duration;
        assert_eq!(super::parse_seconds("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(super::parse_seconds("300"), Ok(Duration::from_secs(300)));
        for bad in ["-1", "soon", "NaN", ""] {
            assert!(super::parse_seconds(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn the_addr_given_is_found_in_both_spellings() {
        assert_eq!(addr_given(args("lesson1 client")), None);
        assert_eq!(
            addr_given(args("lesson1 client --addr 127.0.0.1:9000")).as_deref(),
            Some("127.0.0.1:9000")
        );
        assert_eq!(
            addr_given(args("lesson1 client --addr=localhost:9000 hi")).as_deref(),
            Some("localhost:9000")
        );
    }

    #[test]
    fn the_refused_hint_names_the_server_command_with_the_addr_given() {
        let refused = anyhow::Error::new(io::Error::from(io::ErrorKind::ConnectionRefused))
            .context("could not connect to 127.0.0.1:9000");
        let hint = hint_for(&refused, "lesson4", Some("127.0.0.1:9000")).unwrap();
        assert!(
            hint.ends_with("cargo run -p lesson4 -- server --addr 127.0.0.1:9000"),
            "{hint}"
        );
        let hint = hint_for(&refused, "lesson4", None).unwrap();
        assert!(hint.ends_with("cargo run -p lesson4 -- server"), "{hint}");
    }
}
