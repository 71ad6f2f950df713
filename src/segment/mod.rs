//! Segment: documents into units — sentences of prose under their heading path, and one
//! unit per (respondent, question) survey answer carrying its branch and attributes.
#![warn(missing_docs)]

pub mod prose;
pub mod survey;

use std::ops::Range;

use serde::Serialize;

use crate::form::SurveyForm;
use crate::ingest::{Document, Layout, table::Table};
use crate::normalize::{self, Normalized};
use crate::warning::{LayoutDoubt, Warning, Warnings};

/// What a unit is, which decides how it is ranked and grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    /// A sentence (or list item, or clause-like heading) of a prose document.
    Sentence,
    /// A survey answer: one respondent's text for one question (a form's or a table cell's).
    Answer,
}

/// The smallest searchable piece of a document: the contract between segment, analyze and index.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    /// Id of the document it comes from.
    pub doc: String,
    /// Position within the document, from 0.
    pub seq: usize,
    /// Sentence of prose, or answer of a survey.
    pub kind: UnitKind,
    /// Heading path, outermost first (prose only).
    pub section: Vec<String>,
    /// Paragraph index (prose) or survey record number (answers).
    pub paragraph: usize,
    /// 1-based line of the unit's start in the file (row for tables).
    pub line: usize,
    /// 県本部 (prefecture headquarters) of a survey answer, canonical (岩手・岩手県本部 → 岩手県,
    /// see [`crate::ingest::branch`]): the key for grouping, filters and statistics.
    pub prefecture: Option<String>,
    /// 単組 (local union) of a survey answer, canonical (the manifest's aliases applied).
    pub local: Option<String>,
    /// The 県本部 as written, for display, when it differs from [`Unit::prefecture`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefecture_as_written: Option<String>,
    /// The 単組 as written, when it differs from [`Unit::local`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_as_written: Option<String>,
    /// The question a survey answer answers.
    pub question: Option<String>,
    /// Survey attributes (numeric fields) as written, e.g. ("組織率（％）", "27.20% / 63.70%").
    pub attrs: Vec<(String, String)>,
    /// The original text, for display.
    pub text: String,
    /// Byte range of `text` in the source (the document text, or the table cell).
    pub span: Range<usize>,
    /// The matching view: offsets map into the same source as `span`.
    #[serde(skip)]
    pub norm: Normalized,
}

impl Unit {
    /// Maps a byte range of `norm.text` to a byte range of `text`, for highlighting.
    pub fn display_range(&self, norm: Range<usize>) -> Range<usize> {
        let r = self.norm.original_range(norm);
        r.start.saturating_sub(self.span.start)..r.end.saturating_sub(self.span.start)
    }
}

/// Splits a document into units; problems become warnings naming the file and line.
pub fn segment(doc: &Document, warnings: &Warnings) -> Vec<Unit> {
    let mut units = match &doc.layout {
        Layout::Prose => segment_prose(doc, warnings),
        Layout::Form(_) => segment_form(doc, warnings),
        Layout::UnknownForm(name) => {
            // Not read as prose: a form carries respondents' names that must not be indexed.
            warnings.push(Warning::new(
                &doc.path,
                None,
                format!("skipped: unknown survey form {name:?} (known: jichiro)"),
            ));
            Vec::new()
        }
        Layout::Table(table) => segment_table(doc, table),
    };
    units.retain(|u| !u.norm.text.is_empty());
    if units.iter().any(|u| u.norm.text.len() > MAX_UNIT_BYTES) {
        units = units.into_iter().flat_map(split_long).collect();
    }
    for (seq, unit) in units.iter_mut().enumerate() {
        unit.seq = seq;
    }
    units
}

/// The longest unit, in bytes of its matching text (~2,000 Japanese characters). The longest
/// real one in the bundled corpus is a survey answer of ~1,650 characters; a text with no
/// sentence end (a million short lines, a log pasted into a file) would otherwise be one
/// unit of megabytes that every hit on it prints and highlights (5–8 s per search).
pub const MAX_UNIT_BYTES: usize = 6_000;

/// Cuts a unit longer than [`MAX_UNIT_BYTES`] into pieces of at most that size, each after
/// the last 、 or space in its second half where there is one (else mid-word), with the line
/// it starts on.
fn split_long(mut unit: Unit) -> Vec<Unit> {
    if unit.norm.text.len() <= MAX_UNIT_BYTES {
        return vec![unit];
    }
    // The pieces share everything but their text: clone a template without it.
    let (original, whole) = (
        std::mem::take(&mut unit.text),
        std::mem::take(&mut unit.norm),
    );
    let text = &whole.text;
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + MAX_UNIT_BYTES).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if end < text.len() {
            let half = start + MAX_UNIT_BYTES / 2;
            if let Some(cut) = text[start..end]
                .rfind(['、', ' ', ','])
                .map(|i| start + i)
                .filter(|&i| i >= half)
            {
                end = cut + text[cut..].chars().next().map_or(1, char::len_utf8);
            }
        }
        pieces.push(start..end);
        start = end;
    }
    // Lines counted incrementally: a megabyte unit has hundreds of pieces.
    let (mut counted, mut line) = (0, unit.line);
    pieces
        .into_iter()
        .map(|r| {
            let norm = whole.slice(r);
            let span = norm.original_range(0..norm.text.len());
            let local = span
                .start
                .saturating_sub(unit.span.start)
                .min(original.len())
                ..span.end.saturating_sub(unit.span.start).min(original.len());
            line += original[counted.min(local.start)..local.start]
                .matches('\n')
                .count();
            counted = counted.max(local.start);
            Unit {
                line,
                text: original[local].to_string(),
                span,
                norm,
                ..unit.clone()
            }
        })
        .collect()
}

fn blank_unit(doc: &Document, kind: UnitKind) -> Unit {
    Unit {
        doc: doc.id.clone(),
        seq: 0,
        kind,
        section: Vec::new(),
        paragraph: 0,
        line: 0,
        prefecture: None,
        local: None,
        prefecture_as_written: None,
        local_as_written: None,
        question: None,
        attrs: Vec::new(),
        text: String::new(),
        span: 0..0,
        norm: Normalized::default(),
    }
}

fn segment_prose(doc: &Document, warnings: &Warnings) -> Vec<Unit> {
    let repaired = normalize::repair(&doc.text);
    if repaired.replacement_chars > 0 {
        warnings.push(Warning::new(
            &doc.path,
            None,
            format!(
                "{} U+FFFD replacement character(s) (broken glyphs) dropped for matching",
                repaired.replacement_chars
            ),
        ));
    }
    prose::segment(&repaired)
        .into_iter()
        .map(|p| {
            let span = p.norm.original_range(0..p.norm.text.len());
            Unit {
                section: p.section,
                paragraph: p.paragraph,
                line: p.line,
                text: doc.text[span.clone()].to_string(),
                span,
                norm: p.norm,
                ..blank_unit(doc, UnitKind::Sentence)
            }
        })
        .collect()
}

/// Parses a printed-form survey document; None for other layouts or unknown forms.
pub fn parse_form(
    doc: &Document,
    warnings: &Warnings,
) -> Option<(&'static SurveyForm, survey::ParsedSurvey)> {
    let Layout::Form(id) = doc.layout else {
        return None;
    };
    let form = id.form();
    let parsed = survey::parse(form, &doc.text);
    for w in &parsed.warnings {
        let branch = w
            .record
            .and_then(|n| parsed.records.get(n - 1))
            .map(|r| match r.union.as_str() {
                "" => r.prefecture.clone(),
                union => format!("{} / {union}", r.prefecture),
            })
            .unwrap_or_default();
        let doubt = LayoutDoubt {
            branch,
            questions: w.questions.clone(),
        };
        warnings.push(Warning::layout(&doc.path, w.line, w.message.clone(), doubt));
    }
    Some((form, parsed))
}

fn segment_form(doc: &Document, warnings: &Warnings) -> Vec<Unit> {
    let Some((_, parsed)) = parse_form(doc, warnings) else {
        return Vec::new();
    };
    let mut units = Vec::new();
    for record in &parsed.records {
        let attrs: Vec<(String, String)> = record
            .fields
            .iter()
            .filter(|f| !f.values.is_empty())
            .map(|f| (f.label.clone(), f.values.join(" / ")))
            .collect();
        for answer in &record.answers {
            let (norm, _) = normalize::normalize(&doc.text, answer.span.clone());
            let span = norm.original_range(0..norm.text.len());
            units.push(Unit {
                paragraph: record.number,
                line: answer.lines.start,
                question: Some(answer.question.clone()),
                attrs: attrs.clone(),
                text: doc.text[span.clone()].to_string(),
                span,
                norm,
                ..branch_unit(doc, Some(&record.prefecture), Some(&record.union))
            });
        }
    }
    units
}

/// A blank answer unit of the branch (県本部, 単組) as written, with its canonical names.
fn branch_unit(doc: &Document, prefecture: Option<&str>, local: Option<&str>) -> Unit {
    let names = &doc.branches;
    let canonical = |written: Option<&str>, fold: &dyn Fn(&str) -> String| {
        let written = written?.trim();
        let key = fold(written);
        let as_written = (key != written).then(|| written.to_string());
        Some((key, as_written))
    };
    let (prefecture, prefecture_as_written) =
        canonical(prefecture, &|w| names.prefecture(w)).unzip();
    let (local, local_as_written) = canonical(local, &|w| names.local(w)).unzip();
    Unit {
        prefecture,
        local,
        prefecture_as_written: prefecture_as_written.flatten(),
        local_as_written: local_as_written.flatten(),
        ..blank_unit(doc, UnitKind::Answer)
    }
}

fn segment_table(doc: &Document, table: &Table) -> Vec<Unit> {
    let spec = &table.spec;
    let cell = |row: &crate::ingest::table::Row, name: &str| {
        table
            .column(name)
            .and_then(|i| row.cells.get(i))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let mut units = Vec::new();
    for (number, row) in table.rows.iter().enumerate() {
        let attrs: Vec<(String, String)> = spec
            .attributes
            .iter()
            .filter_map(|a| Some((a.clone(), cell(row, a)?)))
            .collect();
        let branch = |i: usize| spec.branch.get(i).and_then(|b| cell(row, b));
        for question in &spec.questions {
            let Some(text) = table
                .column(question)
                .and_then(|i| row.cells.get(i))
                .filter(|s| !s.trim().is_empty())
            else {
                continue;
            };
            let (norm, _) = normalize::normalize(text, 0..text.len());
            let span = norm.original_range(0..norm.text.len());
            units.push(Unit {
                paragraph: number + 1,
                line: row.line,
                question: Some(question.clone()),
                attrs: attrs.clone(),
                text: text[span.clone()].to_string(),
                span,
                norm,
                ..branch_unit(doc, branch(0).as_deref(), branch(1).as_deref())
            });
        }
    }
    units
}
