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
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
            let task = tokio::spawn(handle(stream, addr, report.clone()));
            // A panic ends its own task only; the runtime hands it to whoever awaits the task.
            let report = report.clone();
            tokio::spawn(async move {
                match task.await {
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => report(Event::Failed(addr, err)),
                    Err(_) => report(Event::Panicked(addr)),
                }
            });
        }
    })
}

/// Lesson 3's handler, with `.await` where it blocked.
async fn handle(mut stream: TcpStream, addr: SocketAddr, report: Report) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await?;
    let message = report::message_from(&buf[..n])?;
    report(Event::Sent(addr, message.clone()));
    stream.write_all(&report::answer_to(&message)).await
}
// ANCHOR_END: serve
