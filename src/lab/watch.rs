//! `cargo lab watch [lessonN]`: the exercise loop rustlings students know. It checks the current
//! exercise (the first that has not passed), checks it again each time its file is saved, and
//! moves on to the next when it passes.
//!
//! Saves are seen through the operating system's file-change events (the `notify` crate). Where
//! those do not arrive (WSL2 editing files on the Windows side, network drives), `--manual`
//! checks again when Enter is pressed instead.
//!
//! Keys: h (the hint), l (the list of lessons and progress), c (check every exercise), q (quit),
//! Enter (check now). On a terminal a key acts at once (raw mode, through `crossterm`); when the
//! input is not a terminal (a pipe, as in the kit's own tests), each line read is one key, and the
//! end of the input quits.

use std::collections::VecDeque;
use std::fs;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use crossterm::event::{self as term_event, KeyCode, KeyEventKind, KeyModifiers};
use notify::{EventKind, RecursiveMode, Watcher};

use super::catalog::{Catalog, Exercise, ExerciseSet};
use super::check::{self, Checked};
use super::progress::{Progress, Status};
use super::runner::{Code, Subject};

/// Editors save in several steps (write, rename, change attributes): events closer together
/// than this are one save.
const SETTLE: Duration = Duration::from_millis(150);

/// What the loop waits for.
enum Event {
    /// A file in a watched folder changed.
    Changed(PathBuf),
    Key(Key),
    /// The input ended (a pipe closed): there will be no `q`.
    InputClosed,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Key {
    Check,
    Hint,
    List,
    CheckAll,
    Quit,
}

impl Key {
    fn from_char(c: char) -> Option<Key> {
        match c.to_ascii_lowercase() {
            'h' => Some(Key::Hint),
            'l' => Some(Key::List),
            'c' => Some(Key::CheckAll),
            'q' => Some(Key::Quit),
            _ => None,
        }
    }
}

/// One exercise the loop can be on.
struct Item<'a> {
    lesson: &'a str,
    set: &'a ExerciseSet,
    exercise: &'a Exercise,
}

impl Item<'_> {
    fn file(&self) -> PathBuf {
        self.exercise.starter(&self.set.dir)
    }

    fn key(&self) -> String {
        format!("{}/{}", self.lesson, self.exercise.name)
    }
}

/// Runs the loop until the student quits (true) or every exercise has passed (true).
pub fn run(catalog: &Catalog, lesson: Option<&str>, manual: bool) -> anyhow::Result<bool> {
    let items = items(catalog, lesson)?;
    let mut progress = Progress::load(&catalog.workspace_root);
    let Some(mut current) = first_unpassed(&items, &progress, 0) else {
        println!("Every exercise here has passed already. Well done!");
        return Ok(true);
    };

    let (events, inbox) = mpsc::channel();
    // Kept alive for as long as the loop runs: dropping it stops the events.
    let _watcher = if manual {
        None
    } else {
        Some(watch_folders(&items, events.clone())?)
    };
    let terminal = io::stdin().is_terminal();
    if terminal {
        thread::spawn(move || read_terminal_keys(events));
    } else {
        thread::spawn(move || read_key_lines(io::stdin().lock(), events));
    }
    let screen = Screen {
        terminal,
        clear: io::stdout().is_terminal(),
        manual,
    };

    let Some(mut checked_file) = check_from(catalog, &items, &mut progress, &mut current, &screen)?
    else {
        return Ok(true);
    };
    // Events that arrived while a save settled, handled next.
    let mut pending: VecDeque<Event> = VecDeque::new();
    loop {
        screen.prompt(catalog, &items[current]);
        let event = match pending.pop_front() {
            Some(event) => event,
            None => {
                let _raw = screen.raw_mode();
                match inbox.recv() {
                    Ok(event) => event,
                    Err(_) => return Ok(true),
                }
            }
        };
        let action = match event {
            Event::Changed(path) => {
                let mut saved = same_file(&path, &items[current].file());
                // The rest of this save, and any file saved with it.
                loop {
                    match inbox.recv_timeout(SETTLE) {
                        Ok(Event::Changed(path)) => {
                            saved |= same_file(&path, &items[current].file());
                        }
                        Ok(other) => pending.push_back(other),
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return Ok(true),
                    }
                }
                // A save that left the file as it was checked (or a touch) needs no new check.
                let now = fs::read(items[current].file()).ok();
                if saved && now.as_deref() != Some(checked_file.as_slice()) {
                    Key::Check
                } else {
                    continue;
                }
            }
            Event::Key(key) => key,
            Event::InputClosed => Key::Quit,
        };
        match action {
            Key::Quit => {
                println!("Bye. Your progress is kept: `cargo lab` shows it.");
                return Ok(true);
            }
            Key::Hint => {
                println!();
                check::print_hint(items[current].exercise);
                continue;
            }
            Key::List => {
                println!();
                super::list::run(catalog);
                continue;
            }
            Key::CheckAll => match check_all(catalog, &items, &mut progress, &screen)? {
                Some((first, result, file)) => {
                    current = first;
                    checked_file = file;
                    println!();
                    report(catalog, &items[current], &result);
                    continue;
                }
                None => {
                    println!();
                    println!("Every exercise here passed. Well done!");
                    return Ok(true);
                }
            },
            Key::Check => {}
        }
        match check_from(catalog, &items, &mut progress, &mut current, &screen)? {
            Some(file) => checked_file = file,
            None => return Ok(true),
        }
    }
}

/// The exercises the loop goes through, in the order the lessons list them.
fn items<'a>(catalog: &'a Catalog, lesson: Option<&str>) -> anyhow::Result<Vec<Item<'a>>> {
    let lessons = match lesson {
        Some(name) => vec![catalog.lesson(name)?],
        None => catalog.lessons.iter().collect(),
    };
    let mut items = Vec::new();
    for lesson in lessons {
        let Some(set) = &lesson.exercises else {
            continue;
        };
        for exercise in &set.exercises {
            items.push(Item {
                lesson: &lesson.name,
                set,
                exercise,
            });
        }
    }
    anyhow::ensure!(!items.is_empty(), "there are no exercises to watch here");
    Ok(items)
}

/// The first exercise from `start` on (then from the beginning) that has not passed as its file
/// is now.
fn first_unpassed(items: &[Item], progress: &Progress, start: usize) -> Option<usize> {
    (start..items.len()).chain(0..start).find(|&index| {
        let item = &items[index];
        let file = fs::read(item.file()).ok();
        progress.status(&item.key(), file.as_deref()) != Status::Passed
    })
}

/// Checks the current exercise; while it passes, moves on to the next unpassed one and checks
/// that. Returns the file as last checked, or None when every exercise has passed.
fn check_from(
    catalog: &Catalog,
    items: &[Item],
    progress: &mut Progress,
    current: &mut usize,
    screen: &Screen,
) -> anyhow::Result<Option<Vec<u8>>> {
    loop {
        let item = &items[*current];
        screen.start_check(catalog, item);
        let file = fs::read(item.file()).unwrap_or_default();
        let result = check_one(catalog, item, progress)?;
        report(catalog, item, &result);
        if !result.passed() {
            return Ok(Some(file));
        }
        match first_unpassed(items, progress, (*current + 1) % items.len()) {
            Some(next) => {
                println!();
                println!(
                    "On to the next exercise: {} {}.",
                    items[next].lesson, items[next].exercise.name
                );
                *current = next;
            }
            None => {
                println!();
                println!("Every exercise here passed. Well done!");
                return Ok(None);
            }
        }
    }
}

fn check_one(catalog: &Catalog, item: &Item, progress: &mut Progress) -> anyhow::Result<Checked> {
    check::check_exercise(
        catalog,
        item.lesson,
        item.set,
        item.exercise,
        Subject::Files(Code::Yours),
        progress,
    )
}

/// `lesson2 lossy: FAIL`, then what went wrong (the failed step, the hint), as `check` says it.
fn report(catalog: &Catalog, item: &Item, result: &Checked) {
    println!("{} {}: {}", item.lesson, item.exercise.name, result.word());
    if !result.passed() {
        println!();
        check::print_failure(
            catalog,
            item.set,
            item.exercise,
            result,
            Subject::Files(Code::Yours),
        );
    }
}

/// `c`: checks every exercise, and returns the first that did not pass, with what its check
/// found and its file as checked.
fn check_all(
    catalog: &Catalog,
    items: &[Item],
    progress: &mut Progress,
    screen: &Screen,
) -> anyhow::Result<Option<(usize, Checked, Vec<u8>)>> {
    screen.clear();
    println!("Checking every exercise:");
    let width = items
        .iter()
        .map(|item| item.lesson.len() + 1 + item.exercise.name.len())
        .max()
        .unwrap_or(0);
    let mut first = None;
    for (index, item) in items.iter().enumerate() {
        let name = format!("{} {}", item.lesson, item.exercise.name);
        print!("  {name:<width$}  ");
        let _ = io::stdout().flush();
        let file = fs::read(item.file()).unwrap_or_default();
        let result = check_one(catalog, item, progress)?;
        println!("{}", result.word());
        if !result.passed() && first.is_none() {
            first = Some((index, result, file));
        }
    }
    Ok(first)
}

/// Watches the folders of the exercises' files (a folder rather than the file, since many
/// editors save by writing a new file and renaming it over the old one).
fn watch_folders(
    items: &[Item],
    events: Sender<Event>,
) -> anyhow::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        if matches!(
            event.kind,
            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Any
        ) {
            for path in event.paths {
                let _ = events.send(Event::Changed(path));
            }
        }
    })
    .context("could not watch the exercises' files; try `cargo lab watch --manual`")?;
    let mut folders: Vec<&Path> = items.iter().map(|item| item.set.dir.as_path()).collect();
    folders.dedup();
    for folder in folders {
        watcher
            .watch(folder, RecursiveMode::NonRecursive)
            .with_context(|| {
                format!(
                    "could not watch {}; try `cargo lab watch --manual`",
                    folder.display()
                )
            })?;
    }
    Ok(watcher)
}

fn same_file(event_path: &Path, file: &Path) -> bool {
    event_path == file
        || (event_path.file_name() == file.file_name()
            && event_path.parent().and_then(|p| p.canonicalize().ok())
                == file.parent().and_then(|p| p.canonicalize().ok()))
}

/// Keys from a terminal, one press at a time (the terminal is in raw mode while the loop waits).
fn read_terminal_keys(events: Sender<Event>) {
    loop {
        let Ok(event) = term_event::read() else {
            let _ = events.send(Event::InputClosed);
            return;
        };
        let term_event::Event::Key(key) = event else {
            continue;
        };
        if key.kind != KeyEventKind::Press {
            continue;
        }
        let key = match key.code {
            // In raw mode Ctrl-C is a key like any other, not a signal.
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Key::Quit,
            KeyCode::Char(c) => match Key::from_char(c) {
                Some(key) => key,
                None => continue,
            },
            KeyCode::Enter => Key::Check,
            KeyCode::Esc => Key::Quit,
            _ => continue,
        };
        if events.send(Event::Key(key)).is_err() {
            return;
        }
    }
}

/// Keys from a pipe: each line is one key (its first letter), an empty line is Enter.
fn read_key_lines(input: impl BufRead, events: Sender<Event>) {
    for line in input.lines() {
        let Ok(line) = line else { break };
        let key = match line.trim().chars().next() {
            None => Key::Check,
            Some(c) => match Key::from_char(c) {
                Some(key) => key,
                None => continue,
            },
        };
        if events.send(Event::Key(key)).is_err() {
            return;
        }
    }
    let _ = events.send(Event::InputClosed);
}

/// How the loop shows itself: on a terminal it clears the screen before each check and reads
/// single keys; otherwise it only prints.
struct Screen {
    terminal: bool,
    clear: bool,
    manual: bool,
}

impl Screen {
    fn clear(&self) {
        if self.clear {
            let _ = crossterm::execute!(
                io::stdout(),
                crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
                crossterm::cursor::MoveTo(0, 0)
            );
        }
    }

    fn start_check(&self, catalog: &Catalog, item: &Item) {
        self.clear();
        println!(
            "Checking {} {} ({}): {}",
            item.lesson,
            item.exercise.name,
            catalog.show(&item.file()),
            item.exercise.summary
        );
        println!();
    }

    fn prompt(&self, catalog: &Catalog, item: &Item) {
        println!();
        let file = catalog.show(&item.file());
        if self.manual {
            println!("Save {file}, then press Enter to check it again.");
        } else {
            println!("Watching {file}: each save checks it again.");
        }
        let keys = "h hint, l list, c check all, q quit";
        if self.terminal {
            println!("Keys: {keys}.");
        } else {
            println!("Keys (each followed by Enter): {keys}.");
        }
        let _ = io::stdout().flush();
    }

    /// Raw mode while the loop waits for a key on a terminal, so that a key acts without Enter;
    /// back to normal for printing, and when the loop ends however it ends.
    fn raw_mode(&self) -> Option<RawMode> {
        if !self.terminal {
            return None;
        }
        crossterm::terminal::enable_raw_mode()
            .ok()
            .map(|()| RawMode)
    }
}

struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_of_piped_input_is_one_key_and_its_end_quits() {
        let (events, inbox) = mpsc::channel();
        read_key_lines(io::Cursor::new("h\nL\n\nx\nc\nquit\n"), events);
        let got: Vec<Option<Key>> = inbox
            .iter()
            .map(|event| match event {
                Event::Key(key) => Some(key),
                Event::InputClosed => None,
                Event::Changed(_) => panic!("no file event here"),
            })
            .collect();
        assert_eq!(
            got,
            [
                Some(Key::Hint),
                Some(Key::List),
                Some(Key::Check),
                Some(Key::CheckAll),
                Some(Key::Quit),
                None
            ]
        );
    }
}
