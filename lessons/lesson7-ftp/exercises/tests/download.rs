//! The tests of exercise `download`. Check your file with `cargo run -- check lesson7`: plain
//! `cargo test` runs these tests on the reference solution.
//!
//! The kit's side is lesson 7's real server, started in this process for each test on a free
//! port of 127.0.0.1. It serves one user, whose home is in a temporary folder and whose password
//! is hashed at the cheap argon2 cost lesson 7's own tests use. Some tests put a relay between the
//! client and the server that changes how the file travels, as a network may: in pieces with
//! pauses between them, stuck to the trailer that follows it, or with one bit flipped.
//!
//! The tests speak only over the socket, so a teacher can run them against a client in any
//! language: `cargo run -- check lesson7 download --client "CMD"`. That client reads three lines
//! on stdin, the user, the password and the path; it prints the file's bytes on stdout and exits
//! with status 0, or exits with another status when the server refuses, the connection ends too
//! soon, or the md5 differs.

#[cfg_attr(feature = "solution", path = "../solutions/download.rs")]
#[cfg_attr(
    all(feature = "mistake", not(feature = "solution")),
    path = "../mistakes/download.rs"
)]
#[cfg_attr(
    not(any(feature = "solution", feature = "mistake")),
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
use socket_lab::exercise::{self, CLIENT_TIMEOUT, preview};
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
    addr: SocketAddr,
    password: &'static str,
    path: &'static str,
) -> Result<Vec<u8>, String> {
    let input = format!("{USER}\n{password}\n{path}\n");
    exercise::run_client(addr, input.as_bytes(), move |addr, _input| {
        download::download(addr, USER, password, path)
    })
}

/// Expects the client to return `file`, the contents of `path`, which the server sent `how`.
fn assert_downloads_whole(addr: SocketAddr, path: &'static str, file: &[u8], how: &str) {
    let got = download_from(addr, PASSWORD, path).unwrap_or_else(|failure| {
        panic!(
            "the server sent {path} ({} bytes){how}, and the client was to return it; {failure}",
            file.len()
        )
    });
    if let Some(difference) = exercise::difference(file, &got) {
        panic!(
            "the server sent {path} ({} bytes){how}; of what the client returned, {difference}",
            file.len()
        );
    }
}

/// Expects the client to refuse on purpose, after `what_happened`: with an error, or an exit
/// status other than 0; not with the file, a panic, or a hang.
fn assert_refused(outcome: Result<Vec<u8>, String>, what_happened: &str) {
    match outcome {
        Ok(got) => panic!(
            "{what_happened}, and the client returned {} all the same",
            preview(&got)
        ),
        Err(failure) => {
            // The harness's words for a client that panicked, or that it had to stop.
            let stopped = format!("after {}s", CLIENT_TIMEOUT.as_secs());
            assert!(
                !failure.contains("panicked") && !failure.contains(&stopped),
                "{what_happened}; the client should return an error (or exit with a status \
                 other than 0), but {failure}"
            );
        }
    }
}

#[test]
fn a_file_downloads_whole() {
    let ftp = start_ftp(&[("notes.txt", NOTES)]);
    assert_downloads_whole(ftp.addr, "notes.txt", NOTES, "");
}

#[test]
fn a_file_in_pieces_downloads_whole() {
    let file = letters(200_000);
    let ftp = start_ftp(&[("letters.txt", &file)]);
    let relay = start_relay(ftp.addr, Network::InPieces);
    assert_downloads_whole(relay, "letters.txt", &file, ", in 4 pieces 300 ms apart");
}

#[test]
fn a_file_stuck_to_its_trailer_downloads_whole() {
    let file = letters(10_000);
    let ftp = start_ftp(&[("letters.txt", &file)]);
    let relay = start_relay(ftp.addr, Network::AllAtOnce);
    assert_downloads_whole(
        relay,
        "letters.txt",
        &file,
        " in one piece with the reply before it and the trailer after it",
    );
}

#[test]
fn a_large_file_downloads_whole() {
    let file = large();
    let ftp = start_ftp(&[("large.bin", &file)]);
    assert_downloads_whole(ftp.addr, "large.bin", &file, "");
}

#[test]
fn an_empty_file_downloads() {
    let ftp = start_ftp(&[("empty.txt", b"")]);
    assert_downloads_whole(ftp.addr, "empty.txt", b"", "");
}

#[test]
fn the_client_gives_up_when_the_login_is_refused() {
    let ftp = start_ftp(&[("notes.txt", NOTES)]);
    assert_refused(
        download_from(ftp.addr, "wrong", "notes.txt"),
        "the server answered the login with the password `wrong` with 401 \
         `wrong user name or password`",
    );
}

#[test]
fn the_client_refuses_a_file_whose_md5_differs() {
    let file = letters(200_000);
    let ftp = start_ftp(&[("letters.txt", &file)]);
    let relay = start_relay(ftp.addr, Network::FlipsOneBit);
    let at = flipped_byte(file.len());
    let mut changed = file[at];
    changed ^= FLIPPED_BIT;
    assert_refused(
        download_from(relay, PASSWORD, "letters.txt"),
        &format!(
            "the relay changed byte {at} of letters.txt ({} bytes) on its way, from {} to {}, \
             so the md5 in the trailer is not the md5 of what arrived",
            file.len(),
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
    /// Passes on the reply, the file and the trailer in one write, so that one read can return
    /// the file's last bytes and the trailer together.
    AllAtOnce,
    /// Flips one bit of one byte of the file, as a faulty link or a bad memory chip might.
    FlipsOneBit,
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
