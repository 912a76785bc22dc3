//! Lesson 5's client, with the article's put: one `write` per line, what it returns ignored.
//!
//! The socket has a small send buffer, and is non-blocking while the file goes out, which is how a
//! Python socket with a timeout sends: a `send` takes what fits at that moment. With
//! `--write-all`, each line goes out with `write_all` on a blocking socket instead.

use std::io::{self, BufReader};
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use lesson4::client::{Client, RunCommand, interact};
use socket_lab::demo::byte_count;

use crate::buffers::connect_with_small_buffers;
use crate::upload::{send_lines_like_the_article, send_lines_with_write_all};

/// How long the client waits for a reply: a server waiting for bytes that were never sent would
/// otherwise keep it waiting forever.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// `lesson6 client [--write-all]`.
pub fn run_client(addr: SocketAddr, write_all: bool) -> anyhow::Result<()> {
    let stream =
        connect_with_small_buffers(addr).with_context(|| format!("could not connect to {addr}"))?;
    stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
    println!("connected to {addr}");
    let client = Client {
        stream,
        user: String::new(),
    };
    let run_command: RunCommand = if write_all {
        |client, command, arg| run_command(client, command, arg, true)
    } else {
        |client, command, arg| run_command(client, command, arg, false)
    };
    interact(client, run_command)
}

/// put the article's way (or with `write_all`); anything else as lesson 5 does it.
fn run_command(client: &mut Client, command: &str, arg: &str, write_all: bool) -> io::Result<()> {
    let done = match command {
        "put" if !arg.is_empty() => put_line_by_line(client, arg, write_all),
        _ => lesson5::client::run_command(client, command, arg),
    };
    done.map_err(|err| match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "no reply within {} s: is the server still waiting for bytes that were never sent?",
                REPLY_TIMEOUT.as_secs()
            ),
        ),
        _ => err,
    })
}

// ANCHOR: put_line_by_line
fn put_line_by_line(client: &mut Client, path: &str, write_all: bool) -> io::Result<()> {
    let Some((file, name, size)) = lesson5::client::open_upload(path) else {
        return Ok(());
    };
    let how = if write_all { "write_all" } else { "write" };
    println!("put {name}: {}, one {how} per line", byte_count(size));
    if let Err(refusal) = lesson5::client::put_header(client, &name, size)? {
        println!("{refusal}");
        return Ok(());
    }
    let file = BufReader::new(file);
    let report = if write_all {
        send_lines_with_write_all(&mut client.stream, file)?
    } else {
        client.stream.set_nonblocking(true)?;
        let report = send_lines_like_the_article(&mut client.stream, file);
        client.stream.set_nonblocking(false)?;
        report?
    };
    println!(
        "{} lines: {how} was given {} bytes and took {}; {} lost, in {} short writes",
        report.lines,
        report.given,
        report.taken,
        report.given - report.taken,
        report.short
    );
    Ok(())
}
// ANCHOR_END: put_line_by_line
