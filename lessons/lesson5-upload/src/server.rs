//! Lesson 4's server with the two actions that move files: put (the article's) and get.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{SocketAddr, TcpStream};

use lesson3::Handler;
use lesson4::home::PathError;
use lesson4::protocol::Reply;
use lesson4::server::{FtpServer, serve};
use lesson4::session::Session;
use serde::Deserialize;

use crate::transfer::{Buffers, PartialFile, copy_exact, read_ahead};

// ANCHOR: request
/// Lesson 4's requests, and put and get.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Request {
    Help,
    Ls {
        path: Option<String>,
    },
    Cd {
        path: String,
    },
    Mkdir {
        path: String,
    },
    /// The article's upload header. It also carries `ftp_user`, which is not read: the file goes
    /// to the logged-in user's current directory, whoever the header claims to be.
    Put {
        filename: String,
        file_size: u64,
    },
    Get {
        filename: String,
    },
}

/// What help lists besides lesson 4's commands.
pub const COMMANDS: &[(&str, &str)] = &[
    ("put FILE", "upload FILE into the current directory"),
    ("get PATH", "download PATH into the client's directory"),
];

/// Lesson 4's commands as lesson 4 runs them, and the two new ones.
pub fn run(session: &mut Session, request: Request, buffers: Buffers) -> io::Result<()> {
    match request {
        Request::Help => session.help(lesson4::server::COMMANDS.iter().chain(COMMANDS)),
        Request::Ls { path } => session.ls(path.as_deref()),
        Request::Cd { path } => session.cd(&path),
        Request::Mkdir { path } => session.mkdir(&path),
        Request::Put {
            filename,
            file_size,
        } => put(session, &filename, file_size, buffers),
        Request::Get { filename } => get(session, &filename, buffers.chunk),
    }
}
// ANCHOR_END: request

// ANCHOR: put
/// put: the article's upload. The header says the name and the size; the server answers
/// `{"status": 200}` and then reads exactly `file_size` bytes, not one more.
///
/// The name must be a single name, not a path, and the file lands in the current directory. The
/// bytes go to a temporary file first, which gets the name only once all of them have arrived.
pub fn put(
    session: &mut Session,
    filename: &str,
    file_size: u64,
    buffers: Buffers,
) -> io::Result<()> {
    let what = format!("put {filename}, {file_size} bytes");
    let target = match session.workdir.new_file(filename) {
        Ok(target) => target,
        Err(err) => return session.refuse(&what, &err),
    };
    let mut partial = match PartialFile::create(&target) {
        Ok(partial) => partial,
        Err(err) => return session.refuse(&what, &PathError::Io(err)),
    };
    session.reply(&what, &Reply::ok())?;
    // The article's loop takes the file 1024 bytes at a time, and so does `copy_exact`. Asked of
    // the socket, each of those reads would be a system call; taken from `socket`, which asks the
    // socket for up to 64 KiB at a time but never for a byte past `file_size`, up to 64 of them
    // cost one. The `BufWriter` does the same on the other side: 8 chunks per write to the file.
    // The benchmark counts the calls.
    let mut socket = read_ahead(&mut session.stream, file_size, buffers.read_ahead);
    let mut file = BufWriter::new(partial.file());
    let mut chunk = vec![0; buffers.chunk];
    let received =
        copy_exact(&mut socket, &mut file, file_size, &mut chunk).and_then(|()| file.flush());
    drop(socket);
    drop(file);
    if let Err(err) = received.and_then(|()| partial.keep()) {
        session.log(&format!(
            "the upload of {filename} failed: {err}; nothing kept"
        ));
        // The connection cannot go on: the server cannot know where the client is in its data.
        return Err(err);
    }
    let stored = match session.workdir.pwd().as_str() {
        "/" => format!("/{filename}"),
        dir => format!("{dir}/{filename}"),
    };
    session.log(&format!("received {file_size} bytes, stored {stored}"));
    Ok(())
}
// ANCHOR_END: put

// ANCHOR: get
/// get, built like ls: the size first, then, after the client's go-ahead, exactly that many bytes.
pub fn get(session: &mut Session, filename: &str, buffer_size: usize) -> io::Result<()> {
    let what = format!("get {filename}");
    let opened = session
        .workdir
        .existing_file(filename)
        .and_then(|path| Ok(File::open(path)?));
    let mut file = match opened {
        Ok(file) => file,
        Err(err) => return session.refuse(&what, &err),
    };
    let file_size = file.metadata()?.len();
    let header = Reply {
        file_size: Some(file_size),
        ..Reply::ok()
    };
    if session.announce(&what, &header)? {
        let mut buf = vec![0; buffer_size];
        copy_exact(&mut file, &mut session.stream, file_size, &mut buf)?;
    }
    Ok(())
}
// ANCHOR_END: get

/// Lesson 4's server (its users, homes, login and log) with put and get.
pub struct UploadServer {
    ftp: FtpServer,
    buffers: Buffers,
}

impl UploadServer {
    /// Moves file data in the article's 1024-byte steps, and reads ahead on the socket
    /// ([`Buffers::LESSON`]).
    pub fn new(ftp: FtpServer) -> UploadServer {
        UploadServer {
            ftp,
            buffers: Buffers::LESSON,
        }
    }

    /// The same server moving file data in other sizes (the benchmark compares).
    pub fn with_buffers(self, buffers: Buffers) -> UploadServer {
        UploadServer { buffers, ..self }
    }
}

impl Handler for UploadServer {
    fn handle(&self, request: TcpStream, client_address: SocketAddr) -> io::Result<()> {
        match self.ftp.log_in(request, client_address)? {
            Some(session) => serve(session, |session, request| {
                run(session, request, self.buffers)
            }),
            None => Ok(()),
        }
    }
}
