//! Inline diff of two versions of a sentence: morphemes first, so an edit
//! never splits a word arbitrarily, then characters inside each changed run,
//! so 取り組む → 取り組んでいく shows only the ending. A side of two sentences
//! (a split or a merge) is diffed as their joined text, so 「…し、…」 →
//! 「…した。…」 shows only the changed punctuation and ending.

use std::ops::Range;

use similar::{Algorithm, DiffOp as Op, capture_diff_slices};

use super::{DiffOp, DiffSpan, Side};

/// A run of the alignment: byte ranges in the old and new normalized text.
#[derive(Debug, Clone, PartialEq)]
enum Chunk {
    Same(Range<usize>, Range<usize>),
    Change(Range<usize>, Range<usize>),
}

pub(super) fn diff(a: &Side, b: &Side) -> Vec<DiffSpan> {
    let chunks = chunks(&a.text, a.tokens(), &b.text, b.tokens());
    let mut out: Vec<DiffSpan> = Vec::new();
    let mut push = |op, text: String| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(&text),
            _ => out.push(DiffSpan { op, text }),
        }
    };
    for c in chunks {
        match c {
            Chunk::Same(_, r) => push(DiffOp::Equal, b.display(r)),
            Chunk::Change(x, y) => {
                push(DiffOp::Delete, a.display(x));
                push(DiffOp::Insert, b.display(y));
            }
        }
    }
    out
}

/// Morphemes (byte ranges) with the whitespace between them, covering all of `text`.
fn pieces(text: &str, tokens: impl Iterator<Item = Range<usize>>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut at = 0;
    for t in tokens {
        if t.start < at || t.end > text.len() || t.start > t.end {
            continue;
        }
        if t.start > at {
            out.push(at..t.start);
        }
        if t.end > t.start {
            out.push(t.start..t.end);
        }
        at = t.end;
    }
    if at < text.len() {
        out.push(at..text.len());
    }
    out
}

fn chunks(
    a: &str,
    at: impl Iterator<Item = Range<usize>>,
    b: &str,
    bt: impl Iterator<Item = Range<usize>>,
) -> Vec<Chunk> {
    let pa = pieces(a, at);
    let pb = pieces(b, bt);
    let sa: Vec<&str> = pa.iter().map(|r| &a[r.clone()]).collect();
    let sb: Vec<&str> = pb.iter().map(|r| &b[r.clone()]).collect();
    let span = |p: &[Range<usize>], s: usize, e: usize, len: usize| {
        if s < e {
            p[s].start..p[e - 1].end
        } else {
            let at = p.get(s).map_or(len, |r| r.start);
            at..at
        }
    };
    let mut out = Vec::new();
    for (x, y, same) in runs(&sa, &sb) {
        let ra = span(&pa, x.start, x.end, a.len());
        let rb = span(&pb, y.start, y.end, b.len());
        if same {
            push(&mut out, Chunk::Same(ra, rb));
        } else {
            for c in refine(a, ra, b, rb) {
                push(&mut out, c);
            }
        }
    }
    out
}

/// Alternating equal / changed index runs of a slice diff.
fn runs<T: PartialEq + std::hash::Hash + Ord>(
    a: &[T],
    b: &[T],
) -> Vec<(Range<usize>, Range<usize>, bool)> {
    let mut out: Vec<(Range<usize>, Range<usize>, bool)> = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, a, b) {
        let (x, y, same) = match op {
            Op::Equal {
                old_index,
                new_index,
                len,
            } => (old_index..old_index + len, new_index..new_index + len, true),
            Op::Delete {
                old_index,
                old_len,
                new_index,
            } => (old_index..old_index + old_len, new_index..new_index, false),
            Op::Insert {
                old_index,
                new_index,
                new_len,
            } => (old_index..old_index, new_index..new_index + new_len, false),
            Op::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (
                old_index..old_index + old_len,
                new_index..new_index + new_len,
                false,
            ),
        };
        match out.last_mut() {
            Some(last) if last.2 == same => {
                last.0.end = x.end;
                last.1.end = y.end;
            }
            _ => out.push((x, y, same)),
        }
    }
    out
}

/// Character diff inside one changed morpheme run. A single shared character
/// is folded into the change (金属産業 → 製造業 is one replacement, not
/// 金属産 → 製造 before a kept 業): it is coincidence, not content.
fn refine(a: &str, ra: Range<usize>, b: &str, rb: Range<usize>) -> Vec<Chunk> {
    if ra.is_empty() || rb.is_empty() {
        return vec![Chunk::Change(ra, rb)];
    }
    let ca: Vec<(usize, char)> = a[ra.clone()].char_indices().collect();
    let cb: Vec<(usize, char)> = b[rb.clone()].char_indices().collect();
    let xa: Vec<char> = ca.iter().map(|c| c.1).collect();
    let xb: Vec<char> = cb.iter().map(|c| c.1).collect();
    let at = |v: &[(usize, char)], base: usize, end: usize, k: usize| {
        v.get(k).map_or(end, |c| base + c.0)
    };
    let runs = runs(&xa, &xb);
    let mut out = Vec::new();
    for (x, y, same) in &runs {
        let r1 = at(&ca, ra.start, ra.end, x.start)..at(&ca, ra.start, ra.end, x.end);
        let r2 = at(&cb, rb.start, rb.end, y.start)..at(&cb, rb.start, rb.end, y.end);
        if *same && x.len() >= 2 {
            push(&mut out, Chunk::Same(r1, r2));
        } else {
            push(&mut out, Chunk::Change(r1, r2));
        }
    }
    out
}

/// Appends, merging with a previous chunk of the same kind.
fn push(out: &mut Vec<Chunk>, c: Chunk) {
    match (out.last_mut(), &c) {
        (Some(Chunk::Same(x, y)), Chunk::Same(p, q))
        | (Some(Chunk::Change(x, y)), Chunk::Change(p, q))
            if x.end == p.start && y.end == q.start =>
        {
            x.end = p.end;
            y.end = q.end;
        }
        _ => out.push(c),
    }
}
