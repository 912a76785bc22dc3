//! The same server on Tokio: async/await writes the event loop for you.
//!
//! `handle` reads like lesson 3's handler: read, print, answer, in a straight line. Each `.await`
//! is where the thread would have blocked; instead the task is set aside, and Tokio's loop (epoll
//! underneath, through mio) runs whichever task's socket is ready. The runtime here has one
//! thread, like the mio loop: the state that [`crate::event_loop`] kept by hand in a
//! `Connection`, the compiler keeps in each task's future.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::panic;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::report::{self, Event, Report};

// ANCHOR: serve
/// Serves every client of `listener` on the calling thread, one task per connection.
pub fn serve(listener: std::net::TcpListener, report: Report) -> io::Result<Infallible> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(async move {
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        loop {
            let (stream, addr) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(err) => {
                    // EMFILE and the like: the connection stays queued; pause rather than spin.
                    eprintln!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            report(Event::Started(addr));
            let report = report.clone();
            tokio::spawn(async move {
                if let Err(err) = handle(stream, addr, &report).await {
                    report(Event::Failed(addr, err));
                }
            });
        }
    })
}

/// Lesson 3's handler, with `.await` where it blocked.
///
/// Whatever lives across an `.await` is kept in the task while it waits. So the buffer of the
/// read is made only once the socket is readable, and is gone before the next `.await`: an idle
/// client's task holds its socket and its place in this function, not 1024 bytes of buffer.
async fn handle(stream: TcpStream, addr: SocketAddr, report: &Report) -> io::Result<()> {
    let message = loop {
        stream.readable().await?;
        let mut buf = [0u8; 1024];
        match stream.try_read(&mut buf) {
            Ok(n) => break report::message_from(&buf[..n])?,
            // Readiness can be stale: nothing to read after all, so wait again.
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            Err(err) => return Err(err),
        }
    };
    let mut stream = stream;
    report(Event::Sent(addr, message.clone()));
    // A panic here would end this task only: the runtime catches it. Catching it here too lets
    // the server say whose connection it ended, as the other models do.
    let Ok(answer) = panic::catch_unwind(|| report::answer_to(&message)) else {
        report(Event::Panicked(addr));
        return Ok(());
    };
    stream.write_all(&answer).await
}
// ANCHOR_END: serve
