//! What the kit holds: its lessons and their exercises, as `cargo metadata` describes them.
//!
//! A lesson is a workspace package named `lessonN`. Its exercises are the package
//! `lessonN-exercises` in `lessons/lessonN-<slug>/exercises/`, which lists them in its Cargo.toml
//! under `[[package.metadata.socket-lab.exercises]]` (name, summary, hint, and a role when a
//! teacher can check a program in another language against them, and its planted mistakes). Each
//! exercise `NAME` has its files there by convention rather than by listing: see [`Exercise`].

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde::Deserialize;

/// The workspace, its lessons in order, and where Cargo builds.
pub struct Catalog {
    pub workspace_root: PathBuf,
    pub target_dir: PathBuf,
    pub lessons: Vec<Lesson>,
}

pub struct Lesson {
    /// The package's name, `lessonN`: what `cargo run -p` and `check` take.
    pub name: String,
    pub number: u32,
    pub description: String,
    pub exercises: Option<ExerciseSet>,
}

/// A lesson's exercises package.
pub struct ExerciseSet {
    pub package: String,
    /// The package's Cargo features: the variants its tests can be built with.
    pub features: Vec<String>,
    /// The package's directory, where the student's files are.
    pub dir: PathBuf,
    pub exercises: Vec<Exercise>,
}

impl ExerciseSet {
    /// The exercise called `name` (`echo` or `echo.rs`), or an error that lists the others.
    pub fn exercise(&self, name: &str) -> anyhow::Result<&Exercise> {
        self.exercises
            .iter()
            .find(|exercise| exercise.name == name.trim_end_matches(".rs"))
            .with_context(|| {
                let names: Vec<&str> = self.exercises.iter().map(|e| e.name.as_str()).collect();
                format!(
                    "there is no exercise `{name}` here; the exercises are {}",
                    names.join(", ")
                )
            })
    }
}

/// One exercise, as its package's Cargo.toml lists it.
///
/// `NAME` names its files: the student's file `NAME.rs`, the reference solution
/// `solutions/NAME.rs` (feature `solution`, the default), a second correct solution written
/// differently `solutions/NAME_2.rs` (feature `solution2`), the planted mistakes
/// `mistakes/NAME_1.rs`, `mistakes/NAME_2.rs`, ... (features `mistake1`, `mistake2`, ...), one
/// for each entry of [`Exercise::mistakes`], in order, and the test target `tests/NAME.rs`.
/// `verify` holds every exercise to it: both solutions, and at least three mistakes.
#[derive(Deserialize, Clone)]
pub struct Exercise {
    pub name: String,
    /// One line: what the student writes.
    pub summary: String,
    /// A question that points at what a failing answer missed, shown after the first failure.
    pub hint: String,
    /// Whether a teacher can check a program given as a command against the tests.
    pub role: Option<Role>,
    /// The planted mistakes, `mistakes/NAME_1.rs` first.
    #[serde(default)]
    pub mistakes: Vec<Mistake>,
}

/// A planted mistake, as the exercise's entry describes it.
#[derive(Deserialize, Clone, Debug)]
pub struct Mistake {
    /// What the wrong answer does wrong, in a sentence for maintainers.
    pub does: String,
    /// Words that the message of the test that fails first on it must contain (compared without
    /// regard to case): the symptom the student is shown, which `verify` checks is named.
    pub symptom: String,
}

/// The side of a conversation an exercise's code plays, for teacher mode.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Server,
    Client,
}

impl Exercise {
    /// The student's file, which the checker checks.
    pub fn starter(&self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.rs", self.name))
    }

    pub fn solution(&self, dir: &Path) -> PathBuf {
        dir.join("solutions").join(format!("{}.rs", self.name))
    }

    /// The second correct solution, written differently from the first.
    pub fn second_solution(&self, dir: &Path) -> PathBuf {
        dir.join("solutions").join(format!("{}_2.rs", self.name))
    }

    /// The planted mistake `number`, counted from 1.
    pub fn mistake_file(&self, dir: &Path, number: usize) -> PathBuf {
        dir.join("mistakes")
            .join(format!("{}_{number}.rs", self.name))
    }

    pub fn tests(&self, dir: &Path) -> PathBuf {
        dir.join("tests").join(format!("{}.rs", self.name))
    }
}

impl Catalog {
    /// Asks Cargo for the workspace's packages and builds the catalog from them.
    pub fn load() -> anyhow::Result<Catalog> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .context("could not run `cargo metadata`")?;
        if !output.status.success() {
            bail!(
                "`cargo metadata` failed:\n{}",
                String::from_utf8_lossy(&output.stderr).trim_end()
            );
        }
        let metadata: Metadata = serde_json::from_slice(&output.stdout)
            .context("could not read what `cargo metadata` printed")?;
        Catalog::from_metadata(metadata)
    }

    fn from_metadata(metadata: Metadata) -> anyhow::Result<Catalog> {
        let mut lessons = Vec::new();
        for package in &metadata.packages {
            let Some(number) = lesson_number(&package.name) else {
                continue;
            };
            let exercises_package = format!("{}-exercises", package.name);
            let exercises = metadata
                .packages
                .iter()
                .find(|candidate| candidate.name == exercises_package)
                .map(|found| found.exercise_set())
                .transpose()?;
            lessons.push(Lesson {
                name: package.name.clone(),
                number,
                description: package.description.clone().unwrap_or_default(),
                exercises,
            });
        }
        // lesson3b comes after lesson3 and before lesson4.
        lessons.sort_by(|a, b| (a.number, &a.name).cmp(&(b.number, &b.name)));
        Ok(Catalog {
            workspace_root: metadata.workspace_root,
            target_dir: metadata.target_directory,
            lessons,
        })
    }

    /// The lesson a person named: `lesson1`, or just `1`.
    /// Lesson `name` and its exercises, or an error that says it has none.
    pub fn exercises_of(&self, name: &str) -> anyhow::Result<(&Lesson, &ExerciseSet)> {
        let lesson = self.lesson(name)?;
        let set = lesson
            .exercises
            .as_ref()
            .with_context(|| format!("{} has no exercises yet", lesson.name))?;
        Ok((lesson, set))
    }

    pub fn lesson(&self, name: &str) -> anyhow::Result<&Lesson> {
        let wanted = name.strip_prefix("lesson").unwrap_or(name);
        self.lessons
            .iter()
            .find(|lesson| lesson.name.strip_prefix("lesson") == Some(wanted))
            .with_context(|| {
                let names: Vec<&str> = self.lessons.iter().map(|l| l.name.as_str()).collect();
                format!(
                    "there is no lesson `{name}`; the lessons are {}",
                    names.join(", ")
                )
            })
    }

    /// A path to show: relative to the workspace's root, where the student runs the checker.
    pub fn show(&self, path: &Path) -> String {
        path.strip_prefix(&self.workspace_root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// `lesson12` -> 12, and a lesson placed after another, `lesson3b`, -> 3; None for any other
/// package name.
fn lesson_number(package: &str) -> Option<u32> {
    let number = package.strip_prefix("lesson")?;
    let digits = number
        .strip_suffix(|c: char| c.is_ascii_lowercase())
        .unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The part of `cargo metadata --format-version 1` the checker reads.
#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    description: Option<String>,
    manifest_path: PathBuf,
    #[serde(default)]
    features: std::collections::BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    metadata: Option<PackageMetadata>,
}

#[derive(Deserialize)]
struct PackageMetadata {
    #[serde(rename = "socket-lab")]
    socket_lab: Option<SocketLabMetadata>,
}

#[derive(Deserialize)]
struct SocketLabMetadata {
    exercises: Vec<Exercise>,
}

impl Package {
    fn exercise_set(&self) -> anyhow::Result<ExerciseSet> {
        let exercises = self
            .metadata
            .as_ref()
            .and_then(|metadata| metadata.socket_lab.as_ref())
            .map(|socket_lab| socket_lab.exercises.clone())
            .with_context(|| {
                format!(
                    "{} lists no exercises: add [[package.metadata.socket-lab.exercises]] to {}",
                    self.name,
                    self.manifest_path.display()
                )
            })?;
        Ok(ExerciseSet {
            package: self.name.clone(),
            features: self.features.keys().cloned().collect(),
            dir: self
                .manifest_path
                .parent()
                .expect("a manifest lives in a directory")
                .to_path_buf(),
            exercises,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_packages_are_told_apart_from_the_others() {
        assert_eq!(lesson_number("lesson1"), Some(1));
        assert_eq!(lesson_number("lesson12"), Some(12));
        assert_eq!(lesson_number("lesson3b"), Some(3));
        assert_eq!(lesson_number("lesson1-exercises"), None);
        assert_eq!(lesson_number("lesson"), None);
        assert_eq!(lesson_number("socket-lab"), None);
    }

    #[test]
    fn lessons_are_read_from_metadata_with_their_exercises() {
        let metadata: Metadata = serde_json::from_str(
            r#"{
                "workspace_root": "/w", "target_directory": "/w/target",
                "packages": [
                    {"name": "lesson10", "description": "ten", "manifest_path": "/w/l10/Cargo.toml", "metadata": null},
                    {"name": "lesson2", "description": "two", "manifest_path": "/w/l2/Cargo.toml", "metadata": null},
                    {"name": "lesson2-exercises", "description": null,
                     "manifest_path": "/w/l2/exercises/Cargo.toml",
                     "metadata": {"socket-lab": {"exercises": [
                        {"name": "echo", "summary": "s", "hint": "h?", "role": "server"},
                        {"name": "decode", "summary": "s", "hint": "h?"}
                     ]}}},
                    {"name": "socket-lab", "description": "", "manifest_path": "/w/Cargo.toml", "metadata": null}
                ]
            }"#,
        )
        .unwrap();
        let catalog = Catalog::from_metadata(metadata).unwrap();
        let names: Vec<&str> = catalog.lessons.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["lesson2", "lesson10"]);
        let set = catalog.lessons[0].exercises.as_ref().unwrap();
        assert_eq!(set.dir, Path::new("/w/l2/exercises"));
        assert_eq!(set.exercises[0].role, Some(Role::Server));
        assert_eq!(set.exercises[1].role, None);
        assert!(catalog.lessons[1].exercises.is_none());
        assert_eq!(catalog.lesson("2").unwrap().name, "lesson2");
        assert_eq!(catalog.lesson("lesson10").unwrap().name, "lesson10");
        let err = catalog.lesson("lesson3").err().unwrap().to_string();
        assert!(err.contains("the lessons are lesson2, lesson10"), "{err}");
    }
}
