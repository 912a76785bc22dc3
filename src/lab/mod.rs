//! The lab runner behind `cargo lab`: the lessons, the student's progress, and the exercise
//! checker (`check`, `watch`), with a class's grading for teachers (`check --batch`) and its proof
//! for maintainers (`verify`).
//!
//! - [`catalog`]: the lessons and their exercises, read from `cargo metadata`.
//! - [`runner`]: one exercise's tests, run with `cargo test`, and what they said.
//! - [`progress`]: the student's last verdicts, kept in `.socket-lab/` (which git ignores).
//! - [`list`], [`check`], [`watch`], [`batch`], [`verify`]: the commands.

pub mod batch;
pub mod catalog;
pub mod check;
pub mod list;
pub mod progress;
pub mod runner;
pub mod verify;
pub mod watch;
