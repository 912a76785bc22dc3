//! Lesson 4, exercise `lockout`, planted mistake 1: a count per connection.
//!
//! It counts each user's wrong passwords right, but in a map made by `log_in`, which every
//! connection runs for itself. Three wrong passwords on one connection lock the user out, on that
//! connection. A guesser hangs up after two and calls again, and the count starts from zero.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;

use lesson3::Handler;
use lesson4::home::Workdir;
use lesson4::protocol::recv_message;
use lesson4::server::{LOGIN_OK, NO_HOME, UNKNOWN_USER, WRONG_PASSWORD, serve};
use lesson4::session::Session;
use lesson4::users::Users;

pub const MAX_WRONG_PASSWORDS: u32 = 3;

pub const LOCKED_OUT: &str = "login failed: too many wrong passwords, this user is locked out";

pub struct LockoutServer {
    users: Users,
    root: PathBuf,
}

impl LockoutServer {
    pub fn new(users: Users, root: PathBuf) -> LockoutServer {
        LockoutServer { users, root }
    }

    pub fn log_in(
        &self,
        mut stream: TcpStream,
        client_address: SocketAddr,
    ) -> io::Result<Option<Session>> {
        // The mistake: a map of this connection's own, gone when it hangs up.
        let mut wrong_in_a_row: HashMap<String, u32> = HashMap::new();
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
            let wrong = wrong_in_a_row.entry(name.clone()).or_default();
            if *wrong >= MAX_WRONG_PASSWORDS {
                stream.write_all(LOCKED_OUT.as_bytes())?;
                continue;
            }
            stream.write_all(LOGIN_OK)?;
            let Some(password) = recv_message(&mut stream)? else {
                return Ok(None);
            };
            if self.users.password_matches(&name, &password) {
                break name;
            }
            *wrong += 1;
            let refusal = if *wrong >= MAX_WRONG_PASSWORDS {
                LOCKED_OUT
            } else {
                WRONG_PASSWORD
            };
            stream.write_all(refusal.as_bytes())?;
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
