//! The demo: the same two clients against each model, and which threads served them.
//!
//! Client A connects and keeps quiet; client B connects after it and asks at once. Every model
//! answers B while A is still connected and silent: serve_forever by giving each client a thread,
//! the event loops by serving both from one thread. The servers report what they do, and on
//! which thread, over a channel; only the main thread prints, and only what it has waited for,
//! so the transcript is the same on every run.

use std::collections::BTreeSet;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use lesson3::Handler;
use lesson3b::forever::{self, POLL_INTERVAL, ThreadingMixIn};
use lesson3b::{Event, Report, event_loop, on_tokio};
use socket_lab::demo::{self, note, say};

/// What a server reported, and the name of the thread it reported from.
type Reported = (String, Event);

/// How long the demo waits for a server's report before it gives up.
const PATIENCE: Duration = Duration::from_secs(10);

// ANCHOR: demo
pub fn run() -> anyhow::Result<()> {
    demo::title("Lesson 3b: I/O multiplexing (article section 二)");

    demo::step("serve_forever, like socketserver.ThreadingTCPServer: a selector, a thread each");
    let (listener, addr) = free_listener()?;
    let (report, events) = reporting();
    let server = Arc::new(forever::Server::new(listener));
    let serving = {
        let server = Arc::clone(&server);
        let mixin = ThreadingMixIn::new(Arc::new(Reporting(report)), noop());
        named("serve_forever", move || {
            server.serve_forever(|request, address| mixin.process_request(request, address))
        })?
    };
    say("server", format!("listening on {addr}"));
    two_clients(addr, &events)?;
    note("serve_forever's selector watched one socket, the listener; each client got a thread.");
    let asked = Instant::now();
    server.shutdown();
    let waited = asked.elapsed();
    serving.join().expect("serve_forever does not panic")?;
    say(
        "main",
        format!(
            "shutdown() returned after {} ms; serve_forever has returned",
            waited.as_millis()
        ),
    );
    note(format!(
        "the loop saw the flag when its poll timed out: poll_interval is {} ms.",
        POLL_INTERVAL.as_millis()
    ));

    demo::step("An event loop on mio: one thread, every client");
    let (listener, addr) = free_listener()?;
    let (report, events) = reporting();
    named("event-loop", move || event_loop::serve(listener, report))?;
    say("server", format!("listening on {addr}"));
    two_clients(addr, &events)?;
    note("while A's socket had nothing to read, the loop served B's: no thread waited on A.");

    demo::step("The same on Tokio: async/await, one thread");
    let (listener, addr) = free_listener()?;
    let (report, events) = reporting();
    named("tokio", move || on_tokio::serve(listener, report))?;
    say("server", format!("listening on {addr}"));
    two_clients(addr, &events)?;
    note("each .await let the thread go to another task until this one's socket was ready.");
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: two_clients
/// Client A connects and keeps quiet; client B connects after it and asks at once; then A asks.
/// Prints what each client saw, then what the server reported, and from which threads.
fn two_clients(addr: SocketAddr, events: &Receiver<Reported>) -> anyhow::Result<()> {
    let mut client_a = TcpStream::connect(addr)?;
    let a = client_a.local_addr()?;
    let mut reported = vec![wait_for_report(events)?];
    say("client A", "connected, and says nothing yet");

    let mut client_b = TcpStream::connect(addr)?;
    let b = client_b.local_addr()?;
    let (answer, _) = lesson3::ask(&mut client_b, "hello from B")?;
    say(
        "client B",
        format!(
            "connected, sent \"hello from B\", got: {}",
            String::from_utf8_lossy(&answer)
        ),
    );
    let (answer, _) = lesson3::ask(&mut client_a, "hello from A")?;
    say(
        "client A",
        format!(
            "then sent \"hello from A\", got: {}",
            String::from_utf8_lossy(&answer)
        ),
    );

    // Each report comes before the answer it precedes, so all four are in by now.
    while reported.len() < 4 {
        reported.push(wait_for_report(events)?);
    }
    let name = |addr: SocketAddr| {
        if addr == a {
            "A"
        } else if addr == b {
            "B"
        } else {
            "?"
        }
    };
    for (thread, event) in &reported {
        let what = match event {
            Event::Started(addr) => format!("took client {}", name(*addr)),
            Event::Sent(addr, message) => format!("got {message:?} from {}, answered", name(*addr)),
            Event::Failed(addr, err) => format!("client {} failed: {err}", name(*addr)),
            Event::Panicked(addr) => format!("client {} panicked", name(*addr)),
        };
        say("server", format!("on thread {thread}: {what}"));
    }
    let threads: BTreeSet<&str> = reported.iter().map(|(thread, _)| thread.as_str()).collect();
    let count = match threads.len() {
        1 => "one thread".to_string(),
        n => format!("{n} threads"),
    };
    note(format!(
        "2 clients served at once by {count}: {}",
        threads.into_iter().collect::<Vec<_>>().join(", ")
    ));
    Ok(())
}
// ANCHOR_END: two_clients

/// Lesson 3's handler, reporting instead of printing, for the serve_forever step.
struct Reporting(Report);

impl Handler for Reporting {
    fn handle(&self, mut request: TcpStream, client_address: SocketAddr) -> io::Result<()> {
        (self.0)(Event::Started(client_address));
        let message = lesson3::read_message(&mut request)?;
        (self.0)(Event::Sent(client_address, message.clone()));
        lesson3::answer(&mut request, &message)
    }
}

/// A report that goes over a channel, with the name of the thread that made it.
fn reporting() -> (Report, Receiver<Reported>) {
    let (sender, receiver) = mpsc::channel();
    let sender = Mutex::new(sender);
    let report: Report = Arc::new(move |event| {
        let thread = thread::current().name().unwrap_or("unnamed").to_string();
        // The main thread keeps the receiving end until the demo ends.
        let _ = sender.lock().unwrap().send((thread, event));
    });
    (report, receiver)
}

/// A report that says nothing: in the demo no connection fails, and if one did, the clients'
/// own errors would say so.
fn noop() -> Report {
    Arc::new(|_| {})
}

fn wait_for_report(events: &Receiver<Reported>) -> anyhow::Result<Reported> {
    events
        .recv_timeout(PATIENCE)
        .map_err(|_| anyhow::anyhow!("the server reported nothing for {} s", PATIENCE.as_secs()))
}

/// A listener with the article's backlog on a free port of 127.0.0.1.
fn free_listener() -> io::Result<(TcpListener, SocketAddr)> {
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Starts `work` on a thread with a name, which the reports show.
fn named<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> io::Result<thread::JoinHandle<T>> {
    thread::Builder::new().name(name.to_string()).spawn(work)
}
