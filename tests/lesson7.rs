//! Lesson 7 end to end: the interactive client scripted from stdin, a Python client written from
//! the book's specification, `useradd`, and the defaults of a fresh clone.

mod common;
mod lesson7_support;

use std::fs;
use std::process::Command;

use common::{LINE_TIMEOUT, assert_matches_book, lesson, lesson_cmd, workspace_root};
use lesson7::client::Client;
use lesson7_support::{Fixture, data, md5_hex};
use predicates::prelude::*;

#[test]
fn the_client_runs_a_session_typed_or_piped_and_stays_quiet_without_a_terminal() {
    let fixture = Fixture::new();
    let mut server = fixture.start(&[]);
    let local = tempfile::tempdir().unwrap();
    fs::write(local.path().join("notes.txt"), data(7, 5000)).unwrap();
    let script = "alex\nwrong\nalex\nalex3714\nhelp\nmkdir docs\ncd docs\nput notes.txt\nls\n\
                  pwd\nget -f notes.txt\ncd ../..\nget /docs/none.txt\nput missing.txt\nquota\nrm notes.txt\nls\nq\n";
    let output = lesson_cmd("lesson7")
        .current_dir(local.path())
        .args(["client", "--addr", &server.addr().to_string()])
        .write_stdin(script)
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("wrong user name or password"));
    assert!(stdout.contains(&format!(
        "put /docs/notes.txt: 5000 bytes, md5 {} verified by the server",
        md5_hex(&data(7, 5000))
    )));
    assert!(stdout.contains("error 403 `../..` leads outside your home directory"));
    // A local mistake is reported, and the session goes on.
    assert!(stdout.contains("error cannot read missing.txt: No such file or directory"));
    assert!(stdout.contains("removed notes.txt"));
    // The download landed in the client's directory, whole.
    assert_eq!(
        fs::read(local.path().join("notes.txt")).unwrap(),
        data(7, 5000)
    );
    // No progress bar: stdout is a pipe here, not a terminal.
    assert!(
        !stdout.contains('\r') && !stdout.contains('\u{1b}'),
        "{stdout:?}"
    );
    assert!(!stdout.contains("left"), "{stdout}");
    assert_matches_book("lesson7-client.txt", &stdout);

    // The server logs every request before it answers it: `quit` is its last line for this
    // session.
    server
        .wait_for_line("alex: quit -> 200", LINE_TIMEOUT)
        .unwrap();
    let log = server.stdout_lines().join("\n") + "\n";
    assert!(log.contains("alex: put /docs/notes.txt: 5000 bytes"));
    assert!(log.contains("-: login \"alex\" version 1 -> 401 wrong user name or password"));
    assert!(log.contains("alex: get \"/docs/none.txt\" from 0 -> 404"));
    // Passwords never reach the log, right or wrong.
    assert!(
        !log.contains("alex3714") && !log.contains("wrong\""),
        "{log}"
    );
    assert_matches_book("lesson7-server.txt", &log);
}

#[test]
fn a_python_client_written_from_the_specification_works() {
    if !common::python_available() {
        return;
    }
    let fixture = Fixture::new();
    let server = fixture.start(&[]);
    let local = tempfile::tempdir().unwrap();
    let bytes = data(11, 300_000);
    fs::write(local.path().join("photo.jpg"), &bytes).unwrap();
    let peer = workspace_root().join("tests/peers/lesson7_client.py");
    let output = Command::new("python3")
        .current_dir(local.path())
        .arg(peer)
        .arg(server.addr().to_string())
        .args([
            "alex",
            "alex3714",
            "mkdir py",
            "cd py",
            "put photo.jpg",
            "ls",
        ])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(&format!("put /py/photo.jpg 300000 {}", md5_hex(&bytes))));
    assert_eq!(
        fs::read(fixture.home("alex").join("py/photo.jpg")).unwrap(),
        bytes
    );

    // And back down, into an empty directory.
    fs::remove_file(local.path().join("photo.jpg")).unwrap();
    let output = Command::new("python3")
        .current_dir(local.path())
        .arg(workspace_root().join("tests/peers/lesson7_client.py"))
        .arg(server.addr().to_string())
        .args(["alex", "alex3714", "ls /py", "get /py/photo.jpg"])
        .output()
        .unwrap();
    let more = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{more}");
    assert_eq!(fs::read(local.path().join("photo.jpg")).unwrap(), bytes);
    assert_matches_book("lesson7-python.txt", &(stdout + &more));
}

#[test]
fn useradd_reads_the_password_from_stdin_and_refuses_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    let users_arg = users.to_str().unwrap();
    let cheap = ["--memory-kib", "64", "--passes", "1"];
    lesson_cmd("lesson7")
        .args(["useradd", "carol", "--users", users_arg, "--quota", "2MiB"])
        .args(cheap)
        .write_stdin("correct horse\n")
        .assert()
        .success()
        .stdout(format!("added carol to {users_arg}, quota 2.0 MiB\n"));
    let text = fs::read_to_string(&users).unwrap();
    assert!(text.contains("$argon2id$v=19$m=64,t=1,p=1$") && text.contains("2097152"));
    assert!(!text.contains("correct horse"));

    // An existing user: a new password, a new quota, or both; the output says what changed.
    for (args, stdin, said) in [
        (
            vec!["--quota", "1GiB"],
            "",
            "updated carol in {FILE}: quota 2.0 MiB -> 1.0 GiB\n",
        ),
        (
            vec![],
            "new horse\n",
            "updated carol in {FILE}: new password\n",
        ),
        (
            vec!["--quota", "3MiB"],
            "correct horse\n",
            "updated carol in {FILE}: new password; quota 1.0 GiB -> 3.0 MiB\n",
        ),
    ] {
        lesson_cmd("lesson7")
            .args(["useradd", "carol", "--users", users_arg])
            .args(&args)
            .args(cheap)
            .write_stdin(stdin)
            .assert()
            .success()
            .stdout(said.replace("{FILE}", users_arg));
    }
    let text = fs::read_to_string(&users).unwrap();
    assert!(text.contains(&(3u64 << 20).to_string()), "{text}");

    for (args, stdin, error) in [
        (vec!["carol"], "\n", "`carol` is already in"),
        (vec!["dave"], "\n", "the password is empty"),
        (vec!["../dave"], "x\n", "not a valid name"),
        (vec!["dave", "--quota", "lots"], "x\n", "is not a size"),
    ] {
        lesson_cmd("lesson7")
            .arg("useradd")
            .args(&args)
            .args(["--users", users_arg])
            .args(cheap)
            .write_stdin(stdin)
            .assert()
            .failure()
            .stderr(predicate::str::contains(error))
            .stderr(predicate::str::contains("panicked").not());
    }

    // The new user can log in, with the password as typed (the newline is not part of it).
    let mut command = lesson("lesson7");
    command.args(["server", "--addr", "127.0.0.1:0", "--users", users_arg]);
    command.arg("--root").arg(dir.path().join("root"));
    let server = common::ServerProcess::start(command).unwrap();
    let mut client = Client::connect(server.addr()).unwrap();
    client.login("carol", "correct horse").unwrap();
}

#[test]
fn the_defaults_work_from_a_fresh_clone_in_any_directory() {
    // The sample users file and the default root, found from another working directory.
    let elsewhere = tempfile::tempdir().unwrap();
    let mut command = lesson("lesson7");
    command
        .current_dir(elsewhere.path())
        .args(["server", "--addr", "127.0.0.1:0"]);
    let mut server = common::ServerProcess::start(command).unwrap();
    for (user, password) in [("alex", "alex3714"), ("bob", "bob2016")] {
        let mut client = Client::connect(server.addr()).unwrap();
        client.login(user, password).unwrap();
        if user == "alex" {
            // Room for a file of a few hundred MB, where the progress bar and resume show.
            let reply = client.call(&lesson7::protocol::Request::Quota).unwrap();
            assert_eq!(reply.u64("quota"), Some(1 << 30), "{reply:?}");
        }
    }
    // The banner says who can log in, with which password.
    assert_eq!(
        server.stdout_lines()[0],
        "sample users: alex (password alex3714, quota 1 GiB), bob (password bob2016, quota 1 MiB)"
    );
    let root = workspace_root().join("lessons/lesson7-ftp/homes");
    assert!(root.join("alex").is_dir() && root.join("bob").is_dir());
    // git ignores what users upload there.
    let ignored = Command::new("git")
        .current_dir(workspace_root())
        .args([
            "check-ignore",
            "-q",
            "lessons/lesson7-ftp/homes/alex/upload.bin",
        ])
        .status();
    if let Ok(status) = ignored {
        assert!(status.success(), "the default root is not ignored by git");
    }
}

#[test]
fn a_client_that_fails_to_log_in_three_times_exits_with_the_reason() {
    let fixture = Fixture::new();
    let server = fixture.start(&[]);
    lesson_cmd("lesson7")
        .args(["client", "--addr", &server.addr().to_string()])
        .write_stdin("alex\na\nalex\nb\nnobody\nc\n")
        .assert()
        .failure()
        .stdout(predicate::str::contains("wrong user name or password").count(2))
        .stderr(predicate::str::contains(
            "error: login failed: 429 3 failed logins; closing the connection",
        ));
}

#[test]
fn on_a_terminal_the_client_draws_a_progress_bar() {
    // `script` (util-linux) runs the client on a pseudo-terminal, as a person would see it.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` command to provide a terminal");
        return;
    }
    let fixture = Fixture::new();
    let server = fixture.start(&[]);
    let local = tempfile::tempdir().unwrap();
    fs::write(local.path().join("big.bin"), data(5, 20 << 20)).unwrap();
    let client = format!(
        "{} client --addr {}",
        common::lesson_bin("lesson7").display(),
        server.addr()
    );
    let output = assert_cmd::Command::new("script")
        .current_dir(local.path())
        .args(["-qfec", &client, "/dev/null"])
        .write_stdin("alex\nalex3714\nput big.bin\nq\n")
        .timeout(LINE_TIMEOUT)
        .assert()
        .success()
        .get_output()
        .clone();
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(
        screen.contains("/20.00 MiB") && screen.contains(" left"),
        "{screen}"
    );
    assert!(screen.contains("put /big.bin: 20971520 bytes"), "{screen}");
}

#[test]
fn commands_without_their_argument_print_a_usage_line_and_get_never_overwrites_unasked() {
    let fixture = Fixture::new();
    fs::create_dir_all(fixture.home("alex")).unwrap();
    fs::write(fixture.home("alex").join("notes.txt"), "the server's").unwrap();
    let server = fixture.start(&[]);
    let local = tempfile::tempdir().unwrap();
    fs::write(local.path().join("notes.txt"), "the only copy").unwrap();
    let script = "alex\nalex3714\nmkdir\nrm\nput\nget\nget -f\nget notes.txt\nls\nq\n";
    let output = lesson_cmd("lesson7")
        .current_dir(local.path())
        .args(["client", "--addr", &server.addr().to_string()])
        .write_stdin(script)
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(output.stdout).unwrap();
    for expected in [
        ">>>:mkdir\nusage: mkdir PATH\n",
        ">>>:rm\nusage: rm PATH\n",
        ">>>:put\nusage: put FILE\n",
        ">>>:get\nusage: get PATH, or get -f PATH to replace a local file of that name\n",
        ">>>:get -f\nusage: get PATH",
        ">>>:get notes.txt\nerror notes.txt already exists here and was left as it is; \
         get -f notes.txt replaces it\n",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in:\n{stdout}");
    }
    assert!(!stdout.contains("already exists: /"), "{stdout}");
    assert_eq!(
        fs::read(local.path().join("notes.txt")).unwrap(),
        b"the only copy"
    );
    // Nothing was made on the server, and the session went on to the end.
    assert!(stdout.contains("-           12  notes.txt\n"), "{stdout}");
    assert_eq!(fs::read_dir(fixture.home("alex")).unwrap().count(), 1);
}
