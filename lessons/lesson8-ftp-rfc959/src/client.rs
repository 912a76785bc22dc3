//! The client's side of FTP, as much as the demo and the `client` mode need: send a command
//! line, read the reply (one line or several), and for a transfer open the data connection
//! that EPSV announced.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use socket_lab::demo::say;
use socket_lab::input::Input;

use crate::control::{MAX_LINE, Reply};

/// How long the client waits for a reply or a data byte before it gives up.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The most lines one reply may have (a FEAT or MLST reply has a handful).
const MAX_REPLY_LINES: usize = 1000;

/// A control connection, which prints every line it sends and receives.
pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    /// Connects, and reads the greeting.
    pub fn connect(addr: SocketAddr) -> anyhow::Result<Client> {
        let stream =
            TcpStream::connect(addr).with_context(|| format!("could not connect to {addr}"))?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_nodelay(true)?;
        let mut client = Client {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
        };
        client.read_reply()?;
        Ok(client)
    }

    // ANCHOR: command
    /// Sends one command line and reads its reply.
    pub fn command(&mut self, line: &str) -> io::Result<Reply> {
        say("client", line);
        self.writer.write_all(format!("{line}\r\n").as_bytes())?;
        self.read_reply()
    }

    /// Sends bytes exactly as given, and reads the reply: for the lines no well-behaved client
    /// sends, which tests send on purpose.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<Reply> {
        self.writer.write_all(bytes)?;
        self.read_reply()
    }

    /// The control connection, for tests that need its addresses or want to cut it.
    pub fn stream(&self) -> &TcpStream {
        &self.writer
    }

    /// Reads a reply: one line `CODE text`, or `CODE-text` and more lines up to `CODE text`.
    pub fn read_reply(&mut self) -> io::Result<Reply> {
        let first = self.read_line()?;
        say("server", &first);
        let code = reply_code(&first)?;
        let mut lines = vec![first[4..].to_string()];
        if first.as_bytes()[3] == b'-' {
            let end = format!("{code} ");
            loop {
                let line = self.read_line()?;
                say("server", &line);
                if let Some(text) = line.strip_prefix(&end) {
                    lines.push(text.to_string());
                    break;
                }
                lines.push(line);
                if lines.len() > MAX_REPLY_LINES {
                    return Err(bad_reply("a reply of more than 1000 lines"));
                }
            }
        }
        Ok(Reply::multi(code, lines))
    }
    // ANCHOR_END: command

    fn read_line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        (&mut self.reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)?;
        if line.last() != Some(&b'\n') {
            return Err(bad_reply(
                "the server closed the connection, or sent a line without end",
            ));
        }
        let line = String::from_utf8_lossy(&line);
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }

    // ANCHOR: epsv
    /// EPSV, then a connection to the port it names, at the address this control connection
    /// already reaches: the address in a reply is never needed, and never trusted.
    pub fn open_data(&mut self) -> anyhow::Result<TcpStream> {
        let reply = self.command("EPSV")?;
        let text = reply.lines.last().map_or("", String::as_str);
        let port = text
            .split('|')
            .nth(3)
            .and_then(|port| port.parse::<u16>().ok())
            .filter(|_| reply.code == 229);
        let Some(port) = port else {
            bail!("EPSV was refused: {}", reply.summary());
        };
        let addr = SocketAddr::new(self.writer.peer_addr()?.ip(), port);
        let data =
            TcpStream::connect(addr).with_context(|| format!("data connection to {addr}"))?;
        data.set_read_timeout(Some(TIMEOUT))?;
        Ok(data)
    }
    // ANCHOR_END: epsv

    // ANCHOR: download
    /// Runs a command whose answer comes on a data connection (LIST, NLST, MLSD, RETR) and
    /// returns the bytes: all of them, up to the server's close.
    pub fn fetch(&mut self, line: &str) -> anyhow::Result<Vec<u8>> {
        let mut data = self.open_data()?;
        let opening = self.command(line)?;
        if opening.code != 150 && opening.code != 125 {
            bail!("{line}: {}", opening.summary());
        }
        let mut bytes = Vec::new();
        data.read_to_end(&mut bytes)?;
        let done = self.read_reply()?;
        if done.code != 226 {
            bail!("{line}: {}", done.summary());
        }
        Ok(bytes)
    }

    /// Runs STOR or APPE and sends `bytes`; closing the data connection ends the file.
    pub fn upload(&mut self, line: &str, bytes: &[u8]) -> anyhow::Result<Reply> {
        let mut data = self.open_data()?;
        let opening = self.command(line)?;
        if opening.code != 150 && opening.code != 125 {
            bail!("{line}: {}", opening.summary());
        }
        data.write_all(bytes)?;
        drop(data);
        Ok(self.read_reply()?)
    }
    // ANCHOR_END: download
}

fn reply_code(line: &str) -> io::Result<u16> {
    let bytes = line.as_bytes();
    let well_formed = bytes.len() >= 4
        && bytes[..3].iter().all(u8::is_ascii_digit)
        && matches!(bytes[3], b' ' | b'-');
    if !well_formed {
        return Err(bad_reply("a reply line that does not start with a code"));
    }
    Ok(line[..3].parse().expect("three digits"))
}

fn bad_reply(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_string())
}

/// `lesson8 client`: log in, then type commands. `ls [PATH]`, `get NAME` and `put FILE` do
/// the data connection for you; any other line is sent as it is (`PWD`, `MKD x`, `SIZE x`).
pub fn interactive<R: BufRead>(addr: SocketAddr, mut input: Input<R>) -> anyhow::Result<()> {
    let mut client = Client::connect(addr)?;
    let Some(user) = input.prompt("user: ")? else {
        return Ok(());
    };
    client.command(&format!("USER {user}"))?;
    let Some(password) = input.prompt_secret("password: ")? else {
        return Ok(());
    };
    let reply = client.command(&format!("PASS {password}"))?;
    if reply.code != 230 {
        bail!("login failed: {}", reply.summary());
    }
    while let Some(line) = input.prompt("ftp> ")? {
        let line = line.trim();
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        let done = match word {
            "" => Ok(()),
            "ls" => client
                .fetch(format!("LIST {rest}").trim_end())
                .map(|bytes| print!("{}", String::from_utf8_lossy(&bytes))),
            "get" => client.fetch(&format!("RETR {rest}")).and_then(|bytes| {
                let name = Path::new(rest)
                    .file_name()
                    .context("get needs a file name")?;
                fs::write(name, &bytes)?;
                println!("saved {} bytes in {}", bytes.len(), name.to_string_lossy());
                Ok(())
            }),
            "put" => fs::read(rest)
                .with_context(|| format!("cannot read {rest}"))
                .and_then(|bytes| {
                    let name = Path::new(rest).file_name().context("put needs a file")?;
                    client.upload(&format!("STOR {}", name.to_string_lossy()), &bytes)?;
                    Ok(())
                }),
            "quit" | "q" => {
                client.command("QUIT")?;
                return Ok(());
            }
            _ => client.command(line).map(drop).map_err(Into::into),
        };
        if let Err(err) = done {
            eprintln!("error: {err:#}");
        }
    }
    client.command("QUIT")?;
    Ok(())
}
