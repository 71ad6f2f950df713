//! `kumiai compare` speed: two 60 KB policy texts (target < 1 s) and two 1 MB texts
//! (target < 10 s), built from the bundled 金属労協 policy with edits every few lines.
//!
//! Run: `cargo bench --bench compare` (release profile).

use std::time::Instant;

use kumiai::analyze::Analyzer;
use kumiai::compare::{CompareOptions, compare};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `text` with every 7th line's first two characters swapped, a cheap stand-in for a year
/// of editing that still leaves most sentences aligned.
fn edited(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let mut chars: Vec<char> = line.chars().collect();
            if i % 7 == 3 && chars.len() > 2 {
                chars.swap(0, 1);
            }
            chars.into_iter().collect::<String>() + "\n"
        })
        .collect()
}

fn main() {
    let jcm = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpora/jcm-2025-katsudo-hoshin.txt"
    ))
    .expect("the bundled policy text");
    let analyzer = Analyzer::new(&[]).expect("the embedded dictionary loads");
    let options = CompareOptions::default();
    let big = jcm.repeat((1 << 20) / jcm.len() + 1);
    for (name, old, target) in [("60 KB", &jcm, 1.0), ("1 MB", &big, 10.0)] {
        let new = edited(old);
        let started = Instant::now();
        let result = compare(old, &new, &analyzer, &options);
        let secs = started.elapsed().as_secs_f64();
        println!(
            "compare {name}: {:.1} KB vs {:.1} KB, {} sentences ({} changed) in {secs:.2} s (target < {target} s: {})",
            old.len() as f64 / 1024.0,
            new.len() as f64 / 1024.0,
            result.sentences.len(),
            result.changed(),
            if secs < target { "met" } else { "MISSED" }
        );
    }
}
