//! The users file: the article's `user_info`, a JSON object that maps each user name to
//! `{"passwd": "<md5 hex digest of the password>"}`.
//!
//! The article's server reads it with `json.load` and compares `hashlib.md5(password).hexdigest()`
//! with the stored digest. This module does the same, checks the file when it is loaded (a user
//! name becomes a directory name, so it must be a safe one), and can add a user to a file. It also
//! shows why an unsalted md5 digest protects a password so poorly: [`brute_force_md5`].

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use crate::home::check_name;

// ANCHOR: md5_hex
/// The md5 digest of `data` in lowercase hex, as Python's `hashlib.md5(data).hexdigest()` gives it.
///
/// md-5 0.11 no longer formats a digest with `{:x}`, so each of its 16 bytes is formatted as two
/// hex digits.
pub fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
// ANCHOR_END: md5_hex

/// One user's entry. Fields other than `passwd` are kept as they are when the file is saved again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserInfo {
    pub passwd: String,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The users a server accepts, by name.
#[derive(Debug, Clone, Default)]
pub struct Users(BTreeMap<String, UserInfo>);

impl Users {
    /// Reads and checks a users file. A missing file is a `NotFound` error; a file that is not a
    /// users file is an `InvalidData` error that says what is wrong with it.
    pub fn load(path: &Path) -> io::Result<Users> {
        let text = fs::read_to_string(path)?;
        Users::from_json(&text).map_err(|why| io::Error::new(io::ErrorKind::InvalidData, why))
    }

    /// Parses the text of a users file and checks every entry.
    pub fn from_json(text: &str) -> Result<Users, String> {
        let entries: BTreeMap<String, UserInfo> = serde_json::from_str(text).map_err(|err| {
            format!(
                "it is not a users file: {err}. \
                 Expected a JSON object such as {{\"alex\": {{\"passwd\": \"<md5 hex>\"}}}}"
            )
        })?;
        for (name, info) in &entries {
            // The user's home is the directory ROOT/NAME: a name such as `..` would put it elsewhere.
            check_name(name).map_err(|err| format!("user {name:?} cannot have a home: {err}"))?;
            if !is_md5_hex(&info.passwd) {
                return Err(format!(
                    "the passwd of user {name:?} is not an md5 hex digest (32 digits 0-9, a-f)"
                ));
            }
        }
        Ok(Users(entries))
    }

    /// The user names, in alphabetical order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The md5 hex digest stored for `name`.
    pub fn passwd(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|info| info.passwd.as_str())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    // ANCHOR: password_matches
    /// Whether `password`, as the client sent it, is `name`'s password: the article's check, the
    /// md5 hex digest of what arrived compared with the one in the file.
    pub fn password_matches(&self, name: &str, password: &[u8]) -> bool {
        self.0
            .get(name)
            .is_some_and(|info| info.passwd == md5_hex(password))
    }
    // ANCHOR_END: password_matches

    /// Sets `name`'s password (stored as its md5 hex digest), adding the user if it is new.
    /// Returns whether the user is new.
    pub fn set_password(&mut self, name: &str, password: &str) -> Result<bool, String> {
        check_name(name).map_err(|err| format!("{name:?} cannot be a user name: {err}"))?;
        if password.is_empty() {
            // An empty message cannot cross the article's protocol: sending nothing sends nothing.
            return Err("the password is empty; the client could never send it".to_string());
        }
        let passwd = md5_hex(password.as_bytes());
        match self.0.get_mut(name) {
            Some(info) => {
                info.passwd = passwd;
                Ok(false)
            }
            None => {
                let other = serde_json::Map::new();
                self.0.insert(name.to_string(), UserInfo { passwd, other });
                Ok(true)
            }
        }
    }

    /// Writes the file under a temporary name beside `path`, then renames it: a reader (a server
    /// starting) sees the old file or the new one, never half of one.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let mut text = serde_json::to_string_pretty(&self.0).map_err(io::Error::other)?;
        text.push('\n');
        let mut temp = path.as_os_str().to_owned();
        temp.push(".new");
        fs::write(&temp, text)?;
        fs::rename(&temp, path)
    }
}

fn is_md5_hex(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

// ANCHOR: brute_force
/// Finds the password behind an md5 hex digest by trying every string of 1 to `max_len`
/// characters from `alphabet`, shortest first. Returns it, if found, and how many it tried.
///
/// This is why a fast, unsalted hash protects nothing: md5 is built to be quick, and the same
/// password always gives the same digest, so every guess is one cheap hash and one comparison.
pub fn brute_force_md5(target: &str, alphabet: &[u8], max_len: usize) -> (Option<String>, u64) {
    // Digests are compared as bytes: writing each guess's digest in hex would cost more than md5.
    let target: Vec<u8> = (0..target.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(target.get(i..i + 2)?, 16).ok())
        .collect();
    let mut tried = 0;
    for len in 1..=max_len {
        // Each position of the guess counts through the alphabet, like the wheels of a counter.
        let mut wheels = vec![0; len];
        loop {
            let guess: Vec<u8> = wheels.iter().map(|&i| alphabet[i]).collect();
            tried += 1;
            if Md5::digest(&guess).as_slice() == target {
                return (String::from_utf8(guess).ok(), tried);
            }
            let Some(position) = wheels.iter().rposition(|&i| i + 1 < alphabet.len()) else {
                break; // every guess of this length has been tried
            };
            wheels[position] += 1;
            wheels[position + 1..].fill(0);
        }
    }
    (None, tried)
}
// ANCHOR_END: brute_force

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_hex_matches_python_hashlib() {
        // python3 -c "import hashlib; print(hashlib.md5(b'abc123').hexdigest())"
        assert_eq!(md5_hex(b"abc123"), "e99a18c428cb38d5f260853678922e03");
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        // Text is hashed as its UTF-8 bytes, as `str.encode()` gives them.
        assert_eq!(
            md5_hex("密码".as_bytes()),
            "a8105204604a0b11e916f3879aae3b0b"
        );
    }

    #[test]
    fn a_users_file_is_checked_when_loaded() {
        let good = r#"{"alex": {"passwd": "e99a18c428cb38d5f260853678922e03", "quota": 10}}"#;
        let users = Users::from_json(good).unwrap();
        assert!(users.password_matches("alex", b"abc123"));
        assert!(!users.password_matches("alex", b"abc1234"));
        assert!(!users.password_matches("bob", b"abc123"));
        for (bad, says) in [
            ("[]", "not a users file"),
            (r#"{"alex": {}}"#, "missing field `passwd`"),
            (r#"{"alex": {"passwd": "abc123"}}"#, "not an md5 hex digest"),
            (
                r#"{"..": {"passwd": "e99a18c428cb38d5f260853678922e03"}}"#,
                "cannot have a home",
            ),
        ] {
            let err = Users::from_json(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn set_password_adds_or_replaces_and_save_keeps_other_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.json");
        let mut users = Users::from_json(
            r#"{"alex": {"passwd": "e99a18c428cb38d5f260853678922e03", "quota": 10}}"#,
        )
        .unwrap();
        assert_eq!(users.set_password("eric", "s3cret"), Ok(true));
        assert_eq!(users.set_password("alex", "new"), Ok(false));
        assert!(users.set_password("../x", "pw").is_err());
        assert!(users.set_password("bob", "").is_err());
        users.save(&path).unwrap();
        let again = Users::load(&path).unwrap();
        assert!(again.password_matches("eric", b"s3cret"));
        assert!(again.password_matches("alex", b"new"));
        assert!(fs::read_to_string(&path).unwrap().contains("\"quota\": 10"));
        assert_eq!(again.names().collect::<Vec<_>>(), ["alex", "eric"]);
    }

    #[test]
    fn brute_force_finds_a_short_password_in_the_predicted_number_of_tries() {
        let alphabet = b"abc";
        // Order: a b c aa ab ac ba bb bc ca cb cc aaa ... : "ba" is the 7th guess.
        assert_eq!(
            brute_force_md5(&md5_hex(b"ba"), alphabet, 3),
            (Some("ba".to_string()), 7)
        );
        assert_eq!(
            brute_force_md5(&md5_hex(b"abcd"), alphabet, 3),
            (None, 3 + 9 + 27)
        );
    }
}
