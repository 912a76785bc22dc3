//! The server: lesson 7's accounts, homes, quotas, bounds and timeouts, behind RFC 959's
//! commands and replies.
//!
//! One thread per control connection (lesson 3's `serve_threaded`). A session reads a command
//! line, answers it with a numbered reply, and for a transfer opens the second connection on a
//! passive listener, moves the bytes and closes it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use lesson3::Handler;
use lesson4::home::{PathError, Workdir};
use lesson4::session::printable;
use lesson7::accounts::Accounts;
use lesson7::protocol::{MAX_PATH, status};
use lesson7::server::{Place, Places};
use lesson7::store::{self, Claim, Limits, Uploads};
use lesson7::transfer::{BLOCK, MinRate};

use crate::control::{self, Command, LineError, Reply, quote_path};
use crate::listing::{self, Listed};
use crate::passive::{AcceptError, Passive, Ports};

// ANCHOR: config
/// Lesson 7's configuration (root, bounds, timeouts), and the passive ports.
#[derive(Debug, Clone)]
pub struct Config {
    pub lesson7: lesson7::server::Config,
    /// The ports passive listeners may use.
    pub passive_ports: std::ops::RangeInclusive<u16>,
}
// ANCHOR_END: config

/// What every session shares.
#[derive(Debug)]
pub struct Server {
    accounts: Accounts,
    config: lesson7::server::Config,
    ports: Ports,
    unauthenticated: Places,
    sessions: Places,
    uploads: Uploads,
}

/// Serves forever: lesson 3's `serve_threaded`, each connection a session.
pub fn serve(listener: &TcpListener, mut accounts: Accounts, config: Config) -> ! {
    let mut lesson7 = config.lesson7;
    match fs::create_dir_all(&lesson7.root).and_then(|()| fs::canonicalize(&lesson7.root)) {
        Ok(root) => lesson7.root = root,
        Err(err) => eprintln!("cannot resolve the root {}: {err}", lesson7.root.display()),
    }
    accounts.set_max_verifying(lesson7.max_verifying);
    let server = Server {
        accounts,
        ports: Ports::new(config.passive_ports),
        unauthenticated: Places::new(lesson7.max_unauthenticated),
        sessions: Places::new(lesson7.max_clients),
        config: lesson7,
        uploads: Uploads::default(),
    };
    lesson3::serve_threaded(listener, Arc::new(server))
}

/// The commands this server knows, as FEAT and the 502 reply speak of them.
pub const FEATURES: [&str; 7] = [
    "EPSV",
    "MDTM",
    "MLST type*;size*;modify*;perm*;",
    "PASV",
    "REST STREAM",
    "SIZE",
    "UTF8",
];

/// The session's state between commands.
struct Session<'a> {
    server: &'a Server,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    /// The name given by USER, waiting for PASS; then the user logged in.
    user: Option<String>,
    login: Option<Login<'a>>,
    /// A passive listener opened by PASV or EPSV, for the next transfer.
    passive: Option<Passive>,
    /// The offset REST gave, for the next RETR or STOR.
    rest: u64,
    /// The path RNFR named, for the RNTO that must follow it.
    rename_from: Option<(PathBuf, String)>,
    failures: u32,
}

struct Login<'a> {
    workdir: Workdir,
    home: PathBuf,
    limits: Limits,
    _place: Place<'a>,
}

/// What a command did to the session.
enum Next {
    Continue,
    Close,
}

impl Handler for Server {
    fn handle(&self, stream: TcpStream, peer: SocketAddr) -> io::Result<()> {
        let mut writer = stream.try_clone()?;
        writer.set_write_timeout(Some(self.config.stall_timeout))?;
        let Some(waiting) = self.unauthenticated.take() else {
            let why = format!(
                "the server is busy: {} connections are logging in; try again later",
                self.config.max_unauthenticated
            );
            return control::send(&mut writer, &Reply::new(421, why));
        };
        stream.set_nodelay(true)?;
        let mut session = Session {
            server: self,
            local: stream.local_addr()?,
            reader: BufReader::new(stream),
            writer,
            peer,
            user: None,
            login: None,
            passive: None,
            rest: 0,
            rename_from: None,
            failures: 0,
        };
        session.send(&Reply::new(220, "lesson8 FTP server ready"))?;
        let mut waiting = Some(waiting);
        session.run(&mut waiting)
    }
}

impl<'a> Session<'a> {
    // ANCHOR: run
    /// Reads command lines and answers them until the client quits, goes silent, or breaks a
    /// rule that leaves no way to go on.
    fn run(&mut self, waiting: &mut Option<Place<'a>>) -> io::Result<()> {
        let config = &self.server.config;
        let login_by = Instant::now() + config.login_timeout;
        loop {
            let wait = match self.login {
                Some(_) => config.idle_timeout,
                None => config
                    .idle_timeout
                    .min(login_by.saturating_duration_since(Instant::now())),
            };
            let line = match control::read_line(&mut self.reader, wait, config.request_timeout) {
                Ok(line) => line,
                Err(LineError::Closed) => return Ok(()),
                Err(LineError::Idle) => {
                    let why = match self.login {
                        Some(_) => format!(
                            "no command for {} s; closing the connection",
                            config.idle_timeout.as_secs_f64()
                        ),
                        None => format!(
                            "not logged in within {} s; closing the connection",
                            config.login_timeout.as_secs_f64()
                        ),
                    };
                    return self.answer("(silence)", &Reply::new(421, why));
                }
                Err(LineError::TooSlow) => {
                    let why = format!(
                        "the command line did not end within {} s; closing the connection",
                        config.request_timeout.as_secs_f64()
                    );
                    return self.answer("(a slow line)", &Reply::new(421, why));
                }
                Err(LineError::TooLong) => {
                    // What follows is the rest of a line of unknown length: there is no telling
                    // where the next command starts, so the session ends.
                    let why = format!(
                        "a command line longer than {} bytes; closing the connection",
                        control::MAX_LINE
                    );
                    return self.answer("(a line too long)", &Reply::new(500, why));
                }
                Err(LineError::Io(err)) => return Err(err),
            };
            let command = match Command::parse(&line) {
                Ok(command) => command,
                Err(reply) => {
                    self.answer(&format!("{:?}", String::from_utf8_lossy(&line)), &reply)?;
                    continue;
                }
            };
            if let Next::Close = self.dispatch(&command, waiting)? {
                return Ok(());
            }
        }
    }
    // ANCHOR_END: run

    // ANCHOR: dispatch
    /// Answers one command. Before login only the commands that lead to a login, or tell what
    /// the server is, are answered; every other known command gets 530.
    fn dispatch(&mut self, command: &Command, waiting: &mut Option<Place<'a>>) -> io::Result<Next> {
        let what = command.describe();
        let arg = command.arg.as_str();
        let reply = match command.verb.as_str() {
            "USER" => self.user(arg),
            "PASS" => return self.pass(&what, arg, waiting),
            "QUIT" => {
                self.answer(&what, &Reply::new(221, "Goodbye"))?;
                return Ok(Next::Close);
            }
            "SYST" => Reply::new(215, "UNIX Type: L8"),
            "FEAT" => {
                let mut lines = vec!["Features:".to_string()];
                lines.extend(FEATURES.iter().map(|feature| format!(" {feature}")));
                lines.push("End".to_string());
                Reply::multi(211, lines)
            }
            "OPTS" if arg.eq_ignore_ascii_case("UTF8 ON") => Reply::new(200, "Always in UTF8 mode"),
            "OPTS" => Reply::new(501, format!("option not understood: {arg}")),
            "NOOP" => Reply::new(200, "NOOP ok"),
            "PORT" | "EPRT" => Reply::new(
                502,
                format!(
                    "{} is not implemented: this server opens no connections; use PASV or EPSV",
                    command.verb
                ),
            ),
            verb if !KNOWN.contains(&verb) => Reply::new(502, format!("{verb} is not implemented")),
            _ if self.login.is_none() => Reply::new(530, "Please log in with USER and PASS first"),
            _ => return self.logged_in(command, &what),
        };
        self.answer(&what, &reply)?;
        Ok(Next::Continue)
    }
    // ANCHOR_END: dispatch

    fn user(&mut self, name: &str) -> Reply {
        if self.login.is_some() {
            return Reply::new(503, "already logged in; a session logs in once");
        }
        if name.is_empty() {
            return Reply::new(501, "USER needs a name");
        }
        self.user = Some(name.to_string());
        Reply::new(331, format!("Password required for {name}"))
    }

    // ANCHOR: pass
    /// Checks the password with lesson 7's accounts: the same argon2 hashes, the same pool of
    /// verifications, the same least delay for every failure, and the third failure closes.
    fn pass(
        &mut self,
        what: &str,
        password: &str,
        waiting: &mut Option<Place<'a>>,
    ) -> io::Result<Next> {
        if self.login.is_some() {
            self.answer(what, &Reply::new(503, "already logged in"))?;
            return Ok(Next::Continue);
        }
        let Some(user) = self.user.clone() else {
            self.answer(what, &Reply::new(503, "send USER first, then PASS"))?;
            return Ok(Next::Continue);
        };
        let server = self.server;
        let config = &server.config;
        let started = Instant::now();
        let Some(account) = server.accounts.verify(&user, password) else {
            std::thread::sleep(config.login_delay.saturating_sub(started.elapsed()));
            self.failures += 1;
            self.user = None;
            if self.failures >= config.max_login_failures {
                let why = format!("{} failed logins; closing the connection", self.failures);
                self.answer(what, &Reply::new(421, why))?;
                return Ok(Next::Close);
            }
            self.answer(what, &Reply::new(530, "Login incorrect"))?;
            return Ok(Next::Continue);
        };
        let Some(place) = server.sessions.take() else {
            let why = format!(
                "the server is busy: {} sessions are running; try again later",
                config.max_clients
            );
            self.answer(what, &Reply::new(421, why))?;
            return Ok(Next::Close);
        };
        let workdir = match Workdir::open(&config.root.join(&user)) {
            Ok(workdir) => workdir,
            Err(err) => {
                let why = format!("could not open your home: {err}");
                self.answer(what, &Reply::new(421, why))?;
                return Ok(Next::Close);
            }
        };
        let home = config.root.join(&user);
        self.login = Some(Login {
            workdir,
            home: fs::canonicalize(&home).unwrap_or(home),
            limits: Limits {
                quota: account.quota,
                max_entries: config.max_entries,
            },
            _place: place,
        });
        // A logged-in session no longer holds a place among those logging in.
        waiting.take();
        self.answer(what, &Reply::new(230, format!("User {user} logged in")))?;
        Ok(Next::Continue)
    }
    // ANCHOR_END: pass

    // ANCHOR: logged_in
    /// The commands of a logged-in user.
    fn logged_in(&mut self, command: &Command, what: &str) -> io::Result<Next> {
        let arg = command.arg.as_str();
        let verb = command.verb.as_str();
        // REST holds until the next transfer (clients send PASV or TYPE between the two);
        // RNFR only for an RNTO that follows at once.
        let rest = match verb {
            "LIST" | "NLST" | "MLSD" | "RETR" | "STOR" | "APPE" => std::mem::take(&mut self.rest),
            _ => self.rest,
        };
        let rename_from = self.rename_from.take();
        let reply = match verb {
            "LIST" | "NLST" | "MLSD" | "RETR" | "STOR" | "APPE" => {
                return self
                    .transfer(verb, arg, what, rest)
                    .map(|()| Next::Continue);
            }
            "PASV" | "EPSV" => self.passive(verb, arg),
            "REST" => match arg.parse::<u64>() {
                Ok(offset) => {
                    self.rest = offset;
                    Reply::new(
                        350,
                        format!("Restarting at {offset}; send STOR, APPE or RETR"),
                    )
                }
                Err(_) => Reply::new(501, "REST needs a byte offset, such as REST 1024"),
            },
            "RNTO" => match rename_from {
                Some(from) => self.files(verb, arg, Some(from)),
                None => Reply::new(503, "RNTO must follow RNFR"),
            },
            "ABOR" => match self.passive.take() {
                Some(_) => Reply::new(225, "No transfer in progress; the data listener is closed"),
                None => Reply::new(226, "No transfer in progress"),
            },
            _ => self.files(verb, arg, None),
        };
        self.answer(what, &reply)?;
        Ok(Next::Continue)
    }
    // ANCHOR_END: logged_in

    // ANCHOR: files
    /// The commands that look at or change the tree, on lesson 4's `Workdir` and lesson 7's
    /// store, with their answers in RFC 959's codes.
    fn files(&mut self, verb: &str, arg: &str, rename_from: Option<(PathBuf, String)>) -> Reply {
        let server = self.server;
        let login = self.login.as_mut().expect("logged in");
        let path_needed = !matches!(verb, "PWD" | "CDUP" | "TYPE" | "MODE" | "STRU" | "MLST");
        if path_needed && arg.is_empty() {
            return Reply::new(501, format!("{verb} needs an argument"));
        }
        if arg.len() > MAX_PATH {
            return Reply::new(
                501,
                format!("a path of {} bytes; the limit is {MAX_PATH}", arg.len()),
            );
        }
        let workdir = &mut login.workdir;
        let result: Result<Reply, Reply> = match verb {
            "PWD" => Ok(Reply::new(
                257,
                format!("{} is the current directory", quote_path(&workdir.pwd())),
            )),
            "CWD" | "CDUP" => {
                let path = if verb == "CDUP" { ".." } else { arg };
                workdir
                    .cd(path)
                    .map(|()| Reply::new(250, format!("Directory changed to {}", workdir.pwd())))
                    .map_err(refused)
            }
            "TYPE" => Ok(match arg.to_ascii_uppercase().as_str() {
                // Both move the bytes unchanged: see the chapter on ASCII mode.
                "I" | "L 8" => Reply::new(200, "Type set to I (binary)"),
                "A" | "A N" => Reply::new(200, "Type set to A (bytes are sent unchanged)"),
                _ => Reply::new(504, format!("TYPE {arg} is not supported; use I or A")),
            }),
            "MODE" => Ok(match arg.to_ascii_uppercase().as_str() {
                "S" => Reply::new(200, "Mode set to S (stream)"),
                _ => Reply::new(504, format!("MODE {arg} is not supported; only S (stream)")),
            }),
            "STRU" => Ok(match arg.to_ascii_uppercase().as_str() {
                "F" => Reply::new(200, "Structure set to F (file)"),
                _ => Reply::new(504, format!("STRU {arg} is not supported; only F (file)")),
            }),
            "MKD" => server
                .uploads
                .mkdir(workdir, &login.home, arg, login.limits.max_entries)
                .map(|made| Reply::new(257, format!("{} created", quote_path(&made))))
                .map_err(from_lesson7),
            "RMD" => remove_dir(workdir, arg).map(|()| Reply::new(250, format!("Removed {arg}"))),
            "DELE" => store::remove_file(workdir, &login.home, arg, &server.uploads)
                .map(|()| Reply::new(250, format!("Deleted {arg}")))
                .map_err(from_lesson7),
            "RNFR" => workdir.locate(arg).map_err(refused).and_then(|from| {
                if from.symlink_metadata().is_err() {
                    Err(Reply::new(550, format!("no such file or directory: {arg}")))
                } else if store::is_partial(&from) {
                    Err(Reply::new(550, format!("{arg} is an unfinished upload")))
                } else {
                    self.rename_from = Some((from, arg.to_string()));
                    Ok(Reply::new(350, "Ready for RNTO"))
                }
            }),
            "RNTO" => {
                let (from, from_text) = rename_from.expect("RNTO comes with its RNFR");
                rename(workdir, &from, arg)
                    .map(|()| Reply::new(250, format!("Renamed {from_text} to {arg}")))
            }
            "SIZE" => size(workdir, arg).map(|size| Reply::new(213, size.to_string())),
            "MDTM" => workdir
                .existing_file(arg)
                .and_then(|path| Ok(fs::metadata(path)?))
                .map(|metadata| {
                    Reply::new(
                        213,
                        listing::timestamp(Listed::new(String::new(), &metadata).modified),
                    )
                })
                .map_err(refused),
            "MLST" => {
                let path = if arg.is_empty() { "." } else { arg };
                stat(login, path).map(|entry| {
                    let mut entry = entry;
                    entry.name = path.to_string();
                    Reply::multi(
                        250,
                        vec![
                            format!("Listing {path}"),
                            format!(" {}", listing::facts(&entry)),
                            "End".to_string(),
                        ],
                    )
                })
            }
            other => Err(Reply::new(502, format!("{other} is not implemented"))),
        };
        result.unwrap_or_else(|refusal| refusal)
    }
    // ANCHOR_END: files

    // ANCHOR: passive
    /// PASV and EPSV: a listener on a port of the range, at the address the client already
    /// reaches the server at (the control connection's local address), for the next transfer.
    fn passive(&mut self, verb: &str, arg: &str) -> Reply {
        if verb == "EPSV" && arg.eq_ignore_ascii_case("ALL") {
            return Reply::new(200, "EPSV ALL ok: only EPSV from now on");
        }
        let ip = self.local.ip();
        let wanted = match (verb, arg) {
            ("EPSV", "1") => Some(IpAddr::is_ipv4(&ip)),
            ("EPSV", "2") => Some(ip.is_ipv6()),
            _ => None,
        };
        if wanted == Some(false) || (verb == "EPSV" && !matches!(arg, "" | "1" | "2")) {
            let family = if ip.is_ipv4() { 1 } else { 2 };
            return Reply::new(
                522,
                format!("Network protocol not supported, use ({family})"),
            );
        }
        let IpAddr::V4(v4) = ip else {
            if verb == "PASV" {
                return Reply::new(522, "PASV cannot name an IPv6 address; use EPSV");
            }
            return self.listen(ip, crate::passive::epsv_text);
        };
        match verb {
            "PASV" => self.listen(ip, |port| crate::passive::pasv_text(v4, port)),
            _ => self.listen(ip, crate::passive::epsv_text),
        }
    }

    fn listen(&mut self, ip: IpAddr, text: impl Fn(u16) -> String) -> Reply {
        // A second PASV replaces the first: its listener closes here.
        self.passive = None;
        match self.server.ports.listen(ip) {
            Ok(passive) => {
                let code = if text(0).starts_with("Entering Passive") {
                    227
                } else {
                    229
                };
                let reply = Reply::new(code, text(passive.port));
                self.passive = Some(passive);
                reply
            }
            Err(err) => Reply::new(425, format!("no data port is free: {err}")),
        }
    }
    // ANCHOR_END: passive

    // ANCHOR: transfer
    /// A command that moves bytes on a data connection: check it, say 150, take the client's
    /// data connection, move the bytes, close, and say 226 (or why not).
    fn transfer(&mut self, verb: &str, arg: &str, what: &str, rest: u64) -> io::Result<()> {
        if arg.len() > MAX_PATH {
            let why = format!("a path of {} bytes; the limit is {MAX_PATH}", arg.len());
            return self.answer(what, &Reply::new(501, why));
        }
        let login = self.login.as_ref().expect("logged in");
        let prepared = match verb {
            "LIST" | "NLST" | "MLSD" => list(login, verb, arg).map(Job::Send),
            "RETR" => open_download(login, arg, rest),
            _ => self.open_upload(verb, arg, rest),
        };
        let job = match prepared {
            Ok(job) => job,
            Err(refusal) => return self.answer(what, &refusal),
        };
        let Some(passive) = self.passive.take() else {
            return self.answer(what, &Reply::new(425, "Use PASV or EPSV first"));
        };
        self.answer(what, &Reply::new(150, job.opening(arg)))?;
        let config = &self.server.config;
        let peer = self.peer;
        let data = passive.accept_from(peer.ip(), config.stall_timeout, &mut |from| {
            let line = format!("{peer} refused a data connection from {from}: not the client");
            println!("{}", printable(&line));
        });
        let mut data = match data {
            Ok(data) => data,
            Err(AcceptError::TimedOut { .. }) => {
                let why = format!(
                    "no data connection from {} within {} s",
                    peer.ip(),
                    config.stall_timeout.as_secs_f64()
                );
                return self.answer(what, &Reply::new(425, why));
            }
            Err(AcceptError::Io(err)) => {
                return self.answer(what, &Reply::new(425, format!("data connection: {err}")));
            }
        };
        data.set_read_timeout(Some(config.stall_timeout))?;
        data.set_write_timeout(Some(config.stall_timeout))?;
        let reply = match job {
            Job::Send(bytes) => send_all(&mut data, &mut &bytes[..], config),
            Job::Download(mut file, len) => send_all(&mut data, &mut (&mut file).take(len), config),
            Job::Upload(upload) => self.receive(upload, &mut data),
        };
        let _ = data.shutdown(Shutdown::Both);
        self.answer(what, &reply)
    }
    // ANCHOR_END: transfer

    // ANCHOR: open_upload
    /// Where STOR or APPE writes: lesson 7's `NAME.part`, claimed so that no other session
    /// writes it at once, and renamed to `NAME` only when the upload is complete.
    ///
    /// - STOR writes from byte 0, or from the REST offset, into what an earlier upload left.
    /// - APPE writes after what is there.
    ///
    /// When `NAME.part` does not exist but `NAME` does, a resume continues `NAME`: it is
    /// moved to `NAME.part` first, so that while it grows nobody reads it under its final name.
    fn open_upload(&self, verb: &str, arg: &str, rest: u64) -> Result<Job, Reply> {
        let login = self.login.as_ref().expect("logged in");
        let (workdir, name) = split_path(&login.workdir, arg)?;
        store::check_upload_name(name).map_err(|err| Reply::new(553, err.to_string()))?;
        let target = workdir.new_file(name).map_err(refused)?;
        let partial = store::partial_upload(&workdir, name).map_err(refused)?;
        let resuming = verb == "APPE" || rest > 0;
        let moved = resuming && !partial.exists() && target.is_file();
        let already = if moved {
            fs::metadata(&target).map(|m| m.len()).unwrap_or(0)
        } else {
            fs::metadata(&partial).map(|m| m.len()).unwrap_or(0)
        };
        let start = match verb {
            "APPE" => already,
            _ => rest,
        };
        if start > already {
            let why = format!("REST {start} is past the {already} bytes already here");
            return Err(Reply::new(554, why));
        }
        let server = self.server;
        let claim = server
            .uploads
            .claim(&login.home, &partial, start, login.limits)
            .map_err(|err| Reply::new(451, err.to_string()))?
            .map_err(|refusal| {
                let code = if refusal.status() == status::CONFLICT {
                    450
                } else {
                    552
                };
                Reply::new(code, refusal.explain(name))
            })?;
        if moved {
            fs::rename(&target, &partial).map_err(|err| Reply::new(451, err.to_string()))?;
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&partial)
            .map_err(|err| Reply::new(451, err.to_string()))?;
        file.set_len(start)
            .and_then(|()| file.seek(SeekFrom::Start(start)).map(drop))
            .map_err(|err| Reply::new(451, err.to_string()))?;
        let used = server
            .uploads
            .usage(&login.home)
            .map_err(|err| Reply::new(451, err.to_string()))?;
        Ok(Job::Upload(Upload {
            file,
            target,
            partial,
            start,
            room: login.limits.quota.saturating_sub(used.bytes),
            restore: moved,
            _claim: claim,
        }))
    }
    // ANCHOR_END: open_upload

    // ANCHOR: receive
    /// Takes an upload's bytes until the client closes the data connection, which in stream
    /// mode is how it says "that was all".
    ///
    /// A close is also what a client that crashed sends, so it is not quite proof of a
    /// complete file: the server looks at the control connection too, and a client that is
    /// gone there as well left its upload unfinished. Any error (a reset, a stall, a dribble
    /// under the minimum rate) keeps `NAME.part` for a resume and says 426.
    fn receive(&mut self, mut upload: Upload, data: &mut TcpStream) -> Reply {
        let config = &self.server.config;
        let mut from = MinRate::new(data, config.min_rate, config.request_timeout);
        let mut buf = vec![0u8; BLOCK];
        let mut received: u64 = 0;
        let outcome = loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => break Err(err),
            };
            received += n as u64;
            if received > upload.room {
                let _ = upload.give_back();
                return Reply::new(
                    552,
                    format!(
                        "Exceeded storage allocation: the upload passed the {} bytes left of \
                         your quota; nothing of it was kept",
                        upload.room
                    ),
                );
            }
            if let Err(err) = upload.file.write_all(&buf[..n]) {
                let _ = upload.give_back();
                return Reply::new(451, format!("could not write: {err}"));
            }
        };
        let kept = upload.start + received;
        if let Err(err) = outcome {
            self.log(&format!(
                "upload cut off after {kept} bytes ({err}); {} kept for a resume",
                upload.partial.display()
            ));
            return Reply::new(
                426,
                format!(
                    "Connection closed; transfer aborted ({err}); {kept} bytes kept for a resume"
                ),
            );
        }
        if !self.control_is_open() {
            self.log(&format!(
                "upload ended with the client gone; {kept} bytes kept for a resume"
            ));
            return Reply::new(426, "the client left during the upload");
        }
        match upload
            .file
            .sync_data()
            .and_then(|()| fs::rename(&upload.partial, &upload.target))
        {
            Ok(()) => Reply::new(
                226,
                format!("Transfer complete: {received} bytes received, {kept} in the file"),
            ),
            Err(err) => Reply::new(451, format!("could not store the file: {err}")),
        }
    }
    // ANCHOR_END: receive

    /// Whether the client's control connection is still there: a peek that finds its end (0
    /// bytes) means the client closed it. Data waiting (a pipelined command) means it is there.
    fn control_is_open(&self) -> bool {
        let stream = self.reader.get_ref();
        if !self.reader.buffer().is_empty() {
            return true;
        }
        let open = stream.set_nonblocking(true).is_ok()
            && match stream.peek(&mut [0u8; 1]) {
                Ok(0) => false,
                Ok(_) => true,
                Err(err) => err.kind() == io::ErrorKind::WouldBlock,
            };
        let _ = stream.set_nonblocking(false);
        open
    }

    fn send(&mut self, reply: &Reply) -> io::Result<()> {
        control::send(&mut self.writer, reply)
    }

    /// Sends the reply to a command, and logs both on one line.
    fn answer(&mut self, what: &str, reply: &Reply) -> io::Result<()> {
        if self.server.config.log {
            self.log(&format!("{what} -> {}", reply.summary()));
        }
        self.send(reply)
    }

    /// A line of the log: the client, the user, and what happened, control characters escaped.
    fn log(&self, what: &str) {
        if self.server.config.log {
            let user = match (&self.login, &self.user) {
                (Some(_), Some(user)) => user.as_str(),
                _ => "-",
            };
            println!("{}", printable(&format!("{} {user}: {what}", self.peer)));
        }
    }
}

/// Every command this server answers; anything else is 502.
const KNOWN: [&str; 33] = [
    "USER", "PASS", "SYST", "FEAT", "OPTS", "PWD", "CWD", "CDUP", "TYPE", "MODE", "STRU", "PASV",
    "EPSV", "LIST", "NLST", "MLSD", "MLST", "SIZE", "MDTM", "REST", "RETR", "STOR", "APPE", "DELE",
    "MKD", "RMD", "RNFR", "RNTO", "NOOP", "ABOR", "QUIT", "PORT", "EPRT",
];

/// What a data connection will carry.
enum Job {
    /// A listing, made before the 150.
    Send(Vec<u8>),
    /// A file from an offset: the open file, positioned, and the bytes to send.
    Download(File, u64),
    Upload(Upload),
}

impl Job {
    fn opening(&self, arg: &str) -> String {
        match self {
            Job::Send(bytes) => format!("Here comes the listing ({} bytes)", bytes.len()),
            Job::Download(_, len) => format!("Opening data connection for {arg} ({len} bytes)"),
            Job::Upload(upload) if upload.start > 0 => {
                format!("Ready to receive {arg} from byte {}", upload.start)
            }
            Job::Upload(_) => format!("Ready to receive {arg}"),
        }
    }
}

/// An upload in progress.
struct Upload {
    file: File,
    target: PathBuf,
    partial: PathBuf,
    /// Where this transfer started writing.
    start: u64,
    /// How many bytes the quota leaves for this transfer.
    room: u64,
    /// Whether `target` was moved to `partial` for this resume.
    restore: bool,
    _claim: Claim,
}

impl Upload {
    /// Undoes what this transfer wrote: back to `start` bytes, and back under the final name
    /// if that is where the file was.
    fn give_back(&mut self) -> io::Result<()> {
        self.file.set_len(self.start)?;
        if self.restore {
            fs::rename(&self.partial, &self.target)
        } else if self.start == 0 {
            fs::remove_file(&self.partial)
        } else {
            Ok(())
        }
    }
}

// ANCHOR: send_all
/// Sends `from` on the data connection, giving up on a client slower than the minimum rate.
///
/// `io::copy` would move the file in pieces of 8 KiB (std's generic loop: `MinRate` is not one of
/// the std types its `sendfile` path knows); read through a `BufReader` of a `BLOCK`, it writes
/// that reader's buffer instead, a block per `write`.
fn send_all(data: &mut TcpStream, from: &mut impl Read, config: &lesson7::server::Config) -> Reply {
    let mut to = MinRate::new(data, config.min_rate, config.request_timeout);
    match io::copy(&mut BufReader::with_capacity(BLOCK, from), &mut to) {
        Ok(sent) => Reply::new(226, format!("Transfer complete: {sent} bytes sent")),
        Err(err) => Reply::new(426, format!("Connection closed; transfer aborted ({err})")),
    }
}
// ANCHOR_END: send_all

fn open_download(login: &Login, arg: &str, rest: u64) -> Result<Job, Reply> {
    let path = login.workdir.existing_file(arg).map_err(refused)?;
    if store::is_partial(&path) {
        return Err(Reply::new(
            550,
            format!("{arg} is an unfinished upload; finish it with REST and STOR, or APPE"),
        ));
    }
    let mut file = File::open(&path).map_err(|err| Reply::new(550, err.to_string()))?;
    let len = file
        .metadata()
        .map_err(|err| Reply::new(451, err.to_string()))?
        .len();
    if rest > len {
        return Err(Reply::new(
            554,
            format!("REST {rest} is past the end of {arg} ({len} bytes)"),
        ));
    }
    file.seek(SeekFrom::Start(rest))
        .map_err(|err| Reply::new(451, err.to_string()))?;
    Ok(Job::Download(file, len - rest))
}

// ANCHOR: list
/// The bytes of a listing: LIST's `ls -l` lines, NLST's names, or MLSD's facts. A path may
/// follow options (`LIST -la docs`, which lftp and FileZilla send); they are skipped.
fn list(login: &Login, verb: &str, arg: &str) -> Result<Vec<u8>, Reply> {
    let path = arg
        .split(' ')
        .skip_while(|word| word.starts_with('-'))
        .collect::<Vec<_>>()
        .join(" ");
    let path = if path.is_empty() { "." } else { path.as_str() };
    let entries = match dir_on_disk(&login.workdir, &login.home, path) {
        Ok(dir) => read_entries(&dir),
        Err(_) if verb == "MLSD" => {
            return Err(Reply::new(501, format!("{path} is not a directory")));
        }
        Err(_) => {
            let mut entry = stat(login, path)?;
            entry.name = path.rsplit('/').next().unwrap_or(path).to_string();
            vec![entry]
        }
    };
    let now = SystemTime::now();
    let mut out = String::new();
    for entry in &entries {
        let line = match verb {
            "LIST" => listing::ls_line(entry, now),
            "MLSD" => listing::facts(entry),
            _ => entry.name.clone(),
        };
        out.push_str(&line);
        out.push_str("\r\n");
    }
    Ok(out.into_bytes())
}

/// The entries of a directory, sorted by name. Unfinished uploads are left out, and so are
/// names that are not UTF-8 or hold a control character: a listing line with a newline in a
/// name would be two lines to the client.
fn read_entries(dir: &Path) -> Vec<Listed> {
    let mut entries: Vec<Listed> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if name.chars().any(char::is_control) || store::is_partial(Path::new(&name)) {
                return None;
            }
            // Not following a symbolic link: where it points is none of the client's business.
            let metadata = entry.metadata().ok()?;
            Some(Listed::new(name, &metadata))
        })
        .collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}
// ANCHOR_END: list

/// The directory `path` names, on disk, checked by `Workdir::cd` to be inside the home.
fn dir_on_disk(workdir: &Workdir, home: &Path, path: &str) -> Result<PathBuf, PathError> {
    let mut there = workdir.clone();
    there.cd(path)?;
    Ok(home.join(there.pwd().trim_start_matches('/')))
}

/// What a listing says of the file or directory `path` names.
fn stat(login: &Login, path: &str) -> Result<Listed, Reply> {
    let on_disk = match dir_on_disk(&login.workdir, &login.home, path) {
        Ok(dir) => dir,
        Err(_) => login.workdir.existing_file(path).map_err(refused)?,
    };
    if store::is_partial(&on_disk) {
        return Err(Reply::new(550, format!("{path} is an unfinished upload")));
    }
    let metadata = fs::metadata(&on_disk).map_err(|err| Reply::new(550, err.to_string()))?;
    Ok(Listed::new(path.to_string(), &metadata))
}

/// SIZE: a file's length; for a name whose upload was cut off, the length of its `NAME.part`,
/// which is where a client such as `curl -C -` resumes from.
fn size(workdir: &Workdir, path: &str) -> Result<u64, Reply> {
    match workdir.existing_file(path) {
        Ok(on_disk) if !store::is_partial(&on_disk) => Ok(fs::metadata(on_disk)
            .map_err(|err| Reply::new(451, err.to_string()))?
            .len()),
        Ok(_) => Err(Reply::new(550, format!("{path} is an unfinished upload"))),
        Err(err @ PathError::NotFound(_)) => {
            let partial = split_path(workdir, path)
                .ok()
                .and_then(|(there, name)| store::partial_upload(&there, name).ok())
                .filter(|partial| partial.is_file());
            match partial {
                Some(partial) => Ok(fs::metadata(partial).map(|m| m.len()).unwrap_or(0)),
                None => Err(refused(err)),
            }
        }
        Err(err) => Err(refused(err)),
    }
}

/// Splits `dir/name` into a workdir placed in `dir` and `name`, for STOR and APPE, whose
/// argument may be a path (curl's `--ftp-method nocwd` sends one).
fn split_path<'p>(workdir: &Workdir, path: &'p str) -> Result<(Workdir, &'p str), Reply> {
    let mut there = workdir.clone();
    let name = match path.rsplit_once('/') {
        Some((dir, name)) => {
            there
                .cd(if dir.is_empty() { "/" } else { dir })
                .map_err(refused)?;
            name
        }
        None => path,
    };
    Ok((there, name))
}

/// RMD: removes an empty directory; never the home, never through a symbolic link.
fn remove_dir(workdir: &Workdir, path: &str) -> Result<(), Reply> {
    let on_disk = workdir.locate(path).map_err(|err| match err {
        PathError::AlreadyExists(_) => Reply::new(550, "the home directory cannot be removed"),
        err => refused(err),
    })?;
    match on_disk.symlink_metadata() {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(_) => return Err(Reply::new(550, format!("not a directory: {path}"))),
        Err(_) => return Err(Reply::new(550, format!("no such directory: {path}"))),
    }
    fs::remove_dir(&on_disk).map_err(|err| match err.kind() {
        io::ErrorKind::DirectoryNotEmpty => Reply::new(550, format!("{path} is not empty")),
        _ => Reply::new(550, format!("could not remove {path}: {err}")),
    })
}

/// RNTO: moves the entry RNFR found to `to`, inside the home. The new name obeys the rules of
/// an upload's: no `.part` name, which belongs to the server.
fn rename(workdir: &Workdir, from: &Path, to: &str) -> Result<(), Reply> {
    let target = workdir.locate(to).map_err(refused)?;
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    store::check_upload_name(name).map_err(|err| Reply::new(553, err.to_string()))?;
    if target.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Reply::new(550, format!("{to} is a directory")));
    }
    fs::rename(from, &target).map_err(|err| Reply::new(550, format!("could not rename: {err}")))
}

// ANCHOR: refused
/// Lesson 4's refusal of a path, as an FTP reply: 553 for a name that may not be used, 550 for
/// everything else a client caused, 451 for what it did not.
fn refused(err: PathError) -> Reply {
    let code = match err {
        PathError::BadName { .. } => 553,
        PathError::Io(_) => 451,
        _ => 550,
    };
    Reply::new(code, err.to_string())
}

/// Lesson 7's refusals (quota, a busy upload, a bad path), as FTP replies.
fn from_lesson7(reply: lesson7::protocol::Reply) -> Reply {
    let code = match reply.status {
        status::QUOTA_EXCEEDED => 552,
        status::CONFLICT if reply.error_text().contains("upload") => 450,
        status::BAD_REQUEST => 553,
        status::SERVER_ERROR => 451,
        _ => 550,
    };
    Reply::new(code, reply.error_text())
}
// ANCHOR_END: refused
