//! Lesson 4, exercise `lockout`, planted mistake 3: one count for every user.
//!
//! It keeps the count in the server, behind a lock, and puts it back to zero on the right
//! password. But it keeps one count, not one per user: three wrong passwords for alex lock out
//! eric and jack too, and anyone who guesses three times locks everybody out.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

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
    /// Each user's wrong passwords in a row. Every connection's thread reads and changes it, so
    /// it lives in the server, which they share, behind a lock; a count in `log_in` would be
    /// one per connection, and a guesser would hang up after two tries.
    wrong_in_a_row: Mutex<u32>, // the mistake: one count for all the users
}

/// What a password gets.
enum Verdict {
    LoggedIn,
    Wrong,
    LockedOut,
}

impl LockoutServer {
    /// A server for `users`, each with the home `root/NAME`.
    pub fn new(users: Users, root: PathBuf) -> LockoutServer {
        LockoutServer {
            users,
            root,
            wrong_in_a_row: Mutex::new(0),
        }
    }

    /// The counts, for as long as the guard lives. (A thread that panicked while holding them
    /// would leave the lock "poisoned"; no line that holds them can panic.)
    fn counts(&self) -> MutexGuard<'_, u32> {
        self.wrong_in_a_row
            .lock()
            .expect("no thread panics while it holds the counts")
    }

    fn is_locked_out(&self, _name: &str) -> bool {
        *self.counts() >= MAX_WRONG_PASSWORDS
    }

    /// Checks `name`'s password and counts the answer, in one step under the lock: two
    /// connections guessing at once cannot both slip in a guess after the third.
    fn check_password(&self, name: &str, password: &[u8]) -> Verdict {
        let mut wrong = self.counts();
        if *wrong >= MAX_WRONG_PASSWORDS {
            Verdict::LockedOut
        } else if self.users.password_matches(name, password) {
            *wrong = 0;
            Verdict::LoggedIn
        } else {
            *wrong += 1;
            if *wrong >= MAX_WRONG_PASSWORDS {
                Verdict::LockedOut
            } else {
                Verdict::Wrong
            }
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
            let Some(name) = recv_message(&mut stream)? else {
                return Ok(None);
            };
            let name = match String::from_utf8(name) {
                Ok(name) if self.users.contains(&name) => name,
                _ => {
                    stream.write_all(UNKNOWN_USER.as_bytes())?;
                    continue;
                }
            };
            if self.is_locked_out(&name) {
                stream.write_all(LOCKED_OUT.as_bytes())?;
                continue;
            }
            stream.write_all(LOGIN_OK)?;

            let Some(password) = recv_message(&mut stream)? else {
                return Ok(None);
            };
            let refusal = match self.check_password(&name, &password) {
                Verdict::LoggedIn => break name,
                Verdict::Wrong => WRONG_PASSWORD,
                Verdict::LockedOut => LOCKED_OUT,
            };
            stream.write_all(refusal.as_bytes())?;
        };
        // Logged in: `name` is the user's, and its home is opened as lesson 4's server opens it.
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
