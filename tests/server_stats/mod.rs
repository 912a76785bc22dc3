//! What the kernel says a server process costs: its peak memory and its CPU time, read from
//! `/proc/PID`, and the disk a folder takes. The servers' resource tests assert these as bounds
//! and ratios, never as absolute times.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The peak resident memory of process `pid` so far (`VmHWM` in `/proc/PID/status`), in bytes.
pub fn peak_memory(pid: u32) -> u64 {
    status_kib(pid, "VmHWM:") * 1024
}

/// The resident memory of process `pid` now (`VmRSS`), in bytes.
pub fn memory(pid: u32) -> u64 {
    status_kib(pid, "VmRSS:") * 1024
}

fn status_kib(pid: u32, field: &str) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The CPU time process `pid` has used, user and system, all its threads together
/// (`utime + stime` in `/proc/PID/stat`).
pub fn cpu_time(pid: u32) -> Duration {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The command name, in parentheses, may hold spaces: count the fields after its `)`.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..]
        .split_whitespace()
        .collect();
    // utime and stime are the 14th and 15th fields; the 3rd is the first after the name.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_secs_f64(ticks as f64 / clock_ticks_per_second() as f64)
}

fn clock_ticks_per_second() -> u64 {
    let output = Command::new("getconf").arg("CLK_TCK").output();
    output
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100)
}

/// The share of one core process `pid` uses while `during` runs: CPU time over wall time.
pub fn cpu_share(pid: u32, during: impl FnOnce()) -> f64 {
    let (cpu_before, started) = (cpu_time(pid), Instant::now());
    during();
    let cpu = cpu_time(pid) - cpu_before;
    cpu.as_secs_f64() / started.elapsed().as_secs_f64()
}

/// The disk space the files and folders under `dir` take, in bytes, as `du` counts it: blocks
/// allocated, directories included.
pub fn disk_use(dir: &Path) -> u64 {
    let output = Command::new("du")
        .args(["-s", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Steps 2 to 4 of the accept tests: more idle clients than a server started under `ulimit -n`
/// may hold files for, then, while its `accept` keeps failing, a small share of one core (a
/// loop that retries at once takes all of it) and a few log lines, not one per attempt. Returns
/// the idle clients, which the caller keeps open while it checks that earlier clients are served.
pub fn assert_accept_backs_off(
    server: &mut crate::common::ServerProcess,
) -> Vec<std::net::TcpStream> {
    let addr = server.addr();
    let idle: Vec<_> = (0..100)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()
        })
        .collect();
    crate::common::wait_for_stderr(server, "accept failed");
    let share = cpu_share(server.pid(), || std::thread::sleep(Duration::from_secs(3)));
    eprintln!(
        "CPU while accept kept failing: {:.1}% of a core",
        share * 100.0
    );
    assert!(
        share < 0.1,
        "step 3: the server used {:.0}% of a core while accept kept failing",
        share * 100.0
    );
    let stderr = server.stderr();
    let lines = stderr.matches("accept failed").count();
    assert!(
        (1..=12).contains(&lines),
        "step 4: {lines} lines about accept:\n{stderr}"
    );
    assert!(
        stderr.contains("Too many open files") && stderr.contains("backing off"),
        "step 4: {stderr}"
    );
    idle
}
