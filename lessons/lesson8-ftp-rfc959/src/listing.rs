//! The three ways FTP lists a directory, and the times they carry.
//!
//! - `NLST` (RFC 959): names only, one per line.
//! - `LIST` (RFC 959): "information on files", in a format RFC 959 leaves open. Every client
//!   expects what `ls -l` prints on Unix, and parses it with heuristics.
//! - `MLSD` (RFC 3659): one line per entry of `fact=value;` pairs, a space, and the name: a format
//!   meant for programs, which lftp's mirror uses. `MLST` gives the same line for one entry, on
//!   the control connection.
//!
//! Every line ends in CRLF, as RFC 959 asks of text sent in ASCII mode.

use std::fs::Metadata;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One entry of a directory, as a listing shows it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub name: String,
    pub is_dir: bool,
    pub size: u64,
    /// Seconds since 1970, UTC.
    pub modified: u64,
}

impl Listed {
    pub fn new(name: String, metadata: &Metadata) -> Listed {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_secs());
        Listed {
            name,
            is_dir: metadata.is_dir(),
            size: if metadata.is_file() {
                metadata.len()
            } else {
                0
            },
            modified,
        }
    }
}

// ANCHOR: mlsd
/// An RFC 3659 facts line (section 7.2): `type=file;size=12;modify=20261201120000;perm=adfrw; name`.
///
/// `perm` tells a client what it may do: for a file, append (a), delete (d), rename (f), read
/// (r) and write (w); for a directory, create files (c), delete (d), enter (e), rename (f), list
/// (l), make directories (m) and purge (p).
pub fn facts(entry: &Listed) -> String {
    let modify = timestamp(entry.modified);
    if entry.is_dir {
        format!("type=dir;modify={modify};perm=cdeflmp; {}", entry.name)
    } else {
        format!(
            "type=file;size={};modify={modify};perm=adfrw; {}",
            entry.size, entry.name
        )
    }
}
// ANCHOR_END: mlsd

// ANCHOR: list
/// A line of `LIST`, as `ls -l` would print it: what curl shows, and what lftp and FileZilla
/// parse. Owner, group and link count mean nothing here; they are there because parsers count
/// columns. A date within the last half year shows the time of day, an older one the year,
/// as `ls` does.
pub fn ls_line(entry: &Listed, now: SystemTime) -> String {
    let (kind, perms) = if entry.is_dir {
        ('d', "rwxr-xr-x")
    } else {
        ('-', "rw-r--r--")
    };
    let date = civil(entry.modified);
    let now = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let half_year = 183 * 24 * 3600;
    let recent = entry.modified <= now + 3600 && now.saturating_sub(entry.modified) < half_year;
    let when = if recent {
        format!("{:02}:{:02}", date.hour, date.minute)
    } else {
        format!(" {}", date.year)
    };
    format!(
        "{kind}{perms} 1 ftp ftp {:>12} {} {:>2} {when:>5} {}",
        entry.size,
        MONTHS[usize::from(date.month - 1)],
        date.day,
        entry.name
    )
}
// ANCHOR_END: list

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `YYYYMMDDHHMMSS` in UTC: the time value of RFC 3659 (section 2.3), used by `MDTM` and the
/// `modify` fact.
pub fn timestamp(secs: u64) -> String {
    let t = civil(secs);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// A moment as a calendar date and a time of day, UTC.
#[derive(Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// Seconds since 1970 as a date, by counting 400-year eras of 146,097 days from 1 March of the
/// year 0 (Howard Hinnant's `civil_from_days`, public domain, explained at
/// howardhinnant.github.io/date_algorithms.html): std has no calendar, and pulling in a date
/// crate for one conversion would be more code to trust than this.
pub fn civil(secs: u64) -> Civil {
    let days = (secs / 86_400) as i64;
    let in_day = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u8;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u8;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: (in_day / 3600) as u8,
        minute: (in_day / 60 % 60) as u8,
        second: (in_day % 60) as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_those_a_calendar_gives() {
        assert_eq!(timestamp(0), "19700101000000");
        // `date -u -d @951782400`: Tue Feb 29 00:00:00 UTC 2000, a leap day.
        assert_eq!(timestamp(951_782_400), "20000229000000");
        // `date -u -d @1798761599`: Thu Dec 31 23:59:59 UTC 2026.
        assert_eq!(timestamp(1_798_761_599), "20261231235959");
    }

    #[test]
    fn list_lines_look_like_ls() {
        let file = Listed {
            name: "notes.txt".into(),
            is_dir: false,
            size: 12,
            modified: 951_782_400,
        };
        let now = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3600);
        assert_eq!(
            ls_line(&file, now),
            "-rw-r--r-- 1 ftp ftp           12 Feb 29 00:00 notes.txt"
        );
        let later = UNIX_EPOCH + Duration::from_secs(1_798_761_599);
        assert_eq!(
            ls_line(&file, later),
            "-rw-r--r-- 1 ftp ftp           12 Feb 29  2000 notes.txt"
        );
        assert_eq!(
            facts(&file),
            "type=file;size=12;modify=20000229000000;perm=adfrw; notes.txt"
        );
    }
}
