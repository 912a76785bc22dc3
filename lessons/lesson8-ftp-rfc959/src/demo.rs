//! The demo: a real server on a free port, and the lesson's small client printing every line
//! of the control connection, both ways. The server logs nothing; each step waits for its
//! reply, so the transcript is the same on every run, but for the ports.

use std::fs::{self, File};
use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

use lesson7::accounts::{self, Accounts, Cost};
use lesson8::client::Client;
use lesson8::server::{self, Config};
use socket_lab::demo::{self, note, say};

const PASSWORD: &str = "alex3714";

/// The files the demo's home starts with, dated as the article (July 2016), so that the
/// listing is the same on every run.
const ARTICLE_DATE: u64 = 1_467_936_000;

// ANCHOR: demo
pub fn run() -> anyhow::Result<()> {
    demo::title("Lesson 8: real FTP (RFC 959) on lesson 7's server");
    let dir = tempfile::tempdir()?;
    let (users, root) = (dir.path().join("users.json"), dir.path().join("homes"));
    accounts::add_user(&users, "alex", PASSWORD, 1 << 20, Cost::default())?;
    seed(&root.join("alex"))?;
    let addr = start_server(&users, &root)?;

    demo::step("The client connects: the server speaks first, with a code");
    let mut client = Client::connect(addr)?;
    note("every reply starts with three digits: 2xx done, 3xx go on, 4xx try later, 5xx no");

    demo::step("Login: USER, then PASS, in plain text on the wire");
    client.command("USER alex")?;
    client.command(&format!("PASS {PASSWORD}"))?;
    note("FTP has no secrets: anyone on the path reads the password (FTPS, RFC 4217, adds TLS)");
    client.command("SYST")?;
    client.command("FEAT")?;

    demo::step("A listing: EPSV opens a second connection, LIST sends on it");
    client.command("PWD")?;
    let listing = client.fetch("LIST")?;
    for line in String::from_utf8_lossy(&listing).lines() {
        say("data", line);
    }
    note("the listing came on the data connection; the server closed it to say it was all");

    demo::step("An upload: STOR, the bytes, the client closes the data connection");
    let text = b"Hello from the lesson 8 client\n";
    client.upload("STOR hello.txt", text)?;
    client.command("SIZE hello.txt")?;

    demo::step("A download: RETR, the bytes until the server closes");
    let back = client.fetch("RETR hello.txt")?;
    say(
        "data",
        format!("{} bytes, the same as sent: {}", back.len(), back == text),
    );

    demo::step("A resume: the first half, then APPE the rest; REST before RETR");
    let whole: Vec<u8> = (0..100u8).cycle().take(10_000).collect();
    client.upload("STOR numbers.bin", &whole[..4_000])?;
    let size = client.command("SIZE numbers.bin")?;
    let have: usize = size.lines[0].parse()?;
    note(format!(
        "the server has {have} bytes; send the other {}",
        whole.len() - have
    ));
    client.upload("APPE numbers.bin", &whole[have..])?;
    client.command("REST 9990")?;
    let tail = client.fetch("RETR numbers.bin")?;
    say("data", format!("{} bytes: {:?}", tail.len(), tail));
    client.command("QUIT")?;
    Ok(())
}
// ANCHOR_END: demo

/// A home with one file and one folder, dated as the article.
fn seed(home: &std::path::Path) -> anyhow::Result<()> {
    fs::create_dir_all(home.join("docs"))?;
    fs::write(home.join("readme.txt"), "article section 三\n")?;
    let date = UNIX_EPOCH + Duration::from_secs(ARTICLE_DATE);
    for path in [home.join("readme.txt"), home.join("docs")] {
        File::open(&path)?.set_modified(date)?;
    }
    Ok(())
}

/// lesson 8's server on a free port, silent, in this process.
fn start_server(users: &std::path::Path, root: &std::path::Path) -> anyhow::Result<SocketAddr> {
    let accounts = Accounts::load(users)?;
    let listener = lesson7::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    let mut lesson7 = lesson7::server::Config::new(root.to_path_buf());
    lesson7.log = false;
    let config = Config {
        lesson7,
        passive_ports: lesson8::passive::parse_range(lesson8::DEFAULT_PASSIVE_PORTS)
            .map_err(anyhow::Error::msg)?,
    };
    thread::spawn(move || server::serve(&listener, accounts, config));
    Ok(addr)
}
