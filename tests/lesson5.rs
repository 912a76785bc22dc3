//! Lesson 5 end to end: put and get of every size, byte-exact; hostile names; a client that
//! vanishes mid-upload; the article's client and server on the other end; the benchmark runs.

mod common;
mod ftp;

use std::fs;

use common::{assert_bench_shape_matches_book, assert_matches_book, lesson_cmd};
use ftp::{
    Site, Wire, run_article_client, run_client, sample_bytes, server_log_after,
    start_article_server,
};

/// The sizes that matter: nothing, one byte, exactly one recv, one byte more, several MiB.
const SIZES: [usize; 5] = [0, 1, 1024, 1025, (5 << 20) + 3];

#[test]
fn uploads_and_downloads_of_every_size_arrive_byte_exact() {
    let site = Site::new();
    let upload = site.dir.path().join("upload");
    let download = site.dir.path().join("download");
    fs::create_dir(&upload).unwrap();
    fs::create_dir(&download).unwrap();
    let mut script = String::from("alex\nabc123\nmkdir in\ncd in\n");
    for size in SIZES {
        fs::write(upload.join(format!("f{size}")), sample_bytes(size)).unwrap();
        script += &format!("put {}\n", upload.join(format!("f{size}")).display());
    }
    for size in SIZES {
        script += &format!("get f{size}\n");
    }
    script += "q\n";
    let server = site.start("lesson5");
    let output = run_client("lesson5", server.addr(), &[], &script, &download);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    for size in SIZES {
        let expected = sample_bytes(size);
        let name = format!("f{size}");
        let bytes = match size {
            1 => "1 byte".to_string(),
            _ => format!("{size} bytes"),
        };
        assert!(stdout.contains(&format!("sent {bytes}\n")), "{stdout}");
        assert!(
            stdout.contains(&format!("received {bytes} into {name}\n")),
            "{stdout}"
        );
        assert!(
            fs::read(site.home("alex").join("in").join(&name)).unwrap() == expected,
            "{name} on the server"
        );
        assert!(
            fs::read(download.join(&name)).unwrap() == expected,
            "{name} downloaded"
        );
    }
    // No temporary file left on either side.
    assert_eq!(fs::read_dir(&download).unwrap().count(), SIZES.len());
    assert_eq!(
        fs::read_dir(site.home("alex").join("in")).unwrap().count(),
        SIZES.len()
    );
}

#[test]
fn a_session_in_two_terminals() {
    let site = Site::new();
    fs::create_dir(site.home("alex")).unwrap();
    fs::write(site.home("alex").join("welcome.txt"), "hello, alex\n").unwrap();
    let local = site.dir.path().join("local");
    fs::create_dir(&local).unwrap();
    fs::write(local.join("notes.txt"), "twelve bytes").unwrap();
    let mut server = site.start("lesson5");
    let script = "alex\nabc123\nhelp\nls\nget welcome.txt\nmkdir docs\ncd docs\nput notes.txt\nls\nput missing.txt\nget ../../etc/passwd\nq\n";
    let output = run_client("lesson5", server.addr(), &[], script, &local);
    let client = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{client}");
    assert_eq!(
        fs::read(local.join("welcome.txt")).unwrap(),
        b"hello, alex\n"
    );
    assert_eq!(
        fs::read(site.home("alex").join("docs/notes.txt")).unwrap(),
        b"twelve bytes"
    );
    assert!(
        client.contains("put FILE      upload FILE into the current directory\n"),
        "{client}"
    );
    assert!(
        client.contains("403 `../../etc/passwd` leads outside your home directory\n"),
        "{client}"
    );
    let log = server_log_after(&mut server, "alex: closed the connection");
    assert_matches_book("lesson5-client.txt", &client);
    assert_matches_book("lesson5-server.txt", &log);
}

#[test]
fn put_lands_in_the_current_directory_whoever_ftp_user_claims_to_be() {
    let site = Site::new();
    let server = site.start("lesson5");
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    assert_eq!(
        wire.request(r#"{"action": "mkdir", "path": "docs"}"#)["status"],
        200
    );
    assert_eq!(
        wire.request(r#"{"action": "cd", "path": "docs"}"#)["status"],
        200
    );
    let header = r#"{"action": "put", "filename": "mine.txt", "file_size": 4, "ftp_user": "eric"}"#;
    assert_eq!(wire.request(header)["status"], 200);
    wire.send(b"mine");
    wire.still_serves();
    assert_eq!(
        fs::read(site.home("alex").join("docs/mine.txt")).unwrap(),
        b"mine"
    );
    assert!(!site.home("eric").exists());
}

#[test]
fn the_server_reads_exactly_file_size_bytes_even_when_the_next_request_follows_at_once() {
    let site = Site::new();
    let server = site.start("lesson5");
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    // Sizes around the article's 1024-byte steps, and around the server's 64 KiB reads of the
    // socket: whichever read brings the file's last bytes finds the next request behind them.
    for size in [
        0,
        5,
        1023,
        1024,
        1030,
        (64 << 10) - 5,
        64 << 10,
        (64 << 10) + 5,
        200 << 10,
    ] {
        let header = format!(r#"{{"action": "put", "filename": "f", "file_size": {size}}}"#);
        assert_eq!(wire.request(header)["status"], 200);
        // The file and the next request in one write: they reach the server together.
        let mut both = sample_bytes(size);
        both.extend_from_slice(br#"{"action": "cd", "path": "/"}"#);
        wire.send(&both);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&wire.recv()).unwrap()["cwd"],
            "/"
        );
        assert!(
            fs::read(site.home("alex").join("f")).unwrap() == sample_bytes(size),
            "{size}"
        );
    }
}

#[test]
fn a_file_name_that_is_not_one_safe_name_is_refused_and_nothing_is_written() {
    let site = Site::new();
    let server = site.start("lesson5");
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    assert_eq!(
        wire.request(r#"{"action": "mkdir", "path": "docs"}"#)["status"],
        200
    );
    let before = site.tree();
    let long = "x".repeat(256);
    for (filename, status) in [
        ("../eric.txt", 400),
        ("../../outside.txt", 400),
        ("/etc/passwd", 400),
        ("docs/x.txt", 400),
        ("", 400),
        (".", 400),
        ("..", 400),
        ("a\\b.txt", 400),
        ("nul\u{0}.txt", 400),
        ("new\nline.txt", 400),
        (long.as_str(), 400),
        ("docs", 409),
    ] {
        let header = serde_json::json!({"action": "put", "filename": filename, "file_size": 3, "ftp_user": "alex"});
        let reply = wire.request(header.to_string());
        assert_eq!(reply["status"], status, "{filename:?}: {reply}");
        // No 200, so the client sends no data, and the session is still in step.
        wire.still_serves();
    }
    for header in [
        r#"{"action": "put", "filename": "a.txt", "file_size": -1}"#,
        r#"{"action": "put", "filename": "a.txt", "file_size": "3"}"#,
        r#"{"action": "put", "filename": 7, "file_size": 3}"#,
        r#"{"action": "put", "file_size": 3}"#,
    ] {
        let reply = wire.request(header);
        assert_eq!(reply["status"], 400, "{header}: {reply}");
        assert!(
            reply["message"]
                .as_str()
                .unwrap()
                .starts_with("bad put request"),
            "{reply}"
        );
        wire.still_serves();
    }
    assert_eq!(site.tree(), before);
}

#[test]
fn a_client_that_vanishes_mid_upload_leaves_nothing_behind_and_the_server_goes_on() {
    let site = Site::new();
    let mut server = site.start("lesson5");
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    let header = r#"{"action": "put", "filename": "data.bin", "file_size": 5, "ftp_user": "alex"}"#;
    assert_eq!(wire.request(header)["status"], 200);
    wire.send(b"first");
    wire.still_serves();

    let header =
        r#"{"action": "put", "filename": "data.bin", "file_size": 100000, "ftp_user": "alex"}"#;
    assert_eq!(wire.request(header)["status"], 200);
    wire.send(&sample_bytes(30000));
    drop(wire);
    let log = server_log_after(&mut server, "nothing kept");
    assert!(
        log.contains("the upload of data.bin failed: the data ended after 30000 of the 100000 bytes announced; nothing kept"),
        "{log}"
    );
    // The complete file from before is still there, and no temporary file is left.
    assert_eq!(
        fs::read(site.home("alex").join("data.bin")).unwrap(),
        b"first"
    );
    assert_eq!(site.tree(), ["alex", "alex/data.bin"]);

    let mut next = Wire::logged_in(server.addr(), "alex", "abc123");
    let header = r#"{"action": "put", "filename": "data.bin", "file_size": 6, "ftp_user": "alex"}"#;
    assert_eq!(next.request(header)["status"], 200);
    next.send(b"second");
    next.still_serves();
    assert_eq!(
        fs::read(site.home("alex").join("data.bin")).unwrap(),
        b"second"
    );
}

#[test]
fn get_refuses_what_it_cannot_send_and_sends_only_after_the_go_ahead() {
    let site = Site::new();
    fs::create_dir_all(site.home("alex").join("docs")).unwrap();
    fs::write(site.home("alex").join("docs/a.txt"), "abc").unwrap();
    fs::write(site.root.join("secret.txt"), "not alex's").unwrap();
    let server = site.start("lesson5");
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    for (filename, status) in [
        ("missing.txt", 404),
        ("docs", 400),
        ("../secret.txt", 403),
        ("/../secret.txt", 403),
    ] {
        let request = serde_json::json!({"action": "get", "filename": filename});
        let reply = wire.request(request.to_string());
        assert_eq!(reply["status"], status, "{filename}: {reply}");
        wire.still_serves();
    }
    let reply = wire.request(r#"{"action": "get", "filename": "docs/a.txt"}"#);
    assert_eq!(reply["file_size"], 3);
    assert_eq!(wire.accept_bytes(3), b"abc");
    // Declined: nothing follows, and the next reply is the next reply.
    assert_eq!(
        wire.request(r#"{"action": "get", "filename": "/docs/a.txt"}"#)["status"],
        200
    );
    wire.send(br#"{"status": 400, "message": "not now"}"#);
    wire.still_serves();
}

#[test]
fn get_leaves_a_local_file_of_the_same_name_alone_unless_told_to_replace_it() {
    let site = Site::new();
    fs::create_dir(site.home("alex")).unwrap();
    fs::write(site.home("alex").join("notes.txt"), "the server's").unwrap();
    let local = site.dir.path().join("local");
    fs::create_dir(&local).unwrap();
    fs::write(local.join("notes.txt"), "the only copy").unwrap();
    let server = site.start("lesson5");
    let script = "alex\nabc123\nget notes.txt\nget -f\nget -f notes.txt\nq\n";
    let output = run_client("lesson5", server.addr(), &[], script, &local);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    let refused = "\nnotes.txt already exists here and was left as it is; \
                   get -f notes.txt replaces it\n";
    assert!(stdout.contains(refused), "{stdout}");
    assert!(
        stdout.contains("\nusage: put FILE, get PATH (get -f PATH replaces"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\nreceived 12 bytes into notes.txt\n"),
        "{stdout}"
    );
    assert_eq!(fs::read(local.join("notes.txt")).unwrap(), b"the server's");
}

/// Sends SIGINT, what Ctrl-C sends, to process `pid`.
#[cfg(unix)]
fn interrupt(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits (bounded) until `dir` holds a temporary file for `name`, and returns its name.
#[cfg(unix)]
fn wait_for_temporary_file(dir: &std::path::Path, name: &str) -> String {
    let prefix = format!(".{name}.");
    for _ in 0..1000 {
        let found = fs::read_dir(dir).unwrap().find_map(|entry| {
            let file = entry.unwrap().file_name().into_string().unwrap();
            (file.starts_with(&prefix) && file.ends_with(".part")).then_some(file)
        });
        if let Some(file) = found {
            return file;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("no temporary file for {name} appeared in {}", dir.display());
}

// Signals are a Unix mechanism; on Windows Ctrl-C is a console event that these tests cannot send.
#[cfg(unix)]
#[test]
fn a_server_stopped_by_ctrl_c_mid_upload_leaves_no_temporary_file() {
    let site = Site::new();
    let mut server = site.start("lesson5");
    let mut wire = Wire::logged_in(server.addr(), "alex", "abc123");
    let header =
        r#"{"action": "put", "filename": "big.bin", "file_size": 1000000, "ftp_user": "alex"}"#;
    assert_eq!(wire.request(header)["status"], 200);
    wire.send(&sample_bytes(5000));
    wait_for_temporary_file(&site.home("alex"), "big.bin");
    interrupt(server.pid());
    for _ in 0..1000 {
        if !server.is_running() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!server.is_running(), "the server did not stop on SIGINT");
    assert_eq!(site.tree(), ["alex"]);
}

#[cfg(unix)]
#[test]
fn a_client_stopped_by_ctrl_c_mid_download_leaves_no_temporary_file() {
    use std::io::{Read, Write};
    use std::process::Stdio;

    // A server that logs alex in, announces a large file, sends part of it and waits.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0; 1024];
        for answer in [
            &b"200"[..],
            b"200",
            br#"{"status": 200, "file_size": 1000000}"#,
        ] {
            assert!(conn.read(&mut buf).unwrap() > 0);
            conn.write_all(answer).unwrap();
        }
        assert!(conn.read(&mut buf).unwrap() > 0, "no go-ahead");
        conn.write_all(&sample_bytes(5000)).unwrap();
        // Hold the connection until the client is gone.
        let _ = conn.read(&mut buf);
    });
    let local = tempfile::tempdir().unwrap();
    let mut client = std::process::Command::new(common::lesson_bin("lesson5"))
        .args(["client", "--addr", &addr.to_string()])
        .current_dir(local.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = client.stdin.take().unwrap();
    stdin.write_all(b"alex\nabc123\nget big.bin\n").unwrap();
    wait_for_temporary_file(local.path(), "big.bin");
    interrupt(client.id());
    let status = client.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status}");
    let left: Vec<_> = fs::read_dir(local.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    server.join().unwrap();
}

#[test]
fn the_article_client_uploads_to_the_lesson_server_byte_exact() {
    if !common::python_available() {
        return;
    }
    let site = Site::new();
    let local = site.dir.path().join("local");
    fs::create_dir(&local).unwrap();
    let mut server = site.start("lesson5");
    // Text, and binary data whose "lines" the article's loop sends one send at a time.
    let files = [
        (
            "poem.txt",
            "静夜思\n床前明月光\n疑是地上霜\n".repeat(100).into_bytes(),
        ),
        ("data.bin", sample_bytes((3 << 20) + 17)),
        (
            "笔记.txt",
            b"a name that json.dumps sends as \\u escapes".to_vec(),
        ),
    ];
    for (name, content) in &files {
        fs::write(local.join(name), content).unwrap();
        let script = format!("alex\nabc123\nput {name}\nq\n");
        let output = run_article_client(server.addr(), &script, &local);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.contains("{'status': 200}\n"), "{stdout}");
        server_log_after(&mut server, &format!("stored /{name}"));
        assert!(
            fs::read(site.home("alex").join(name)).unwrap() == *content,
            "{name}"
        );
    }
    // The article's client sends a path with slashes whole: refused, and nothing sent after it.
    let path = local.join("poem.txt");
    let output = run_article_client(
        server.addr(),
        &format!("alex\nabc123\nput {}\nq\n", path.display()),
        &local,
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("{'status': 400, 'message': '`/"),
        "{stdout}"
    );
    Wire::logged_in(server.addr(), "alex", "abc123").still_serves();
}

#[test]
fn the_lesson_client_uploads_to_the_article_server_byte_exact() {
    if !common::python_available() {
        return;
    }
    let site = Site::new();
    let local = site.dir.path().join("local");
    fs::create_dir(&local).unwrap();
    // The article's server writes into FTP_USER/ under its working directory, which must exist.
    let served = site.dir.path().join("served");
    fs::create_dir_all(served.join("alex")).unwrap();
    let mut server = start_article_server(&site.users, &served);
    // One put per session: the article's receive loop reads recv(1024) whatever is left of the
    // file, so a request sent right after a file could be read as part of it.
    for size in [0, 1, 1025, 200 << 10] {
        let name = format!("f{size}");
        fs::write(local.join(&name), sample_bytes(size)).unwrap();
        let script = format!("alex\nabc123\nput {name}\nq\n");
        let output = run_client("lesson5", server.addr(), &[], &script, &local);
        let stdout = String::from_utf8(output.stdout).unwrap();
        let sent = match size {
            1 => "sent 1 byte\n".to_string(),
            _ => format!("sent {size} bytes\n"),
        };
        assert!(stdout.contains(&sent), "{stdout}");
        server
            .wait_for_line(
                &format!("received {name} {size} bytes"),
                common::LINE_TIMEOUT,
            )
            .unwrap_or_else(|seen| panic!("{seen:?}"));
        assert!(
            fs::read(served.join("alex").join(&name)).unwrap() == sample_bytes(size),
            "{name}"
        );
    }
}

#[test]
fn the_benchmark_runs_and_prints_the_table_the_book_shows() {
    // The Python server is one of the contenders: without python3 the table has fewer rows.
    if !common::python_available() {
        return;
    }
    let output = lesson_cmd("lesson5")
        // Enough for each server's CPU time to span several of the kernel's 10 ms ticks.
        .args(["bench", "--mib", "16", "--rounds", "2"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("2 rounds taking turns"), "{stdout}");
    // The book shows a real, larger run in a release build; only the shape is compared.
    assert_bench_shape_matches_book("lesson5-bench.txt", &stdout);
}
