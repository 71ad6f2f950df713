//! Year-over-year comparison of two policy texts (新旧対照表).
//!
//! Both texts are repaired and segmented first, so line wrapping and page
//! furniture never count as changes. Sections are aligned by number (a section
//! renamed under its number is the same section), heading (title without its
//! number, so renumbered sections still pair) and content; a section whose
//! heading was dropped joins the section its sentences now belong to. Then
//! sentences within each aligned pair are aligned by a monotone alignment
//! (which also pairs one sentence with two consecutive ones when it was split
//! or two were merged); what is left over on both sides is matched across the
//! whole document to find moved sentences. Headings that changed are rows of
//! their own.

mod inline;
mod keyness;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::analyze::{Analyzer, Token};
use crate::normalize::{Normalized, repair};
use crate::segment::prose::{ProseUnit, headings, segment};

pub use keyness::Keyness;

/// Thresholds of the alignment; the defaults suit policy documents.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Minimum character-bigram Dice for two sentences in aligned sections to
    /// be one sentence edited rather than one removed and one added.
    pub modified: f64,
    /// Minimum Dice for a sentence to count as moved: higher than `modified`
    /// because a match across the document has no position to support it.
    pub moved: f64,
    /// How much more similar (in Dice) two consecutive sentences joined must be
    /// to a sentence on the other side than either alone, for the three to be
    /// one sentence split in two (or two merged) rather than an edit and an
    /// addition (or removal).
    pub span_gain: f64,
    /// Minimum score (title and content similarity) for two sections to align.
    pub section: f64,
    /// Share of a section's sentences that must have a counterpart (Dice ≥
    /// `modified`) in another for the two to be one section: two sections of
    /// one number (the smaller one's share), or a section left over and the
    /// section before it, whose heading was dropped (or inserted). Sentences
    /// tell sections apart where whole-section Dice does not: between the
    /// distinct sections (≥ 3 sentences) of each bundled policy, section
    /// Dice is 0.14–0.17 at the median and up to 0.42, the share 0 at the
    /// median, ≤ 0.04 at p99 and 0.67 at most (one pair in the 金属労協 text).
    pub carried: f64,
    /// Keyness terms below this G² are left out (3.84 is p < 0.05 at 1 d.f.).
    pub min_g2: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            modified: 0.5,
            moved: 0.7,
            span_gain: 0.05,
            section: 0.5,
            carried: 0.5,
            min_g2: 3.84,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Unchanged,
    Modified,
    /// Only in the new text (新設).
    Added,
    /// Only in the old text (削る).
    Removed,
    /// In both, at a place the section alignment does not explain.
    Moved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffOp {
    Equal,
    /// Only in the old sentence.
    Delete,
    /// Only in the new sentence.
    Insert,
}

/// A run of an inline diff; the old sentence is the equal and delete runs,
/// the new one the equal and insert runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffSpan {
    pub op: DiffOp,
    pub text: String,
}

/// One sentence of either text, or one of each when they correspond.
///
/// A side may also hold two consecutive sentences, when one sentence was split
/// into two (or two merged into one): that is one edit, reported as one
/// modified pair rather than a modified and an added (or removed) sentence.
///
/// A pair may instead be a heading that changed (`heading`): renamed
/// (modified), dropped (removed) or new (added), with no sentence numbers.
///
/// Texts are the original characters (full-width forms kept) with line
/// breaks and page furniture removed.
#[derive(Debug, Clone, Serialize)]
pub struct SentencePair {
    pub status: Status,
    /// Heading path in the new text; in the old one for removed sentences.
    /// A heading's own path ends with it.
    pub section: Vec<String>,
    /// The sides are a heading, not sentences; serialized only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub heading: bool,
    /// Where a moved sentence was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_section: Option<Vec<String>>,
    /// The side's sentences joined as printed (no space between them).
    pub old: Option<String>,
    pub new: Option<String>,
    /// 1-based lines in the original texts (of the side's first sentence, or
    /// of the heading).
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
    /// 0-based sentence number in each text (the side's first sentence), so
    /// every sentence can be traced; none for a heading.
    pub old_index: Option<usize>,
    pub new_index: Option<usize>,
    /// How many consecutive sentences from `old_index` the old side holds: 1,
    /// 2 when two were merged into one, 0 without an old side. Serialized only
    /// when above 1 (a missing count is 1 when there is an index), so readers
    /// can still check that every sentence appears exactly once.
    #[serde(skip_serializing_if = "is_single")]
    pub old_count: usize,
    /// The same for `new_index`: 2 for a sentence split in two.
    #[serde(skip_serializing_if = "is_single")]
    pub new_count: usize,
    /// Character-bigram Dice of the normalized sides (0 when one is missing).
    pub similarity: f64,
    /// Inline diff of the sides, only when both exist and differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<DiffSpan>,
}

impl SentencePair {
    /// Sentence numbers of the old side (empty without one).
    pub fn old_sentences(&self) -> Range<usize> {
        self.old_index.map_or(0..0, |i| i..i + self.old_count)
    }

    /// Sentence numbers of the new side (empty without one).
    pub fn new_sentences(&self) -> Range<usize> {
        self.new_index.map_or(0..0, |j| j..j + self.new_count)
    }
}

fn is_single(n: &usize) -> bool {
    *n <= 1
}

/// Sentence counts for one aligned section pair, with the sections merged into
/// it when a heading was dropped or inserted (or for a section only one text
/// has). Heading rows are not counted: the paths show a rename.
#[derive(Debug, Clone, Serialize)]
pub struct SectionSummary {
    pub old: Option<Vec<String>>,
    pub new: Option<Vec<String>>,
    pub unchanged: usize,
    pub modified: usize,
    pub added: usize,
    pub removed: usize,
    /// Sentences moved into this section.
    pub moved: usize,
    /// Character-bigram Dice of the section texts: 1 is identical.
    pub similarity: f64,
}

impl SectionSummary {
    pub fn changes(&self) -> usize {
        self.modified + self.added + self.removed + self.moved
    }
}

#[derive(Debug, Serialize)]
pub struct Comparison {
    /// Every sentence of both texts exactly once (counting the
    /// `old_count`/`new_count` sentences of a side), in new-text order with
    /// removed sentences at their old place; each heading that changed just
    /// before the first sentence under it.
    pub sentences: Vec<SentencePair>,
    /// Most changed first.
    pub sections: Vec<SectionSummary>,
    /// Terms (base forms of content words) whose frequency rose or fell,
    /// strongest first.
    pub keyness: Vec<Keyness>,
    /// The G² threshold the keyness list was cut at.
    pub keyness_threshold: f64,
}

impl Comparison {
    pub fn changed(&self) -> usize {
        self.sentences
            .iter()
            .filter(|s| s.status != Status::Unchanged)
            .count()
    }
}

/// Above this many cells a DP is skipped: pathological inputs stay fast, at
/// the cost of reporting those sentences as removed and added.
const MAX_CELLS: usize = 1 << 22;

struct Section {
    path: Vec<String>,
    units: Vec<usize>,
    /// Leaf title without its number.
    title: Vec<u64>,
    /// Parent titles without numbers.
    parents: Vec<u64>,
    /// Each heading of the path: its title without number, and its number.
    keys: Vec<(String, Option<String>)>,
    /// The heading ([`Doc::heads`]) of each level of the path.
    heads: Vec<usize>,
    content: Vec<u64>,
}

/// A heading: the path down to it, whatever sections lie under it.
struct Head {
    path: Vec<String>,
    /// The first sentence under it.
    first: usize,
    /// The heading's text as printed (its map to the original) and line; none
    /// if the segmenter's heading list does not hold it.
    text: Option<(Normalized, usize)>,
    /// The heading is a clause also emitted as its first sentence (see
    /// [`segment`]): that sentence's row shows any change to it.
    is_unit: bool,
}

impl Head {
    /// Its title without number.
    fn title(&self) -> Option<String> {
        self.path.last().map(|t| strip_number(t))
    }
}

struct Doc<'a> {
    original: &'a str,
    units: Vec<ProseUnit>,
    tokens: Vec<Vec<Token>>,
    grams: Vec<Vec<u64>>,
    sections: Vec<Section>,
    section_of: Vec<usize>,
    heads: Vec<Head>,
}

impl<'a> Doc<'a> {
    fn new(original: &'a str, analyzer: &Analyzer) -> Self {
        let repaired = repair(original);
        let units = segment(&repaired);
        let tokens = units
            .iter()
            .map(|u| analyzer.tokenize(&u.norm.text))
            .collect();
        let grams = units.iter().map(|u| bigrams(&u.norm.text)).collect();
        let mut sections: Vec<Section> = Vec::new();
        let mut heads: Vec<Head> = Vec::new();
        let mut index: HashMap<&[String], usize> = HashMap::new();
        let mut head_index: HashMap<&[String], usize> = HashMap::new();
        let mut section_of = Vec::with_capacity(units.len());
        for (i, u) in units.iter().enumerate() {
            let k = *index.entry(&u.section).or_insert_with(|| {
                let stripped: Vec<String> = u.section.iter().map(|t| strip_number(t)).collect();
                let (leaf, parents) = stripped
                    .split_last()
                    .map_or((&[][..], &[][..]), |(l, p)| (std::slice::from_ref(l), p));
                let section_heads = (1..=u.section.len())
                    .map(|d| {
                        *head_index.entry(&u.section[..d]).or_insert_with(|| {
                            heads.push(Head {
                                path: u.section[..d].to_vec(),
                                first: i,
                                text: None,
                                is_unit: false,
                            });
                            heads.len() - 1
                        })
                    })
                    .collect();
                sections.push(Section {
                    path: u.section.clone(),
                    units: Vec::new(),
                    title: bigrams(&leaf.concat()),
                    parents: bigrams(&parents.join("/")),
                    keys: stripped
                        .iter()
                        .zip(&u.section)
                        .map(|(s, t)| (s.clone(), number(t).map(str::to_string)))
                        .collect(),
                    heads: section_heads,
                    content: Vec::new(),
                });
                sections.len() - 1
            });
            sections[k].units.push(i);
            section_of.push(k);
        }
        for s in &mut sections {
            let text: String = s
                .units
                .iter()
                .map(|&i| units[i].norm.text.as_str())
                .collect();
            s.content = bigrams(&text);
        }
        // Each heading's block: of the headings of its title, the last one at
        // or before its first sentence (a displaced title, printed after its
        // section, is the first one after).
        let found = headings(&repaired);
        for h in &mut heads {
            let Some(title) = h.path.last() else { continue };
            let line = units[h.first].line;
            let at = found
                .iter()
                .rev()
                .find(|(_, l, t)| t == title && *l <= line)
                .or_else(|| found.iter().find(|(_, _, t)| t == title));
            let block = at.and_then(|&(_, l, _)| {
                let k = repaired.blocks.partition_point(|b| b.lines.start < l);
                repaired
                    .blocks
                    .get(k)
                    .filter(|b| b.lines.start == l && b.norm.text.ends_with(title.as_str()))
            });
            if let Some(b) = block {
                // A Markdown heading's `#`s are in its block but not its title.
                let norm = b
                    .norm
                    .slice(b.norm.text.len() - title.len()..b.norm.text.len());
                h.is_unit = units[h.first].line == b.lines.start
                    && norm.text.starts_with(&units[h.first].norm.text);
                h.text = Some((norm, b.lines.start));
            }
        }
        Doc {
            original,
            units,
            tokens,
            grams,
            sections,
            section_of,
            heads,
        }
    }

    fn text(&self, i: usize) -> &str {
        &self.units[i].norm.text
    }
}

/// Compares two policy texts given as their original strings.
pub fn compare(old: &str, new: &str, analyzer: &Analyzer, options: &CompareOptions) -> Comparison {
    let a = Doc::new(old, analyzer);
    let b = Doc::new(new, analyzer);
    let groups = align_sections(&a, &b, options);

    let mut links = Vec::new();
    for g in &groups {
        let [old, new] = &g.sections;
        if !old.is_empty() && !new.is_empty() {
            align_sentences(
                &a,
                &units(&a, old),
                &b,
                &units(&b, new),
                options,
                &mut links,
            );
        }
    }
    let (old_link, new_link) = link_maps(&links, a.units.len(), b.units.len());
    for (x, y) in find_moves(&a, &old_link, &b, &new_link, options) {
        links.push(Link {
            old: x..x + 1,
            new: y..y + 1,
            moved: true,
        });
    }
    let (old_link, new_link) = link_maps(&links, a.units.len(), b.units.len());

    let heads = heading_rows(&a, &b, &groups, analyzer);
    let sentences = order_pairs(&a, &b, &links, &old_link, &new_link, heads);
    let sections = summarize(&a, &b, &groups, &sentences);
    let (keyness, keyness_threshold) = keyness::keyness(&a.tokens, &b.tokens, options.min_g2);
    Comparison {
        sentences,
        sections,
        keyness,
        keyness_threshold,
    }
}

/// Sentences found to correspond: consecutive sentence numbers in each text
/// (one or two; none on the side of an added or removed sentence).
#[derive(Debug, Clone)]
struct Link {
    old: Range<usize>,
    new: Range<usize>,
    /// Matched across the document rather than by the section alignment.
    moved: bool,
}

/// For each sentence of the old and of the new text, the link holding it.
fn link_maps(
    links: &[Link],
    n_old: usize,
    n_new: usize,
) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    let mut old = vec![None; n_old];
    let mut new = vec![None; n_new];
    for (k, l) in links.iter().enumerate() {
        l.old.clone().for_each(|i| old[i] = Some(k));
        l.new.clone().for_each(|j| new[j] = Some(k));
    }
    (old, new)
}

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[#\s]*(?:第[0-9一二三四五六七八九十百]{1,4}[章節条]|\d{1,3}(?:\.\d{1,3})*\.?|\(\d{1,3}\)|[①-⑳]|[IVX]+\.?)\s*")
        .expect("valid regex")
});

/// A heading's title without its number, so ３.２ and ３.３ of one title pair.
fn strip_number(t: &str) -> String {
    NUMBER.replace(t, "").into_owned()
}

/// A heading's number (`3.2`, `(1)`, `①`, `第2章`) without spaces or a final dot, so
/// `4.` and `4` are one number.
fn number(t: &str) -> Option<&str> {
    let n = NUMBER.find(t)?.as_str();
    let n = n.trim_matches(|c: char| c == '#' || c.is_whitespace());
    let n = n.trim_end_matches('.');
    (!n.is_empty()).then_some(n)
}

/// Two headings are one when their titles (numbers ignored) or their numbers agree.
fn same_heading(x: &(String, Option<String>), y: &(String, Option<String>)) -> bool {
    x.0 == y.0 || x.1.is_some() && x.1 == y.1
}

/// Sections of the two texts (old, new) read as one. An aligned pair comes
/// first on both sides; any others are sections whose heading was dropped (or
/// inserted), so their sentences now stand in the pair's section. One side is
/// empty for a section only one text has.
struct Group {
    sections: [Vec<usize>; 2],
}

/// The sentences of `sections`, in document order.
fn units(d: &Doc, sections: &[usize]) -> Vec<usize> {
    let mut u: Vec<usize> = sections
        .iter()
        .flat_map(|&k| d.sections[k].units.iter().copied())
        .collect();
    u.sort_unstable();
    u
}

/// Share of sentences `xs` of `a` with a counterpart (Dice ≥ `o.modified`)
/// among `ys` of `b`; 0 past [`MAX_CELLS`].
fn carried(a: &Doc, xs: &[usize], b: &Doc, ys: &[usize], o: &CompareOptions) -> f64 {
    if xs.is_empty() || xs.len() * ys.len() > MAX_CELLS {
        return 0.0;
    }
    let found = xs
        .iter()
        .filter(|&&i| {
            ys.iter()
                .any(|&j| dice(&a.grams[i], &b.grams[j]) >= o.modified)
        })
        .count();
    found as f64 / xs.len() as f64
}

/// Aligns the sections one to one ([`match_sections`]), then joins each
/// section left over to the group of the section before it when the other
/// side of that group carries its sentences (`o.carried`): a heading was
/// dropped and its sentences now belong to the section above, or one was
/// inserted into a section. The rest are groups of one section.
fn align_sections(a: &Doc, b: &Doc, o: &CompareOptions) -> Vec<Group> {
    let docs = [a, b];
    let mut groups = Vec::new();
    let mut group_of = [vec![None; a.sections.len()], vec![None; b.sections.len()]];
    for (i, j) in match_sections(a, b, o).into_iter().enumerate() {
        if let Some(j) = j {
            group_of[0][i] = Some(groups.len());
            group_of[1][j] = Some(groups.len());
            groups.push(Group {
                sections: [vec![i], vec![j]],
            });
        }
    }
    for side in 0..2 {
        let (x, y) = (docs[side], docs[1 - side]);
        // Sections are numbered by their first sentence, so the one before
        // has been placed already.
        for k in 0..x.sections.len() {
            let xs = &x.sections[k].units;
            let before = xs
                .first()
                .and_then(|u| u.checked_sub(1))
                .and_then(|u| group_of[side][x.section_of[u]]);
            let Some(g) = before.filter(|_| group_of[side][k].is_none()) else {
                continue;
            };
            let ys = units(y, &groups[g].sections[1 - side]);
            if carried(x, xs, y, &ys, o) >= o.carried {
                groups[g].sections[side].push(k);
                group_of[side][k] = Some(g);
            }
        }
    }
    for (side, of) in group_of.iter().enumerate() {
        for (k, _) in of.iter().enumerate().filter(|(_, g)| g.is_none()) {
            let mut sections = [Vec::new(), Vec::new()];
            sections[side].push(k);
            groups.push(Group { sections });
        }
    }
    groups
}

/// Section Dice above which a pair's sentences are checked to be one section
/// whatever its heading and depth: above the 0.42 of the most alike distinct
/// sections of the bundled policies (see [`CompareOptions::carried`]).
const CARRIED_CONTENT: f64 = 0.5;

/// Greedy one-to-one section alignment, best score first: the same path wins,
/// then title, content and parent similarity. Headings count as the same when
/// their titles or numbers agree (parents), and two sections of one number
/// under the same parents count as one title when they share their sentences
/// (`o.carried` of the smaller one's): a section renamed under its number.
/// So do two sections of any headings whose content is that alike: a
/// heading lost, its sentences now under the heading above.
fn match_sections(a: &Doc, b: &Doc, o: &CompareOptions) -> Vec<Option<usize>> {
    let mut scored = Vec::new();
    for (i, s) in a.sections.iter().enumerate() {
        for (j, t) in b.sections.iter().enumerate() {
            let score = if s.path == t.path {
                3.0
            } else {
                let (sk, tk) = (&s.keys, &t.keys);
                let same_parents = sk.len() == tk.len()
                    && sk
                        .iter()
                        .zip(tk)
                        .rev()
                        .skip(1)
                        .all(|(x, y)| same_heading(x, y));
                let same_number = same_parents
                    && sk.last().is_some_and(|x| x.1.is_some())
                    && sk.last().map(|x| &x.1) == tk.last().map(|y| &y.1);
                let (small, large) = if s.units.len() <= t.units.len() {
                    ((a, &s.units), (b, &t.units))
                } else {
                    ((b, &t.units), (a, &s.units))
                };
                let content = dice(&s.content, &t.content);
                let title = if (same_number || content >= CARRIED_CONTENT)
                    && carried(small.0, small.1, large.0, large.1, o) >= o.carried
                {
                    1.0
                } else {
                    dice(&s.title, &t.title)
                };
                let parents = if same_parents {
                    1.0
                } else {
                    dice(&s.parents, &t.parents)
                };
                0.6 * title + 0.4 * content + 0.2 * parents
            };
            if score >= o.section {
                scored.push((score, i, j));
            }
        }
    }
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    let mut out = vec![None; a.sections.len()];
    let mut taken = vec![false; b.sections.len()];
    for (_, i, j) in scored {
        if out[i].is_none() && !taken[j] {
            out[i] = Some(j);
            taken[j] = true;
        }
    }
    out
}

/// Monotone alignment of two sections' sentences: identical runs first (an
/// exact diff), then a similarity DP inside each gap between them.
fn align_sentences(
    a: &Doc,
    xs: &[usize],
    b: &Doc,
    ys: &[usize],
    o: &CompareOptions,
    out: &mut Vec<Link>,
) {
    let at: Vec<&str> = xs.iter().map(|&i| a.text(i)).collect();
    let bt: Vec<&str> = ys.iter().map(|&j| b.text(j)).collect();
    let mut gap_a = 0;
    let mut gap_b = 0;
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &at, &bt);
    for op in ops {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            dp_gap(a, &xs[gap_a..old_index], b, &ys[gap_b..new_index], o, out);
            out.extend((0..len).map(|k| Link {
                old: xs[old_index + k]..xs[old_index + k] + 1,
                new: ys[new_index + k]..ys[new_index + k] + 1,
                moved: false,
            }));
            gap_a = old_index + len;
            gap_b = new_index + len;
        }
    }
    dp_gap(a, &xs[gap_a..], b, &ys[gap_b..], o, out);
}

/// How a DP cell was reached.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The old sentence is left unmatched.
    Up,
    /// The new sentence is left unmatched.
    Left,
    /// One sentence to one.
    One,
    /// The old sentence to this and the previous new one.
    Split,
    /// This and the previous old sentence to the new one.
    Merge,
}

/// Maximum-weight monotone matching of sentences with similarity ≥
/// `o.modified`, the weight being the similarity. A sentence may also match
/// two consecutive sentences of the other text joined (a split or a merge)
/// when the joined pair beats either sentence alone by `o.span_gain`.
fn dp_gap(a: &Doc, xs: &[usize], b: &Doc, ys: &[usize], o: &CompareOptions, out: &mut Vec<Link>) {
    let (n, m) = (xs.len(), ys.len());
    if n == 0 || m == 0 || n * m > MAX_CELLS {
        return;
    }
    let xx = joined_grams(a, xs);
    let yy = joined_grams(b, ys);
    let w = m + 1;
    let mut score = vec![0.0f64; (n + 1) * w];
    let mut step = vec![Step::Up; n * m];
    // Shared bigrams of old sentence i (and i - 1) with each new sentence.
    let mut common_row = vec![0usize; m];
    let mut common_prev = vec![0usize; m];
    for i in 0..n {
        let x = &a.grams[xs[i]];
        for j in 0..m {
            let y = &b.grams[ys[j]];
            let c = common(x, y);
            common_row[j] = c;
            let single = ratio(c, x.len() + y.len());
            let up = score[i * w + j + 1];
            let left = score[(i + 1) * w + j];
            let (mut best, mut how) = if left > up {
                (left, Step::Left)
            } else {
                (up, Step::Up)
            };
            if single > 0.0 && single >= o.modified && score[i * w + j] + single >= best {
                best = score[i * w + j] + single;
                how = Step::One;
            }
            // x_i ↔ y_{j-1} y_j: bounded by the bigrams each shares with x_i
            // plus the one across the join, so most cells skip the Dice.
            if let Some(Some(yy)) = j.checked_sub(1).map(|k| &yy[k]) {
                let prev = ratio(common_row[j - 1], x.len() + b.grams[ys[j - 1]].len());
                let need = o.modified.max(prev.max(single) + o.span_gain);
                let bound = ratio(common_row[j - 1] + c + 1, x.len() + yy.len());
                if bound >= need {
                    let s = dice(x, yy);
                    if s >= need && score[i * w + j - 1] + s > best {
                        best = score[i * w + j - 1] + s;
                        how = Step::Split;
                    }
                }
            }
            // x_{i-1} x_i ↔ y_j.
            if let Some(Some(xx)) = i.checked_sub(1).map(|k| &xx[k]) {
                let prev = ratio(common_prev[j], a.grams[xs[i - 1]].len() + y.len());
                let need = o.modified.max(prev.max(single) + o.span_gain);
                let bound = ratio(common_prev[j] + c + 1, xx.len() + y.len());
                if bound >= need {
                    let s = dice(xx, y);
                    if s >= need && score[(i - 1) * w + j] + s > best {
                        best = score[(i - 1) * w + j] + s;
                        how = Step::Merge;
                    }
                }
            }
            score[(i + 1) * w + j + 1] = best;
            step[i * m + j] = how;
        }
        std::mem::swap(&mut common_row, &mut common_prev);
    }
    let (mut i, mut j) = (n, m);
    let start = out.len();
    let link = |old: Range<usize>, new: Range<usize>| Link {
        old: xs[old.start]..xs[old.end - 1] + 1,
        new: ys[new.start]..ys[new.end - 1] + 1,
        moved: false,
    };
    while i > 0 && j > 0 {
        match step[(i - 1) * m + j - 1] {
            Step::Up => i -= 1,
            Step::Left => j -= 1,
            Step::One => {
                out.push(link(i - 1..i, j - 1..j));
                i -= 1;
                j -= 1;
            }
            Step::Split => {
                out.push(link(i - 1..i, j - 2..j));
                i -= 1;
                j -= 2;
            }
            Step::Merge => {
                out.push(link(i - 2..i, j - 1..j));
                i -= 2;
                j -= 1;
            }
        }
    }
    out[start..].reverse();
}

/// Bigrams of each sentence joined with the next, when the next is the
/// following sentence of the document (a section can recur further on).
fn joined_grams(d: &Doc, units: &[usize]) -> Vec<Option<Vec<u64>>> {
    units
        .windows(2)
        .map(|w| (w[1] == w[0] + 1).then(|| bigrams(&[d.text(w[0]), d.text(w[1])].concat())))
        .collect()
}

/// Pairs the sentences no section alignment explained: identical texts first,
/// then the most similar above `o.moved`.
fn find_moves(
    a: &Doc,
    old_link: &[Option<usize>],
    b: &Doc,
    new_link: &[Option<usize>],
    o: &CompareOptions,
) -> Vec<(usize, usize)> {
    let xs: Vec<usize> = (0..a.units.len())
        .filter(|&i| old_link[i].is_none())
        .collect();
    let ys: Vec<usize> = (0..b.units.len())
        .filter(|&j| new_link[j].is_none())
        .collect();
    let mut pairs = Vec::new();
    let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
    for &i in xs.iter().rev() {
        by_text.entry(a.text(i)).or_default().push(i);
    }
    let mut used_a = vec![false; a.units.len()];
    let mut rest = Vec::new();
    for &j in &ys {
        match by_text.get_mut(b.text(j)).and_then(Vec::pop) {
            Some(i) => {
                used_a[i] = true;
                pairs.push((i, j));
            }
            None => rest.push(j),
        }
    }
    let xs: Vec<usize> = xs.into_iter().filter(|&i| !used_a[i]).collect();
    if xs.len() * rest.len() > MAX_CELLS {
        return pairs;
    }
    let mut scored = Vec::new();
    for &i in &xs {
        for &j in &rest {
            let s = dice(&a.grams[i], &b.grams[j]);
            if s >= o.moved {
                scored.push((s, i, j));
            }
        }
    }
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    let mut used_b = vec![false; b.units.len()];
    for (_, i, j) in scored {
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            pairs.push((i, j));
        }
    }
    pairs
}

/// Heading rows to place before the row holding a given sentence: of the old
/// text (dropped headings) and of the new one.
type HeadRows = [Vec<Vec<SentencePair>>; 2];

/// Rows for the headings that changed: renamed (modified, with the inline diff
/// of the heading as printed), dropped (removed) and new (added). A title that
/// differs only in its number is no change (３.２ → ３.３), and a heading that
/// is also a sentence shows its change in that sentence's row. Headings
/// correspond by the aligned section pairs: the levels of their paths, matched
/// by title (numbers ignored) or position; one title first, then the most
/// pairs decide. Each row goes
/// before the first sentence under the heading.
fn heading_rows(a: &Doc, b: &Doc, groups: &[Group], analyzer: &Analyzer) -> HeadRows {
    let mut votes: HashMap<(usize, usize), usize> = HashMap::new();
    for g in groups {
        let (Some(&i), Some(&j)) = (g.sections[0].first(), g.sections[1].first()) else {
            continue;
        };
        let (s, t) = (&a.sections[i], &b.sections[j]);
        let xs: Vec<&str> = s.keys.iter().map(|k| k.0.as_str()).collect();
        let ys: Vec<&str> = t.keys.iter().map(|k| k.0.as_str()).collect();
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, &xs, &ys) {
            let (x, y, len) = match op {
                similar::DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => (old_index, new_index, len),
                similar::DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } if old_len == new_len => (old_index, new_index, old_len),
                _ => continue,
            };
            for k in 0..len {
                *votes.entry((s.heads[x + k], t.heads[y + k])).or_default() += 1;
            }
        }
    }
    // One title first: when ４.８ is dropped, its 【評価】 now under ４.７ pair
    // ４.８ with ４.７ by position, but ４.７ is still ４.７.
    let mut votes: Vec<(bool, usize, (usize, usize))> = votes
        .into_iter()
        .map(|((h, k), n)| (a.heads[h].title() == b.heads[k].title(), n, (h, k)))
        .collect();
    votes.sort_by(|x, y| (y.0, y.1).cmp(&(x.0, x.1)).then(x.2.cmp(&y.2)));
    let mut paired = [vec![None; a.heads.len()], vec![None; b.heads.len()]];
    for (_, _, (h, k)) in votes {
        if paired[0][h].is_none() && paired[1][k].is_none() {
            paired[0][h] = Some(k);
            paired[1][k] = Some(h);
        }
    }
    let mut rows: HeadRows = [
        vec![Vec::new(); a.units.len()],
        vec![Vec::new(); b.units.len()],
    ];
    let shown = |h: &Head| h.text.is_some() && !h.is_unit;
    let tokens = |h: &Head| {
        h.text
            .as_ref()
            .map(|(n, _)| analyzer.tokenize(&n.text))
            .unwrap_or_default()
    };
    for (h, x) in a.heads.iter().enumerate() {
        let y = paired[0][h].map(|k| &b.heads[k]);
        if !shown(x) || y.is_some_and(|y| !shown(y) || x.title() == y.title()) {
            continue;
        }
        let (tx, ty) = (tokens(x), y.map(tokens).unwrap_or_default());
        let row = heading_pair(a, Some((x, &tx)), b, y.map(|y| (y, &ty[..])));
        match y {
            Some(y) => rows[1][y.first].push(row),
            None => rows[0][x.first].push(row),
        }
    }
    for (k, y) in b.heads.iter().enumerate() {
        if paired[1][k].is_none() && shown(y) {
            let ty = tokens(y);
            rows[1][y.first].push(heading_pair(a, None, b, Some((y, &ty))));
        }
    }
    // Parents before children where several start at one sentence.
    for r in rows.iter_mut().flatten() {
        r.sort_by_key(|p| p.section.len());
    }
    rows
}

/// New-text order; each removed sentence goes just before the new sentence
/// that follows it in the old text, and heading rows just before the row
/// holding the first sentence under them.
fn order_pairs(
    a: &Doc,
    b: &Doc,
    links: &[Link],
    old_link: &[Option<usize>],
    new_link: &[Option<usize>],
    mut heads: HeadRows,
) -> Vec<SentencePair> {
    fn emit(out: &mut Vec<SentencePair>, heads: &mut HeadRows, p: SentencePair) {
        for i in p.old_sentences() {
            out.append(&mut heads[0][i]);
        }
        for j in p.new_sentences() {
            out.append(&mut heads[1][j]);
        }
        out.push(p);
    }
    let mut out = Vec::with_capacity(a.units.len().max(b.units.len()));
    let mut next_old = 0;
    let flush = |out: &mut Vec<SentencePair>, heads: &mut HeadRows, from: usize, to: usize| {
        for i in (from..to).filter(|&i| old_link[i].is_none()) {
            emit(out, heads, pair(a, i..i + 1, b, 0..0, false));
        }
    };
    for (j, k) in new_link.iter().enumerate() {
        match k.map(|k| &links[k]) {
            // The second sentence of a split: already out with the first.
            Some(l) if l.new.start != j => {}
            Some(l) => {
                if !l.moved && l.old.start >= next_old {
                    flush(&mut out, &mut heads, next_old, l.old.start);
                    next_old = l.old.end;
                }
                let p = pair(a, l.old.clone(), b, l.new.clone(), l.moved);
                emit(&mut out, &mut heads, p);
            }
            None => emit(&mut out, &mut heads, pair(a, 0..0, b, j..j + 1, false)),
        }
    }
    flush(&mut out, &mut heads, next_old, a.units.len());
    out
}

/// Consecutive sentences of one text read as one, or a heading: a side of a pair.
struct Side<'d> {
    original: &'d str,
    /// The normalized texts with their morphemes.
    parts: Vec<(&'d Normalized, &'d [Token])>,
    /// The normalized texts joined.
    text: String,
}

impl<'d> Side<'d> {
    fn new(original: &'d str, parts: Vec<(&'d Normalized, &'d [Token])>) -> Self {
        let text = parts.iter().map(|(n, _)| n.text.as_str()).collect();
        Side {
            original,
            parts,
            text,
        }
    }

    fn sentences(doc: &'d Doc, units: Range<usize>) -> Self {
        let parts = units
            .map(|i| (&doc.units[i].norm, &doc.tokens[i][..]))
            .collect();
        Side::new(doc.original, parts)
    }

    /// Each part with where its text starts in the joined text.
    fn parts(&self) -> impl Iterator<Item = (&'d Normalized, &'d [Token], usize)> + '_ {
        self.parts.iter().scan(0, |at, &(n, t)| {
            let start = *at;
            *at += n.text.len();
            Some((n, t, start))
        })
    }

    /// Byte ranges of the morphemes in the joined text.
    fn tokens(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.parts()
            .flat_map(|(_, t, at)| t.iter().map(move |t| t.start + at..t.end + at))
    }

    /// The original characters behind range `r` of the joined text.
    fn display(&self, r: Range<usize>) -> String {
        self.parts()
            .filter_map(|(n, _, at)| {
                let end = at + n.text.len();
                let (s, e) = (r.start.max(at), r.end.min(end));
                (s < e).then(|| display(n, self.original, s - at..e - at))
            })
            .collect()
    }

    fn display_all(&self) -> String {
        self.display(0..self.text.len())
    }
}

/// Status, similarity and inline diff of a pair of sides (either may be missing).
fn compare_sides<'g>(
    x: Option<&Side>,
    y: Option<&Side>,
    grams: impl FnOnce(&Side, &Side) -> (Cow<'g, [u64]>, Cow<'g, [u64]>),
    moved: bool,
) -> (Status, f64, Vec<DiffSpan>) {
    match (x, y) {
        (Some(x), Some(y)) => {
            let same = x.text == y.text;
            let status = match (moved, same) {
                (true, _) => Status::Moved,
                (false, true) => Status::Unchanged,
                (false, false) => Status::Modified,
            };
            let diff = if same { Vec::new() } else { inline::diff(x, y) };
            let (gx, gy) = grams(x, y);
            (status, dice(&gx, &gy), diff)
        }
        (Some(_), None) => (Status::Removed, 0.0, Vec::new()),
        _ => (Status::Added, 0.0, Vec::new()),
    }
}

/// Bigrams of consecutive sentences `units` read as one.
fn side_grams<'d>(d: &'d Doc, units: Range<usize>) -> Cow<'d, [u64]> {
    if units.len() == 1 {
        Cow::Borrowed(&d.grams[units.start])
    } else {
        Cow::Owned(bigrams(&units.map(|i| d.text(i)).collect::<String>()))
    }
}

/// The pair of old sentences `old` and new sentences `new` (empty when the
/// sentence is only in the other text).
fn pair(a: &Doc, old: Range<usize>, b: &Doc, new: Range<usize>, moved: bool) -> SentencePair {
    let x = (!old.is_empty()).then(|| Side::sentences(a, old.clone()));
    let y = (!new.is_empty()).then(|| Side::sentences(b, new.clone()));
    let (status, similarity, diff) = compare_sides(
        x.as_ref(),
        y.as_ref(),
        |_, _| (side_grams(a, old.clone()), side_grams(b, new.clone())),
        moved,
    );
    let first_old = (!old.is_empty()).then_some(old.start);
    let first_new = (!new.is_empty()).then_some(new.start);
    let section = match (first_new, first_old) {
        (Some(j), _) => b.units[j].section.clone(),
        (None, Some(i)) => a.units[i].section.clone(),
        (None, None) => Vec::new(),
    };
    SentencePair {
        status,
        section,
        heading: false,
        old_section: first_old
            .filter(|_| moved)
            .map(|i| a.units[i].section.clone()),
        old: x.as_ref().map(Side::display_all),
        new: y.as_ref().map(Side::display_all),
        old_line: first_old.map(|i| a.units[i].line),
        new_line: first_new.map(|j| b.units[j].line),
        old_index: first_old,
        new_index: first_new,
        old_count: old.len(),
        new_count: new.len(),
        similarity,
        diff,
    }
}

/// The row of a heading of the old text, the new one or both (a heading
/// without its text is no side), with the heading's morphemes.
fn heading_pair(
    a: &Doc,
    old: Option<(&Head, &[Token])>,
    b: &Doc,
    new: Option<(&Head, &[Token])>,
) -> SentencePair {
    fn side<'d>(d: &'d Doc, h: Option<(&'d Head, &'d [Token])>) -> Option<(Side<'d>, usize)> {
        let (h, t) = h?;
        let (n, line) = h.text.as_ref()?;
        Some((Side::new(d.original, vec![(n, t)]), *line))
    }
    let (x, y) = (side(a, old), side(b, new));
    let (status, similarity, diff) = compare_sides(
        x.as_ref().map(|x| &x.0),
        y.as_ref().map(|y| &y.0),
        |x, y| (bigrams(&x.text).into(), bigrams(&y.text).into()),
        false,
    );
    SentencePair {
        status,
        section: new.or(old).map(|(h, _)| h.path.clone()).unwrap_or_default(),
        heading: true,
        old_section: None,
        old: x.as_ref().map(|x| x.0.display_all()),
        new: y.as_ref().map(|y| y.0.display_all()),
        old_line: x.as_ref().map(|x| x.1),
        new_line: y.as_ref().map(|y| y.1),
        old_index: None,
        new_index: None,
        old_count: 0,
        new_count: 0,
        similarity,
        diff,
    }
}

/// Per-group sentence counts, most changed first (document order among equals).
fn summarize(
    a: &Doc,
    b: &Doc,
    groups: &[Group],
    sentences: &[SentencePair],
) -> Vec<SectionSummary> {
    // Document order: the groups of new sections, each old-only one after the
    // group of the old section before it.
    let mut group_of = [vec![0; a.sections.len()], vec![0; b.sections.len()]];
    for (g, group) in groups.iter().enumerate() {
        for (of, sections) in group_of.iter_mut().zip(&group.sections) {
            for &k in sections {
                of[k] = g;
            }
        }
    }
    let mut old_only_after: Vec<Vec<usize>> = vec![Vec::new(); b.sections.len() + 1];
    let mut last_new = 0;
    for &g in &group_of[0] {
        match groups[g].sections[1].first() {
            Some(&j) => last_new = j + 1,
            None => old_only_after[last_new].push(g),
        }
    }
    let mut order = Vec::with_capacity(groups.len());
    for (j, old_only) in old_only_after.iter().enumerate() {
        order.extend(old_only.iter().copied());
        if let Some(&g) = group_of[1].get(j)
            && groups[g].sections[1].first() == Some(&j)
        {
            order.push(g);
        }
    }
    let mut at = vec![0; groups.len()];
    let mut sums: Vec<SectionSummary> = order
        .iter()
        .enumerate()
        .map(|(n, &g)| {
            at[g] = n;
            let [old, new] = &groups[g].sections;
            SectionSummary {
                old: old.first().map(|&i| a.sections[i].path.clone()),
                new: new.first().map(|&j| b.sections[j].path.clone()),
                unchanged: 0,
                modified: 0,
                added: 0,
                removed: 0,
                moved: 0,
                similarity: if old.is_empty() || new.is_empty() {
                    0.0
                } else {
                    dice(&content(a, old), &content(b, new))
                },
            }
        })
        .collect();
    for s in sentences {
        let g = match (s.new_index, s.old_index) {
            (Some(j), _) => group_of[1][b.section_of[j]],
            (None, Some(i)) => group_of[0][a.section_of[i]],
            (None, None) => continue,
        };
        let sum = &mut sums[at[g]];
        match s.status {
            Status::Unchanged => sum.unchanged += 1,
            Status::Modified => sum.modified += 1,
            Status::Added => sum.added += 1,
            Status::Removed => sum.removed += 1,
            Status::Moved => sum.moved += 1,
        }
    }
    // Stable: equal sections keep document order.
    sums.sort_by(|x, y| {
        x.similarity
            .total_cmp(&y.similarity)
            .then(y.changes().cmp(&x.changes()))
    });
    sums
}

/// Bigrams of the text of `sections` (one section's are at hand).
fn content<'d>(d: &'d Doc, sections: &[usize]) -> Cow<'d, [u64]> {
    match sections {
        [k] => Cow::Borrowed(&d.sections[*k].content),
        _ => Cow::Owned(bigrams(
            &units(d, sections)
                .into_iter()
                .map(|i| d.text(i))
                .collect::<String>(),
        )),
    }
}

/// Sorted, deduplicated character bigrams (unigram for a one-char text),
/// spaces ignored: the cheap sentence fingerprint Dice works on.
fn bigrams(t: &str) -> Vec<u64> {
    let chars: Vec<char> = t.chars().filter(|c| !c.is_whitespace()).collect();
    let mut g: Vec<u64> = if chars.len() == 1 {
        vec![chars[0] as u64]
    } else {
        chars
            .windows(2)
            .map(|w| ((w[0] as u64) << 32) | w[1] as u64)
            .collect()
    };
    g.sort_unstable();
    g.dedup();
    g
}

/// Dice coefficient of two sorted sets; two empty sets are identical.
fn dice(x: &[u64], y: &[u64]) -> f64 {
    ratio(common(x, y), x.len() + y.len())
}

/// Dice from the shared count and the summed sizes of two sets.
fn ratio(common: usize, total: usize) -> f64 {
    if total == 0 {
        1.0
    } else {
        2.0 * common as f64 / total as f64
    }
}

/// Elements two sorted, deduplicated sets share.
fn common(x: &[u64], y: &[u64]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

/// The original characters behind normalized range `r`: full-width forms as
/// printed, but line breaks and dropped page lines left out. A join space or
/// whitespace maps to its normalized form.
fn display(norm: &Normalized, original: &str, r: Range<usize>) -> String {
    let Some(text) = norm.text.get(r.clone()) else {
        return String::new();
    };
    let mut out = String::with_capacity(text.len());
    let mut last = usize::MAX..usize::MAX;
    for (k, c) in text.char_indices() {
        let s = r.start + k;
        let o = norm.original_range(s..s + c.len_utf8());
        if o == last {
            // One NFKC run maps as a whole: already written.
            continue;
        }
        last = o.clone();
        match original.get(o) {
            Some(t) if !t.trim().is_empty() && !t.contains(['\n', '\r']) => out.push_str(t),
            _ => out.push(c),
        }
    }
    out
}
