//! `lesson5 bench`: how much the protocol costs, and how lesson 5's server compares with the
//! article's.
//!
//! The same file goes over loopback, from the same client, to five servers taking turns round
//! after round (see [`socket_lab::bench`]):
//!
//! - lesson 5's put (login, header, reply, then the data, into a temporary file renamed at the
//!   end), taking the data in the article's 1024-byte steps two ways: each step a read of the
//!   socket (the article's `recv(1024)`), and each step taken from reads of up to 64 KiB, as the
//!   server does when it is not told otherwise;
//! - the simplest program that does the same unavoidable work and nothing else (receive, write
//!   the file), reading the same two ways: the plain copy;
//! - the article-style Python server of the kit's tests (`tests/peers/article_server.py`), which
//!   reads 1024 bytes at a time, when python3 is there.
//!
//! The client sends 64 KiB at a time to all of them, so that it is never the slower end: what
//! is measured is how fast each server takes the bytes in and writes them to its file.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lesson4::client::Client;
use lesson4::server::FtpServer;
use lesson4::users::{Users, md5_hex};
use lesson5::server::UploadServer;
use lesson5::transfer::{BUFFER_SIZE, Buffers};
use socket_lab::bench::{self, Contender, Table};
use socket_lab::process::ServerProcess;

const USER: &str = "bench";
const PASSWORD: &str = "bench";
/// How much the client sends at a time, to every server.
const SEND_SIZE: usize = 64 << 10;
/// The two ways the servers read: the article's 1024-byte steps, each a read of the socket; and
/// the same steps taken from reads of up to 64 KiB (lesson 5's server as it ships).
const ARTICLE_READS: Buffers = Buffers {
    chunk: BUFFER_SIZE,
    read_ahead: 0,
};
const LESSON_READS: Buffers = Buffers::LESSON;
const WAYS: [Buffers; 2] = [ARTICLE_READS, LESSON_READS];
/// The article-style server of the kit's tests.
const ARTICLE_SERVER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/peers/article_server.py"
);

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
    let put_target = root.join(USER).join("source.bin");
    let plain_target = scratch.path().join("plain.bin");

    let mut python = match ArticleServer::start(scratch.path()) {
        Ok(python) => Some(python),
        Err(err) => {
            println!("(the article's Python server is left out: {err})");
            None
        }
    };
    // The CPU time each server used per run, in seconds: it holds still where rates do not.
    let server_cpu: RefCell<BTreeMap<String, Vec<f64>>> = RefCell::default();
    let record = |name: &str, cpu: Option<f64>| {
        if let Some(cpu) = cpu {
            let mut server_cpu = server_cpu.borrow_mut();
            server_cpu.entry(name.to_string()).or_default().push(cpu);
        }
    };
    let mut contenders = Vec::new();
    for buffers in WAYS {
        let plain_addr = start_plain_server(plain_target.clone(), buffers)?;
        let (source, plain_target, record) = (&source, &plain_target, &record);
        contenders.push(Contender::new(plain_name(buffers), move || {
            let (took, cpu) = with_server_cpu(|| plain_copy(plain_addr, source))?;
            record(&plain_name(buffers), cpu);
            check_and_remove(plain_target, size)?;
            Ok(bench::rate(size, took))
        }));
        let put_addr = start_put_server(users.clone(), &root, buffers)?;
        let put_target = &put_target;
        contenders.push(Contender::new(put_name(buffers), move || {
            let (took, cpu) = with_server_cpu(|| put_copy(put_addr, source))?;
            record(&put_name(buffers), cpu);
            check_and_remove(put_target, size)?;
            Ok(bench::rate(size, took))
        }));
    }
    if let Some(python) = &mut python {
        let (source, record) = (&source, &record);
        contenders.push(Contender::new(PYTHON, move || {
            let stat = format!("/proc/{}/stat", python.process.pid());
            let before = bench::cpu_seconds(&stat);
            let took = python.upload(source)?;
            record(
                PYTHON,
                before.zip(bench::cpu_seconds(&stat)).map(|(b, a)| a - b),
            );
            Ok(bench::rate(size, took))
        }));
    }

    let samples = bench::interleave(rounds, &mut contenders)?;
    drop(contenders);

    let mut table = Table::new();
    for buffers in WAYS {
        table.rate(plain_name(buffers), samples.rates(&plain_name(buffers)));
        table.rate(put_name(buffers), samples.rates(&put_name(buffers)));
        table.ratio(
            format!("put / plain copy, {}", way_name(buffers)),
            &samples.ratios(&put_name(buffers), &plain_name(buffers)),
        );
        table.gap();
    }
    if python.is_some() {
        table.rate(PYTHON, samples.rates(PYTHON));
        for buffers in WAYS {
            table.ratio(
                format!("lesson 5 put / article's Python, {}", way_name(buffers)),
                &samples.ratios(&put_name(buffers), PYTHON),
            );
        }
        table.gap();
    }
    let server_cpu = server_cpu.into_inner();
    let per_gib = |name: &str| -> Vec<f64> {
        let cpu = server_cpu.get(name).map_or(&[][..], Vec::as_slice);
        cpu.iter()
            .map(|s| s * (1 << 30) as f64 / size as f64)
            .collect()
    };
    let mut servers: Vec<String> = WAYS
        .iter()
        .flat_map(|&buffers| [plain_name(buffers), put_name(buffers)])
        .collect();
    if python.is_some() {
        servers.push(PYTHON.to_string());
    }
    for name in &servers {
        table.number(format!("server CPU s per GiB: {name}"), &per_gib(name));
    }
    if python.is_some() {
        for buffers in WAYS {
            let ratios: Vec<f64> = per_gib(PYTHON)
                .iter()
                .zip(per_gib(&put_name(buffers)))
                .map(|(python, put)| python / put)
                .collect();
            table.ratio(
                format!("Python's server CPU / lesson 5's, {}", way_name(buffers)),
                &ratios,
            );
        }
    }

    samples.print(
        &format!("Lesson 5 benchmark: {mib} MiB over 127.0.0.1, sent 64 KiB at a time"),
        &table,
    );
    println!();
    println!("targets: put at least 0.90x the plain copy that reads the same way;");
    println!(
        "         lesson 5 as it ships ({}) at least 2x the article's Python server",
        way_name(LESSON_READS)
    );
    Ok(())
}

const PYTHON: &str = "article's Python server, 1024 B reads";

fn size_name(size: usize) -> String {
    match size {
        n if n < 1024 * 8 => format!("{n} B"),
        n => format!("{} KiB", n >> 10),
    }
}

/// How a server reads: `1024 B reads` when each step is a read of the socket, `1024 B from
/// 64 KiB reads` when the steps are taken from larger reads.
fn way_name(buffers: Buffers) -> String {
    if buffers.read_ahead > buffers.chunk {
        format!(
            "{} from {} reads",
            size_name(buffers.chunk),
            size_name(buffers.read_ahead)
        )
    } else {
        format!("{} reads", size_name(buffers.chunk))
    }
}

fn plain_name(buffers: Buffers) -> String {
    format!("plain copy, {}", way_name(buffers))
}

fn put_name(buffers: Buffers) -> String {
    format!("lesson 5 put, {}", way_name(buffers))
}

/// Runs an upload from this thread (the client) and returns its time, and the CPU time that the
/// rest of this process (the server's thread) used meanwhile.
fn with_server_cpu(
    upload: impl FnOnce() -> io::Result<Duration>,
) -> io::Result<(Duration, Option<f64>)> {
    let process = || bench::cpu_seconds("/proc/self/stat");
    let client = || bench::cpu_seconds("/proc/thread-self/stat");
    let before = process().zip(client());
    let took = upload()?;
    let after = process().zip(client());
    let server = before
        .zip(after)
        .map(|((p0, c0), (p1, c1))| (p1 - p0) - (c1 - c0));
    Ok((took, server))
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

/// Lesson 5's server, silent, reading file data as `buffers` say.
fn start_put_server(users: Users, root: &Path, buffers: Buffers) -> io::Result<SocketAddr> {
    let listener = local_listener()?;
    let addr = listener.local_addr()?;
    let server = UploadServer::new(FtpServer::new(users, root.to_path_buf()).with_log(|_| {}))
        .with_buffers(buffers);
    thread::spawn(move || lesson3::serve_threaded(&listener, Arc::new(server)));
    Ok(addr)
}

/// The upload through lesson 5, timed from connect until the server has stored the file.
fn put_copy(addr: SocketAddr, source: &Path) -> io::Result<Duration> {
    let started = Instant::now();
    let mut client = Client::connect(addr)?;
    client.log_in(USER, PASSWORD)?.map_err(io::Error::other)?;
    let mut file = File::open(source)?;
    let size = file.metadata()?.len();
    lesson5::client::put(&mut client, "source.bin", &mut file, size, SEND_SIZE)?
        .map_err(|refusal| io::Error::other(refusal.to_string()))?;
    // Nothing answers the data itself; the reply to the next request comes only once the server
    // has received every byte and renamed the file.
    client
        .cd("/")?
        .map_err(|refusal| io::Error::other(refusal.to_string()))?;
    Ok(started.elapsed())
}

// ANCHOR: plain
/// The plain copy's server: receive until the client closes, and write to the file, reading and
/// writing as put does: `buffers.chunk` bytes at a time, from the socket itself or from reads of
/// up to `buffers.read_ahead` bytes, into the same 8 KiB write buffer.
fn start_plain_server(target: PathBuf, buffers: Buffers) -> io::Result<SocketAddr> {
    let listener = local_listener()?;
    let addr = listener.local_addr()?;
    thread::spawn(move || -> io::Result<()> {
        let mut chunk = vec![0; buffers.chunk];
        loop {
            let (conn, _) = listener.accept()?;
            let mut conn = BufReader::with_capacity(buffers.read_ahead, conn);
            let mut file = BufWriter::new(File::create(&target)?);
            loop {
                let n = conn.read(&mut chunk)?;
                if n == 0 {
                    break;
                }
                file.write_all(&chunk[..n])?;
            }
            file.flush()?;
            // Closing tells the client that the file is written.
        }
    });
    Ok(addr)
}

/// The plain copy's client: read the file and send it, then wait for the server to close.
fn plain_copy(addr: SocketAddr, source: &Path) -> io::Result<Duration> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr)?;
    let mut file = File::open(source)?;
    let mut buf = vec![0; SEND_SIZE];
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

/// The article-style Python server, run by python3 in a directory of its own: it stores an
/// upload as `FTP_USER/FILENAME` under its working directory, and prints `received ...` once the
/// file is closed.
struct ArticleServer {
    process: ServerProcess,
    stored: PathBuf,
}

impl ArticleServer {
    fn start(scratch: &Path) -> anyhow::Result<ArticleServer> {
        let dir = scratch.join("python");
        fs::create_dir_all(dir.join(USER))?;
        let users = dir.join("users.json");
        let passwd = md5_hex(PASSWORD.as_bytes());
        fs::write(
            &users,
            serde_json::json!({ USER: { "passwd": passwd } }).to_string(),
        )?;
        let mut command = Command::new("python3");
        command
            .arg(ARTICLE_SERVER)
            .arg(&users)
            .arg("0")
            .current_dir(&dir);
        let process = ServerProcess::start(command)
            .map_err(|err| anyhow::anyhow!("cannot run python3 {ARTICLE_SERVER}: {err}"))?;
        Ok(ArticleServer {
            process,
            stored: dir.join(USER).join("source.bin"),
        })
    }

    /// The same upload as [`put_copy`], from the same client, timed until the server says it
    /// has closed the file. (The article's server answers nothing after the data.)
    fn upload(&mut self, source: &Path) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut client = Client::connect(self.process.addr())?;
        client.log_in(USER, PASSWORD)?.map_err(io::Error::other)?;
        let mut file = File::open(source)?;
        let size = file.metadata()?.len();
        lesson5::client::put(&mut client, "source.bin", &mut file, size, SEND_SIZE)?
            .map_err(|refusal| io::Error::other(refusal.to_string()))?;
        self.process
            .wait_for_line("received", Duration::from_secs(600))
            .map_err(|seen| anyhow::anyhow!("the Python server did not finish: {seen:?}"))?;
        let took = started.elapsed();
        drop(client);
        check_and_remove(&self.stored, size)?;
        Ok(took)
    }
}
