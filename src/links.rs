//! Symbolic links for tests, on every platform.
//!
//! The lessons refuse paths that lead out of a home, symbolic links included, and their tests
//! make such links. `std::os::unix::fs::symlink` exists on Unix only; Windows has one call for a
//! link to a directory and another for a link to a file, and makes either only for an
//! administrator or with Developer Mode on: without them the call fails and says so.

use std::io;
use std::path::Path;

/// Makes `link` a symbolic link to `target` (relative to the link's directory, if relative).
#[cfg(unix)]
pub fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

/// Makes `link` a symbolic link to `target` (relative to the link's directory, if relative).
#[cfg(windows)]
pub fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (target, link) = (target.as_ref(), link.as_ref());
    let resolved = match link.parent() {
        Some(dir) => dir.join(target),
        None => target.to_path_buf(),
    };
    if resolved.is_dir() {
        std::os::windows::fs::symlink_dir(target, link)
    } else {
        std::os::windows::fs::symlink_file(target, link)
    }
}

/// Makes `link` a symbolic link to `target`: not on this platform.
#[cfg(not(any(unix, windows)))]
pub fn symlink(_target: impl AsRef<Path>, _link: impl AsRef<Path>) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symbolic links are not supported on this platform",
    ))
}

#[cfg(test)]
mod tests {
    use super::symlink;

    #[test]
    fn a_link_reads_as_its_target() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("target.txt"), "through the link").unwrap();
        symlink("target.txt", dir.path().join("link")).unwrap();
        let link = dir.path().join("link");
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(link).unwrap(), b"through the link");
    }
}
