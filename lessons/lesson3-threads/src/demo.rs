//! The demo: two clients against a server that handles one connection at a time, the same two
//! against a server that gives each connection a thread, then a handler that panics.
//!
//! The servers run on threads of their own, and so does client A, which must keep quiet while
//! client B asks. Only the main thread prints, and only what it has waited for (an answer, a
//! `join`), so the transcript comes out in the same order on every run. For the same reason the
//! servers' handler reports the messages it gets over a channel instead of printing them.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::{Duration, Instant};

use lesson3::{Handler, PANIC_MESSAGE, serve_one_at_a_time, serve_threaded};
use socket_lab::demo::{self, note, say};

/// How long client A keeps its connection open before it says anything.
const HOLD: Duration = Duration::from_secs(1);

// ANCHOR: demo
pub fn run() -> anyhow::Result<()> {
    demo::title("Lesson 3: a threaded server (article section 二)");

    demo::step("A server that handles one connection at a time, like socketserver.TCPServer");
    let (addr, messages) = start(|listener, handler| serve_one_at_a_time(&listener, &handler))?;
    say("server", format!("listening on {addr}"));
    two_clients(addr, &messages)?;
    note("the server was inside A's handle(), waiting for A's message, all the while B waited:");
    note("B's connection was complete (connect had returned) but queued in the backlog.");

    demo::step("The same clients, a server with a thread per connection, like ThreadingTCPServer");
    let (addr, messages) = start(|listener, handler| serve_threaded(&listener, Arc::new(handler)))?;
    say("server", format!("listening on {addr}"));
    two_clients(addr, &messages)?;
    note("A's thread waited for A's message; meanwhile the accept loop had already given B a");
    note("thread of its own, which answered at once.");

    demo::step("A handler that panics ends its own connection, and only that one");
    let mut client_c = TcpStream::connect(addr)?;
    let (c_answer, _) = lesson3::ask(&mut client_c, PANIC_MESSAGE)?;
    let mut client_d = TcpStream::connect(addr)?;
    let (d_answer, d_waited) = lesson3::ask(&mut client_d, "hello from D")?;
    say(
        "client C",
        format!(
            "sent {PANIC_MESSAGE:?}; recv(1024) returned {} bytes: closed, no answer",
            c_answer.len()
        ),
    );
    say(
        "client D",
        format!(
            "sent \"hello from D\"; the answer came after {} ms: {}",
            d_waited.as_millis(),
            String::from_utf8_lossy(&d_answer)
        ),
    );
    say("server", format!("handle() got {}", received(&messages)));
    note("C's handler panicked (the panic message went to stderr). The panic unwound C's thread");
    note("only, closing C's connection on the way; catch_unwind in run_handler stopped it there.");
    note("The accept loop went on, and D was served by the same server.");
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: two_clients
/// Client A connects and keeps quiet for [`HOLD`] before it asks; client B connects just after
/// it and asks at once. Narrates what each saw, in the order it happened, and the order in which
/// the server's handler got their messages.
fn two_clients(addr: SocketAddr, messages: &Receiver<String>) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut client_a = TcpStream::connect(addr)?;
    let a_thread = thread::spawn(move || -> io::Result<(Duration, Vec<u8>)> {
        thread::sleep(HOLD);
        let asked_at = started.elapsed();
        let (answer, _) = lesson3::ask(&mut client_a, "hello from A")?;
        Ok((asked_at, answer))
    });
    let mut client_b = TcpStream::connect(addr)?;
    let (b_answer, b_waited) = lesson3::ask(&mut client_b, "hello from B")?;
    let b_answered_at = started.elapsed();
    let (a_asked_at, a_answer) = a_thread.join().expect("client A does not panic")?;

    say(
        "client A",
        format!("connected, and keeps quiet for {} ms", HOLD.as_millis()),
    );
    say("client B", "connected after A, and sent \"hello from B\"");
    let b_line = format!(
        "the answer came after {} ms: {}",
        b_waited.as_millis(),
        String::from_utf8_lossy(&b_answer)
    );
    let a_line = format!(
        "after {} ms, sent \"hello from A\"; the answer: {}",
        a_asked_at.as_millis(),
        String::from_utf8_lossy(&a_answer)
    );
    // In the order they happened: that order is what the step is about.
    if b_answered_at < a_asked_at {
        say("client B", b_line);
        say("client A", a_line);
    } else {
        say("client A", a_line);
        say("client B", b_line);
    }
    say("server", format!("handle() got {}", received(messages)));
    Ok(())
}
// ANCHOR_END: two_clients

// ANCHOR: reporting
/// The lesson's handler, [`lesson3::PrintMessage`], except that it reports each message over a
/// channel instead of printing it, so that the main thread can print it in its place.
struct Reporting {
    messages: Sender<String>,
}

impl Handler for Reporting {
    fn handle(&self, mut request: TcpStream, _client_address: SocketAddr) -> io::Result<()> {
        let message = lesson3::read_message(&mut request)?;
        // The main thread keeps the receiving end until the demo ends.
        let _ = self.messages.send(message.clone());
        lesson3::answer(&mut request, &message)
    }
}

/// Starts `serve` on a thread of its own, on a free port, with a [`Reporting`] handler; returns
/// where it listens and where its handler reports.
fn start(serve: fn(TcpListener, Reporting) -> !) -> io::Result<(SocketAddr, Receiver<String>)> {
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    let (sender, messages) = mpsc::channel();
    thread::spawn(move || serve(listener, Reporting { messages: sender }));
    Ok((addr, messages))
}

/// The messages a handler reported so far, in the order it got them: `"a", then "b"`.
fn received(messages: &Receiver<String>) -> String {
    let all: Vec<String> = messages.try_iter().map(|m| format!("{m:?}")).collect();
    all.join(", then ")
}
// ANCHOR_END: reporting
