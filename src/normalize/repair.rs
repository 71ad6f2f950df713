//! Line-level repair: page furniture, reversed vertical text, displaced
//! titles and hard line wraps, all decided from the document's own layout.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::{Normalized, is_enclosed_number, is_private_use, is_wide, normalize_lines};

/// Text repair for a prose document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Repaired {
    pub blocks: Vec<Block>,
    pub dropped: Vec<DroppedLine>,
    pub replacement_chars: usize,
    /// Original byte offset where each line starts, for offset → line lookups.
    #[serde(skip)]
    line_starts: Vec<usize>,
}

impl Repaired {
    /// 1-based line of the original holding byte `offset`.
    pub fn line_at(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).max(1)
    }
}

/// A logical line: a paragraph, heading or list item with its wrapped lines joined.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    pub kind: BlockKind,
    /// 1-based lines, end exclusive. A paragraph continued across displaced
    /// titles or page furniture spans those lines too.
    pub lines: Range<usize>,
    pub norm: Normalized,
    /// The first line is indented: a paragraph-start cue in some layouts.
    pub indent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BlockKind {
    Text,
    /// A section title printed after its section (連合神奈川); segment reattaches it.
    DisplacedTitle,
}

#[derive(Debug, Clone, Serialize)]
pub struct DroppedLine {
    pub line: usize,
    pub text: String,
    pub reason: DropReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind")]
pub enum DropReason {
    /// A running page header/footer or page number.
    PageHeader,
    /// Vertical text extracted bottom-up; `reading` is the intended text.
    ReversedVertical { reading: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Blank,
    Text,
    Dropped,
    Title,
}

struct Line {
    /// Line without its terminator.
    all: Range<usize>,
    /// Content without surrounding whitespace.
    content: Range<usize>,
    width: usize,
    indent: bool,
    item: bool,
}

impl Line {
    fn text<'a>(&self, s: &'a str) -> &'a str {
        &s[self.content.clone()]
    }
}

/// Display width in half-width cells.
fn width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// NFKC of a line with all whitespace removed: the identity of a running header.
fn fold_key(s: &str) -> String {
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// NFKC of the first few chars, enough to recognise a list or heading marker.
fn head(s: &str) -> String {
    s.chars().take(12).collect::<String>().nfkc().collect()
}

static ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\(\d{1,2}\)|\d{1,2}\)|\d{1,2}\.\d{1,2}\s|\d{1,2}\.(?:\s*[^\d\s.,]|\d{4})|<\S|【|#{1,6}\s|[-*+]\s|\*\*|第[0-9一二三四五六七八九十百]{1,4}[章節条](?:\s|\(|$))",
    )
    .expect("valid regex")
});

/// Lines that start a list item or heading, never a wrap continuation.
fn is_item_start(text: &str) -> bool {
    let Some(c) = text.chars().next() else {
        return false;
    };
    is_private_use(c)
        || is_enclosed_number(c)
        || matches!(
            c,
            '・' | '•'
                | '●'
                | '○'
                | '◆'
                | '◇'
                | '■'
                | '□'
                | '◎'
                | '★'
                | '☆'
                | '※'
                | '＊'
        )
        || ITEM.is_match(&head(text))
}

static HEADING_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\(\d{1,2}\)|\d{1,2}\.\d{1,2}\s|\d{1,2}\.(?:\s*[^\d\s.,]|\d{4})|<\S|【|#{1,6}\s|第[0-9一二三四五六七八九十百]{1,4}[章節条](?:\s|\(|$))",
    )
    .expect("valid regex")
});

/// Numbered or bracketed heading markers, as opposed to bullets.
fn is_heading_start(text: &str) -> bool {
    HEADING_START.is_match(&head(text))
}

fn ends_sentence(text: &str) -> bool {
    text.ends_with(['。', '！', '？', '!', '?', '．'])
}

fn split_lines(original: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for piece in original.split('\n') {
        let end = start + piece.len();
        let body = piece.strip_suffix('\r').unwrap_or(piece);
        let trimmed_start = body.trim_start();
        let lead = body.len() - trimmed_start.len();
        let text = trimmed_start.trim_end();
        let content = start + lead..start + lead + text.len();
        lines.push(Line {
            all: start..start + body.len(),
            content,
            width: width(text),
            indent: lead > 0 && !text.is_empty(),
            item: is_item_start(text),
        });
        start = end + 1;
    }
    if original.ends_with('\n') {
        lines.pop();
    }
    lines
}

/// The most common line width, taken as the page's wrap width.
fn wrap_width(lines: &[Line]) -> usize {
    let mut hist: HashMap<usize, usize> = HashMap::new();
    for l in lines.iter().filter(|l| l.width >= 20 && l.width <= 200) {
        *hist.entry(l.width).or_default() += 1;
    }
    (20usize..=200)
        .max_by_key(|&w| {
            (
                (w.saturating_sub(4)..=w)
                    .map(|v| hist.get(&v).copied().unwrap_or(0))
                    .sum::<usize>(),
                w,
            )
        })
        .unwrap_or(0)
}

/// Running headers: short indented lines whose folded text repeats at page-like
/// intervals; an indented one-off counts when it names a chapter heading that
/// the document also prints flush left, in a document that has running headers.
fn find_headers(original: &str, lines: &[Line], role: &mut [Role], dropped: &mut Vec<DroppedLine>) {
    const MIN_GAP: usize = 10;
    let mut indented: HashMap<String, Vec<usize>> = HashMap::new();
    let mut flush: HashMap<String, usize> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        if role[i] != Role::Text || l.width > 60 || ends_sentence(l.text(original)) {
            continue;
        }
        let key = fold_key(l.text(original));
        if l.indent {
            indented.entry(key).or_default().push(i);
        } else {
            *flush.entry(key).or_default() += 1;
        }
    }
    let running = |v: &Vec<usize>| v.len() >= 2 && v.windows(2).all(|w| w[1] - w[0] >= MIN_GAP);
    let has_running = indented.values().any(running);
    let mut marked: Vec<usize> = indented
        .iter()
        .filter(|(key, v)| running(v) || (has_running && flush.contains_key(*key)))
        .flat_map(|(_, v)| v.iter().copied())
        .collect();
    static PAGE_NO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[-‐–—]\s*\d{1,4}\s*[-‐–—]$").expect("valid regex"));
    marked.extend((0..lines.len()).filter(|&i| {
        role[i] == Role::Text
            && lines[i].width <= 12
            && PAGE_NO.is_match(&head(lines[i].text(original)))
    }));
    for i in marked {
        role[i] = Role::Dropped;
        dropped.push(DroppedLine {
            line: i + 1,
            text: lines[i].text(original).to_string(),
            reason: DropReason::PageHeader,
        });
    }
}

/// Vertical running text comes out bottom-up: a short all-CJK line that repeats,
/// never occurs inside other text, and whose reversal does occur in the document.
fn find_reversed(original: &str, lines: &[Line], role: &mut [Role]) -> Vec<(usize, String)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in lines {
        let t = l.text(original);
        let n = t.chars().count();
        if (2..=12).contains(&n)
            && t.chars()
                .all(|c| matches!(c, '\u{3041}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}'))
        {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut found = HashMap::new();
    for (t, n) in counts.into_iter().filter(|&(_, n)| n >= 2).take(32) {
        let reading: String = t.chars().rev().collect();
        if original.matches(t).count() == n && original.contains(&reading) {
            found.insert(t, reading);
        }
    }
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some(r) = found.get(l.text(original)) {
            role[i] = Role::Dropped;
            out.push((i, r.clone()));
        }
    }
    out
}

/// A title number trailing a short line: `…の取り組み2`, `…強化Ⅰ`.
fn trailing_title_number(text: &str) -> bool {
    let mut rev = text.chars().rev();
    let Some(last) = rev.next() else {
        return false;
    };
    let roman = matches!(last, '\u{2160}'..='\u{216B}');
    let digit = last.is_ascii_digit() || matches!(last, '０'..='９');
    if !roman && !digit {
        return false;
    }
    let Some(before) = rev.next() else {
        return false;
    };
    is_wide(before)
        && !before.is_numeric()
        && !matches!(before, '\u{2160}'..='\u{216B}')
        && !"年月日号第回歳時分条項章節期名人円％、，。・：".contains(before)
}

/// Section titles printed after their section: short lines ending in a title
/// number, trusted only when the document has several of them next to each other.
fn find_titles(original: &str, lines: &[Line], role: &mut [Role], wrap: usize) {
    let cand: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let l = &lines[i];
            let t = l.text(original);
            role[i] == Role::Text
                && !l.item
                && l.width + 6 < wrap
                && !t.contains('。')
                && trailing_title_number(t)
        })
        .collect();
    let adjacent = cand
        .windows(2)
        .filter(|w| (w[0] + 1..w[1]).all(|j| role[j] == Role::Blank))
        .count();
    if cand.len() < 3 || adjacent < 2 {
        return;
    }
    for &i in &cand {
        role[i] = Role::Title;
        // A two-line title: its unterminated first line sits right above it.
        if i >= 1 && role[i - 1] == Role::Text && !lines[i - 1].item {
            let prev = lines[i - 1].text(original);
            let opens = i < 2 || role[i - 2] != Role::Text || lines[i - 1].indent;
            if opens && !ends_sentence(prev) && lines[i - 1].width + 6 < wrap {
                role[i - 1] = Role::Title;
            }
        }
    }
}

struct Open {
    first: usize,
    last: usize,
    spans: Vec<Range<usize>>,
    max_width: usize,
}

/// Text repair for a prose document.
pub fn repair(original: &str) -> Repaired {
    let lines = split_lines(original);
    let mut role: Vec<Role> = lines
        .iter()
        .map(|l| {
            if l.content.is_empty() {
                Role::Blank
            } else {
                Role::Text
            }
        })
        .collect();
    let reversed = find_reversed(original, &lines, &mut role);
    let mut dropped = Vec::new();
    find_headers(original, &lines, &mut role, &mut dropped);
    for (i, reading) in reversed {
        dropped.push(DroppedLine {
            line: i + 1,
            text: lines[i].text(original).to_string(),
            reason: DropReason::ReversedVertical { reading },
        });
    }
    dropped.sort_by_key(|d| d.line);
    let wrap = wrap_width(&lines);
    find_titles(original, &lines, &mut role, wrap);

    let text_lines: Vec<&Line> = lines
        .iter()
        .zip(&role)
        .filter(|(_, r)| **r == Role::Text)
        .map(|(l, _)| l)
        .collect();
    // Unwrapped text (Markdown, web pages) has lines no printed page could hold.
    let soft = text_lines.iter().filter(|l| l.width > 120).count() * 10 >= text_lines.len().max(1);
    let mut gaps = 0;
    let mut blank_gaps = 0;
    let mut prev: Option<usize> = None;
    for (i, r) in role.iter().enumerate() {
        if *r == Role::Text {
            if let Some(p) = prev {
                gaps += 1;
                blank_gaps += usize::from((p + 1..i).any(|j| role[j] == Role::Blank));
            }
            prev = Some(i);
        }
    }
    // When nearly every line pair is blank-separated, blank lines are layout, not paragraph ends.
    let blank_breaks = blank_gaps * 10 < gaps * 6;

    let mut out = Repaired {
        line_starts: lines.iter().map(|l| l.all.start).collect(),
        ..Repaired::default()
    };
    let mut open: Option<Open> = None;
    let mut blanks = false;
    let mut crossed = false;
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        match role[i] {
            Role::Blank => blanks = true,
            Role::Dropped => crossed = true,
            Role::Title => {
                let mut j = i;
                while j + 1 < lines.len()
                    && role[j + 1] == Role::Title
                    && !trailing_title_number(lines[j].text(original))
                {
                    j += 1;
                }
                let spans: Vec<_> = (i..=j).map(|k| lines[k].all.clone()).collect();
                push_block(
                    &mut out,
                    original,
                    BlockKind::DisplacedTitle,
                    i,
                    j,
                    &spans,
                    l.indent,
                );
                if open
                    .as_ref()
                    .is_some_and(|o| ends_sentence(lines[o.last].text(original)))
                {
                    close(&mut out, original, &lines, open.take());
                }
                crossed = true;
                i = j;
            }
            Role::Text => {
                let join = open.as_ref().is_some_and(|o| {
                    let p = &lines[o.last];
                    // A column's width is known once it has two lines; before that the
                    // next line stands in, and a lone heading must fill the page to wrap.
                    let reference = if o.last > o.first {
                        o.max_width
                    } else if is_heading_start(p.text(original)) {
                        o.max_width.max(l.width).max(wrap * 4 / 5)
                    } else {
                        o.max_width.max(l.width)
                    };
                    let full = p.width + tolerance(reference) >= reference;
                    if l.item || l.indent || soft {
                        false
                    } else if crossed || (blank_breaks && blanks) {
                        // Only a full line cut mid-sentence continues past a gap.
                        full && !ends_sentence(p.text(original))
                    } else {
                        full
                    }
                });
                if join {
                    if let Some(o) = open.as_mut() {
                        o.last = i;
                        o.spans.push(l.all.clone());
                        o.max_width = o.max_width.max(l.width);
                    }
                } else {
                    close(&mut out, original, &lines, open.take());
                    open = Some(Open {
                        first: i,
                        last: i,
                        spans: vec![l.all.clone()],
                        max_width: l.width,
                    });
                }
                blanks = false;
                crossed = false;
            }
        }
        i += 1;
    }
    close(&mut out, original, &lines, open.take());
    out.blocks.sort_by_key(|b| b.lines.start);
    out.dropped = dropped;
    out.replacement_chars = original.matches('\u{FFFD}').count();
    out
}

/// How much shorter than its neighbours a wrapped line may be (kinsoku, proportional digits).
fn tolerance(w: usize) -> usize {
    4 + w / 16
}

fn close(out: &mut Repaired, original: &str, lines: &[Line], open: Option<Open>) {
    if let Some(o) = open {
        let indent = lines[o.first].indent;
        push_block(
            out,
            original,
            BlockKind::Text,
            o.first,
            o.last,
            &o.spans,
            indent,
        );
    }
}

fn push_block(
    out: &mut Repaired,
    original: &str,
    kind: BlockKind,
    first: usize,
    last: usize,
    spans: &[Range<usize>],
    indent: bool,
) {
    let (norm, _) = normalize_lines(original, spans);
    if norm.text.is_empty() {
        return;
    }
    out.blocks.push(Block {
        kind,
        lines: first + 1..last + 2,
        norm,
        indent,
    });
}
