//! How well `kumiai themes` finds what a reader finds: unit-level F1 of the best-matching theme
//! for each hand-read theme of the bundled survey (benches/themes/gold.txt, written before
//! looking at kumiai's output), averaged over the hand-read themes, for
//!
//! - discovery alone (the themes, recurring and single-branch, of the default run),
//! - discovery + the shipped codebook (themes and codes, as the joined report shows them),
//! - TF-IDF k-means over answers at the same number of themes (mean of 5 seeds),
//! - random sets with the discovered themes' sizes (mean of 20 seeds).
//!
//! Run: `cargo bench --bench themes_quality --profile dev` (a few seconds; `-- -v` lists the
//! best match of every hand-read theme). Knobs, to trace a curve rather than to tune:
//! `KUMIAI_BENCH_THEMES` (themes asked for), `KUMIAI_BENCH_SHARE` (largest theme, share of
//! clauses), `KUMIAI_BENCH_MIN` (smallest listed theme), `KUMIAI_BENCH_POS` (名詞,動詞,形容詞).

mod common;

use std::collections::HashSet;
use std::path::Path;

use kumiai::analyze::Analyzer;
use kumiai::themes::eval::{self, f1};
use kumiai::themes::model::ThemeUnit;
use kumiai::themes::{self, By, Selection, terms};

type Set = HashSet<usize>;

/// (name, units) of the hand-read themes, saying which evidence phrases no longer match.
fn gold(units: &[ThemeUnit]) -> Vec<eval::GoldTheme> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/themes/gold.txt");
    let text = std::fs::read_to_string(&path).expect("benches/themes/gold.txt");
    let gold = eval::gold(&text, units);
    for (line, phrase) in gold.iter().flat_map(|g| &g.missing) {
        eprintln!("gold.txt:{line}: no answer contains {phrase:?}");
    }
    gold
}

fn score(gold: &[eval::GoldTheme], candidates: &[(String, Set)]) -> f64 {
    let sets: Vec<Set> = candidates.iter().map(|(_, s)| s.clone()).collect();
    eval::mean_best_f1(gold, &sets)
}

/// splitmix64, for seeded baselines.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Spherical k-means (k-means++ seeding) over l2-normalised TF-IDF vectors of the answers'
/// terms (kumiai's own term extraction: compound nouns, verbs, adjectives).
fn kmeans(vectors: &[Vec<(usize, f64)>], dims: usize, k: usize, seed: u64) -> Vec<Set> {
    let mut rng = Rng(seed);
    let n = vectors.len();
    let dot = |v: &[(usize, f64)], c: &[f64]| v.iter().map(|&(d, w)| w * c[d]).sum::<f64>();
    let dense = |v: &[(usize, f64)]| {
        let mut c = vec![0.0; dims];
        for &(d, w) in v {
            c[d] = w;
        }
        c
    };
    let mut centres: Vec<Vec<f64>> = vec![dense(&vectors[rng.below(n)])];
    while centres.len() < k {
        let dist: Vec<f64> = vectors
            .iter()
            .map(|v| {
                let best = centres.iter().map(|c| dot(v, c)).fold(f64::MIN, f64::max);
                (1.0 - best).max(0.0)
            })
            .collect();
        let total: f64 = dist.iter().sum();
        let mut pick = (rng.next() as f64 / u64::MAX as f64) * total;
        let mut chosen = n - 1;
        for (i, d) in dist.iter().enumerate() {
            pick -= d;
            if pick <= 0.0 {
                chosen = i;
                break;
            }
        }
        centres.push(dense(&vectors[chosen]));
    }
    let mut assign = vec![0usize; n];
    for _ in 0..30 {
        for (i, v) in vectors.iter().enumerate() {
            assign[i] = (0..k)
                .max_by(|&a, &b| dot(v, &centres[a]).total_cmp(&dot(v, &centres[b])))
                .unwrap_or(0);
        }
        for (c, centre) in centres.iter_mut().enumerate() {
            centre.iter_mut().for_each(|x| *x = 0.0);
            for (i, v) in vectors.iter().enumerate() {
                if assign[i] == c {
                    for &(d, w) in v {
                        centre[d] += w;
                    }
                }
            }
            let norm = centre.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 0.0 {
                centre.iter_mut().for_each(|x| *x /= norm);
            }
        }
    }
    let mut sets = vec![Set::new(); k];
    for (i, &c) in assign.iter().enumerate() {
        sets[c].insert(i);
    }
    sets
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    let (manifest, units) = common::bundled_survey();
    let gold = gold(&units);
    let analyzer = Analyzer::new(&[]).expect("the embedded dictionary loads");
    let concepts = kumiai::lexicon::Concepts::new(&manifest.synonyms, true);
    let defaults = themes::discover::DiscoverOptions::default();
    let options = themes::Options {
        by: By::Local,
        stopwords: None,
        concepts: concepts.clone(),
        pos: env_or("KUMIAI_BENCH_POS", terms::PartsOfSpeech::default()),
        codebook: themes::CodebookSource::Shipped,
        discover: themes::discover::DiscoverOptions {
            themes: std::env::var("KUMIAI_BENCH_THEMES")
                .ok()
                .and_then(|v| v.parse().ok()),
            max_theme_share: env_or("KUMIAI_BENCH_SHARE", defaults.max_theme_share),
            min_theme_units: env_or("KUMIAI_BENCH_MIN", defaults.min_theme_units),
            ..defaults
        },
    };
    let report = themes::analyze(units.clone(), &Selection::default(), &analyzer, &options)
        .expect("the shipped codebook parses");
    let discovered: Vec<(String, Set)> = report
        .themes
        .iter()
        .chain(&report.single_branch)
        .map(|t| (t.label.clone(), t.unit_ids.iter().copied().collect()))
        .collect();
    let codes: Vec<(String, Set)> = report
        .codebook
        .iter()
        .flat_map(|cb| &cb.codes)
        .map(|c| {
            (
                format!("[{}]", c.code),
                c.unit_ids.iter().copied().collect(),
            )
        })
        .collect();
    let joined: Vec<(String, Set)> = discovered.iter().chain(&codes).cloned().collect();
    let k = discovered.len().max(1);

    // TF-IDF over the answers' terms.
    let stopwords = kumiai::lexicon::Stopwords::builtin();
    let lexicon = terms::Lexicon {
        stopwords: &stopwords,
        concepts: &concepts,
        pos: Default::default(),
    };
    let extracted = terms::extract(&units, &analyzer, lexicon);
    let n = units.len() as f64;
    let vectors: Vec<Vec<(usize, f64)>> = extracted
        .unit_terms
        .iter()
        .map(|ids| {
            let mut v: Vec<(usize, f64)> = ids
                .iter()
                .map(|&id| {
                    let df = extracted.stats[id as usize].units as f64;
                    (id as usize, (n / df).ln() + 1.0)
                })
                .collect();
            let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt().max(1e-12);
            v.iter_mut().for_each(|(_, w)| *w /= norm);
            v
        })
        .collect();
    let kmeans_f1 = (1..=5)
        .map(|seed| {
            let sets: Vec<(String, Set)> = kmeans(&vectors, extracted.stats.len(), k, seed)
                .into_iter()
                .map(|s| (String::new(), s))
                .collect();
            score(&gold, &sets)
        })
        .sum::<f64>()
        / 5.0;
    let random_f1 = (1..=20u64)
        .map(|seed| {
            let mut rng = Rng(seed);
            let sets: Vec<(String, Set)> = discovered
                .iter()
                .map(|(_, s)| {
                    let mut set = Set::new();
                    while set.len() < s.len().min(units.len()) {
                        set.insert(rng.below(units.len()));
                    }
                    (String::new(), set)
                })
                .collect();
            score(&gold, &sets)
        })
        .sum::<f64>()
        / 20.0;

    if verbose {
        for eval::GoldTheme { name, units: g, .. } in &gold {
            fn best<'a>(g: &Set, cands: &'a [(String, Set)]) -> (f64, &'a str, usize) {
                cands
                    .iter()
                    .map(|(l, c)| (f1(g, c), l.as_str(), c.len()))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .unwrap_or((0.0, "", 0))
            }
            let (d, dl, ds) = best(g, &discovered);
            let (j, jl, js) = best(g, &joined);
            println!(
                "{name} ({} units): discovery {d:.2} {dl} ({ds}); joined {j:.2} {jl} ({js})",
                g.len()
            );
        }
    }
    println!(
        "hand-read themes: {} over {} answers; kumiai: {} themes ({} recurring), {} codes, {} clauses",
        gold.len(),
        units.len(),
        discovered.len(),
        report.themes.len(),
        codes.len(),
        report.clause_count
    );
    let covered: Set = discovered
        .iter()
        .flat_map(|(_, s)| s.iter().copied())
        .collect();
    println!(
        "answers in no listed theme: {} of {}",
        units.len() - covered.len(),
        units.len()
    );
    println!("unit-level F1 of the best-matching theme, mean over hand-read themes:");
    println!(
        "  discovery alone                 {:.3}",
        score(&gold, &discovered)
    );
    println!(
        "  discovery + shipped codebook    {:.3}",
        score(&gold, &joined)
    );
    println!(
        "  shipped codebook alone          {:.3}",
        score(&gold, &codes)
    );
    println!("  TF-IDF k-means (k = {k}, 5 seeds) {kmeans_f1:.3}");
    println!("  random, same sizes (20 seeds)   {random_f1:.3}");
}
