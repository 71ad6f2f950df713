//! Search results for people: grouped terminal listing, KWIC concordance, a page for the
//! browser, JSON lines, CSV.

use super::display_width as width;
use std::borrow::Cow;
use std::io::{self, Write};

use crate::search::{Facets, Hit, Results};

/// How matches are marked in terminal text.
#[derive(Clone, Copy)]
pub enum Marker {
    /// Bold yellow, for a colour terminal.
    Ansi,
    /// «…», when colour is off (pipes, NO_COLOR).
    Guillemets,
    /// <mark>…</mark>, all text HTML-escaped.
    Html,
}

impl Marker {
    fn wrap(self, s: &str) -> String {
        match self {
            Marker::Ansi => format!("\x1b[1;33m{s}\x1b[0m"),
            Marker::Guillemets => format!("«{s}»"),
            Marker::Html => format!("<mark>{}</mark>", super::escape_html(s)),
        }
    }

    /// Text outside the matches.
    fn plain(self, s: &str) -> Cow<'_, str> {
        match self {
            Marker::Html => super::escape_html(s).into(),
            _ => s.into(),
        }
    }
}

/// `text` with every highlight range wrapped by the marker.
pub fn mark(text: &str, highlights: &[std::ops::Range<usize>], marker: Marker) -> String {
    let mut out = String::with_capacity(text.len() + highlights.len() * 8);
    let mut at = 0;
    for r in highlights {
        out.push_str(&marker.plain(&text[at..r.start]));
        out.push_str(&marker.wrap(&text[r.clone()]));
        at = r.end;
    }
    out.push_str(&marker.plain(&text[at..]));
    out
}

/// Display form of a unit: wrapped lines joined (Japanese needs no separator), runs of
/// spaces kept short; highlight ranges are re-based onto the result.
fn display(hit: &Hit) -> (String, Vec<std::ops::Range<usize>>) {
    let mut out = String::with_capacity(hit.text.len());
    let mut map = Vec::with_capacity(hit.text.len() + 1);
    for (i, c) in hit.text.char_indices() {
        if c == '\n' || c == '\r' {
            continue;
        }
        for b in 0..c.len_utf8() {
            map.push((i + b, out.len() + b));
        }
        out.push(c);
    }
    let to = |o: usize| {
        map.iter()
            .find(|(orig, _)| *orig >= o)
            .map_or(out.len(), |(_, d)| *d)
    };
    let ranges = hit
        .highlights
        .iter()
        .map(|r| to(r.start)..to(r.end))
        .collect();
    (out, ranges)
}

fn provenance(hit: &Hit) -> String {
    match (&hit.branch, &hit.question) {
        (Some(b), Some(q)) => format!("{b}｜{q}"),
        (Some(b), None) => b.clone(),
        _ if !hit.section.is_empty() => hit.section.clone(),
        _ => format!("{}行目", hit.line),
    }
}

/// The hits grouped by document, documents in the order of their best hit, hits keeping
/// their rank within a document.
fn grouped(results: &Results) -> Vec<&Hit> {
    let mut order: Vec<&str> = Vec::new();
    for hit in &results.hits {
        if !order.contains(&hit.doc.as_str()) {
            order.push(&hit.doc);
        }
    }
    order
        .iter()
        .flat_map(|doc| results.hits.iter().filter(move |h| h.doc == *doc))
        .collect()
}

fn document_heading(hit: &Hit) -> String {
    format!(
        "{}  [{} {} {} | {}]",
        hit.title,
        hit.org,
        hit.year.as_deref().unwrap_or("年不明"),
        hit.kind,
        hit.doc
    )
}

fn summary_lines(results: &Results) -> Vec<String> {
    let mut lines: Vec<String> = results
        .expansions
        .iter()
        .map(|(word, syns)| format!("同義語展開: {word} → {}", syns.join(" / ")))
        .collect();
    lines.push(format!(
        "{} 件ヒット（{} 件表示）",
        results.total,
        results.hits.len()
    ));
    lines
}

pub fn write_terminal(out: &mut impl Write, results: &Results, marker: Marker) -> io::Result<()> {
    for line in summary_lines(results) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    let mut current_doc: Option<&str> = None;
    for hit in grouped(results) {
        if current_doc != Some(hit.doc.as_str()) {
            current_doc = Some(&hit.doc);
            writeln!(out, "■ {}", document_heading(hit))?;
        }
        let (text, ranges) = display(hit);
        writeln!(
            out,
            "  ・{}  (score {:.2}, {}行目)",
            provenance(hit),
            hit.score,
            hit.line
        )?;
        writeln!(out, "    {}", mark(&text, &ranges, marker))?;
    }
    if let Some(f) = &results.facets {
        writeln!(out, "\n集計（全ヒット）")?;
        for (label, items) in facet_rows(f) {
            writeln!(out, "  {label}: {items}")?;
        }
    }
    Ok(())
}

const STYLE: &str = "body{font-family:sans-serif;margin:1em;max-width:70em}\
h2{font-size:1.05em;border-bottom:1px solid #bbb;margin-top:1.5em}\
.hit{margin:.5em 0 .9em}.src{color:#555;font-size:.88em}mark{background:#ffe066}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}";

/// A self-contained page (no script, no network) to open in a browser or pass on: the query,
/// the hits grouped by document with the matches marked, then the facets.
pub fn write_html(out: &mut impl Write, results: &Results, query: &str) -> io::Result<()> {
    let html = super::escape_html;
    super::html_start(out, &format!("検索結果：{query}"), STYLE)?;
    writeln!(out, "<h1>検索結果：{}</h1>", html(query))?;
    for line in summary_lines(results) {
        writeln!(out, "<p>{}</p>", html(&line))?;
    }
    let mut current_doc: Option<&str> = None;
    for hit in grouped(results) {
        if current_doc != Some(hit.doc.as_str()) {
            current_doc = Some(&hit.doc);
            writeln!(out, "<h2>{}</h2>", html(&document_heading(hit)))?;
        }
        let (text, ranges) = display(hit);
        writeln!(
            out,
            "<div class=\"hit\"><div class=\"src\">{}（{}行目、score {:.2}）</div><div>{}</div></div>",
            html(&provenance(hit)),
            hit.line,
            hit.score,
            mark(&text, &ranges, Marker::Html)
        )?;
    }
    if let Some(f) = &results.facets {
        writeln!(out, "<h2>集計（全ヒット）</h2><table>")?;
        for (label, items) in facet_rows(f) {
            writeln!(out, "<tr><th>{label}</th><td>{}</td></tr>", html(&items))?;
        }
        writeln!(out, "</table>")?;
    }
    writeln!(out, "</body></html>")
}

/// Per facet with counts: its label and its values, most hits first.
fn facet_rows(f: &Facets) -> Vec<(&'static str, String)> {
    [
        ("組織", &f.org),
        ("年度", &f.year),
        ("種別", &f.kind),
        ("県本部", &f.prefecture),
    ]
    .into_iter()
    .filter(|(_, counts)| !counts.is_empty())
    .map(|(label, counts)| {
        let mut items: Vec<_> = counts.iter().collect();
        items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let items: Vec<String> = items.iter().map(|(k, v)| format!("{k} {v}")).collect();
        (label, items.join("、"))
    })
    .collect()
}

/// The last `cols` display columns of `s`, left-padded to exactly `cols`.
fn left_context(s: &str, cols: usize) -> String {
    let mut taken = Vec::new();
    let mut w = 0;
    for c in s.chars().rev() {
        let cw = width(c.encode_utf8(&mut [0; 4]));
        if w + cw > cols {
            break;
        }
        w += cw;
        taken.push(c);
    }
    let body: String = taken.into_iter().rev().collect();
    format!("{}{body}", " ".repeat(cols - w))
}

fn right_context(s: &str, cols: usize) -> String {
    let mut w = 0;
    s.chars()
        .take_while(|c| {
            w += width(c.encode_utf8(&mut [0; 4]));
            w <= cols
        })
        .collect()
}

/// One line per occurrence: left context | match | right context, with the source.
pub fn write_kwic(out: &mut impl Write, results: &Results, marker: Marker) -> io::Result<()> {
    const CONTEXT: usize = 30;
    for hit in &results.hits {
        let (text, ranges) = display(hit);
        for r in &ranges {
            writeln!(
                out,
                "{} | {} | {}\t{} {}",
                left_context(&text[..r.start], CONTEXT),
                marker.wrap(&text[r.clone()]),
                right_context(&text[r.end..], CONTEXT),
                hit.doc,
                provenance(hit)
            )?;
        }
    }
    Ok(())
}

pub fn write_json(out: &mut impl Write, results: &Results) -> io::Result<()> {
    for hit in &results.hits {
        serde_json::to_writer(&mut *out, hit)?;
        writeln!(out)?;
    }
    Ok(())
}

pub fn write_csv(out: &mut impl Write, results: &Results) -> io::Result<()> {
    let mut w = super::excel::CsvWriter::new(out)?;
    w.write_record([
        "文書",
        "題名",
        "組織",
        "年度",
        "種別",
        "節",
        "県本部",
        "単組",
        "設問",
        "行",
        "スコア",
        "本文",
        "一致箇所",
    ])?;
    for hit in &results.hits {
        let (text, ranges) = display(hit);
        let matches: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        w.write_record([
            hit.doc.as_str(),
            &hit.title,
            &hit.org,
            hit.year.as_deref().unwrap_or(""),
            &hit.kind,
            &hit.section,
            hit.prefecture.as_deref().unwrap_or(""),
            hit.local.as_deref().unwrap_or(""),
            hit.question.as_deref().unwrap_or(""),
            &hit.line.to_string(),
            &format!("{:.3}", hit.score),
            &text,
            &matches.join(" / "),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kwic_contexts_align_by_display_width() {
        assert_eq!(width("未加入者abc"), 11);
        assert_eq!(left_context("あいうえお", 4), "えお");
        assert_eq!(left_context("ab", 4), "  ab");
        assert_eq!(right_context("あいうえお", 5), "あい");
    }

    #[test]
    fn marks_ranges() {
        assert_eq!(
            mark(
                "自治労連と自治労",
                std::slice::from_ref(&(15..24)),
                Marker::Guillemets
            ),
            "自治労連と«自治労»"
        );
        assert_eq!(
            mark(
                "<b>自治労</b>",
                std::slice::from_ref(&(3..12)),
                Marker::Html
            ),
            "&lt;b&gt;<mark>自治労</mark>&lt;/b&gt;"
        );
    }
}
