//! Lesson 2 end to end: the server decodes the client's text however its bytes are cut.

mod common;

use std::io::Write;
use std::net::TcpStream;

use common::{LINE_TIMEOUT, assert_matches_book, lesson_cmd, start_server, wait_for_stderr};

/// The server's line for the text of a whole connection.
fn whole_text_line(text: &str) -> String {
    format!(
        "the whole text: {text:?}, {} bytes, {} characters",
        text.len(),
        text.chars().count()
    )
}

#[test]
fn the_client_sends_in_pieces_and_the_server_prints_the_text_whole() {
    let mut server = start_server("lesson2", &[]);
    let addr = server.addr().to_string();

    let client = lesson_cmd("lesson2")
        .args(["client", "--addr", &addr, "--chunk", "4"])
        .assert()
        .success()
        .get_output()
        .clone();
    let client_out = String::from_utf8(client.stdout).unwrap();
    assert!(client_out.contains(r#"sending "你好世界": 12 bytes, 4 characters"#));
    assert!(
        client_out.contains("sent b\"\\xe4\\xbd\\xa0\\xe5\"\nsent b\"\\xa5\\xbd\\xe4\\xb8\"\n")
    );

    server
        .wait_for_line(&whole_text_line("你好世界"), LINE_TIMEOUT)
        .unwrap_or_else(|seen| panic!("the server did not print the whole text: {seen:?}"));
    let server_out = server.stdout_lines().join("\n") + "\n";
    assert!(server_out.contains("  decoded \"你\", kept b\"\\xe5\": a character's start"));

    assert_matches_book("lesson2-server.txt", &server_out);
    assert_matches_book("lesson2-client.txt", &client_out);
}

#[test]
fn one_byte_per_write_still_gives_the_text_back() {
    let mut server = start_server("lesson2", &[]);
    let addr = server.addr().to_string();
    let text = "你好, world";
    lesson_cmd("lesson2")
        .args(["client", "--addr", &addr, "--chunk", "1", "--pause", "50"])
        .arg(text)
        .assert()
        .success();

    server
        .wait_for_line(&whole_text_line(text), LINE_TIMEOUT)
        .unwrap_or_else(|seen| panic!("the server did not print {text:?} whole: {seen:?}"));
    let lines = server.stdout_lines();
    let reads = lines
        .iter()
        .filter(|line| line.starts_with("recv(1024) returned") && !line.contains(" 0 bytes"))
        .count();
    let cut = lines
        .iter()
        .filter(|line| line.contains(", kept b\""))
        .count();
    // TCP could in principle join writes into one read; with a pause after each, it did not,
    // and some reads ended inside a character: the decoder had something to put together.
    assert!(reads > 1, "the server read everything at once: {lines:?}");
    assert!(cut > 0, "no read ended inside a character: {lines:?}");
}

#[test]
fn bytes_that_are_not_utf8_end_that_connection_with_a_clear_error() {
    let mut server = start_server("lesson2", &[]);

    // "café!" in Latin-1.
    let mut latin1 = TcpStream::connect(server.addr()).unwrap();
    latin1.write_all(b"caf\xe9!").unwrap();
    drop(latin1);
    let error = wait_for_stderr(&mut server, "is not UTF-8");
    assert!(
        error.contains(r#"failed: b"\xe9" is not UTF-8 (after "caf")"#),
        "{error}"
    );

    // The first two bytes of 你, and then the end of the stream.
    let mut cut = TcpStream::connect(server.addr()).unwrap();
    cut.write_all(&"你".as_bytes()[..2]).unwrap();
    drop(cut);
    let error = wait_for_stderr(&mut server, "ended inside a character");
    assert!(
        error.contains(r#"failed: the stream ended inside a character: b"\xe4\xbd""#),
        "{error}"
    );

    // The server goes on serving.
    let addr = server.addr().to_string();
    lesson_cmd("lesson2")
        .args(["client", "--addr", &addr, "still here"])
        .assert()
        .success();
    server
        .wait_for_line(&whole_text_line("still here"), LINE_TIMEOUT)
        .unwrap_or_else(|seen| panic!("the server stopped serving: {seen:?}"));
    assert!(!server.stderr().contains("panicked"));
}

/// The chapter's first pitfall: lesson 1's server decodes each read on its own, so the same bytes
/// that lesson 2's server puts together come out as replacement characters.
#[test]
fn lesson1s_server_decoding_each_read_alone_prints_replacement_characters() {
    let mut server = start_server("lesson1", &[]);
    let addr = server.addr().to_string();
    lesson_cmd("lesson2")
        .args([
            "client", "--addr", &addr, "--chunk", "1", "--pause", "50", "你好",
        ])
        .assert()
        .success();
    server
        .wait_for_line("closed the connection", LINE_TIMEOUT)
        .unwrap_or_else(|seen| panic!("lesson 1's server did not see the close: {seen:?}"));
    let texts: Vec<String> = server
        .stdout_lines()
        .into_iter()
        .filter_map(|line| Some(line.strip_prefix("  as UTF-8 text: ")?.to_string()))
        .collect();
    assert!(texts.len() > 1, "the bytes came in one read: {texts:?}");
    assert!(
        texts.iter().any(|text| text.contains('\u{fffd}')),
        "{texts:?}"
    );
    assert!(!texts.concat().contains("你好"), "{texts:?}");
}
