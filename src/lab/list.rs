//! `cargo lab` (alone): the lessons, how to run each, and where the student stands on its exercises.

use std::fs;

use super::catalog::Catalog;
use super::progress::{Progress, Status};

pub fn run(catalog: &Catalog) {
    let progress = Progress::load(&catalog.workspace_root);
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
            "{:<9}exercises:  cargo lab check {}   (your files: {}/)",
            "",
            lesson.name,
            catalog.show(&set.dir)
        );
        let rows: Vec<(&str, Status, &str)> = set
            .exercises
            .iter()
            .map(|exercise| {
                let file = fs::read(exercise.starter(&set.dir)).ok();
                let key = format!("{}/{}", lesson.name, exercise.name);
                let status = progress.status(&key, file.as_deref());
                (exercise.name.as_str(), status, exercise.summary.as_str())
            })
            .collect();
        let name_width = rows.iter().map(|row| row.0.len()).max().unwrap_or(0);
        let status_width = rows
            .iter()
            .map(|row| row.1.to_string().len())
            .max()
            .unwrap_or(0);
        for (name, status, summary) in rows {
            total += 1;
            if status == Status::Passed {
                passed += 1;
            }
            let status = status.to_string();
            println!(
                "{:<11}{name:<name_width$}  {status:<status_width$}  {summary}",
                ""
            );
        }
    }
    println!();
    println!("Exercises passed: {passed} of {total}.");
    println!("Check as you work: cargo lab watch (each save of an exercise checks it again)");
    println!("The book: mdbook serve book");
}
