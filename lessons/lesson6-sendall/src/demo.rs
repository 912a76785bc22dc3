//! The demo: when `write` takes part of a buffer, what the article's upload loop does then, what
//! `write_all` does about it, and when flush and shutdown matter.
//!
//! Every step prints the same lines on every run. A partial write depends on how much room the
//! kernel has, so the steps that show one use sockets with small buffers and a peer that is not
//! reading yet; the one that runs against the lesson 5 server prints outcomes, not byte counts.
//! The server runs silently here, since its byte counts vary.

use std::io::{self, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lesson4::client::Client;
use lesson4::server::{FtpServer, handle_next};
use lesson4::users::Users;
use lesson5::server::UploadServer;
use lesson6::buffers::{connect_with_small_buffers, listen_with_small_buffers};
use lesson6::upload::{send_lines_like_the_article, send_lines_with_write_all, write_all_by_hand};
use socket_lab::demo::{self, bytes, note, say};

const TEN_MIB: usize = 10 << 20;
/// The file the upload steps send: 64 lines of 16 KiB.
const LINES: usize = 64;
const LINE_LEN: usize = 16 << 10;

// ANCHOR: demo
pub fn run() -> anyhow::Result<()> {
    demo::title("Lesson 6: send vs sendall (article section 四)");
    let listener = listen_with_small_buffers(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;

    demo::step("A blocking write waits until the kernel has taken everything");
    let (mut client, server) = connected_pair(&listener)?;
    let reader = thread::spawn(move || read_all_after(server, Duration::from_millis(300)));
    let started = Instant::now();
    let n = client.write(&vec![b'x'; TEN_MIB])?;
    say(
        "client",
        format!(
            "write({TEN_MIB} bytes) returned {n} after {:.2?}",
            started.elapsed()
        ),
    );
    drop(client);
    let received = reader.join().expect("the reader does not panic")?;
    say(
        "server",
        format!("began reading after 300 ms, and received {received} bytes"),
    );
    note("on Linux a blocking write to a TCP socket sleeps until there is room for all");
    note("of it: no partial write here, even with buffers of a few KiB.");

    demo::step("A non-blocking write takes what fits, and says how much");
    let (mut client, _server) = connected_pair(&listener)?;
    client.set_nonblocking(true)?;
    let n = client.write(&vec![b'x'; TEN_MIB])?;
    say("client", format!("write({TEN_MIB} bytes) returned {n}"));
    note(format!(
        "the kernel took {n} bytes, what its buffers had room for, and left the"
    ));
    note(format!(
        "other {} to the caller. Ignore the count, and they are lost.",
        TEN_MIB - n
    ));
    let err = client.write_all(&vec![b'x'; TEN_MIB]).unwrap_err();
    say(
        "client",
        format!("write_all({TEN_MIB} bytes) failed: {:?}", err.kind()),
    );
    note("write_all gives up at the first WouldBlock, and does not say how much it had");
    note("written by then: on a non-blocking socket, keep the count yourself.");

    demo::step("A write with a timeout returns what it took when the time is up");
    let (mut client, _server) = connected_pair(&listener)?;
    client.set_write_timeout(Some(Duration::from_millis(500)))?;
    let started = Instant::now();
    let n = client.write(&vec![b'x'; TEN_MIB])?;
    let took = started.elapsed();
    let what = if n < TEN_MIB {
        "part of it"
    } else {
        "all of it"
    };
    say(
        "client",
        format!("write({TEN_MIB} bytes) returned after {took:.2?}, having taken {what}"),
    );
    // Room can still open up for a while (acknowledgements arrive, the kernel grows its
    // buffers), so write again until a write finds none at all: that one fails. Bounded, in case
    // the peer's kernel keeps making room.
    let mut last = Ok(0);
    let mut took = Duration::ZERO;
    for _ in 0..10 {
        let started = Instant::now();
        last = client.write(&vec![b'x'; TEN_MIB]);
        took = started.elapsed();
        if last.is_err() {
            break;
        }
    }
    say(
        "client",
        match last {
            Ok(n) => format!("write again, 10 times: the last returned {n} after {took:.2?}"),
            Err(err) => format!(
                "write again until no room is left: failed after {took:.2?}: {:?}",
                err.kind()
            ),
        },
    );
    note("a timeout that passes with nothing taken is an error (EAGAIN), not a count of 0.");
    note("Python's socket.settimeout gives the same kind of socket: send may take part.");

    demo::step("The article's upload, one write per line, against lesson 5's server");
    let root = tempfile::tempdir()?;
    let users = Users::load(lesson4::SAMPLE_USERS.as_ref())?;
    let server = Arc::new(UploadServer::new(
        FtpServer::new(users, root.path().to_path_buf()).with_log(|_| {}),
    ));
    let file = vec![[vec![b'x'; LINE_LEN - 1], vec![b'\n']].concat(); LINES].concat();
    let session = handle_next(&listener, Arc::clone(&server))?;
    let mut client = log_in(addr)?;
    note("both ends have 4 KiB buffers, as over a slow link; the socket is non-blocking");
    note("while the lines go out, as a Python socket with a timeout sends.");
    put_header(&mut client, file.len())?;
    client.stream.set_nonblocking(true)?;
    let report = send_lines_like_the_article(&mut client.stream, &file[..])?;
    client.stream.set_nonblocking(false)?;
    say(
        "client",
        format!(
            "{} lines of {LINE_LEN} bytes: write took the whole line {} times",
            report.lines,
            report.lines - report.short
        ),
    );
    say(
        "client",
        r#"sends {"action":"ls"} and waits up to 1 s for the reply"#,
    );
    client
        .stream
        .set_read_timeout(Some(Duration::from_secs(1)))?;
    match client.exchange(br#"{"action":"ls"}"#) {
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            say("client", "no reply")
        }
        other => say("client", format!("unexpected: {other:?}")),
    }
    note("the server was promised 1048576 bytes and got fewer: it is still reading the");
    note("file, and took the ls request for more of it. Each side waits for the other.");
    drop(client);
    let _ = session.join().expect("the session thread does not panic");
    say("client", "gave up and closed the connection");
    let entries = home_entries(root.path())?;
    let holds = if entries.is_empty() {
        "nothing".to_string()
    } else {
        entries.join(", ")
    };
    say("disk", format!("alex's home holds: {holds}"));
    note("the server dropped the incomplete file (lesson 5): at least nothing half-written");
    note("was kept.");

    demo::step("The same upload with write_all");
    let session = handle_next(&listener, server)?;
    let mut client = log_in(addr)?;
    put_header(&mut client, file.len())?;
    let report = send_lines_with_write_all(&mut client.stream, &file[..])?;
    say(
        "client",
        format!(
            "{} lines: write_all sent all {} bytes",
            report.lines, report.given
        ),
    );
    let listing = client
        .ls(None)?
        .map_err(|refusal| anyhow::anyhow!("{refusal}"))?;
    say("client", format!("ls: {}", listing.trim()));
    drop(client);
    session.join().expect("the session thread does not panic")?;

    demo::step("What write_all does: call write until everything is taken");
    let mut trickle = Trickle::default();
    write_all_by_hand(&mut trickle, b"hello world")?;
    for call in &trickle.calls {
        say("writer", call);
    }
    note("a partial write: go on with the rest. Interrupted (a signal came before any");
    note("byte was taken): try again. Any other error, WouldBlock too: give up.");

    demo::step("flush: bytes in a BufWriter have not been written yet");
    let (client, mut server) = connected_pair(&listener)?;
    server.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut buffered = BufWriter::new(client);
    buffered.write_all(b"hello")?;
    say(
        "client",
        "wrote b\"hello\" into a BufWriter around the socket",
    );
    match server.read(&mut [0; 1024]) {
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            say("server", "nothing arrived within 200 ms")
        }
        other => say("server", format!("unexpected: {other:?}")),
    }
    buffered.flush()?;
    say("client", "flushed");
    recv_and_show(&mut server, "server")?;
    note("a TcpStream has no buffer of its own (its flush does nothing); a BufWriter does.");
    note("Flush it before you wait for an answer, or both sides wait.");

    demo::step("shutdown(Write): no more data from me, but I still listen");
    let (mut client, mut server) = connected_pair(&listener)?;
    client.write_all(b"all my data")?;
    client.shutdown(Shutdown::Write)?;
    say("client", "wrote b\"all my data\", then shutdown(Write)");
    let mut received = Vec::new();
    server.read_to_end(&mut received)?;
    say(
        "server",
        format!("read {} until recv returned 0", bytes(&received)),
    );
    server.write_all(format!("got {} bytes", received.len()).as_bytes())?;
    drop(server);
    recv_and_show(&mut client, "client")?;
    note("the peer sees the end of the data, and the answer still comes back. Closing the");
    note("socket instead would end both directions: the answer would have nowhere to go.");
    Ok(())
}
// ANCHOR_END: demo

/// A client connected to `listener`, and the server's end of that connection.
fn connected_pair(listener: &TcpListener) -> io::Result<(TcpStream, TcpStream)> {
    let client = connect_with_small_buffers(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    Ok((client, server))
}

/// Waits, then reads until the peer closes; returns how many bytes came.
fn read_all_after(mut stream: TcpStream, wait: Duration) -> io::Result<usize> {
    thread::sleep(wait);
    let mut received = Vec::new();
    stream.read_to_end(&mut received)?;
    Ok(received.len())
}

fn recv_and_show(stream: &mut TcpStream, who: &str) -> io::Result<()> {
    let mut buf = [0; 1024];
    let n = stream.read(&mut buf)?;
    say(who, format!("recv(1024) returned {}", bytes(&buf[..n])));
    Ok(())
}

/// A client of lesson 5's server, with small buffers, logged in as alex.
fn log_in(addr: SocketAddr) -> anyhow::Result<Client> {
    let mut client = Client {
        stream: connect_with_small_buffers(addr)?,
        user: String::new(),
    };
    client
        .log_in("alex", "abc123")?
        .map_err(anyhow::Error::msg)?;
    say("client", "logged in as alex");
    Ok(client)
}

/// The article's put header for long-lines.txt, and the server's 200.
fn put_header(client: &mut Client, size: usize) -> anyhow::Result<()> {
    lesson5::client::put_header(client, "long-lines.txt", size as u64)?
        .map_err(|refusal| anyhow::anyhow!("{refusal}"))?;
    say(
        "client",
        format!("put long-lines.txt, {size} bytes: the server answered 200"),
    );
    Ok(())
}

fn home_entries(root: &std::path::Path) -> io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("alex"))?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect::<io::Result<_>>()?;
    names.sort();
    Ok(names)
}

/// A writer that a signal interrupts once, and that takes at most 3 bytes per call.
#[derive(Default)]
struct Trickle {
    calls: Vec<String>,
}

impl Write for Trickle {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.calls.is_empty() {
            self.calls
                .push(format!("write({}) -> Interrupted", bytes(buf)));
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(3);
        self.calls.push(format!("write({}) -> {n}", bytes(buf)));
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
