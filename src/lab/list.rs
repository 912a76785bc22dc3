//! `cargo run`: the lessons, how to run each, and where the student stands on its exercises.

use std::fs;

use super::catalog::Catalog;
use super::progress::{Progress, Status};

pub fn run(catalog: &Catalog) {
    let progress = Progress::load(&catalog.target_dir);
    let (mut passed, mut total) = (0, 0);
    println!("Socket Lab: TCP sockets in Rust, following one Python article.");
    for lesson in &catalog.lessons {
        println!();
        println!("{:<9}{}", lesson.name, lesson.description);
        println!("{:<9}run it:     cargo run -p {}", "", lesson.name);
        let Some(set) = &lesson.exercises else {
            println!("{:<9}exercises:  none yet", "");
            continue;
        };
        println!(
            "{:<9}exercises:  cargo run -- check {}   (your files: {}/)",
            "",
            lesson.name,
            catalog.show(&set.dir)
        );
        let width = set
            .exercises
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(0);
        for exercise in &set.exercises {
            let file = fs::read(exercise.starter(&set.dir)).ok();
            let key = format!("{}/{}", lesson.name, exercise.name);
            let status = progress.status(&key, file.as_deref());
            total += 1;
            if status == Status::Passed {
                passed += 1;
            }
            println!(
                "{:<11}{:<width$}  {:<24}{}",
                "",
                exercise.name,
                status.to_string(),
                exercise.summary
            );
        }
    }
    println!();
    println!("Exercises passed: {passed} of {total}.");
    println!("The book: mdbook serve book");
}
