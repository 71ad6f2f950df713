use std::path::{Path, PathBuf};

use super::*;
use crate::ingest::{Manifest, load_corpus};

pub(crate) fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora")
}

pub(crate) fn load(dir: &Path) -> (Vec<Document>, Analyzer) {
    let manifest = Manifest::load(dir).unwrap();
    let warnings = Warnings::default();
    let docs = load_corpus(dir, &manifest, &warnings);
    let dictionaries: Vec<PathBuf> = manifest
        .user_dictionaries
        .iter()
        .map(|p| dir.join(p))
        .collect();
    (docs, Analyzer::new(&dictionaries).unwrap())
}

pub(crate) fn terms(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

/// Counted independently of `trend`: through `tokenize` (not `spans`), for a term that is a
/// single morpheme. Returns (occurrences, content morphemes) over the documents of `org`.
pub(crate) fn tokens_count(
    docs: &[Document],
    org: &str,
    term: &str,
    analyzer: &Analyzer,
) -> (usize, usize) {
    assert_eq!(analyzer.tokenize(term).len(), 1, "{term} is one morpheme");
    let (mut hits, mut total) = (0, 0);
    for doc in docs.iter().filter(|d| d.meta.org == org) {
        for unit in segment(doc, &Warnings::default()) {
            let tokens = analyzer.tokenize(&unit.norm.text);
            hits += tokens.iter().filter(|t| t.surface == term).count();
            total += tokens.iter().filter(|t| !t.is_symbol()).count();
        }
    }
    (hits, total)
}

fn row<'a>(t: &'a Trend, org: &str, year: &str) -> &'a TrendRow {
    t.rows
        .iter()
        .find(|r| r.org == org && r.year == year)
        .unwrap_or_else(|| panic!("no row {org} {year}: {t:?}"))
}

#[test]
fn counts_whole_morphemes_per_organisation() {
    let (docs, analyzer) = load(&corpus_dir());
    let t = trend(
        &docs,
        &terms(&["自治労", "自治労連", "未加入者"]),
        &analyzer,
        &Warnings::default(),
    );
    assert_eq!(t.rows.len(), 5, "one row per organisation and year");
    let keys: Vec<(&str, &str)> = t
        .rows
        .iter()
        .map(|r| (r.org.as_str(), r.year.as_str()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    let survey = row(&t, "自治労", "2024-2025");
    assert_eq!(survey.kind, "survey");
    let (jichiro, morphemes) = tokens_count(&docs, "自治労", "自治労", &analyzer);
    assert!(jichiro >= 20, "{jichiro}");
    assert_eq!(survey.counts[0], jichiro);
    assert_eq!(survey.morphemes, morphemes);
    let (mikanyu, _) = tokens_count(&docs, "自治労", "未加入者", &analyzer);
    assert!(mikanyu > 0);
    assert_eq!(survey.counts[2], mikanyu);

    // 自治労 occurs in 自治労連埼玉県本部's text only inside 自治労連: not counted.
    let saitama = row(&t, "自治労連埼玉県本部", "2024");
    let org = "自治労連埼玉県本部";
    let (renmei, morphemes) = tokens_count(&docs, org, "自治労連", &analyzer);
    let (alone, _) = tokens_count(&docs, org, "自治労", &analyzer);
    let substrings: usize = docs
        .iter()
        .filter(|d| d.meta.org == org)
        .flat_map(|d| segment(d, &Warnings::default()))
        .map(|u| u.norm.text.matches("自治労").count())
        .sum();
    assert!(renmei > 0);
    assert_eq!(saitama.counts[1], renmei);
    assert_eq!(saitama.counts[0], alone);
    assert!(
        saitama.counts[0] < substrings,
        "{saitama:?} vs {substrings}"
    );
    assert_eq!(saitama.morphemes, morphemes);

    for r in &t.rows {
        for i in 0..t.terms.len() {
            let expected = r.counts[i] as f64 * 10_000.0 / r.morphemes as f64;
            assert!((r.per_10k(i) - expected).abs() < 1e-9);
        }
    }
    let jcm = row(&t, "金属労協", "2025");
    assert_eq!(jcm.counts, vec![0, 0, 0]);
}

#[test]
fn matches_need_whole_morphemes_and_ignore_width_and_case() {
    let seq = terms(&["自治労連", "と", "自治労", "、", "自治労"]);
    assert_eq!(occurrences(&seq, &terms(&["自治労"])), 2);
    assert_eq!(occurrences(&seq, &terms(&["自治労", "、", "自治労"])), 1);
    assert_eq!(occurrences(&seq, &[]), 0);
    assert_eq!(
        occurrences(&terms(&["a", "a", "a"]), &terms(&["a", "a"])),
        1
    );

    let (docs, analyzer) = load(&corpus_dir());
    let narrow = trend(
        &docs,
        &terms(&["SNS", "春闘"]),
        &analyzer,
        &Warnings::default(),
    );
    let wide = trend(
        &docs,
        &terms(&["ｓｎｓ", "春闘 "]),
        &analyzer,
        &Warnings::default(),
    );
    let counts = |t: &Trend| t.rows.iter().map(|r| r.counts.clone()).collect::<Vec<_>>();
    assert_eq!(counts(&narrow), counts(&wide));
    assert!(narrow.rows.iter().any(|r| r.counts[0] > 0));
}
