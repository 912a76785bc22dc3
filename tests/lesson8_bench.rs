//! `lesson8 bench` runs and prints the table the book shows. Speed itself is never asserted here
//! (the machines are shared and noisy), and pyftpdlib is left out (installing it needs PyPI): the
//! test moves 1 MiB through lesson 8 and through the two ceiling receivers with curl and checks
//! that every row it prints is one of the recorded table's, and that the recorded table also
//! compares the two servers and each with the ceiling.
//!
//! To record that table again (it is never written by a test):
//!
//! ```console
//! $ cargo run --release -p lesson8 -- bench --dir /dev/shm > book/src/output/lesson8-bench.txt
//! ```

mod common;

use common::{lesson_cmd, workspace_root};

/// The rows of a benchmark table: the labels of the lines that hold a median.
fn rows(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter_map(|line| line.split_once("  ").map(|(label, _)| label.trim()))
        .filter(|label| {
            ["RETR:", "STOR:", "CPU s/GiB"]
                .iter()
                .any(|p| label.starts_with(p))
        })
        .collect()
}

#[test]
fn the_benchmark_runs_small_and_prints_rows_of_the_table_the_book_shows() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("SOCKET_LAB_REQUIRE_FTP_CLIENTS").is_none(),
            "SOCKET_LAB_REQUIRE_FTP_CLIENTS is set and curl is not installed"
        );
        eprintln!("curl is not installed: the lesson 8 benchmark's test is skipped");
        return;
    }
    let output = lesson_cmd("lesson8")
        .args(["bench", "--size", "1MiB", "--runs", "2", "--no-pyftpdlib"])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("pyftpdlib: left out (--no-pyftpdlib)")
            && stdout.contains("curl moving 1.0 MiB over loopback")
            && stdout.contains("2 rounds taking turns")
            && stdout.contains("targets: RETR at 1.00x of pyftpdlib's or more"),
        "{stdout}"
    );
    let ran = rows(&stdout);
    assert_eq!(
        ran,
        [
            "RETR: lesson 8",
            "STOR: lesson 8",
            "STOR: ceiling, dropped",
            "STOR: ceiling, to a file",
            "STOR: lesson 8 / ceiling, to a file",
            "CPU s/GiB, receiver: STOR to lesson 8",
            "CPU s/GiB, receiver: STOR to ceiling, dropped",
            "CPU s/GiB, receiver: STOR to ceiling, to a file",
            "CPU s/GiB, curl: STOR to lesson 8",
            "CPU s/GiB, curl: STOR to ceiling, dropped",
            "CPU s/GiB, curl: STOR to ceiling, to a file",
        ],
        "{stdout}"
    );

    let recorded =
        std::fs::read_to_string(workspace_root().join("book/src/output/lesson8-bench.txt"))
            .unwrap();
    let book = rows(&recorded);
    assert!(ran.iter().all(|row| book.contains(row)), "{recorded}");
    for row in [
        "RETR: pyftpdlib",
        "STOR: pyftpdlib",
        "RETR: lesson 8 / pyftpdlib",
        "STOR: lesson 8 / pyftpdlib",
        "STOR: ceiling, dropped / pyftpdlib",
        "STOR: ceiling, to a file / pyftpdlib",
        "CPU s/GiB, receiver: STOR to pyftpdlib",
        "CPU s/GiB, curl: STOR to pyftpdlib",
    ] {
        assert!(
            book.contains(&row),
            "{row} is not in the recorded table:\n{recorded}"
        );
    }
}
