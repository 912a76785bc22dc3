//! The client: [`Client`] speaks the protocol; [`interactive`] is the article's command loop on
//! top of it, typed by hand or piped from a script.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, IsTerminal};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use lesson4::client::{COMMAND_PROMPT, PASSWORD_PROMPT, USER_PROMPT};
use md5::{Digest, Md5};
use serde_json::Value;
use socket_lab::demo::byte_count;
use socket_lab::input::Input;

use crate::accounts::human_size;
use crate::protocol::{self, MAX_REPLY, Reply, Request, Trailer, hex, status};
use crate::transfer::{copy_hashed, hash_prefix};

/// How long the client waits for the server to answer or to send the next bytes.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// What a client call can end in besides success.
#[derive(Debug)]
pub enum ClientError {
    /// The server answered with a status other than 200.
    Refused(Reply),
    /// A download arrived whole, but its md5 is not the one the server sent.
    Mismatch { expected: String, got: String },
    /// A local file could not be read or created, before anything was sent: the session goes on.
    Local(String),
    /// The connection failed, timed out, or carried something that is not the protocol.
    Io(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Refused(reply) => write!(f, "{} {}", reply.status, reply.error_text()),
            ClientError::Mismatch { expected, got } => write!(
                f,
                "md5 mismatch: the server's file has md5 {expected}, the bytes that arrived \
                 have {got}; the download was discarded"
            ),
            ClientError::Local(why) => write!(f, "{why}"),
            ClientError::Io(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for ClientError {
    /// An `Io` error already shows the io::Error's text, so its source is the io::Error's own
    /// source: an error chain that held both would print the same sentence twice.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Io(err) => err.source(),
            _ => None,
        }
    }
}

impl ClientError {
    /// The error for a command's outcome: an `Io` error as the io::Error itself, so that
    /// `cli::run` finds it and gives its hint ("nothing is listening").
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            ClientError::Io(err) => err.into(),
            other => other.into(),
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(err: io::Error) -> Self {
        ClientError::Io(err)
    }
}

/// The outcome of a put or a get, as the receiving side confirmed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Transferred {
    /// The file's whole size.
    pub size: u64,
    /// Where this transfer started: 0, or the bytes an interrupted one had already moved.
    pub resumed_from: u64,
    /// The md5 of the whole file, checked by the receiver.
    pub md5: String,
    /// Where the file now is: its path on the server for a put, the local path for a get.
    pub path: String,
}

// ANCHOR: client
/// A connection to a lesson 7 server.
pub struct Client {
    stream: TcpStream,
}

impl Client {
    /// Connects and reads the greeting; a busy server's 503 is an error.
    pub fn connect(addr: SocketAddr) -> Result<Client, ClientError> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(REPLY_TIMEOUT))?;
        stream.set_write_timeout(Some(REPLY_TIMEOUT))?;
        let mut client = Client { stream };
        client.read_reply()?;
        Ok(client)
    }

    pub fn login(&mut self, user: &str, password: &str) -> Result<Reply, ClientError> {
        self.call(&Request::Login {
            user: user.into(),
            password: password.into(),
            version: protocol::VERSION,
        })
    }

    /// Sends one request and reads its reply.
    pub fn call(&mut self, request: &Request) -> Result<Reply, ClientError> {
        protocol::write_frame(&mut self.stream, request)?;
        self.read_reply()
    }

    /// The connection itself, for a demo or a test that needs to misbehave on purpose.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    fn read_reply(&mut self) -> Result<Reply, ClientError> {
        let object = protocol::read_frame(&mut self.stream, MAX_REPLY).map_err(io::Error::from)?;
        let reply = Reply::from_json(Value::Object(object))?;
        if reply.is_ok() {
            Ok(reply)
        } else {
            Err(ClientError::Refused(reply))
        }
    }
}
// ANCHOR_END: client

impl Client {
    // ANCHOR: put
    /// Uploads `local` into the server's current directory, under its own name. When the server
    /// holds the start of it from an interrupted upload, only the rest goes; the md5 covers the
    /// whole file either way. `progress` hears (bytes done, bytes in all).
    pub fn put(
        &mut self,
        local: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Transferred, ClientError> {
        let name = file_name(local)?;
        let unreadable =
            |err: io::Error| ClientError::Local(format!("cannot read {}: {err}", local.display()));
        let mut file = File::open(local).map_err(unreadable)?;
        let metadata = file.metadata().map_err(unreadable)?;
        if !metadata.is_file() {
            let why = format!("{} is not a file", local.display());
            return Err(ClientError::Local(why));
        }
        let size = metadata.len();
        let ready = self.call(&Request::Put {
            name: name.to_string(),
            size,
        })?;
        let offset = ready.u64("offset").unwrap_or(0).min(size);
        let mut md5 = Md5::new();
        hash_prefix(&mut file, offset, &mut md5)?;
        copy_hashed(
            &mut file,
            &mut self.stream,
            size - offset,
            &mut md5,
            &mut |done| progress(offset + done, size),
        )?;
        let stored = self.call_after_data(&Trailer {
            md5: hex(&md5.finalize()),
        })?;
        Ok(Transferred {
            size,
            resumed_from: offset,
            md5: stored.str("md5").unwrap_or_default().to_string(),
            path: stored.str("path").unwrap_or_default().to_string(),
        })
    }
    // ANCHOR_END: put

    // ANCHOR: get
    /// Downloads `path` into `local_dir`, under its own name. The bytes go to `NAME.part` first,
    /// which a later get of the same file continues; only a download whose md5 matches becomes
    /// `NAME`.
    pub fn get(
        &mut self,
        path: &str,
        local_dir: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Transferred, ClientError> {
        let name = file_name(Path::new(path))?;
        let target = local_dir.join(name);
        let partial = local_dir.join(format!("{name}.part"));
        // Opened before asking, so that a local problem is reported while the connection is
        // still between two requests.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&partial)
            .map_err(|err| {
                ClientError::Local(format!("cannot write {}: {err}", partial.display()))
            })?;
        let mut offset = file.metadata()?.len();
        let ready = match self.call(&Request::Get {
            path: path.to_string(),
            offset,
        }) {
            // The file on the server is now shorter than what we hold: start again.
            Err(ClientError::Refused(reply)) if reply.status == status::BAD_RANGE => {
                file.set_len(0)?;
                offset = 0;
                self.call(&Request::Get {
                    path: path.to_string(),
                    offset,
                })?
            }
            Err(refused) => {
                if offset == 0 {
                    drop(file);
                    fs::remove_file(&partial)?; // nothing to keep for a resume
                }
                return Err(refused);
            }
            Ok(ready) => ready,
        };
        let size = ready.u64("size").unwrap_or(0);
        let mut md5 = Md5::new();
        hash_prefix(&mut file, offset, &mut md5)?;
        let len = size.saturating_sub(offset);
        copy_hashed(&mut self.stream, &mut file, len, &mut md5, &mut |done| {
            progress(offset + done, size)
        })?;
        drop(file);
        let trailer = protocol::read_frame(&mut self.stream, MAX_REPLY).map_err(io::Error::from)?;
        let expected = serde_json::from_value::<Trailer>(Value::Object(trailer))
            .map_err(io::Error::from)?
            .md5;
        let got = hex(&md5.finalize());
        if expected != got {
            fs::remove_file(&partial)?;
            return Err(ClientError::Mismatch { expected, got });
        }
        fs::rename(&partial, &target)?;
        Ok(Transferred {
            size,
            resumed_from: offset,
            md5: got,
            path: target.display().to_string(),
        })
    }
    // ANCHOR_END: get

    /// Sends the frame that follows a put's data and reads the verdict.
    fn call_after_data(&mut self, trailer: &Trailer) -> Result<Reply, ClientError> {
        protocol::write_frame(&mut self.stream, trailer)?;
        self.read_reply()
    }
}

/// The last name of a path: what a put stores under, and what a get saves as.
fn file_name(path: &Path) -> Result<&str, ClientError> {
    path.file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| {
            ClientError::Local(format!("`{}` does not end in a file name", path.display()))
        })
}

/// What a get needs before its path to replace a local file of the same name.
pub const FORCE: &str = "-f";

// ANCHOR: interactive
/// `lesson7 client`: the article's command loop, with the article's prompts (lesson 4's). Reads
/// lines from `input` (stdin, typed or piped), prints to stdout, saves downloads into the current
/// directory. The end of the input quits.
pub fn interactive(addr: SocketAddr, mut input: Input<impl BufRead>) -> anyhow::Result<()> {
    use anyhow::Context;
    let mut client = Client::connect(addr)
        .map_err(ClientError::into_anyhow)
        .with_context(|| format!("could not connect to {addr}"))?;
    loop {
        let Some(user) = input.prompt(USER_PROMPT)? else {
            return Ok(());
        };
        let Some(password) = input.prompt_secret(PASSWORD_PROMPT)? else {
            return Ok(());
        };
        match client.login(user.trim(), &password) {
            Ok(_) => break,
            Err(ClientError::Refused(reply)) if reply.status == status::UNAUTHORIZED => {
                println!("{}", reply.error_text());
            }
            Err(err) => return Err(err.into_anyhow()).context("login failed"),
        }
    }
    println!("logged in; type help for the commands");
    while let Some(line) = input.prompt(COMMAND_PROMPT)? {
        let line = line.trim();
        let (command, argument) = line.split_once(' ').unwrap_or((line, ""));
        let argument = argument.trim();
        if command.is_empty() {
            continue;
        }
        if command == "q" || command == "quit" {
            let _ = client.call(&Request::Quit);
            println!("bye");
            return Ok(());
        }
        match run_command(&mut client, command, argument) {
            Ok(()) => {}
            Err(ClientError::Io(err)) => return Err(err).context("the connection failed"),
            Err(err) => println!("error {err}"),
        }
    }
    Ok(())
}
// ANCHOR_END: interactive

// ANCHOR: run_command
/// Runs one typed command and prints its outcome.
fn run_command(client: &mut Client, command: &str, argument: &str) -> Result<(), ClientError> {
    let path = || argument.to_string();
    match command {
        // Without its argument the server would be asked about "" (the current directory).
        "mkdir" | "rm" if argument.is_empty() => println!("usage: {command} PATH"),
        "put" if argument.is_empty() => println!("usage: put FILE"),
        "get" if argument.is_empty() || argument == FORCE => {
            println!("usage: get PATH, or get {FORCE} PATH to replace a local file of that name")
        }
        "help" | "?" => {
            let reply = client.call(&Request::Help)?;
            for row in reply.fields["commands"].as_array().into_iter().flatten() {
                println!(
                    "  {:<12} {}",
                    row[0].as_str().unwrap_or(""),
                    row[1].as_str().unwrap_or("")
                );
            }
        }
        "pwd" => println!("{}", client.call(&Request::Pwd)?.str("path").unwrap_or("")),
        "cd" => println!(
            "{}",
            client
                .call(&Request::Cd { path: path() })?
                .str("path")
                .unwrap_or("")
        ),
        "mkdir" => println!(
            "created {}",
            client
                .call(&Request::Mkdir { path: path() })?
                .str("path")
                .unwrap_or("")
        ),
        "rm" => {
            client.call(&Request::Rm { path: path() })?;
            println!("removed {argument}");
        }
        "ls" => {
            let path = (!argument.is_empty()).then(path);
            let reply = client.call(&Request::Ls { path, after: None })?;
            print_listing(&reply);
        }
        "quota" => {
            let reply = client.call(&Request::Quota)?;
            let (used, quota) = (
                reply.u64("used").unwrap_or(0),
                reply.u64("quota").unwrap_or(0),
            );
            println!(
                "using {} of {} ({} free)",
                human_size(used),
                human_size(quota),
                human_size(quota.saturating_sub(used))
            );
        }
        "put" => {
            let mut bar = Progress::new();
            let done = client.put(Path::new(argument), &mut |done, all| bar.show(done, all));
            bar.finish();
            let done = done?;
            report_resume(&done);
            println!(
                "put {}: {}, md5 {} verified by the server",
                done.path,
                byte_count(done.size),
                done.md5
            );
        }
        "get" => {
            let (force, argument) = match argument.strip_prefix(FORCE) {
                Some(rest) if rest.starts_with(' ') => (true, rest.trim()),
                _ => (false, argument),
            };
            let name = file_name(Path::new(argument))?;
            if !force && Path::new(name).symlink_metadata().is_ok() {
                let why = format!(
                    "{name} already exists here and was left as it is; \
                     get {FORCE} {argument} replaces it"
                );
                return Err(ClientError::Local(why));
            }
            let mut bar = Progress::new();
            let done = client.get(argument, Path::new("."), &mut |done, all| {
                bar.show(done, all)
            });
            bar.finish();
            let done = done?;
            report_resume(&done);
            println!(
                "got {}: {}, md5 {} verified",
                argument,
                byte_count(done.size),
                done.md5
            );
        }
        _ => println!("unknown command `{command}`; type help for the commands"),
    }
    Ok(())
}
// ANCHOR_END: run_command

fn print_listing(reply: &Reply) {
    let entries = reply.fields.get("entries").and_then(Value::as_array);
    if entries.is_none_or(|entries| entries.is_empty()) {
        println!("(empty)");
    }
    for entry in entries.into_iter().flatten() {
        let is_dir = entry["dir"].as_bool().unwrap_or(false);
        println!(
            "{} {:>12}  {}",
            if is_dir { "d" } else { "-" },
            entry["size"].as_u64().unwrap_or(0),
            entry["name"].as_str().unwrap_or("")
        );
    }
    if reply.fields.get("truncated") == Some(&Value::Bool(true)) {
        println!("(the listing is truncated)");
    }
}

fn report_resume(done: &Transferred) {
    if done.resumed_from > 0 {
        println!(
            "resumed an interrupted transfer at byte {} of {}",
            done.resumed_from, done.size
        );
    }
}

// ANCHOR: progress
/// A progress bar with the rate and the time left, drawn only when stdout is a terminal: piped
/// into a file or another program, the client prints results only.
struct Progress(Option<ProgressBar>);

impl Progress {
    fn new() -> Progress {
        Progress(io::stdout().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template(
                "{wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        }))
    }

    fn show(&mut self, done: u64, all: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(all);
            bar.set_position(done);
        }
    }

    fn finish(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
// ANCHOR_END: progress
