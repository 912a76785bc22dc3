//! Lesson 8's exercises.
//!
//! There is nothing to use in this crate: the exercises are the files beside its Cargo.toml, one
//! per exercise (`pasv.rs`, `retr.rs`), each with a `// TODO` where you work. Check them from any
//! folder of the repository with
//!
//! ```text
//! cargo lab check lesson8
//! ```
//!
//! which builds and tests each of your files and, for the first one that fails, shows what went
//! wrong and a hint. `cargo lab` alone shows your progress, and `cargo lab watch` checks again
//! each time you save.
//!
//! Plain `cargo test` does not check your files: it checks the reference solutions in
//! `solutions/`, so that the kit's own tests stay green while you work. The book's chapter on
//! lesson 8 presents each exercise and, folded away, its solution.
