//! `kumiai themes` at scale: the bundled survey's answers replicated to ≥ 1 M units (each copy
//! a distinct set of 単組), through what `kumiai themes` runs by default on all cores: clause
//! splitting, term extraction, theme discovery and the shipped codebook's cross-tab.
//! Target: < 60 s on 2 cores; peak RSS < 2 GB (measure with `/usr/bin/time -v`).
//!
//! Run: `cargo bench --bench themes` (`KUMIAI_BENCH_UNITS` changes the size).

mod common;

use std::time::Instant;

use kumiai::analyze::Analyzer;
use kumiai::themes::{self, By, Selection};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let (_, survey) = common::bundled_survey();
    let units = common::replicated(&survey);
    let analyzer = Analyzer::new(&[]).expect("the embedded dictionary loads");
    let started = Instant::now();
    let options = themes::Options {
        by: By::Local,
        stopwords: None,
        concepts: kumiai::lexicon::Concepts::new(&[], true),
        pos: Default::default(),
        codebook: themes::CodebookSource::Shipped,
        discover: Default::default(),
    };
    let n = units.len();
    let text_mb = units.iter().map(|u| u.text.len()).sum::<usize>() / 1_000_000;
    let report = themes::analyze(units, &Selection::default(), &analyzer, &options)
        .expect("the shipped codebook parses");
    let total_s = started.elapsed().as_secs_f64();
    println!(
        "themes: {n} units ({text_mb} MB of text), {} clauses, {} terms, {} themes + {} single-branch, {} codes in {total_s:.1} s on {} threads (target < 60 s: {})",
        report.clause_count,
        report.terms.len(),
        report.themes.len(),
        report.single_branch.len(),
        report.codebook.as_ref().map_or(0, |c| c.codes.len()),
        rayon::current_num_threads(),
        if total_s < 60.0 { "met" } else { "MISSED" }
    );
}
