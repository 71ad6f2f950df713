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

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;

use crate::analyze::{Analyzer, Morpheme};
use crate::lexicon::{Concepts, Stopwords};
use crate::themes::model::{TermStat, ThemeUnit};

/// The terms of a selection of units.
#[derive(Debug, Clone, Default)]
pub struct Terms {
    /// Ranked by score, highest first.
    pub stats: Vec<TermStat>,
    /// Per unit: ids into `stats`, deduplicated and sorted.
    pub unit_terms: Vec<Vec<u32>>,
}

/// A term as counted over some units.
struct TermAcc<'a> {
    /// What its forms are counted under (see [`Concepts`]).
    key: String,
    /// Its forms as written, with their frequencies, in order of first occurrence.
    forms: Vec<(String, usize)>,
    /// The simple nouns of its first occurrence (empty for verbs and adjectives), for FLR.
    nouns: Vec<String>,
    /// Those nouns cut around their standalone noun (学習会: 学習, 会), see `TermStat::parts`.
    parts: Vec<String>,
    frequency: usize,
    units: usize,
    groups: HashSet<&'a str>,
}

/// The terms of a run of consecutive units, interned as they are met, so that memory grows
/// with the vocabulary rather than with every occurrence of every unit.
#[derive(Default)]
struct Chunk<'a> {
    ids: HashMap<String, u32>,
    /// In order of first occurrence.
    terms: Vec<TermAcc<'a>>,
    /// Left/right concatenation counts of simple nouns inside maximal compounds.
    left: HashMap<String, usize>,
    right: HashMap<String, usize>,
    /// The occurrences of the unit being read.
    current: Vec<u32>,
}

impl<'a> Chunk<'a> {
    /// Returns the unit's ids into `terms`, deduplicated and sorted.
    fn add_unit(&mut self, unit: &'a ThemeUnit, analyzer: &Analyzer, lexicon: Lexicon) -> Vec<u32> {
        unit_terms(&analyzer.morphemes(&unit.norm), lexicon, self);
        let mut ids = std::mem::take(&mut self.current);
        ids.sort_unstable();
        ids.dedup();
        for &id in &ids {
            let t = &mut self.terms[id as usize];
            t.units += 1;
            t.groups.insert(unit.branch.as_str());
        }
        // Copied at its exact size: a million grown buffers would double what they hold.
        let exact = ids.to_vec();
        ids.clear();
        self.current = ids;
        exact
    }

    fn push_term(&mut self, term: &str, nouns: &[String], parts: &[String], lexicon: Lexicon) {
        if !is_term(term, lexicon.stopwords) {
            return;
        }
        let key = lexicon.concepts.key(term);
        let id = match self.ids.get(key) {
            Some(&id) => id,
            None => {
                let id = self.terms.len() as u32;
                self.ids.insert(key.to_string(), id);
                self.terms.push(TermAcc {
                    key: key.to_string(),
                    forms: Vec::new(),
                    nouns: nouns.to_vec(),
                    parts: parts.to_vec(),
                    frequency: 0,
                    units: 0,
                    groups: HashSet::default(),
                });
                id
            }
        };
        let acc = &mut self.terms[id as usize];
        acc.frequency += 1;
        add_form(&mut acc.forms, term, 1);
        self.current.push(id);
    }

    fn push_adjacent(&mut self, l: &str, r: &str) {
        count(&mut self.right, l, 1);
        count(&mut self.left, r, 1);
    }
}

fn add_form(forms: &mut Vec<(String, usize)>, form: &str, n: usize) {
    match forms.iter_mut().find(|(f, _)| f == form) {
        Some((_, c)) => *c += n,
        None => forms.push((form.to_string(), n)),
    }
}

/// What decides which words are terms and which count as one.
#[derive(Clone, Copy)]
pub struct Lexicon<'a> {
    pub stopwords: &'a Stopwords,
    pub concepts: &'a Concepts,
    pub pos: PartsOfSpeech,
}

/// Which parts of speech give terms (`--pos`, as KH Coder's 品詞による語の取捨選択): compound
/// nouns, content verbs (base form), adjectives (base form). All by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartsOfSpeech {
    pub nouns: bool,
    pub verbs: bool,
    pub adjectives: bool,
}

impl Default for PartsOfSpeech {
    fn default() -> Self {
        Self {
            nouns: true,
            verbs: true,
            adjectives: true,
        }
    }
}

impl std::str::FromStr for PartsOfSpeech {
    type Err = String;

    /// A comma-separated list: 名詞,動詞,形容詞 (or noun, verb, adj).
    fn from_str(s: &str) -> Result<Self, String> {
        let mut pos = Self {
            nouns: false,
            verbs: false,
            adjectives: false,
        };
        for word in s
            .split([',', '、'])
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            match word {
                "名詞" | "noun" | "nouns" => pos.nouns = true,
                "動詞" | "verb" | "verbs" => pos.verbs = true,
                "形容詞" | "adj" | "adjective" | "adjectives" => pos.adjectives = true,
                other => {
                    return Err(format!(
                        "unknown part of speech {other:?} (名詞, 動詞, 形容詞 / noun, verb, adj)"
                    ));
                }
            }
        }
        if pos
            == (Self {
                nouns: false,
                verbs: false,
                adjectives: false,
            })
        {
            return Err("no part of speech given (名詞, 動詞, 形容詞)".into());
        }
        Ok(pos)
    }
}

fn count(counts: &mut HashMap<String, usize>, key: &str, n: usize) {
    match counts.get_mut(key) {
        Some(c) => *c += n,
        None => {
            counts.insert(key.to_string(), n);
        }
    }
}

/// Extracts and scores the candidate terms of `units`, tokenized in parallel chunks whose
/// tables are merged in unit order, so the result does not depend on the chunking.
/// [`extract`] with the shipped stopwords and the default parts of speech, as `kumiai
/// network`, `ca` and `freq` and the reports' pictures count terms.
pub fn extract_with_defaults(
    units: &[ThemeUnit],
    analyzer: &Analyzer,
    concepts: &Concepts,
) -> Terms {
    let stopwords = Stopwords::builtin();
    let lexicon = Lexicon {
        stopwords: &stopwords,
        concepts,
        pos: PartsOfSpeech::default(),
    };
    extract(units, analyzer, lexicon)
}

pub fn extract(units: &[ThemeUnit], analyzer: &Analyzer, lexicon: Lexicon) -> Terms {
    // A few chunks per thread: enough to balance the load, few enough that their tables
    // (each holding much of the vocabulary) stay small.
    let chunk_units = units
        .len()
        .div_ceil(4 * rayon::current_num_threads())
        .max(1024);
    // Filled in place, so no chunk holds a second table of per-unit vectors.
    let mut unit_terms: Vec<Vec<u32>> = vec![Vec::new(); units.len()];
    let mut chunks: Vec<Chunk> = units
        .par_chunks(chunk_units)
        .zip(unit_terms.par_chunks_mut(chunk_units))
        .map(|(units, slots)| {
            let mut chunk = Chunk::default();
            for (u, slot) in units.iter().zip(slots) {
                *slot = chunk.add_unit(u, analyzer, lexicon);
            }
            chunk
        })
        .collect();

    // Merged in chunk order, so a term keeps the nouns of its first occurrence overall.
    let mut all = Chunk::default();
    let mut remaps: Vec<Vec<u32>> = Vec::with_capacity(chunks.len());
    for chunk in &mut chunks {
        for (noun, n) in chunk.left.drain() {
            count(&mut all.left, &noun, n);
        }
        for (noun, n) in chunk.right.drain() {
            count(&mut all.right, &noun, n);
        }
        chunk.ids = HashMap::default();
        let remap = std::mem::take(&mut chunk.terms)
            .into_iter()
            .map(|t| match all.ids.get(&t.key) {
                Some(&id) => {
                    let a = &mut all.terms[id as usize];
                    for (form, n) in &t.forms {
                        add_form(&mut a.forms, form, *n);
                    }
                    a.frequency += t.frequency;
                    a.units += t.units;
                    a.groups.extend(t.groups);
                    id
                }
                None => {
                    let id = all.terms.len() as u32;
                    all.ids.insert(t.key.clone(), id);
                    all.terms.push(t);
                    id
                }
            })
            .collect();
        remaps.push(remap);
    }

    let flr = |a: &TermAcc| {
        if a.nouns.is_empty() {
            return 1.0;
        }
        let log_sum: f64 = a
            .nouns
            .iter()
            .map(|n| {
                let l = all.left.get(n.as_str()).copied().unwrap_or(0) as f64;
                let r = all.right.get(n.as_str()).copied().unwrap_or(0) as f64;
                ((l + 1.0) * (r + 1.0)).ln()
            })
            .sum();
        (log_sum / (2.0 * a.nouns.len() as f64)).exp()
    };
    let mut stats: Vec<(u32, TermStat)> = all
        .terms
        .iter()
        .enumerate()
        .map(|(id, a)| {
            // The most frequent form names the term; ties go to the first seen.
            let mut forms: Vec<&(String, usize)> = a.forms.iter().collect();
            forms.sort_by_key(|f| std::cmp::Reverse(f.1));
            let stat = TermStat {
                term: forms.first().map(|f| f.0.clone()).unwrap_or_default(),
                variants: forms.iter().skip(1).map(|f| f.0.clone()).collect(),
                parts: a.parts.clone(),
                score: a.frequency as f64 * flr(a),
                frequency: a.frequency,
                units: a.units,
                groups: a.groups.len(),
            };
            (id as u32, stat)
        })
        .collect();
    stats.sort_by(|(_, a), (_, b)| {
        b.score
            .total_cmp(&a.score)
            .then(b.units.cmp(&a.units))
            .then_with(|| a.term.cmp(&b.term))
    });

    let mut rank = vec![0u32; stats.len()];
    for (i, &(id, _)) in stats.iter().enumerate() {
        rank[id as usize] = i as u32;
    }
    drop(chunks);
    unit_terms
        .par_chunks_mut(chunk_units)
        .zip(&remaps)
        .for_each(|(slots, remap)| {
            for ids in slots {
                for id in ids.iter_mut() {
                    *id = rank[remap[*id as usize] as usize];
                }
                ids.sort_unstable();
            }
        });
    Terms {
        stats: stats.into_iter().map(|(_, s)| s).collect(),
        unit_terms,
    }
}

/// A token that can be part of a compound noun, and whether it can stand as a constituent
/// (a suffix such as 部 or 化 only attaches to the noun before it).
fn noun_part(t: &Morpheme) -> Option<bool> {
    match (t.pos.as_ref(), t.pos_detail.as_ref()) {
        ("名詞", "一般" | "サ変接続" | "固有名詞" | "形容動詞語幹" | "ナイ形容詞語幹") => {
            Some(true)
        }
        ("名詞", "接尾") => Some(false),
        _ => None,
    }
}

fn unit_terms(tokens: &[Morpheme], lexicon: Lexicon, out: &mut Chunk) {
    let stopwords = lexicon.stopwords;
    let mut run: Vec<&Morpheme> = Vec::new();
    let mut prefix: Option<&Morpheme> = None;
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
                flush(&mut run, lexicon, out);
                prefix = None;
                if t.pos == "接頭詞" && t.pos_detail == "名詞接続" {
                    prefix = Some(t);
                } else if match (t.pos.as_ref(), t.pos_detail.as_ref()) {
                    ("動詞", "自立") => lexicon.pos.verbs,
                    ("形容詞", "自立") => lexicon.pos.adjectives,
                    _ => false,
                } {
                    out.push_term(t.base_form(), &[], &[], lexicon);
                }
            }
        }
    }
    flush(&mut run, lexicon, out);
}

/// Emits the compound `run`, its constituents (a noun with its suffixes: ユース部, 声掛け)
/// and their bare nouns, then clears it.
fn flush(run: &mut Vec<&Morpheme>, lexicon: Lexicon, out: &mut Chunk) {
    // Chunks: a prefix and a standalone noun, followed by its suffixes.
    let mut chunks: Vec<(String, String)> = Vec::new();
    let mut open = false;
    for t in run.iter() {
        let standalone = noun_part(t) == Some(true);
        match chunks.last_mut() {
            Some((chunk, bare)) if open || !standalone && noun_part(t).is_some() => {
                chunk.push_str(&t.surface);
                if open {
                    bare.clear();
                    bare.push_str(&t.surface);
                }
            }
            _ => chunks.push((t.surface.to_string(), t.surface.to_string())),
        }
        open = noun_part(t).is_none();
    }
    run.clear();
    if chunks.is_empty() {
        return;
    }
    for pair in chunks.windows(2) {
        out.push_adjacent(&pair[0].0, &pair[1].0);
    }
    if !lexicon.pos.nouns {
        return;
    }
    let parts: Vec<Vec<String>> = chunks
        .iter()
        .map(|(chunk, bare)| split_chunk(chunk, bare))
        .collect();
    if chunks.len() > 1 {
        let nouns: Vec<String> = chunks.iter().map(|(c, _)| c.clone()).collect();
        out.push_term(&nouns.concat(), &nouns, &parts.concat(), lexicon);
    }
    for ((chunk, bare), parts) in chunks.iter().zip(&parts) {
        if bare != chunk {
            out.push_term(
                bare,
                std::slice::from_ref(bare),
                std::slice::from_ref(bare),
                lexicon,
            );
        }
        out.push_term(chunk, std::slice::from_ref(chunk), parts, lexicon);
    }
}

/// A chunk cut around its standalone noun: 学習会 → 学習, 会; 新規 → 新規.
fn split_chunk(chunk: &str, bare: &str) -> Vec<String> {
    match chunk.find(bare) {
        Some(at) => [&chunk[..at], bare, &chunk[at + bare.len()..]]
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
        None => vec![chunk.to_string()],
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

    use crate::themes::fixtures::unit;

    fn terms_of(units: &[ThemeUnit], concepts: &Concepts) -> Terms {
        let analyzer = Analyzer::new(&[]).expect("analyzer");
        let lexicon = Lexicon {
            stopwords: &Stopwords::builtin(),
            concepts,
            pos: PartsOfSpeech::default(),
        };
        extract(units, &analyzer, lexicon)
    }

    #[test]
    fn compounds_base_forms_and_filters() {
        let units = [
            unit("A", "競合単組との差別化で悩んでいること。2024年は3回。"),
            unit("B", "競合組織が強く、新規採用者組織化が難しい。"),
        ];
        let terms = terms_of(&units, &Concepts::default());
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

    /// Synonyms count as one term named by the most frequent form; other words stay apart.
    #[test]
    fn synonyms_count_as_one_term() {
        let units = [
            unit("A", "団体交渉を行った。"),
            unit("B", "団交は大衆団交で行った。"),
            unit("C", "業務が忙しい。"),
            unit("D", "多忙のため新採の勧誘ができない。"),
            unit("E", "新規採用者の加入。自治労と自治労連。"),
        ];
        let manifest = vec![vec!["新採".to_string(), "新規採用者".to_string()]];
        let terms = terms_of(&units, &Concepts::new(&manifest, true));
        let stat = |w: &str| terms.stats.iter().find(|s| s.term == w);
        let bargaining = stat("団交").expect("団交, the more frequent form");
        assert_eq!((bargaining.frequency, bargaining.units), (3, 2));
        assert_eq!(bargaining.variants, ["団体交渉"]);
        assert!(stat("団体交渉").is_none());
        let busy = stat("忙しい").expect("忙しい, seen first");
        assert_eq!(
            (busy.units, busy.variants.as_slice()),
            (2, &["多忙".to_string()][..])
        );
        let hires = stat("新採").expect("the manifest's group");
        assert_eq!(hires.variants, ["新規採用者"]);
        for w in ["加入", "自治労", "自治労連"] {
            assert!(stat(w).is_some_and(|s| s.variants.is_empty()), "{w}");
        }
        let terms = terms_of(&units, &Concepts::new(&manifest, false));
        assert!(terms.stats.iter().any(|s| s.term == "団体交渉"));
    }
}
