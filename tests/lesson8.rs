//! Lesson 8 with real FTP clients (Python's ftplib, curl, lftp), byte-compared, and with hostile
//! ones, each followed by a normal client that must still be served.
//!
//! A client that is not installed skips its test with a note, unless
//! SOCKET_LAB_REQUIRE_FTP_CLIENTS=1 (CI sets it), where a missing client is a failure.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{LINE_TIMEOUT, ServerProcess, start_server};
use lesson8::client::Client;
use socket2::{Domain, Socket, Type};

/// lesson 7's sample users file: alex, password alex3714.
const USER: &str = "alex";
const PASSWORD: &str = "alex3714";

/// A server on a free port, with a fresh root holding a secret beside alex's home.
struct Site {
    dir: tempfile::TempDir,
    server: ServerProcess,
}

impl Site {
    fn start(extra: &[&str]) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::create_dir_all(root.join(USER)).unwrap();
        fs::write(root.join("secret.txt"), b"not alex's").unwrap();
        let mut args = vec![
            "--root",
            root.to_str().unwrap(),
            "--login-delay",
            "0",
            "--passive-ports",
            "62000-62999",
        ];
        args.extend_from_slice(extra);
        let server = start_server("lesson8", &args);
        Site { dir, server }
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("root").join(USER)
    }

    fn url(&self, path: &str) -> String {
        format!("ftp://{USER}:{PASSWORD}@{}/{path}", self.addr())
    }

    fn local(&self, name: &str) -> PathBuf {
        let local = self.dir.path().join("local");
        fs::create_dir_all(&local).unwrap();
        local.join(name)
    }

    /// The lesson's client, logged in.
    fn login(&self) -> Client {
        let mut client = Client::connect(self.addr()).unwrap();
        assert_eq!(client.command(&format!("USER {USER}")).unwrap().code, 331);
        assert_eq!(
            client.command(&format!("PASS {PASSWORD}")).unwrap().code,
            230
        );
        client
    }

    /// A normal client still gets served: log in, upload, list, download.
    fn still_serves(&self, step: &str) {
        let mut client = self.login();
        let reply = client.upload("STOR alive.txt", b"still here").unwrap();
        assert_eq!(reply.code, 226, "{step}: {reply:?}");
        let back = client.fetch("RETR alive.txt").unwrap();
        assert_eq!(back, b"still here", "{step}");
        client.command("QUIT").unwrap();
    }

    /// Nothing beside the home changed: the secret is as it was and nothing new appeared.
    fn root_untouched(&self, step: &str) {
        let root = self.dir.path().join("root");
        let mut names: Vec<_> = fs::read_dir(&root)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["alex", "secret.txt"], "{step}");
        assert_eq!(fs::read(root.join("secret.txt")).unwrap(), b"not alex's");
    }
}

/// Whether `program` is installed; without it a test is skipped with a note, unless CI asks for
/// every client.
fn installed(program: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        assert!(
            std::env::var_os("SOCKET_LAB_REQUIRE_FTP_CLIENTS").is_none(),
            "SOCKET_LAB_REQUIRE_FTP_CLIENTS is set and {program} is not installed"
        );
        eprintln!("{program} is not installed: its lesson 8 test is skipped");
    }
    found
}

/// Runs a client program to its end, bounded in time, and fails with its output if it failed.
fn run(step: &str, command: &mut Command) -> String {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + LINE_TIMEOUT * 3;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{step}: the client did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{step}: {status}\n{stdout}\n{stderr}");
    stdout
}

fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

const FTPLIB_SESSION: &str = r#"
import ftplib, io, sys
host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
data = bytes(range(256)) * 1000
ftp = ftplib.FTP()
ftp.connect(host, port, timeout=20)
ftp.login(user, password)
ftp.storbinary("STOR 你好.bin", io.BytesIO(data))
print("nlst", sorted(ftp.nlst()))
facts = dict(ftp.mlsd())
print("mlsd", facts["你好.bin"]["type"], facts["你好.bin"]["size"])
out = io.BytesIO()
ftp.retrbinary("RETR 你好.bin", out.write, rest=1000)
assert out.getvalue() == data[1000:], "retrbinary with rest"
ftp.rename("你好.bin", "renamed.bin")
ftp.mkd("made")
ftp.storbinary("STOR made/inner.bin", io.BytesIO(data[:10]))
ftp.delete("made/inner.bin")
ftp.rmd("made")
print("after", sorted(ftp.nlst()))
ftp.quit()
"#;

#[test]
fn ftplib_logs_in_lists_stores_resumes_renames_and_deletes() {
    if !common::python_available() {
        return;
    }
    let site = Site::start(&[]);
    let addr = site.addr();
    let output = run(
        "step 1. the ftplib session",
        Command::new("python3").args([
            "-c",
            FTPLIB_SESSION,
            &addr.ip().to_string(),
            &addr.port().to_string(),
            USER,
            PASSWORD,
        ]),
    );
    assert!(
        output.contains("nlst ['你好.bin']"),
        "step 2. nlst: {output}"
    );
    assert!(
        output.contains("mlsd file 256000"),
        "step 3. mlsd: {output}"
    );
    assert!(output.contains("after ['renamed.bin']"), "step 4. {output}");
    let expected: Vec<u8> = (0..=255u8).cycle().take(256_000).collect();
    assert_eq!(
        fs::read(site.home().join("renamed.bin")).unwrap(),
        expected,
        "step 5. the stored file is byte for byte what ftplib sent"
    );
}

#[test]
fn curl_lists_uploads_downloads_resumes_both_ways_and_creates_dirs() {
    if !installed("curl") {
        return;
    }
    let mut site = Site::start(&[]);
    let data = random_bytes(700_000, 1);
    let local = site.local("data.bin");
    fs::write(&local, &data).unwrap();
    let curl = |step: &str, args: &[&str]| {
        run(
            step,
            Command::new("curl")
                .args(["-sS", "--max-time", "60"])
                .args(args),
        )
    };

    curl(
        "step 1. upload",
        &["-T", local.to_str().unwrap(), &site.url("")],
    );
    assert_eq!(
        fs::read(site.home().join("data.bin")).unwrap(),
        data,
        "step 1"
    );
    let listing = curl("step 2. list", &[&site.url("")]);
    assert!(
        listing.contains(" 700000 ") && listing.trim_end().ends_with("data.bin"),
        "step 2. {listing}"
    );
    let back = site.local("back.bin");
    curl(
        "step 3. download",
        &["-o", back.to_str().unwrap(), &site.url("data.bin")],
    );
    assert_eq!(fs::read(&back).unwrap(), data, "step 3");

    // Resume a download: the local file has the first 123456 bytes.
    let partial = site.local("partial.bin");
    fs::write(&partial, &data[..123_456]).unwrap();
    curl(
        "step 4. download resumed",
        &[
            "-C",
            "-",
            "-o",
            partial.to_str().unwrap(),
            &site.url("data.bin"),
        ],
    );
    assert_eq!(fs::read(&partial).unwrap(), data, "step 4");

    // Resume an upload: the server has the first 200000 bytes.
    let half = site.local("half.bin");
    fs::write(&half, &data[..200_000]).unwrap();
    curl(
        "step 5. a first half",
        &["-T", half.to_str().unwrap(), &site.url("resumed.bin")],
    );
    curl(
        "step 6. upload resumed",
        &[
            "-C",
            "-",
            "-T",
            local.to_str().unwrap(),
            &site.url("resumed.bin"),
        ],
    );
    assert_eq!(
        fs::read(site.home().join("resumed.bin")).unwrap(),
        data,
        "step 6"
    );

    curl(
        "step 7. --ftp-create-dirs",
        &[
            "--ftp-create-dirs",
            "-T",
            local.to_str().unwrap(),
            &site.url("a/b/c.bin"),
        ],
    );
    assert_eq!(
        fs::read(site.home().join("a/b/c.bin")).unwrap(),
        data,
        "step 7"
    );
    let last = site
        .server
        .wait_for_line("STOR \"c.bin\" -> 226", LINE_TIMEOUT);
    assert!(last.is_ok(), "step 8. {last:?}");
    assert!(
        !site
            .server
            .stdout_lines()
            .iter()
            .any(|line| line.contains("PASS") && line.contains(PASSWORD)),
        "step 9. the log shows a password"
    );
}

#[test]
fn lftp_mirrors_a_tree_both_ways_and_resumes_with_get_c() {
    if !installed("lftp") {
        return;
    }
    let site = Site::start(&[]);
    let tree = site.local("tree");
    fs::create_dir_all(tree.join("sub/deeper")).unwrap();
    fs::write(tree.join("a.txt"), b"one\n").unwrap();
    fs::write(tree.join("sub/b.bin"), random_bytes(90_000, 2)).unwrap();
    fs::write(tree.join("sub/deeper/c.bin"), random_bytes(5_000, 3)).unwrap();
    let big = random_bytes(400_000, 4);
    fs::write(site.home().join("big.bin"), &big).unwrap();
    let got = site.local("got.bin");
    fs::write(&got, &big[..150_000]).unwrap();
    let down = site.local("down");
    let script = format!(
        "set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 20; \
         open -u {USER},{PASSWORD} -p {} 127.0.0.1; \
         mirror -R {} up; mirror up {}; get -c big.bin -o {}",
        site.addr().port(),
        tree.display(),
        down.display(),
        got.display()
    );
    run("step 1. lftp", Command::new("lftp").args(["-c", &script]));
    for name in ["a.txt", "sub/b.bin", "sub/deeper/c.bin"] {
        let original = fs::read(tree.join(name)).unwrap();
        assert_eq!(
            fs::read(site.home().join("up").join(name)).unwrap(),
            original,
            "step 2. mirror -R {name}"
        );
        assert_eq!(
            fs::read(down.join(name)).unwrap(),
            original,
            "step 3. mirror {name}"
        );
    }
    assert_eq!(fs::read(&got).unwrap(), big, "step 4. get -c");
}

#[test]
fn commands_before_login_are_refused_and_the_password_is_never_logged() {
    let mut site = Site::start(&[]);
    let mut client = Client::connect(site.addr()).unwrap();
    for command in [
        "PWD", "CWD /", "LIST", "RETR x", "STOR x", "DELE x", "MKD x", "PASV",
    ] {
        let reply = client.command(command).unwrap();
        assert_eq!(reply.code, 530, "step 1. {command} before login: {reply:?}");
    }
    assert_eq!(
        client.command("PASS alex3714").unwrap().code,
        503,
        "step 2. PASS first"
    );
    assert_eq!(client.command("XYZW").unwrap().code, 502, "step 3. unknown");
    assert_eq!(
        client.command("PORT 127,0,0,1,4,1").unwrap().code,
        502,
        "step 4. PORT"
    );
    client.command("USER alex").unwrap();
    assert_eq!(
        client.command("PASS wrong").unwrap().code,
        530,
        "step 5. wrong password"
    );
    client.command("USER alex").unwrap();
    assert_eq!(client.command("PASS alex3714").unwrap().code, 230, "step 6");
    site.still_serves("step 7");
    let last = site
        .server
        .wait_for_line("RETR \"alive.txt\" -> 226", LINE_TIMEOUT);
    assert!(last.is_ok(), "step 8. {last:?}");
    let log = site.server.stdout_lines().join("\n");
    assert!(
        log.contains("PASS ****") && !log.contains("alex3714\""),
        "step 9. {log}"
    );
    assert!(!log.contains("PASS \"wrong\""), "step 10. {log}");
}

/// A data connection from another address than the client's (127.0.0.2: all of 127.0.0.0/8 is
/// loopback on Linux) is turned away; the client's own still gets the file.
#[test]
fn a_data_connection_from_another_address_gets_nothing() {
    let mut site = Site::start(&[]);
    fs::write(site.home().join("file.txt"), b"for alex only").unwrap();
    let mut client = site.login();
    let reply = client.command("EPSV").unwrap();
    let port: u16 = reply.lines[0].split('|').nth(3).unwrap().parse().unwrap();
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let stranger = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    stranger
        .bind(&SocketAddr::from(([127, 0, 0, 2], 0)).into())
        .unwrap();
    stranger.connect(&to.into()).unwrap();
    let mut stranger: TcpStream = stranger.into();
    stranger.set_read_timeout(Some(LINE_TIMEOUT)).unwrap();
    let mut own = TcpStream::connect(to).unwrap();
    assert_eq!(client.command("RETR file.txt").unwrap().code, 150, "step 1");
    let mut got = Vec::new();
    own.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"for alex only", "step 2. the client's own connection");
    assert_eq!(client.read_reply().unwrap().code, 226, "step 3");
    let mut stolen = Vec::new();
    let _ = stranger.read_to_end(&mut stolen);
    assert!(stolen.is_empty(), "step 4. the stranger read {stolen:?}");
    let refused = site
        .server
        .wait_for_line("refused a data connection from 127.0.0.2", LINE_TIMEOUT);
    assert!(refused.is_ok(), "step 5. {refused:?}");
    site.still_serves("step 6");
}

#[test]
fn a_passive_port_nobody_connects_to_ends_in_425_and_the_session_goes_on() {
    let site = Site::start(&["--stall-timeout", "1"]);
    fs::write(site.home().join("file.txt"), b"x").unwrap();
    let mut client = site.login();
    client.command("PASV").unwrap();
    assert_eq!(client.command("RETR file.txt").unwrap().code, 150, "step 1");
    assert_eq!(
        client.read_reply().unwrap().code,
        425,
        "step 2. nobody came"
    );
    assert_eq!(
        client.command("NOOP").unwrap().code,
        200,
        "step 3. the session goes on"
    );
    assert_eq!(
        client.command("LIST").unwrap().code,
        425,
        "step 4. no PASV, no data"
    );
    site.still_serves("step 5");
}

#[test]
fn a_stor_cut_midway_leaves_no_file_under_its_name_and_can_be_resumed() {
    let site = Site::start(&[]);
    let data = random_bytes(300_000, 5);
    // Cut by a reset (a network failure): SO_LINGER 0 makes close send RST.
    let mut client = site.login();
    let reply = client.command("EPSV").unwrap();
    let port: u16 = reply.lines[0].split('|').nth(3).unwrap().parse().unwrap();
    let data_conn = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    data_conn
        .connect(&SocketAddr::from(([127, 0, 0, 1], port)).into())
        .unwrap();
    assert_eq!(client.command("STOR cut.bin").unwrap().code, 150, "step 1");
    let mut stream: TcpStream = data_conn.try_clone().unwrap().into();
    stream.write_all(&data[..100_000]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    data_conn.set_linger(Some(Duration::ZERO)).unwrap();
    drop(stream);
    drop(data_conn);
    let reply = client.read_reply().unwrap();
    assert_eq!(reply.code, 426, "step 2. {reply:?}");
    assert!(
        !site.home().join("cut.bin").exists(),
        "step 3. a half file under its name"
    );
    let kept = fs::metadata(site.home().join("cut.bin.part"))
        .unwrap()
        .len();
    assert!(kept <= 100_000, "step 4. kept {kept}");
    // SIZE says where to resume; APPE finishes it.
    let size = client.command("SIZE cut.bin").unwrap();
    assert_eq!(size.lines[0], kept.to_string(), "step 5");
    let reply = client
        .upload("APPE cut.bin", &data[kept as usize..])
        .unwrap();
    assert_eq!(reply.code, 226, "step 6. {reply:?}");
    assert_eq!(
        fs::read(site.home().join("cut.bin")).unwrap(),
        data,
        "step 7"
    );
    assert!(!site.home().join("cut.bin.part").exists(), "step 8");

    // Cut by a client that dies: both its connections close at once.
    let mut dying = site.login();
    let reply = dying.command("EPSV").unwrap();
    let port: u16 = reply.lines[0].split('|').nth(3).unwrap().parse().unwrap();
    let mut data_conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert_eq!(dying.command("STOR died.bin").unwrap().code, 150, "step 9");
    data_conn.write_all(&data[..50_000]).unwrap();
    dying.stream().shutdown(std::net::Shutdown::Both).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    drop(data_conn);
    drop(dying);
    site.still_serves("step 10");
    assert!(
        !site.home().join("died.bin").exists(),
        "step 11. a half file under its name"
    );
}

#[test]
fn no_path_in_any_command_leads_out_of_the_home() {
    let site = Site::start(&[]);
    fs::write(site.home().join("mine.txt"), b"mine").unwrap();
    let mut client = site.login();
    let escapes = [
        "../secret.txt",
        "/../secret.txt",
        "..//../secret.txt",
        "a/../../secret.txt",
    ];
    for path in escapes {
        for verb in ["CWD", "SIZE", "MDTM", "MLST", "DELE", "MKD", "RMD", "RNFR"] {
            let reply = client.command(&format!("{verb} {path}")).unwrap();
            assert!(reply.code >= 500, "step 1. {verb} {path}: {reply:?}");
        }
        for verb in ["RETR", "STOR", "APPE", "LIST", "NLST", "MLSD"] {
            client.command("EPSV").unwrap();
            let reply = client.command(&format!("{verb} {path}")).unwrap();
            assert!(reply.code >= 500, "step 2. {verb} {path}: {reply:?}");
        }
        client.command("RNFR mine.txt").unwrap();
        let reply = client.command(&format!("RNTO {path}")).unwrap();
        assert!(reply.code >= 500, "step 3. RNTO {path}: {reply:?}");
    }
    assert_eq!(
        client.command("CDUP").unwrap().code,
        550,
        "step 4. CDUP at the home"
    );
    assert_eq!(
        client.command("RMD /").unwrap().code,
        550,
        "step 5. the home itself"
    );
    site.root_untouched("step 6");
    assert_eq!(
        fs::read(site.home().join("mine.txt")).unwrap(),
        b"mine",
        "step 7"
    );
    site.still_serves("step 8");
}

#[test]
fn a_command_line_of_100_kb_is_refused_and_the_connection_closed() {
    let site = Site::start(&[]);
    let mut client = site.login();
    let mut line = b"STOR ".to_vec();
    line.extend(std::iter::repeat_n(b'a', 100 * 1024));
    line.extend_from_slice(b"\r\n");
    let reply = client.send_raw(&line).unwrap();
    assert_eq!(reply.code, 500, "step 1. {reply:?}");
    assert!(
        client.command("NOOP").is_err(),
        "step 2. the connection is closed"
    );
    site.still_serves("step 3");
}

#[test]
fn crlf_and_nul_tricks_are_refused_and_forge_nothing() {
    let site = Site::start(&[]);
    fs::write(site.home().join("keep.txt"), b"keep").unwrap();
    let mut client = site.login();
    let reply = client
        .send_raw(b"SIZE keep.txt\rDELE keep.txt\r\n")
        .unwrap();
    assert_eq!(reply.code, 501, "step 1. a CR inside a line: {reply:?}");
    let reply = client.send_raw(b"DELE keep.txt\0.jpg\r\n").unwrap();
    assert_eq!(reply.code, 501, "step 2. a NUL: {reply:?}");
    assert!(
        site.home().join("keep.txt").exists(),
        "step 3. nothing was deleted"
    );
    // A control character in a name is refused, and echoed escaped: one reply line, not two.
    let reply = client.send_raw(b"MKD a\x1bb\r\n").unwrap();
    assert_eq!(reply.code, 553, "step 4. {reply:?}");
    assert_eq!(
        client.command("NOOP").unwrap().code,
        200,
        "step 5. still in step"
    );
    // Bare LF ends a line as CRLF does; two commands in one write are two commands.
    let reply = client.send_raw(b"NOOP\nNOOP\r\n").unwrap();
    assert_eq!(reply.code, 200, "step 6");
    assert_eq!(
        client.read_reply().unwrap().code,
        200,
        "step 7. the second NOOP"
    );
    let reply = client.send_raw(b"\xff\xf4\xff\xf2ABOR\r\n").unwrap();
    assert_eq!(
        reply.code, 500,
        "step 8. not UTF-8 (telnet IP and DM bytes): {reply:?}"
    );
    site.still_serves("step 9");
}

#[test]
fn unfinished_uploads_are_neither_listed_nor_served() {
    let site = Site::start(&[]);
    fs::write(site.home().join("x.bin.part"), b"half").unwrap();
    let mut client = site.login();
    let names = client.fetch("NLST").unwrap();
    assert!(
        names.is_empty(),
        "step 1. {:?}",
        String::from_utf8_lossy(&names)
    );
    client.command("EPSV").unwrap();
    assert_eq!(
        client.command("RETR x.bin.part").unwrap().code,
        550,
        "step 2"
    );
    client.command("EPSV").unwrap();
    assert_eq!(client.command("STOR y.part").unwrap().code, 553, "step 3");
    assert_eq!(
        client.command("SIZE x.bin").unwrap().lines[0],
        "4",
        "step 4"
    );
}
