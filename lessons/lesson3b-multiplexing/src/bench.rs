//! `lesson3b bench`: what a thread per connection and an event loop cost with many idle clients.
//!
//! Each server model runs as a child process (this program's own `server` mode), so that what the
//! kernel reports about it in `/proc/PID/status` is its own: resident memory (VmRSS) and threads.
//! The benchmark connects N clients that say nothing, one after another, and measures:
//!
//! - the server's resident memory per idle connection, and for the threaded model the kernel
//!   stacks (the rise of `KernelStack` in `/proc/meminfo`, which counts the whole machine, so
//!   other programs starting threads meanwhile show in it too);
//! - the time from the first connect until the server has reported taking all N;
//! - the round trip of one active client (connect, ask, answer) to this server with N idle, and
//!   to a second server of the same model with none, taking turns ask by ask so that both see the
//!   same moments of the machine: median and 99th percentile of each, and their ratio of 99th
//!   percentiles, over all the asks and within each of a few rounds (the spread).
//!
//! Then the threaded server's ceiling: connections until the system refuses a thread (or the
//! open-file limit, or a bound, stops the search), and whether the server still answers a client
//! it had taken. Last, the article's backlog of 5 against a large one: how fast each model takes a
//! burst of connections opened one after another.
//!
//! The models take turns at every step (forever, mio, tokio, then the other way round), so that a
//! busy moment of the shared machine does not always fall on the same one.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mio::unix::SourceFd;
use mio::{Events, Interest, Token};
use rustix::event::{PollFd, PollFlags, Timespec};
use socket_lab::bench::{Spread, machine_line};
use socket_lab::process::ServerProcess;

use crate::Model;

/// `lesson3b bench`'s options.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// How many idle connections to hold, step by step
    #[arg(long, value_delimiter = ',', default_values_t = [1000, 5000, 10000])]
    idle: Vec<usize>,
    /// Round trips of the active client at each step, to each of the two servers
    #[arg(long, default_value_t = 1000)]
    asks: usize,
    /// The most connections the search for the threaded server's ceiling opens
    #[arg(long, default_value_t = 40_000)]
    ceiling_limit: usize,
    /// Connections in each burst of the backlog comparison
    #[arg(long, default_value_t = 1000)]
    burst: usize,
    /// How long a burst may take before it is cut short, in seconds
    #[arg(long, default_value_t = 20)]
    burst_seconds: u64,
}

const MODELS: [Model; 3] = [Model::Forever, Model::Mio, Model::Tokio];

/// The backlog of the idle-connection steps and of the ceiling: large enough that a burst of
/// connects never overflows it (Linux caps it at net.core.somaxconn).
const LARGE_BACKLOG: i32 = 4096;

/// File descriptors kept free for everything else: the binary, pipes, the active client.
const SPARE_FILES: usize = 64;

/// How long a connect may wait: long enough for three SYN retransmissions (after 1, 3 and 7 s).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

fn name(model: Model) -> &'static str {
    match model {
        Model::Forever => "thread per connection (serve_forever)",
        Model::Mio => "event loop (mio)",
        Model::Tokio => "event loop (Tokio)",
    }
}

fn flag(model: Model) -> &'static str {
    match model {
        Model::Forever => "forever",
        Model::Mio => "mio",
        Model::Tokio => "tokio",
    }
}

// ANCHOR: run
pub fn run(options: Options) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        println!("(a debug build: run with --release for figures worth comparing)");
    }
    println!("lesson 3b benchmark: idle connections against each server model");
    println!("{}", machine_line("before"));
    // Each idle connection is a file in this process (the client's end) and one in the server's.
    let limit =
        rlimit::increase_nofile_limit(u64::MAX).context("could not raise the open-file limit")?;
    let files = usize::try_from(limit).unwrap_or(usize::MAX);
    println!("open-file limit (soft, raised to the hard one): {files}");

    println!();
    println!(
        "idle   model                                  memory/idle  kernel stack/idle  threads  accept all   round trip, none idle  round trip, N idle  p99 N idle / none"
    );
    println!(
        "                                              (VmRSS)                                               median / p99            median / p99        all asks (rounds)"
    );
    let mut waits = Vec::new();
    for (step, &idle) in options.idle.iter().enumerate() {
        if idle + SPARE_FILES > files {
            println!(
                "{idle:<6} skipped: {idle} connections need more files than the limit of {files} allows"
            );
            continue;
        }
        let mut order = MODELS.to_vec();
        if step % 2 == 1 {
            order.reverse();
        }
        let mut rows = Vec::new();
        for model in order {
            let (row, waited) = idle_step(model, idle, options.asks)?;
            waits.extend(waited.map(|(poll, epoll)| (idle, poll, epoll)));
            rows.push((model, row));
        }
        rows.sort_by_key(|(model, _)| MODELS.iter().position(|m| m == model));
        for (model, row) in rows {
            println!("{idle:<6} {:<38} {row}", name(model));
        }
    }

    println!(
        "the future of each Tokio connection's task: {} bytes (std::mem::size_of_val)",
        crate::on_tokio::task_future_size()?
    );

    println!();
    println!("one call asking which of N idle sockets is ready (none is), median of {WAITS} calls");
    println!("idle   poll(2)     epoll_wait");
    for (idle, poll, epoll) in waits {
        println!("{idle:<6} {:>10}  {:>10}", duration(poll), duration(epoll));
    }

    println!();
    ceiling(
        options.ceiling_limit.min(files.saturating_sub(SPARE_FILES)),
        files,
    )?;

    println!();
    println!(
        "a burst of {} connects, one after another, each client then idle (cut at {} s)",
        options.burst, options.burst_seconds
    );
    println!(
        "backlog  model                                  connected  rate       slowest connect  connects of 1 s or more (a SYN retransmitted)"
    );
    for backlog in [lesson1::BACKLOG, LARGE_BACKLOG] {
        for model in MODELS {
            let burst = burst(
                model,
                backlog,
                options.burst.min(files.saturating_sub(SPARE_FILES)),
                Duration::from_secs(options.burst_seconds),
            )?;
            println!("{backlog:<8} {:<38} {burst}", name(model));
        }
    }
    println!();
    println!("{}", machine_line("after"));
    Ok(())
}
// ANCHOR_END: run

/// A server model running as a child process.
fn start(model: Model, backlog: i32) -> anyhow::Result<ServerProcess> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .args(["server", "--addr", "127.0.0.1:0", "--model", flag(model)])
        .args(["--backlog", &backlog.to_string()])
        .stdin(Stdio::null());
    ServerProcess::start(command)
        .with_context(|| format!("could not start the {} server", flag(model)))
}

/// A line of `/proc/PID/status` (`VmRSS:`, `Threads:`), as a number (kB for sizes).
fn status(pid: u32, field: &str) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    proc_field(&text, field)
}

/// The machine's kernel stacks, `KernelStack:` of `/proc/meminfo`, in kB.
fn kernel_stacks() -> anyhow::Result<u64> {
    proc_field(&std::fs::read_to_string("/proc/meminfo")?, "KernelStack:")
}

fn proc_field(text: &str, field: &str) -> anyhow::Result<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no {field} in /proc"))
}

/// One connection that says nothing. SO_LINGER 0: dropping it resets the connection, so
/// thousands of them leave no TIME_WAIT behind.
fn idle_client(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
    socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
    Ok(stream)
}

/// Waits until the server has printed `handle() started` `count` more times.
fn wait_for_started(server: &mut ServerProcess, count: usize) -> anyhow::Result<()> {
    for taken in 0..count {
        if server
            .wait_for_line("handle() started for", Duration::from_secs(60))
            .is_err()
        {
            bail!(
                "the server reported only {taken} of {count} connections; its stderr: {}",
                server.stderr().lines().last().unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// One round trip of an active client: connect, send, read the answer (lesson 3's `ask`).
fn round_trip(addr: SocketAddr) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT)?;
    stream.set_read_timeout(Some(CONNECT_TIMEOUT))?;
    let (answer, _) = lesson3::ask(&mut stream, "ping")?;
    if answer.is_empty() {
        bail!("the server closed the active client's connection without answering");
    }
    Ok(started.elapsed().as_secs_f64())
}

/// How many rounds the asks of a step are cut into, for the spread of the p99 ratio.
const ROUNDS: usize = 5;

/// The active client's round trips to `alone` (no idle client) and to `busy` (N idle), `asks` to
/// each, taking turns ask by ask (which one goes first alternates too), so that a busy moment of
/// the machine falls on both alike. Returns the times to each, cut into [`ROUNDS`] rounds.
fn round_trips(
    alone: SocketAddr,
    busy: SocketAddr,
    asks: usize,
) -> anyhow::Result<Vec<(Vec<f64>, Vec<f64>)>> {
    let rounds = ROUNDS.clamp(1, asks.max(1));
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let in_round = asks / rounds + usize::from(round < asks % rounds);
        let (mut to_alone, mut to_busy) = (Vec::new(), Vec::new());
        for ask in 0..in_round {
            if (round + ask) % 2 == 0 {
                to_alone.push(round_trip(alone)?);
                to_busy.push(round_trip(busy)?);
            } else {
                to_busy.push(round_trip(busy)?);
                to_alone.push(round_trip(alone)?);
            }
        }
        times.push((to_alone, to_busy));
    }
    Ok(times)
}

/// The median and the 99th percentile of some times, in seconds.
fn median_p99(times: &[f64]) -> (f64, f64) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = Spread::of(&sorted).map_or(f64::NAN, |spread| spread.median);
    let p99 = sorted
        .get(((sorted.len() as f64 * 0.99).ceil() as usize).clamp(1, sorted.len().max(1)) - 1)
        .copied()
        .unwrap_or(f64::NAN);
    (median, p99)
}

/// `median / p99`, in µs or ms.
fn median_p99_text(times: &[f64]) -> String {
    let (median, p99) = median_p99(times);
    format!("{} / {}", duration(median), duration(p99))
}

/// The ratio of the 99th percentiles, busy over alone: over all the asks, then the lowest and the
/// highest of the rounds' own ratios.
fn p99_ratio_text(rounds: &[(Vec<f64>, Vec<f64>)]) -> String {
    let ratio = |alone: &[f64], busy: &[f64]| median_p99(busy).1 / median_p99(alone).1;
    let all_alone: Vec<f64> = rounds.iter().flat_map(|(alone, _)| alone.clone()).collect();
    let all_busy: Vec<f64> = rounds.iter().flat_map(|(_, busy)| busy.clone()).collect();
    let per_round: Vec<f64> = rounds
        .iter()
        .map(|(alone, busy)| ratio(alone, busy))
        .collect();
    let spread = Spread::of(&per_round);
    format!(
        "{:.2}x ({:.2}-{:.2}x)",
        ratio(&all_alone, &all_busy),
        spread.map_or(f64::NAN, |spread| spread.min),
        spread.map_or(f64::NAN, |spread| spread.max),
    )
}

fn duration(seconds: f64) -> String {
    if seconds < 1e-6 {
        format!("{:.0} ns", seconds * 1e9)
    } else if seconds < 0.001 {
        format!("{:.0} µs", seconds * 1e6)
    } else if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1e3)
    } else {
        format!("{seconds:.1} s")
    }
}

fn kib(kb: f64) -> String {
    format!("{kb:.1} KiB")
}

// ANCHOR: idle_step
/// One row of the table: `idle` silent clients held against a fresh server of `model`.
///
/// With the event loop on mio, it also times the two ways of waiting over the idle clients'
/// sockets (see [`waits`]): they are the same sockets whatever the server, so once is enough.
fn idle_step(
    model: Model,
    idle: usize,
    asks: usize,
) -> anyhow::Result<(String, Option<(f64, f64)>)> {
    let mut server = start(model, LARGE_BACKLOG)?;
    let addr = server.addr();
    let pid = server.pid();
    // The same model with no idle client, for the active client's comparison.
    let mut reference = start(model, LARGE_BACKLOG)?;
    // Warm-up: both serve a few clients first, so that what the first clients cost (the runtime's
    // buffers, the first pages of the heap) is neither in the memory per idle client nor in the
    // round trips.
    for (warmed, process) in [(addr, &mut server), (reference.addr(), &mut reference)] {
        for _ in 0..WARM_UP {
            round_trip(warmed)?;
        }
        wait_for_started(process, WARM_UP)?;
    }
    let (rss_before, stacks_before) = (status(pid, "VmRSS:")?, kernel_stacks()?);

    let started = Instant::now();
    let mut clients = Vec::with_capacity(idle);
    for _ in 0..idle {
        clients.push(idle_client(addr).context("an idle client could not connect")?);
    }
    wait_for_started(&mut server, idle)?;
    let accepted_in = started.elapsed();

    let rss = status(pid, "VmRSS:")?.saturating_sub(rss_before) as f64 / idle as f64;
    let threads = status(pid, "Threads:")?;
    let stacks = kernel_stacks()?.saturating_sub(stacks_before) as f64 / idle as f64;
    let trips = round_trips(reference.addr(), addr, asks)?;
    let alone: Vec<f64> = trips.iter().flat_map(|(alone, _)| alone.clone()).collect();
    let busy: Vec<f64> = trips.iter().flat_map(|(_, busy)| busy.clone()).collect();
    let waited = if model == Model::Mio {
        Some(waits(&clients)?)
    } else {
        None
    };
    drop(clients);
    let row = format!(
        "{:>11}  {:>17}  {threads:>7}  {:>10}  {:>21}  {:>18}  {}",
        kib(rss),
        if model == Model::Forever {
            kib(stacks)
        } else {
            "-".to_string()
        },
        duration(accepted_in.as_secs_f64()),
        median_p99_text(&alone),
        median_p99_text(&busy),
        p99_ratio_text(&trips),
    );
    Ok((row, waited))
}
// ANCHOR_END: idle_step

/// How many round trips each server makes before anything is measured.
const WARM_UP: usize = 200;

/// How many calls of each kind [`waits`] times.
const WAITS: usize = 100;

// ANCHOR: waits
/// The median time of one call that asks which of `sockets` can be read, when none can: poll(2),
/// which is handed the whole list on every call and checks every socket in it, and epoll_wait
/// (through mio), which keeps the list in the kernel and is handed back only the ready ones.
fn waits(sockets: &[TcpStream]) -> anyhow::Result<(f64, f64)> {
    let no_wait = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let mut fds: Vec<PollFd> = sockets
        .iter()
        .map(|socket| PollFd::new(socket, PollFlags::IN))
        .collect();
    let mut poll_times = Vec::with_capacity(WAITS);
    for _ in 0..WAITS {
        let started = Instant::now();
        let ready = rustix::event::poll(&mut fds, Some(&no_wait))?;
        poll_times.push(started.elapsed().as_secs_f64());
        if ready != 0 {
            bail!("an idle socket became readable: the server sent something");
        }
    }

    let mut selector = mio::Poll::new()?;
    for (index, socket) in sockets.iter().enumerate() {
        let fd = socket.as_raw_fd();
        selector
            .registry()
            .register(&mut SourceFd(&fd), Token(index), Interest::READABLE)?;
    }
    let mut events = Events::with_capacity(1024);
    let mut epoll_times = Vec::with_capacity(WAITS);
    for _ in 0..WAITS {
        let started = Instant::now();
        selector.poll(&mut events, Some(Duration::ZERO))?;
        epoll_times.push(started.elapsed().as_secs_f64());
    }
    let median = |times: &[f64]| Spread::of(times).map_or(f64::NAN, |spread| spread.median);
    Ok((median(&poll_times), median(&epoll_times)))
}
// ANCHOR_END: waits

// ANCHOR: ceiling
/// Opens connections to the threaded server until it refuses one (the system would not give it
/// another thread), the open-file limit or `limit` stops the search; then checks that the server
/// still answers a client it had taken, and still runs.
fn ceiling(limit: usize, files: usize) -> anyhow::Result<()> {
    println!("the threaded server's ceiling (serve_forever, a thread per connection)");
    let mappings = std::fs::read_to_string("/proc/sys/vm/max_map_count").unwrap_or_default();
    println!(
        "  vm.max_map_count {}: at {} mappings a thread, the server runs at most {} threads",
        mappings.trim(),
        crate::forever::MAPPINGS_PER_THREAD,
        crate::forever::thread_ceiling()
    );
    let mut server = start(Model::Forever, LARGE_BACKLOG)?;
    let addr = server.addr();
    let started = Instant::now();
    let mut clients = Vec::new();
    let stopped_by = loop {
        if clients.len() >= limit {
            break if limit + SPARE_FILES >= files {
                format!("the open-file limit ({files}) stopped the search")
            } else {
                format!("the search's bound of {limit} connections")
            };
        }
        match idle_client(addr) {
            Ok(client) => clients.push(client),
            Err(err) => break format!("a connect failed: {err}"),
        }
        // Every 256 connections, look for the server's own report of a refused thread.
        if clients.len() % 256 == 0 {
            let stderr = server.stderr();
            if let Some(line) = stderr.lines().find(|line| line.contains("failed:")) {
                break format!("the server refused a connection: {line}");
            }
        }
    };
    // Let the accept loop catch up with the connects before counting its threads.
    let mut threads = status(server.pid(), "Threads:")?;
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        let now = status(server.pid(), "Threads:")?;
        if now == threads {
            break;
        }
        threads = now;
    }
    println!(
        "  {} connections opened in {}; the server ran {threads} threads",
        clients.len(),
        duration(started.elapsed().as_secs_f64())
    );
    println!("  stopped by: {stopped_by}");
    // The first client has waited all along; it speaks now.
    let answer = match clients.first_mut() {
        Some(first) => {
            first.set_read_timeout(Some(CONNECT_TIMEOUT))?;
            lesson3::ask(first, "still there?").map(|(answer, _)| answer)
        }
        None => Ok(Vec::new()),
    };
    match answer {
        Ok(answer) if !answer.is_empty() => println!(
            "  the first client, idle all along, then asked and got: {}",
            String::from_utf8_lossy(&answer)
        ),
        Ok(_) => println!("  the first client, idle all along, then asked and got no answer"),
        Err(err) => println!("  the first client, idle all along, then asked and failed: {err}"),
    }
    drop(clients);
    println!(
        "  the server {}",
        if server.is_running() {
            "is still running"
        } else {
            "has ended"
        }
    );
    Ok(())
}
// ANCHOR_END: ceiling

// ANCHOR: burst
/// Connects `count` clients one after another to a fresh server of `model` listening with
/// `backlog`, each left idle, and reports how fast they were taken, cut short at `budget`.
fn burst(model: Model, backlog: i32, count: usize, budget: Duration) -> anyhow::Result<String> {
    let mut server = start(model, backlog)?;
    let addr = server.addr();
    let started = Instant::now();
    let mut clients = Vec::with_capacity(count);
    let mut slowest = Duration::ZERO;
    let mut retransmitted = 0;
    while clients.len() < count && started.elapsed() < budget {
        let asked = Instant::now();
        clients.push(idle_client(addr).context("a client of the burst could not connect")?);
        let took = asked.elapsed();
        slowest = slowest.max(took);
        if took >= Duration::from_secs(1) {
            retransmitted += 1;
        }
    }
    let connected = clients.len();
    wait_for_started(&mut server, connected)?;
    let took = started.elapsed();
    let _ = io::stdout().flush();
    Ok(format!(
        "{connected:>9}  {:>9}  {:>15}  {retransmitted}",
        format!("{:.0}/s", connected as f64 / took.as_secs_f64()),
        duration(slowest.as_secs_f64()),
    ))
}
// ANCHOR_END: burst
