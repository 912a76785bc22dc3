//! The student's progress: the verdict of the last check of each exercise, and a digest of the
//! file as it was then, so that an edit after a check shows as "changed since".
//!
//! Kept in `.socket-lab/progress.json` at the workspace's root: outside `target/`, so that
//! `cargo clean` keeps it, and ignored by git (`.gitignore`), since it is the student's and not the
//! kit's. The file named by `SOCKET_LAB_PROGRESS` replaces it; the kit's own tests use that so as
//! to leave a student's progress alone.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

/// The environment variable that moves the progress file elsewhere.
pub const PROGRESS_ENV: &str = "SOCKET_LAB_PROGRESS";

/// Where the progress is kept, under the workspace's root.
pub const PROGRESS_FILE: &str = ".socket-lab/progress.json";

/// Where it was kept before, and `cargo clean` lost it.
const OLD_PROGRESS_FILE: &str = "target/socket-lab/progress.json";

/// What the last check of one exercise found.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Record {
    pub passed: bool,
    /// The md5 digest of the student's file when it was checked.
    pub md5: String,
}

/// The mark an untouched starter carries where the student writes: its tests fail on it, and
/// that is "not started" rather than "failed".
pub const STARTER_MARK: &str = "todo!()";

/// Whether a student's file still holds the starter's `todo!()`.
pub fn still_a_starter(file: &[u8]) -> bool {
    String::from_utf8_lossy(file).contains(STARTER_MARK)
}

/// Every exercise's last check, by `lessonN/NAME`.
pub struct Progress {
    path: PathBuf,
    records: BTreeMap<String, Record>,
}

impl Progress {
    /// Reads the progress kept in the workspace at `root`. A missing or unreadable file means no
    /// exercise was checked yet: the file is a convenience, not the student's work.
    ///
    /// Earlier versions of the kit kept it in `target/socket-lab/progress.json`; that file is read
    /// when there is no other yet, and the next check saves it in the new place.
    pub fn load(root: &Path) -> Progress {
        Progress::load_from(std::env::var_os(PROGRESS_ENV).map(PathBuf::from), root)
    }

    /// The progress in `chosen` if given, else the workspace's at `root`.
    fn load_from(chosen: Option<PathBuf>, root: &Path) -> Progress {
        let read = |path: &Path| -> Option<BTreeMap<String, Record>> {
            serde_json::from_slice(&fs::read(path).ok()?).ok()
        };
        match chosen {
            Some(path) => {
                let records = read(&path).unwrap_or_default();
                Progress { path, records }
            }
            None => {
                let path = root.join(PROGRESS_FILE);
                let records = read(&path)
                    .or_else(|| read(&root.join(OLD_PROGRESS_FILE)))
                    .unwrap_or_default();
                Progress { path, records }
            }
        }
    }

    /// Records the verdict on `file` as it is now, and saves.
    ///
    /// The file is written whole under a temporary name and then renamed, so that a checker
    /// stopped midway (Ctrl-C in watch mode) never leaves half a file to be read back.
    pub fn record(&mut self, key: &str, file: &[u8], passed: bool) -> anyhow::Result<()> {
        let record = Record {
            passed,
            md5: digest(file),
        };
        self.records.insert(key.to_string(), record);
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
        let json = serde_json::to_string_pretty(&self.records)?;
        let partial = dir.join(format!(".progress-{}.part", std::process::id()));
        fs::write(&partial, json)
            .and_then(|()| fs::rename(&partial, &self.path))
            .with_context(|| format!("could not save the progress in {}", self.path.display()))
    }

    /// Where the exercise stands, given the student's file as it is now (None if it is missing).
    pub fn status(&self, key: &str, file: Option<&[u8]>) -> Status {
        let Some(file) = file else {
            return Status::Missing;
        };
        match self.records.get(key) {
            Some(record) if record.md5 != digest(file) => Status::Changed {
                passed: record.passed,
            },
            Some(record) if record.passed => Status::Passed,
            // Checked as it came, `todo!()` and all: its tests failed, but nothing was tried.
            Some(_) if still_a_starter(file) => Status::NotStarted,
            Some(_) => Status::Failed,
            None if still_a_starter(file) => Status::NotStarted,
            None => Status::NotChecked,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Status {
    /// The starter's `todo!()` is still there, checked or not.
    NotStarted,
    /// Never checked, and no `todo!()` left.
    NotChecked,
    Passed,
    Failed,
    /// Edited since the last check, which passed or failed.
    Changed {
        passed: bool,
    },
    /// The student's file is gone.
    Missing,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Status::NotStarted => "not started",
            Status::NotChecked => "not checked yet",
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Changed { passed: true } => "changed since it passed",
            Status::Changed { passed: false } => "changed since it failed",
            Status::Missing => "file missing",
        })
    }
}

fn digest(file: &[u8]) -> String {
    Md5::digest(file)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> Progress {
        Progress {
            path: PathBuf::from("unused.json"),
            records: BTreeMap::new(),
        }
    }

    #[test]
    fn an_exercise_never_checked_is_not_started_while_its_todo_is_there() {
        let progress = empty();
        let key = "lesson1/echo";
        assert_eq!(
            progress.status(key, Some(b"fn echo() { todo!() }")),
            Status::NotStarted
        );
        assert_eq!(
            progress.status(key, Some(b"fn echo() {}")),
            Status::NotChecked
        );
        assert_eq!(progress.status(key, None), Status::Missing);
    }

    #[test]
    fn the_progress_kept_under_target_by_earlier_versions_is_carried_over() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(OLD_PROGRESS_FILE);
        fs::create_dir_all(old.parent().unwrap()).unwrap();
        fs::write(
            &old,
            r#"{"lesson1/echo": {"passed": true, "md5": "d41d8cd98f00b204e9800998ecf8427e"}}"#,
        )
        .unwrap();
        let mut progress = Progress::load_from(None, dir.path());
        assert_eq!(progress.status("lesson1/echo", Some(b"")), Status::Passed);
        progress.record("lesson1/greet", b"", false).unwrap();
        let saved = fs::read_to_string(dir.path().join(PROGRESS_FILE)).unwrap();
        assert!(
            saved.contains("lesson1/echo") && saved.contains("lesson1/greet"),
            "{saved}"
        );
    }

    #[test]
    fn a_failed_check_of_an_untouched_starter_is_not_started_rather_than_failed() {
        let dir = tempfile::tempdir().unwrap();
        let mut progress = Progress::load_from(None, dir.path());
        assert_eq!(progress.path, dir.path().join(".socket-lab/progress.json"));
        let starter = b"fn echo() { todo!() }";
        progress.record("lesson1/echo", starter, false).unwrap();
        assert_eq!(
            progress.status("lesson1/echo", Some(starter)),
            Status::NotStarted
        );
        assert_eq!(
            progress.status("lesson1/echo", Some(starter)).to_string(),
            "not started"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path().join(".socket-lab"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers,
            ["progress.json"],
            "no temporary file is left behind"
        );
    }

    #[test]
    fn a_check_is_remembered_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut progress = Progress {
            path: dir.path().join("deep/progress.json"),
            records: BTreeMap::new(),
        };
        progress.record("lesson1/echo", b"version 1", true).unwrap();
        progress.record("lesson1/greet", b"attempt", false).unwrap();

        let reread = Progress {
            path: progress.path.clone(),
            records: serde_json::from_slice(&fs::read(&progress.path).unwrap()).unwrap(),
        };
        assert_eq!(
            reread.status("lesson1/echo", Some(b"version 1")),
            Status::Passed
        );
        assert_eq!(
            reread.status("lesson1/echo", Some(b"version 2")),
            Status::Changed { passed: true }
        );
        assert_eq!(
            reread.status("lesson1/greet", Some(b"attempt")),
            Status::Failed
        );
        assert_eq!(
            reread
                .status("lesson1/greet", Some(b"attempt 2"))
                .to_string(),
            "changed since it failed"
        );
    }

    #[test]
    fn the_digest_is_md5_in_hex() {
        assert_eq!(digest(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
