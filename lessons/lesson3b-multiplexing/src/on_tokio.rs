//! The same server on Tokio: async/await writes the event loop for you.
//!
//! `handle` reads like lesson 3's handler: read, print, answer, in a straight line. Each `.await`
//! is where the thread would have blocked; instead the task is set aside, and Tokio's loop (epoll
//! underneath, through mio) runs whichever task's socket is ready. The runtime here has one
//! thread, like the mio loop: the state that [`crate::event_loop`] kept by hand in a
//! `Connection`, the compiler keeps in each task's future.

use std::convert::Infallible;
use std::future::poll_fn;
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
            tokio::spawn(handle(stream, addr, report.clone()));
        }
    })
}

/// Lesson 3's handler, with `.await` where it blocked: the task of one connection.
///
/// Whatever lives across an `.await` is kept in the task's future while it waits, and an idle
/// client's task waits in its first `.await` for as long as the client keeps quiet. So the future
/// is kept small: the read's buffer is made only once the socket is readable, the wait stores no
/// waiting-list entry (see [`read_message`]), and the body is an `async move` block rather than
/// an `async fn`, which would keep its arguments twice (the values passed, and the variables its
/// body moves them into: rust-lang/rust#62958).
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn's future would hold its arguments twice (rust-lang/rust#62958)"
)]
fn handle(mut stream: TcpStream, addr: SocketAddr, report: Report) -> impl Future<Output = ()> {
    async move {
        let message = match read_message(&stream).await {
            Ok(message) => message,
            Err(err) => return report(Event::Failed(addr, err)),
        };
        report(Event::Sent(addr, message.clone()));
        // A panic here would end this task only: the runtime catches it. Catching it here too
        // lets the server say whose connection it ended, as the other models do.
        let Ok(answer) = panic::catch_unwind(|| report::answer_to(&message)) else {
            return report(Event::Panicked(addr));
        };
        if let Err(err) = stream.write_all(&answer).await {
            report(Event::Failed(addr, err));
        }
    }
}

/// Waits until the client has sent something, then reads it as lesson 3's `recv(1024)` does.
async fn read_message(stream: &TcpStream) -> io::Result<String> {
    loop {
        // Wait for readiness with the waker slot that the socket's registration has anyway:
        // `stream.readable()` would do the same, with a waiting-list entry kept in the task.
        poll_fn(|cx| stream.poll_read_ready(cx)).await?;
        let mut buf = [0u8; 1024];
        match stream.try_read(&mut buf) {
            Ok(n) => return report::message_from(&buf[..n]),
            // Readiness can be stale: nothing to read after all, so wait again.
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
            Err(err) => return Err(err),
        }
    }
}
// ANCHOR_END: serve

/// The size of one connection's future, [`handle`]'s, in bytes: what its task keeps for the
/// client, idle or not. The benchmark prints it next to the memory per idle client.
pub fn task_future_size() -> io::Result<usize> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    runtime.block_on(async {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let stream = TcpStream::connect(listener.local_addr()?).await?;
        let addr = stream.local_addr()?;
        let report: Report = std::sync::Arc::new(|_| {});
        // Made, measured and dropped, never polled: nothing is read or written.
        Ok(std::mem::size_of_val(&handle(stream, addr, report)))
    })
}
