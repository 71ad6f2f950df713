//! Single-thread tokenizer throughput: the bundled corpus text repeated to ≥ 50 MB, tokenized
//! line by line with `Analyzer::tokenize` (the call the index makes for every unit).
//!
//! Run: `cargo bench --bench tokenize` (release profile). `KUMIAI_BENCH_MB` changes the size;
//! `KUMIAI_BENCH_FILE=PATH` tokenizes that file instead of the repeated corpus.
//! Prints one `RESULT tokenize_mb_per_s=…` line for scripts/bench.sh.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use kumiai::analyze::Analyzer;

// The same allocator as the kumiai binary, so the figure is the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Target from the performance issue: one thread, release build.
const TARGET_MB_PER_S: f64 = 18.0;

fn corpus_text() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpora/ is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt" || x == "md"))
        .collect();
    paths.sort();
    let mut text = String::new();
    for p in &paths {
        // The bundled files are UTF-8 (with or without BOM); lossless for this corpus.
        let bytes = std::fs::read(p).expect("corpus file is readable");
        let s = String::from_utf8_lossy(&bytes);
        text.push_str(s.trim_start_matches('\u{feff}'));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

fn main() {
    // `cargo bench` passes `--bench`; ignore it and any filter arguments.
    let mb: usize = std::env::var("KUMIAI_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let text = match std::env::var_os("KUMIAI_BENCH_FILE") {
        Some(path) => std::fs::read_to_string(&path).expect("KUMIAI_BENCH_FILE is UTF-8"),
        None => {
            let one = corpus_text();
            let copies = (mb << 20).div_ceil(one.len());
            one.repeat(copies)
        }
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let load = Instant::now();
    let analyzer = Analyzer::new(&[]).expect("the embedded dictionary loads");
    let load_s = load.elapsed().as_secs_f64();

    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    // Morpheme boundaries only (what the index uses), then with all nine IPADIC features
    // copied out (what `kumiai tokenize` prints).
    let spans = measure(&lines, |l| analyzer.spans(l).len());
    let full = measure(&lines, |l| analyzer.tokenize(l).len());
    let mb_s = bytes as f64 / 1e6 / spans.0;
    println!(
        "tokenize: {:.1} MB ({} lines, {} tokens) on 1 thread; dictionary load {:.0} ms",
        bytes as f64 / 1e6,
        lines.len(),
        spans.1,
        load_s * 1e3
    );
    for (name, (secs, tokens)) in [("boundaries", spans), ("with features", full)] {
        println!(
            "  {name}: {:.2} MB/s, {:.2} M tokens/s, {:.0} ns/token",
            bytes as f64 / 1e6 / secs,
            tokens as f64 / 1e6 / secs,
            secs * 1e9 / tokens as f64,
        );
    }
    println!(
        "  target ≥ {TARGET_MB_PER_S} MB/s (boundaries): {}",
        if mb_s >= TARGET_MB_PER_S {
            "met"
        } else {
            "MISSED"
        }
    );
    println!("RESULT tokenize_mb_per_s={mb_s:.2}");
}

/// Seconds and tokens for one pass over `lines`, after a short warm-up.
fn measure(lines: &[&str], tokenize: impl Fn(&str) -> usize) -> (f64, usize) {
    for line in lines.iter().take(2000) {
        black_box(tokenize(line));
    }
    let started = Instant::now();
    let tokens: usize = lines.iter().map(|l| black_box(tokenize(l))).sum();
    (started.elapsed().as_secs_f64(), tokens)
}
