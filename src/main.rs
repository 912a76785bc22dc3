//! `cargo run`: the lab runner. Lists the lessons and how to run each.

use std::fs;
use std::path::Path;

fn main() {
    let lessons_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    let mut lessons: Vec<(String, String)> = fs::read_dir(&lessons_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let manifest = fs::read_to_string(entry.path().join("Cargo.toml")).ok()?;
            let field = |name: &str| {
                manifest
                    .lines()
                    .find_map(|line| line.strip_prefix(&format!("{name} = \"")))
                    .map(|rest| rest.trim_end_matches('"').to_string())
            };
            Some((field("name")?, field("description").unwrap_or_default()))
        })
        .collect();
    lessons.sort();
    println!("Socket Lab: TCP sockets in Rust, following one Python article.\n");
    for (name, description) in &lessons {
        println!("  {name:<9} {description}");
        println!("  {:<9} cargo run -p {name}", "");
    }
    println!("\nThe book: mdbook serve book");
}
