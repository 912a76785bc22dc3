//! The demo: both ends of the article's first exchange, in one thread, one step at a time.
//!
//! One thread is enough, and it keeps the transcript in the same order on every run: `connect`
//! returns as soon as the kernel has completed the handshake, and the new connection waits in the
//! listen backlog until the server calls `accept`.

use std::net::{SocketAddr, TcpStream};

use socket_lab::demo::{self, bytes, note, say};

// ANCHOR: demo
pub fn run() -> anyhow::Result<()> {
    demo::title("Lesson 1: send and recv (article section 一)");

    demo::step("The server opens a listening socket: socket(), bind(), listen(5)");
    let listener = lesson1::listen(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let server_addr = listener.local_addr()?;
    say("server", format!("listening on {server_addr}"));
    note("port 0 asked the operating system for any free port");

    demo::step("The client connects");
    let mut client = TcpStream::connect(server_addr)?;
    let client_addr = client.local_addr()?;
    say("client", format!("connect({server_addr}) returned"));
    say(
        "client",
        format!("this end of the connection is {client_addr}"),
    );
    note("the server has not called accept() yet: the kernel completed the handshake");
    note("and queued the connection. listen(5) bounds that queue.");

    demo::step("The server accepts");
    let (mut conn, client_address) = listener.accept()?;
    say(
        "server",
        format!("accept() returned a new socket and the address {client_address}"),
    );
    note("that is the client's address from step 2. The new socket talks to this client;");
    note("the listening socket stays open for the next one.");

    demo::step("The client sends hello");
    let sent = lesson1::send_message(&mut client, "hello")?;
    say(
        "client",
        format!("write({}) returned {sent}", bytes(b"hello")),
    );
    note("a socket carries bytes: the text went out as its UTF-8 encoding");

    demo::step("The server reads with recv(1024)");
    let data = lesson1::recv_once(&mut conn)?;
    say(
        "server",
        format!("recv(1024) returned {} bytes: {}", data.len(), bytes(&data)),
    );
    say(
        "server",
        format!("decoded as UTF-8: {}", String::from_utf8(data)?),
    );
    note("1024 is the most one read may return, not an amount to wait for:");
    note("the read returned as soon as the 5 bytes were there.");

    demo::step("The client closes, and the server reads again");
    drop(client);
    say("client", "closed its socket");
    let data = lesson1::recv_once(&mut conn)?;
    say(
        "server",
        format!("recv(1024) returned {} bytes", data.len()),
    );
    note("0 bytes means the peer has closed: nothing more will ever arrive.");
    note("A read with no data yet does not return 0; it waits.");
    Ok(())
}
// ANCHOR_END: demo
