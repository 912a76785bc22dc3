//! Moving exactly the bytes announced, and keeping a file that arrives only if all of it does.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Take, Write};
use std::path::{Path, PathBuf};
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};

/// How much one step of a copy asks for: the article's `recv(1024)`.
pub const BUFFER_SIZE: usize = lesson1::RECV_SIZE;

/// How much one read of the socket may bring on the receiving end of a put: 64 chunks of 1024.
pub const READ_AHEAD: usize = 64 << 10;

/// The sizes a transfer moves its bytes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buffers {
    /// What each step of the copy asks for.
    pub chunk: usize,
    /// How much one read of the socket may bring on the receiving end of a put, for the steps to
    /// take their chunks from. 0 (or no more than `chunk`): every step reads the socket itself.
    pub read_ahead: usize,
}

impl Buffers {
    /// Lesson 5's: the article's 1024-byte steps, taken from reads of the socket of up to 64 KiB.
    pub const LESSON: Buffers = Buffers {
        chunk: BUFFER_SIZE,
        read_ahead: READ_AHEAD,
    };
}

// ANCHOR: copy_exact
/// Copies exactly `size` bytes from `from` to `to`, reading at most `buf.len()` bytes at a time
/// and never more than what is left of the `size`.
///
/// On a socket, that last rule is what keeps the bytes after the file (the next request) out of
/// the file. Fails with `UnexpectedEof` if `from` ends first: a peer that closed the connection,
/// or a file that shrank after its size was sent.
pub fn copy_exact(
    from: &mut impl Read,
    to: &mut impl Write,
    size: u64,
    buf: &mut [u8],
) -> io::Result<()> {
    let mut copied = 0;
    while copied < size {
        let wanted = buf
            .len()
            .min(usize::try_from(size - copied).unwrap_or(usize::MAX));
        let n = match from.read(&mut buf[..wanted]) {
            // A signal interrupted the read before any byte arrived: just read again (lesson 6).
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            result => result?,
        };
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the data ended after {copied} of the {size} bytes announced"),
            ));
        }
        to.write_all(&buf[..n])?;
        copied += n as u64;
    }
    Ok(())
}
// ANCHOR_END: copy_exact

// ANCHOR: read_ahead
/// A reader of the next `size` bytes of `stream` that asks `stream` for up to `capacity` bytes
/// at a time, keeps them, and hands them out in reads of any size: one read of a socket then
/// brings many chunks instead of one. (With a `capacity` of 0, or no larger than the read asked
/// of it, it reads `stream` directly.)
///
/// A reader that reads ahead owns the bytes it has read, and they go when it goes. If it read
/// past the upload, the client's next request would be inside it, and lost when the put is
/// done. The `take(size)` under the buffer is the wall: the buffer's reads never ask `stream`
/// for a byte beyond `size`, so whatever follows the upload stays in the socket.
pub fn read_ahead<R: Read>(stream: R, size: u64, capacity: usize) -> BufReader<Take<R>> {
    BufReader::with_capacity(capacity, stream.take(size))
}
// ANCHOR_END: read_ahead

// ANCHOR: partial_file
/// A file being received. It is written under a temporary name in the directory of its final
/// name, and renamed to the final name by [`PartialFile::keep`] once every byte has arrived.
/// Dropped before that (the transfer was cut off, or failed), it is removed: never half a file
/// under the final name. A program stopped by Ctrl-C (or `kill`) removes it too, through
/// [`remove_on_interrupt`]; only one killed outright (`kill -9`, a crash) leaves it behind.
pub struct PartialFile {
    file: File,
    temp: PathBuf,
    target: PathBuf,
    kept: bool,
}

impl PartialFile {
    /// Creates the temporary file for `target`: `.NAME.PID-N.part` beside it (NAME is the target's
    /// name, cut to 64 characters), hidden, and named for the file it will become and the process
    /// writing it. Beside it, so that the rename cannot cross file systems; `create_new` never
    /// opens an existing file.
    pub fn create(target: &Path) -> io::Result<PartialFile> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = target.parent().unwrap_or(Path::new(""));
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let name: String = name.chars().take(64).collect();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let temp = dir.join(format!(".{name}.{}-{n}.part", process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => {
                    remove_on_interrupt(&temp);
                    return Ok(PartialFile {
                        file,
                        temp,
                        target: target.to_path_buf(),
                        kept: false,
                    });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(err),
            }
        }
    }

    /// Where the bytes go.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Gives the file its final name, replacing any file already there.
    pub fn keep(mut self) -> io::Result<()> {
        fs::rename(&self.temp, &self.target)?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.temp);
        }
        in_progress().retain(|temp| *temp != self.temp);
    }
}
// ANCHOR_END: partial_file

/// The temporary files of the transfers in progress in this process.
fn in_progress() -> MutexGuard<'static, Vec<PathBuf>> {
    static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    IN_PROGRESS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Lists `temp` among the files to remove if the program is stopped by Ctrl-C (SIGINT), SIGTERM
/// or SIGHUP. A signal ends a program without running `Drop`, so the handler (installed with the
/// first temporary file, on a thread of its own) removes them and exits with 130, the status a
/// shell gives a program that Ctrl-C stopped. If the program already has a handler, that handler
/// decides, and this one is not installed.
pub fn remove_on_interrupt(temp: &Path) {
    static HANDLER: Once = Once::new();
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            for temp in in_progress().drain(..) {
                let _ = fs::remove_file(temp);
            }
            process::exit(130);
        });
    });
    in_progress().push(temp.to_path_buf());
}
// ANCHOR_END: partial_file

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_exact_takes_the_size_and_leaves_the_rest() {
        let mut stream = &b"twelve bytes{\"action\":\"ls\"}"[..];
        let mut file = Vec::new();
        copy_exact(&mut stream, &mut file, 12, &mut [0; 5]).unwrap();
        assert_eq!(file, b"twelve bytes");
        assert_eq!(stream, b"{\"action\":\"ls\"}");
    }

    #[test]
    fn copy_exact_fails_when_the_source_ends_first() {
        let err = copy_exact(&mut &b"short"[..], &mut Vec::new(), 12, &mut [0; 1024]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(
            err.to_string(),
            "the data ended after 5 of the 12 bytes announced"
        );
    }

    /// A reader that counts the reads asked of it.
    struct Counted<R> {
        inner: R,
        reads: usize,
    }

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.reads += 1;
            self.inner.read(buf)
        }
    }

    #[test]
    fn read_ahead_stops_at_the_size_and_leaves_the_next_request() {
        let mut stream = &b"twelve bytes{\"action\":\"ls\"}"[..];
        let mut file = Vec::new();
        let mut reader = read_ahead(&mut stream, 12, 64);
        copy_exact(&mut reader, &mut file, 12, &mut [0; 5]).unwrap();
        drop(reader);
        assert_eq!(file, b"twelve bytes");
        assert_eq!(stream, b"{\"action\":\"ls\"}");
    }

    #[test]
    fn read_ahead_brings_many_chunks_in_one_read_of_the_stream() {
        let data = vec![7; 3 * READ_AHEAD + 100];
        let size = data.len() as u64;
        for (capacity, reads) in [(0, 3 * 64 + 1), (READ_AHEAD, 4)] {
            let mut stream = Counted {
                inner: &data[..],
                reads: 0,
            };
            let mut file = Vec::new();
            let mut reader = read_ahead(&mut stream, size, capacity);
            copy_exact(&mut reader, &mut file, size, &mut [0; BUFFER_SIZE]).unwrap();
            drop(reader);
            assert_eq!(file, data);
            assert_eq!(stream.reads, reads, "read ahead {capacity}");
        }
    }

    #[test]
    fn a_partial_file_appears_under_its_name_only_when_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("notes.txt");
        let mut kept = PartialFile::create(&target).unwrap();
        kept.file().write_all(b"all of it").unwrap();
        let mut dropped = PartialFile::create(&target).unwrap();
        dropped.file().write_all(b"half").unwrap();
        assert!(!target.exists());
        drop(dropped);
        kept.keep().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"all of it");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["notes.txt"]);
        assert!(
            in_progress()
                .iter()
                .all(|temp| !temp.starts_with(dir.path()))
        );
    }

    #[test]
    fn a_temporary_file_is_named_for_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let partial = PartialFile::create(&dir.path().join("notes.txt")).unwrap();
        let name = partial.temp.file_name().unwrap().to_str().unwrap();
        let prefix = format!(".notes.txt.{}-", process::id());
        assert!(
            name.starts_with(&prefix) && name.ends_with(".part"),
            "{name}"
        );
        assert!(in_progress().contains(&partial.temp));
    }
}
