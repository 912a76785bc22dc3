//! `lesson5 bench`: how much the protocol costs. The same file goes over loopback twice: once by
//! lesson 5's put (login, header, reply, then the data, into a temporary file renamed at the end),
//! once by the simplest program that does the same unavoidable work and nothing else (read the
//! file, send, receive, write the file). Both run in this process, one after the other, so that
//! they share the machine's mood; the ratio is what counts.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lesson4::client::Client;
use lesson4::server::FtpServer;
use lesson4::users::Users;
use lesson5::server::UploadServer;

const USER: &str = "bench";
const PASSWORD: &str = "bench";
/// The article's 1024, and a size that makes each system call move more.
const BUFFER_SIZES: [usize; 2] = [1024, 64 << 10];

pub fn run(mib: u64, rounds: u32) -> anyhow::Result<()> {
    let size = mib << 20;
    let scratch = tempfile::tempdir()?;
    let source = scratch.path().join("source.bin");
    write_source(&source, size)?;
    let root = scratch.path().join("root");
    let mut users = Users::default();
    users
        .set_password(USER, PASSWORD)
        .map_err(anyhow::Error::msg)?;

    let mut table = Vec::new();
    for buffer_size in BUFFER_SIZES {
        let put_addr = start_put_server(users.clone(), &root, buffer_size)?;
        let plain_target = scratch.path().join("plain.bin");
        let plain_addr = start_plain_server(plain_target.clone(), buffer_size)?;
        let put_target = root.join(USER).join("source.bin");
        let (mut plain, mut put) = (Duration::MAX, Duration::MAX);
        for round in 0..rounds {
            // Each goes first in every other round, so that neither always inherits the other's
            // aftermath (the kernel writing the previous file back to disk, say).
            for plain_now in [round % 2 == 0, round % 2 == 1] {
                if plain_now {
                    plain = plain.min(plain_copy(plain_addr, &source, buffer_size)?);
                    check_and_remove(&plain_target, size)?;
                } else {
                    put = put.min(put_copy(put_addr, &source, buffer_size)?);
                    check_and_remove(&put_target, size)?;
                }
            }
        }
        table.push((buffer_size, rate(size, plain), rate(size, put)));
    }

    println!("Lesson 5 benchmark: {mib} MiB over 127.0.0.1, best of {rounds} runs each");
    println!();
    println!(
        "  {:<8}  {:>12}  {:>12}  {:>11}",
        "buffer", "plain copy", "put", "put / plain"
    );
    for (buffer_size, plain, put) in table {
        let buffer = match buffer_size {
            1024 => "1024 B".to_string(),
            n => format!("{} KiB", n >> 10),
        };
        println!(
            "  {buffer:<8}  {:>7.2} GB/s  {:>7.2} GB/s  {:>10.2}x",
            plain / 1e9,
            put / 1e9,
            put / plain
        );
    }
    println!();
    println!("target: put at least 0.90x the plain copy at the same buffer size");
    Ok(())
}

/// Bytes per second.
fn rate(size: u64, took: Duration) -> f64 {
    size as f64 / took.as_secs_f64()
}

/// A file of `size` bytes that are not all zero.
fn write_source(path: &Path, size: u64) -> io::Result<()> {
    let chunk: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    let mut file = BufWriter::new(File::create(path)?);
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        file.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    file.flush()
}

fn check_and_remove(path: &Path, size: u64) -> io::Result<()> {
    let got = fs::metadata(path)?.len();
    if got != size {
        return Err(io::Error::other(format!(
            "{} has {got} bytes, not {size}",
            path.display()
        )));
    }
    fs::remove_file(path)
}

fn local_listener() -> io::Result<TcpListener> {
    lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// Lesson 5's server, silent, moving file data `buffer_size` bytes at a time.
fn start_put_server(users: Users, root: &Path, buffer_size: usize) -> io::Result<SocketAddr> {
    let listener = local_listener()?;
    let addr = listener.local_addr()?;
    let server = UploadServer::new(FtpServer::new(users, root.to_path_buf()).with_log(|_| {}))
        .with_buffer_size(buffer_size);
    thread::spawn(move || lesson3::serve_threaded(&listener, Arc::new(server)));
    Ok(addr)
}

/// The upload through lesson 5, timed from connect until the server has stored the file.
fn put_copy(addr: SocketAddr, source: &Path, buffer_size: usize) -> io::Result<Duration> {
    let started = Instant::now();
    let mut client = Client::connect(addr)?;
    client.log_in(USER, PASSWORD)?.map_err(io::Error::other)?;
    let mut file = File::open(source)?;
    let size = file.metadata()?.len();
    lesson5::client::put(&mut client, "source.bin", &mut file, size, buffer_size)?
        .map_err(|refusal| io::Error::other(refusal.to_string()))?;
    // Nothing answers the data itself; the reply to the next request comes only once the server
    // has received every byte and renamed the file.
    client
        .cd("/")?
        .map_err(|refusal| io::Error::other(refusal.to_string()))?;
    Ok(started.elapsed())
}

// ANCHOR: plain
/// The plain copy's server: receive until the client closes, write each piece to the file.
fn start_plain_server(target: PathBuf, buffer_size: usize) -> io::Result<SocketAddr> {
    let listener = local_listener()?;
    let addr = listener.local_addr()?;
    thread::spawn(move || -> io::Result<()> {
        let mut buf = vec![0; buffer_size];
        loop {
            let (mut conn, _) = listener.accept()?;
            let mut file = File::create(&target)?;
            loop {
                let n = conn.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                file.write_all(&buf[..n])?;
            }
            // Closing tells the client that the file is written.
        }
    });
    Ok(addr)
}

/// The plain copy's client: read the file and send it, then wait for the server to close.
fn plain_copy(addr: SocketAddr, source: &Path, buffer_size: usize) -> io::Result<Duration> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr)?;
    let mut file = File::open(source)?;
    let mut buf = vec![0; buffer_size];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        stream.write_all(&buf[..n])?;
    }
    stream.shutdown(Shutdown::Write)?;
    if stream.read(&mut [0])? != 0 {
        return Err(io::Error::other(
            "the plain server answered instead of closing",
        ));
    }
    Ok(started.elapsed())
}
// ANCHOR_END: plain
