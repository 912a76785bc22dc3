//! The users file: who may log in, with which password, and how much each may store.
//!
//! The article's `user_info` maps a user name to the md5 hex digest of the password. md5 is fast
//! and unsalted: one stolen file and a table of precomputed digests gives back every common
//! password at once, and a GPU tries billions more per second. Here `passwd` holds an argon2id hash
//! in the PHC string format, `$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH`: a random salt per user
//! (equal passwords hash differently), and a cost in memory and time chosen to make every guess
//! slow. The parameters travel inside the string, so a file may mix costs, and verifying needs no
//! setting but the string itself.
//!
//! ```json
//! {
//!   "alex": { "passwd": "$argon2id$v=19$m=19456,t=2,p=1$...", "quota": 104857600 }
//! }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::Path;
use std::sync::{Condvar, Mutex, PoisonError};

use anyhow::{Context, bail};
use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use serde::{Deserialize, Serialize};

/// One user's entry in the users file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    /// The argon2 PHC string of the password (the article's field name, a different content).
    pub passwd: String,
    /// Bytes this user may store, unfinished uploads included.
    pub quota: u64,
}

// ANCHOR: cost
/// How much work one password hash costs: argon2id's memory (KiB) and passes over it.
///
/// The default is the OWASP password storage cheat sheet's first recommendation for argon2id,
/// 19 MiB and 2 passes (also the argon2 crate's default): tens of milliseconds per login on a
/// server, ruinous for someone trying millions of guesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub memory_kib: u32,
    pub passes: u32,
}

impl Default for Cost {
    fn default() -> Self {
        Cost {
            memory_kib: Params::DEFAULT_M_COST,
            passes: Params::DEFAULT_T_COST,
        }
    }
}
// ANCHOR_END: cost

/// The users file, loaded: names in order, and a hash to check unknown names against.
pub struct Accounts {
    users: BTreeMap<String, Account>,
    /// A hash of a password nobody knows, made at the cost of the file's first user, so that a
    /// login with an unknown name costs one argon2 verification, as a known name does.
    dummy_hash: String,
    /// How many verifications may run at once.
    verifying: Permits,
}

impl fmt::Debug for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Accounts")
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Accounts {
    /// Reads and checks the users file: valid JSON, a valid name and a PHC string for each user.
    pub fn load(path: &Path) -> anyhow::Result<Accounts> {
        let text = fs::read_to_string(path)
            .with_context(|| format!("could not read the users file {}", path.display()))?;
        let users: BTreeMap<String, Account> = serde_json::from_str(&text).with_context(|| {
            format!(
                "the users file {} is not a JSON object of \
                 {{\"NAME\": {{\"passwd\": ARGON2_HASH, \"quota\": BYTES}}}}",
                path.display()
            )
        })?;
        for (name, account) in &users {
            check_user_name(name)
                .with_context(|| format!("in the users file {}", path.display()))?;
            PasswordHash::new(&account.passwd).map_err(|err| {
                anyhow::anyhow!(
                    "in the users file {}: the passwd of `{name}` is not an argon2 hash ({err})",
                    path.display()
                )
            })?;
        }
        let cost = users
            .values()
            .next()
            .and_then(|account| cost_of(&account.passwd))
            .unwrap_or_default();
        let dummy_hash = hash_password("no user has this password", cost)?;
        Ok(Accounts {
            users,
            dummy_hash,
            verifying: Permits::new(default_max_verifying()),
        })
    }

    /// Lets at most `max` password verifications run at once (at least 1).
    pub fn set_max_verifying(&mut self, max: usize) {
        self.verifying = Permits::new(max.max(1));
    }

    // ANCHOR: verify
    /// The user's account if `password` is theirs.
    ///
    /// An unknown name is checked against the dummy hash, so that it takes as long as a known
    /// name with a wrong password: the time a failure takes must not tell which names exist.
    /// argon2's verification compares the two hashes in constant time (the `phc` crate's
    /// `Output` implements `==` that way), so the time does not tell how much of it matched either.
    ///
    /// Each verification fills the hash's memory cost (19 MiB by default) while it runs. Left to
    /// argon2, every verification allocates that memory and frees it afterwards, and the
    /// allocator keeps much of what was freed: 64 connections trying 3 wrong passwords each took
    /// a server from 4 MiB to 3.7 GiB, and even one verification at a time grew it by 19 MiB per
    /// attempt. So the server owns the memory: a few work areas (as many as the machine has cores,
    /// by default: more at once would not finish sooner), made once and lent to one verification
    /// at a time. The others wait their turn.
    pub fn verify(&self, user: &str, password: &str) -> Option<&Account> {
        let (account, hash) = match self.users.get(user) {
            Some(account) => (Some(account), account.passwd.as_str()),
            None => (None, self.dummy_hash.as_str()),
        };
        let mut memory = self.verifying.take();
        let matches = hash_matches(hash, password, &mut memory);
        account.filter(|_| matches)
    }
    // ANCHOR_END: verify
}

// ANCHOR: permits
/// Whether `password` hashes to the PHC string `hash`, computed in `memory` (grown to the hash's
/// memory cost if need be). The comparison of the two outputs takes the same time however much of
/// them matches (`Output`'s `==` is constant-time).
fn hash_matches(hash: &str, password: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = hash
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut computed = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut computed,
            &mut memory[..blocks],
        )
        .is_ok()
        && Output::new(&computed).is_ok_and(|computed| computed == *expected)
}

/// A pool of argon2 work areas: a verification borrows one, and waits while none is free.
///
/// The pool is a counting semaphore whose permits are the memory itself: at most as many
/// verifications run as there are work areas, and the memory they use is made once.
struct Permits {
    free: Mutex<Vec<Vec<Block>>>,
    returned: Condvar,
}

/// A work area on loan, given back to the pool when dropped (a panic included).
struct Permit<'a> {
    pool: &'a Permits,
    memory: Vec<Block>,
}

impl Permits {
    fn new(max: usize) -> Permits {
        Permits {
            free: Mutex::new(vec![Vec::new(); max]),
            returned: Condvar::new(),
        }
    }

    /// Waits until a work area is free, and takes it.
    fn take(&self) -> Permit<'_> {
        let free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        let mut free = self
            .returned
            .wait_while(free, |free| free.is_empty())
            .unwrap_or_else(PoisonError::into_inner);
        let memory = free.pop().expect("waited until one was free");
        Permit { pool: self, memory }
    }
}

impl std::ops::Deref for Permit<'_> {
    type Target = Vec<Block>;
    fn deref(&self) -> &Vec<Block> {
        &self.memory
    }
}

impl std::ops::DerefMut for Permit<'_> {
    fn deref_mut(&mut self) -> &mut Vec<Block> {
        &mut self.memory
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let memory = std::mem::take(&mut self.memory);
        let mut free = self
            .pool
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        free.push(memory);
        self.pool.returned.notify_one();
    }
}

/// How many verifications run at once unless told otherwise: one per core.
pub fn default_max_verifying() -> usize {
    std::thread::available_parallelism().map_or(2, |cores| cores.get())
}
// ANCHOR_END: permits

// ANCHOR: hash
/// Hashes `password` with a fresh random salt, at `cost`, into a PHC string.
pub fn hash_password(password: &str, cost: Cost) -> anyhow::Result<String> {
    let params = Params::new(cost.memory_kib, cost.passes, 1, None)
        .map_err(|err| anyhow::anyhow!("invalid argon2 cost {cost:?}: {err}"))?;
    let hash = Argon2::from(params)
        .hash_password(password.as_bytes())
        .map_err(|err| anyhow::anyhow!("could not hash the password: {err}"))?;
    Ok(hash.to_string())
}
// ANCHOR_END: hash

/// The cost a PHC string was made with.
fn cost_of(hash: &str) -> Option<Cost> {
    let hash = PasswordHash::new(hash).ok()?;
    let params = Params::try_from(&hash).ok()?;
    Some(Cost {
        memory_kib: params.m_cost(),
        passes: params.t_cost(),
    })
}

/// A user name becomes a directory under the root, so it must be one safe name.
pub fn check_user_name(name: &str) -> anyhow::Result<()> {
    lesson4::home::check_name(name)?;
    if name.starts_with('.') {
        bail!("`{name}` is not a valid user name: it starts with a dot");
    }
    Ok(())
}

// ANCHOR: useradd
/// The quota of a user added without `--quota`.
pub const DEFAULT_QUOTA: u64 = 100 << 20;

/// What [`useradd`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Useradd {
    /// A new user, with this quota.
    Added { quota: u64 },
    /// An existing user: whether the password changed, and the quota before and after if it did.
    Changed {
        password: bool,
        quota: Option<(u64, u64)>,
    },
}

/// `lesson7 useradd NAME`: adds a user to the users file, creating the file if need be, or
/// changes an existing user's password, quota, or both.
///
/// A new user needs a password; `quota` defaults to [`DEFAULT_QUOTA`]. For an existing user an
/// empty `password` keeps the old one and `None` keeps the quota, and at least one must change.
pub fn useradd(
    users_file: &Path,
    name: &str,
    password: &str,
    quota: Option<u64>,
    cost: Cost,
) -> anyhow::Result<Useradd> {
    check_user_name(name)?;
    let mut users = read_users_file(users_file)?;
    let done = match users.get_mut(name) {
        None => {
            if password.is_empty() {
                bail!("the password is empty");
            }
            let quota = quota.unwrap_or(DEFAULT_QUOTA);
            let passwd = hash_password(password, cost)?;
            users.insert(name.to_string(), Account { passwd, quota });
            Useradd::Added { quota }
        }
        Some(account) => {
            if password.is_empty() && quota.is_none() {
                bail!(
                    "`{name}` is already in {}, and nothing would change: give a new password \
                     on stdin, or a new --quota",
                    users_file.display()
                );
            }
            if !password.is_empty() {
                account.passwd = hash_password(password, cost)?;
            }
            let old_quota = account.quota;
            if let Some(quota) = quota {
                account.quota = quota;
            }
            Useradd::Changed {
                password: !password.is_empty(),
                quota: quota.map(|quota| (old_quota, quota)),
            }
        }
    };
    write_users_file(users_file, &users)?;
    Ok(done)
}

/// Adds a new user to the users file, creating the file if need be; refuses a name already there.
pub fn add_user(
    users_file: &Path,
    name: &str,
    password: &str,
    quota: u64,
    cost: Cost,
) -> anyhow::Result<()> {
    check_user_name(name)?;
    if read_users_file(users_file)?.contains_key(name) {
        bail!("`{name}` is already in {}", users_file.display());
    }
    useradd(users_file, name, password, Some(quota), cost).map(drop)
}

/// The entries of a users file, or none if there is no file yet.
fn read_users_file(users_file: &Path) -> anyhow::Result<BTreeMap<String, Account>> {
    match fs::read_to_string(users_file) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not a users file", users_file.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(err) => Err(err).context(format!("could not read {}", users_file.display())),
    }
}

/// Writes the users file to a temporary name and renames it over the old one, so a crash in the
/// middle leaves either the old file or the new one, never half of one.
fn write_users_file(users_file: &Path, users: &BTreeMap<String, Account>) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(users)? + "\n";
    let temporary = users_file.with_extension("json.tmp");
    fs::write(&temporary, text)
        .and_then(|()| fs::rename(&temporary, users_file))
        .with_context(|| format!("could not write {}", users_file.display()))
}
// ANCHOR_END: useradd

/// Reads a size such as `100MiB`, `512k`, `1G` or `4096` (bytes). Units are powers of 1024.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 4096, 512KiB, 100MiB or 1GiB"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("`{unit}` is not a unit; use KiB, MiB, GiB or TiB")),
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// A size for people: `1.5 MiB`, `512 B`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap enough for a unit test; production hashes cost far more.
    const CHEAP: Cost = Cost {
        memory_kib: 64,
        passes: 1,
    };

    #[test]
    fn a_password_hashes_salted_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("users.json");
        add_user(&file, "alex", "secret", 1000, CHEAP).unwrap();
        add_user(&file, "bob", "secret", 2000, CHEAP).unwrap();
        let text = fs::read_to_string(&file).unwrap();
        assert!(!text.contains("secret"));
        let accounts = Accounts::load(&file).unwrap();
        assert_ne!(accounts.users["alex"].passwd, accounts.users["bob"].passwd);
        assert_eq!(accounts.verify("alex", "secret").unwrap().quota, 1000);
        assert!(accounts.verify("alex", "Secret").is_none());
        assert!(accounts.verify("nobody", "secret").is_none());
        assert!(
            accounts
                .verify("nobody", "no user has this password")
                .is_none()
        );
        assert_eq!(cost_of(&accounts.dummy_hash), Some(CHEAP));
        let again = add_user(&file, "alex", "other", 1, CHEAP).unwrap_err();
        assert!(again.to_string().contains("already in"), "{again}");
    }

    #[test]
    fn useradd_on_an_existing_user_changes_what_it_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("users.json");
        let added = useradd(&file, "alex", "first", None, CHEAP).unwrap();
        assert_eq!(
            added,
            Useradd::Added {
                quota: DEFAULT_QUOTA
            }
        );
        let quota_only = useradd(&file, "alex", "", Some(1 << 30), CHEAP).unwrap();
        let expected = Useradd::Changed {
            password: false,
            quota: Some((DEFAULT_QUOTA, 1 << 30)),
        };
        assert_eq!(quota_only, expected);
        assert_eq!(
            Accounts::load(&file)
                .unwrap()
                .verify("alex", "first")
                .unwrap()
                .quota,
            1 << 30
        );
        let password_only = useradd(&file, "alex", "second", None, CHEAP).unwrap();
        let expected = Useradd::Changed {
            password: true,
            quota: None,
        };
        assert_eq!(password_only, expected);
        let accounts = Accounts::load(&file).unwrap();
        assert!(accounts.verify("alex", "first").is_none());
        assert_eq!(accounts.verify("alex", "second").unwrap().quota, 1 << 30);
        let nothing = useradd(&file, "alex", "", None, CHEAP).unwrap_err();
        assert!(
            nothing.to_string().contains("nothing would change"),
            "{nothing}"
        );
        let empty = useradd(&file, "bob", "", Some(1), CHEAP).unwrap_err();
        assert!(
            empty.to_string().contains("the password is empty"),
            "{empty}"
        );
    }

    #[test]
    fn no_more_verifications_run_at_once_than_permitted() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let permits = Permits::new(2);
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    let _permit = permits.take();
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn bad_users_files_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("users.json");
        for (text, reason) in [
            ("[]", "is not a JSON object"),
            (
                r#"{"alex": {"passwd": "5f4dcc3b5aa765d61d8327deb882cf99", "quota": 1}}"#,
                "is not an argon2 hash",
            ),
            (
                r#"{"../x": {"passwd": "x", "quota": 1}}"#,
                "not a valid name",
            ),
            (
                r#"{".x": {"passwd": "x", "quota": 1}}"#,
                "starts with a dot",
            ),
        ] {
            fs::write(&file, text).unwrap();
            let err = format!("{:#}", Accounts::load(&file).unwrap_err());
            assert!(err.contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn sizes_read_and_print() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("100 MiB"), Ok(100 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("-1").is_err());
        assert!(parse_size("1.5M").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(100 << 20), "100.0 MiB");
    }
}
