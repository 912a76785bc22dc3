//! Lesson 4, exercise `lockout`: a second correct solution, written differently from the first.
//!
//! The users are known when the server starts, so each gets its counter then, an atomic integer
//! in a map that never changes afterwards: no lock around the map. A wrong password adds one
//! with `fetch_update`, which adds nothing past the lockout; the right one puts the counter back
//! to zero with `compare_exchange`, which fails if a guess has changed it in between.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

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
    /// One counter per user, made once: every connection's thread shares them.
    wrong_in_a_row: HashMap<String, AtomicU32>,
}

impl LockoutServer {
    /// A server for `users`, each with the home `root/NAME`.
    pub fn new(users: Users, root: PathBuf) -> LockoutServer {
        let wrong_in_a_row = users
            .names()
            .map(|name| (name.to_string(), AtomicU32::new(0)))
            .collect();
        LockoutServer {
            users,
            root,
            wrong_in_a_row,
        }
    }

    /// The name's counter, if it is a user's.
    fn counter(&self, name: &[u8]) -> Option<(&String, &AtomicU32)> {
        let name = std::str::from_utf8(name).ok()?;
        self.wrong_in_a_row.get_key_value(name)
    }

    /// The answer to `password` for the user whose counter is `wrong`: None when it logs in.
    fn answer(&self, name: &str, wrong: &AtomicU32, password: &[u8]) -> Option<&'static str> {
        if self.users.password_matches(name, password) {
            // Back to zero, unless the user is locked out: in a loop, because a guess on another
            // connection may change the count between the look and the change.
            let mut count = wrong.load(Ordering::SeqCst);
            loop {
                if count >= MAX_WRONG_PASSWORDS {
                    return Some(LOCKED_OUT);
                }
                match wrong.compare_exchange(count, 0, Ordering::SeqCst, Ordering::SeqCst) {
                    Ok(_) => return None,
                    Err(now) => count = now,
                }
            }
        }
        let counted = wrong.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |count| {
            (count < MAX_WRONG_PASSWORDS).then_some(count + 1)
        });
        match counted {
            Ok(count) if count + 1 < MAX_WRONG_PASSWORDS => Some(WRONG_PASSWORD),
            _ => Some(LOCKED_OUT),
        }
    }

    /// The login exchange, with the lockout. Returns the session once the client has logged in,
    /// or `None` if it closed the connection first.
    pub fn log_in(
        &self,
        mut stream: TcpStream,
        client_address: SocketAddr,
    ) -> io::Result<Option<Session>> {
        let name = loop {
            let Some(message) = recv_message(&mut stream)? else {
                return Ok(None);
            };
            let Some((name, wrong)) = self.counter(&message) else {
                stream.write_all(UNKNOWN_USER.as_bytes())?;
                continue;
            };
            if wrong.load(Ordering::SeqCst) >= MAX_WRONG_PASSWORDS {
                stream.write_all(LOCKED_OUT.as_bytes())?;
                continue;
            }
            stream.write_all(LOGIN_OK)?;
            let Some(password) = recv_message(&mut stream)? else {
                return Ok(None);
            };
            match self.answer(name, wrong, &password) {
                None => break name.clone(),
                Some(refusal) => stream.write_all(refusal.as_bytes())?,
            }
        };
        let Ok(workdir) = Workdir::open(&self.root.join(&name)) else {
            stream.write_all(NO_HOME.as_bytes())?;
            return Ok(None);
        };
        stream.write_all(LOGIN_OK)?;
        Ok(Some(Session::new(
            stream,
            name,
            workdir,
            client_address,
            |_| {},
        )))
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
