//! Benchmarks that hold still on a shared machine: contenders taking turns, and medians.
//!
//! A rate measured once says as much about what else the machine was doing as about the code. So
//! every benchmark in the kit runs its contenders interleaved (A B C, then C B A, then A B C ...)
//! for several rounds: a busy moment slows one round of everything rather than all the runs of
//! one contender, and neither contender always inherits the other's aftermath. It then prints,
//! for each rate and for each ratio between two contenders, the median over the rounds and the
//! spread (the lowest and the highest). A ratio is taken within each round, between runs a few
//! seconds apart, so it holds still better than either rate.
//!
//! A spread wider than [`NOISY_SPREAD`] of the median is marked [`NOISY`]: the machine was busy
//! enough that single runs mean little; the median is still the number to read.

use std::fmt;
use std::fs;
use std::time::Duration;

/// How wide a spread, (max - min) / median, marks a row as noisy.
pub const NOISY_SPREAD: f64 = 0.25;

/// The mark at the end of a row whose spread is wider than [`NOISY_SPREAD`].
pub const NOISY: &str = "NOISY";

/// Bytes per second of moving `bytes` in `took`.
pub fn rate(bytes: u64, took: Duration) -> f64 {
    bytes as f64 / took.as_secs_f64().max(1e-9)
}

/// One contender: a name, and one run of it that returns its rate in bytes per second.
pub struct Contender<'a> {
    pub name: String,
    pub run: Box<dyn FnMut() -> anyhow::Result<f64> + 'a>,
}

impl<'a> Contender<'a> {
    pub fn new(
        name: impl Into<String>,
        run: impl FnMut() -> anyhow::Result<f64> + 'a,
    ) -> Contender<'a> {
        Contender {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

/// Every contender's rate in every round, in bytes per second.
#[derive(Debug, Clone)]
pub struct Samples {
    names: Vec<String>,
    /// How busy the machine was before and after the rounds ([`machine_line`]).
    load: [String; 2],
    /// `rates[contender][round]`
    rates: Vec<Vec<f64>>,
}

// ANCHOR: interleave
/// Runs every contender once per round, `rounds` times: forward in even rounds, backward in odd
/// ones, so that each one goes first as often as last.
pub fn interleave(rounds: u32, contenders: &mut [Contender]) -> anyhow::Result<Samples> {
    let before = machine_line("before");
    let mut rates = vec![Vec::new(); contenders.len()];
    for round in 0..rounds.max(1) {
        let mut order: Vec<usize> = (0..contenders.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let rate = (contenders[i].run)()?;
            rates[i].push(rate);
        }
    }
    Ok(Samples {
        names: contenders.iter().map(|c| c.name.clone()).collect(),
        load: [before, machine_line("after")],
        rates,
    })
}
// ANCHOR_END: interleave

impl Samples {
    fn index(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no contender named {name:?}"))
    }

    /// The rates of the contender `name`, one per round.
    pub fn rates(&self, name: &str) -> &[f64] {
        &self.rates[self.index(name)]
    }

    /// `a`'s rate divided by `b`'s, round by round.
    pub fn ratios(&self, a: &str, b: &str) -> Vec<f64> {
        let (a, b) = (self.rates(a), self.rates(b));
        a.iter().zip(b).map(|(a, b)| a / b).collect()
    }

    pub fn rounds(&self) -> usize {
        self.rates.first().map_or(0, Vec::len)
    }

    /// Prints `title`, how busy the machine was, and `table`.
    pub fn print(&self, title: &str, table: &Table) {
        println!("{title}, {} rounds taking turns", self.rounds());
        println!("{}", self.load[0]);
        println!("{}", self.load[1]);
        println!();
        println!("{table}");
    }
}

/// The median of some values and their range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no values.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => return None,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Some(Spread {
            median,
            min: sorted[0],
            max: sorted[n - 1],
        })
    }

    /// Whether the range is wider than [`NOISY_SPREAD`] of the median.
    pub fn is_noisy(&self) -> bool {
        (self.max - self.min) > NOISY_SPREAD * self.median.abs()
    }
}

/// A table of medians and spreads, printed with [`fmt::Display`].
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<(String, Kind, Spread)>,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Rate,
    Ratio,
    Number,
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    /// A row of rates in bytes per second, printed in MB/s or GB/s.
    pub fn rate(&mut self, label: impl Into<String>, rates: &[f64]) {
        self.push(label.into(), Kind::Rate, rates);
    }

    /// A row of ratios, printed as `0.95x`.
    pub fn ratio(&mut self, label: impl Into<String>, ratios: &[f64]) {
        self.push(label.into(), Kind::Ratio, ratios);
    }

    /// A row of plain numbers, printed as `1.85`.
    pub fn number(&mut self, label: impl Into<String>, values: &[f64]) {
        self.push(label.into(), Kind::Number, values);
    }

    /// A blank line between groups of rows.
    pub fn gap(&mut self) {
        self.rows.push((
            String::new(),
            Kind::Ratio,
            Spread {
                median: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            },
        ));
    }

    /// Values that are not finite (a ratio to a CPU time too short to register is) are left out.
    fn push(&mut self, label: String, kind: Kind, values: &[f64]) {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let spread = Spread::of(&finite).unwrap_or(Spread {
            median: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
        });
        self.rows.push((label, kind, spread));
    }

    /// How many rows are noisy, of how many.
    pub fn noisy(&self) -> (usize, usize) {
        let rows = self.rows.iter().filter(|(label, ..)| !label.is_empty());
        let all = rows.clone().count();
        (rows.filter(|(_, _, s)| s.is_noisy()).count(), all)
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.rows.iter().map(|(l, ..)| l.len()).max().unwrap_or(0);
        writeln!(
            f,
            "{:<width$}  {:>10}  {:>22}",
            "", "median", "spread (min..max)"
        )?;
        for (label, kind, spread) in &self.rows {
            if label.is_empty() {
                writeln!(f)?;
                continue;
            }
            let (median, range) = match kind {
                _ if spread.median.is_nan() => ("-".to_string(), "(runs too short)".to_string()),
                Kind::Rate => {
                    let (scale, unit, digits) = rate_unit(spread.median);
                    (
                        format!("{:.digits$} {unit}", spread.median / scale),
                        format!(
                            "{:.digits$}..{:.digits$} {unit}",
                            spread.min / scale,
                            spread.max / scale
                        ),
                    )
                }
                Kind::Ratio => (
                    format!("{:.2}x", spread.median),
                    format!("{:.2}..{:.2}x", spread.min, spread.max),
                ),
                Kind::Number => (
                    format!("{:.2}", spread.median),
                    format!("{:.2}..{:.2}", spread.min, spread.max),
                ),
            };
            let mark = if spread.is_noisy() { NOISY } else { "" };
            writeln!(f, "{label:<width$}  {median:>10}  {range:>22}  {mark}")?;
        }
        let (noisy, all) = self.noisy();
        write!(
            f,
            "{noisy} of {all} rows spread wider than {:.0}% of their median ({NOISY}: a busy, noisy \
             machine; read the medians)",
            NOISY_SPREAD * 100.0
        )
    }
}

/// Decimal units, as network rates usually are: 1 GB/s is 10^9 bytes a second.
fn rate_unit(per_second: f64) -> (f64, &'static str, usize) {
    if per_second >= 1e9 {
        (1e9, "GB/s", 2)
    } else {
        (1e6, "MB/s", 0)
    }
}

/// The machine's load averages over 1, 5 and 15 minutes (`/proc/loadavg`, Linux): how many
/// threads wanted a CPU, on average. Printed with every benchmark, because a rate means little
/// without it.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| {
            let fields: Vec<&str> = text.split_whitespace().take(3).collect();
            (fields.len() == 3).then(|| fields.join(" "))
        })
        .unwrap_or_else(|| "unknown (no /proc/loadavg)".to_string())
}

/// The CPU time, user and system, that a process or thread has used so far, in seconds, from
/// its `stat` file (Linux): `/proc/self/stat` (this process, all threads), `/proc/thread-self/stat`
/// (the calling thread), `/proc/PID/stat`. Unlike a rate, it hardly changes when other programs
/// compete for the CPU: they make the work wait, not cost more.
pub fn cpu_seconds(stat_file: &str) -> Option<f64> {
    let stat = fs::read_to_string(stat_file).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // In clock ticks, which are 100 a second on Linux whatever the kernel's own tick rate.
    Some((utime + stime) / 100.0)
}

/// The CPU time, user and system, of this process's children that have ended and been waited
/// for (a `Command` run with `status` or `output` is), in seconds, from `/proc/self/stat`
/// (Linux): what a client the bench ran cost, counted by the kernel rather than guessed.
pub fn children_cpu_seconds() -> Option<f64> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let cutime: f64 = fields.get(13)?.parse().ok()?;
    let cstime: f64 = fields.get(14)?.parse().ok()?;
    Some((cutime + cstime) / 100.0)
}

/// How many CPUs this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The line that says how busy the machine was: print it before and after the runs.
pub fn machine_line(when: &str) -> String {
    format!(
        "load average (1, 5, 15 min) {when}: {} on {} cores",
        load_average(),
        cores()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_range() {
        let spread = Spread::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!(
            spread,
            Spread {
                median: 2.5,
                min: 1.0,
                max: 10.0
            }
        );
        assert!(spread.is_noisy());
        assert!(!Spread::of(&[1.0, 1.1, 1.2]).unwrap().is_noisy());
        assert_eq!(Spread::of(&[]), None);
    }

    #[test]
    fn cpu_time_grows_with_work() {
        let before = cpu_seconds("/proc/thread-self/stat").unwrap();
        let mut x = 0u64;
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_millis(100) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(cpu_seconds("/proc/thread-self/stat").unwrap() > before);
    }

    #[test]
    fn children_cpu_time_counts_a_child_that_was_waited_for() {
        let before = children_cpu_seconds().unwrap();
        let busy = "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done";
        let status = std::process::Command::new("sh")
            .args(["-c", busy])
            .status()
            .unwrap();
        assert!(status.success());
        assert!(children_cpu_seconds().unwrap() > before);
    }

    #[test]
    fn rounds_alternate_their_order_and_ratios_pair_rounds() {
        let order = std::cell::RefCell::new(String::new());
        let mut a = 0.0;
        let mut contenders = [
            Contender::new("a", || {
                order.borrow_mut().push('a');
                a += 1.0;
                Ok(a)
            }),
            Contender::new("b", || {
                order.borrow_mut().push('b');
                Ok(2.0)
            }),
        ];
        let samples = interleave(3, &mut contenders).unwrap();
        drop(contenders);
        assert_eq!(order.into_inner(), "abbaab");
        assert_eq!(samples.rounds(), 3);
        assert_eq!(samples.ratios("a", "b"), [0.5, 1.0, 1.5]);
    }

    #[test]
    fn the_table_marks_noisy_rows_and_counts_them() {
        let mut table = Table::new();
        table.rate("steady", &[1e9, 1.01e9, 0.99e9]);
        table.gap();
        table.ratio("jumpy", &[0.5, 1.0, 0.9]);
        let text = table.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[1].contains("1.00 GB/s") && lines[1].contains("0.99..1.01 GB/s"));
        assert!(!lines[1].contains(NOISY));
        assert!(lines[3].contains("0.90x") && lines[3].trim_end().ends_with(NOISY));
        assert!(lines[4].starts_with("1 of 2 rows spread wider than 25%"));
    }
}
