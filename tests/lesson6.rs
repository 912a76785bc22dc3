//! Lesson 6 end to end: the article's upload, one write per line, loses bytes against a server on
//! a slow link, and the server keeps nothing; with write_all the file arrives whole.

mod common;
mod ftp;

use std::fs;

use common::{assert_matches_book, assert_shape_matches_book};
use ftp::{Site, run_client, server_log_after};

/// 64 lines of 16 KiB: each line is more than the small socket buffers can take at once.
fn long_lines() -> Vec<u8> {
    [vec![b'x'; 16383], vec![b'\n']].concat().repeat(64)
}

const SCRIPT: &str = "alex\nabc123\nput long-lines.txt\nls\nq\n";

#[test]
fn the_article_upload_loses_bytes_and_the_server_keeps_nothing() {
    let site = Site::new();
    fs::write(site.dir.path().join("long-lines.txt"), long_lines()).unwrap();
    let mut server = site.start("lesson6");
    let output = run_client("lesson6", server.addr(), &[], SCRIPT, site.dir.path());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success());
    assert!(
        stdout.contains("put long-lines.txt: 1048576 bytes, one write per line\n"),
        "{stdout}"
    );
    assert!(stdout.contains("in 64 short writes\n"), "{stdout}");
    assert!(stderr.contains("no reply within 3 s"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let log = server_log_after(&mut server, "nothing kept");
    assert!(
        log.contains("of the 1048576 bytes announced; nothing kept"),
        "{log}"
    );
    assert_eq!(site.tree(), ["alex"]);

    // The server received every byte write took, and then the ls request (15 bytes) as more file.
    let taken = number_after(&stdout, "and took ");
    let received = number_after(&log, "the data ended after ");
    assert_eq!(
        received,
        taken + r#"{"action":"ls"}"#.len() as u64,
        "{stdout}\n{log}"
    );

    assert_shape_matches_book("lesson6-client-write.txt", &(stdout + &stderr), true);
    assert_shape_matches_book("lesson6-server.txt", &log, true);
}

/// The number that follows `prefix` in `text`.
fn number_after(text: &str, prefix: &str) -> u64 {
    let (_, rest) = text
        .split_once(prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in {text}"));
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

#[test]
fn the_same_upload_with_write_all_arrives_whole() {
    let site = Site::new();
    fs::write(site.dir.path().join("long-lines.txt"), long_lines()).unwrap();
    let server = site.start("lesson6");
    let output = run_client(
        "lesson6",
        server.addr(),
        &["--write-all"],
        SCRIPT,
        site.dir.path(),
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(fs::read(site.home("alex").join("long-lines.txt")).unwrap() == long_lines());
    assert_matches_book("lesson6-client-write-all.txt", &stdout);
}
