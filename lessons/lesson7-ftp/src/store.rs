//! What lesson 7 adds to lesson 4's [`Workdir`]: removing a file, unfinished uploads kept for a
//! resume, and how much of the quota a home uses.
//!
//! Every path still comes from `Workdir`, so it is inside the home; this module only decides what
//! to do there.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use lesson4::home::{MAX_NAME_LEN, PathError, Workdir, check_name};

use crate::accounts::human_size;
use crate::protocol::{Reply, status};

// ANCHOR: partial
/// An upload in progress, or cut off and waiting for a resume, is kept as `NAME.part` beside where
/// `NAME` will be. Only a complete, verified upload is renamed to `NAME`: a reader never sees half
/// a file under its final name.
pub const PART_SUFFIX: &str = ".part";

/// Checks the name of an upload: one valid name, not itself a `.part` name (those belong to the
/// server), and short enough that `NAME.part` is still a valid name.
pub fn check_upload_name(name: &str) -> Result<(), PathError> {
    check_name(name)?;
    let reason = if name.ends_with(PART_SUFFIX) {
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

/// Where the unfinished upload of `name` lives, in the current directory.
pub fn partial_upload(workdir: &Workdir, name: &str) -> Result<PathBuf, PathError> {
    workdir.new_file(&format!("{name}{PART_SUFFIX}"))
}
// ANCHOR_END: partial

/// Removes the file `path` names (a symbolic link itself, not what it points to), unless an
/// upload is writing it. Directories are refused: `rm` removes one file at a time.
pub fn remove_file(workdir: &Workdir, path: &str, uploads: &Uploads) -> Result<(), Reply> {
    if uploads.in_progress(&workdir.locate(path)?) {
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
/// The uploads running right now, across all sessions: the `.part` file each writes, and the
/// size it will reach.
///
/// Two sessions that put the same name at once would write into the same `.part` file and
/// corrupt it, so the second is refused while the first runs. And while an upload runs, its
/// `.part` file counts against the quota at its full size, so that two uploads started together
/// cannot both squeeze into the same free space.
#[derive(Debug, Default)]
pub struct Uploads {
    running: Mutex<HashMap<PathBuf, u64>>,
}

/// An upload's claim on its `.part` file; dropping it (however the upload ends, a panic
/// included) lets the next put of the same name proceed.
#[derive(Debug)]
pub struct Claim<'a> {
    uploads: &'a Uploads,
    partial: PathBuf,
}

/// Why an upload may not start.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// Another session is uploading the same file.
    Busy,
    /// The upload needs `needed` more bytes and only `left` are free.
    OverQuota { needed: u64, left: u64, quota: u64 },
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Busy => status::CONFLICT,
            Refusal::OverQuota { .. } => status::QUOTA_EXCEEDED,
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
        }
    }
}

impl Uploads {
    /// Claims `partial` for an upload of `size` bytes into `home`, whose owner may store `quota`.
    ///
    /// The quota is checked under the same lock that records the claim, so no other upload can
    /// slip in between.
    pub fn claim(
        &self,
        home: &Path,
        partial: &Path,
        size: u64,
        quota: u64,
    ) -> io::Result<Result<Claim<'_>, Refusal>> {
        let mut running = self.lock();
        if running.contains_key(partial) {
            return Ok(Err(Refusal::Busy));
        }
        let used = usage(home, &running)?;
        let already_there = fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
        let needed = size.saturating_sub(already_there);
        let left = quota.saturating_sub(used);
        if needed > left {
            return Ok(Err(Refusal::OverQuota {
                needed,
                left,
                quota,
            }));
        }
        running.insert(partial.to_path_buf(), size);
        Ok(Ok(Claim {
            uploads: self,
            partial: partial.to_path_buf(),
        }))
    }

    /// Bytes stored in `home`, running uploads counted at their full size.
    pub fn usage(&self, home: &Path) -> io::Result<u64> {
        usage(home, &self.lock())
    }

    fn in_progress(&self, partial: &Path) -> bool {
        self.lock().contains_key(partial)
    }

    /// The map, even if a thread panicked while holding the lock: every change to it is a
    /// single insert or remove, so it is never left half-changed.
    fn lock(&self) -> MutexGuard<'_, HashMap<PathBuf, u64>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.uploads.lock().remove(&self.partial);
    }
}
// ANCHOR_END: uploads

/// Adds up the sizes of the files under `dir`. Symbolic links are not followed: what they point
/// to is not in the home, or is counted where it is.
fn usage(dir: &Path, running: &HashMap<PathBuf, u64>) -> io::Result<u64> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            total += usage(&entry.path(), running)?;
        } else if file_type.is_file() {
            total += match running.get(&entry.path()) {
                Some(&size) => size,
                None => entry.metadata()?.len(),
            };
        }
    }
    Ok(total)
}

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

    #[test]
    fn claims_exclude_each_other_and_count_at_full_size() {
        let home = tempfile::tempdir().unwrap();
        fs::write(home.path().join("old.bin"), [0u8; 100]).unwrap();
        let uploads = Uploads::default();
        let a = home.path().join("a.part");
        let b = home.path().join("b.part");
        fs::write(&a, [0u8; 10]).unwrap();
        let claim = uploads.claim(home.path(), &a, 500, 1000).unwrap().unwrap();
        assert_eq!(
            uploads
                .claim(home.path(), &a, 500, 1000)
                .unwrap()
                .unwrap_err(),
            Refusal::Busy
        );
        assert_eq!(uploads.usage(home.path()).unwrap(), 600);
        assert_eq!(
            uploads
                .claim(home.path(), &b, 401, 1000)
                .unwrap()
                .unwrap_err(),
            Refusal::OverQuota {
                needed: 401,
                left: 400,
                quota: 1000
            }
        );
        drop(claim);
        assert_eq!(uploads.usage(home.path()).unwrap(), 110);
        // The 10 bytes already in a.part count towards its own resume.
        assert!(uploads.claim(home.path(), &a, 900, 1000).unwrap().is_ok());
    }
}
