//! `lesson8 bench`: curl moving one file through lesson 8 and through pyftpdlib, side by side.
//!
//! Both servers run on loopback in the same run, each with its own copy of the file; curl
//! downloads it (RETR) and uploads it (STOR) through each, the four transfers taking turns round
//! after round ([`socket_lab::bench`]), so that a busy moment of the machine slows a round of all
//! four rather than one contender. Each ratio is taken within a round.
//!
//! pyftpdlib, the most used FTP server written in Python, is installed with pip into a virtual
//! environment in the bench's temporary folder, and removed with it. Where that cannot be done
//! (no python3, no network to PyPI), the bench says why and measures lesson 8 alone.
//!
//! Beside the two servers, curl uploads to two receivers that do as little as a receiver can
//! ([`ceiling`]): how fast an upload can go on this machine at all. And for every upload the
//! bench counts CPU time, the receiving process's and curl's: unlike a rate, it hardly moves when
//! other programs share the machine, and it says which side of the transfer held the other back.

mod ceiling;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use lesson7::accounts::{self, Accounts, Cost, human_size, parse_size};
// Lesson 7's bench writes its sample file and clears the way for each transfer the same way.
use lesson7::bench::{remove, write_sample};
use socket_lab::bench::{self, Contender, Table};

use crate::server::{self, Config};

/// `lesson8 bench` options.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// Size of the file each transfer moves (the issue's figure is 1GiB)
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub size: u64,
    /// Rounds, each running every transfer once; medians and spreads are printed
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub runs: u32,
    /// Where to write the files [default: the system's temporary folder]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Measure lesson 8 alone, without installing pyftpdlib
    #[arg(long)]
    pub no_pyftpdlib: bool,
}

const USER: &str = "bench";
const PASSWORD: &str = "bench";
const FILE: &str = "data.bin";
const UPLOAD: &str = "upload.bin";

const LESSON8_RETR: &str = "RETR: lesson 8";
const PYFTPDLIB_RETR: &str = "RETR: pyftpdlib";
const LESSON8_STOR: &str = "STOR: lesson 8";
const PYFTPDLIB_STOR: &str = "STOR: pyftpdlib";
const DROPPED_STOR: &str = "STOR: ceiling, dropped";
const FILED_STOR: &str = "STOR: ceiling, to a file";

/// A GiB, the unit of the CPU rows.
const GIB: f64 = (1u64 << 30) as f64;

/// One server under test: where it listens, and the folder it serves the bench user from.
struct Served {
    addr: SocketAddr,
    home: PathBuf,
    /// The `stat` file of the process that serves it, for its CPU time.
    stat: String,
}

/// What one curl run cost: how long it took, the CPU seconds curl used, and those the receiving
/// process used meanwhile (read from its `stat` file before and after).
struct Run {
    took: Duration,
    curl_cpu: Option<f64>,
    receiver_cpu: Option<f64>,
}

/// The CPU seconds per GiB of each upload, by row label, in the order the rounds ran.
type CpuRows = RefCell<BTreeMap<String, Vec<f64>>>;

pub fn run(options: &Options) -> anyhow::Result<()> {
    let dir = match &options.dir {
        Some(dir) => tempfile::tempdir_in(dir)?,
        None => tempfile::tempdir()?,
    };
    let size = options.size;
    Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .context("the bench runs curl, which was not found")?;

    let lesson8 = start_lesson8(dir.path())?;
    let mut python = None;
    let pyftpdlib = if options.no_pyftpdlib {
        println!("pyftpdlib: left out (--no-pyftpdlib)");
        None
    } else {
        match start_pyftpdlib(dir.path()) {
            Ok((served, child)) => {
                python = Some(ChildGuard(child));
                Some(served)
            }
            Err(err) => {
                println!("pyftpdlib: skipped ({err:#})");
                None
            }
        }
    };
    let downloads = dir.path().join("downloads");
    fs::create_dir_all(&downloads)?;
    let source = lesson8.home.join(FILE);
    write_sample(&source, size)?;
    if let Some(py) = &pyftpdlib {
        fs::copy(&source, py.home.join(FILE))?;
    }

    let dropped = ceiling::start(ceiling::Keep::Nothing)?;
    let filed_path = dir.path().join("ceiling.bin");
    let filed = ceiling::start(ceiling::Keep::File(filed_path.clone()))?;

    let cpu = CpuRows::default();
    let mut contenders = Vec::new();
    let mut servers = vec![(LESSON8_RETR, LESSON8_STOR, &lesson8)];
    if let Some(py) = &pyftpdlib {
        servers.push((PYFTPDLIB_RETR, PYFTPDLIB_STOR, py));
    }
    let (source, cpu_rows) = (&source, &cpu);
    for &(retr, stor, served) in &servers {
        let downloaded = downloads.join(retr.replace([':', ' '], "_"));
        contenders.push(Contender::new(retr, move || {
            remove(&downloaded)?;
            let cost = curl(
                &[
                    "-o".as_ref(),
                    downloaded.as_os_str(),
                    url(served.addr, FILE).as_ref(),
                ],
                &served.stat,
            )?;
            same_file(&downloaded, source)?;
            Ok(bench::rate(size, cost.took))
        }));
        let uploaded = served.home.join(UPLOAD);
        contenders.push(Contender::new(stor, move || {
            remove(&uploaded)?;
            let cost = curl(&upload_args(source, served.addr), &served.stat)?;
            same_file(&uploaded, source)?;
            record_cpu(cpu_rows, stor, size, &cost);
            Ok(bench::rate(size, cost.took))
        }));
    }
    for (label, receiver, file) in [
        (DROPPED_STOR, &dropped, None),
        (FILED_STOR, &filed, Some(&filed_path)),
    ] {
        contenders.push(Contender::new(label, move || {
            if let Some(file) = file {
                remove(file)?;
            }
            let cost = curl(&upload_args(source, receiver.addr), "/proc/self/stat")?;
            if receiver.last_upload() != size {
                bail!(
                    "{label}: {} bytes of {size} arrived",
                    receiver.last_upload()
                );
            }
            if let Some(file) = file {
                same_file(file, source)?;
            }
            record_cpu(cpu_rows, label, size, &cost);
            Ok(bench::rate(size, cost.took))
        }));
    }
    let samples = bench::interleave(options.runs, &mut contenders)?;
    drop(contenders);
    drop(python);

    let mut table = Table::new();
    for &(retr, stor, _) in &servers {
        table.rate(retr, samples.rates(retr));
        table.rate(stor, samples.rates(stor));
    }
    table.rate(DROPPED_STOR, samples.rates(DROPPED_STOR));
    table.rate(FILED_STOR, samples.rates(FILED_STOR));
    table.gap();
    // Each ratio row is named after its two rows: `STOR: lesson 8 / pyftpdlib`.
    let mut ratios = Vec::new();
    if pyftpdlib.is_some() {
        ratios.extend([
            (LESSON8_RETR, PYFTPDLIB_RETR),
            (LESSON8_STOR, PYFTPDLIB_STOR),
            (DROPPED_STOR, PYFTPDLIB_STOR),
            (FILED_STOR, PYFTPDLIB_STOR),
        ]);
    }
    ratios.push((LESSON8_STOR, FILED_STOR));
    for (a, b) in ratios {
        let under = b.split_once(": ").map_or(b, |(_, name)| name);
        table.ratio(format!("{a} / {under}"), &samples.ratios(a, b));
    }
    table.gap();
    let cpu = cpu.into_inner();
    let mut stors = vec![LESSON8_STOR];
    if pyftpdlib.is_some() {
        stors.push(PYFTPDLIB_STOR);
    }
    stors.extend([DROPPED_STOR, FILED_STOR]);
    for side in ["receiver", "curl"] {
        for stor in &stors {
            let receiver = stor.trim_start_matches("STOR: ");
            let label = format!("CPU s/GiB, {side}: STOR to {receiver}");
            table.number(
                label,
                cpu.get(&cpu_key(side, stor)).map_or(&[], Vec::as_slice),
            );
        }
    }
    let title = format!(
        "lesson 8 benchmark: curl moving {} over loopback, every file compared",
        human_size(size)
    );
    samples.print(&title, &table);
    println!(
        "CPU s/GiB: user and system seconds per GiB uploaded, of the receiving process while curl \
         ran, and of curl"
    );
    println!("targets: RETR at 1.00x of pyftpdlib's or more, STOR at 2.00x or more, in the median");
    Ok(())
}

fn upload_args(source: &Path, addr: SocketAddr) -> [std::ffi::OsString; 3] {
    ["-T".into(), source.into(), url(addr, UPLOAD).into()]
}

fn cpu_key(side: &str, stor: &str) -> String {
    format!("{side} {stor}")
}

/// Keeps an upload's CPU seconds per GiB, the receiver's and curl's, when both were counted.
fn record_cpu(rows: &CpuRows, stor: &str, size: u64, cost: &Run) {
    let per_gib = |seconds: f64| seconds / (size as f64 / GIB);
    let mut rows = rows.borrow_mut();
    for (side, seconds) in [("receiver", cost.receiver_cpu), ("curl", cost.curl_cpu)] {
        if let Some(seconds) = seconds {
            rows.entry(cpu_key(side, stor))
                .or_default()
                .push(per_gib(seconds));
        }
    }
}

fn url(addr: SocketAddr, name: &str) -> String {
    format!("ftp://{USER}:{PASSWORD}@{addr}/{name}")
}

/// Runs curl quietly (errors still shown) and returns how long its transfer took and the CPU
/// time it and the receiving process (whose `stat` file is `receiver`) used meanwhile.
///
/// The time is curl's own account (`--write-out`): from the moment everything was ready to move
/// the file to the end of the transfer, the server's 226 included. It leaves out the login and
/// the opening of the data connection, before which curl 7.88 sometimes waits a fifth of a second
/// after the EPSV reply, whoever the server is; a wait that would swamp a transfer of a few
/// tenths of a second, and that has nothing to do with how the bytes are moved.
fn curl(
    args: &[impl AsRef<std::ffi::OsStr> + std::fmt::Debug],
    receiver: &str,
) -> anyhow::Result<Run> {
    let receiver_before = bench::cpu_seconds(receiver);
    let curl_before = bench::children_cpu_seconds();
    let output = Command::new("curl")
        .args(["--silent", "--show-error"])
        .args(["--write-out", "%{time_pretransfer} %{time_total}"])
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .context("could not run curl")?;
    let since = |before: Option<f64>, after: Option<f64>| Some(after? - before?);
    let curl_cpu = since(curl_before, bench::children_cpu_seconds());
    let receiver_cpu = since(receiver_before, bench::cpu_seconds(receiver));
    if !output.status.success() {
        bail!("curl {args:?} failed: {}", output.status);
    }
    let times = String::from_utf8_lossy(&output.stdout);
    let seconds: Vec<f64> = times
        .split_whitespace()
        .filter_map(|field| field.parse().ok())
        .collect();
    let [ready, total] = seconds[..] else {
        bail!("curl {args:?} printed {times:?}, not its two times");
    };
    Ok(Run {
        took: Duration::from_secs_f64((total - ready).max(0.0)),
        curl_cpu,
        receiver_cpu,
    })
}

/// Lesson 8's server on a free port, on a thread of this process, with one user whose home is
/// `dir/homes/bench`.
fn start_lesson8(dir: &Path) -> anyhow::Result<Served> {
    let users = dir.join("users.json");
    // A cheap hash: the bench measures transfers, not logins.
    let cheap = Cost {
        memory_kib: 64,
        passes: 1,
    };
    accounts::add_user(&users, USER, PASSWORD, u64::MAX, cheap)?;
    let mut lesson7 = lesson7::server::Config::new(dir.join("homes"));
    lesson7.log = false;
    let config = Config {
        lesson7,
        passive_ports: crate::passive::parse_range(crate::DEFAULT_PASSIVE_PORTS)
            .map_err(anyhow::Error::msg)?,
    };
    let accounts = Accounts::load(&users)?;
    let home = dir.join("homes").join(USER);
    fs::create_dir_all(&home)?;
    let listener = lesson7::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    thread::spawn(move || server::serve(&listener, accounts, config));
    let stat = "/proc/self/stat".to_string();
    Ok(Served { addr, home, stat })
}

/// The pyftpdlib server: one user, its home, no logging; it prints the port it listens on.
const PYFTPDLIB_SERVER: &str = r#"
import logging, sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
logging.disable(logging.CRITICAL)
authorizer = DummyAuthorizer()
authorizer.add_user(sys.argv[1], sys.argv[2], sys.argv[3], perm="elradfmwMT")
FTPHandler.authorizer = authorizer
server = FTPServer(("127.0.0.1", 0), FTPHandler)
print(server.socket.getsockname()[1], flush=True)
server.serve_forever(handle_exit=False)
"#;

/// Installs pyftpdlib into a virtual environment in `dir` and starts it on a free port.
fn start_pyftpdlib(dir: &Path) -> anyhow::Result<(Served, Child)> {
    let venv = dir.join("venv");
    let quiet = |command: &mut Command, what: &str| -> anyhow::Result<()> {
        let output = command
            .output()
            .with_context(|| format!("could not {what}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().last().unwrap_or_default();
            bail!("could not {what}: {last}");
        }
        Ok(())
    };
    quiet(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "make a virtual environment with python3 -m venv",
    )?;
    quiet(
        Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "pyftpdlib",
        ]),
        "install pyftpdlib with pip",
    )?;
    let home = dir.join("pyftpdlib-home");
    fs::create_dir_all(&home)?;
    let mut child = Command::new(venv.join("bin/python"))
        .args(["-c", PYFTPDLIB_SERVER, USER, PASSWORD])
        .arg(&home)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("could not start pyftpdlib")?;
    let mut line = String::new();
    let stdout = child.stdout.take().context("pyftpdlib's output")?;
    BufReader::new(stdout).read_line(&mut line)?;
    let port: u16 = match line.trim().parse() {
        Ok(port) => port,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            bail!("pyftpdlib did not say its port (it printed {line:?})");
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let stat = format!("/proc/{}/stat", child.id());
    Ok((Served { addr, home, stat }, child))
}

/// Stops the server it holds when dropped, even when the bench fails half way.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether a transferred file holds exactly the source's bytes, compared a block at a time.
fn same_file(copy: &Path, source: &Path) -> anyhow::Result<()> {
    let (mut a, mut b) = (File::open(copy)?, File::open(source)?);
    if a.metadata()?.len() != b.metadata()?.len() {
        bail!(
            "{} differs in size from {}",
            copy.display(),
            source.display()
        );
    }
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = a.read(&mut x)?;
        if n == 0 {
            return Ok(());
        }
        b.read_exact(&mut y[..n])?;
        if x[..n] != y[..n] {
            bail!("{} differs from {}", copy.display(), source.display());
        }
    }
}
