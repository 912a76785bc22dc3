//! The server: one session per connection, on lesson 3's threaded server, with a bound on how
//! many run at once and timeouts on every wait.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lesson3::Handler;
use lesson4::home::Workdir;
use md5::{Digest, Md5};
use serde_json::{Value, json};

use crate::accounts::Accounts;
use crate::protocol::{
    self, FrameError, MAX_LISTING, MAX_PATH, MAX_REQUEST, Reply, Request, Trailer, VERSION, hex,
    status,
};
use crate::store::{self, PART_SUFFIX, Uploads};
use crate::transfer::{copy_hashed, hash_prefix};

// ANCHOR: config
/// What a server may be told on its command line, with the defaults `lesson7 server` uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the homes are: user `alex` lives in `root/alex`.
    pub root: PathBuf,
    /// Sessions served at once; one more is told the server is busy, and closed.
    pub max_clients: usize,
    /// How long a logged-in or logging-in client may stay silent between requests.
    pub idle_timeout: Duration,
    /// How long a transfer may go without a single byte moving.
    pub stall_timeout: Duration,
    /// The least time a failed login takes, whatever failed.
    pub login_delay: Duration,
    /// Failed logins after which the connection is closed.
    pub max_login_failures: u32,
    /// Print a line per login, transfer and refusal on stdout.
    pub log: bool,
}

impl Config {
    pub fn new(root: PathBuf) -> Config {
        Config {
            root,
            max_clients: 64,
            idle_timeout: Duration::from_secs(300),
            stall_timeout: Duration::from_secs(30),
            login_delay: Duration::from_secs(1),
            max_login_failures: 3,
            log: true,
        }
    }
}
// ANCHOR_END: config

/// Everything the sessions share: the accounts, the configuration and the running uploads.
#[derive(Debug)]
pub struct Server {
    accounts: Accounts,
    config: Config,
    uploads: Uploads,
}

// ANCHOR: serve
/// Serves forever: lesson 3's `serve_threaded`, handed a handler that bounds the sessions.
pub fn serve(listener: &TcpListener, accounts: Accounts, config: Config) -> ! {
    let max_clients = config.max_clients;
    let server = Server {
        accounts,
        config,
        uploads: Uploads::default(),
    };
    lesson3::serve_threaded(listener, Arc::new(Bounded::new(server, max_clients)))
}
// ANCHOR_END: serve

// ANCHOR: bounded
/// A handler that lets at most `max` connections into `inner` at once and tells the others, in
/// one frame, that the server is busy.
///
/// Lesson 3's `serve_threaded` starts a thread for every connection it accepts, however many
/// there are. That is the article's `ThreadingTCPServer`, and a thousand clients mean a thousand
/// threads and a thousand sessions. The bound sits in the handler, so lesson 3's accept loop and
/// its `catch_unwind` stay as they are: a turned-away connection costs a thread for the time it
/// takes to write 80 bytes.
pub struct Bounded<H> {
    inner: H,
    max: usize,
    active: AtomicUsize,
}

/// One of the `max` places; given back when dropped, which also happens while a panicking
/// session unwinds, so a panic never leaks a place.
struct Place<'a>(&'a AtomicUsize);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<H: Handler> Bounded<H> {
    pub fn new(inner: H, max: usize) -> Bounded<H> {
        Bounded {
            inner,
            max,
            active: AtomicUsize::new(0),
        }
    }

    fn take_place(&self) -> Option<Place<'_>> {
        self.active
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < self.max).then_some(n + 1)
            })
            .ok()
            .map(|_| Place(&self.active))
    }
}

impl<H: Handler> Handler for Bounded<H> {
    fn handle(&self, mut request: TcpStream, client_address: SocketAddr) -> io::Result<()> {
        let Some(_place) = self.take_place() else {
            request.set_write_timeout(Some(Duration::from_secs(5)))?;
            let busy = Reply::error(
                status::BUSY,
                format!(
                    "the server is busy: it serves {} clients at once; try again later",
                    self.max
                ),
            );
            return protocol::write_frame(&mut request, &busy);
        };
        self.inner.handle(request, client_address)
    }
}
// ANCHOR_END: bounded

impl Handler for Server {
    fn handle(&self, stream: TcpStream, client_address: SocketAddr) -> io::Result<()> {
        // Requests and replies are small and go in turn: without this, Nagle's algorithm could
        // hold a reply back until the previous segment's acknowledgement arrives.
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(self.config.idle_timeout))?;
        stream.set_write_timeout(Some(self.config.stall_timeout))?;
        let mut conn = Conn {
            server: self,
            stream,
            client_address,
            user: None,
        };
        conn.send(&Reply::ok(json!({"server": "lesson7", "version": VERSION})))?;
        let Some(mut login) = log_in(&mut conn)? else {
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

/// Who is logged in on a session, and where they are.
struct Login {
    quota: u64,
    home: PathBuf,
    workdir: Workdir,
}

impl Conn<'_> {
    // ANCHOR: next_request
    /// Reads the next request. Answers by itself what is wrong with a frame and goes on reading;
    /// `None` means the session is over (the client closed, timed out, or sent a frame too large
    /// to skip).
    fn next_request(&mut self) -> io::Result<Option<Request>> {
        loop {
            let object = match protocol::read_frame(&mut self.stream, MAX_REQUEST) {
                Ok(object) => object,
                Err(FrameError::Closed) => return Ok(None),
                Err(FrameError::Malformed(why)) => {
                    // The frame's length was right, so the next frame starts where it should.
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
                    self.send(&Reply::error(status::TOO_LARGE, why))?;
                    return Ok(None);
                }
                Err(FrameError::Io(err)) if is_timeout(&err) => {
                    let why = format!(
                        "no request for {} s; closing the connection",
                        self.server.config.idle_timeout.as_secs_f64()
                    );
                    self.send(&Reply::error(status::TIMEOUT, why))?;
                    return Ok(None);
                }
                Err(FrameError::Io(err)) => return Err(err),
            };
            match protocol::parse_request(object) {
                Ok(request) => return Ok(Some(request)),
                Err(why) => self.send(&Reply::error(status::BAD_REQUEST, why))?,
            }
        }
    }
    // ANCHOR_END: next_request

    fn send(&mut self, message: &impl serde::Serialize) -> io::Result<()> {
        protocol::write_frame(&mut self.stream, message)
    }

    /// Sends a refusal, and logs it.
    fn refuse(&mut self, reply: Reply) -> io::Result<()> {
        self.log(format_args!("refused: {}", reply.error_text()));
        self.send(&reply)
    }

    fn log(&self, what: std::fmt::Arguments) {
        if self.server.config.log {
            let user = self.user.as_deref().unwrap_or("-");
            println!("{} {user}: {what}", self.client_address);
        }
    }
}

// ANCHOR: log_in
/// Answers requests until a login succeeds (`Some`) or the session ends (`None`). Before login,
/// only `login`, `help` and `quit` are answered.
///
/// Every failed login gets the same sentence after the same least delay, whether the name is
/// unknown or the password wrong, so that neither the reply nor its timing tells which names
/// exist. The third failure closes the connection.
fn log_in(conn: &mut Conn) -> io::Result<Option<Login>> {
    let config = &conn.server.config;
    let mut failures = 0;
    while let Some(request) = conn.next_request()? {
        let (user, password, version) = match request {
            Request::Login {
                user,
                password,
                version,
            } => (user, password, version),
            Request::Help => {
                conn.send(&Reply::ok(json!({ "commands": HELP })))?;
                continue;
            }
            Request::Quit => {
                conn.send(&Reply::ok(json!({"bye": "closing the connection"})))?;
                return Ok(None);
            }
            _ => {
                conn.send(&Reply::error(status::UNAUTHORIZED, "log in first"))?;
                continue;
            }
        };
        if version != VERSION {
            let why = format!("this server speaks protocol version {VERSION}, not {version}");
            conn.send(&Reply::error(status::BAD_VERSION, why))?;
            continue;
        }
        let started = Instant::now();
        let Some(account) = conn.server.accounts.verify(&user, &password) else {
            thread::sleep(config.login_delay.saturating_sub(started.elapsed()));
            failures += 1;
            conn.log(format_args!("failed login as {user:?}"));
            if failures >= config.max_login_failures {
                let why = format!("{failures} failed logins; closing the connection");
                conn.send(&Reply::error(status::TOO_MANY_FAILURES, why))?;
                return Ok(None);
            }
            conn.send(&Reply::error(
                status::UNAUTHORIZED,
                "wrong user name or password",
            ))?;
            continue;
        };
        let home = config.root.join(&user);
        let workdir = match Workdir::open(&home) {
            Ok(workdir) => workdir,
            Err(err) => {
                let why = format!("could not open your home directory: {err}");
                conn.send(&Reply::error(status::SERVER_ERROR, why))?;
                return Ok(None);
            }
        };
        conn.user = Some(user.clone());
        conn.log(format_args!("logged in"));
        conn.send(&Reply::ok(json!({"user": user, "path": "/"})))?;
        return Ok(Some(Login {
            quota: account.quota,
            home,
            workdir,
        }));
    }
    Ok(None)
}
// ANCHOR_END: log_in

// ANCHOR: commands
/// Answers a logged-in user's requests until the session ends.
fn serve_commands(conn: &mut Conn, login: &mut Login) -> io::Result<()> {
    while let Some(request) = conn.next_request()? {
        let reply = match request {
            Request::Login { .. } => Reply::error(status::BAD_REQUEST, "already logged in"),
            Request::Help => Reply::ok(json!({ "commands": HELP })),
            Request::Quit => {
                conn.send(&Reply::ok(json!({"bye": "closing the connection"})))?;
                return Ok(());
            }
            Request::Put { name, size } => {
                put(conn, login, &name, size)?;
                continue;
            }
            Request::Get { path, offset } => {
                get(conn, login, &path, offset)?;
                continue;
            }
            request => match files(login, request, &conn.server.uploads) {
                Ok(fields) => Reply::ok(fields),
                Err(refusal) => {
                    conn.refuse(refusal)?;
                    continue;
                }
            },
        };
        conn.send(&reply)?;
    }
    Ok(())
}
// ANCHOR_END: commands

// ANCHOR: put
/// Receives an upload: claim `NAME.part`, say where to start, take the bytes and the md5, and
/// rename the file to `NAME` only once the md5 matches.
fn put(conn: &mut Conn, login: &Login, name: &str, size: u64) -> io::Result<()> {
    let paths = store::check_upload_name(name)
        .and_then(|()| login.workdir.new_file(name))
        .and_then(|target| Ok((target, store::partial_upload(&login.workdir, name)?)));
    let (target, partial) = match paths {
        Ok(paths) => paths,
        Err(err) => return conn.refuse(err.into()),
    };
    let uploads = &conn.server.uploads;
    let claim = match uploads.claim(&login.home, &partial, size, login.quota)? {
        Ok(claim) => claim,
        Err(refusal) => return conn.refuse(Reply::error(refusal.status(), refusal.explain(name))),
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
    conn.send(&Reply::ok(json!({ "offset": offset })))?;
    let mut md5 = Md5::new();
    hash_prefix(&mut file, offset, &mut md5)?;

    let config = &conn.server.config;
    conn.stream.set_read_timeout(Some(config.stall_timeout))?;
    let received = copy_hashed(
        &mut conn.stream,
        &mut file,
        size - offset,
        &mut md5,
        &mut |_| {},
    )
    .map_err(FrameError::Io)
    .and_then(|()| protocol::read_frame(&mut conn.stream, MAX_REQUEST));
    conn.stream.set_read_timeout(Some(config.idle_timeout))?;
    let trailer = match received {
        Ok(trailer) => trailer,
        Err(err) => {
            // The client vanished or stalled: keep what arrived, for a resume, and end the
            // session. Shut down, the connection reads as closed, and the session loop ends.
            let kept = file.metadata().map(|m| m.len()).unwrap_or(0);
            conn.log(format_args!(
                "put {name} cut off after {kept} of {size} bytes ({err}); kept for a resume"
            ));
            if matches!(&err, FrameError::Io(err) if is_timeout(err)) {
                let why = format!(
                    "no data for {} s; kept {kept} of {size} bytes for a resume; closing the connection",
                    config.stall_timeout.as_secs_f64()
                );
                let _ = conn.send(&Reply::error(status::TIMEOUT, why));
            }
            let _ = conn.stream.shutdown(Shutdown::Both);
            return Ok(());
        }
    };
    drop(file);
    let announced = serde_json::from_value::<Trailer>(Value::Object(trailer)).map(|t| t.md5);
    let arrived = hex(&md5.finalize());
    if announced.as_ref().ok() != Some(&arrived) {
        fs::remove_file(&partial)?;
        let why = match announced {
            Ok(announced) => format!(
                "md5 mismatch: the data that arrived has md5 {arrived}, the sender's has \
                 {announced}; nothing was kept"
            ),
            Err(err) => format!("the trailer must be {{\"md5\": HEX}} ({err}); nothing was kept"),
        };
        return conn.refuse(Reply::error(status::MD5_MISMATCH, why));
    }
    fs::rename(&partial, &target)?;
    drop(claim);
    let path = format!("{}/{name}", login.workdir.pwd().trim_end_matches('/'));
    conn.log(format_args!("put {path}: {size} bytes, md5 {arrived}"));
    conn.send(&Reply::ok(json!({
        "path": path, "size": size, "md5": arrived, "resumed_from": offset,
    })))
}
// ANCHOR_END: put

// ANCHOR: get
/// Sends a download from byte `offset`, then the md5 of the whole file.
fn get(conn: &mut Conn, login: &Login, path: &str, offset: u64) -> io::Result<()> {
    if path.ends_with(PART_SUFFIX) {
        let why = format!("{path} is an unfinished upload; put it again to finish it");
        return conn.refuse(Reply::error(status::FORBIDDEN, why));
    }
    let mut file = match check_path(path).and_then(|()| Ok(login.workdir.existing_file(path)?)) {
        Ok(on_disk) => File::open(on_disk)?,
        Err(refusal) => return conn.refuse(refusal),
    };
    let size = file.metadata()?.len();
    if offset > size {
        let why = format!("offset {offset} is past the end of {path} ({size} bytes)");
        return conn.refuse(Reply::error(status::BAD_RANGE, why));
    }
    conn.send(&Reply::ok(json!({ "size": size, "offset": offset })))?;
    // The client hashes its partial copy meanwhile. Reading the prefix leaves the file at
    // `offset`, where the sending starts.
    let mut md5 = Md5::new();
    hash_prefix(&mut file, offset, &mut md5)?;
    copy_hashed(
        &mut file,
        &mut conn.stream,
        size - offset,
        &mut md5,
        &mut |_| {},
    )?;
    conn.send(&Trailer {
        md5: hex(&md5.finalize()),
    })
}
// ANCHOR_END: get

// ANCHOR: files
/// The requests that only look at or change the file tree: lesson 4's `Workdir` does the work.
fn files(login: &mut Login, request: Request, uploads: &Uploads) -> Result<Value, Reply> {
    let workdir = &mut login.workdir;
    match request {
        Request::Pwd => Ok(json!({ "path": workdir.pwd() })),
        Request::Cd { path } => {
            check_path(&path)?;
            workdir.cd(&path)?;
            Ok(json!({ "path": workdir.pwd() }))
        }
        Request::Ls { path } => {
            if let Some(path) = &path {
                check_path(path)?;
            }
            let entries = workdir.ls(path.as_deref())?;
            let truncated = entries.len() > MAX_LISTING;
            let entries: Vec<Value> = entries
                .into_iter()
                .take(MAX_LISTING)
                .map(|e| json!({"name": e.name, "dir": e.is_dir, "size": e.size}))
                .collect();
            Ok(json!({ "entries": entries, "truncated": truncated }))
        }
        Request::Mkdir { path } => {
            check_path(&path)?;
            Ok(json!({ "path": workdir.mkdir(&path)? }))
        }
        Request::Rm { path } => {
            check_path(&path)?;
            store::remove_file(workdir, &path, uploads)?;
            Ok(json!({ "removed": path }))
        }
        Request::Quota => {
            let used = uploads
                .usage(&login.home)
                .map_err(lesson4::home::PathError::Io)?;
            Ok(json!({
                "used": used, "quota": login.quota, "free": login.quota.saturating_sub(used)
            }))
        }
        other => Err(Reply::error(
            status::SERVER_ERROR,
            format!("{other:?} is not a file request"),
        )),
    }
}
// ANCHOR_END: files

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

    /// Panics on the first connection it handles and answers `ok` on the others.
    struct PanicsOnce(AtomicUsize);

    impl Handler for PanicsOnce {
        fn handle(&self, mut request: TcpStream, _: SocketAddr) -> io::Result<()> {
            if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
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
        let handler = Arc::new(Bounded::new(PanicsOnce(AtomicUsize::new(0)), 1));
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
