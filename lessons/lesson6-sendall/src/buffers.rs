//! Sockets with small kernel buffers.
//!
//! `write` on a TCP socket copies bytes into the kernel's send buffer; they leave from there for
//! the peer's receive buffer, and wait there until the peer reads them. When both buffers are
//! full, there is no room for more. Small buffers make that moment come after a few kilobytes
//! instead of a few megabytes, the same on every run.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

use socket2::{Domain, Protocol, Socket, Type};

/// The size asked for each buffer. Linux doubles what it is asked for (the extra is for its own
/// bookkeeping), and keeps a minimum of its own.
pub const SMALL_BUFFER: usize = 4096;

// ANCHOR: small_buffers
/// Listens like `lesson1::listen`, with a small receive buffer, which every accepted connection
/// inherits. It is set before `listen`, because TCP announces its window during the handshake.
pub fn listen_with_small_buffers(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_recv_buffer_size(SMALL_BUFFER)?;
    socket.bind(&addr.into())?;
    socket.listen(lesson1::BACKLOG)?;
    Ok(socket.into())
}

/// Connects with a small send buffer.
pub fn connect_with_small_buffers(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_send_buffer_size(SMALL_BUFFER)?;
    socket.connect(&addr.into())?;
    Ok(socket.into())
}
// ANCHOR_END: small_buffers
