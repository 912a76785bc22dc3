//! What `socketserver`'s `serve_forever` does, in Rust.
//!
//! CPython's `Lib/socketserver.py` (`BaseServer.serve_forever`): it registers the listening
//! socket, and only that socket, with a selector (`selectors.PollSelector`, poll(2), where the
//! system has it), then loops: wait at most `poll_interval` (0.5 s by default) for the socket to
//! be readable, and if it is, accept one connection and call `process_request`. The wait has a
//! limit only so that the loop can look at a flag: `shutdown()`, called from another thread, sets
//! it and waits until the loop has seen it and stopped. `ThreadingMixIn.process_request` starts a
//! thread per connection, which runs the handler and closes the connection.
//!
//! So `ThreadingTCPServer` multiplexes exactly one socket, the listener, and serves every client
//! on a thread of its own: lesson 3's model, with a stop button.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use lesson3::Handler;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use crate::report::{Event, Report};

// ANCHOR: server
/// `serve_forever`'s default `poll_interval`: how long the loop may sleep before it looks at the
/// shutdown flag again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// A listening socket served by [`Server::serve_forever`] until [`Server::shutdown`].
pub struct Server {
    listener: TcpListener,
    /// socketserver's `__shutdown_request`: set by `shutdown`, read by the loop.
    shutdown_request: AtomicBool,
    /// socketserver's `__is_shut_down` event: true while no loop runs.
    is_shut_down: (Mutex<bool>, Condvar),
}

impl Server {
    pub fn new(listener: TcpListener) -> Server {
        Server {
            listener,
            shutdown_request: AtomicBool::new(false),
            is_shut_down: (Mutex::new(true), Condvar::new()),
        }
    }

    /// Accepts connections and hands each to `process_request`, until [`Server::shutdown`].
    pub fn serve_forever(&self, process_request: impl Fn(TcpStream, SocketAddr)) -> io::Result<()> {
        *self.is_shut_down.0.lock().unwrap() = false;
        let result = self.watch_the_listener(process_request);
        self.shutdown_request.store(false, Ordering::SeqCst);
        *self.is_shut_down.0.lock().unwrap() = true;
        self.is_shut_down.1.notify_all();
        result
    }

    fn watch_the_listener(
        &self,
        process_request: impl Fn(TcpStream, SocketAddr),
    ) -> io::Result<()> {
        // The selector watches one socket: the listener. Readable means a connection waits.
        let mut selector = Poll::new()?;
        let fd = self.listener.as_raw_fd();
        selector
            .registry()
            .register(&mut SourceFd(&fd), Token(0), Interest::READABLE)?;
        self.listener.set_nonblocking(true)?;
        let mut ready = Events::with_capacity(1);
        while !self.shutdown_request.load(Ordering::SeqCst) {
            match selector.poll(&mut ready, Some(POLL_INTERVAL)) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                result => result?,
            }
            if self.shutdown_request.load(Ordering::SeqCst) {
                break;
            }
            if !ready.is_empty() {
                self.handle_waiting_connections(&process_request);
            }
        }
        Ok(())
    }

    /// Accepts every connection waiting. Python's poll is level-triggered: a connection left
    /// waiting makes the next `select` return at once, so it accepts one per turn. mio's epoll
    /// is edge-triggered: it reports the listener once for a burst, so the loop accepts until
    /// the kernel says there is none left (WouldBlock).
    fn handle_waiting_connections(&self, process_request: &impl Fn(TcpStream, SocketAddr)) {
        loop {
            match self.listener.accept() {
                Ok((request, client_address)) => {
                    // The listener is non-blocking for the loop; the handler gets the blocking
                    // socket that lesson 3's code expects.
                    match request.set_nonblocking(false) {
                        Ok(()) => process_request(request, client_address),
                        Err(err) => eprintln!("connection with {client_address} failed: {err}"),
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => return,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    // EMFILE and the like: the connection stays queued; try again next turn.
                    eprintln!("accept failed: {err}");
                    return;
                }
            }
        }
    }

    /// Stops `serve_forever`, which runs on another thread, and waits until it has stopped: at
    /// most [`POLL_INTERVAL`] plus the turn in progress.
    ///
    /// Called on the thread that runs `serve_forever`, it would wait forever, as Python's does.
    pub fn shutdown(&self) {
        self.shutdown_request.store(true, Ordering::SeqCst);
        let (stopped, changed) = &self.is_shut_down;
        let mut stopped = stopped.lock().unwrap();
        while !*stopped {
            stopped = changed.wait(stopped).unwrap();
        }
    }
}
// ANCHOR_END: server

// ANCHOR: mixin
/// `ThreadingMixIn.process_request`: a new thread for each connection, which runs lesson 3's
/// `Handler` and closes the connection when it returns.
///
/// Unlike Python's, it counts its threads and refuses a connection (closes it at once) when
/// [`thread_ceiling`] of them are running: past that point the system cannot give a process
/// another thread, and std aborts the whole process when a thread that did start cannot get its
/// signal stack. A server that refuses one client keeps serving the others; one that aborts
/// drops them all.
pub struct ThreadingMixIn<H> {
    handler: Arc<H>,
    report: Report,
    threads_started: AtomicUsize,
    running: Arc<AtomicUsize>,
    max_threads: usize,
}

impl<H: Handler> ThreadingMixIn<H> {
    pub fn new(handler: Arc<H>, report: Report) -> ThreadingMixIn<H> {
        ThreadingMixIn {
            handler,
            report,
            threads_started: AtomicUsize::new(0),
            running: Arc::new(AtomicUsize::new(0)),
            max_threads: thread_ceiling(),
        }
    }

    pub fn process_request(&self, request: TcpStream, client_address: SocketAddr) {
        let running = self.running.fetch_add(1, Ordering::SeqCst);
        if running >= self.max_threads {
            self.running.fetch_sub(1, Ordering::SeqCst);
            let refused = io::Error::other(format!(
                "refused: {running} threads already serve clients, as many as this system allows"
            ));
            (self.report)(Event::Failed(client_address, refused));
            return; // dropping `request` closes the connection
        }
        let number = self.threads_started.fetch_add(1, Ordering::SeqCst) + 1;
        let (handler, report) = (Arc::clone(&self.handler), Arc::clone(&self.report));
        let still_running = Arc::clone(&self.running);
        let spawned = thread::Builder::new()
            .name(format!("handler-{number}"))
            .spawn(move || {
                // A panic unwinds this thread only; catch_unwind stops it here (lesson 3).
                match panic::catch_unwind(AssertUnwindSafe(|| {
                    handler.handle(request, client_address)
                })) {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => report(Event::Failed(client_address, err)),
                    Err(_) => report(Event::Panicked(client_address)),
                }
                still_running.fetch_sub(1, Ordering::SeqCst);
            });
        if let Err(err) = spawned {
            // The system refused a thread: this connection is dropped (closed), the others live.
            self.running.fetch_sub(1, Ordering::SeqCst);
            (self.report)(Event::Failed(client_address, err));
        }
    }
}

/// Memory mappings a thread takes: its stack and the guard page below it, and the stack std sets
/// up for its signal handler (to report a stack overflow) with its own guard page.
pub const MAPPINGS_PER_THREAD: usize = 4;

/// Threads left for everything else the process maps: its code, libraries and heap.
const SPARE_THREADS: usize = 1000;

/// How many handler threads the mixin runs at most: the process's limit of memory mappings,
/// `vm.max_map_count` (65530 unless changed), over [`MAPPINGS_PER_THREAD`], less a margin.
pub fn thread_ceiling() -> usize {
    let mappings = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
        .unwrap_or(65530);
    (mappings / MAPPINGS_PER_THREAD).saturating_sub(SPARE_THREADS)
}
// ANCHOR_END: mixin
