//! Search: query text → tantivy query over the morpheme and bigram fields → ranked hits with
//! highlight spans in the ORIGINAL text.
//!
//! Ranking: every word matches by morpheme (boosted) or by bigram phrase (partial words), so
//! 自治労 ranks units with the token 自治労 above units that only contain 自治労連; a unit
//! containing all the words gets a constant bonus that puts it above units with only some.

mod forward;
pub mod query;
pub mod thesaurus;

use std::collections::BTreeMap;
use std::ops::{Bound, Range};

use serde::Serialize;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur as TOccur, PhraseQuery, Query,
    RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::index::{KumiaiIndex, tokenizers};
use crate::normalize::Normalized;
use query::{Expr, Filter, Occur, ParsedQuery};

/// How much an exact morpheme match outweighs a bigram-only match.
const MORPH_BOOST: f32 = 4.0;
/// Weight of a synonym's match relative to the word itself.
const SYNONYM_WEIGHT: f32 = 0.3;
/// Bonus for units containing every word: larger than any realistic BM25 sum.
const ALL_WORDS_BONUS: f32 = 1000.0;

/// Groups of interchangeable words (新採 ⇔ 新規採用者) from the manifest, and optionally the
/// general [`thesaurus`] (団交 ⇔ 団体交渉).
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
    thesaurus: bool,
}

impl Synonyms {
    pub fn new(groups: &[Vec<String>], thesaurus: bool) -> Self {
        Self {
            groups: groups
                .iter()
                .map(|g| g.iter().map(|w| crate::normalize::fold_word(w)).collect())
                .collect(),
            thesaurus,
        }
    }

    /// The word itself first, then its synonyms: the manifest's before the thesaurus's.
    pub fn expand(&self, word: &str) -> Vec<String> {
        let mut out = vec![word.to_string()];
        for group in &self.groups {
            if group.iter().any(|w| w == word) {
                out.extend(group.iter().filter(|w| *w != word).cloned());
            }
        }
        if self.thesaurus {
            for w in thesaurus::synonyms(word) {
                if !out.iter().any(|o| o == w) {
                    out.push(w.to_string());
                }
            }
        }
        out
    }
}

/// A ranked unit: the contract between search and report.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub doc: String,
    pub title: String,
    pub org: String,
    pub year: Option<String>,
    pub kind: String,
    pub section: String,
    pub branch: Option<String>,
    pub prefecture: Option<String>,
    pub local: Option<String>,
    pub question: Option<String>,
    pub line: u64,
    pub score: f32,
    /// The original text of the unit.
    pub text: String,
    /// Byte ranges of matches in `text`, sorted and disjoint.
    pub highlights: Vec<Range<usize>>,
}

#[derive(Debug, Default, Serialize)]
pub struct Facets {
    pub org: BTreeMap<String, usize>,
    pub year: BTreeMap<String, usize>,
    pub kind: BTreeMap<String, usize>,
    pub prefecture: BTreeMap<String, usize>,
}

#[derive(Debug, Serialize)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Words expanded by synonyms: (word, [synonyms]).
    pub expansions: Vec<(String, Vec<String>)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

pub struct Request<'a> {
    pub query: &'a ParsedQuery,
    pub synonyms: &'a Synonyms,
    pub limit: usize,
    pub offset: usize,
    pub facets: bool,
}

/// Builds tantivy queries for one parsed query against one index.
struct Builder<'a> {
    idx: &'a KumiaiIndex,
    synonyms: &'a Synonyms,
    expansions: Vec<(String, Vec<String>)>,
}

impl Builder<'_> {
    fn text_query(&self, text: &str) -> Option<Box<dyn Query>> {
        let f = &self.idx.fields;
        let mut alternatives: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
        let morphs = tokenizers::morph_tokens(&self.idx.analyzer, text);
        if let Some(q) = phrase(
            f.morph,
            morphs.iter().map(|t| (t.position, t.text.as_str())),
        ) {
            alternatives.push((TOccur::Should, Box::new(BoostQuery::new(q, MORPH_BOOST))));
        }
        let grams = tokenizers::query_bigrams(text);
        let bigram: Option<Box<dyn Query>> = match grams.as_slice() {
            [one] if one.text.chars().count() == 1 => {
                let pattern = format!("{}.?", regex_escape(&one.text));
                RegexQuery::from_pattern(&pattern, f.bigram)
                    .ok()
                    .map(|q| Box::new(q) as Box<dyn Query>)
            }
            _ => phrase(
                f.bigram,
                grams.iter().map(|t| (t.position, t.text.as_str())),
            ),
        };
        if let Some(q) = bigram {
            alternatives.push((TOccur::Should, q));
        }
        (!alternatives.is_empty())
            .then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
    }

    fn word_query(&mut self, word: &str) -> Option<Box<dyn Query>> {
        let words = self.synonyms.expand(&word.to_lowercase());
        if words.len() > 1 {
            self.expansions
                .push((word.to_string(), words[1..].to_vec()));
        }
        // Synonyms widen recall but must not outrank the word the user typed.
        let subs: Vec<(TOccur, Box<dyn Query>)> = words
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                let q = self.text_query(w)?;
                let q: Box<dyn Query> = if i == 0 {
                    q
                } else {
                    Box::new(BoostQuery::new(q, SYNONYM_WEIGHT))
                };
                Some((TOccur::Should, q))
            })
            .collect();
        (!subs.is_empty()).then(|| Box::new(BooleanQuery::new(subs)) as Box<dyn Query>)
    }

    fn expr(&mut self, expr: &Expr) -> Option<Box<dyn Query>> {
        match expr {
            Expr::Word(w) => self.word_query(w),
            Expr::Phrase(p) => self.text_query(p),
            Expr::Or(items) => {
                let subs: Vec<_> = items
                    .iter()
                    .filter_map(|e| Some((TOccur::Should, self.expr(e)?)))
                    .collect();
                (!subs.is_empty()).then(|| Box::new(BooleanQuery::new(subs)) as Box<dyn Query>)
            }
            Expr::Group(clauses) => self.clauses(clauses),
            Expr::Filter(filter) => Some(self.filter(filter)),
        }
    }

    /// A clause list: filters restrict, words rank, and all-words units get the bonus.
    fn clauses(&mut self, clauses: &[(Occur, Expr)]) -> Option<Box<dyn Query>> {
        let mut out: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
        let mut scoring = Vec::new();
        for (occur, expr) in clauses {
            let Some(q) = self.expr(expr) else { continue };
            let occur = match (occur, expr) {
                (Occur::MustNot, _) => TOccur::MustNot,
                (Occur::Must, _) | (Occur::Should, Expr::Filter(_)) => TOccur::Must,
                (Occur::Should, _) => TOccur::Should,
            };
            if occur == TOccur::Should {
                scoring.push(q);
            } else {
                out.push((occur, q));
            }
        }
        // A unit must match at least one word even when filters or +words are also present
        // (tantivy would otherwise treat the words as optional next to a Must clause).
        if scoring.len() > 1 {
            let all: Vec<_> = scoring
                .iter()
                .map(|q| (TOccur::Must, q.box_clone()))
                .collect();
            let bonus = ConstScoreQuery::new(Box::new(BooleanQuery::new(all)), ALL_WORDS_BONUS);
            out.push((TOccur::Should, Box::new(bonus)));
        }
        if !scoring.is_empty() {
            let any: Vec<_> = scoring.into_iter().map(|q| (TOccur::Should, q)).collect();
            out.push((TOccur::Must, Box::new(BooleanQuery::new(any))));
        }
        if out.iter().all(|(o, _)| *o == TOccur::MustNot) && !out.is_empty() {
            out.push((TOccur::Must, Box::new(AllQuery)));
        }
        (!out.is_empty()).then(|| Box::new(BooleanQuery::new(out)) as Box<dyn Query>)
    }

    fn filter(&self, filter: &Filter) -> Box<dyn Query> {
        let f = &self.idx.fields;
        let contains = |field: Field, value: &str| -> Box<dyn Query> {
            let pattern = format!(".*{}.*", regex_escape(value));
            match RegexQuery::from_pattern(&pattern, field) {
                Ok(q) => Box::new(q),
                Err(_) => Box::new(term(field, value)),
            }
        };
        match filter {
            Filter::Org(v) => contains(f.org, v),
            Filter::Branch(v) => contains(f.branch, v),
            Filter::Question(v) => contains(f.question, v),
            Filter::Doc(v) => contains(f.doc, v),
            Filter::Kind(v) => Box::new(term(f.kind, v)),
            Filter::Year { from, to } => {
                // A document's year span overlaps [from, to].
                let bound = |field: Field, y: Option<u16>| match y {
                    Some(y) => Bound::Included(Term::from_field_u64(field, y.into())),
                    None => Bound::Unbounded,
                };
                Box::new(BooleanQuery::new(vec![
                    (
                        TOccur::Must,
                        Box::new(RangeQuery::new(Bound::Unbounded, bound(f.year_from, *to)))
                            as Box<dyn Query>,
                    ),
                    (
                        TOccur::Must,
                        Box::new(RangeQuery::new(bound(f.year_to, *from), Bound::Unbounded)),
                    ),
                ]))
            }
        }
    }
}

fn term(field: Field, value: &str) -> TermQuery {
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

fn regex_escape(s: &str) -> String {
    regex::escape(s)
}

pub fn search(idx: &KumiaiIndex, request: &Request) -> Result<Results, tantivy::TantivyError> {
    let mut builder = Builder {
        idx,
        synonyms: request.synonyms,
        expansions: Vec::new(),
    };
    let query = builder
        .clauses(&request.query.clauses)
        .unwrap_or_else(|| Box::new(BooleanQuery::new(Vec::new())));
    let reader = idx.index.reader()?;
    let searcher = reader.searcher();
    let top = TopDocs::with_limit(request.limit.max(1))
        .and_offset(request.offset)
        .order_by_score();
    let (top, total) = searcher.search(&query, &(top, Count))?;
    let terms = highlight_terms(idx, request.query, request.synonyms);
    let mut hits = Vec::with_capacity(top.len());
    for (score, address) in top.into_iter().take(request.limit) {
        let doc: TantivyDocument = searcher.doc(address)?;
        hits.push(to_hit(idx, &doc, score, &terms));
    }
    let facets = if request.facets {
        Some(facets(&searcher, &query)?)
    } else {
        None
    };
    Ok(Results {
        total,
        hits,
        expansions: builder.expansions,
        facets,
    })
}

/// Every unit matching the query, as (document id, unit sequence number): a selection for
/// other stages (`kumiai themes --query`), unranked and unlimited.
pub fn matching_units(
    idx: &KumiaiIndex,
    query: &ParsedQuery,
    synonyms: &Synonyms,
) -> Result<std::collections::HashSet<(String, usize)>, tantivy::TantivyError> {
    let mut builder = Builder {
        idx,
        synonyms,
        expansions: Vec::new(),
    };
    let Some(query) = builder.clauses(&query.clauses) else {
        return Ok(Default::default());
    };
    let searcher = idx.index.reader()?.searcher();
    let f = &idx.fields;
    let mut out = std::collections::HashSet::new();
    for address in searcher.search(&query, &DocSetCollector)? {
        let doc: TantivyDocument = searcher.doc(address)?;
        let id = doc
            .get_first(f.doc)
            .and_then(|v| v.as_str().map(str::to_string));
        let seq = doc.get_first(f.seq).and_then(|v| v.as_u64());
        if let (Some(id), Some(seq)) = (id, seq) {
            out.insert((id, seq as usize));
        }
    }
    Ok(out)
}

/// A word to highlight, analysed once per search rather than once per hit.
struct HighlightTerm {
    text: String,
    morphemes: Vec<String>,
}

fn highlight_terms(
    idx: &KumiaiIndex,
    query: &ParsedQuery,
    synonyms: &Synonyms,
) -> Vec<HighlightTerm> {
    let mut terms: Vec<String> = query
        .positive_terms()
        .iter()
        .flat_map(|t| synonyms.expand(&t.to_lowercase()))
        .collect();
    terms.sort();
    terms.dedup();
    terms
        .into_iter()
        .map(|text| HighlightTerm {
            morphemes: tokenizers::morph_tokens(&idx.analyzer, &text)
                .into_iter()
                .map(|t| t.text)
                .collect(),
            text,
        })
        .collect()
}

fn to_hit(idx: &KumiaiIndex, doc: &TantivyDocument, score: f32, terms: &[HighlightTerm]) -> Hit {
    let f = &idx.fields;
    let text_of = |field: Field| {
        doc.get_first(field)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let opt = |field: Field| {
        doc.get_first(field)
            .and_then(|v| v.as_str().map(str::to_string))
    };
    let num = |field: Field| doc.get_first(field).and_then(|v| v.as_u64());
    let text = text_of(f.text);
    let norm_text = text_of(f.morph);
    let offsets = doc
        .get_first(f.offsets)
        .and_then(|v| v.as_bytes())
        .unwrap_or_default();
    let norm = Normalized::from_bytes(norm_text, offsets);
    let span_start = num(f.span_start).unwrap_or(0) as usize;
    let highlights = norm
        .map(|norm| highlight(idx, &norm, &text, span_start, terms))
        .unwrap_or_default();
    let year = match (num(f.year_from), num(f.year_to)) {
        (Some(a), Some(b)) if a == b => Some(a.to_string()),
        (Some(a), Some(b)) => Some(format!("{a}-{b}")),
        _ => None,
    };
    let prefecture = opt(f.prefecture);
    let local = opt(f.local);
    let branch = match (&prefecture, &local) {
        (Some(p), Some(l)) => Some(format!("{p} / {l}")),
        (p, l) => p.clone().or(l.clone()),
    };
    Hit {
        doc: text_of(f.doc),
        title: text_of(f.title),
        org: text_of(f.org),
        year,
        kind: text_of(f.kind),
        section: text_of(f.section),
        branch,
        prefecture,
        local,
        question: opt(f.question),
        line: num(f.line).unwrap_or(0),
        score,
        text,
        highlights,
    }
}

/// Match ranges in the original `text`: exact morpheme sequences where the term's morphemes
/// occur, substrings (the bigram matches) where they do not.
fn highlight(
    idx: &KumiaiIndex,
    norm: &Normalized,
    text: &str,
    span_start: usize,
    terms: &[HighlightTerm],
) -> Vec<Range<usize>> {
    let folded = norm.text.to_lowercase();
    if folded.len() != norm.text.len() {
        return Vec::new();
    }
    let unit_tokens = tokenizers::morph_tokens(&idx.analyzer, &norm.text);
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for term in terms {
        let mut found = false;
        if !term.morphemes.is_empty() {
            for window in unit_tokens.windows(term.morphemes.len()) {
                if window
                    .iter()
                    .zip(&term.morphemes)
                    .all(|(a, b)| a.text == *b)
                {
                    ranges.push(window[0].offset_from..window[window.len() - 1].offset_to);
                    found = true;
                }
            }
        }
        if !found && !term.text.is_empty() {
            ranges.extend(
                folded
                    .match_indices(term.text.as_str())
                    .map(|(i, m)| i..i + m.len()),
            );
        }
    }
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
        .into_iter()
        .map(|r| {
            let o = norm.original_range(r);
            o.start.saturating_sub(span_start)..o.end.saturating_sub(span_start)
        })
        .filter(|r| {
            r.start < r.end
                && r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end)
        })
        .collect()
}

fn facets(searcher: &Searcher, query: &dyn Query) -> Result<Facets, tantivy::TantivyError> {
    let docs = searcher.search(query, &DocSetCollector)?;
    let mut by_segment: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for DocAddress {
        segment_ord,
        doc_id,
    } in docs
    {
        by_segment.entry(segment_ord).or_default().push(doc_id);
    }
    let mut facets = Facets::default();
    let mut buf = String::new();
    for (segment, doc_ids) in by_segment {
        let reader = searcher.segment_reader(segment);
        let ff = reader.fast_fields();
        let columns = [
            ("org", &mut facets.org),
            ("kind", &mut facets.kind),
            ("prefecture", &mut facets.prefecture),
        ];
        for (name, counts) in columns {
            let Some(col) = ff.str(name)? else { continue };
            for &d in &doc_ids {
                for ord in col.term_ords(d) {
                    buf.clear();
                    if col.ord_to_str(ord, &mut buf)? {
                        *counts.entry(buf.clone()).or_default() += 1;
                    }
                }
            }
        }
        let from = ff.u64("year_from")?;
        let to = ff.u64("year_to")?;
        for &d in &doc_ids {
            let label = match (from.first(d), to.first(d)) {
                (Some(a), Some(b)) if a == b => a.to_string(),
                (Some(a), Some(b)) => format!("{a}-{b}"),
                _ => "不明".to_string(),
            };
            *facets.year.entry(label).or_default() += 1;
        }
    }
    Ok(facets)
}
