//! The tests of exercise `download`. Check your file with `cargo lab check lesson7`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's side is lesson 7's real server, started in this process for each test on a free
//! port of 127.0.0.1. It serves one user, whose home is in a temporary folder and whose password
//! is hashed at the cheap argon2 cost lesson 7's own tests use. Some tests put a relay between the
//! client and the server that changes how the file travels, as a network may: in pieces with
//! pauses between them (4 pieces 300 ms apart; or 1, 5 or 4096 bytes per write, the trailer
//! too), stuck to the reply before it and the trailer after it in one write, or with one bit
//! flipped. A failure lists the steps of the test, numbered, and marks the one that failed.
//!
//! The tests speak only over the socket, so a teacher can run them against a client in any
//! language: `cargo lab check lesson7 download --client "CMD"`. That client reads three lines
//! on stdin, the user, the password and the path; it prints the file's bytes on stdout and exits
//! with status 0, or exits with another status when the server refuses, the connection ends too
//! soon, or the md5 differs.

#[cfg_attr(feature = "solution", path = "../solutions/download.rs")]
#[cfg_attr(feature = "solution2", path = "../solutions/download_2.rs")]
#[cfg_attr(feature = "mistake1", path = "../mistakes/download_1.rs")]
#[cfg_attr(feature = "mistake2", path = "../mistakes/download_2.rs")]
#[cfg_attr(feature = "mistake3", path = "../mistakes/download_3.rs")]
#[cfg_attr(feature = "mistake4", path = "../mistakes/download_4.rs")]
#[cfg_attr(feature = "mistake5", path = "../mistakes/download_5.rs")]
#[cfg_attr(
    not(any(
        feature = "solution",
        feature = "solution2",
        feature = "mistake1",
        feature = "mistake2",
        feature = "mistake3",
        feature = "mistake4",
        feature = "mistake5"
    )),
    path = "../download.rs"
)]
mod download;

use std::fs;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use lesson7::accounts::{self, Accounts, Cost};
use lesson7::protocol::{self, MAX_REPLY};
use lesson7::server::{self, Config};
use serde_json::Value;
use socket_lab::exercise::{self, CLIENT_TIMEOUT, DRIP_SIZES, Pace, Steps, preview};
use tempfile::TempDir;

const USER: &str = "alex";
const PASSWORD: &str = "alex3714";

/// argon2 at the cost lesson 7's own tests use (`tests/lesson7_support`): cheap enough for a
/// debug build. The sample users file uses the production cost.
const CHEAP: Cost = Cost {
    memory_kib: 64,
    passes: 1,
};

/// Lesson 7's server, serving the files it was started with; its folder goes when the test ends.
struct Ftp {
    addr: SocketAddr,
    _dir: TempDir,
}

/// Starts lesson 7's server with one user, [`USER`], whose home holds `files`.
fn start_ftp(files: &[(&str, &[u8])]) -> Ftp {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let users = dir.path().join("users.json");
    accounts::add_user(&users, USER, PASSWORD, 1 << 30, CHEAP).expect("write the users file");
    let root = dir.path().join("homes");
    let home = root.join(USER);
    fs::create_dir_all(&home).expect("create the home");
    for (name, contents) in files {
        fs::write(home.join(name), contents).expect("write a file into the home");
    }
    let accounts = Accounts::load(&users).expect("load the users file");
    let mut config = Config::new(root);
    config.log = false;
    config.login_delay = Duration::from_millis(50);
    // A client that waits for bytes that will not come is told so (408) and let go within
    // seconds, rather than after the default five minutes.
    config.idle_timeout = Duration::from_secs(3);
    let listener = lesson7::listen(SocketAddr::from(([127, 0, 0, 1], 0))).expect("listen");
    let addr = listener.local_addr().expect("the server's address");
    thread::spawn(move || server::serve(&listener, accounts, config));
    Ftp { addr, _dir: dir }
}

/// A short text file.
const NOTES: &[u8] = b"lesson 7: a reply, the file's bytes, then the md5 in a trailer\n";

/// 300,000 bytes, each different from the one before: many reads' worth.
fn large() -> Vec<u8> {
    (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// `len` lowercase letters. A client that loses count and reads a frame's length in the middle
/// of them reads a length over 1.6 GB, which no reply may have: it fails at once, not after a
/// wait for bytes that will never come.
fn letters(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

/// Runs the client under test: it downloads `path`, logging in as [`USER`] with `password`.
fn download_from(
    steps: &mut Steps,
    addr: SocketAddr,
    password: &'static str,
    path: &'static str,
) -> Result<Vec<u8>, String> {
    let input = format!("{USER}\n{password}\n{path}\n");
    let outcome = exercise::run_client(addr, input.as_bytes(), move |addr, _input| {
        download::download(addr, USER, password, path)
    });
    steps.did(format!(
        "run the client: log in as {USER} with the password `{password}`, download {path}"
    ));
    outcome
}

/// The steps of a test that starts lesson 7's server with `files`, and, unless `network` is
/// None, a relay in front of it; the address the client is to connect to.
fn start(files: &[(&str, &[u8])], network: Option<Network>) -> (Steps, Ftp, SocketAddr) {
    let mut steps = Steps::new();
    let ftp = start_ftp(files);
    let listing: Vec<String> = files
        .iter()
        .map(|(name, contents)| format!("{name} ({} bytes)", contents.len()))
        .collect();
    steps.did(format!(
        "start lesson 7's server, {USER}'s home holding {}",
        listing.join(", ")
    ));
    let addr = match network {
        None => ftp.addr,
        Some(network) => {
            let relay = start_relay(ftp.addr, network);
            steps.did(format!(
                "put a relay between the client and the server that passes the file on {}",
                network.how()
            ));
            relay
        }
    };
    (steps, ftp, addr)
}

/// Expects the client to return `file`, the contents of `path`, which the server sent `how`.
fn assert_downloads_whole(files: &[(&'static str, &[u8])], network: Option<Network>) {
    let (path, file) = files[0];
    let (mut steps, _ftp, addr) = start(files, network);
    let outcome = download_from(&mut steps, addr, PASSWORD, path);
    let step = format!(
        "expect the client to return the {} bytes of {path}",
        file.len()
    );
    let how = match network {
        None => String::new(),
        Some(network) => format!(" (the relay passed it on {})", network.how()),
    };
    match outcome {
        Ok(got) => match exercise::difference(file, &got) {
            None => steps.got(step),
            Some(difference) => steps.failed(
                step,
                format!("of what the client returned, {difference}"),
                format!("the client returned other bytes than the file's{how}"),
            ),
        },
        Err(failure) => steps.failed(
            step,
            failure,
            format!(
                "the client failed, though the server sent the file intact, with the md5 of \
                 its bytes in the trailer{how}"
            ),
        ),
    }
}

/// Expects the client to refuse on purpose, because `why`: with an error, or an exit status
/// other than 0; not with the file, a panic, or a hang.
fn assert_refused(steps: &Steps, outcome: Result<Vec<u8>, String>, why: &str) {
    let step = "expect the client to return an error (or exit with a status other than 0)";
    match outcome {
        Ok(got) => steps.failed(
            step,
            format!("it returned {}", preview(&got)),
            format!("{why}, and the client returned the file all the same"),
        ),
        Err(failure) => {
            // The harness's words for a client that panicked, or that it had to stop.
            let stopped = format!("after {}s", CLIENT_TIMEOUT.as_secs());
            if failure.contains("panicked") {
                steps.failed(
                    step,
                    failure,
                    format!("{why}, and the client panicked instead of returning an error"),
                );
            }
            if failure.contains(&stopped) {
                steps.failed(
                    step,
                    failure,
                    format!("{why}, and the client did not return"),
                );
            }
        }
    }
}

#[test]
fn a_file_downloads_whole() {
    assert_downloads_whole(&[("notes.txt", NOTES)], None);
}

#[test]
fn a_file_in_pieces_downloads_whole() {
    // 4 pieces 300 ms apart; then the file and its trailer a byte, 5 bytes and 4096 bytes per
    // write, so that reads end inside the file, at its end, and inside the trailer.
    let letters = letters(200_000);
    assert_downloads_whole(&[("letters.txt", &letters)], Some(Network::InPieces));
    let large = large();
    for size in DRIP_SIZES {
        let file: (&'static str, &[u8]) = match size {
            4096 => ("large.bin", &large),
            _ => ("notes.txt", NOTES),
        };
        assert_downloads_whole(&[file], Some(Network::Drip(size)));
    }
}

#[test]
fn a_file_stuck_to_its_trailer_downloads_whole() {
    let file = letters(10_000);
    assert_downloads_whole(&[("letters.txt", &file)], Some(Network::AllAtOnce));
}

#[test]
fn a_large_file_downloads_whole() {
    let file = large();
    assert_downloads_whole(&[("large.bin", &file)], None);
}

#[test]
fn an_empty_file_downloads() {
    assert_downloads_whole(&[("empty.txt", b"")], None);
}

#[test]
fn the_client_gives_up_when_the_login_is_refused() {
    let (mut steps, _ftp, addr) = start(&[("notes.txt", NOTES)], None);
    let outcome = download_from(&mut steps, addr, "wrong", "notes.txt");
    assert_refused(
        &steps,
        outcome,
        "the server answered the login with 401 `wrong user name or password`",
    );
}

#[test]
fn the_client_refuses_a_file_whose_md5_differs() {
    let file = letters(200_000);
    let (mut steps, _ftp, addr) = start(&[("letters.txt", &file)], Some(Network::FlipsOneBit));
    let outcome = download_from(&mut steps, addr, PASSWORD, "letters.txt");
    let at = flipped_byte(file.len());
    let mut changed = file[at];
    changed ^= FLIPPED_BIT;
    assert_refused(
        &steps,
        outcome,
        &format!(
            "the relay changed byte {at} of letters.txt on its way, from {} to {}, so the md5 in \
             the trailer is not the md5 of what arrived",
            preview(&[file[at]]),
            preview(&[changed])
        ),
    )
}

/// What the relay does to the file that follows the reply to `get`; everything else it passes on
/// unchanged.
#[derive(Clone, Copy)]
enum Network {
    /// Passes it on in 4 pieces, 300 ms apart: a read returns a part of the file.
    InPieces,
    /// Passes on the file and its trailer this many bytes per write, with a pause after each
    /// ([`Pace::Drip`]): each read returns one piece.
    Drip(usize),
    /// Passes on the reply, the file and the trailer in one write, so that one read can return
    /// the file's last bytes and the trailer together.
    AllAtOnce,
    /// Flips one bit of one byte of the file, as a faulty link or a bad memory chip might.
    FlipsOneBit,
}

impl Network {
    /// How the relay passes the file on, for the steps.
    fn how(self) -> String {
        match self {
            Network::InPieces => "in 4 pieces, 300 ms apart".into(),
            Network::Drip(size) => format!("with its trailer, {}", Pace::Drip(size)),
            Network::AllAtOnce => {
                "in one write, with the reply before it and the trailer after it".into()
            }
            Network::FlipsOneBit => "with one bit of its middle byte flipped".into(),
        }
    }
}

/// The bit [`Network::FlipsOneBit`] flips: a lowercase letter becomes a capital.
const FLIPPED_BIT: u8 = 0x20;

/// The byte [`Network::FlipsOneBit`] changes, in a file of `len` bytes: the middle one.
fn flipped_byte(len: usize) -> usize {
    len / 2
}

/// Starts a relay for one connection, from a client to `server`, and returns its address, the
/// one the client connects to. It passes the client's bytes on as they come, and the server's
/// frame by frame, reading them with lesson 7's `read_frame`: after a reply to `get`, it reads
/// the file and its trailer and passes them on the `network`'s way.
fn start_relay(server: SocketAddr, network: Network) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen for the relay");
    let addr = listener.local_addr().expect("the relay's address");
    thread::spawn(move || {
        let Ok((client, _)) = listener.accept() else {
            return;
        };
        exercise::bound(&client);
        // Each piece of Network::Drip leaves at once.
        let _ = client.set_nodelay(true);
        let upstream = exercise::connect(server);
        let mut from_client = client.try_clone().expect("clone the client's socket");
        let mut to_server = upstream.try_clone().expect("clone the server's socket");
        thread::spawn(move || {
            // Ends when the client closes (or is silent for the harness's timeout); the server
            // then sees its client go.
            let _ = io::copy(&mut from_client, &mut to_server);
            let _ = to_server.shutdown(Shutdown::Write);
        });
        // Ends when the server closes, or the client is gone.
        let _ = pass_on_replies(upstream, client, network);
    });
    addr
}

/// Passes the server's frames on to the client, and each file the `network`'s way.
fn pass_on_replies(
    mut server: TcpStream,
    mut client: TcpStream,
    network: Network,
) -> io::Result<()> {
    loop {
        let reply = Value::Object(protocol::read_frame(&mut server, MAX_REPLY)?);
        // Only the reply to `get` has both a size and an offset.
        let status = reply["status"].as_u64();
        let file_len = match (status, reply["size"].as_u64(), reply["offset"].as_u64()) {
            (Some(200), Some(size), Some(offset)) => size - offset,
            _ => {
                protocol::write_frame(&mut client, &reply)?;
                continue;
            }
        };
        let mut file = Vec::new();
        (&mut server).take(file_len).read_to_end(&mut file)?;
        let trailer = Value::Object(protocol::read_frame(&mut server, MAX_REPLY)?);
        match network {
            Network::InPieces => {
                protocol::write_frame(&mut client, &reply)?;
                for (i, piece) in file.chunks(file.len().div_ceil(4).max(1)).enumerate() {
                    if i > 0 {
                        thread::sleep(Duration::from_millis(300));
                    }
                    client.write_all(piece)?;
                }
                protocol::write_frame(&mut client, &trailer)?;
            }
            Network::Drip(size) => {
                protocol::write_frame(&mut client, &reply)?;
                let mut rest = file;
                protocol::write_frame(&mut rest, &trailer)?;
                exercise::send(&mut client, &rest, Pace::Drip(size))?;
            }
            Network::AllAtOnce => {
                let mut burst = Vec::new();
                protocol::write_frame(&mut burst, &reply)?;
                burst.extend_from_slice(&file);
                protocol::write_frame(&mut burst, &trailer)?;
                client.write_all(&burst)?;
            }
            Network::FlipsOneBit => {
                if !file.is_empty() {
                    let at = flipped_byte(file.len());
                    file[at] ^= FLIPPED_BIT;
                }
                protocol::write_frame(&mut client, &reply)?;
                client.write_all(&file)?;
                protocol::write_frame(&mut client, &trailer)?;
            }
        }
    }
}
