//! `lesson7 bench` runs and prints the table the book shows. Speed itself is never asserted here
//! (the machines are shared and noisy): the test runs the benchmark on a few MiB and compares the
//! shape of its output, every number and NOISY mark aside, with the table recorded from a real
//! run.
//!
//! To record that table again (it is never written by a test):
//!
//! ```console
//! $ cargo run --release -p lesson7 -- bench --dir /dev/shm > book/src/output/lesson7-bench.txt
//! ```

mod common;

use common::{assert_bench_shape_matches_book, lesson_cmd};

#[test]
fn the_benchmark_runs_small_and_prints_the_table_the_book_shows() {
    let output = lesson_cmd("lesson7")
        .args([
            "bench",
            "--size",
            "4MiB",
            "--sessions",
            "20",
            "--session-size",
            "64KiB",
        ])
        .args(["--runs", "2"])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("lesson 7 benchmark: 4.0 MiB over loopback")
            && stdout.contains("2 rounds taking turns"),
        "{stdout}"
    );
    assert!(stdout.contains("20 sessions at once, each putting and getting 64.0 KiB"));
    assert_bench_shape_matches_book("lesson7-bench.txt", &stdout);
}
