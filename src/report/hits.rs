//! Search results for people: grouped terminal listing, KWIC concordance, a page for the
//! browser, JSON lines, CSV.

use super::display_width as width;
use std::borrow::Cow;
use std::io::{self, Write};

use super::sheet::{Cell, Sheet};
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
pub fn display(hit: &Hit) -> (String, Vec<std::ops::Range<usize>>) {
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

pub fn provenance(hit: &Hit) -> String {
    match (&hit.branch, &hit.question) {
        (Some(b), Some(q)) => format!("{b}｜{q}"),
        (Some(b), None) => b.clone(),
        _ if !hit.section.is_empty() => hit.section.clone(),
        _ => format!("{}行目", hit.line),
    }
}

/// Hits with the heading of their document where a new document starts: hits come best
/// document first (or, with `--by unit`, best passage first), so runs of one record share it.
fn with_headings(results: &Results) -> impl Iterator<Item = (Option<String>, &Hit)> {
    let mut current: Option<&str> = None;
    results.hits.iter().map(move |hit| {
        let heading = (current != Some(hit.record.as_str())).then(|| document_heading(hit));
        current = Some(&hit.record);
        (heading, hit)
    })
}

/// A document's title, or for a survey respondent the survey's and the respondent's branch.
pub fn document_heading(hit: &Hit) -> String {
    let title = match (&hit.branch, hit.record != hit.doc) {
        (Some(branch), true) => format!("{} — {branch}", hit.title),
        _ => hit.title.clone(),
    };
    format!(
        "{}  [{} {} {} | {}]",
        title,
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
        "{} 件ヒット・{} 文書（{} 件表示）",
        results.total,
        results.documents,
        results.hits.len()
    ));
    lines
}

/// Why a hit ranks where it does, on one line.
fn explanation(hit: &Hit) -> String {
    let d = &hit.document;
    let words: Vec<String> = hit
        .matches
        .iter()
        .map(|m| format!("{} {} {:.2}", m.word, m.kind.label(), m.score))
        .collect();
    format!(
        "文書 {:.3}（BM25 {:.3}・最良の一節 {:.3}・網羅 {:.0}%）｜一節 {:.2}｜{}",
        d.score,
        d.bm25,
        d.best_passage,
        d.coverage * 100.0,
        hit.score,
        words.join("、")
    )
}

pub fn write_terminal(
    out: &mut impl Write,
    results: &Results,
    marker: Marker,
    explain: bool,
) -> io::Result<()> {
    for line in summary_lines(results) {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    for (heading, hit) in with_headings(results) {
        if let Some(heading) = heading {
            writeln!(out, "■ {heading}")?;
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
        if explain {
            writeln!(out, "    ↳ {}", explanation(hit))?;
        }
    }
    if let Some(f) = &results.facets {
        writeln!(out, "\n集計（全ヒット）")?;
        for (label, items) in facet_rows(f) {
            writeln!(out, "  {label}: {items}")?;
        }
    }
    Ok(())
}

const STYLE: &str = "body{margin:1em;max-width:70em}\
h2{font-size:1.05em;border-bottom:1px solid #bbb;margin-top:1.5em}\
.hit{margin:.5em 0 .9em}.src{color:#555;font-size:.88em}mark{background:#ffe066}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}\
.kwic td.l{text-align:right}";

/// A self-contained page (no script, no network) to open in a browser or pass on: the query,
/// the hits grouped by document with the matches marked, then the facets.
pub fn write_html(
    out: &mut impl Write,
    results: &Results,
    query: &str,
    kwic: bool,
) -> io::Result<()> {
    let html = super::escape_html;
    super::html_start(out, &format!("検索結果：{query}"), STYLE)?;
    writeln!(out, "<h1>検索結果：{}</h1>", html(query))?;
    for line in summary_lines(results) {
        writeln!(out, "<p>{}</p>", html(&line))?;
    }
    if kwic {
        writeln!(
            out,
            "<h2>コンコーダンス</h2><table class=\"kwic\"><tr><th>左文脈</th><th>一致</th><th>右文脈</th><th>出典</th></tr>"
        )?;
        for line in concordance(results) {
            writeln!(
                out,
                "<tr><td class=\"l\">{}</td><td><mark>{}</mark></td><td>{}</td><td>{} {}</td></tr>",
                html(&line.left),
                html(&line.hit_text),
                html(&line.right),
                html(&line.hit.doc),
                html(&provenance(line.hit))
            )?;
        }
        writeln!(out, "</table>")?;
    }
    for (heading, hit) in with_headings(results) {
        if let Some(heading) = heading {
            writeln!(out, "<h2>{}</h2>", html(&heading))?;
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
    facet_counts(f)
        .into_iter()
        .map(|(label, items)| {
            let items: Vec<String> = items.iter().map(|(k, v)| format!("{k} {v}")).collect();
            (label, items.join("、"))
        })
        .collect()
}

/// Per facet with counts: its label and its (value, count) pairs, most hits first.
pub fn facet_counts(f: &Facets) -> Vec<(&'static str, Vec<(&String, &usize)>)> {
    [
        ("組織", &f.org),
        ("年度", &f.year),
        ("種別", &f.kind),
        ("県本部", &f.prefecture),
        ("単組", &f.local),
        ("設問", &f.question),
    ]
    .into_iter()
    .filter(|(_, counts)| !counts.is_empty())
    .map(|(label, counts)| {
        let mut items: Vec<_> = counts.iter().collect();
        items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        (label, items)
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

/// One occurrence of a match with its contexts, as KH Coder's コンコーダンス shows it.
pub struct KwicLine<'a> {
    pub hit: &'a Hit,
    /// The context before the match, padded to a fixed display width.
    pub left: String,
    pub hit_text: String,
    pub right: String,
}

const KWIC_CONTEXT: usize = 30;

pub fn concordance(results: &Results) -> Vec<KwicLine<'_>> {
    let mut lines = Vec::new();
    for hit in &results.hits {
        let (text, ranges) = display(hit);
        for r in &ranges {
            lines.push(KwicLine {
                hit,
                left: left_context(&text[..r.start], KWIC_CONTEXT),
                hit_text: text[r.clone()].to_string(),
                right: right_context(&text[r.end..], KWIC_CONTEXT),
            });
        }
    }
    lines
}

/// One line per occurrence: left context | match | right context, with the source.
pub fn write_kwic(out: &mut impl Write, results: &Results, marker: Marker) -> io::Result<()> {
    for line in concordance(results) {
        writeln!(
            out,
            "{} | {} | {}\t{} {}",
            line.left,
            marker.wrap(&line.hit_text),
            line.right,
            line.hit.doc,
            provenance(line.hit)
        )?;
    }
    Ok(())
}

/// The concordance, one occurrence a row: Excel sorts it by left or right context (the left
/// context is also given reversed, so sorting it sorts by the words nearest the match, as KH
/// Coder's 左 sort does).
pub fn kwic_sheet(results: &Results) -> Sheet {
    let mut sheet = Sheet::new(
        "コンコーダンス",
        [
            "左文脈",
            "一致",
            "右文脈",
            "左文脈（逆順）",
            "文書",
            "出典",
            "行",
            "id",
        ],
    );
    for line in concordance(results) {
        let left = line.left.trim_start();
        let reversed: String = left.chars().rev().collect();
        sheet.row(vec![
            left.into(),
            line.hit_text.as_str().into(),
            line.right.as_str().into(),
            reversed.into(),
            line.hit.doc.as_str().into(),
            provenance(line.hit).into(),
            line.hit.line.into(),
            line.hit.id.as_str().into(),
        ]);
    }
    sheet
}

pub fn write_kwic_csv(out: &mut impl Write, results: &Results) -> io::Result<()> {
    kwic_sheet(results).write_csv(out)
}

/// One JSON object: total, documents, expansions, the hits and the facets if asked for.
pub fn write_json(out: &mut impl Write, results: &Results) -> io::Result<()> {
    serde_json::to_writer(&mut *out, results)?;
    writeln!(out)
}

/// One row per hit, best first: where it is, its scores, how it matched and its text.
pub fn hits_sheet(results: &Results) -> Sheet {
    let mut sheet = Sheet::new(
        "検索結果",
        [
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
            "文書スコア",
            "一致の種類",
            "本文",
            "一致箇所",
            "id",
        ],
    );
    for hit in &results.hits {
        let (text, ranges) = display(hit);
        let matches: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        let kinds: Vec<String> = hit
            .matches
            .iter()
            .map(|m| format!("{}:{}", m.word, m.kind.label()))
            .collect();
        sheet.row(vec![
            hit.doc.as_str().into(),
            hit.title.as_str().into(),
            hit.org.as_str().into(),
            hit.year.as_deref().into(),
            hit.kind.as_str().into(),
            hit.section.as_str().into(),
            hit.prefecture.as_deref().into(),
            hit.local.as_deref().into(),
            hit.question.as_deref().into(),
            hit.line.into(),
            Cell::num(f64::from(hit.score), 3),
            Cell::num(f64::from(hit.document.score), 3),
            kinds.join(" / ").into(),
            text.as_str().into(),
            matches.join(" / ").into(),
            hit.id.as_str().into(),
        ]);
    }
    sheet
}

pub fn write_csv(out: &mut impl Write, results: &Results) -> io::Result<()> {
    hits_sheet(results).write_csv(out)
}

/// Hit counts per facet value over all hits, most first within each facet.
pub fn facets_sheet(f: &Facets) -> Sheet {
    let mut sheet = Sheet::new("集計", ["項目", "値", "件数"]);
    for (label, counts) in facet_counts(f) {
        for (value, n) in counts {
            sheet.row(vec![label.into(), value.as_str().into(), (*n).into()]);
        }
    }
    sheet
}

/// The hits as a workbook: the hits, the concordance with `--kwic`, the facets with
/// `--facets`.
pub fn sheets(results: &Results, kwic: bool) -> Vec<Sheet> {
    let mut sheets = vec![hits_sheet(results)];
    if kwic {
        sheets.push(kwic_sheet(results));
    }
    if let Some(f) = &results.facets {
        sheets.push(facets_sheet(f));
    }
    sheets
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
