//! What the theme and picture benchmarks share: the bundled survey's answers, and those
//! answers replicated to a target size. Each bench uses part of it.
#![allow(dead_code)]

use std::path::Path;

use kumiai::ingest::{self, Manifest};
use kumiai::themes::model::ThemeUnit;
use kumiai::themes::{By, Selection, select};
use kumiai::warning::Warnings;

/// The bundled corpus's manifest and its survey answers, grouped by 単組.
pub fn bundled_survey() -> (Manifest, Vec<ThemeUnit>) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
    let warnings = Warnings::default();
    let manifest = Manifest::load(&corpus).expect("the bundled manifest");
    let docs: Vec<_> = ingest::load_corpus(&corpus, &manifest, &warnings)
        .into_iter()
        .map(|d| {
            let units = kumiai::segment::segment(&d, &warnings);
            (d, units)
        })
        .collect();
    let units = select(&docs, &Selection::default(), By::Local);
    (manifest, units)
}

/// `KUMIAI_BENCH_UNITS` (default 1 M) units: the answers copied, each copy a distinct set of
/// 単組 (50 sets, so groups grow as a real union's would, not one per copy).
pub fn replicated(survey: &[ThemeUnit]) -> Vec<ThemeUnit> {
    let target: usize = std::env::var("KUMIAI_BENCH_UNITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let copies = target.div_ceil(survey.len());
    (0..copies)
        .flat_map(|c| {
            survey.iter().map(move |u| {
                let mut u = u.clone();
                u.branch = format!("{}#{}", u.branch, c % 50);
                u
            })
        })
        .collect()
}
