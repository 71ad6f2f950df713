//! Parsed query → tantivy queries: one boolean query choosing the candidate units (words,
//! `+` `-` `OR`, groups, filters), and for every positive word one query per way it can match
//! (exact, base form, substring, part, synonym), at unit and at record level, for ranking.

use std::ops::Bound;
use std::sync::OnceLock;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur as TOccur, PhraseQuery, Query, RangeQuery,
    RegexQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Term, query::EmptyQuery};

use super::query::{Expr, Filter, Occur};
use super::{MatchType, forward};
use crate::analyze::Analyzer;
use crate::index::tokenizers::{self, Morph, Role};
use crate::index::{self, KumiaiIndex};
use crate::lexicon::Synonyms;

/// Weights of the ways a word matches, tuned on `benches/relevance` (scripts/relevance.py):
/// the word's morphemes as typed outrank its base form, which outranks the word found inside
/// a longer one (未加入 in 未加入者, 自治労 in 自治労連), which outranks one of its parts
/// (競合 of 競合組合). Synonyms are weighted like the word, then capped (see `rank`). The
/// ranking is not sensitive to PART: nDCG@10 0.888 at 0.5 and 1.0, 0.883 at 0.25.
const EXACT: f32 = 4.0;
const BASE: f32 = 3.0;
const SUBSTRING: f32 = 1.0;
const PART: f32 = 0.5;
/// A compound's head (未加入 of 未加入者) found as text: as near the word as a substring.
const HEAD: f32 = 1.0;
/// A morpheme of a compound that has no parts (組合 of 組合費): a recall fallback.
const PIECE: f32 = 0.25;
/// The kanji of a one-kanji verb or adjective (減 of 減る, in 減少 and 激減): a recall
/// fallback, the weakest match.
const STEM: f32 = 0.25;

/// The fields a text is indexed in, for units or for whole records.
#[derive(Clone, Copy)]
pub(super) struct Level {
    morph: Field,
    base: Field,
    bigram: Field,
}

impl Level {
    pub(super) fn unit(f: &index::Fields) -> Self {
        Self {
            morph: f.morph,
            base: f.base,
            bigram: f.bigram,
        }
    }

    pub(super) fn record(f: &index::Fields) -> Self {
        Self {
            morph: f.record_morph,
            base: f.record_base,
            bigram: f.record_bigram,
        }
    }
}

/// One part of a word: its base forms at their positions, then those of each of its
/// synonyms (可視化 for 見える化), and its weight.
struct Part {
    forms: Vec<Vec<(usize, String)>>,
    weight: f32,
}

/// One way a word matches, as a query at one level.
pub(super) struct Matcher {
    pub(super) kind: MatchType,
    /// One of the word's parts: a text matching some of them gets that share of their score
    /// (the answer naming 若手 and 組合員 above the one naming 組合員 twice).
    pub(super) part: bool,
    pub(super) query: Box<dyn Query>,
}

impl Matcher {
    fn new(kind: MatchType, query: Box<dyn Query>) -> Self {
        Self {
            kind,
            part: false,
            query,
        }
    }
}

/// A word or phrase of the query that ranks (not under `-`).
pub(super) struct Leaf {
    pub(super) text: String,
    /// The top-level clause it belongs to: coverage counts clauses, so `新採 OR 新規採用者`
    /// is one.
    pub(super) clause: usize,
    /// Quoted: matched exactly, without base forms, parts or synonyms.
    phrase: bool,
    morphs: Vec<Morph>,
    /// Its parts (see [`parts`]).
    parts: Vec<Part>,
    /// Text found as a substring, weaker than the word: its head and its kanji stems (see
    /// [`fallbacks`]), with their weights.
    fallbacks: Vec<(String, f32)>,
    /// Expansions, each analysed.
    synonyms: Vec<Vec<Morph>>,
}

impl Leaf {
    /// Whether matching by base form can find anything the surfaces do not: only words with
    /// an inflecting morpheme (忙しい, 取り組む) have other forms.
    fn inflects(morphs: &[Morph]) -> bool {
        morphs.iter().any(|m| m.inflects)
    }

    /// One query per way this leaf can match at `level`.
    pub(super) fn queries(&self, level: Level) -> Vec<Matcher> {
        let mut out: Vec<Matcher> = Vec::new();
        let surfaces = |ms: &[Morph], field| {
            phrase(field, ms.iter().map(|m| (m.position, m.surface.as_str())))
        };
        let bases = |ms: &[Morph], field| {
            if Self::inflects(ms) {
                sloppy(field, &core(ms))
            } else {
                None
            }
        };
        if let Some(q) = surfaces(&self.morphs, level.morph) {
            out.push(Matcher::new(MatchType::Exact, boost(q, EXACT)));
        }
        if let Some(q) = substring(&self.text, level.bigram) {
            out.push(Matcher::new(MatchType::Substring, boost(q, SUBSTRING)));
        }
        if self.phrase {
            return out;
        }
        if let Some(q) = bases(&self.morphs, level.base) {
            out.push(Matcher::new(MatchType::Base, boost(q, BASE)));
        }
        for part in &self.parts {
            let forms: Vec<(TOccur, Box<dyn Query>)> = part
                .forms
                .iter()
                .filter_map(|f| phrase(level.base, f.iter().map(|(i, b)| (*i, b.as_str()))))
                .map(|q| (TOccur::Should, q))
                .collect();
            if !forms.is_empty() {
                out.push(Matcher {
                    kind: MatchType::Part,
                    part: true,
                    query: boost(Box::new(BooleanQuery::new(forms)), part.weight),
                });
            }
        }
        for (text, weight) in &self.fallbacks {
            if let Some(q) = substring(text, level.bigram) {
                out.push(Matcher::new(MatchType::Part, boost(q, *weight)));
            }
        }
        // By morphemes only, never as a substring: 手不足 (of 人手不足) is not in 担い手不足.
        let synonyms: Vec<(TOccur, Box<dyn Query>)> = self
            .synonyms
            .iter()
            .flat_map(|ms| {
                [
                    surfaces(ms, level.morph).map(|q| boost(q, EXACT)),
                    bases(ms, level.base).map(|q| boost(q, BASE)),
                ]
            })
            .flatten()
            .map(|q| (TOccur::Should, q))
            .collect();
        if !synonyms.is_empty() {
            out.push(Matcher::new(
                MatchType::Synonym,
                Box::new(BooleanQuery::new(synonyms)),
            ));
        }
        out
    }

    /// What to mark in a unit: morpheme sequences (surfaces, or base forms where they are
    /// what matched), and the text itself where it matched as a substring.
    pub(super) fn highlight_terms(&self) -> Vec<super::HighlightTerm> {
        let mut out = vec![super::HighlightTerm::new(&self.morphs, Some(&self.text))];
        out.extend(
            self.parts
                .iter()
                .flat_map(|p| &p.forms)
                .map(|f| super::HighlightTerm::base(f.iter().map(|(_, b)| b.clone()).collect())),
        );
        out.extend(
            self.fallbacks
                .iter()
                .map(|(text, _)| super::HighlightTerm::new(&[], Some(text))),
        );
        out.extend(
            self.synonyms
                .iter()
                .map(|ms| super::HighlightTerm::new(ms, None)),
        );
        out
    }
}

/// The meaningful morphemes of a word (no particles or auxiliaries but the negative), as
/// base forms at their positions: 伝わらない → 伝わる ない, 未加入者が増えている → 未加入者 …
/// 増える.
pub(super) fn core(morphs: &[Morph]) -> Vec<(usize, String)> {
    morphs
        .iter()
        .filter(|m| meaningful(m))
        .map(|m| (m.position, m.base.clone()))
        .collect()
}

/// Whether a morpheme carries meaning of its own: content, affixes and the negative
/// auxiliary, which base forms must keep (加入しない is not 加入する: without it, answers
/// about members who joined ranked among those about people who do not join).
pub(super) fn meaningful(m: &Morph) -> bool {
    m.role != Role::Function || (m.inflects && matches!(m.base.as_str(), "ない" | "ぬ" | "ん"))
}

/// IPADIC without the user dictionaries, built on first use: only words the user
/// dictionary keeps whole are split with it.
fn system_analyzer() -> Option<&'static Analyzer> {
    static SYSTEM: OnceLock<Option<Analyzer>> = OnceLock::new();
    SYSTEM.get_or_init(|| Analyzer::system_only().ok()).as_ref()
}

/// Shorter texts standing for a word, found as substrings at a lower weight, for recall
/// where the text says less than the query:
/// - the head of a compound, without its trailing suffixes (未加入者 → 未加入, 新規採用者 →
///   新規採用, 非正規労働者 → 非正規労働), split by IPADIC alone where the user dictionary
///   keeps the word whole; three characters at least, as a two-kanji head no longer means
///   the compound (機関 of 機関紙, 青年 of 青年部); none for proper nouns (自治 of 自治労);
/// - the kanji of a word that is one one-kanji verb or adjective (減 of 減っている, found in
///   減少 and 激減; 忙 of 忙しい, in 多忙), as Sino-Japanese nouns say what the verb says.
fn fallbacks(morphs: &[Morph], pieces: Option<&[Morph]>) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    if let Some(pieces) = pieces {
        let kept = pieces
            .iter()
            .rposition(|m| m.role != Role::Suffix)
            .map_or(0, |i| i + 1);
        let head: String = pieces[..kept].iter().map(|m| m.surface.as_str()).collect();
        if kept < pieces.len()
            && head.chars().count() >= 3
            && pieces[..kept].iter().any(|m| m.role == Role::Content)
        {
            out.push((head, HEAD));
        }
    }
    // Only for a word that is the verb (減っている, 伝わらない): inside a longer phrase the
    // kanji no longer stands for it (見 of 組合活動の見える化 is in 意見 and 見直し: 279 hits
    // instead of 230; on benches/relevance that query's nDCG@10 is 0.732 with it, 0.715
    // without, by chance — no other query changes).
    let mut content = morphs.iter().filter(|m| m.role != Role::Function);
    if let (Some(m), None) = (content.next(), content.next()) {
        let mut chars = m.base.chars();
        let one_kanji = chars.next().is_some_and(is_kanji)
            && chars.all(|c| matches!(c, '\u{3041}'..='\u{309F}'));
        if m.inflects && m.role == Role::Content && one_kanji {
            out.push((m.base.chars().take(1).collect(), STEM));
        }
    }
    out
}

/// The morphemes of a compound noun (prefixes, nouns, suffixes; no proper noun), as IPADIC
/// alone splits it if the user dictionary keeps it whole (未加入者 → 未 加入 者); None for
/// anything else.
fn compound(morphs: &[Morph]) -> Option<Vec<Morph>> {
    let compound = !morphs.is_empty()
        && morphs
            .windows(2)
            .all(|p| p[1].position == p[0].position + 1)
        && morphs
            .iter()
            .all(|m| (m.noun || m.role == Role::Prefix) && !m.proper);
    if !compound {
        return None;
    }
    Some(match morphs {
        [one] if one.surface.chars().count() >= 3 => system_analyzer()
            .map(|a| tokenizers::morphs(a, &one.surface))
            .filter(|split| split.len() > 1)
            .unwrap_or_else(|| morphs.to_vec()),
        _ => morphs.to_vec(),
    })
}

/// The form a word is listed under: the base form of a word of one meaningful morpheme that
/// inflects (減っている → 減る, whose synonym is 減少), if it differs from the text. None
/// with a negative, whose synonyms would say the opposite.
fn lemma(text: &str, morphs: &[Morph]) -> Option<String> {
    match core(morphs).as_slice() {
        [(_, base)] if Leaf::inflects(morphs) && base != text => Some(base.clone()),
        _ => None,
    }
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}')
}

/// The parts of a compound or phrase, if it has at least two: each content morpheme with
/// the prefixes before it and the suffixes after it; a part must have two characters or be a
/// one-kanji noun (声 of 声をかける), so that stray kana (し of 加入しない) never match alone.
fn groups(morphs: &[Morph]) -> Vec<Vec<(usize, String)>> {
    let mut groups: Vec<Vec<&Morph>> = Vec::new();
    let mut open = false;
    for m in morphs {
        match m.role {
            Role::Function => open = false,
            Role::Suffix if open => groups.last_mut().into_iter().for_each(|g| g.push(m)),
            Role::Prefix if !open => {
                groups.push(vec![m]);
                open = false;
            }
            _ => {
                match groups.last_mut() {
                    // The content morpheme a prefix was waiting for.
                    Some(g) if !open && g.last().is_some_and(|p| p.role == Role::Prefix) => {
                        g.push(m)
                    }
                    _ => groups.push(vec![m]),
                }
                open = true;
            }
        }
    }
    let meaningful = |g: &Vec<&Morph>| {
        let chars: usize = g.iter().map(|m| m.surface.chars().count()).sum();
        chars >= 2 || g.iter().any(|m| m.noun && m.surface.chars().all(is_kanji))
    };
    if groups.len() < 2 {
        return Vec::new();
    }
    groups
        .into_iter()
        .filter(meaningful)
        .map(|g| {
            g.into_iter()
                .map(|m| (m.position, m.base.clone()))
                .collect()
        })
        .collect()
}

/// The parts of a word, weighted: its groups (see [`groups`]) at PART; for a compound
/// without groups, its pieces at PIECE: each content morpheme of two characters or more that
/// no prefix negates (組合 of 組合費, but not 加入 of 未加入者).
fn parts(morphs: &[Morph], pieces: Option<&[Morph]>) -> Vec<(Vec<(usize, String)>, f32)> {
    let groups = groups(morphs);
    if !groups.is_empty() {
        return groups.into_iter().map(|g| (g, PART)).collect();
    }
    let Some(pieces) = pieces.filter(|p| p.len() > 1) else {
        return Vec::new();
    };
    pieces
        .iter()
        .enumerate()
        .filter(|(i, m)| {
            m.role == Role::Content
                && m.surface.chars().count() >= 2
                && (*i == 0 || pieces[i - 1].role != Role::Prefix)
        })
        .map(|(_, m)| (vec![(0, m.base.clone())], PIECE))
        .collect()
}

/// Base forms in order, a particle or two apart at most (未加入者が増えて for 未加入者 増える).
fn sloppy(field: Field, core: &[(usize, String)]) -> Option<Box<dyn Query>> {
    if core.len() < 2 {
        return phrase(field, core.iter().map(|(p, b)| (*p, b.as_str())));
    }
    let terms = core
        .iter()
        .enumerate()
        .map(|(i, (_, b))| (i, Term::from_field_text(field, b)))
        .collect();
    let mut q = PhraseQuery::new_with_offset(terms);
    q.set_slop(2);
    Some(Box::new(forward::Forward(Box::new(q))))
}

fn boost(q: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, weight))
}

/// The text as a run of positional bigrams: a substring match (one char: any gram starting
/// with it).
fn substring(text: &str, field: Field) -> Option<Box<dyn Query>> {
    let grams = tokenizers::query_bigrams(text);
    match grams.as_slice() {
        [one] if one.text.chars().count() == 1 => {
            let pattern = format!("{}.?", regex::escape(&one.text));
            RegexQuery::from_pattern(&pattern, field)
                .ok()
                .map(|q| Box::new(q) as Box<dyn Query>)
        }
        _ => phrase(field, grams.iter().map(|t| (t.position, t.text.as_str()))),
    }
}

/// Builds the candidate query and the leaves of one parsed query.
pub(super) struct Builder<'a> {
    idx: &'a KumiaiIndex,
    synonyms: &'a Synonyms,
    pub(super) leaves: Vec<Leaf>,
    /// Words expanded by synonyms: (word, [synonyms]).
    pub(super) expansions: Vec<(String, Vec<String>)>,
    /// Top-level clauses that hold a ranking leaf.
    pub(super) clauses: usize,
}

impl<'a> Builder<'a> {
    pub(super) fn new(idx: &'a KumiaiIndex, synonyms: &'a Synonyms) -> Self {
        Self {
            idx,
            synonyms,
            leaves: Vec::new(),
            expansions: Vec::new(),
            clauses: 0,
        }
    }

    /// The query selecting candidate units (unranked): units only, never records.
    pub(super) fn candidates(&mut self, clauses: &[(Occur, Expr)]) -> Box<dyn Query> {
        let unit: Box<dyn Query> = Box::new(term(self.idx.fields.level, index::UNIT));
        let mut all = vec![(TOccur::Must, unit)];
        all.extend(self.group(clauses, true, true).map(|q| (TOccur::Must, q)));
        Box::new(BooleanQuery::new(all))
    }

    /// `ranks`: a positive context, whose leaves rank (not under `-`).
    fn expr(&mut self, expr: &Expr, ranks: bool) -> Option<Box<dyn Query>> {
        match expr {
            Expr::Word(w) => self.leaf(w, false, ranks),
            Expr::Phrase(p) => self.leaf(p, true, ranks),
            Expr::Or(items) => {
                let subs: Vec<_> = items
                    .iter()
                    .filter_map(|e| Some((TOccur::Should, self.expr(e, ranks)?)))
                    .collect();
                (!subs.is_empty()).then(|| Box::new(BooleanQuery::new(subs)) as Box<dyn Query>)
            }
            Expr::Group(clauses) => self.group(clauses, ranks, false),
            Expr::Filter(filter) => Some(self.filter(filter)),
        }
    }

    /// A clause list: filters and +words must match, -words must not, and at least one of
    /// the other words must (tantivy would treat them as optional next to a Must clause).
    /// At the top level each clause holding ranking leaves counts once for coverage.
    fn group(
        &mut self,
        clauses: &[(Occur, Expr)],
        ranks: bool,
        top: bool,
    ) -> Option<Box<dyn Query>> {
        let mut out: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
        let mut any: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
        for (occur, expr) in clauses {
            let before = self.leaves.len();
            let Some(q) = self.expr(expr, ranks && *occur != Occur::MustNot) else {
                continue;
            };
            if top && self.leaves.len() > before {
                for leaf in &mut self.leaves[before..] {
                    leaf.clause = self.clauses;
                }
                self.clauses += 1;
            }
            match (occur, expr) {
                (Occur::MustNot, _) => out.push((TOccur::MustNot, q)),
                (Occur::Must, _) | (Occur::Should, Expr::Filter(_)) => out.push((TOccur::Must, q)),
                (Occur::Should, _) => any.push((TOccur::Should, q)),
            }
        }
        if !any.is_empty() {
            out.push((TOccur::Must, Box::new(BooleanQuery::new(any))));
        }
        if out.is_empty() {
            return None;
        }
        if out.iter().all(|(o, _)| *o == TOccur::MustNot) {
            out.push((TOccur::Must, Box::new(AllQuery)));
        }
        Some(Box::new(BooleanQuery::new(out)))
    }

    /// A word or phrase: its unit-level query, and a leaf to rank by if it is positive.
    fn leaf(&mut self, text: &str, phrase: bool, ranks: bool) -> Option<Box<dyn Query>> {
        let analyzer = &self.idx.analyzer;
        let text = crate::normalize::fold_case(text);
        let morphs = tokenizers::morphs(analyzer, &text);
        let (parts, fallbacks, synonyms) = if phrase {
            Default::default()
        } else {
            let pieces = compound(&morphs);
            let fallbacks = fallbacks(&morphs, pieces.as_deref());
            let mut words = self.synonyms.expand(&text);
            // The base form itself is matched as such: only its synonyms are added.
            if let Some(lemma) = lemma(&text, &morphs) {
                for w in self.synonyms.expand(&lemma).into_iter().skip(1) {
                    if !words.contains(&w) {
                        words.push(w);
                    }
                }
            }
            if words.len() > 1 && !self.expansions.iter().any(|(w, _)| *w == text) {
                self.expansions.push((text.clone(), words[1..].to_vec()));
            }
            let synonyms = words[1..]
                .iter()
                .map(|w| tokenizers::morphs(analyzer, w))
                .filter(|ms| !ms.is_empty())
                .collect();
            // A part's synonyms match as the part (見える化 of 組合活動の見える化 → 可視化).
            let parts = parts(&morphs, pieces.as_deref())
                .into_iter()
                .map(|(base, weight)| {
                    let text: String = base.iter().map(|(_, b)| b.as_str()).collect();
                    let mut forms = vec![base];
                    for w in &self.synonyms.expand(&text)[1..] {
                        let form: Vec<(usize, String)> = tokenizers::morphs(analyzer, w)
                            .into_iter()
                            .map(|m| (m.position, m.base))
                            .collect();
                        if !form.is_empty() {
                            forms.push(form);
                        }
                    }
                    Part { forms, weight }
                })
                .collect();
            (parts, fallbacks, synonyms)
        };
        let leaf = Leaf {
            text,
            clause: 0,
            phrase,
            morphs,
            parts,
            fallbacks,
            synonyms,
        };
        let level = Level::unit(&self.idx.fields);
        let any: Vec<(TOccur, Box<dyn Query>)> = leaf
            .queries(level)
            .into_iter()
            .map(|m| (TOccur::Should, m.query))
            .collect();
        if ranks {
            self.leaves.push(leaf);
        }
        Some(if any.is_empty() {
            Box::new(EmptyQuery)
        } else {
            Box::new(BooleanQuery::new(any))
        })
    }

    /// The organisations `org:value` names ([`Analyzer::names`]: `org:自治労` never finds
    /// 自治労連埼玉県本部).
    fn organisations(&self, value: &str) -> Box<dyn Query> {
        let Ok(names) = self.idx.values_of(self.idx.fields.org) else {
            return Box::new(EmptyQuery);
        };
        let terms: Vec<Term> = names
            .iter()
            .filter(|name| self.idx.analyzer.names(name, value))
            .map(|name| Term::from_field_text(self.idx.fields.org, name))
            .collect();
        Box::new(TermSetQuery::new(terms))
    }

    fn filter(&self, filter: &Filter) -> Box<dyn Query> {
        let f = &self.idx.fields;
        let contains = |field: Field, value: &str| -> Box<dyn Query> {
            let pattern = format!(".*{}.*", regex::escape(value));
            match RegexQuery::from_pattern(&pattern, field) {
                Ok(q) => Box::new(q),
                Err(_) => Box::new(term(field, value)),
            }
        };
        match filter {
            Filter::Org(v) => self.organisations(v),
            Filter::Branch(v) => contains(f.branch, v),
            Filter::Question(v) => contains(f.question, v),
            Filter::Doc(v) => contains(f.doc, v),
            Filter::Kind(v) => Box::new(term(f.kind, v)),
            Filter::Year { from, to } => {
                // A document's year span overlaps [from, to]; an open end constrains nothing
                // (tantivy panics on a range with both bounds unbounded: `year:2024..`).
                let at_least = |field: Field, y: u16| -> Box<dyn Query> {
                    let t = Term::from_field_u64(field, y.into());
                    Box::new(RangeQuery::new(Bound::Included(t), Bound::Unbounded))
                };
                let at_most = |field: Field, y: u16| -> Box<dyn Query> {
                    let t = Term::from_field_u64(field, y.into());
                    Box::new(RangeQuery::new(Bound::Unbounded, Bound::Included(t)))
                };
                let bounds: Vec<(TOccur, Box<dyn Query>)> = [
                    to.map(|y| at_most(f.year_from, y)),
                    from.map(|y| at_least(f.year_to, y)),
                ]
                .into_iter()
                .flatten()
                .map(|q| (TOccur::Must, q))
                .collect();
                Box::new(BooleanQuery::new(bounds))
            }
        }
    }
}

pub(super) fn term(field: Field, value: &str) -> TermQuery {
    TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::WithFreqs,
    )
}

/// A term query for one token, a positional phrase for several.
fn phrase<'t>(
    field: Field,
    tokens: impl Iterator<Item = (usize, &'t str)>,
) -> Option<Box<dyn Query>> {
    let terms: Vec<(usize, Term)> = tokens
        .map(|(p, t)| (p, Term::from_field_text(field, t)))
        .collect();
    let first = terms.first()?.0;
    match terms.len() {
        1 => Some(Box::new(TermQuery::new(
            terms[0].1.clone(),
            IndexRecordOption::WithFreqs,
        ))),
        _ => Some(Box::new(forward::Forward(Box::new(
            PhraseQuery::new_with_offset(terms.into_iter().map(|(p, t)| (p - first, t)).collect()),
        )))),
    }
}
