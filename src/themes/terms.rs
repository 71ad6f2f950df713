//! Candidate terms of free-text answers: compound nouns scored by FLR, plus the base forms
//! of content verbs and adjectives.
//!
//! FLR (Nakagawa & Mori's TermExtract: frequency × geometric mean of each constituent noun's
//! left/right concatenation counts) is used rather than C-value because survey answers are
//! short and most compounds occur once: C-value scores a term by how often it recurs nested
//! in longer ones and gives a once-seen compound almost nothing, whereas FLR still ranks
//! 競合単組 high because 競合 combines productively (競合組織, 競合組合員, 競合加入者). Both
//! the maximal compound and its constituent nouns become terms, so 新規採用者組織化 and
//! 組織化 meet in the theme graph.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;

use crate::analyze::{Analyzer, Token};
use crate::themes::model::{TermStat, ThemeUnit};

const BUILTIN_STOPWORDS: &str = include_str!("stopwords.txt");

/// Words that are never terms and split compound nouns.
#[derive(Debug, Clone, Default)]
pub struct Stopwords(HashSet<String>);

impl Stopwords {
    /// The shipped list (`src/themes/stopwords.txt`).
    pub fn builtin() -> Self {
        Self::parse(BUILTIN_STOPWORDS)
    }

    /// A user's list in the same format: one word a line, `#` comments.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        std::fs::read_to_string(path)
            .map(|text| Self::parse(&text))
            .map_err(|e| format!("cannot read stopwords {}: {e}", path.display()))
    }

    fn parse(text: &str) -> Self {
        Self(
            text.lines()
                .map(|line| line.split('#').next().unwrap_or("").trim())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    pub fn contains(&self, w: &str) -> bool {
        self.0.contains(w)
    }
}

/// The terms of a selection of units.
#[derive(Debug, Clone, Default)]
pub struct Terms {
    /// Ranked by score, highest first.
    pub stats: Vec<TermStat>,
    /// Per unit: ids into `stats`, deduplicated and sorted.
    pub unit_terms: Vec<Vec<u32>>,
}

/// A term occurrence in one unit, before interning.
struct Occurrence {
    term: String,
    /// The simple nouns it is made of (empty for verbs and adjectives), for FLR.
    nouns: Vec<String>,
}

/// What one unit contributes: its occurrences and the noun adjacencies of its compounds.
#[derive(Default)]
struct UnitTerms {
    occurrences: Vec<Occurrence>,
    /// (left noun, right noun) pairs inside maximal compounds.
    adjacent: Vec<(String, String)>,
}

/// Extracts and scores the candidate terms of `units` (tokenized in parallel).
pub fn extract(units: &[ThemeUnit], analyzer: &Analyzer, stopwords: &Stopwords) -> Terms {
    let per_unit: Vec<UnitTerms> = units
        .par_iter()
        .map(|u| unit_terms(&analyzer.tokenize(&u.norm), stopwords))
        .collect();

    // Left/right concatenation counts of simple nouns (frequency-based FLR).
    let mut left: HashMap<&str, usize> = HashMap::new();
    let mut right: HashMap<&str, usize> = HashMap::new();
    for (l, r) in per_unit.iter().flat_map(|u| &u.adjacent) {
        *right.entry(l).or_default() += 1;
        *left.entry(r).or_default() += 1;
    }

    struct Acc<'a> {
        nouns: &'a [String],
        frequency: usize,
        units: usize,
        groups: HashSet<&'a str>,
    }
    let mut acc: HashMap<&str, Acc> = HashMap::new();
    for (unit, terms) in units.iter().zip(&per_unit) {
        let mut seen: HashSet<&str> = HashSet::new();
        for o in &terms.occurrences {
            let a = acc.entry(&o.term).or_insert_with(|| Acc {
                nouns: &o.nouns,
                frequency: 0,
                units: 0,
                groups: HashSet::new(),
            });
            a.frequency += 1;
            if seen.insert(&o.term) {
                a.units += 1;
                a.groups.insert(&unit.branch);
            }
        }
    }

    let mut stats: Vec<TermStat> = acc
        .into_iter()
        .map(|(term, a)| {
            let lr = if a.nouns.is_empty() {
                1.0
            } else {
                let log_sum: f64 = a
                    .nouns
                    .iter()
                    .map(|n| {
                        let l = left.get(n.as_str()).copied().unwrap_or(0) as f64;
                        let r = right.get(n.as_str()).copied().unwrap_or(0) as f64;
                        ((l + 1.0) * (r + 1.0)).ln()
                    })
                    .sum();
                (log_sum / (2.0 * a.nouns.len() as f64)).exp()
            };
            TermStat {
                term: term.to_string(),
                score: a.frequency as f64 * lr,
                frequency: a.frequency,
                units: a.units,
                groups: a.groups.len(),
            }
        })
        .collect();
    stats.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.units.cmp(&a.units))
            .then_with(|| a.term.cmp(&b.term))
    });

    let ids: HashMap<&str, u32> = stats
        .iter()
        .enumerate()
        .map(|(i, s)| (s.term.as_str(), i as u32))
        .collect();
    let unit_terms = per_unit
        .iter()
        .map(|u| {
            let mut v: Vec<u32> = u
                .occurrences
                .iter()
                .filter_map(|o| ids.get(o.term.as_str()).copied())
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    Terms { stats, unit_terms }
}

/// A token that can be part of a compound noun, and whether it can stand as a constituent
/// (a suffix such as 部 or 化 only attaches to the noun before it).
fn noun_part(t: &Token) -> Option<bool> {
    match (t.pos(), t.pos_detail()) {
        ("名詞", "一般" | "サ変接続" | "固有名詞" | "形容動詞語幹" | "ナイ形容詞語幹") => {
            Some(true)
        }
        ("名詞", "接尾") => Some(false),
        _ => None,
    }
}

fn unit_terms(tokens: &[Token], stopwords: &Stopwords) -> UnitTerms {
    let mut out = UnitTerms::default();
    let mut run: Vec<&Token> = Vec::new();
    let mut prefix: Option<&Token> = None;
    for t in tokens {
        let part = noun_part(t).filter(|_| !stopwords.contains(&t.surface) && !t.is_symbol());
        match part {
            Some(standalone) if standalone || !run.is_empty() => {
                if run.is_empty()
                    && let Some(p) = prefix.take()
                {
                    run.push(p);
                }
                run.push(t);
            }
            _ => {
                flush(&mut run, stopwords, &mut out);
                prefix = None;
                if t.pos() == "接頭詞" && t.pos_detail() == "名詞接続" {
                    prefix = Some(t);
                } else if matches!(
                    (t.pos(), t.pos_detail()),
                    ("動詞", "自立") | ("形容詞", "自立")
                ) {
                    push_term(t.base_form(), Vec::new(), stopwords, &mut out);
                }
            }
        }
    }
    flush(&mut run, stopwords, &mut out);
    out
}

/// Emits the compound `run`, its constituents (a noun with its suffixes: ユース部, 声掛け)
/// and their bare nouns, then clears it.
fn flush(run: &mut Vec<&Token>, stopwords: &Stopwords, out: &mut UnitTerms) {
    // Chunks: a prefix and a standalone noun, followed by its suffixes.
    let mut chunks: Vec<(String, String)> = Vec::new();
    let mut open = false;
    for t in run.iter() {
        let standalone = noun_part(t) == Some(true);
        match chunks.last_mut() {
            Some((chunk, bare)) if open || !standalone && noun_part(t).is_some() => {
                chunk.push_str(&t.surface);
                if open {
                    bare.clone_from(&t.surface);
                }
            }
            _ => chunks.push((t.surface.clone(), t.surface.clone())),
        }
        open = noun_part(t).is_none();
    }
    run.clear();
    if chunks.is_empty() {
        return;
    }
    for pair in chunks.windows(2) {
        out.adjacent.push((pair[0].0.clone(), pair[1].0.clone()));
    }
    let nouns: Vec<String> = chunks.iter().map(|(c, _)| c.clone()).collect();
    if chunks.len() > 1 {
        push_term(&nouns.concat(), nouns.clone(), stopwords, out);
    }
    for (chunk, bare) in chunks {
        if bare != chunk {
            push_term(&bare, vec![bare.clone()], stopwords, out);
        }
        push_term(&chunk, vec![chunk.clone()], stopwords, out);
    }
}

fn push_term(term: &str, nouns: Vec<String>, stopwords: &Stopwords, out: &mut UnitTerms) {
    if is_term(term, stopwords) {
        out.occurrences.push(Occurrence {
            term: term.to_string(),
            nouns,
        });
    }
}

/// Numbers and stopwords are never terms; a single character is one only if it is a kanji
/// (声 in 声をかける carries meaning, a lone kana or letter does not).
fn is_term(term: &str, stopwords: &Stopwords) -> bool {
    let mut chars = term.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if stopwords.contains(term) || term.chars().all(|c| c.is_numeric() || !c.is_alphanumeric()) {
        return false;
    }
    chars.next().is_some() || is_kanji(first)
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(branch: &str, text: &str) -> ThemeUnit {
        ThemeUnit {
            doc: "d".into(),
            seq: 0,
            branch: branch.into(),
            question: None,
            text: text.into(),
            norm: text.into(),
        }
    }

    #[test]
    fn compounds_base_forms_and_filters() {
        let analyzer = Analyzer::new(&[]).expect("analyzer");
        let units = [
            unit("A", "競合単組との差別化で悩んでいること。2024年は3回。"),
            unit("B", "競合組織が強く、新規採用者組織化が難しい。"),
        ];
        let terms = extract(&units, &analyzer, &Stopwords::builtin());
        let has = |w: &str| terms.stats.iter().any(|s| s.term == w);
        for w in [
            "競合単組",
            "競合",
            "新規採用者組織化",
            "組織化",
            "悩む",
            "難しい",
        ] {
            assert!(has(w), "{w} missing");
        }
        for w in ["こと", "する", "2024", "3"] {
            assert!(!has(w), "{w} kept");
        }
        let competing = terms.stats.iter().find(|s| s.term == "競合");
        assert_eq!(competing.map(|s| (s.units, s.groups)), Some((2, 2)));
        assert!(
            terms
                .unit_terms
                .iter()
                .all(|v| v.windows(2).all(|w| w[0] < w[1]))
        );
    }
}
