//! The client's side of put and get, and lesson 4's client with both.

use std::fs::File;
use std::io;
use std::path::Path;

use lesson4::client::Client;
use lesson4::home::check_name;
use lesson4::protocol::Refusal;
use serde_json::json;
use socket_lab::demo::byte_count;

use crate::transfer::{BUFFER_SIZE, PartialFile, copy_exact};

// ANCHOR: put
/// Uploads the `size` bytes of `file` as `name`, the article's way: the header, the server's
/// `{"status": 200}`, then the bytes.
pub fn put(
    client: &mut Client,
    name: &str,
    file: &mut File,
    size: u64,
    buffer_size: usize,
) -> io::Result<Result<(), Refusal>> {
    if let Err(refusal) = put_header(client, name, size)? {
        return Ok(Err(refusal));
    }
    let mut buf = vec![0; buffer_size];
    copy_exact(file, &mut client.stream, size, &mut buf)?;
    Ok(Ok(()))
}

/// The first half of put: the header, and the server's answer. After `Ok(())` the server waits
/// for exactly `size` bytes. `ftp_user` is sent because the article's server needs it.
pub fn put_header(client: &mut Client, name: &str, size: u64) -> io::Result<Result<(), Refusal>> {
    let header =
        json!({"action": "put", "filename": name, "file_size": size, "ftp_user": client.user});
    Ok(client.request(&header)?.into_result().map(drop))
}
// ANCHOR_END: put

// ANCHOR: get
/// Downloads `path` into `target`: the header with the size, the client's go-ahead, then exactly
/// that many bytes. Returns the size.
pub fn get(
    client: &mut Client,
    path: &str,
    mut target: PartialFile,
    buffer_size: usize,
) -> io::Result<Result<u64, Refusal>> {
    let header = match client
        .request(&json!({"action": "get", "filename": path}))?
        .into_result()
    {
        Ok(header) => header,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let size = header.file_size.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the server's reply has no file_size",
        )
    })?;
    client.go_ahead()?;
    let mut buf = vec![0; buffer_size];
    copy_exact(&mut client.stream, target.file(), size, &mut buf)?;
    target.keep()?;
    Ok(Ok(size))
}
// ANCHOR_END: get

/// What a get needs before its path to replace a local file of the same name.
pub const FORCE: &str = "-f";

// ANCHOR: run_command
/// Lesson 4's commands, and put and get.
pub fn run_command(client: &mut Client, command: &str, arg: &str) -> io::Result<()> {
    match command {
        "put" | "get" if arg.is_empty() || arg == FORCE => {
            println!(
                "usage: put FILE, get PATH (get {FORCE} PATH replaces a local file of that name)"
            )
        }
        "put" => {
            let Some((mut file, name, size)) = open_upload(arg) else {
                return Ok(());
            };
            println!("put {name}: {}", byte_count(size));
            match put(client, &name, &mut file, size, BUFFER_SIZE)? {
                Ok(()) => println!("sent {}", byte_count(size)),
                Err(refusal) => println!("{refusal}"),
            }
        }
        "get" => {
            let (force, arg) = match arg.strip_prefix(FORCE) {
                Some(rest) if rest.starts_with(' ') => (true, rest.trim()),
                _ => (false, arg),
            };
            // The local file is named after the last name of the path: `get docs/a.txt` makes a.txt.
            let name = arg.rsplit('/').next().unwrap_or(arg);
            if let Err(err) = check_name(name) {
                println!("cannot save {arg:?} here: {err}");
                return Ok(());
            }
            // A download replaces its target only when asked to: it may be the only copy.
            if !force && Path::new(name).symlink_metadata().is_ok() {
                println!(
                    "{name} already exists here and was left as it is; get {FORCE} {arg} replaces it"
                );
                return Ok(());
            }
            let target = match PartialFile::create(Path::new(name)) {
                Ok(target) => target,
                Err(err) => {
                    println!("cannot write {name} here: {err}");
                    return Ok(());
                }
            };
            match get(client, arg, target, BUFFER_SIZE)? {
                Ok(size) => println!("received {} into {name}", byte_count(size)),
                Err(refusal) => println!("{refusal}"),
            }
        }
        _ => lesson4::client::run_command(client, command, arg)?,
    }
    Ok(())
}

/// Opens a local file to upload: the file, the name to send (the last part of the path), its size.
/// Says why not, and returns `None`, when it cannot.
pub fn open_upload(path: &str) -> Option<(File, String, u64)> {
    let name = Path::new(path).file_name()?.to_str()?.to_string();
    let opened = File::open(path).and_then(|file| {
        let metadata = file.metadata()?;
        if metadata.is_dir() {
            return Err(io::Error::other("it is a directory"));
        }
        Ok((file, metadata.len()))
    });
    match opened {
        Ok((file, size)) => Some((file, name, size)),
        Err(err) => {
            println!("cannot read {path}: {err}");
            None
        }
    }
}
// ANCHOR_END: run_command
