//! One logged-in client, on the server: its connection, its user, its current directory, and what
//! the server does for each request.
//!
//! The article keeps the current directory in a dict that `handle` passes to each `task_...`
//! method. Here it is a field of the session, which `handle` owns for as long as the connection
//! lasts, so two connections never share one.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};

use crate::home::{Entry, PathError, Workdir};
use crate::protocol::{BAD_REQUEST, OK, Reply, recv_message};

/// Where the server's log lines go: stdout for a server, the narration in a demo.
pub type Log = fn(&str);

/// A client that has logged in.
pub struct Session {
    pub stream: TcpStream,
    pub user: String,
    pub workdir: Workdir,
    client_address: SocketAddr,
    log: Log,
}

impl Session {
    pub fn new(
        stream: TcpStream,
        user: String,
        workdir: Workdir,
        client_address: SocketAddr,
        log: Log,
    ) -> Session {
        Session {
            stream,
            user,
            workdir,
            client_address,
            log,
        }
    }

    /// Writes a line to the server's log, with who it is about.
    pub fn log(&self, what: &str) {
        let line = format!("{} {}: {what}", self.client_address, self.user);
        (self.log)(&printable(&line));
    }

    // ANCHOR: messages
    /// The next request: one `recv(1024)`, or `None` once the client has closed the connection.
    pub fn next_message(&mut self) -> io::Result<Option<Vec<u8>>> {
        let message = recv_message(&mut self.stream)?;
        if message.is_none() {
            self.log("closed the connection");
        }
        Ok(message)
    }

    /// Sends `reply` to the request described by `what`, in one write.
    ///
    /// The log line is written before the reply is sent: once the client has the reply, the line
    /// is there, so the log and the client's transcript always interleave the same way.
    pub fn reply(&mut self, what: &str, reply: &Reply) -> io::Result<()> {
        self.log(&format!("{what} -> {}", summary(reply)));
        self.stream.write_all(&reply.encode())
    }
    // ANCHOR_END: messages

    /// Refuses the request `what` because of a path the client gave.
    pub fn refuse(&mut self, what: &str, err: &PathError) -> io::Result<()> {
        self.reply(what, &Reply::from(err))
    }

    // ANCHOR: announce
    /// Sends `header`, which says how many bytes will follow, and waits for the client's go-ahead.
    ///
    /// Returns `true` when the client answered `{"status": 200}`: the caller then sends exactly
    /// the bytes announced. Anything else means the client does not want them, and nothing is
    /// sent. Waiting for the answer is what keeps the header and the bytes after it from arriving
    /// in one `recv` on the client's side.
    pub fn announce(&mut self, what: &str, header: &Reply) -> io::Result<bool> {
        self.reply(what, header)?;
        let answer = self.next_message()?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the client closed the connection instead of answering",
            )
        })?;
        let go = serde_json::from_slice::<Reply>(&answer).is_ok_and(|reply| reply.status == OK);
        if !go {
            self.log(&format!(
                "the client declined: {:?}",
                String::from_utf8_lossy(&answer)
            ));
        }
        Ok(go)
    }
    // ANCHOR_END: announce

    // ANCHOR: commands
    /// help: the table of commands, in the reply itself (it is short).
    pub fn help<'a>(
        &mut self,
        commands: impl IntoIterator<Item = &'a (&'a str, &'a str)>,
    ) -> io::Result<()> {
        let commands = commands
            .into_iter()
            .map(|(usage, about)| (usage.to_string(), about.to_string()))
            .collect();
        let reply = Reply {
            commands: Some(commands),
            ..Reply::ok()
        };
        self.reply("help", &reply)
    }

    /// ls: the listing can be longer than one recv, so it is announced by its size and sent after
    /// the client's go-ahead.
    pub fn ls(&mut self, path: Option<&str>) -> io::Result<()> {
        let what = format!("ls {}", path.unwrap_or("."));
        let listing = match self.workdir.ls(path) {
            Ok(entries) => format_listing(&entries),
            Err(err) => return self.refuse(&what, &err),
        };
        let header = Reply {
            size: Some(listing.len() as u64),
            ..Reply::ok()
        };
        if self.announce(&what, &header)? {
            self.stream.write_all(listing.as_bytes())?;
        }
        Ok(())
    }

    /// cd decides before it acts: the move is tried on a copy of the working directory, and kept
    /// only if its reply, which carries the new path, fits in one `recv(1024)`. Otherwise the
    /// client would be told "error" while the server had moved, and the two would disagree about
    /// where the user is.
    pub fn cd(&mut self, path: &str) -> io::Result<()> {
        let what = format!("cd {path}");
        let mut moved = self.workdir.clone();
        let reply = match moved.cd(path) {
            Ok(()) => Reply {
                cwd: Some(moved.pwd()),
                ..Reply::ok()
            },
            Err(err) => Reply::from(&err),
        };
        let reply = if reply.status != OK {
            reply
        } else if !reply.fits() {
            Reply::error(
                BAD_REQUEST,
                "that directory's path is too long for one reply; you stay where you were",
            )
        } else {
            self.workdir = moved;
            reply
        };
        self.reply(&what, &reply)
    }

    pub fn mkdir(&mut self, path: &str) -> io::Result<()> {
        let what = format!("mkdir {path}");
        let reply = match self.workdir.mkdir(path) {
            Ok(created) => Reply {
                message: Some(format!("created {created}")),
                ..Reply::ok()
            },
            Err(err) => Reply::from(&err),
        };
        self.reply(&what, &reply)
    }
    // ANCHOR_END: commands
}

/// One line per entry: the size (blank for a directory) and the name (with a `/` for a directory).
pub fn format_listing(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(|entry| {
            if entry.is_dir {
                format!("{:>12}  {}/\n", "", entry.name)
            } else {
                format!("{:>12}  {}\n", entry.size, entry.name)
            }
        })
        .collect()
}

/// `text` with its control characters escaped: a name sent by a client could hold a newline, and
/// forge a line of the log.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// How a reply reads in the log.
fn summary(reply: &Reply) -> String {
    let detail = if let Some(message) = &reply.message {
        message.clone()
    } else if let Some(cwd) = &reply.cwd {
        format!("cwd {cwd}")
    } else if let Some(size) = reply.size {
        format!("{size} bytes of listing to follow")
    } else if let Some(size) = reply.file_size {
        format!("{size} bytes of file to follow")
    } else if let Some(commands) = &reply.commands {
        format!("{} commands", commands.len())
    } else {
        return reply.status.to_string();
    };
    format!("{} {detail}", reply.status)
}
