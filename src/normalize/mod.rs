//! Text repair for prose documents extracted from PDFs.
//!
//! The original text stays untouched for display; matching works on a
//! normalized view (NFKC, joined line wraps, page furniture dropped) that
//! carries a byte map so every hit can be shown in the original.

mod codec;
mod repair;

pub use repair::{Block, BlockKind, DropReason, DroppedLine, Repaired, repair};

use std::ops::Range;

use serde::ser::SerializeStruct;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{canonical_combining_class, is_combining_mark};

/// A run of normalized bytes with one source in the original.
///
/// Identity runs were copied verbatim, so offsets inside them map byte for
/// byte; other runs (NFKC output, inserted join spaces) map as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Seg {
    norm: usize,
    orig: usize,
    orig_end: usize,
    identity: bool,
}

/// A normalized view of original text with a byte map back to it.
///
/// The map is run-length encoded so unchanged text costs one entry per run,
/// which keeps 100 MB inputs affordable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Normalized {
    pub text: String,
    segs: Vec<Seg>,
    /// Original end of the last kept char (the range start when empty).
    end: usize,
}

impl serde::Serialize for Normalized {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let span = self.original_range(0..self.text.len());
        let mut st = s.serialize_struct("Normalized", 3)?;
        st.serialize_field("text", &self.text)?;
        st.serialize_field("start", &span.start)?;
        st.serialize_field("end", &span.end)?;
        st.end()
    }
}

impl Normalized {
    fn seg_at(&self, i: usize) -> Option<&Seg> {
        let k = self.segs.partition_point(|s| s.norm <= i);
        k.checked_sub(1).map(|k| &self.segs[k])
    }

    fn floor_boundary(&self, mut i: usize) -> usize {
        i = i.min(self.text.len());
        while !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    fn ceil_boundary(&self, mut i: usize) -> usize {
        i = i.min(self.text.len());
        while !self.text.is_char_boundary(i) {
            i += 1;
        }
        i
    }

    /// Original byte offset of normalized byte `i` (`i == text.len()` gives the original end).
    pub fn to_original(&self, i: usize) -> usize {
        if i >= self.text.len() {
            return self.end;
        }
        match self.seg_at(i) {
            Some(s) if s.identity => s.orig + (i - s.norm),
            Some(s) => s.orig,
            None => self.end,
        }
    }

    /// Original end of the char that ends at normalized byte `e` (`e > 0`).
    fn end_to_original(&self, e: usize) -> usize {
        match self.seg_at(e - 1) {
            Some(s) if s.identity => s.orig + (e - s.norm),
            Some(s) => s.orig_end,
            None => self.end,
        }
    }

    /// Original byte range covering normalized range `r`: start of its first char .. end of its last char (never includes dropped trailing whitespace/line breaks).
    pub fn original_range(&self, r: Range<usize>) -> Range<usize> {
        let s = self.floor_boundary(r.start);
        let e = self.ceil_boundary(r.end.max(s));
        if s == e {
            let p = self.to_original(s);
            return p..p;
        }
        let start = self.to_original(s);
        start..self.end_to_original(e).max(start)
    }

    /// The sub-view for normalized range `r` (must be on char boundaries), offsets still into the same original.
    pub fn slice(&self, r: Range<usize>) -> Normalized {
        let s = self.floor_boundary(r.start);
        let e = self.ceil_boundary(r.end.max(s));
        let mut segs = Vec::new();
        if s < e {
            let first = self.segs.partition_point(|g| g.norm <= s).saturating_sub(1);
            for g in self.segs[first..].iter().take_while(|g| g.norm < e) {
                let mut g = *g;
                if g.norm < s {
                    if g.identity {
                        g.orig += s - g.norm;
                    }
                    g.norm = s;
                }
                g.norm -= s;
                segs.push(g);
            }
        }
        Normalized {
            text: self.text[s..e].to_string(),
            segs,
            end: self.original_range(s..e).end,
        }
    }
}

/// Normalizes `original[range]` for matching: NFKC (full-width digits/letters/spaces → ASCII) but keep circled/enclosed numbers (①②…) as they are; drop U+FFFD (returned count) and other control/format debris; join line breaks (no space between CJK chars; one space between Latin/digit words; blank lines inside the span are joined too); collapse whitespace runs to one ASCII space; trim. Offsets in the result are into `original` (not into the slice).
pub fn normalize(original: &str, range: Range<usize>) -> (Normalized, usize) {
    let mut b = Builder::new(range.start);
    b.push(original, range);
    b.finish()
}

/// A word as the index and the synonym lists compare it: normalized, then lower-cased.
pub fn fold_word(word: &str) -> String {
    fold_case(&normalize(word, 0..word.len()).0.text)
}

/// The one case folding of kumiai, for text already NFKC-normalized, appended to `out`:
/// index tokens, query words, highlights, trend counts and theme concepts all compare
/// through it. Kana and kanji have no case, so the common case skips the Unicode tables.
pub fn fold_case_into(s: &str, out: &mut String) {
    let cased =
        |c: char| c.is_ascii_uppercase() || !(c.is_ascii() || matches!(c, '\u{3000}'..='\u{9FFF}'));
    if s.chars().any(cased) {
        out.extend(s.chars().flat_map(char::to_lowercase));
    } else {
        out.push_str(s);
    }
}

/// [`fold_case_into`] a new string.
pub fn fold_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_case_into(s, &mut out);
    out
}

/// Normalizes several spans of `original` as if they were consecutive lines.
pub(crate) fn normalize_lines(original: &str, spans: &[Range<usize>]) -> (Normalized, usize) {
    let mut b = Builder::new(spans.first().map_or(0, |r| r.start));
    for r in spans {
        b.line_break(r.start);
        b.push(original, r.clone());
    }
    b.finish()
}

/// Pending whitespace: where it started and whether it held a line break.
#[derive(Clone, Copy)]
struct Gap {
    orig: usize,
    orig_end: usize,
    newline: bool,
}

struct Builder {
    text: String,
    segs: Vec<Seg>,
    fffd: usize,
    gap: Option<Gap>,
    last_wide: bool,
    end: usize,
}

impl Builder {
    fn new(start: usize) -> Self {
        Builder {
            text: String::new(),
            segs: Vec::new(),
            fffd: 0,
            gap: None,
            last_wide: false,
            end: start,
        }
    }

    fn whitespace(&mut self, at: usize, len: usize, newline: bool) {
        match &mut self.gap {
            Some(g) => g.newline |= newline,
            None => {
                self.gap = Some(Gap {
                    orig: at,
                    orig_end: at + len,
                    newline,
                })
            }
        }
    }

    fn line_break(&mut self, at: usize) {
        self.whitespace(at, 0, true);
    }

    fn push(&mut self, original: &str, range: Range<usize>) {
        let Some(src) = original.get(range.clone()) else {
            return;
        };
        let base = range.start;
        let mut it = src.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            let at = base + i;
            if c == '\n' || c == '\r' {
                self.whitespace(at, 1, true);
            } else if c.is_whitespace() {
                self.whitespace(at, c.len_utf8(), false);
            } else if c == '\u{FFFD}' {
                self.fffd += 1;
            } else if is_debris(c) {
            } else {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = it.peek() {
                    if !joins_previous(d) {
                        break;
                    }
                    end = j + d.len_utf8();
                    it.next();
                }
                self.content(&src[i..end], at, c);
            }
        }
    }

    /// Appends one char with its combining marks, NFKC-folded unless it is an enclosed number.
    fn content(&mut self, group: &str, at: usize, first: char) {
        if let Some(g) = self.gap.take()
            && !self.text.is_empty()
            && (!g.newline || !(self.last_wide || is_wide(first)))
        {
            let n = self.text.len();
            self.text.push(' ');
            self.segs.push(Seg {
                norm: n,
                orig: g.orig,
                orig_end: g.orig_end,
                identity: false,
            });
        }
        let orig_end = at + group.len();
        let folded: String = if is_enclosed_number(first) {
            group.to_string()
        } else {
            group.nfkc().collect()
        };
        let n = self.text.len();
        let identity = folded == group;
        self.text.push_str(&folded);
        match self.segs.last_mut() {
            Some(l)
                if identity
                    && l.identity
                    && l.orig_end == at
                    && l.norm + (l.orig_end - l.orig) == n =>
            {
                l.orig_end = orig_end;
            }
            _ => self.segs.push(Seg {
                norm: n,
                orig: at,
                orig_end,
                identity,
            }),
        }
        self.last_wide = group.chars().last().is_some_and(is_wide);
        self.end = orig_end;
    }

    fn finish(self) -> (Normalized, usize) {
        let n = Normalized {
            text: self.text,
            segs: self.segs,
            end: self.end,
        };
        (n, self.fffd)
    }
}

/// Marks that NFKC must see together with the char before them.
fn joins_previous(c: char) -> bool {
    matches!(c, '\u{FF9E}' | '\u{FF9F}') || canonical_combining_class(c) != 0
}

/// Invisible or layout-only chars: controls, format chars, variation selectors, private-use glyphs.
pub(crate) fn is_debris(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFC}')
        || is_private_use(c)
}

pub(crate) fn is_private_use(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
}

/// Circled and enclosed numbers keep their identity: NFKC would turn ① into a bare 1.
pub(crate) fn is_enclosed_number(c: char) -> bool {
    matches!(c,
        '\u{2460}'..='\u{24FF}' | '\u{2776}'..='\u{2793}' | '\u{3251}'..='\u{325F}' | '\u{32B1}'..='\u{32BF}')
}

/// Chars set in full-width cells; a wrap next to one needs no space.
/// Terminal columns taken by `c`: East Asian Wide/Fullwidth take two, combining marks none.
/// The one measure of the terminal's columns: query carets, KWIC and table alignment, Excel
/// column widths. (Print width on the page, for joining wrapped lines, is [`is_wide`].)
pub fn char_width(c: char) -> usize {
    if is_combining_mark(c) || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}') {
        return 0;
    }
    let wide = matches!(c,
        '\u{1100}'..='\u{115F}'
        | '\u{2E80}'..='\u{303E}'
        | '\u{3041}'..='\u{33FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{A000}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}'
        | '\u{1F300}'..='\u{1F64F}'
        | '\u{1F900}'..='\u{1F9FF}'
        | '\u{20000}'..='\u{2FFFD}'
        | '\u{30000}'..='\u{3FFFD}');
    if wide { 2 } else { 1 }
}

/// Terminal columns taken by `s` ([`char_width`] of each character).
pub fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

pub(crate) fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{115F}'
        | '\u{2160}'..='\u{217F}'
        | '\u{203B}'
        | '\u{2460}'..='\u{24FF}'
        | '\u{25A0}'..='\u{27BF}'
        | '\u{2E80}'..='\u{303E}'
        | '\u{3041}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7A3}'
        | '\u{E000}'..='\u{F8FF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{FFE0}'..='\u{FFE6}'
        | '\u{20000}'..='\u{3FFFD}')
}

#[cfg(test)]
mod tests;
