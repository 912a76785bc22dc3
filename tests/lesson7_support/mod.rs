//! What lesson 7's test files share: a server with its own users and root in a temporary
//! folder, and a raw connection that speaks (or breaks) the protocol frame by frame.
#![allow(dead_code)]

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lesson7::accounts::{self, Cost};
use lesson7::protocol::{self, MAX_REPLY, Reply};
use serde_json::{Value, json};

use crate::common::{ServerProcess, lesson};

/// argon2 at a cost a debug-build test suite can afford hundreds of times; the sample users
/// file and `useradd` without options use the production cost.
pub const CHEAP: Cost = Cost {
    memory_kib: 64,
    passes: 1,
};

/// How long a raw connection waits for any one read or write.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// The users every fixture has: name, password, quota.
pub const USERS: [(&str, &str, u64); 4] = [
    ("alex", "alex3714", 64 << 20),
    ("bob", "bob2016", 64 << 20),
    ("tiny", "tiny1", 4096),
    // A 1 KiB quota, for the tests that fill a home with entries that hold no bytes.
    ("crowd", "crowd1", 1024),
];

/// A temporary folder holding `users.json`, the root of the homes, and `outside/`, a folder
/// beside the root that no client may ever reach.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        for (name, password, quota) in USERS {
            accounts::add_user(&dir.path().join("users.json"), name, password, quota, CHEAP)
                .unwrap();
        }
        fs::create_dir_all(dir.path().join("outside")).unwrap();
        fs::write(dir.path().join("outside/secret.txt"), b"not yours").unwrap();
        Fixture { dir }
    }

    pub fn users(&self) -> PathBuf {
        self.dir.path().join("users.json")
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    pub fn home(&self, user: &str) -> PathBuf {
        self.root().join(user)
    }

    /// Starts `lesson7 server` on this fixture, with a short login delay and `args` added.
    pub fn start(&self, args: &[&str]) -> ServerProcess {
        let mut command = lesson("lesson7");
        command
            .args(["server", "--addr", "127.0.0.1:0", "--login-delay", "0.05"])
            .arg("--users")
            .arg(self.users())
            .arg("--root")
            .arg(self.root())
            .args(args);
        ServerProcess::start(command).unwrap()
    }

    /// Every file under the fixture's folder is the users file, the untouched secret, or inside
    /// a user's home. Called at the end of the hostile tests.
    pub fn assert_nothing_outside_homes(&self) {
        let mut strays = Vec::new();
        walk(self.dir.path(), &mut |path| {
            let relative = path.strip_prefix(self.dir.path()).unwrap();
            let in_a_home = USERS
                .iter()
                .any(|(user, _, _)| relative.starts_with(Path::new("root").join(user)));
            let expected = in_a_home
                || relative == Path::new("users.json")
                || relative == Path::new("outside/secret.txt");
            if !expected {
                strays.push(relative.display().to_string());
            }
        });
        assert!(strays.is_empty(), "files outside every home: {strays:?}");
        assert_eq!(
            fs::read(self.dir.path().join("outside/secret.txt")).unwrap(),
            b"not yours"
        );
    }
}

/// Calls `visit` for every file and symbolic link under `dir`, without following links.
pub fn walk(dir: &Path, visit: &mut dyn FnMut(&Path)) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            walk(&entry.path(), visit);
        } else {
            visit(&entry.path());
        }
    }
}

/// A connection driven frame by frame.
pub struct Raw {
    pub stream: TcpStream,
}

impl Raw {
    /// Connects and reads the greeting.
    pub fn connect(addr: SocketAddr) -> Raw {
        let mut raw = Raw::connect_quietly(addr);
        let greeting = raw.reply();
        assert_eq!(greeting.status, 200, "{greeting:?}");
        assert_eq!(greeting.u64("version"), Some(1));
        raw
    }

    /// Connects without reading anything.
    pub fn connect_quietly(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        Raw { stream }
    }

    /// Connects and logs in as `user` (one of [`USERS`]).
    pub fn login(addr: SocketAddr, user: &str) -> Raw {
        let mut raw = Raw::connect(addr);
        let password = USERS.iter().find(|u| u.0 == user).unwrap().1;
        let reply =
            raw.call(json!({"action": "login", "user": user, "password": password, "version": 1}));
        assert_eq!(reply.status, 200, "{reply:?}");
        raw
    }

    pub fn send(&mut self, value: Value) {
        protocol::write_frame(&mut self.stream, &value).unwrap();
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Sends `body` as one frame, whatever it holds.
    pub fn send_frame(&mut self, body: &[u8]) {
        let mut frame = (body.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(body);
        self.send_bytes(&frame);
    }

    pub fn reply(&mut self) -> Reply {
        let object = protocol::read_frame(&mut self.stream, MAX_REPLY).unwrap();
        Reply::from_json(Value::Object(object)).unwrap()
    }

    pub fn call(&mut self, value: Value) -> Reply {
        self.send(value);
        self.reply()
    }

    /// Whether the server has closed the connection: the next read returns 0 bytes.
    pub fn is_closed(&mut self) -> bool {
        matches!(self.stream.read(&mut [0u8; 1]), Ok(0))
    }

    /// Whether the server has closed the connection, cleanly or with a reset (which it does when
    /// it closes with bytes of ours still unread).
    pub fn is_gone(&mut self) -> bool {
        match self.stream.read(&mut [0u8; 1]) {
            Ok(0) => true,
            Err(err) => err.kind() == std::io::ErrorKind::ConnectionReset,
            Ok(_) => false,
        }
    }
}

/// `len` bytes that differ from one `seed` to another.
pub fn data(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect()
}

pub fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    protocol::hex(&Md5::digest(bytes))
}

/// A TCP relay between a client and the server that forwards one connection, slowly if asked,
/// and can cut it after a given number of bytes in one direction.
pub struct Relay {
    pub addr: SocketAddr,
}

/// Which way the bytes that count towards a cut go.
#[derive(Clone, Copy, Debug)]
pub enum Direction {
    Upload,
    Download,
}

impl Relay {
    /// Relays the first connection it accepts to `server`. With `cut`, the relay stops forwarding
    /// once that many bytes have gone in that direction, and closes both connections. With `throttle`, every 16 KiB forwarded
    /// waits that long, so that a transfer lasts long enough to be interrupted from outside.
    pub fn start(
        server: SocketAddr,
        cut: Option<(Direction, u64)>,
        throttle: Option<Duration>,
    ) -> Relay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let Ok((client, _)) = listener.accept() else {
                return;
            };
            let Ok(upstream) = TcpStream::connect(server) else {
                return;
            };
            let pump = |from: TcpStream, to: TcpStream, limit: Option<u64>| {
                std::thread::spawn(move || forward(from, to, limit, throttle))
            };
            let (up_limit, down_limit) = match cut {
                Some((Direction::Upload, n)) => (Some(n), None),
                Some((Direction::Download, n)) => (None, Some(n)),
                None => (None, None),
            };
            let up = pump(
                client.try_clone().unwrap(),
                upstream.try_clone().unwrap(),
                up_limit,
            );
            let down = pump(upstream, client, down_limit);
            let _ = up.join();
            let _ = down.join();
        });
        Relay { addr }
    }
}

fn forward(mut from: TcpStream, mut to: TcpStream, limit: Option<u64>, throttle: Option<Duration>) {
    let mut buf = [0u8; 16 * 1024];
    let mut moved = 0u64;
    loop {
        let room = limit.map_or(buf.len() as u64, |limit| {
            (limit - moved).min(buf.len() as u64)
        });
        if room == 0 {
            break;
        }
        let n = match from.read(&mut buf[..room as usize]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        moved += n as u64;
        if let Some(pause) = throttle {
            std::thread::sleep(pause);
        }
    }
    // Pass the end on. Whatever `from` still sends is never read: when the relay drops its last
    // handle on it, the kernel answers with a reset, as it does for a peer that died.
    let _ = to.shutdown(std::net::Shutdown::Write);
}

/// A small random generator for cut points, seeded from the clock; tests print the seed so that
/// a failure can be replayed by hand.
pub struct Random(pub u64);

impl Random {
    pub fn from_clock() -> Random {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        Random(nanos | 1)
    }

    /// A number in `low..high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        low + self.0 % (high - low)
    }
}

/// Waits, 20 seconds at most, until `done` says so.
#[track_caller]
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Repeats `attempt` while `busy` says the server still holds the upload of the same name, for
/// 20 seconds at most. The server notices a cut connection a moment after the client does, and
/// until then a new put of that name is refused with 409.
pub fn retry_while_busy<T>(mut attempt: impl FnMut() -> T, busy: impl Fn(&T) -> bool) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let outcome = attempt();
        if !busy(&outcome) || std::time::Instant::now() > deadline {
            return outcome;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
