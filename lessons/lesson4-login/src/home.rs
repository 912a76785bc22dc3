//! A user's home directory, and a session's current directory inside it.
//!
//! The article's server joins whatever name the client sends onto a folder and opens the result.
//! That one join is where file servers go wrong: `../../etc/passwd`, an absolute path, or a symbolic
//! link inside the home that points out of it all turn "the user's folder" into "any file the
//! server can reach". Here a path from the client is never joined as it is. It is parsed into
//! names, `.` and `..` are applied to those names (and `..` stops at the home), each name is checked,
//! and the place it leads to on disk is checked once more after the operating system has followed
//! any symbolic links. What passes is inside the home; anything else is refused with a reason.
//!
//! Clients see paths as if the home were the root of the file system: `/` is the home, `/docs` a
//! folder in it. They never see where the home really is.
//!
//! What this cannot stop: someone with a shell on the server who swaps a checked directory for a
//! symbolic link in the instant between the check and its use. Clients of the server have no way to
//! create links, so the check holds against them; a server shared with untrusted local users would
//! need the `openat` family of system calls, which std does not offer.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The longest name a file or directory may have, in bytes: Linux's `NAME_MAX`.
pub const MAX_NAME_LEN: usize = 255;

// ANCHOR: path_error
/// Why a path from the client was refused. `Display` gives the sentence to send back.
#[derive(Debug)]
pub enum PathError {
    /// `..` or a symbolic link would lead out of the home.
    OutsideHome(String),
    /// One of the names is not one a file may have here.
    BadName {
        name: String,
        reason: &'static str,
    },
    NotFound(String),
    NotADirectory(String),
    AlreadyExists(String),
    /// Something the client did not cause, such as a permission error on the server's disk.
    Io(io::Error),
}
// ANCHOR_END: path_error

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::OutsideHome(path) => write!(f, "`{path}` leads outside your home directory"),
            PathError::BadName { name, reason } => {
                write!(f, "`{name}` is not a valid name: {reason}")
            }
            PathError::NotFound(path) => write!(f, "no such file or directory: {path}"),
            PathError::NotADirectory(path) => write!(f, "not a directory: {path}"),
            PathError::AlreadyExists(path) => write!(f, "already exists: {path}"),
            PathError::Io(err) => write!(f, "the server could not do that: {err}"),
        }
    }
}

impl std::error::Error for PathError {}

impl From<io::Error> for PathError {
    fn from(err: io::Error) -> Self {
        PathError::Io(err)
    }
}

// ANCHOR: check_name
/// Checks one name, as it may appear between two `/` of a path.
///
/// Refused: the empty name, `.` and `..` (handled before a name gets here), a backslash (a
/// separator on Windows, where the article's client runs, so its meaning is ambiguous), NUL (it
/// ends a path for the operating system, so the rest would be silently cut off), other control
/// characters (a newline in a name would forge lines in a listing), and names longer than
/// [`MAX_NAME_LEN`] bytes.
pub fn check_name(name: &str) -> Result<(), PathError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name == "." || name == ".." {
        "it names a directory, not an entry in one"
    } else if name.contains('/') {
        "a name cannot contain `/`"
    } else if name.contains('\\') {
        "it contains a backslash; use `/` between directories"
    } else if name.contains('\0') {
        "it contains a NUL byte"
    } else if name.chars().any(char::is_control) {
        "it contains a control character"
    } else if name.len() > MAX_NAME_LEN {
        "it is longer than 255 bytes"
    } else {
        return Ok(());
    };
    Err(PathError::BadName {
        name: name.to_string(),
        reason,
    })
}
// ANCHOR_END: check_name

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
    /// In bytes; 0 for a directory.
    pub size: u64,
}

/// A place inside the home: the names that lead to it from the home.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct HomePath(Vec<String>);

impl fmt::Display for HomePath {
    /// How the client sees it: `/`, `/docs`, `/docs/2024`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("/");
        }
        for name in &self.0 {
            write!(f, "/{name}")?;
        }
        Ok(())
    }
}

// ANCHOR: workdir
/// A session's view of one user's files: the home directory and the current directory in it.
///
/// The article keeps the current directory in a dict per connection; here it is this value, owned
/// by the connection's handler, so two sessions of one user each have their own.
#[derive(Debug, Clone)]
pub struct Workdir {
    /// The home, absolute and with every symbolic link resolved, so that "is this inside the
    /// home?" can be answered by comparing path prefixes.
    home: PathBuf,
    cwd: HomePath,
}
// ANCHOR_END: workdir

impl Workdir {
    /// Opens `home` (creating it if it does not exist yet), with `/` as the current directory.
    pub fn open(home: &Path) -> io::Result<Workdir> {
        fs::create_dir_all(home)?;
        Ok(Workdir {
            home: fs::canonicalize(home)?,
            cwd: HomePath::default(),
        })
    }

    /// The current directory as the client sees it, `/` being the home.
    pub fn pwd(&self) -> String {
        self.cwd.to_string()
    }

    /// Changes the current directory to `path` (relative, or absolute from the home).
    pub fn cd(&mut self, path: &str) -> Result<(), PathError> {
        let target = self.parse(path)?;
        let on_disk = self.existing(&target)?;
        if !on_disk.is_dir() {
            return Err(PathError::NotADirectory(target.to_string()));
        }
        self.cwd = target;
        Ok(())
    }

    /// The entries of the directory `path` (the current one when `None`), sorted by name; for a
    /// file, that file alone.
    pub fn ls(&self, path: Option<&str>) -> Result<Vec<Entry>, PathError> {
        let target = self.parse(path.unwrap_or("."))?;
        let on_disk = self.existing(&target)?;
        if !on_disk.is_dir() {
            let name = target.0.last().cloned().unwrap_or_default();
            return Ok(vec![Entry {
                name,
                is_dir: false,
                size: fs::metadata(&on_disk)?.len(),
            }]);
        }
        let mut entries = Vec::new();
        for entry in fs::read_dir(&on_disk)? {
            let entry = entry?;
            // `DirEntry::metadata` does not follow symbolic links: a link may point out of the
            // home, and what is there (even its size) is none of the client's business.
            let metadata = entry.metadata()?;
            entries.push(Entry {
                name: entry.file_name().to_string_lossy().into_owned(),
                is_dir: metadata.is_dir(),
                size: if metadata.is_file() {
                    metadata.len()
                } else {
                    0
                },
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    /// Creates the directory `path`; its parent must exist. Returns it as the client sees it.
    pub fn mkdir(&self, path: &str) -> Result<String, PathError> {
        let target = self.parse(path)?;
        let on_disk = self.new_entry(&target)?;
        fs::create_dir(&on_disk).map_err(|err| match err.kind() {
            io::ErrorKind::AlreadyExists => PathError::AlreadyExists(target.to_string()),
            _ => PathError::Io(err),
        })?;
        Ok(target.to_string())
    }

    /// Where a file called `name`, sent by the client, may be created in the current directory.
    ///
    /// `name` must be a single name, not a path: an upload never chooses its own directory. The
    /// place may already hold a file (an upload replaces it), but not a directory.
    pub fn new_file(&self, name: &str) -> Result<PathBuf, PathError> {
        check_name(name)?;
        let mut target = self.cwd.clone();
        target.0.push(name.to_string());
        let on_disk = self.new_entry(&target)?;
        if on_disk.is_dir() {
            return Err(PathError::AlreadyExists(target.to_string()));
        }
        Ok(on_disk)
    }

    /// The existing file `path` names (relative, or absolute from the home), for a download.
    pub fn existing_file(&self, path: &str) -> Result<PathBuf, PathError> {
        let target = self.parse(path)?;
        let on_disk = self.existing(&target)?;
        if on_disk.is_dir() {
            return Err(PathError::BadName {
                name: target.to_string(),
                reason: "it is a directory, not a file",
            });
        }
        Ok(on_disk)
    }

    /// Removes the file `path` names, and returns it as the client sees it.
    ///
    /// If the name is a symbolic link, the link goes and what it points to stays: following it
    /// would remove a file that may not even be in the home. Directories are refused.
    pub fn remove_file(&self, path: &str) -> Result<String, PathError> {
        let target = self.parse(path)?;
        let on_disk = self.entry(&target)?;
        let metadata = on_disk.symlink_metadata().map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => PathError::NotFound(target.to_string()),
            _ => PathError::Io(err),
        })?;
        if metadata.is_dir() {
            return Err(PathError::BadName {
                name: target.to_string(),
                reason: "it is a directory, not a file",
            });
        }
        fs::remove_file(&on_disk)?;
        Ok(target.to_string())
    }

    /// Where the entry `path` names is on disk, its directory resolved inside the home but the
    /// name itself not followed: it may be a symbolic link, or not exist yet.
    ///
    /// For code that must know an entry's place before it acts on it, such as lesson 7's check
    /// that no upload is writing a file about to be removed.
    pub fn locate(&self, path: &str) -> Result<PathBuf, PathError> {
        self.entry(&self.parse(path)?)
    }

    // ANCHOR: parse
    /// Turns a path from the client into a place in the home, by names alone: nothing on disk is
    /// looked at yet.
    ///
    /// A path starting with `/` starts at the home, any other at the current directory. Empty names
    /// and `.` are skipped, `..` drops the last name, and a `..` with no name left to drop would
    /// leave the home: refused.
    fn parse(&self, path: &str) -> Result<HomePath, PathError> {
        let mut names = if path.starts_with('/') {
            Vec::new()
        } else {
            self.cwd.0.clone()
        };
        for name in path.split('/') {
            match name {
                "" | "." => {}
                ".." => {
                    if names.pop().is_none() {
                        return Err(PathError::OutsideHome(path.to_string()));
                    }
                }
                _ => {
                    check_name(name)?;
                    names.push(name.to_string());
                }
            }
        }
        Ok(HomePath(names))
    }
    // ANCHOR_END: parse

    // ANCHOR: on_disk
    /// The existing file or directory at `target`, after the operating system has followed every
    /// symbolic link on the way; refused if that leads out of the home.
    fn existing(&self, target: &HomePath) -> Result<PathBuf, PathError> {
        let joined = target
            .0
            .iter()
            .fold(self.home.clone(), |path, name| path.join(name));
        let on_disk = fs::canonicalize(&joined).map_err(|err| match err.kind() {
            io::ErrorKind::NotFound => PathError::NotFound(target.to_string()),
            io::ErrorKind::NotADirectory => PathError::NotADirectory(target.to_string()),
            _ => PathError::Io(err),
        })?;
        if !on_disk.starts_with(&self.home) {
            return Err(PathError::OutsideHome(target.to_string()));
        }
        Ok(on_disk)
    }

    /// Where a new entry `target` would go: its parent must be an existing directory inside the
    /// home, and its own name must not be a symbolic link (which could point anywhere).
    fn new_entry(&self, target: &HomePath) -> Result<PathBuf, PathError> {
        let on_disk = self.entry(target)?;
        if on_disk
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Err(PathError::OutsideHome(target.to_string()));
        }
        Ok(on_disk)
    }

    /// The place of the entry `target` in its parent directory, which must be an existing
    /// directory inside the home; the entry itself is not looked at.
    fn entry(&self, target: &HomePath) -> Result<PathBuf, PathError> {
        let Some((name, parent_names)) = target.0.split_last() else {
            // The home itself is no entry of a directory: it can be neither made nor removed.
            return Err(PathError::AlreadyExists(target.to_string()));
        };
        let parent = HomePath(parent_names.to_vec());
        let parent_on_disk = self.existing(&parent)?;
        if !parent_on_disk.is_dir() {
            return Err(PathError::NotADirectory(parent.to_string()));
        }
        Ok(parent_on_disk.join(name))
    }
    // ANCHOR_END: on_disk
}

#[cfg(test)]
mod tests {
    use super::*;
    use socket_lab::links::symlink;

    /// A root holding a home (`alex`, with `docs/notes.txt`) and, beside it, a secret the home must
    /// not reach.
    fn setup() -> (tempfile::TempDir, Workdir) {
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("alex");
        fs::create_dir_all(home.join("docs")).unwrap();
        fs::write(home.join("docs/notes.txt"), b"twelve bytes").unwrap();
        fs::write(root.path().join("secret.txt"), b"not yours").unwrap();
        let workdir = Workdir::open(&home).unwrap();
        (root, workdir)
    }

    fn refused_as_outside(result: Result<impl fmt::Debug, PathError>) {
        match result {
            Err(PathError::OutsideHome(_)) => {}
            other => panic!("expected OutsideHome, got {other:?}"),
        }
    }

    #[test]
    fn cd_and_pwd_move_inside_the_home() {
        let (_root, mut wd) = setup();
        assert_eq!(wd.pwd(), "/");
        wd.cd("docs").unwrap();
        assert_eq!(wd.pwd(), "/docs");
        wd.cd("..").unwrap();
        assert_eq!(wd.pwd(), "/");
        wd.cd("/docs/./").unwrap();
        assert_eq!(wd.pwd(), "/docs");
        wd.cd("/").unwrap();
        assert_eq!(wd.pwd(), "/");
    }

    #[test]
    fn dot_dot_stops_at_the_home() {
        let (_root, mut wd) = setup();
        for path in [
            "..",
            "../alex",
            "docs/../..",
            "/..",
            "../../../etc",
            "docs/../../secret.txt",
        ] {
            refused_as_outside(wd.cd(path));
            refused_as_outside(wd.ls(Some(path)));
            refused_as_outside(wd.existing_file(path));
        }
        refused_as_outside(wd.mkdir("../evil"));
        assert!(!wd.home.parent().unwrap().join("evil").exists());
        assert_eq!(wd.pwd(), "/");
    }

    #[test]
    fn an_absolute_path_starts_at_the_home_not_at_the_disk_root() {
        let (_root, wd) = setup();
        assert!(matches!(wd.ls(Some("/etc")), Err(PathError::NotFound(p)) if p == "/etc"));
        let entries = wd.ls(Some("/docs")).unwrap();
        assert_eq!(
            entries,
            vec![Entry {
                name: "notes.txt".into(),
                is_dir: false,
                size: 12
            }]
        );
    }

    #[test]
    fn symbolic_links_that_point_out_are_refused() {
        let (root, mut wd) = setup();
        symlink(root.path(), wd.home.join("escape")).unwrap();
        symlink(root.path().join("secret.txt"), wd.home.join("secret-link")).unwrap();
        refused_as_outside(wd.cd("escape"));
        refused_as_outside(wd.ls(Some("escape")));
        refused_as_outside(wd.existing_file("escape/secret.txt"));
        refused_as_outside(wd.existing_file("secret-link"));
        refused_as_outside(wd.mkdir("escape/new"));
        // Writing through a link: the name itself is a link, or its directory is one.
        refused_as_outside(wd.new_file("secret-link"));
        wd.cd("docs").unwrap();
        symlink(root.path(), wd.home.join("docs/up")).unwrap();
        refused_as_outside(wd.mkdir("up/new"));
        assert!(!root.path().join("new").exists());
    }

    #[test]
    fn a_symbolic_link_that_stays_inside_is_followed() {
        let (_root, mut wd) = setup();
        symlink(wd.home.join("docs"), wd.home.join("shortcut")).unwrap();
        wd.cd("shortcut").unwrap();
        assert_eq!(wd.pwd(), "/shortcut");
        assert_eq!(wd.ls(None).unwrap()[0].name, "notes.txt");
        // A listing shows a link as it is, without following it.
        wd.cd("/").unwrap();
        let link = wd
            .ls(None)
            .unwrap()
            .into_iter()
            .find(|e| e.name == "shortcut")
            .unwrap();
        assert_eq!(
            link,
            Entry {
                name: "shortcut".into(),
                is_dir: false,
                size: 0
            }
        );
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        let (_root, wd) = setup();
        let long = "x".repeat(256);
        for (name, reason) in [
            ("a\\b", "backslash"),
            ("nul\0byte", "NUL"),
            ("new\nline", "control character"),
            (long.as_str(), "longer than 255 bytes"),
        ] {
            match wd.mkdir(name) {
                Err(err @ PathError::BadName { .. }) => {
                    assert!(err.to_string().contains(reason), "{err}")
                }
                other => panic!("{name:?}: expected BadName, got {other:?}"),
            }
        }
        assert!(wd.mkdir(&"x".repeat(255)).is_ok());
        for name in ["docs/x", "..", ".", "", "../x"] {
            assert!(
                wd.new_file(name).is_err(),
                "{name:?} was accepted as a file name"
            );
        }
    }

    #[test]
    fn remove_file_removes_the_entry_itself_and_never_a_directory() {
        let (root, mut wd) = setup();
        symlink(root.path().join("secret.txt"), wd.home.join("secret-link")).unwrap();
        symlink(wd.home.join("docs/notes.txt"), wd.home.join("notes-link")).unwrap();
        // A link goes; what it points to, in the home or out of it, stays.
        assert_eq!(wd.remove_file("secret-link").unwrap(), "/secret-link");
        assert_eq!(wd.remove_file("/notes-link").unwrap(), "/notes-link");
        assert!(root.path().join("secret.txt").exists());
        assert!(wd.home.join("docs/notes.txt").exists());
        assert!(matches!(
            wd.remove_file("docs"),
            Err(PathError::BadName { .. })
        ));
        assert!(matches!(
            wd.remove_file("/"),
            Err(PathError::AlreadyExists(_))
        ));
        assert!(
            matches!(wd.remove_file("nothing"), Err(PathError::NotFound(p)) if p == "/nothing")
        );
        refused_as_outside(wd.remove_file("../secret.txt"));
        wd.cd("docs").unwrap();
        assert_eq!(wd.remove_file("notes.txt").unwrap(), "/docs/notes.txt");
        assert!(!wd.home.join("docs/notes.txt").exists());
    }

    #[test]
    fn mkdir_ls_and_new_file_report_what_is_there() {
        let (_root, mut wd) = setup();
        assert_eq!(wd.mkdir("docs/2024").unwrap(), "/docs/2024");
        assert!(matches!(wd.mkdir("docs"), Err(PathError::AlreadyExists(p)) if p == "/docs"));
        assert!(matches!(wd.mkdir("no/such"), Err(PathError::NotFound(p)) if p == "/no"));
        assert!(matches!(
            wd.cd("docs/notes.txt"),
            Err(PathError::NotADirectory(_))
        ));
        assert!(matches!(
            wd.new_file("docs"),
            Err(PathError::AlreadyExists(_))
        ));
        wd.cd("docs").unwrap();
        let names: Vec<String> = wd.ls(None).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["2024", "notes.txt"]);
        assert_eq!(
            wd.new_file("report.pdf").unwrap(),
            wd.home.join("docs/report.pdf")
        );
        assert_eq!(
            wd.existing_file("notes.txt").unwrap(),
            wd.home.join("docs/notes.txt")
        );
        assert!(matches!(
            wd.existing_file("2024"),
            Err(PathError::BadName { .. })
        ));
    }
}
