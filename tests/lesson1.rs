//! Lesson 1 end to end: the server and the client as two processes, as in two terminals.

mod common;

use common::{LINE_TIMEOUT, assert_matches_book, lesson_cmd, start_server};

#[test]
fn the_client_sends_hello_and_the_server_prints_what_one_recv_returned() {
    let mut server = start_server("lesson1", &[]);
    let addr = server.addr().to_string();

    let client = lesson_cmd("lesson1")
        .args(["client", "--addr", &addr])
        .assert()
        .success()
        .get_output()
        .clone();
    let client_out = String::from_utf8(client.stdout).unwrap();
    assert!(
        client_out.contains("write returned 5: the kernel took 5 of the 5 bytes of b\"hello\"")
    );

    let closed = server
        .wait_for_line("returned 0 bytes", LINE_TIMEOUT)
        .expect("the server reports the client's close");
    let server_out = server.stdout_lines().join("\n") + "\n";
    assert!(server_out.contains("recv(1024) returned 5 bytes: b\"hello\"\n  as UTF-8 text: hello"));
    assert!(closed.ends_with("closed the connection"));

    // The client's address, as accept() reported it, is the one the client saw for its own end.
    let client_end = client_out
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap();
    assert!(server_out.contains(&format!("accepted a connection from {client_end}")));

    assert_matches_book("lesson1-server.txt", &server_out);
    assert_matches_book("lesson1-client.txt", &client_out);
}

#[test]
fn the_server_serves_one_client_after_another_and_any_text() {
    let mut server = start_server("lesson1", &[]);
    let addr = server.addr().to_string();
    for message in ["first", "你好, world"] {
        lesson_cmd("lesson1")
            .args(["client", "--addr", &addr, message])
            .assert()
            .success();
        server
            .wait_for_line(&format!("as UTF-8 text: {message}"), LINE_TIMEOUT)
            .unwrap_or_else(|seen| panic!("the server did not print {message:?}: {seen:?}"));
        server
            .wait_for_line("closed the connection", LINE_TIMEOUT)
            .unwrap();
    }
    assert!(server.is_running());
}

#[test]
fn one_byte_is_one_byte_not_one_bytes() {
    let mut server = start_server("lesson1", &[]);
    let addr = server.addr().to_string();
    lesson_cmd("lesson1")
        .args(["client", "--addr", &addr, "x"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "write returned 1: the kernel took 1 of the 1 byte of b\"x\"",
        ));
    server
        .wait_for_line("recv(1024) returned 1 byte: b\"x\"", LINE_TIMEOUT)
        .unwrap_or_else(|seen| panic!("{seen:?}"));
}
