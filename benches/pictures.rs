//! The pictures at scale: the co-occurrence network and the correspondence analysis of the
//! 1 M-unit selection of `benches/themes.rs` (the bundled survey's answers replicated, each
//! copy a distinct set of 単組), from the extracted terms to the SVG.
//! Target: network and CA (after term extraction) < 30 s on 2 cores.
//!
//! Run: `cargo bench --bench pictures` (`KUMIAI_BENCH_UNITS` changes the size).

mod common;

use std::time::Instant;

use kumiai::analyze::Analyzer;
use kumiai::report::pictures;
use kumiai::themes::network::{self, NetworkOptions};
use kumiai::themes::{ca, terms};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let (_, survey) = common::bundled_survey();
    let units = common::replicated(&survey);
    let analyzer = Analyzer::new(&[]).expect("the embedded dictionary loads");
    let stopwords = kumiai::lexicon::Stopwords::builtin();
    let concepts = kumiai::lexicon::Concepts::new(&[], true);
    let lexicon = terms::Lexicon {
        stopwords: &stopwords,
        concepts: &concepts,
        pos: Default::default(),
    };
    let started = Instant::now();
    let extracted = terms::extract(&units, &analyzer, lexicon);
    let extract_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let net = network::terms_network(&extracted, &[], &NetworkOptions::default());
    let figure = pictures::network_figure(&net, &[], "bench");
    let groups = network::group_network(&units, &extracted, &[], &NetworkOptions::default());
    let network_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let table = ca::term_group_table(&units, &extracted, &ca::top_terms(&extracted, 60));
    let result = ca::analyse(&table.terms, &table.groups, &table.counts, 3).expect("a table");
    let biplot = pictures::ca_figure(&result, 40, "bench", "語", "単組");
    let ca_s = started.elapsed().as_secs_f64();
    let total = network_s + ca_s;
    println!(
        "pictures: {} units, {} terms (extracted in {extract_s:.1} s); network {} nodes / {} edges and groups network {} nodes in {network_s:.2} s; CA {} × {} in {ca_s:.2} s; {} + {} bytes of SVG; network + CA {total:.2} s on {} threads (target < 30 s: {})",
        units.len(),
        extracted.stats.len(),
        net.nodes.len(),
        net.edges.len(),
        groups.nodes.len(),
        result.rows.len(),
        result.cols.len(),
        figure.svg.len(),
        biplot.svg.len(),
        rayon::current_num_threads(),
        if total < 30.0 { "met" } else { "MISSED" }
    );
}
