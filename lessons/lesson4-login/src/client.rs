//! The article's client: two login prompts, then a loop of commands, each sent as one JSON request
//! whose reply the client waits for before it reads the next command.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

use anyhow::Context;
use serde_json::{Value, json};
use socket_lab::input::Input;

use crate::protocol::{BAD_REQUEST, RECV_SIZE, Refusal, Reply, recv_message};

/// The article's prompts.
pub const USER_PROMPT: &str = "Input Your ftp user:";
pub const PASSWORD_PROMPT: &str = "Input Your ftp pass:";
pub const COMMAND_PROMPT: &str = "请输入你要执行的ftp操作>>>:";

/// The longest listing this client accepts, so that a server cannot make it allocate without end.
pub const MAX_LISTING: u64 = 64 << 20;

/// A connection to the server, and the user it logged in as.
pub struct Client {
    pub stream: TcpStream,
    pub user: String,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> io::Result<Client> {
        Ok(Client {
            stream: TcpStream::connect(addr)?,
            user: String::new(),
        })
    }

    // ANCHOR: exchange
    /// Sends one message and waits for the answer: one `recv(1024)`.
    ///
    /// An empty message is refused here: writing zero bytes sends nothing, and both sides would
    /// wait for each other forever.
    pub fn exchange(&mut self, message: &[u8]) -> io::Result<Vec<u8>> {
        if message.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an empty message sends nothing",
            ));
        }
        self.stream.write_all(message)?;
        recv_message(&mut self.stream)?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            )
        })
    }

    /// The article's login: the user name, then the password, each answered by `200` or by a
    /// text that says why not. Returns that text when the login fails.
    pub fn log_in(&mut self, user: &str, password: &str) -> io::Result<Result<(), String>> {
        for message in [user, password] {
            let answer = self.exchange(message.as_bytes())?;
            if answer != b"200" {
                return Ok(Err(String::from_utf8_lossy(&answer).into_owned()));
            }
        }
        self.user = user.to_string();
        Ok(Ok(()))
    }
    // ANCHOR_END: exchange

    // ANCHOR: request
    /// Sends a JSON request and reads the JSON reply.
    ///
    /// A request longer than the server's `recv(1024)` is not sent: its end would be read as the
    /// next request. The client answers it itself, with a 400.
    pub fn request(&mut self, request: &Value) -> io::Result<Reply> {
        let message = request.to_string();
        if message.len() > RECV_SIZE {
            return Ok(Reply::error(
                BAD_REQUEST,
                format!(
                    "not sent: the request is {} bytes, more than the server's recv({RECV_SIZE})",
                    message.len()
                ),
            ));
        }
        let answer = self.exchange(message.as_bytes())?;
        serde_json::from_slice(&answer).map_err(|err| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the server's reply is not JSON ({err}): {:?}",
                    String::from_utf8_lossy(&answer)
                ),
            )
        })
    }

    /// Tells the server to send the bytes it announced: `{"status": 200}`.
    pub fn go_ahead(&mut self) -> io::Result<()> {
        self.stream.write_all(&Reply::ok().encode())
    }

    /// Tells the server not to send the bytes it announced.
    pub fn decline(&mut self, why: &str) -> io::Result<()> {
        self.stream
            .write_all(&Reply::error(BAD_REQUEST, why).encode())
    }
    // ANCHOR_END: request

    // ANCHOR: commands
    pub fn help(&mut self) -> io::Result<Result<Vec<(String, String)>, Refusal>> {
        let reply = self.request(&json!({"action": "help"}))?;
        Ok(reply
            .into_result()
            .map(|reply| reply.commands.unwrap_or_default()))
    }

    /// The listing of the current directory, or of `path`: the server announces its size, the
    /// client says go, and reads exactly that many bytes.
    pub fn ls(&mut self, path: Option<&str>) -> io::Result<Result<String, Refusal>> {
        let mut request = json!({"action": "ls"});
        if let Some(path) = path {
            request["path"] = path.into();
        }
        let header = match self.request(&request)?.into_result() {
            Ok(header) => header,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let size = header.size.ok_or_else(|| missing("size"))?;
        if size > MAX_LISTING {
            self.decline("the listing is too long for this client")?;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the server announced a listing of {size} bytes"),
            ));
        }
        self.go_ahead()?;
        let mut listing = vec![0; size as usize];
        // read_exact calls read until the buffer is full: lesson 5 writes that loop by hand.
        self.stream.read_exact(&mut listing)?;
        Ok(Ok(String::from_utf8_lossy(&listing).into_owned()))
    }

    /// Changes the current directory; returns the new one.
    pub fn cd(&mut self, path: &str) -> io::Result<Result<String, Refusal>> {
        let reply = self.request(&json!({"action": "cd", "path": path}))?;
        Ok(reply
            .into_result()
            .map(|reply| reply.cwd.unwrap_or_default()))
    }

    /// Makes a directory; returns what the server says it did.
    pub fn mkdir(&mut self, path: &str) -> io::Result<Result<String, Refusal>> {
        let reply = self.request(&json!({"action": "mkdir", "path": path}))?;
        Ok(reply
            .into_result()
            .map(|reply| reply.message.unwrap_or_default()))
    }
    // ANCHOR_END: commands
}

fn missing(field: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the server's reply has no {field}"),
    )
}

/// What a client does with one command line, split into the command and the rest of the line.
/// Errors are those of the connection; a refusal is printed and the loop goes on.
pub type RunCommand = fn(&mut Client, &str, &str) -> io::Result<()>;

// ANCHOR: run_command
/// Lesson 4's commands: help, ls, cd, mkdir.
pub fn run_command(client: &mut Client, command: &str, arg: &str) -> io::Result<()> {
    match command {
        "help" | "?" => match client.help()? {
            Ok(commands) => {
                for (usage, about) in &commands {
                    println!("{usage:<12}  {about}");
                }
                println!("{:<12}  quit", "q");
            }
            Err(refusal) => println!("{refusal}"),
        },
        "ls" => match client.ls((!arg.is_empty()).then_some(arg))? {
            Ok(listing) if listing.is_empty() => println!("(empty)"),
            Ok(listing) => print!("{listing}"),
            Err(refusal) => println!("{refusal}"),
        },
        "cd" | "mkdir" if arg.is_empty() => println!("usage: {command} PATH"),
        "cd" => show(client.cd(arg)?),
        "mkdir" => show(client.mkdir(arg)?),
        _ => println!("unknown command `{command}`; type help for the list"),
    }
    Ok(())
}

/// Prints the outcome of a command: what the server did, or why it would not.
pub fn show(outcome: Result<String, Refusal>) {
    match outcome {
        Ok(text) => println!("{text}"),
        Err(refusal) => println!("{refusal}"),
    }
}
// ANCHOR_END: run_command

// ANCHOR: run_client
/// `lesson4 client`: connect, then [`interact`].
pub fn run_client(addr: SocketAddr, run_command: RunCommand) -> anyhow::Result<()> {
    let client = Client::connect(addr).with_context(|| format!("could not connect to {addr}"))?;
    println!("connected to {addr}");
    interact(client, run_command)
}

/// Logs in with the article's prompts, then reads commands until `q` or the end of the input.
/// `run_command` does each command: lesson 5 passes one that knows more.
pub fn interact(mut client: Client, run_command: RunCommand) -> anyhow::Result<()> {
    let mut input = Input::stdin();
    if !log_in_with_prompts(&mut client, &mut input)? {
        return Ok(());
    }
    while let Some(line) = input.prompt(COMMAND_PROMPT)? {
        let line = line.trim();
        if line == "q" {
            break;
        }
        if line.is_empty() {
            continue;
        }
        let (command, arg) = line.split_once(' ').unwrap_or((line, ""));
        run_command(&mut client, command, arg.trim())
            .context("the connection to the server failed")?;
    }
    Ok(())
}

/// Asks for a user name and a password until the server says yes. `false` at the end of input.
fn log_in_with_prompts<R: io::BufRead>(
    client: &mut Client,
    input: &mut Input<R>,
) -> anyhow::Result<bool> {
    loop {
        let Some(user) = input.prompt(USER_PROMPT)? else {
            return Ok(false);
        };
        let Some(password) = input.prompt_secret(PASSWORD_PROMPT)? else {
            return Ok(false);
        };
        if user.is_empty() || password.is_empty() {
            println!(
                "the user name and the password cannot be empty: an empty message sends nothing"
            );
            continue;
        }
        match client
            .log_in(&user, &password)
            .context("the connection to the server failed")?
        {
            Ok(()) => {
                println!("logged in as {user}");
                return Ok(true);
            }
            Err(answer) => println!("{answer}"),
        }
    }
}
// ANCHOR_END: run_client
