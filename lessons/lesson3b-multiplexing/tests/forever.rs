//! serve_forever's contract: it serves until `shutdown()`, called from another thread, and then
//! returns; a connection that comes after is no longer taken.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use lesson3b::forever::{Server, ThreadingMixIn};
use lesson3b::{Event, Report};

#[test]
fn shutdown_from_another_thread_stops_serve_forever() {
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let addr = listener.local_addr().unwrap();
    let (sender, events) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let report: Report = Arc::new(move |event: Event| {
        let _ = sender.lock().unwrap().send(format!("{event:?}"));
    });
    let server = Arc::new(Server::new(listener));
    let serving = {
        let server = Arc::clone(&server);
        thread::spawn(move || {
            let mixin = ThreadingMixIn::new(Arc::new(lesson3::PrintMessage), report);
            server.serve_forever(|request, address| mixin.process_request(request, address))
        })
    };

    // Served while it runs: lesson 3's answer.
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (answer, _) = lesson3::ask(&mut client, "hello").unwrap();
    assert_eq!(
        answer, br#"received "hello""#,
        "step 1. no answer while serving"
    );

    server.shutdown();
    serving
        .join()
        .expect("serve_forever does not panic")
        .expect("step 2. serve_forever returns Ok after shutdown");

    // The listener is still open, so the kernel completes the handshake, but nobody accepts:
    // no answer comes.
    let mut late = TcpStream::connect(addr).unwrap();
    late.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    assert!(
        lesson3::ask(&mut late, "anyone?").is_err(),
        "step 3. a connection after shutdown was served"
    );
    assert!(
        events.try_iter().all(|event| !event.contains("Panicked")),
        "step 4. a handler panicked"
    );
}
