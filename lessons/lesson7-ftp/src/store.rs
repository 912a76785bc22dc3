//! What lesson 7 adds to lesson 4's [`Workdir`]: removing a file, unfinished uploads kept for a
//! resume, how much of the quota a home uses, and the md5 of the files the server has seen whole.
//!
//! Every path still comes from `Workdir`, so it is inside the home; this module only decides what
//! to do there.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use lesson4::home::{MAX_NAME_LEN, PathError, Workdir, check_name};

use crate::accounts::human_size;
use crate::protocol::{MAX_DEPTH, Reply, status};

// ANCHOR: partial
/// An upload in progress, or cut off and waiting for a resume, is kept as `NAME.part` beside where
/// `NAME` will be. Only a complete, verified upload is renamed to `NAME`: a reader never sees half
/// a file under its final name.
pub const PART_SUFFIX: &str = ".part";

/// Checks the name of an upload: one valid name, not itself a `.part` name (those belong to the
/// server), and short enough that `NAME.part` is still a valid name.
pub fn check_upload_name(name: &str) -> Result<(), PathError> {
    check_name(name)?;
    let reason = if is_partial(Path::new(name)) {
        "names ending in .part are kept for unfinished uploads"
    } else if name.len() > MAX_NAME_LEN - PART_SUFFIX.len() {
        "an upload's name may be at most 250 bytes, so that NAME.part fits"
    } else {
        return Ok(());
    };
    Err(PathError::BadName {
        name: name.to_string(),
        reason,
    })
}

/// Whether `path` names an unfinished upload: its last name ends in `.part`, in any case, since
/// on a case-insensitive file system `x.PART` is the same file as `x.part`.
///
/// Asked of the path *as resolved on disk*, never of the string a client sent: `x.part/.` and
/// `/x.part//` name the same file as `x.part`.
pub fn is_partial(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.to_ascii_lowercase().ends_with(PART_SUFFIX))
}

/// Where the unfinished upload of `name` lives, in the current directory.
pub fn partial_upload(workdir: &Workdir, name: &str) -> Result<PathBuf, PathError> {
    workdir.new_file(&format!("{name}{PART_SUFFIX}"))
}
// ANCHOR_END: partial

/// Removes the file `path` names (a symbolic link itself, not what it points to), unless an
/// upload is writing it. Directories are refused: `rm` removes one file at a time.
pub fn remove_file(
    workdir: &Workdir,
    home: &Path,
    path: &str,
    uploads: &Uploads,
) -> Result<(), Reply> {
    if uploads.in_progress(home, &workdir.locate(path)?) {
        return Err(Reply::error(
            status::CONFLICT,
            format!("{path} is being written by an upload right now"),
        ));
    }
    workdir.remove_file(path)?;
    Ok(())
}

// ANCHOR: path_status
/// A refused path becomes a reply: lesson 4's sentence, with a status code that says which kind
/// of refusal it is.
impl From<PathError> for Reply {
    fn from(err: PathError) -> Reply {
        let status = match err {
            PathError::OutsideHome(_) => status::FORBIDDEN,
            PathError::BadName { .. } => status::BAD_REQUEST,
            PathError::NotFound(_) => status::NOT_FOUND,
            PathError::NotADirectory(_) | PathError::AlreadyExists(_) => status::CONFLICT,
            PathError::Io(_) => status::SERVER_ERROR,
        };
        Reply::error(status, err)
    }
}
// ANCHOR_END: path_status

// ANCHOR: uploads
/// The uploads running right now, in every home: the `.part` file each writes, and the size it
/// will reach.
///
/// Two sessions that put the same name at once would write into the same `.part` file and
/// corrupt it, so the second is refused while the first runs. And while an upload runs, its
/// `.part` file counts against the quota at its full size, so that two uploads started together
/// cannot both squeeze into the same free space.
///
/// Each home has a lock of its own. Checking a quota means walking the home, which takes as
/// long as the home is large; under one lock for everyone, one user with a large home would make
/// every other user's upload wait for that walk. With a lock per home, a user waits only for
/// their own sessions.
#[derive(Debug, Default)]
pub struct Uploads {
    homes: Mutex<HashMap<PathBuf, Arc<Running>>>,
}

/// The uploads running in one home: `.part` file to its announced size.
type Running = Mutex<HashMap<PathBuf, u64>>;

/// An upload's claim on its `.part` file; dropping it (however the upload ends, a panic
/// included) lets the next put of the same name proceed.
#[derive(Debug)]
pub struct Claim {
    running: Arc<Running>,
    partial: PathBuf,
}

/// Why an upload, or a new directory, may not be made.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// Another session is uploading the same file.
    Busy,
    /// The upload needs `needed` more bytes and only `left` are free.
    OverQuota { needed: u64, left: u64, quota: u64 },
    /// The home already holds as many files and directories as it may.
    TooManyEntries { limit: u64 },
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Busy => status::CONFLICT,
            Refusal::OverQuota { .. } | Refusal::TooManyEntries { .. } => status::QUOTA_EXCEEDED,
        }
    }

    /// The sentence for the client.
    pub fn explain(&self, name: &str) -> String {
        match self {
            Refusal::Busy => format!("another session is uploading {name} right now"),
            Refusal::OverQuota {
                needed,
                left,
                quota,
            } => format!(
                "{name} needs {} more but only {} of your {} quota is left",
                human_size(*needed),
                human_size(*left),
                human_size(*quota)
            ),
            Refusal::TooManyEntries { limit } => format!(
                "cannot create {name}: your home holds {limit} files and directories, the most \
                 it may"
            ),
        }
    }
}

/// What a home holds: bytes in its files, and how many files, directories and links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub bytes: u64,
    pub entries: u64,
}

/// What a user may store: bytes, and entries (files, directories and links together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub quota: u64,
    pub max_entries: u64,
}

impl Uploads {
    /// Claims `partial` for an upload of `size` bytes into `home`.
    ///
    /// The limits are checked under the home's lock, the same that records the claim, so no other
    /// upload to this home can slip in between.
    pub fn claim(
        &self,
        home: &Path,
        partial: &Path,
        size: u64,
        limits: Limits,
    ) -> io::Result<Result<Claim, Refusal>> {
        let running = self.home(home);
        let mut uploads = lock(&running);
        if uploads.contains_key(partial) {
            return Ok(Err(Refusal::Busy));
        }
        let used = usage(home, &uploads)?;
        let already_there = fs::metadata(partial).map(|m| m.len()).ok();
        // A new upload adds one entry, its `.part` file, which becomes the file itself.
        if already_there.is_none() && used.entries >= limits.max_entries {
            return Ok(Err(Refusal::TooManyEntries {
                limit: limits.max_entries,
            }));
        }
        let needed = size.saturating_sub(already_there.unwrap_or(0));
        let left = limits.quota.saturating_sub(used.bytes);
        if needed > left {
            return Ok(Err(Refusal::OverQuota {
                needed,
                left,
                quota: limits.quota,
            }));
        }
        uploads.insert(partial.to_path_buf(), size);
        drop(uploads);
        Ok(Ok(Claim {
            running,
            partial: partial.to_path_buf(),
        }))
    }

    /// Makes the directory `path` in the workdir's home, if the home may hold one more entry and
    /// the new directory is at most [`MAX_DEPTH`] levels below the home.
    pub fn mkdir(
        &self,
        workdir: &Workdir,
        home: &Path,
        path: &str,
        max_entries: u64,
    ) -> Result<String, Reply> {
        let depth = workdir
            .locate(path)?
            .strip_prefix(home)
            .map_or(0, |inside| inside.components().count());
        if depth > MAX_DEPTH {
            let why = format!("{path} would be {depth} levels deep; the limit is {MAX_DEPTH}");
            return Err(Reply::error(status::BAD_REQUEST, why));
        }
        let running = self.home(home);
        let uploads = lock(&running);
        let used = usage(home, &uploads).map_err(PathError::Io)?;
        if used.entries >= max_entries {
            let refusal = Refusal::TooManyEntries { limit: max_entries };
            return Err(Reply::error(refusal.status(), refusal.explain(path)));
        }
        Ok(workdir.mkdir(path)?)
    }

    /// What `home` holds, running uploads counted at their full size.
    ///
    /// The home's lock is held only to copy the list of running uploads: the walk itself runs
    /// without it, so that asking for the quota never holds up an upload, even of the same user.
    pub fn usage(&self, home: &Path) -> io::Result<Usage> {
        let running = lock(&self.home(home)).clone();
        usage(home, &running)
    }

    fn in_progress(&self, home: &Path, partial: &Path) -> bool {
        lock(&self.home(home)).contains_key(partial)
    }

    /// The running uploads of `home`, created on first use. The map of homes is locked only for
    /// this lookup.
    fn home(&self, home: &Path) -> Arc<Running> {
        let mut homes = lock(&self.homes);
        Arc::clone(homes.entry(home.to_path_buf()).or_default())
    }
}

/// The value behind a lock, even if a thread panicked while holding it: every change to these
/// maps is a single insert or remove, so they are never left half-changed.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Drop for Claim {
    fn drop(&mut self) {
        lock(&self.running).remove(&self.partial);
    }
}
// ANCHOR_END: uploads

// ANCHOR: usage
/// Adds up the files under `home`: their bytes, and how many entries there are (files,
/// directories, links). Symbolic links are counted but not followed: what they point to is not in
/// the home, or is counted where it is.
///
/// The walk keeps the directories still to visit in a list of its own instead of calling itself:
/// a recursive walk needs a stack frame per level, and a user who makes directories thousands deep
/// would overflow the thread's stack and abort the whole server.
///
/// Other sessions of the same user may rename or remove files during the walk. What vanishes
/// between being listed and being looked at is simply not counted.
fn usage(home: &Path, running: &HashMap<PathBuf, u64>) -> io::Result<Usage> {
    let mut total = Usage::default();
    let mut to_visit = vec![home.to_path_buf()];
    while let Some(dir) = to_visit.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound && dir != home => continue,
            Err(err) => return Err(err),
        };
        for entry in entries {
            let Some(entry) = vanished_is_none(entry)? else {
                continue;
            };
            let Some(file_type) = vanished_is_none(entry.file_type())? else {
                continue;
            };
            total.entries += 1;
            if file_type.is_dir() {
                to_visit.push(entry.path());
            } else if file_type.is_file() {
                total.bytes += match running.get(&entry.path()) {
                    Some(&size) => size,
                    None => match vanished_is_none(entry.metadata())? {
                        Some(metadata) => metadata.len(),
                        None => 0,
                    },
                };
            }
        }
    }
    Ok(total)
}

/// `None` for something that was removed while we looked at it; other errors stay errors.
fn vanished_is_none<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}
// ANCHOR_END: usage

// ANCHOR: digests
/// The md5 of files the server has seen whole, so that a download that starts at an offset does
/// not hash the first `offset` bytes again.
///
/// A `get` must end with the md5 of the whole file. Without this, a request at `offset = size`
/// (nothing to send) would make the server read and hash the whole file to send 0 bytes: a cheap
/// request with an expensive answer, which a client can repeat as often as it likes. An entry is
/// used only while the file's size and modification time are the ones it was hashed with.
#[derive(Debug, Default)]
pub struct Digests {
    known: Mutex<HashMap<PathBuf, Digest>>,
}

#[derive(Debug, Clone, PartialEq)]
struct Digest {
    len: u64,
    modified: SystemTime,
    md5: String,
}

/// The most files remembered; when full, the memory starts again empty.
const MAX_DIGESTS: usize = 100_000;

impl Digests {
    /// The md5 of `file` at `path`, if it was recorded and the file has not changed since.
    pub fn get(&self, path: &Path, metadata: &fs::Metadata) -> Option<String> {
        let known = lock(&self.known);
        let digest = known.get(path)?;
        let unchanged =
            digest.len == metadata.len() && Some(digest.modified) == metadata.modified().ok();
        unchanged.then(|| digest.md5.clone())
    }

    /// Records the md5 of the whole file at `path`, as it is now.
    pub fn record(&self, path: &Path, md5: &str) {
        let Ok(metadata) = fs::metadata(path) else {
            return;
        };
        let Ok(modified) = metadata.modified() else {
            return;
        };
        let mut known = lock(&self.known);
        if known.len() >= MAX_DIGESTS {
            known.clear();
        }
        known.insert(
            path.to_path_buf(),
            Digest {
                len: metadata.len(),
                modified,
                md5: md5.to_string(),
            },
        );
    }
}
// ANCHOR_END: digests

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_names_leave_room_for_part() {
        assert!(check_upload_name("notes.txt").is_ok());
        assert!(check_upload_name("notes.txt.part").is_err());
        assert!(check_upload_name(&"x".repeat(250)).is_ok());
        assert!(check_upload_name(&"x".repeat(251)).is_err());
        assert!(check_upload_name("../x").is_err());
    }

    const ROOMY: Limits = Limits {
        quota: 1000,
        max_entries: 100,
    };

    #[test]
    fn claims_exclude_each_other_and_count_at_full_size() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        fs::write(home.join("old.bin"), [0u8; 100]).unwrap();
        let uploads = Uploads::default();
        let a = home.join("a.part");
        let b = home.join("b.part");
        fs::write(&a, [0u8; 10]).unwrap();
        let claim = uploads.claim(home, &a, 500, ROOMY).unwrap().unwrap();
        assert_eq!(
            uploads.claim(home, &a, 500, ROOMY).unwrap().unwrap_err(),
            Refusal::Busy
        );
        assert_eq!(
            uploads.usage(home).unwrap(),
            Usage {
                bytes: 600,
                entries: 2
            }
        );
        assert_eq!(
            uploads.claim(home, &b, 401, ROOMY).unwrap().unwrap_err(),
            Refusal::OverQuota {
                needed: 401,
                left: 400,
                quota: 1000
            }
        );
        drop(claim);
        assert_eq!(uploads.usage(home).unwrap().bytes, 110);
        // The 10 bytes already in a.part count towards its own resume.
        assert!(uploads.claim(home, &a, 900, ROOMY).unwrap().is_ok());
    }

    #[test]
    fn entries_are_counted_and_limited() {
        let home = tempfile::tempdir().unwrap();
        let home = home.path();
        let workdir = Workdir::open(home).unwrap();
        let home = fs::canonicalize(home).unwrap();
        let uploads = Uploads::default();
        uploads.mkdir(&workdir, &home, "a", 2).unwrap();
        uploads.mkdir(&workdir, &home, "a/b", 2).unwrap();
        let refused = uploads.mkdir(&workdir, &home, "c", 2).unwrap_err();
        assert_eq!(refused.status, status::QUOTA_EXCEEDED, "{refused:?}");
        let limits = Limits {
            quota: 1000,
            max_entries: 2,
        };
        assert_eq!(
            uploads
                .claim(&home, &home.join("x.part"), 1, limits)
                .unwrap()
                .unwrap_err(),
            Refusal::TooManyEntries { limit: 2 }
        );
        assert_eq!(uploads.usage(&home).unwrap().entries, 2);
    }

    #[test]
    fn a_tree_deeper_than_a_small_stack_is_walked() {
        let home = tempfile::tempdir().unwrap();
        let mut dir = home.path().to_path_buf();
        for _ in 0..1500 {
            dir.push("a");
        }
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("deep.bin"), [1u8; 7]).unwrap();
        // 64 KiB of stack: a walk that recursed once per level would overflow it long before
        // 1500 levels, and abort the test process.
        let top = home.path().to_path_buf();
        let used = thread_with_small_stack(move || usage(&top, &HashMap::new()).unwrap());
        assert_eq!(
            used,
            Usage {
                bytes: 7,
                entries: 1501
            }
        );
    }

    fn thread_with_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(work)
            .unwrap()
            .join()
            .unwrap()
    }

    #[test]
    fn part_names_are_recognised_in_any_case() {
        assert!(is_partial(Path::new("/h/x.part")));
        assert!(is_partial(Path::new("/h/x.PART")));
        assert!(!is_partial(Path::new("/h/x.parts")));
        assert!(check_upload_name("x.Part").is_err());
    }
}
