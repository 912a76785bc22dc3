//! `lesson3b bench` runs and prints the table the book shows. Speed and memory are never asserted
//! here (the machines are shared and noisy): the test runs the benchmark small and compares the
//! shape of its output, every number aside, with the output recorded from a full run. The lines
//! of the threaded server's ceiling are left out of the comparison: a small run stops at its
//! bound, the full run at the system's ceiling, and they say so in different words.
//!
//! To record that output again (it is never written by a test):
//!
//! ```console
//! $ cargo run --release -p lesson3b -- bench > book/src/output/lesson3b-bench.txt
//! ```

mod common;

use common::{lesson_cmd, shape, workspace_root};

/// The output without the ceiling's details (indented lines) and the debug build's warning.
fn comparable(output: &str) -> String {
    let kept: Vec<&str> = output
        .lines()
        .filter(|line| !line.starts_with("  ") && !line.starts_with("(a debug build"))
        .collect();
    shape(&kept.join("\n"))
}

#[test]
fn the_benchmark_runs_small_and_prints_the_table_the_book_shows() {
    let output = lesson_cmd("lesson3b")
        .args(["bench", "--idle", "20,40,60", "--asks", "20"])
        .args([
            "--ceiling-limit",
            "200",
            "--burst",
            "20",
            "--burst-seconds",
            "3",
        ])
        .timeout(std::time::Duration::from_secs(300))
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("the first client, idle all along, then asked and got: received"),
        "step 1. the threaded server did not answer its first client after the ceiling search:\n{stdout}"
    );
    assert!(
        stdout.contains("the server is still running"),
        "step 2. the threaded server ended during the ceiling search:\n{stdout}"
    );
    let recorded =
        std::fs::read_to_string(workspace_root().join("book/src/output/lesson3b-bench.txt"))
            .unwrap();
    assert_eq!(
        comparable(&recorded),
        comparable(&stdout),
        "step 3. the output's shape differs from book/src/output/lesson3b-bench.txt (numbers \
         and the ceiling's details aside); the output:\n{stdout}"
    );
}
