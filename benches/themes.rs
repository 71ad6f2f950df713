//! `kumiai themes` at scale: the bundled survey's answers replicated to ≥ 1 M units (each copy
//! a distinct set of 単組), through term extraction and theme discovery on all cores.
//! Target: < 60 s on 2 cores; peak RSS < 2 GB (measure with `/usr/bin/time -v`).
//!
//! Run: `cargo bench --bench themes` (`KUMIAI_BENCH_UNITS` changes the size).

use std::path::Path;
use std::time::Instant;

use kumiai::analyze::Analyzer;
use kumiai::ingest::{self, Manifest};
use kumiai::themes::{By, Selection, discover, select, terms};
use kumiai::warning::Warnings;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let target: usize = std::env::var("KUMIAI_BENCH_UNITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
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
    let survey = select(&docs, &Selection::default(), By::Local);
    let copies = target.div_ceil(survey.len());
    let units: Vec<_> = (0..copies)
        .flat_map(|c| {
            survey.iter().map(move |u| {
                let mut u = u.clone();
                u.branch = format!("{}#{}", u.branch, c % 50);
                u
            })
        })
        .collect();
    let analyzer = Analyzer::new(&[]).expect("the embedded dictionary loads");
    let started = Instant::now();
    let stopwords = terms::Stopwords::builtin();
    let concepts = terms::Concepts::new(&[], true);
    let lexicon = terms::Lexicon {
        stopwords: &stopwords,
        concepts: &concepts,
    };
    let extracted = terms::extract(&units, &analyzer, lexicon);
    let extract_s = started.elapsed().as_secs_f64();
    let (themes, single) =
        discover::discover(&units, &extracted, &discover::DiscoverOptions::default());
    let total_s = started.elapsed().as_secs_f64();
    println!(
        "themes: {} units ({} MB of text), {} terms, {} themes + {} single-branch in {total_s:.1} s (terms {extract_s:.1} s, discovery {:.1} s) on {} threads (target < 60 s: {})",
        units.len(),
        units.iter().map(|u| u.text.len()).sum::<usize>() / 1_000_000,
        extracted.stats.len(),
        themes.len(),
        single.len(),
        total_s - extract_s,
        rayon::current_num_threads(),
        if total_s < 60.0 { "met" } else { "MISSED" }
    );
}
