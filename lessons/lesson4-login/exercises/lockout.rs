//! Lesson 4, exercise `lockout`: three wrong passwords in a row, and the user is locked out.
//!
//! Lesson 4's server lets a client guess passwords for as long as it likes, and md5 is fast
//! (the chapter's brute force tried 823,158 in 592 ms, release build). This server stops that:
//!
//! - The login is the article's exchange, as lesson 4 does it: the user name, answered `200` or
//!   a refusal; then the password, answered `200` or a refusal; after a refusal, the exchange
//!   starts again with the user name. Unknown names are refused as in lesson 4, and not counted.
//! - A user whose password was wrong [`MAX_WRONG_PASSWORDS`] times in a row is locked out: the
//!   third wrong password is answered [`LOCKED_OUT`] instead of lesson 4's `WRONG_PASSWORD`, and
//!   from then on the user's name is answered `LOCKED_OUT` too, on every connection, until the
//!   server restarts. The right password no longer helps: it cannot even be sent, and on a
//!   connection that gave the name before the lockout, it is answered `LOCKED_OUT` too.
//! - "In a row" spans connections: a guesser who hangs up and calls again does not start from
//!   zero. The right password, before the third wrong one, logs the user in and starts the count
//!   again.
//! - Other users are not affected.
//! - A client that closes the connection instead of sending its password has not guessed:
//!   nothing is counted, and nothing is answered.
//!
//! The kit's server gives each connection a thread of its own (lesson 3's `serve_threaded`) and
//! calls `handle`, which calls your `log_in`; after the login, the session goes on as lesson 4's
//! does. You write `new` and `log_in`, and whatever they need.
//!
//! Check your work from any folder of the repository: `cargo lab check lesson4`.
//! (Plain `cargo test` checks the reference solution, not this file.)

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;

use lesson3::Handler;
use lesson4::home::Workdir;
use lesson4::protocol::recv_message;
use lesson4::server::{LOGIN_OK, NO_HOME, UNKNOWN_USER, WRONG_PASSWORD, serve};
use lesson4::session::Session;
use lesson4::users::Users;

/// How many wrong passwords in a row lock a user out.
pub const MAX_WRONG_PASSWORDS: u32 = 3;

/// The answer to the wrong password that locks a user out, and to a locked-out user's name.
pub const LOCKED_OUT: &str = "login failed: too many wrong passwords, this user is locked out";

/// Lesson 4's server, whose login locks a user out after three wrong passwords in a row.
pub struct LockoutServer {
    users: Users,
    root: PathBuf,
    // TODO: what remembers each user's wrong passwords, for every connection to see?
}

impl LockoutServer {
    /// A server for `users`, each with the home `root/NAME`.
    pub fn new(users: Users, root: PathBuf) -> LockoutServer {
        // TODO
        todo!()
    }

    /// The login exchange, with the lockout. Returns the session once the client has logged in,
    /// or `None` if it closed the connection first.
    ///
    /// The session is `Session::new(stream, name, workdir, client_address, |_| {})`, with the
    /// workdir of `Workdir::open(&self.root.join(&name))` (lesson 4's server answers `NO_HOME`
    /// and closes if that fails); `|_| {}` is a log that writes nothing.
    pub fn log_in(
        &self,
        mut stream: TcpStream,
        client_address: SocketAddr,
    ) -> io::Result<Option<Session>> {
        // TODO: lesson 4's `FtpServer::log_in` does the exchange without the lockout. `recv_message`
        // reads one message, `self.users` knows the names and checks a password, and each answer
        // is one `write_all`: LOGIN_OK, UNKNOWN_USER, WRONG_PASSWORD or LOCKED_OUT.
        todo!()
    }
}

impl Handler for LockoutServer {
    fn handle(&self, stream: TcpStream, client_address: SocketAddr) -> io::Result<()> {
        match self.log_in(stream, client_address)? {
            Some(session) => serve(session, lesson4::server::run),
            None => Ok(()),
        }
    }
}
