//! The demo: TCP is a byte stream (two writes, one read; one write, five reads), what that does
//! to an upload that does not say its size, the article's fix, and put and get on the real server.
//!
//! The first steps play both ends of one connection in this thread. To make "two writes arrive as
//! one read" happen on every run, the reader waits 50 ms before it reads, as a busy server would
//! be late; by then both writes have arrived. The later steps talk to the lesson's server, which
//! narrates through `say("server", ...)` before each of its replies (see lesson 4's demo).

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use lesson4::client::Client;
use lesson4::protocol::Reply;
use lesson4::server::{FtpServer, handle_next};
use lesson4::users::Users;
use lesson5::server::UploadServer;
use lesson5::transfer::copy_exact;
use socket_lab::demo::{self, byte_count, bytes, note, say};

/// How long the reader waits before it reads: long enough for the writes to have arrived.
const LATE: Duration = Duration::from_millis(50);

const FILE: &[u8] = b"twelve bytes";

// ANCHOR: demo
pub fn run() -> anyhow::Result<()> {
    demo::title("Lesson 5: size-prefixed uploads and sticky packets (article section 三)");

    demo::step("One connection, both of its ends in this thread");
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    say("server", format!("listening on {}", listener.local_addr()?));
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut server, _) = listener.accept()?;
    say("client", "connected, and the server accepted");

    demo::step("Two writes, one read");
    for word in [&b"hello"[..], b"world"] {
        let n = client.write(word)?;
        say("client", format!("write({}) returned {n}", bytes(word)));
    }
    thread::sleep(LATE);
    recv_and_show(&mut server, "server")?;
    note("TCP carries a stream of bytes. Where one write ended is not on the wire:");
    note("both arrived before the server read, and one recv returned them together.");

    demo::step("One write, several reads");
    let n = client.write(&[b'x'; 5000])?;
    say("client", format!("write(5000 bytes) returned {n}"));
    thread::sleep(LATE);
    let mut pieces = Vec::new();
    let mut buf = [0; 1024];
    while pieces.iter().sum::<usize>() < 5000 {
        pieces.push(server.read(&mut buf)?);
    }
    say(
        "server",
        format!("recv(1024), again and again, returned {pieces:?} bytes"),
    );
    note("and the other way round: one message, five pieces.");

    demo::step("An upload that does not say how long the file is");
    put_header(
        &mut client,
        &mut server,
        r#"{"action":"put","filename":"notes.txt"}"#,
    )?;
    say(
        "client",
        format!(r#"sends the file, {}, then {{"action":"ls"}}"#, bytes(FILE)),
    );
    client.write_all(FILE)?;
    client.write_all(br#"{"action":"ls"}"#)?;
    thread::sleep(LATE);
    recv_and_show(&mut server, "server")?;
    note("which of these bytes are the file? The server cannot tell. Were it to write");
    note("them all, the client's next request would end up in the file, and the server");
    note("would wait for more of the file while the client waits for its ls reply.");

    demo::step("The article's fix: the header says how many bytes the file has");
    let header = r#"{"action":"put","filename":"notes.txt","file_size":12}"#;
    put_header(&mut client, &mut server, header)?;
    say(
        "client",
        format!(r#"sends the file, {}, then {{"action":"ls"}}"#, bytes(FILE)),
    );
    client.write_all(FILE)?;
    client.write_all(br#"{"action":"ls"}"#)?;
    thread::sleep(LATE);
    let mut file = Vec::new();
    copy_exact(&mut server, &mut file, 12, &mut [0; 1024])?;
    say(
        "server",
        format!("reads exactly 12 bytes: {}", bytes(&file)),
    );
    recv_and_show(&mut server, "server")?;
    note("the receive loop never asks for more than what is left of the file, so the");
    note("next request stays in the socket, whole, for the next recv.");
    drop((client, server));

    demo::step("put on the lesson's server");
    let root = tempfile::tempdir()?;
    let users = Users::load(lesson4::SAMPLE_USERS.as_ref())?;
    let ftp = FtpServer::new(users, root.path().to_path_buf()).with_log(|line| say("server", line));
    let server = Arc::new(UploadServer::new(ftp));
    let session = handle_next(&listener, Arc::clone(&server))?;
    let mut client = Client::connect(listener.local_addr()?)?;
    say("client", "logs in as alex");
    client
        .log_in("alex", "abc123")?
        .map_err(anyhow::Error::msg)?;
    request(
        &mut client,
        r#"{"action":"put","filename":"notes.txt","file_size":12,"ftp_user":"eric"}"#,
    )?;
    say("client", r#"sends the 12 bytes, then {"action":"ls"}"#);
    client.stream.write_all(FILE)?;
    let header = client.exchange(br#"{"action":"ls"}"#)?;
    say(
        "client",
        format!("got {}", String::from_utf8_lossy(&header)),
    );
    let listing = read_after_go_ahead(&mut client, serde_json::from_slice::<Reply>(&header)?.size)?;
    say(
        "client",
        format!("the listing: {}", String::from_utf8_lossy(&listing).trim()),
    );
    note("the file went to alex's current directory: the header's ftp_user is not read.");

    demo::step("get: the size first, the file after the client's go-ahead");
    let header = request(&mut client, r#"{"action":"get","filename":"notes.txt"}"#)?;
    let file = read_after_go_ahead(&mut client, header.file_size)?;
    say("client", format!("read exactly 12 bytes: {}", bytes(&file)));
    note("were the server to send the header and the file back to back, they could");
    note("arrive in one recv, as hello and world did in step 2.");

    demo::step("A name that is not a single file name is refused, and nothing is written");
    request(
        &mut client,
        r#"{"action":"put","filename":"../eric/x.txt","file_size":4,"ftp_user":"alex"}"#,
    )?;
    say("client", "closes");
    drop(client);
    session.join().expect("the session thread does not panic")?;

    demo::step("A client that vanishes in the middle of an upload");
    let session = handle_next(&listener, server)?;
    let mut client = Client::connect(listener.local_addr()?)?;
    say("client", "logs in as alex");
    client
        .log_in("alex", "abc123")?
        .map_err(anyhow::Error::msg)?;
    request(
        &mut client,
        r#"{"action":"put","filename":"big.bin","file_size":10000,"ftp_user":"alex"}"#,
    )?;
    say(
        "client",
        "sends 4000 of the 10000 bytes, and closes the connection",
    );
    client.stream.write_all(&[b'x'; 4000])?;
    drop(client);
    let _ = session.join().expect("the session thread does not panic");
    say("disk", "everything under the server's root:");
    for (path, size) in files_under(root.path())? {
        say("disk", format!("  {path}  {size} bytes"));
    }
    note("no big.bin, and no temporary file: the bytes went to a temporary name, and the");
    note("file would have been renamed big.bin only once all 10000 had arrived.");
    Ok(())
}
// ANCHOR_END: demo

/// The first half of an upload, both sides: the client's header, the server's 200.
fn put_header(client: &mut TcpStream, server: &mut TcpStream, header: &str) -> anyhow::Result<()> {
    say("client", format!("sends {header}"));
    client.write_all(header.as_bytes())?;
    let mut buf = [0; 1024];
    let n = server.read(&mut buf)?;
    say(
        "server",
        format!(r#"reads {n} bytes of header, answers {{"status":200}}"#),
    );
    server.write_all(br#"{"status":200}"#)?;
    let n = client.read(&mut buf)?;
    say(
        "client",
        format!("got {}", String::from_utf8_lossy(&buf[..n])),
    );
    Ok(())
}

/// One recv(1024), shown.
fn recv_and_show(stream: &mut TcpStream, who: &str) -> anyhow::Result<()> {
    let mut buf = [0; 1024];
    let n = stream.read(&mut buf)?;
    say(
        who,
        format!(
            "recv(1024) returned {}: {}",
            byte_count(n as u64),
            bytes(&buf[..n])
        ),
    );
    Ok(())
}

/// Sends a request to the real server and shows the reply.
fn request(client: &mut Client, message: &str) -> anyhow::Result<Reply> {
    say("client", format!("sends {message}"));
    let reply = client.exchange(message.as_bytes())?;
    say("client", format!("got {}", String::from_utf8_lossy(&reply)));
    Ok(serde_json::from_slice(&reply)?)
}

/// The client's go-ahead, then exactly the bytes the header announced.
fn read_after_go_ahead(client: &mut Client, size: Option<u64>) -> anyhow::Result<Vec<u8>> {
    say("client", r#"sends its go-ahead {"status":200}"#);
    client.go_ahead()?;
    let mut data = vec![0; size.unwrap_or_default() as usize];
    client.stream.read_exact(&mut data)?;
    Ok(data)
}

/// Every file under `root`, as `path/from/root` and size, in order.
fn files_under(root: &Path) -> std::io::Result<Vec<(String, u64)>> {
    let mut found = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let name = path.strip_prefix(root).unwrap_or(&path);
                found.push((name.display().to_string(), fs::metadata(&path)?.len()));
            }
        }
    }
    found.sort();
    Ok(found)
}
