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

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Instant;

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

/// One server under test: where it listens, and the folder it serves the bench user from.
struct Served {
    addr: SocketAddr,
    home: PathBuf,
}

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

    let mut contenders = Vec::new();
    let mut servers = vec![(LESSON8_RETR, LESSON8_STOR, &lesson8)];
    if let Some(py) = &pyftpdlib {
        servers.push((PYFTPDLIB_RETR, PYFTPDLIB_STOR, py));
    }
    let source = &source;
    for &(retr, stor, served) in &servers {
        let downloaded = downloads.join(retr.replace([':', ' '], "_"));
        contenders.push(Contender::new(retr, move || {
            remove(&downloaded)?;
            let took = curl(&[
                "-o".as_ref(),
                downloaded.as_os_str(),
                url(served.addr, FILE).as_ref(),
            ])?;
            same_file(&downloaded, source)?;
            Ok(bench::rate(size, took))
        }));
        let uploaded = served.home.join(UPLOAD);
        contenders.push(Contender::new(stor, move || {
            remove(&uploaded)?;
            let took = curl(&[
                "-T".as_ref(),
                source.as_os_str(),
                url(served.addr, UPLOAD).as_ref(),
            ])?;
            same_file(&uploaded, source)?;
            Ok(bench::rate(size, took))
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
    if pyftpdlib.is_some() {
        table.gap();
        table.ratio(
            "RETR: lesson 8 / pyftpdlib",
            &samples.ratios(LESSON8_RETR, PYFTPDLIB_RETR),
        );
        table.ratio(
            "STOR: lesson 8 / pyftpdlib",
            &samples.ratios(LESSON8_STOR, PYFTPDLIB_STOR),
        );
    }
    let title = format!(
        "lesson 8 benchmark: curl moving {} over loopback, every file compared",
        human_size(size)
    );
    samples.print(&title, &table);
    println!("targets: RETR at 1.00x of pyftpdlib's or more, STOR at 2.00x or more, in the median");
    Ok(())
}

fn url(addr: SocketAddr, name: &str) -> String {
    format!("ftp://{USER}:{PASSWORD}@{addr}/{name}")
}

/// Runs curl quietly (errors still shown) and returns how long it took.
fn curl(args: &[&std::ffi::OsStr]) -> anyhow::Result<std::time::Duration> {
    let started = Instant::now();
    let status = Command::new("curl")
        .args(["--silent", "--show-error"])
        .args(args)
        .status()
        .context("could not run curl")?;
    let took = started.elapsed();
    if !status.success() {
        bail!("curl {args:?} failed: {status}");
    }
    Ok(took)
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
    Ok(Served { addr, home })
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
    Ok((Served { addr, home }, child))
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
