//! The lab runner behind `cargo run`: the lessons, the student's progress, and the exercise
//! checker (`check`), with its proof for maintainers (`verify`).
//!
//! - [`catalog`]: the lessons and their exercises, read from `cargo metadata`.
//! - [`runner`]: one exercise's tests, run with `cargo test`, and what they said.
//! - [`progress`]: the student's last verdicts, kept under `target/`.
//! - [`list`], [`check`], [`verify`]: the three commands.

pub mod catalog;
pub mod check;
pub mod list;
pub mod progress;
pub mod runner;
pub mod verify;
