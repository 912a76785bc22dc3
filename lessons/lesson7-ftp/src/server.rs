//! The server: one session per connection, on lesson 3's threaded server, with bounds on how
//! many connections wait to log in and how many sessions run, and a time limit on every wait.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson3::Handler;
use lesson4::home::Workdir;
use lesson4::session::printable;
use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use crate::accounts::{self, Accounts};
use crate::protocol::{
    self, FrameError, MAX_LISTING, MAX_LISTING_BYTES, MAX_PATH, MAX_REQUEST, Reply, Request,
    Trailer, VERSION, hex, status,
};
use crate::store::{self, Digests, Limits, Uploads};
use crate::transfer::{MinRate, copy_hashed, hash_prefix, is_too_slow};

// ANCHOR: config
/// What a server may be told on its command line, with the defaults `lesson7 server` uses.
///
/// Where a limit has a counterpart in vsftpd, pyftpdlib or Apache, the default is theirs; the
/// chapter's limits table cites each.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the homes are: user `alex` lives in `root/alex`.
    pub root: PathBuf,
    /// Logged-in sessions served at once; the next login is told the server is busy.
    pub max_clients: usize,
    /// Connections that have not logged in yet, at once; the next one is told the server is busy.
    pub max_unauthenticated: usize,
    /// Password verifications running at once; the others wait their turn.
    pub max_verifying: usize,
    /// Files, directories and links one home may hold.
    pub max_entries: u64,
    /// How long a logged-in client may stay silent between requests.
    pub idle_timeout: Duration,
    /// How long a connection may take, from its greeting, to log in.
    pub login_timeout: Duration,
    /// How long a request, or a trailer, may take from its first byte to its last.
    pub request_timeout: Duration,
    /// How long a transfer may go without a single byte moving.
    pub stall_timeout: Duration,
    /// The slowest a transfer may be, in bytes per second, once `request_timeout` has passed.
    pub min_rate: u64,
    /// The least time a failed login takes, whatever failed.
    pub login_delay: Duration,
    /// Failed logins after which the connection is closed.
    pub max_login_failures: u32,
    /// Print a line per request on stdout.
    pub log: bool,
}

impl Config {
    pub fn new(root: PathBuf) -> Config {
        Config {
            root,
            max_clients: 64,
            max_unauthenticated: 512,
            max_verifying: accounts::default_max_verifying(),
            max_entries: 10_000,
            idle_timeout: Duration::from_secs(300),
            login_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(20),
            stall_timeout: Duration::from_secs(30),
            min_rate: 500,
            login_delay: Duration::from_secs(1),
            max_login_failures: 3,
            log: true,
        }
    }
}
// ANCHOR_END: config

/// Everything the sessions share: the accounts, the configuration, the places, the running
/// uploads and the md5 of the files seen whole.
#[derive(Debug)]
pub struct Server {
    accounts: Accounts,
    config: Config,
    unauthenticated: Places,
    sessions: Places,
    uploads: Uploads,
    digests: Digests,
}

// ANCHOR: serve
/// Serves forever: lesson 3's `serve_threaded`, with this server as the handler.
///
/// The root is made absolute, its symbolic links resolved, once, here: every path the server
/// compares (the running uploads, the homes) then has one spelling, whatever `--root` said.
pub fn serve(listener: &TcpListener, mut accounts: Accounts, mut config: Config) -> ! {
    match fs::create_dir_all(&config.root).and_then(|()| fs::canonicalize(&config.root)) {
        Ok(root) => config.root = root,
        Err(err) => eprintln!("cannot resolve the root {}: {err}", config.root.display()),
    }
    accounts.set_max_verifying(config.max_verifying);
    let server = Server {
        accounts,
        unauthenticated: Places::new(config.max_unauthenticated),
        sessions: Places::new(config.max_clients),
        config,
        uploads: Uploads::default(),
        digests: Digests::default(),
    };
    lesson3::serve_threaded(listener, Arc::new(server))
}
// ANCHOR_END: serve

// ANCHOR: bounded
/// A fixed number of places, taken and given back by sessions on any thread.
///
/// Lesson 3's `serve_threaded` starts a thread for every connection it accepts, however many
/// there are: the article's `ThreadingTCPServer`. The bounds sit in the handler, so lesson 3's
/// accept loop and its `catch_unwind` stay as they are: a turned-away connection costs a thread for
/// the time it takes to write 80 bytes. There are two sets of places: one for connections that
/// have not logged in, one for sessions. Connections that never log in can fill the first, for
/// the login timeout at most, but never take a logged-in user's place.
#[derive(Debug)]
pub struct Places {
    max: usize,
    taken: AtomicUsize,
}

/// One of the places; given back when dropped, which also happens while a panicking session
/// unwinds, so a panic never leaks a place.
pub struct Place<'a>(&'a AtomicUsize);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Places {
    pub fn new(max: usize) -> Places {
        Places {
            max,
            taken: AtomicUsize::new(0),
        }
    }

    /// A place, if one is free.
    pub fn take(&self) -> Option<Place<'_>> {
        self.taken
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| Place(&self.taken))
    }
}

/// Tells a connection, in one frame, that the server is busy, and closes it.
fn busy(stream: &mut TcpStream, why: String) -> io::Result<()> {
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    protocol::write_frame(stream, &Reply::error(status::BUSY, why))
}
// ANCHOR_END: bounded

impl Handler for Server {
    fn handle(&self, mut stream: TcpStream, client_address: SocketAddr) -> io::Result<()> {
        let Some(waiting) = self.unauthenticated.take() else {
            let why = format!(
                "the server is busy: {} connections are logging in; try again later",
                self.config.max_unauthenticated
            );
            return busy(&mut stream, why);
        };
        // Requests and replies are small and go in turn: without this, Nagle's algorithm could
        // hold a reply back until the previous segment's acknowledgement arrives.
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(self.config.stall_timeout))?;
        let mut conn = Conn {
            server: self,
            stream,
            client_address,
            user: None,
        };
        conn.send(&Reply::ok(json!({"server": "lesson7", "version": VERSION})))?;
        let Some(mut login) = log_in(&mut conn, waiting)? else {
            return Ok(());
        };
        serve_commands(&mut conn, &mut login)
    }
}

/// One client's connection, and what the server knows about it.
struct Conn<'a> {
    server: &'a Server,
    stream: TcpStream,
    client_address: SocketAddr,
    /// Who logged in, for the log lines.
    user: Option<String>,
}

/// Who is logged in on a session, where they are, and the place they hold.
struct Login<'a> {
    limits: Limits,
    /// The home, resolved like the root: the key of this user's running uploads.
    home: PathBuf,
    workdir: Workdir,
    _place: Place<'a>,
}

impl Conn<'_> {
    // ANCHOR: next_request
    /// Reads the next request. Answers by itself what is wrong with a frame and goes on reading;
    /// `None` means the session is over (the client closed, timed out, was too slow, or sent a
    /// frame too large to skip).
    ///
    /// The first byte may take the idle timeout, or until `by` if that comes sooner (the login
    /// deadline); the rest of the frame must follow within the request timeout.
    fn next_request(&mut self, by: Option<Instant>) -> io::Result<Option<Request>> {
        let config = &self.server.config;
        loop {
            let wait = match by {
                Some(by) => config
                    .idle_timeout
                    .min(by.saturating_duration_since(Instant::now())),
                None => config.idle_timeout,
            };
            if wait.is_zero() {
                return self.time_out(by);
            }
            let frame = protocol::read_frame_within(
                &mut self.stream,
                MAX_REQUEST,
                wait,
                config.request_timeout,
            );
            let object = match frame {
                Ok(object) => object,
                Err(FrameError::Closed) => return Ok(None),
                Err(FrameError::Malformed(why)) => {
                    // The frame's length was right, so the next frame starts where it should.
                    self.log(format_args!("a malformed request -> 400 {why}"));
                    self.send(&Reply::error(status::BAD_REQUEST, why))?;
                    continue;
                }
                Err(FrameError::TooLarge(len)) => {
                    // Reading it would cost what the limit is there to prevent, and skipping it
                    // unread is impossible: close.
                    let why = format!(
                        "a request frame of {len} bytes; requests are 1 to {MAX_REQUEST} bytes; \
                         closing the connection"
                    );
                    self.log(format_args!("a request of {len} bytes -> 413"));
                    self.send(&Reply::error(status::TOO_LARGE, why))?;
                    return Ok(None);
                }
                Err(FrameError::TooSlow(limit)) => {
                    let why = format!(
                        "the request did not arrive whole within {} s; closing the connection",
                        limit.as_secs_f64()
                    );
                    self.log(format_args!("a request too slow -> 408"));
                    self.send(&Reply::error(status::TIMEOUT, why))?;
                    return Ok(None);
                }
                Err(FrameError::Io(err)) if is_timeout(&err) => return self.time_out(by),
                Err(FrameError::Io(err)) => return Err(err),
            };
            match protocol::parse_request(object) {
                Ok(request) => return Ok(Some(request)),
                Err(why) => {
                    self.log(format_args!("a bad request -> 400 {why}"));
                    self.send(&Reply::error(status::BAD_REQUEST, why))?;
                }
            }
        }
    }
    // ANCHOR_END: next_request

    /// Says why the session ends after a silence, and ends it.
    fn time_out(&mut self, login_by: Option<Instant>) -> io::Result<Option<Request>> {
        let config = &self.server.config;
        let why = match login_by {
            Some(by) if Instant::now() >= by => format!(
                "not logged in within {} s; closing the connection",
                config.login_timeout.as_secs_f64()
            ),
            _ => format!(
                "no request for {} s; closing the connection",
                config.idle_timeout.as_secs_f64()
            ),
        };
        self.log(format_args!("timed out -> 408 {why}"));
        self.send(&Reply::error(status::TIMEOUT, why))?;
        Ok(None)
    }

    fn send(&mut self, message: &impl serde::Serialize) -> io::Result<()> {
        protocol::write_frame(&mut self.stream, message)
    }

    /// Sends the reply to the request `what`, and logs both.
    fn answer(&mut self, what: &str, reply: &Reply) -> io::Result<()> {
        if reply.is_ok() {
            self.log(format_args!("{what} -> 200"));
        } else {
            self.log(format_args!(
                "{what} -> {} {}",
                reply.status,
                reply.error_text()
            ));
        }
        self.send(reply)
    }

    /// Writes a line to the log: the client, the user, and what happened, with every control
    /// character escaped. Names, paths and md5s in it come from the client, and a newline or a
    /// terminal escape in one must not forge a line or reach the terminal of whoever reads it.
    fn log(&self, what: std::fmt::Arguments) {
        if self.server.config.log {
            let user = self.user.as_deref().unwrap_or("-");
            let line = format!("{} {user}: {what}", self.client_address);
            println!("{}", printable(&line));
        }
    }
}

/// A request as the log shows it: the action and its arguments, never a password.
fn describe(request: &Request) -> String {
    match request {
        Request::Login { user, version, .. } => format!("login {user:?} version {version}"),
        Request::Help => "help".into(),
        Request::Pwd => "pwd".into(),
        Request::Ls { path, after } => match after {
            Some(after) => format!("ls {:?} after {after:?}", path.as_deref().unwrap_or(".")),
            None => format!("ls {:?}", path.as_deref().unwrap_or(".")),
        },
        Request::Cd { path } => format!("cd {path:?}"),
        Request::Mkdir { path } => format!("mkdir {path:?}"),
        Request::Rm { path } => format!("rm {path:?}"),
        Request::Quota => "quota".into(),
        Request::Put { name, size } => format!("put {name:?} {size} bytes"),
        Request::Get { path, offset } => format!("get {path:?} from {offset}"),
        Request::Quit => "quit".into(),
    }
}

// ANCHOR: log_in
/// Answers requests until a login succeeds (`Some`) or the session ends (`None`). Before login,
/// only `login`, `help` and `quit` are answered, and only until the login timeout.
///
/// Every failed login gets the same sentence after the same least delay, whether the name is
/// unknown or the password wrong, so that neither the reply nor its timing tells which names
/// exist. The third failure closes the connection.
///
/// The connection holds `waiting`, its place among those not logged in, until it logs in, and
/// gives it back before the client hears that it has.
fn log_in<'a>(conn: &mut Conn<'a>, waiting: Place<'a>) -> io::Result<Option<Login<'a>>> {
    let server = conn.server;
    let config = &server.config;
    let by = Instant::now() + config.login_timeout;
    let mut failures = 0;
    while let Some(request) = conn.next_request(Some(by))? {
        let what = describe(&request);
        let (user, password, version) = match request {
            Request::Login {
                user,
                password,
                version,
            } => (user, password, version),
            Request::Help => {
                conn.answer(&what, &Reply::ok(json!({ "commands": HELP })))?;
                continue;
            }
            Request::Quit => {
                conn.answer(&what, &Reply::ok(json!({"bye": "closing the connection"})))?;
                return Ok(None);
            }
            _ => {
                conn.answer(&what, &Reply::error(status::UNAUTHORIZED, "log in first"))?;
                continue;
            }
        };
        if version != VERSION {
            let why = format!("this server speaks protocol version {VERSION}, not {version}");
            conn.answer(&what, &Reply::error(status::BAD_VERSION, why))?;
            continue;
        }
        let started = Instant::now();
        let Some(account) = server.accounts.verify(&user, &password) else {
            thread::sleep(config.login_delay.saturating_sub(started.elapsed()));
            failures += 1;
            if failures >= config.max_login_failures {
                let why = format!("{failures} failed logins; closing the connection");
                conn.answer(&what, &Reply::error(status::TOO_MANY_FAILURES, why))?;
                return Ok(None);
            }
            let wrong = Reply::error(status::UNAUTHORIZED, "wrong user name or password");
            conn.answer(&what, &wrong)?;
            continue;
        };
        let Some(place) = server.sessions.take() else {
            let why = format!(
                "the server is busy: it serves {} users at once; try again later",
                config.max_clients
            );
            conn.answer(&what, &Reply::error(status::BUSY, why))?;
            return Ok(None);
        };
        let home = config.root.join(&user);
        let opened =
            Workdir::open(&home).and_then(|workdir| Ok((fs::canonicalize(&home)?, workdir)));
        let (home, workdir) = match opened {
            Ok(opened) => opened,
            Err(err) => {
                let why = format!("could not open your home directory: {err}");
                conn.answer(&what, &Reply::error(status::SERVER_ERROR, why))?;
                return Ok(None);
            }
        };
        conn.user = Some(user.clone());
        drop(waiting);
        conn.answer(&what, &Reply::ok(json!({"user": user, "path": "/"})))?;
        return Ok(Some(Login {
            limits: Limits {
                quota: account.quota,
                max_entries: config.max_entries,
            },
            home,
            workdir,
            _place: place,
        }));
    }
    Ok(None)
}
// ANCHOR_END: log_in

// ANCHOR: commands
/// Answers a logged-in user's requests until the session ends.
fn serve_commands(conn: &mut Conn, login: &mut Login) -> io::Result<()> {
    while let Some(request) = conn.next_request(None)? {
        let what = describe(&request);
        let reply = match request {
            Request::Login { .. } => Reply::error(status::BAD_REQUEST, "already logged in"),
            Request::Help => Reply::ok(json!({ "commands": HELP })),
            Request::Quit => {
                conn.answer(&what, &Reply::ok(json!({"bye": "closing the connection"})))?;
                return Ok(());
            }
            Request::Put { name, size } => {
                put(conn, login, &what, &name, size)?;
                continue;
            }
            Request::Get { path, offset } => {
                get(conn, login, &what, &path, offset)?;
                continue;
            }
            request => {
                files(login, request, &conn.server.uploads).unwrap_or_else(|refusal| refusal)
            }
        };
        conn.answer(&what, &reply)?;
    }
    Ok(())
}
// ANCHOR_END: commands

// ANCHOR: put
/// Receives an upload: claim `NAME.part`, say where to start, take the bytes and the md5, and
/// rename the file to `NAME` only once the md5 matches.
fn put(conn: &mut Conn, login: &Login, what: &str, name: &str, size: u64) -> io::Result<()> {
    let paths = store::check_upload_name(name)
        .and_then(|()| login.workdir.new_file(name))
        .and_then(|target| Ok((target, store::partial_upload(&login.workdir, name)?)));
    let (target, partial) = match paths {
        Ok(paths) => paths,
        Err(err) => return conn.answer(what, &err.into()),
    };
    let server = conn.server;
    let claim = match server
        .uploads
        .claim(&login.home, &partial, size, login.limits)?
    {
        Ok(claim) => claim,
        Err(refusal) => {
            let reply = Reply::error(refusal.status(), refusal.explain(name));
            return conn.answer(what, &reply);
        }
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&partial)?;
    // What an earlier, interrupted upload left. Longer than the new file: that was another
    // file, so start again.
    let mut offset = file.metadata()?.len();
    if offset > size {
        file.set_len(0)?;
        offset = 0;
    }
    // Reply first, then hash what is already here: the client hashes its own copy of the same
    // prefix meanwhile, on the other core, and its data waits in the socket until we are done.
    conn.answer(what, &Reply::ok(json!({ "offset": offset })))?;
    let mut md5 = Md5::new();
    hash_prefix(&mut file, offset, &mut md5)?;

    let config = &server.config;
    conn.stream.set_read_timeout(Some(config.stall_timeout))?;
    let received = copy_hashed(
        MinRate::new(&mut conn.stream, config.min_rate, config.request_timeout),
        &mut file,
        size - offset,
        &mut md5,
        &mut |_| {},
    )
    .map_err(FrameError::Io)
    .and_then(|()| {
        protocol::read_frame_within(
            &mut conn.stream,
            MAX_REQUEST,
            config.stall_timeout,
            config.request_timeout,
        )
    });
    let trailer = match received {
        Ok(trailer) => Ok(trailer),
        // A trailer frame that arrived whole but is not JSON: a broken trailer, answered below.
        Err(FrameError::Malformed(why)) => Err(why),
        Err(err) => {
            // The client vanished, stalled or dribbled: keep what arrived, for a resume, and end
            // the session. Shut down, the connection reads as closed, and the session loop ends.
            let kept = file.metadata().map(|m| m.len()).unwrap_or(0);
            conn.log(format_args!(
                "put {name:?} cut off after {kept} of {size} bytes ({err}); kept for a resume"
            ));
            let why = match &err {
                FrameError::Io(err) if is_too_slow(err) => Some(format!(
                    "{err}; kept {kept} of {size} bytes for a resume; closing the connection"
                )),
                FrameError::Io(err) if is_timeout(err) => Some(format!(
                    "no data for {} s; kept {kept} of {size} bytes for a resume; closing the \
                     connection",
                    config.stall_timeout.as_secs_f64()
                )),
                FrameError::TooSlow(_) => Some(format!(
                    "{err}; kept {kept} of {size} bytes for a resume; closing the connection"
                )),
                _ => None,
            };
            if let Some(why) = why {
                let _ = conn.send(&Reply::error(status::TIMEOUT, why));
            }
            let _ = conn.stream.shutdown(Shutdown::Both);
            return Ok(());
        }
    };
    drop(file);
    let arrived = hex(&md5.finalize());
    let announced = trailer.and_then(|trailer| {
        serde_json::from_value::<Trailer>(Value::Object(trailer))
            .map(|t| t.md5)
            .map_err(|err| err.to_string())
    });
    if announced.as_ref().ok() != Some(&arrived) {
        fs::remove_file(&partial)?;
        let why = match announced {
            Ok(announced) => format!(
                "md5 mismatch: the data that arrived has md5 {arrived}, the sender's has \
                 {announced}; nothing was kept"
            ),
            Err(err) => format!("the trailer must be {{\"md5\": HEX}} ({err}); nothing was kept"),
        };
        return conn.answer(
            &format!("{what}, trailer"),
            &Reply::error(status::MD5_MISMATCH, why),
        );
    }
    fs::rename(&partial, &target)?;
    drop(claim);
    server.digests.record(&target, &arrived);
    let path = format!("{}/{name}", login.workdir.pwd().trim_end_matches('/'));
    let stored = Reply::ok(json!({
        "path": path, "size": size, "md5": arrived, "resumed_from": offset,
    }));
    conn.log(format_args!("put {path}: {size} bytes, md5 {arrived}"));
    conn.send(&stored)
}
// ANCHOR_END: put

// ANCHOR: get
/// Sends a download from byte `offset`, then the md5 of the whole file.
fn get(conn: &mut Conn, login: &Login, what: &str, path: &str, offset: u64) -> io::Result<()> {
    let on_disk = match check_path(path).and_then(|()| Ok(login.workdir.existing_file(path)?)) {
        Ok(on_disk) => Some(on_disk),
        Err(_) if store::is_partial(Path::new(path)) => None,
        Err(refusal) => return conn.answer(what, &refusal),
    };
    // Asked of the resolved path: `x.part/.` is `x.part` too.
    let Some(on_disk) = on_disk.filter(|on_disk| !store::is_partial(on_disk)) else {
        let why = format!("{path} is an unfinished upload; put it again to finish it");
        return conn.answer(what, &Reply::error(status::FORBIDDEN, why));
    };
    let mut file = File::open(&on_disk)?;
    let metadata = file.metadata()?;
    let size = metadata.len();
    if offset > size {
        let why = format!("offset {offset} is past the end of {path} ({size} bytes)");
        return conn.answer(what, &Reply::error(status::BAD_RANGE, why));
    }
    conn.answer(what, &Reply::ok(json!({ "size": size, "offset": offset })))?;
    let server = conn.server;
    let config = &server.config;
    // The md5 of the whole file is known if the server has seen it whole since it last changed:
    // then only the bytes asked for are read. Otherwise the prefix is hashed too, while the
    // client hashes its partial copy.
    let known = server.digests.get(&on_disk, &metadata);
    let mut md5 = Md5::new();
    if known.is_some() {
        file.seek(SeekFrom::Start(offset))?;
    } else {
        hash_prefix(&mut file, offset, &mut md5)?;
    }
    copy_hashed(
        &mut file,
        MinRate::new(&mut conn.stream, config.min_rate, config.request_timeout),
        size - offset,
        &mut md5,
        &mut |_| {},
    )?;
    let md5 = match known {
        Some(md5) => md5,
        None => {
            let md5 = hex(&md5.finalize());
            server.digests.record(&on_disk, &md5);
            md5
        }
    };
    conn.send(&Trailer { md5 })
}
// ANCHOR_END: get

// ANCHOR: files
/// The requests that only look at or change the file tree: lesson 4's `Workdir` does the work,
/// and the store counts what a home holds.
fn files(login: &mut Login, request: Request, uploads: &Uploads) -> Result<Reply, Reply> {
    let workdir = &mut login.workdir;
    let fields = match request {
        Request::Pwd => json!({ "path": workdir.pwd() }),
        Request::Cd { path } => {
            check_path(&path)?;
            workdir.cd(&path)?;
            json!({ "path": workdir.pwd() })
        }
        Request::Ls { path, after } => {
            if let Some(path) = &path {
                check_path(path)?;
            }
            return listing(workdir, path.as_deref(), after.as_deref());
        }
        Request::Mkdir { path } => {
            check_path(&path)?;
            let made = uploads.mkdir(workdir, &login.home, &path, login.limits.max_entries)?;
            json!({ "path": made })
        }
        Request::Rm { path } => {
            check_path(&path)?;
            store::remove_file(workdir, &login.home, &path, uploads)?;
            json!({ "removed": path })
        }
        Request::Quota => {
            let used = uploads
                .usage(&login.home)
                .map_err(lesson4::home::PathError::Io)?;
            let quota = login.limits.quota;
            json!({
                "used": used.bytes, "quota": quota, "free": quota.saturating_sub(used.bytes),
                "entries": used.entries, "max_entries": login.limits.max_entries,
            })
        }
        other => {
            return Err(Reply::error(
                status::SERVER_ERROR,
                format!("{other:?} is not a file request"),
            ));
        }
    };
    Ok(Reply::ok(fields))
}
// ANCHOR_END: files

// ANCHOR: listing
/// One page of a listing: the entries whose names sort after `after`, as many as fit in
/// [`MAX_LISTING`] entries and [`MAX_LISTING_BYTES`] of JSON. When more remain, `next` is the
/// name to ask `after` for the next page.
fn listing(workdir: &Workdir, path: Option<&str>, after: Option<&str>) -> Result<Reply, Reply> {
    let mut entries = Vec::new();
    let mut bytes = 0;
    let mut next = None;
    let all = workdir.ls(path)?;
    let rest = all
        .iter()
        .filter(|entry| after.is_none_or(|after| entry.name.as_str() > after));
    for entry in rest {
        let json = json!({"name": entry.name, "dir": entry.is_dir, "size": entry.size});
        let len = json.to_string().len() + 1;
        if entries.len() == MAX_LISTING || bytes + len > MAX_LISTING_BYTES {
            next = entries
                .last()
                .and_then(|last: &Value| last["name"].as_str())
                .map(str::to_string);
            break;
        }
        bytes += len;
        entries.push(json);
    }
    let mut fields = Map::new();
    fields.insert("truncated".into(), Value::Bool(next.is_some()));
    fields.insert("entries".into(), Value::Array(entries));
    if let Some(next) = next {
        fields.insert("next".into(), Value::String(next));
    }
    Ok(Reply::ok(Value::Object(fields)))
}
// ANCHOR_END: listing

fn check_path(path: &str) -> Result<(), Reply> {
    if path.len() > MAX_PATH {
        return Err(Reply::error(
            status::BAD_REQUEST,
            format!("a path of {} bytes; the limit is {MAX_PATH}", path.len()),
        ));
    }
    Ok(())
}

/// The commands, as `help` lists them: usage and what it does.
pub const HELP: [[&str; 2]; 10] = [
    ["help", "list the commands"],
    ["pwd", "show the current directory"],
    ["ls [PATH]", "list a directory (the current one by default)"],
    ["cd PATH", "change directory; / is your home"],
    ["mkdir PATH", "create a directory"],
    ["rm PATH", "remove a file"],
    ["quota", "show how much of your quota you use"],
    [
        "put FILE",
        "upload a local file into the current directory (resumes)",
    ],
    [
        "get PATH",
        "download a file into the local directory (resumes)",
    ],
    ["q", "quit"],
];

/// A read that gave up after the read timeout: `WouldBlock` on Unix, `TimedOut` on Windows.
pub fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// Takes one of its places, panics on the first connection and answers `ok` on the others;
    /// `busy` when no place is free.
    struct PanicsOnce {
        places: Places,
        calls: AtomicUsize,
    }

    impl Handler for PanicsOnce {
        fn handle(&self, mut request: TcpStream, _: SocketAddr) -> io::Result<()> {
            let Some(_place) = self.places.take() else {
                return request.write_all(b"busy");
            };
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("a bug in one session");
            }
            request.write_all(b"ok")
        }
    }

    fn read_all(addr: SocketAddr) -> Vec<u8> {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        answer
    }

    // ANCHOR: panic_test
    /// A panic in a session ends that session only, through lesson 3's `catch_unwind`, and gives
    /// its place back: with room for one client, the next one is served, not told "busy".
    #[test]
    fn a_panicking_session_ends_alone_and_frees_its_place() {
        let listener = crate::listen(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let addr = listener.local_addr().unwrap();
        let handler = Arc::new(PanicsOnce {
            places: Places::new(1),
            calls: AtomicUsize::new(0),
        });
        thread::spawn(move || lesson3::serve_threaded(&listener, handler));
        assert_eq!(
            read_all(addr),
            b"",
            "the panicking session closes its connection"
        );
        assert_eq!(read_all(addr), b"ok");
        assert_eq!(read_all(addr), b"ok");
    }
    // ANCHOR_END: panic_test
}
