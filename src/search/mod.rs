//! Search: query text → candidate units → documents ranked by how much they are about the
//! query, each with its best passages, and highlight spans in the ORIGINAL text.
//!
//! Each query word matches as its morphemes (exact), its base form (忙しい finds 忙しく), a
//! substring of a longer word (未加入 in 未加入者), one of its parts (競合 of 競合組合) or a
//! synonym, in that order of weight ([`build`]); documents — a prose file, or one respondent
//! of a survey — rank by record-level BM25 blended with their best passage ([`rank`]).
#![warn(missing_docs)]

mod build;
mod forward;
pub mod query;
mod rank;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use tantivy::collector::DocSetCollector;
use tantivy::schema::{Field, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::index::{KumiaiIndex, tokenizers};
use crate::lexicon::Synonyms;
use crate::normalize::Normalized;
use query::ParsedQuery;
pub use rank::DocumentScore;

/// How a query word matched, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchType {
    /// Its morphemes, as typed.
    Exact,
    /// Its base form: 忙しい in 忙しく.
    Base,
    /// Inside a longer word: 未加入 in 未加入者, 自治労 in 自治労連.
    Substring,
    /// One of its parts: 競合 of 競合組合.
    Part,
    /// One of its synonyms, never ranked above the word itself.
    Synonym,
}

impl MatchType {
    const ALL: [MatchType; 5] = [
        MatchType::Exact,
        MatchType::Base,
        MatchType::Substring,
        MatchType::Part,
        MatchType::Synonym,
    ];

    /// Its name in `--explain` and CSV output, as in JSON: "exact", "base", "substring"….
    pub fn label(self) -> &'static str {
        match self {
            MatchType::Exact => "exact",
            MatchType::Base => "base",
            MatchType::Substring => "substring",
            MatchType::Part => "part",
            MatchType::Synonym => "synonym",
        }
    }
}

/// How one query word matched a hit.
#[derive(Debug, Clone, Serialize)]
pub struct WordMatch {
    /// The query word as typed (normalized).
    pub word: String,
    /// How it matched; `type` in JSON.
    #[serde(rename = "type")]
    pub kind: MatchType,
    /// Its contribution to the passage score (before coverage), synonyms capped.
    pub score: f32,
}

/// A ranked unit: the contract between search and report.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Stable while the document is unchanged: `doc:n`, n the unit's position in it.
    pub id: String,
    /// Id of the document the unit comes from (`doc:`).
    pub doc: String,
    /// The document it ranks with: `doc`, or `doc#n` for survey respondent n.
    pub record: String,
    /// Title of that document.
    pub title: String,
    /// Its organisation, as in kumiai.toml.
    pub org: String,
    /// Its fiscal year or span: "2025", "2024-2025"; None when unknown.
    pub year: Option<String>,
    /// `policy`, `survey` or `report`.
    pub kind: String,
    /// Heading path joined with ` > ` (prose; empty for survey answers).
    pub section: String,
    /// 県本部 / 単組 of a survey answer, canonical: "岩手県 / 奥州市職労"; either alone when the other is
    /// unknown.
    pub branch: Option<String>,
    /// Canonical 県本部 of a survey answer (岩手 → 岩手県).
    pub prefecture: Option<String>,
    /// Canonical 単組 of a survey answer.
    pub local: Option<String>,
    /// The question a survey answer answers.
    pub question: Option<String>,
    /// 1-based line where the unit starts in its file (row for tables).
    pub line: u64,
    /// The passage's score.
    pub score: f32,
    /// Why its document ranks where it does.
    pub document: DocumentScore,
    /// Each query word that matched, and how.
    pub matches: Vec<WordMatch>,
    /// The original text of the unit.
    pub text: String,
    /// Byte ranges of matches in `text`, sorted and disjoint.
    pub highlights: Vec<Range<usize>>,
    /// The same ranges in characters (Unicode scalar values), for JavaScript and Python.
    pub highlights_chars: Vec<Range<usize>>,
}

/// Matching units counted per value of each filter field (`--facets`), to narrow a search.
#[derive(Debug, Default, Serialize)]
pub struct Facets {
    /// Per organisation, as in kumiai.toml.
    pub org: BTreeMap<String, usize>,
    /// Per fiscal year or span ("2024", "2024-2025"); 不明 when unknown.
    pub year: BTreeMap<String, usize>,
    /// Per kind: policy, survey, report.
    pub kind: BTreeMap<String, usize>,
    /// Per canonical 県本部 of survey hits.
    pub prefecture: BTreeMap<String, usize>,
    /// 単組 of survey hits.
    pub local: BTreeMap<String, usize>,
    /// Survey questions of the hits.
    pub question: BTreeMap<String, usize>,
}

/// What a search found: counts, the hits to show and optionally the facets.
#[derive(Debug, Serialize)]
pub struct Results {
    /// Matching units.
    pub total: usize,
    /// Documents (records) they belong to.
    pub documents: usize,
    /// Words expanded by synonyms: (word, [synonyms]).
    pub expansions: Vec<(String, Vec<String>)>,
    /// The passages to show, per document or flat (see [`By`]), paged by `offset` and `limit`.
    pub hits: Vec<Hit>,
    /// Counts per field value, when the request asked for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
}

/// How results are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// Documents best first, each with up to this many of its best passages; `limit` and
    /// `offset` count documents.
    Document(usize),
    /// One flat list of passages; `limit` and `offset` count passages.
    Unit,
}

/// A search: the parsed query, how to expand and list it, and which page of results.
pub struct Request<'a> {
    /// The parsed query.
    pub query: &'a ParsedQuery,
    /// The synonym groups query words expand to.
    pub synonyms: &'a Synonyms,
    /// How many documents ([`By::Document`]) or passages ([`By::Unit`]) to show.
    pub limit: usize,
    /// How many of them to skip first, for paging.
    pub offset: usize,
    /// Whether to count facets over all matching units.
    pub facets: bool,
    /// Whether hits are listed per document or as one flat list.
    pub by: By,
}

/// Runs `request` on the index's last commit: the matching units, ranked, with highlights.
pub fn search(idx: &KumiaiIndex, request: &Request) -> Result<Results, tantivy::TantivyError> {
    let mut builder = build::Builder::new(idx, request.synonyms);
    let query = builder.candidates(&request.query.clauses);
    let searcher = idx.searcher()?;
    let mut candidates: Vec<DocAddress> = searcher
        .search(&query, &DocSetCollector)?
        .into_iter()
        .collect();
    candidates.sort_unstable();
    let ranking = rank::rank(
        idx,
        &searcher,
        &candidates,
        &builder.leaves,
        builder.clauses,
    )?;
    let chosen = choose(&ranking, request);
    let terms: Vec<HighlightTerm> = builder
        .leaves
        .iter()
        .flat_map(|l| l.highlight_terms())
        .collect();
    let mut hits = Vec::with_capacity(chosen.len());
    for unit in chosen {
        let doc: TantivyDocument = searcher.doc(unit.address)?;
        let (record, document) = &ranking.records[unit.record as usize];
        let matches = builder
            .leaves
            .iter()
            .zip(unit.word_totals(&ranking))
            .filter_map(|(leaf, (kind, score))| {
                Some(WordMatch {
                    word: leaf.text.clone(),
                    kind: kind?,
                    score,
                })
            })
            .collect();
        let mut hit = to_hit(idx, &doc, unit.score, &terms);
        hit.id = format!("{}:{}", hit.doc, unit.seq);
        hit.record = record.clone();
        hit.document = *document;
        hit.matches = matches;
        hits.push(hit);
    }
    let facets = if request.facets {
        Some(facets(&searcher, &candidates)?)
    } else {
        None
    };
    Ok(Results {
        total: candidates.len(),
        documents: ranking.records.len(),
        hits,
        expansions: builder.expansions,
        facets,
    })
}

/// The units to show, in order: by document (best documents, their best passages) or flat.
fn choose<'r>(ranking: &'r rank::Ranking, request: &Request) -> Vec<&'r rank::Ranked> {
    // Ties fall to the record's id, not its number: numbers follow the index's segment
    // layout, which differs between two builds of the same corpus.
    let id = |u: &rank::Ranked| ranking.records[u.record as usize].0.as_str();
    let by_score = |a: &&rank::Ranked, b: &&rank::Ranked| {
        rank::ranked(b.score)
            .cmp(&rank::ranked(a.score))
            .then_with(|| id(a).cmp(id(b)))
            .then(a.seq.cmp(&b.seq))
    };
    match request.by {
        By::Unit => {
            let mut all: Vec<&rank::Ranked> = ranking.units.iter().collect();
            all.sort_by(by_score);
            all.into_iter()
                .skip(request.offset)
                .take(request.limit)
                .collect()
        }
        By::Document(per_doc) => {
            let mut of_record: Vec<Vec<&rank::Ranked>> = vec![Vec::new(); ranking.records.len()];
            for u in &ranking.units {
                of_record[u.record as usize].push(u);
            }
            ranking
                .order
                .iter()
                .skip(request.offset)
                .take(request.limit)
                .flat_map(|&r| {
                    let mut units = std::mem::take(&mut of_record[r as usize]);
                    units.sort_by(by_score);
                    // A document is shown with at least its best passage.
                    units.truncate(per_doc.max(1));
                    units
                })
                .collect()
        }
    }
}

/// Every unit matching the query, as (document id, unit sequence number): a selection for
/// other stages (`kumiai themes --query`), unranked and unlimited.
pub fn matching_units(
    idx: &KumiaiIndex,
    query: &ParsedQuery,
    synonyms: &Synonyms,
) -> Result<std::collections::HashSet<(String, usize)>, tantivy::TantivyError> {
    let query = build::Builder::new(idx, synonyms).candidates(&query.clauses);
    let searcher = idx.searcher()?;
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

/// What to mark for one query word, analysed once per search rather than once per hit.
struct HighlightTerm {
    /// Morpheme sequences to find in the unit: (folded surfaces, false), or (base forms of
    /// meaningful morphemes, true), which may have particles between them.
    sequences: Vec<(Vec<String>, bool)>,
    /// Text to find as a substring where no sequence is found (the typed word only).
    substring: Option<String>,
}

impl HighlightTerm {
    fn new(morphs: &[tokenizers::Morph], substring: Option<&str>) -> Self {
        let surfaces = morphs.iter().map(|m| m.surface.clone()).collect();
        let mut sequences = vec![(surfaces, false)];
        if morphs.iter().any(|m| m.inflects) {
            let core = build::core(morphs).into_iter().map(|(_, b)| b).collect();
            sequences.push((core, true));
        }
        Self {
            sequences,
            substring: substring.map(str::to_string),
        }
    }

    fn base(part: Vec<String>) -> Self {
        Self {
            sequences: vec![(part, true)],
            substring: None,
        }
    }
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
    let norm_text = text_of(f.norm);
    let offsets = doc
        .get_first(f.offsets)
        .and_then(|v| v.as_bytes())
        .unwrap_or_default();
    let norm = Normalized::from_bytes(norm_text, offsets);
    let span_start = num(f.span_start).unwrap_or(0) as usize;
    let highlights = norm
        .map(|norm| highlight(idx, &norm, &text, span_start, terms))
        .unwrap_or_default();
    let highlights_chars = char_ranges(&text, &highlights);
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
        id: String::new(),
        doc: text_of(f.doc),
        record: String::new(),
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
        document: DocumentScore::default(),
        matches: Vec::new(),
        text,
        highlights,
        highlights_chars,
    }
}

/// Byte ranges of `text` (sorted, on char boundaries) as char ranges.
fn char_ranges(text: &str, ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut chars = 0;
    let mut at = 0;
    let mut to_char = |byte: usize| {
        chars += text[at..byte].chars().count();
        at = byte;
        chars
    };
    ranges
        .iter()
        .map(|r| to_char(r.start)..to_char(r.end))
        .collect()
}

/// Match ranges in the original `text`: morpheme sequences (surfaces, or base forms for
/// inflected words and parts) where they occur, the typed word as a substring where it
/// does not.
fn highlight(
    idx: &KumiaiIndex,
    norm: &Normalized,
    text: &str,
    span_start: usize,
    terms: &[HighlightTerm],
) -> Vec<Range<usize>> {
    let folded = crate::normalize::fold_case(&norm.text);
    if folded.len() != norm.text.len() {
        return Vec::new();
    }
    let unit = tokenizers::morphs(&idx.analyzer, &norm.text);
    let meaningful: Vec<tokenizers::Morph> = unit
        .iter()
        .filter(|m| build::meaningful(m))
        .cloned()
        .collect();
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for term in terms {
        let mut found = false;
        for (sequence, by_base) in &term.sequences {
            if sequence.is_empty() {
                continue;
            }
            let morphs = if *by_base { &meaningful } else { &unit };
            for window in morphs.windows(sequence.len()) {
                let same = window
                    .iter()
                    .zip(sequence)
                    .all(|(m, s)| *s == *if *by_base { &m.base } else { &m.surface });
                // Surfaces must be consecutive: a symbol between them breaks the sequence.
                let adjacent = *by_base
                    || window
                        .windows(2)
                        .all(|p| p[1].position == p[0].position + 1);
                if same && adjacent {
                    ranges.push(window[0].range.start..window[window.len() - 1].range.end);
                    found = true;
                }
            }
        }
        if let Some(sub) = term
            .substring
            .as_deref()
            .filter(|s| !found && !s.is_empty())
        {
            ranges.extend(folded.match_indices(sub).map(|(i, m)| i..i + m.len()));
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

fn facets(searcher: &Searcher, docs: &[DocAddress]) -> Result<Facets, tantivy::TantivyError> {
    let mut by_segment: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &DocAddress {
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
            ("local", &mut facets.local),
            ("question", &mut facets.question),
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
