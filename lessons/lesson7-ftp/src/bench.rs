//! `lesson7 bench`: how fast a verified transfer goes, measured side by side in one run.
//!
//! Three references and three lesson 7 transfers, all over loopback in this one process:
//!
//! 1. a plain socket copy: bytes from memory to a socket, read and dropped on the other side;
//! 2. md5 alone, over the same file: the limit, since both ends of a verified transfer hash every
//!    byte, each on its own core at best;
//! 3. the baseline: the least a verified transfer must do, in the simplest code, with no
//!    protocol: read the file, hash, send; receive, hash, write the file;
//! 4. lesson 7's put, get, and a put resumed half way (which hashes the first half on both
//!    sides without sending it);
//! 5. many sessions at once, each putting and getting a small file.
//!
//! The first four take turns, round after round ([`socket_lab::bench`]), and each ratio is taken
//! within a round, because the machine may be busy with something else: a ratio between runs
//! seconds apart survives that, an absolute number does not. The process's CPU time says how many
//! cores the two ends of each transfer kept busy.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use md5::{Digest, Md5};
use socket_lab::bench::{self, Contender, Table};

use crate::accounts::{self, Accounts, Cost, human_size, parse_size};
use crate::client::Client;
use crate::server::{self, Config};
use crate::transfer::BLOCK;

/// `lesson7 bench` options.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// Size of the file each single transfer moves
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub size: u64,
    /// How many sessions run at once in the last measurement
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub sessions: usize,
    /// Size of each of those sessions' file
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = parse_size)]
    pub session_size: u64,
    /// Rounds, each running every measurement once; medians and spreads are printed
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub runs: u32,
    /// Where to write the test files [default: the system's temporary folder]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

const USER: &str = "bench";
const PASSWORD: &str = "bench";

pub fn run(options: &Options) -> anyhow::Result<()> {
    let dir = match &options.dir {
        Some(dir) => tempfile::tempdir_in(dir)?,
        None => tempfile::tempdir()?,
    };
    let size = options.size;
    let source = dir.path().join("data.bin");
    write_sample(&source, size)?;
    let addr = start_server(dir.path())?;

    let client = RefCell::new(Client::connect(addr)?);
    client.borrow_mut().login(USER, PASSWORD)?;
    let stored = dir.path().join("homes").join(USER).join("data.bin");
    let baseline_copy = dir.path().join("baseline.bin");
    let downloads = dir.path().join("downloads");
    let downloaded = downloads.join("data.bin");
    fs::create_dir_all(&downloads)?;
    // How many of the machine's cores the process kept busy during each contender's runs.
    let busy: RefCell<BTreeMap<&str, Vec<f64>>> = RefCell::default();
    let measure = |name: &'static str, work: &mut dyn FnMut() -> anyhow::Result<()>| {
        let cpu = bench::cpu_seconds("/proc/self/stat");
        let started = Instant::now();
        work()?;
        let took = started.elapsed();
        if let (Some(before), Some(after)) = (cpu, bench::cpu_seconds("/proc/self/stat")) {
            let cores = (after - before) / took.as_secs_f64();
            busy.borrow_mut().entry(name).or_default().push(cores);
        }
        Ok(bench::rate(size, took))
    };

    // Each contender leaves the server holding data.bin, which get needs, and removes (and
    // syncs away) what it is about to write, outside the timed part.
    let mut contenders = vec![
        Contender::new(COPY, || measure(COPY, &mut || socket_copy(size).map(drop))),
        Contender::new(MD5, || measure(MD5, &mut || md5_of(&source).map(drop))),
        Contender::new(BASELINE, || {
            remove(&baseline_copy)?;
            let rate = measure(BASELINE, &mut || baseline_transfer(&source, &baseline_copy))?;
            settle(&baseline_copy)?;
            Ok(rate)
        }),
        Contender::new(PUT, || {
            remove(&stored)?;
            let rate = measure(PUT, &mut || {
                client.borrow_mut().put(&source, &mut |_, _| {})?;
                Ok(())
            })?;
            settle(&stored)?;
            Ok(rate)
        }),
        Contender::new(GET, || {
            remove(&downloaded)?;
            let rate = measure(GET, &mut || {
                client
                    .borrow_mut()
                    .get("data.bin", &downloads, &mut |_, _| {})?;
                Ok(())
            })?;
            settle(&downloaded)?;
            Ok(rate)
        }),
        Contender::new(RESUMED, || {
            remove(&stored)?;
            // An upload cut half way: the server holds the first half as data.bin.part.
            let partial = stored.with_extension("bin.part");
            copy_prefix(&source, &partial, size / 2)?;
            settle(&partial)?;
            let rate = measure(RESUMED, &mut || {
                let done = client.borrow_mut().put(&source, &mut |_, _| {})?;
                if done.resumed_from != size / 2 {
                    bail!("the put did not resume: {done:?}");
                }
                Ok(())
            })?;
            settle(&stored)?;
            Ok(rate)
        }),
    ];
    let samples = bench::interleave(options.runs, &mut contenders)?;
    drop(contenders);
    if md5_of(&downloaded)? != md5_of(&source)? {
        bail!("the downloaded file differs from the original");
    }
    let peak_after_transfers = peak_memory();

    let mut table = Table::new();
    for name in [COPY, MD5, BASELINE, PUT, GET, RESUMED] {
        table.rate(name, samples.rates(name));
    }
    table.gap();
    for (name, short) in [(PUT, "put"), (GET, "get"), (RESUMED, "resumed put")] {
        table.ratio(
            format!("{short} / baseline"),
            &samples.ratios(name, BASELINE),
        );
    }
    table.gap();
    for (name, short) in [(BASELINE, "baseline"), (PUT, "put"), (GET, "get")] {
        table.ratio(format!("{short} / limit"), &samples.ratios(name, MD5));
    }
    table.gap();
    let busy = busy.into_inner();
    for (name, short) in [
        (MD5, "md5 alone"),
        (BASELINE, "baseline"),
        (PUT, "put"),
        (GET, "get"),
    ] {
        table.number(format!("cores busy: {short}"), &busy[name]);
    }

    let title = format!(
        "lesson 7 benchmark: {} over loopback, {} KiB blocks, in one process",
        human_size(size),
        BLOCK / 1024,
    );
    samples.print(&title, &table);
    println!(
        "target: put, get and the resumed put at 0.90x of the baseline or more, in the median"
    );

    let many = many_sessions(addr, dir.path(), options.sessions, options.session_size)?;
    println!();
    println!(
        "{} sessions at once, each putting and getting {} (all verified): {:.2} s in all",
        options.sessions,
        human_size(options.session_size),
        many.as_secs_f64()
    );
    println!();
    println!(
        "peak memory (VmHWM) after the single transfers: {}",
        peak_after_transfers
    );
    println!("peak memory (VmHWM) at the end: {}", peak_memory());
    Ok(())
}

const COPY: &str = "plain socket copy (memory to memory)";
const MD5: &str = "limit: md5 of the file alone, one core";
const BASELINE: &str = "baseline: read+md5+send | recv+md5+write";
const PUT: &str = "lesson 7 put (verified)";
const GET: &str = "lesson 7 get (verified)";
const RESUMED: &str = "lesson 7 put resumed half way (whole md5)";

/// Every transfer writes a new file: replacing a large one would add the cost of freeing its
/// blocks (on a disk mounted with `discard`, a costly one) to whichever measurement comes first.
/// Syncing the directory afterwards makes the file system commit the removal now, outside the
/// timed part.
pub fn remove(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    }
    match path.parent() {
        Some(dir) => File::open(dir)?.sync_all(),
        None => Ok(()),
    }
}

/// Waits until the file just written is on disk, outside the timed part, so that the kernel
/// writing it back does not take the CPU from the next measurement.
fn settle(written: &Path) -> io::Result<()> {
    File::open(written)?.sync_all()
}

/// Bytes that change from block to block (md5's speed does not depend on them; a file of zeros
/// could be stored sparse, which would flatter the disk).
pub fn write_sample(path: &Path, size: u64) -> io::Result<()> {
    let mut file = io::BufWriter::new(File::create(path)?);
    let mut block = vec![0u8; BLOCK];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut written = 0;
    while written < size {
        for byte in block.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        let n = (size - written).min(BLOCK as u64) as usize;
        file.write_all(&block[..n])?;
        written += n as u64;
    }
    file.flush()
}

fn md5_of(path: &Path) -> anyhow::Result<[u8; 16]> {
    let mut file = File::open(path)?;
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; BLOCK];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(md5.finalize().into());
        }
        md5.update(&buf[..n]);
    }
}

fn copy_prefix(from: &Path, to: &Path, len: u64) -> io::Result<()> {
    let mut to = File::create(to)?;
    io::copy(&mut File::open(from)?.take(len), &mut to)?;
    Ok(())
}

/// A connected pair of sockets over loopback.
fn socket_pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let sender = TcpStream::connect(listener.local_addr()?)?;
    let (receiver, _) = listener.accept()?;
    Ok((sender, receiver))
}

/// Writes `size` bytes from a block in memory; the other side reads and drops them.
fn socket_copy(size: u64) -> anyhow::Result<Duration> {
    let (mut sender, mut receiver) = socket_pair()?;
    let started = Instant::now();
    let reader = thread::spawn(move || io::copy(&mut receiver, &mut io::sink()));
    let block = vec![7u8; BLOCK];
    let mut sent = 0;
    while sent < size {
        let n = (size - sent).min(BLOCK as u64) as usize;
        sender.write_all(&block[..n])?;
        sent += n as u64;
    }
    drop(sender);
    let received = reader
        .join()
        .map_err(|_| anyhow::anyhow!("reader panicked"))??;
    if received != size {
        bail!("the socket copy moved {received} of {size} bytes");
    }
    Ok(started.elapsed())
}

// ANCHOR: baseline
/// The least a verified transfer does, written as plainly as possible: no frames, no login, no
/// `.part` file. The sender hashes as it reads and sends the 16-byte digest last; the receiver
/// hashes as it writes and compares.
fn baseline_transfer(source: &Path, target: &Path) -> anyhow::Result<()> {
    let (mut sender, mut receiver) = socket_pair()?;
    let target = target.to_path_buf();
    let size = fs::metadata(source)?.len();
    let receiving = thread::spawn(move || -> io::Result<bool> {
        let mut file = File::create(target)?;
        let mut md5 = Md5::new();
        let mut buf = vec![0u8; BLOCK];
        let mut left = size;
        while left > 0 {
            let n = receiver.read(&mut buf[..(left.min(BLOCK as u64) as usize)])?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            md5.update(&buf[..n]);
            file.write_all(&buf[..n])?;
            left -= n as u64;
        }
        let mut digest = [0u8; 16];
        receiver.read_exact(&mut digest)?;
        Ok(digest == md5.finalize().as_slice())
    });
    let mut file = File::open(source)?;
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; BLOCK];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
        sender.write_all(&buf[..n])?;
    }
    sender.write_all(&md5.finalize())?;
    let verified = receiving
        .join()
        .map_err(|_| anyhow::anyhow!("receiver panicked"))??;
    if !verified {
        bail!("the baseline's md5 did not match");
    }
    Ok(())
}
// ANCHOR_END: baseline

/// A lesson 7 server on its own threads, with one user whose quota is no limit.
fn start_server(dir: &Path) -> anyhow::Result<SocketAddr> {
    let users = dir.join("users.json");
    let cheap = Cost {
        memory_kib: 64,
        passes: 1,
    };
    accounts::add_user(&users, USER, PASSWORD, u64::MAX, cheap)?;
    let mut config = Config::new(dir.join("homes"));
    config.max_clients = 1024;
    config.log = false;
    let accounts = Accounts::load(&users)?;
    let listener = crate::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    thread::spawn(move || server::serve(&listener, accounts, config));
    Ok(addr)
}

/// `sessions` clients at once, each putting its own file and getting it back.
fn many_sessions(
    addr: SocketAddr,
    dir: &Path,
    sessions: usize,
    size: u64,
) -> anyhow::Result<Duration> {
    let mut files = Vec::new();
    for i in 0..sessions {
        let local = dir.join(format!("session{i}"));
        fs::create_dir_all(&local)?;
        let file = local.join(format!("s{i}.bin"));
        write_sample(&file, size)?;
        files.push(file);
    }
    let started = Instant::now();
    let threads: Vec<_> = files
        .into_iter()
        .map(|file| {
            thread::spawn(move || -> anyhow::Result<()> {
                let mut client = Client::connect(addr)?;
                client.login(USER, PASSWORD)?;
                client.put(&file, &mut |_, _| {})?;
                let back = file.with_extension("back");
                fs::create_dir_all(&back)?;
                let name = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                client.get(name, &back, &mut |_, _| {})?;
                Ok(())
            })
        })
        .collect();
    for thread in threads {
        thread
            .join()
            .map_err(|_| anyhow::anyhow!("a session panicked"))?
            .context("a session failed")?;
    }
    Ok(started.elapsed())
}

/// The most memory this process has held at once: `VmHWM` in /proc/self/status (Linux).
fn peak_memory() -> String {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(human_size(kib * 1024))
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".to_string())
}
