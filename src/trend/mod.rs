//! Trend: how often given terms occur per organisation and year, so a theme can be seen rising
//! or fading across a union's policies and surveys.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::Serialize;

use crate::analyze::{Analyzer, is_symbol};
use crate::ingest::{Document, Kind, Years};
use crate::normalize::normalize;
use crate::segment::segment;
use crate::warning::Warnings;

/// One (organisation, year) cell: the morpheme total of its documents and each term's count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendRow {
    /// Empty for documents whose organisation is unknown (not in the manifest).
    pub org: String,
    /// `2025` or `2024-2025`; empty when the year is unknown.
    pub year: String,
    /// Kinds of the cell's documents, `/`-joined when they differ (`policy/survey`).
    pub kind: String,
    /// Content morphemes (symbols excluded, as in the index): the denominator of `per_10k`.
    pub morphemes: usize,
    /// Occurrences of each term, in [`Trend::terms`] order.
    pub counts: Vec<usize>,
}

impl TrendRow {
    /// Occurrences of term `i` per 10,000 morphemes, so documents of different length compare.
    pub fn per_10k(&self, i: usize) -> f64 {
        match self.counts.get(i) {
            Some(&count) if self.morphemes > 0 => count as f64 * 10_000.0 / self.morphemes as f64,
            _ => 0.0,
        }
    }
}

/// Term frequencies over a corpus.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    /// The terms as given.
    pub terms: Vec<String>,
    /// Sorted by organisation, then year (unknown years last).
    pub rows: Vec<TrendRow>,
}

/// Which documents a trend counts over; empty fields select everything.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub kind: Option<Kind>,
    /// The organisation exactly as in the manifest: 自治労 must not take in 自治労連.
    pub org: Option<String>,
    /// Documents whose year (or span) overlaps this span.
    pub year: Option<Years>,
}

impl Filter {
    pub fn accepts(&self, doc: &Document) -> bool {
        self.kind.is_none_or(|k| doc.meta.kind == k)
            && self.org.as_ref().is_none_or(|o| doc.meta.org == *o)
            && self.year.is_none_or(|y| {
                doc.meta
                    .year
                    .is_some_and(|d| d.from <= y.to && y.from <= d.to)
            })
    }
}

/// Cells sort by organisation, then by year numerically; `None` (unknown) sorts last.
type CellKey = (String, bool, u16, u16);

#[derive(Default)]
struct Cell {
    kinds: BTreeSet<&'static str>,
    morphemes: usize,
    counts: Vec<usize>,
}

/// Counts each term in every unit of every document, grouped by organisation and year.
///
/// A term matches a whole sequence of morphemes, as the index's morpheme field does, so 自治労
/// is not counted inside 自治労連. Terms and text are NFKC-normalized and case-folded alike.
/// Documents that yield no morphemes (skipped forms, empty files) form no cell: they have no
/// frequency to show.
pub fn trend(
    docs: &[Document],
    terms: &[String],
    analyzer: &Analyzer,
    warnings: &Warnings,
) -> Trend {
    let patterns: Vec<Vec<String>> = terms
        .iter()
        .map(|t| morphemes(analyzer, &normalize(t, 0..t.len()).0.text))
        .collect();
    let per_doc: Vec<(CellKey, &'static str, usize, Vec<usize>)> = docs
        .par_iter()
        .filter_map(|doc| {
            let mut total = 0;
            let mut counts = vec![0; patterns.len()];
            for unit in segment(doc, warnings) {
                let seq = morphemes(analyzer, &unit.norm.text);
                total += seq.iter().filter(|m| !is_symbol(m)).count();
                for (count, pattern) in counts.iter_mut().zip(&patterns) {
                    *count += occurrences(&seq, pattern);
                }
            }
            (total > 0).then(|| (key(doc), doc.meta.kind.as_str(), total, counts))
        })
        .collect();
    let mut cells: BTreeMap<CellKey, Cell> = BTreeMap::new();
    for (key, kind, total, counts) in per_doc {
        let cell = cells.entry(key).or_default();
        cell.kinds.insert(kind);
        cell.morphemes += total;
        cell.counts.resize(counts.len(), 0);
        for (sum, c) in cell.counts.iter_mut().zip(counts) {
            *sum += c;
        }
    }
    let rows = cells
        .into_iter()
        .map(|((org, unknown, from, to), cell)| TrendRow {
            org,
            year: if unknown {
                String::new()
            } else {
                Years { from, to }.to_string()
            },
            kind: cell.kinds.into_iter().collect::<Vec<_>>().join("/"),
            morphemes: cell.morphemes,
            counts: cell.counts,
        })
        .collect();
    Trend {
        terms: terms.to_vec(),
        rows,
    }
}

fn key(doc: &Document) -> CellKey {
    match doc.meta.year {
        Some(y) => (doc.meta.org.clone(), false, y.from, y.to),
        None => (doc.meta.org.clone(), true, 0, 0),
    }
}

/// Morphemes of normalized text, case-folded as the index folds them. Symbols are kept so
/// that a match cannot span punctuation.
fn morphemes(analyzer: &Analyzer, norm: &str) -> Vec<String> {
    analyzer
        .spans(norm)
        .into_iter()
        .map(|r| crate::normalize::fold_case(&norm[r]))
        .collect()
}

/// Non-overlapping occurrences of `pattern` in `seq`; an empty pattern (a term of only
/// whitespace) occurs nowhere.
fn occurrences(seq: &[String], pattern: &[String]) -> usize {
    if pattern.is_empty() {
        return 0;
    }
    let mut n = 0;
    let mut i = 0;
    while i + pattern.len() <= seq.len() {
        if seq[i..i + pattern.len()] == *pattern {
            n += 1;
            i += pattern.len();
        } else {
            i += 1;
        }
    }
    n
}

#[cfg(test)]
pub(crate) mod tests;
