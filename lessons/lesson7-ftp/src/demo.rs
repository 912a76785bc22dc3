//! The demo: a whole session against a real server on a free port, narrated from the client's
//! side.
//!
//! The server runs on its own threads, as it always does, but prints nothing: every line comes
//! from the client, which waits for each reply before the next step, so the transcript is the
//! same on every run. Only the login timings and the ports change.

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use lesson7::accounts::{self, Accounts, Cost};
use lesson7::client::{Client, ClientError};
use lesson7::protocol::{self, Reply, Request, status};
use lesson7::server::{self, Config};
use socket_lab::demo::{self, bytes, note, say};

const PASSWORD: &str = "alex3714";

// ANCHOR: demo
pub fn run() -> anyhow::Result<()> {
    demo::title("Lesson 7: the complete FTP server (article section 三, completed)");
    let dir = tempfile::tempdir()?;
    let (users, root, local) = (
        dir.path().join("users.json"),
        dir.path().join("homes"),
        dir.path().join("local"),
    );
    fs::create_dir_all(&local)?;

    demo::step("The server starts with a users file of argon2 hashes");
    accounts::add_user(&users, "alex", PASSWORD, 64 * 1024, Cost::default())?;
    let file: serde_json::Value = serde_json::from_str(&fs::read_to_string(&users)?)?;
    let hash = file["alex"]["passwd"].as_str().unwrap_or_default();
    let params = hash.split('$').take(4).collect::<Vec<_>>().join("$");
    say("server", format!("alex's passwd: {params}$SALT$HASH"));
    note("a random salt per user, 19 MiB of memory and 2 passes per guess (the article: bare md5)");
    let addr = start_server(&users, &root)?;
    say(
        "server",
        format!("listening on {addr}, homes under a fresh root, at most 8 clients"),
    );

    demo::step("The client connects; every message is a frame: 4 bytes of length, then JSON");
    let mut client = Client::connect(addr)?;
    say("client", "read the greeting: 200, protocol version 1");
    let mut frame = Vec::new();
    protocol::write_frame(&mut frame, &Request::Pwd)?;
    say(
        "client",
        format!("a request on the wire: {}", bytes(&frame)),
    );
    note("the length says where the frame ends, so two frames can never stick together");

    demo::step("Two failed logins: a wrong password, then a user who does not exist");
    for (user, password) in [("alex", "alex1234"), ("nobody", PASSWORD)] {
        let started = Instant::now();
        let refused = client.login(user, password).unwrap_err();
        say("client", format!("login {user}/{password} -> {refused}"));
        say(
            "client",
            format!("  the reply took {:.1?}", started.elapsed()),
        );
    }
    note("the same reply after the same delay: nothing tells which names exist.");
    note("A third failure would close the connection.");

    demo::step("alex logs in with the right password");
    client.login("alex", PASSWORD)?;
    say(
        "client",
        format!("login alex/{PASSWORD} -> 200, current directory /"),
    );

    demo::step("ls, mkdir, cd, pwd");
    show_listing(&mut client)?;
    let made = client.call(&Request::Mkdir {
        path: "docs".into(),
    })?;
    say(
        "client",
        format!("mkdir docs -> created {}", made.str("path").unwrap_or("")),
    );
    client.call(&Request::Cd {
        path: "docs".into(),
    })?;
    let pwd = client.call(&Request::Pwd)?;
    say(
        "client",
        format!("cd docs; pwd -> {}", pwd.str("path").unwrap_or("")),
    );

    demo::step("put: the data, then its md5 in a trailer; the server checks it");
    let notes = local.join("notes.txt");
    fs::write(&notes, sample(20 * 1024))?;
    let put = client.put(&notes, &mut |_, _| {})?;
    say(
        "client",
        format!("put notes.txt -> stored {} ({} bytes)", put.path, put.size),
    );
    say("client", format!("  md5 {} matched on the server", put.md5));
    note("the file was written as notes.txt.part and renamed only after the md5 matched");

    demo::step("get: the same file back, checked by the client");
    let downloads = local.join("downloads");
    fs::create_dir_all(&downloads)?;
    let got = client.get("notes.txt", &downloads, &mut |_, _| {})?;
    say(
        "client",
        format!(
            "get notes.txt -> {} bytes, md5 {} matched",
            got.size, got.md5
        ),
    );
    let same = fs::read(&notes)? == fs::read(downloads.join("notes.txt"))?;
    say(
        "client",
        format!("  the copy is byte for byte the original: {same}"),
    );

    demo::step("Paths that lead out of the home are refused");
    for request in [
        Request::Cd {
            path: "../..".into(),
        },
        Request::Get {
            path: "/../../etc/passwd".into(),
            offset: 0,
        },
        Request::Put {
            name: "../escape.txt".into(),
            size: 1,
        },
    ] {
        let refused = client.call(&request).unwrap_err();
        say("client", format!("{} -> {refused}", describe(&request)));
    }

    demo::step("The quota: alex may store 64 KiB");
    say("client", format!("quota -> {}", quota(&mut client)?));
    let big = local.join("big.bin");
    fs::write(&big, sample(100 * 1024))?;
    let refused = client.put(&big, &mut |_, _| {}).unwrap_err();
    say("client", format!("put big.bin (100 KiB) -> {refused}"));
    note("refused before a single byte of data moved");

    demo::step("A put cut off half way, then resumed");
    let photo = local.join("photo.jpg");
    let photo_bytes = sample(40 * 1024);
    fs::write(&photo, &photo_bytes)?;
    cut_put(addr, "photo.jpg", &photo_bytes[..16 * 1024])?;
    say(
        "client",
        "a second session sent 16384 of 40960 bytes of photo.jpg and vanished",
    );
    wait_for_partial(&mut client, "photo.jpg.part", 16 * 1024)?;
    say(
        "server",
        "kept them as photo.jpg.part, counted against the quota",
    );
    let resumed = put_when_free(&mut client, &photo)?;
    say(
        "client",
        format!(
            "put photo.jpg -> the server already had {} bytes; sent the rest",
            resumed.resumed_from
        ),
    );
    say(
        "client",
        format!("  md5 {} of the whole file matched", resumed.md5),
    );
    show_listing(&mut client)?;
    say("client", format!("quota -> {}", quota(&mut client)?));

    demo::step("quit");
    client.call(&Request::Quit)?;
    say("client", "quit -> 200, the server closed the session");
    Ok(())
}
// ANCHOR_END: demo

/// Starts a server on a free port, on its own threads, printing nothing.
fn start_server(users: &Path, root: &Path) -> anyhow::Result<SocketAddr> {
    let accounts = Accounts::load(users)?;
    let mut config = Config::new(root.to_path_buf());
    config.max_clients = 8;
    config.login_delay = Duration::from_millis(500);
    config.log = false;
    let listener = lesson7::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    thread::spawn(move || server::serve(&listener, accounts, config));
    Ok(addr)
}

/// Logs in on a new connection, starts a put of `name` and sends only `part` of it.
fn cut_put(addr: SocketAddr, name: &str, part: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut client = Client::connect(addr)?;
    client.login("alex", PASSWORD)?;
    client.call(&Request::Cd {
        path: "docs".into(),
    })?;
    client.call(&Request::Put {
        name: name.into(),
        size: 40 * 1024,
    })?;
    client.stream().write_all(part)?;
    Ok(()) // dropping the client closes the connection in the middle of the data
}

/// Waits (bounded) until the server has written what the cut session sent.
fn wait_for_partial(client: &mut Client, name: &str, size: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let listing = client.call(&Request::Ls {
            path: None,
            after: None,
        })?;
        let entries = listing.fields["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if entries
            .iter()
            .any(|e| e["name"] == name && e["size"] == size)
        {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(10));
    }
    anyhow::bail!("the server did not keep {name}")
}

/// Puts `file`, waiting (bounded) while the server is still finishing the cut session's upload.
fn put_when_free(client: &mut Client, file: &Path) -> anyhow::Result<lesson7::client::Transferred> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match client.put(file, &mut |_, _| {}) {
            Err(ClientError::Refused(reply))
                if reply.status == status::CONFLICT && Instant::now() < deadline =>
            {
                thread::sleep(Duration::from_millis(10));
            }
            other => return Ok(other?),
        }
    }
}

fn show_listing(client: &mut Client) -> anyhow::Result<()> {
    let listing = client.call(&Request::Ls {
        path: None,
        after: None,
    })?;
    let entries = listing.fields["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<String> = entries
        .iter()
        .map(|e| format!("{} ({} bytes)", e["name"].as_str().unwrap_or(""), e["size"]))
        .collect();
    let shown = if names.is_empty() {
        "(empty)".to_string()
    } else {
        names.join(", ")
    };
    say("client", format!("ls -> {shown}"));
    Ok(())
}

fn quota(client: &mut Client) -> anyhow::Result<String> {
    let reply: Reply = client.call(&Request::Quota)?;
    Ok(format!(
        "{} used of {}",
        accounts::human_size(reply.u64("used").unwrap_or(0)),
        accounts::human_size(reply.u64("quota").unwrap_or(0))
    ))
}

fn describe(request: &Request) -> String {
    match request {
        Request::Cd { path } => format!("cd {path}"),
        Request::Get { path, .. } => format!("get {path}"),
        Request::Put { name, .. } => format!("put as {name}"),
        other => format!("{other:?}"),
    }
}

/// `len` bytes of text that change from line to line, the same on every run.
fn sample(len: usize) -> Vec<u8> {
    let mut text = String::new();
    let mut line = 0;
    while text.len() < len {
        line += 1;
        text.push_str(&format!(
            "line {line}: the quick brown fox jumps over the lazy dog\n"
        ));
    }
    text.truncate(len);
    text.into_bytes()
}
