//! The demo: a client logs in to the lesson's real server and sends it requests, good and bad.
//!
//! The server handles the connection on a thread of its own and narrates through `say("server",
//! ...)`. The transcript keeps the same order on every run because of the protocol itself: the
//! server writes its log line before it sends a reply, and the client prints only before it sends
//! or after it has its reply.

use std::fs;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use lesson4::client::Client;
use lesson4::protocol::Reply;
use lesson4::server::{self, FtpServer};
use lesson4::users::{self, Users};
use socket_lab::demo::{self, bytes, note, say};

/// The characters jack's password is searched among, and its longest length.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const MAX_LEN: usize = 4;

// ANCHOR: demo
pub fn run() -> anyhow::Result<()> {
    demo::title("Lesson 4: login and JSON dispatch (article section 三)");

    demo::step("The server reads its users file and listens");
    let users = Users::load(lesson4::SAMPLE_USERS.as_ref())?;
    say(
        "server",
        format!("users: {}", users.names().collect::<Vec<_>>().join(", ")),
    );
    let root = tempfile::tempdir()?;
    fs::create_dir_all(root.path().join("alex"))?;
    fs::write(root.path().join("alex/notes.txt"), "twelve bytes")?;
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    say("server", format!("listening on {}", listener.local_addr()?));
    note("each user's passwd in the file is the md5 hex digest of their password;");
    note("alex's home already holds notes.txt, 12 bytes");
    let ftp = FtpServer::new(users.clone(), root.path().to_path_buf())
        .with_log(|line| say("server", line));
    let session = server::handle_next(&listener, Arc::new(ftp))?;
    let mut client = Client::connect(listener.local_addr()?)?;

    demo::step("The client sends a user name, then a wrong password");
    send_bytes(&mut client, b"alex")?;
    send_bytes(&mut client, b"letmein")?;
    note("the server compared md5(letmein) with alex's passwd. After a no, the");
    note("exchange starts again from the user name.");

    demo::step("An unknown user");
    send_bytes(&mut client, b"bob")?;

    demo::step("The right password");
    send_bytes(&mut client, b"alex")?;
    send_bytes(&mut client, b"abc123")?;

    demo::step("Each request is one JSON object; the server dispatches on its action");
    say("client", r#"sends {"action":"help"}"#);
    let help = client.exchange(br#"{"action":"help"}"#)?;
    let commands = serde_json::from_slice::<Reply>(&help)?
        .commands
        .unwrap_or_default();
    say(
        "client",
        format!(
            "got {} bytes: {{\"status\":200,\"commands\":[...]}}",
            help.len()
        ),
    );
    for (usage, about) in commands {
        say("client", format!("    {usage:<12} {about}"));
    }
    note("short enough for one recv(1024)");
    send_text(&mut client, r#"{"action":"mkdir","path":"docs"}"#)?;
    send_text(&mut client, r#"{"action":"cd","path":"docs"}"#)?;
    send_text(&mut client, r#"{"action":"cd","path":"/"}"#)?;

    demo::step("ls: the size first, then the listing after the client's go-ahead");
    let header = send_text(&mut client, r#"{"action":"ls"}"#)?;
    let header: Reply = serde_json::from_slice(&header)?;
    let size = header.size.unwrap_or_default() as usize;
    say("client", r#"sends its go-ahead {"status":200}"#);
    client.go_ahead()?;
    let mut listing = vec![0; size];
    client.stream.read_exact(&mut listing)?;
    say("client", format!("read exactly {size} bytes of listing:"));
    for line in String::from_utf8_lossy(&listing).lines() {
        say("client", line);
    }
    note("a listing can be longer than one recv(1024). Its size comes first, and the");
    note("server waits for the go-ahead, so the size and the listing never share a recv.");

    demo::step("A path that leads out of the home is refused");
    send_text(&mut client, r#"{"action":"cd","path":"../.."}"#)?;
    send_text(&mut client, r#"{"action":"ls","path":"/../alex/.."}"#)?;

    demo::step("Requests the server cannot run: it says why, and the session goes on");
    send_text(&mut client, "hello")?;
    send_text(&mut client, r#"["ls"]"#)?;
    send_text(&mut client, r#"{"action":"delete","path":"docs"}"#)?;
    send_text(&mut client, r#"{"action":"cd","path":5}"#)?;
    send_text(&mut client, r#"{"action":"cd","path":"docs"}"#)?;
    note("the article's server would let json.loads raise on the first, ending the");
    note("connection, and answer nothing at all to the third: its client would wait forever.");

    demo::step("The client closes the connection");
    say("client", "closes");
    drop(client);
    session.join().expect("the session thread does not panic")?;

    demo::step("Why an md5 digest is a poor way to keep a password");
    let passwd = |name: &str| users.passwd(name).unwrap_or_default().to_string();
    say("file", format!("alex: {}", passwd("alex")));
    say("file", format!("eric: {}", passwd("eric")));
    note("the same password gives the same digest: whoever reads the file sees that");
    note("alex and eric share one, and a guess that opens one account opens both.");
    let jack = passwd("jack");
    say("file", format!("jack: {jack}"));
    let started = Instant::now();
    let (found, tried) = users::brute_force_md5(&jack, ALPHABET, MAX_LEN);
    let found = found.unwrap_or_else(|| "(not found)".to_string());
    say(
        "attacker",
        format!("tried {tried} passwords of 1 to {MAX_LEN} characters a-z, 0-9"),
    );
    let elapsed = started.elapsed();
    say(
        "attacker",
        format!(
            "jack's password is {found}, found in {} ms",
            elapsed.as_millis()
        ),
    );
    // The rate, and what it means for a longer password, so that the book's figures are this
    // run's own.
    let per_second = tried as f64 / elapsed.as_secs_f64().max(1e-9);
    let six_characters = (ALPHABET.len() as u64).pow(6);
    say(
        "attacker",
        format!(
            "{:.1} M md5/s on one core: all {six_characters} passwords of 6 characters in {:.0} min",
            per_second / 1e6,
            six_characters as f64 / per_second / 60.0
        ),
    );
    note("md5 is made to be fast, and one digest fits every user with that password:");
    note("lesson 7 stores a slow hash, salted per user, instead.");
    Ok(())
}
// ANCHOR_END: demo

/// Sends a login message and shows the server's answer, as bytes.
fn send_bytes(client: &mut Client, message: &[u8]) -> anyhow::Result<()> {
    say("client", format!("sends {}", bytes(message)));
    let answer = client.exchange(message)?;
    say("client", format!("got {}", bytes(&answer)));
    Ok(())
}

/// Sends a request and shows the server's reply, as text.
fn send_text(client: &mut Client, message: &str) -> anyhow::Result<Vec<u8>> {
    say("client", format!("sends {message}"));
    let answer = client.exchange(message.as_bytes())?;
    say(
        "client",
        format!("got {}", String::from_utf8_lossy(&answer)),
    );
    Ok(answer)
}
