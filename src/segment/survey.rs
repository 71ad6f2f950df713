//! Printed survey forms extracted to text: one record per responding union, its numeric header
//! fields and its free-text answers.
//!
//! Extraction does not keep answers next to their labels: most come in blocks of cells whose
//! order stands for the questions, and an empty answer leaves no cell at all. Everything known
//! about the form (labels, pull-down constants, the printed order of blocks and slots, cue words
//! for reading cells that do not line up) is data in `survey_form.toml`, so the same form filled
//! in by other unions parses unchanged, and a line that fits none of it is reported, not guessed.

use std::ops::Range;

use serde::Serialize;

use crate::form::{FieldSpec, Step, SurveyForm, match_label};

/// One record: a union's filled-in form.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyRecord {
    /// 1-based record number in the file.
    pub number: usize,
    /// 1-based line of the record header.
    pub line: usize,
    /// 県本部 as written: "岩手", "広島県本部".
    pub prefecture: String,
    /// 単組 as written; empty when the record has no 単組 line (a warning says so).
    pub union: String,
    /// Personal data: kept for the caller's own checks, never serialized.
    #[serde(skip)]
    pub respondent: Option<String>,
    /// The rival union's federation, when one is entered next to the form's own.
    pub federation: Option<String>,
    /// The header fields filled in (counts, rates, the year line), in the order written.
    pub fields: Vec<SurveyField>,
    /// Its free-text answers, in line order.
    pub answers: Vec<SurveyAnswer>,
}

/// A numeric header field, values copied as written (they are not always numbers, nor consistent).
#[derive(Debug, Clone, Serialize)]
pub struct SurveyField {
    /// Full printed label: "未加入者数" and "未加入者数（人）" are different fields.
    pub label: String,
    /// `[0]` is 自治労's value, `[1]` the competing union's when present.
    pub values: Vec<String>,
    /// Side notes written after the values: "（概算）", "※入庁式出席者", "正規職員174名".
    pub annotation: Option<String>,
    /// "2023年11月時点"; `None` when the template "年　月時点" was left unfilled.
    pub as_of: Option<String>,
    /// 1-based line.
    pub line: usize,
}

/// A free-text answer, located in the text rather than copied, so callers can cite it.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyAnswer {
    /// Canonical label, one of [`SurveyForm::questions`].
    pub question: String,
    /// Byte range into the parsed text: the answer without its label or final newline. It may
    /// span blank lines of a wrapped cell and start with indentation, which the caller trims.
    pub span: Range<usize>,
    /// 1-based line numbers, first..last+1.
    pub lines: Range<usize>,
    /// How the answer was tied to its question, i.e. how far to trust it.
    pub placement: Placement,
}

/// How an answer was tied to its question, i.e. how far to trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Placement {
    /// On the label's line, after one space.
    Inline,
    /// Below a label that is printed alone.
    Below,
    /// By position in a block with one cell per slot.
    Slot,
    /// By reading the text of a block whose cells do not line up with its slots.
    Content,
}

/// Something the form does not explain, or an answer placed on weaker evidence than position.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyWarning {
    /// 1-based line the warning is about.
    pub line: usize,
    /// What the form does not explain or what was doubtful, naming the lines concerned.
    pub message: String,
    /// 1-based number of the record it lies in; None for text outside any record.
    pub record: Option<usize>,
    /// Short labels of the questions whose answers it concerns.
    pub questions: Vec<String>,
}

/// Records in file order; warnings in line order.
#[derive(Debug, Clone, Serialize)]
pub struct ParsedSurvey {
    /// Every record, in file order.
    pub records: Vec<SurveyRecord>,
    /// Problems and doubts found while parsing, in line order.
    pub warnings: Vec<SurveyWarning>,
}

impl SurveyForm {
    /// A question's label up to its parenthesised explanation, short enough for messages.
    fn short(&self, q: usize) -> &str {
        let label = &self.questions[q];
        label.split('（').next().unwrap_or(label)
    }

    fn step_name(&self, step: Step) -> String {
        match step {
            Step::Question(q) => self.short(q).to_string(),
            Step::Boiler(b) => self.spec.boilerplate[b].name.clone(),
            Step::Block(b) => format!("{}-block", self.blocks[b].name),
        }
    }

    /// The label or boilerplate line starting at line `i`, if any, and how many lines it takes.
    fn mark_at(&self, lines: &[Line], i: usize, end: usize, text: &str) -> Option<Marked> {
        let line = lines[i].text(text);
        if let Some(b) = self
            .spec
            .boilerplate
            .iter()
            .position(|b| line.trim() == b.line.trim())
        {
            return Some(Marked {
                mark: Mark::Boiler(b),
                len: 1,
                note: None,
            });
        }
        for (q, spec) in self.spec.questions.iter().enumerate() {
            let parts = &spec.label;
            if parts.len() > 1
                && let Some(inline) = match_label(line, &self.questions[q])
            {
                return Some(Marked::label(q, inline.map(|o| lines[i].start + o), 1));
            }
            let Some(inline) = match_label(line, &parts[0]) else {
                continue;
            };
            if parts.len() == 1 {
                return Some(Marked::label(q, inline.map(|o| lines[i].start + o), 1));
            }
            if inline.is_some() {
                continue;
            }
            let mut k = 1;
            let mut inline = None;
            while k < parts.len() && i + k < end {
                match match_label(lines[i + k].text(text), &parts[k]) {
                    Some(None) => {}
                    Some(Some(o)) if k + 1 == parts.len() => inline = Some(lines[i + k].start + o),
                    _ => break,
                }
                k += 1;
            }
            let mut marked = Marked::label(q, inline, k);
            if k < parts.len() {
                marked.note = Some(format!(
                    "label {} is cut short after {k} of its {} lines",
                    self.short(q),
                    parts.len()
                ));
            }
            return Some(marked);
        }
        None
    }

    /// Cue words of question `q` found in `text`, each counted once.
    fn cue_hits(&self, q: usize, text: &str) -> i64 {
        self.spec.questions[q]
            .cues
            .iter()
            .filter(|c| text.contains(c.as_str()))
            .count() as i64
    }

    fn ends_sentence(&self, line: &str) -> bool {
        line.trim_end()
            .chars()
            .last()
            .is_some_and(|c| self.spec.layout.sentence_ends.contains(c))
    }

    fn opens_paragraph(&self, line: &str) -> bool {
        line.starts_with(char::is_whitespace)
            || line
                .chars()
                .next()
                .is_some_and(|c| self.spec.layout.bullets.contains(c))
    }

    /// A line this much narrower than the widest line of its cell was not cut by wrapping.
    fn slack(&self) -> usize {
        2 * self.spec.layout.wrap_slack
    }
}

/// `rest` after `label` and one space, or "" when the line is the label alone.
fn strip_label<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    let line = line.trim();
    let rest = line.strip_prefix(label)?;
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix(' ')
    }
}

/// Display width in half-width units: wrapping follows the printed width, and ASCII is narrow.
fn width(line: &str) -> usize {
    line.trim_end()
        .chars()
        .map(|c| {
            if c.is_ascii() || ('\u{ff61}'..='\u{ff9f}').contains(&c) {
                1
            } else {
                2
            }
        })
        .sum()
}

fn has_digit(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

fn starts_with_digit(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

fn line_range(first: usize, last: usize) -> String {
    if first == last {
        format!("L{}", first + 1)
    } else {
        format!("L{}–{}", first + 1, last + 1)
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing.

#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

impl Line {
    fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }
}

fn split_lines(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for piece in text.split_inclusive('\n') {
        let body = piece.strip_suffix('\n').unwrap_or(piece);
        let body = body.strip_suffix('\r').unwrap_or(body);
        lines.push(Line {
            start,
            end: start + body.len(),
        });
        start += piece.len();
    }
    lines
}

#[derive(Debug, Clone, Copy)]
enum Mark {
    /// Question `q`; the byte where an answer on the label's last line starts.
    Label(usize, Option<usize>),
    Boiler(usize),
}

struct Marked {
    mark: Mark,
    len: usize,
    note: Option<String>,
}

impl Marked {
    fn label(q: usize, inline: Option<usize>, len: usize) -> Self {
        Marked {
            mark: Mark::Label(q, inline),
            len,
            note: None,
        }
    }
}

/// Line indices are 0-based and inclusive in the parser; output converts them.
#[derive(Debug, Clone, Copy)]
struct Pending {
    q: usize,
    first: usize,
    last: usize,
    start: usize,
    placement: Placement,
}

/// The cells printed after one block-opening boilerplate line.
struct Occurrence {
    block: usize,
    chunks: Vec<(usize, usize)>,
}

enum Context {
    /// After a label; `inline` is the index of its inline answer, `below` of the text under it.
    Label {
        q: usize,
        last: usize,
        inline: Option<usize>,
        below: Option<usize>,
    },
    Block(usize),
    Other(usize),
}

/// State of the walk through one record's lines.
#[derive(Default)]
struct Scan {
    pending: Vec<Pending>,
    belows: Vec<Pending>,
    occurrences: Vec<Occurrence>,
    /// Labels, boilerplate and non-empty blocks in printed order.
    seq: Vec<Step>,
    /// What the last label or boilerplate line opened; `None` while in the header fields.
    context: Option<Context>,
    /// Text lines read since the last blank line or mark.
    chunk: Option<(usize, usize)>,
}

impl Scan {
    fn mark(&mut self, form: &SurveyForm, mark: Mark, i: usize, last: usize) {
        match mark {
            Mark::Label(q, inline) => {
                self.seq.push(Step::Question(q));
                let inline = inline.map(|start| {
                    self.pending.push(Pending {
                        q,
                        first: last,
                        last,
                        start,
                        placement: Placement::Inline,
                    });
                    self.pending.len() - 1
                });
                self.context = Some(Context::Label {
                    q,
                    last,
                    inline,
                    below: None,
                });
            }
            Mark::Boiler(b) => {
                self.seq.push(Step::Boiler(b));
                self.context = Some(match form.blocks.iter().position(|k| k.opener == b) {
                    Some(block) => {
                        self.occurrences.push(Occurrence {
                            block,
                            chunks: Vec::new(),
                        });
                        Context::Block(self.occurrences.len() - 1)
                    }
                    None => Context::Other(i),
                });
            }
        }
    }
}

struct RecordParser<'a> {
    form: &'a SurveyForm,
    text: &'a str,
    lines: &'a [Line],
    tag: String,
    /// The record's 1-based number.
    number: usize,
    warnings: &'a mut Vec<SurveyWarning>,
}

/// Reads every record of `form` in `text`. Never fails: what fits no rule of the form (stray
/// text, a missing 単組, cells that do not line up with their slots) becomes a warning.
pub fn parse(form: &SurveyForm, text: &str) -> ParsedSurvey {
    let lines = split_lines(text);
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| form.header.is_match(lines[i].text(text)))
        .collect();
    let mut warnings = Vec::new();
    let before = starts.first().copied().unwrap_or(lines.len());
    let stray: Vec<usize> = (0..before)
        .filter(|&i| !lines[i].text(text).trim().is_empty())
        .collect();
    if let (Some(&first), Some(&last)) = (stray.first(), stray.last()) {
        warnings.push(SurveyWarning {
            line: first + 1,
            message: format!(
                "{} lies outside any record: no {} record header before it",
                line_range(first, last),
                form.name()
            ),
            record: None,
            questions: Vec::new(),
        });
    }
    if starts.is_empty() && stray.is_empty() {
        warnings.push(SurveyWarning {
            line: 1,
            message: format!("no {} record header found", form.name()),
            record: None,
            questions: Vec::new(),
        });
    }
    let mut records = Vec::new();
    for (n, &h) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        let mut parser = RecordParser {
            form,
            text,
            lines: &lines,
            tag: format!("record {} (line {})", n + 1, h + 1),
            number: n + 1,
            warnings: &mut warnings,
        };
        records.push(parser.record(n + 1, h, end));
    }
    warnings.sort_by_key(|w| w.line);
    ParsedSurvey { records, warnings }
}

impl<'a> RecordParser<'a> {
    fn warn(&mut self, line: usize, message: String) {
        self.warn_on(line, &[], message);
    }

    /// A warning about the answers to questions `qs` (form indices).
    fn warn_on(&mut self, line: usize, qs: &[usize], message: String) {
        let mut questions: Vec<String> = Vec::new();
        for &q in qs {
            let short = self.form.short(q).to_string();
            if !questions.contains(&short) {
                questions.push(short);
            }
        }
        self.warnings.push(SurveyWarning {
            line: line + 1,
            message: format!("{}: {message}", self.tag),
            record: Some(self.number),
            questions,
        });
    }

    fn line(&self, i: usize) -> &'a str {
        self.lines[i].text(self.text)
    }

    fn record(&mut self, number: usize, h: usize, end: usize) -> SurveyRecord {
        let form = self.form;
        let prefecture = form
            .header
            .captures(self.line(h))
            .and_then(|c| c.get(1))
            .map_or_else(String::new, |m| m.as_str().to_string());
        let mut record = SurveyRecord {
            number,
            line: h + 1,
            prefecture,
            union: String::new(),
            respondent: None,
            federation: None,
            fields: Vec::new(),
            answers: Vec::new(),
        };
        let mut union_seen = false;
        let mut scan = Scan::default();
        let mut i = h + 1;
        while i < end {
            let line = self.line(i);
            if line.trim().is_empty() {
                self.flush(&mut scan);
                i += 1;
                continue;
            }
            if let Some(marked) = form.mark_at(self.lines, i, end, self.text) {
                self.flush(&mut scan);
                if let Some(note) = marked.note {
                    self.warn(i, note);
                }
                let last = i + marked.len - 1;
                scan.mark(form, marked.mark, i, last);
                i = last + 1;
                continue;
            }
            if scan.context.is_none() {
                self.header_line(i, &mut record, &mut union_seen);
            } else {
                scan.chunk = Some(scan.chunk.map_or((i, i), |(first, _)| (first, i)));
            }
            i += 1;
        }
        self.flush(&mut scan);
        let Scan {
            mut pending,
            belows,
            occurrences,
            seq,
            ..
        } = scan;
        if !union_seen {
            self.warn(h, format!("no {} line", form.spec.record.union));
        }
        let filled: Vec<bool> = (0..form.blocks.len())
            .map(|b| {
                occurrences
                    .iter()
                    .any(|o| o.block == b && !o.chunks.is_empty())
            })
            .collect();
        let cyclic = self.check_order(h, &seq, &filled);
        for below in belows {
            // Text under a slot question's label is its answer only where the blocks are not
            // used: in the cyclic layout that label ends a block or the record (H7).
            match form
                .blocks
                .iter()
                .enumerate()
                .find(|(b, block)| (cyclic || filled[*b]) && block.slots.contains(&below.q))
            {
                Some((_, block)) => {
                    let name = block.name.clone();
                    self.warn_on(
                        below.first,
                        &[below.q],
                        format!(
                            "{} under the label {} is not an answer: that question is answered in the {name}-block",
                            line_range(below.first, below.last),
                            form.short(below.q)
                        ),
                    );
                }
                None => pending.push(below),
            }
        }
        for occurrence in &occurrences {
            if !occurrence.chunks.is_empty() {
                let placed = self.place_block(occurrence);
                pending.extend(placed);
            }
        }
        pending.sort_by_key(|p| p.first);
        for (n, p) in pending.iter().enumerate() {
            if let Some(earlier) = pending[..n].iter().find(|e| e.q == p.q) {
                let message = format!(
                    "{} answers {} a second time (first at {})",
                    line_range(p.first, p.last),
                    form.short(p.q),
                    line_range(earlier.first, earlier.last)
                );
                self.warn_on(p.first, &[p.q], message);
            }
        }
        record.answers = pending
            .iter()
            .map(|p| SurveyAnswer {
                question: form.questions[p.q].clone(),
                span: p.start..self.lines[p.last].end,
                lines: p.first + 1..p.last + 2,
                placement: p.placement,
            })
            .collect();
        record
    }

    /// Gives a finished chunk of text lines to whatever the last label or boilerplate opened.
    fn flush(&mut self, scan: &mut Scan) {
        let Some((first, last)) = scan.chunk.take() else {
            return;
        };
        match &mut scan.context {
            Some(Context::Label {
                last: label_last,
                inline: Some(a),
                ..
            }) if first == *label_last + 1 => scan.pending[*a].last = last,
            Some(Context::Label {
                q, inline: Some(_), ..
            }) => {
                let message = format!(
                    "{} follows the already answered label {}: not assigned",
                    line_range(first, last),
                    self.form.short(*q)
                );
                let q = *q;
                self.warn_on(first, &[q], message);
            }
            Some(Context::Label {
                q,
                inline: None,
                below,
                ..
            }) => match below {
                Some(b) => scan.belows[*b].last = last,
                None => {
                    scan.belows.push(Pending {
                        q: *q,
                        first,
                        last,
                        start: self.lines[first].start,
                        placement: Placement::Below,
                    });
                    *below = Some(scan.belows.len() - 1);
                }
            },
            Some(Context::Block(o)) => {
                let occurrence = &mut scan.occurrences[*o];
                if occurrence.chunks.is_empty() {
                    scan.seq.push(Step::Block(occurrence.block));
                }
                occurrence.chunks.push((first, last));
            }
            Some(Context::Other(line)) => {
                let message = format!(
                    "{} follows the line L{} and answers no question: not assigned",
                    line_range(first, last),
                    *line + 1
                );
                self.warn(first, message);
            }
            None => {}
        }
    }

    /// One line of the header part: 単組, respondent, federation, a numeric field or the year.
    fn header_line(&mut self, i: usize, record: &mut SurveyRecord, union_seen: &mut bool) {
        let form = self.form;
        let spec = &form.spec;
        let line = self.line(i);
        if let Some(rest) = strip_label(line, &spec.record.union) {
            if *union_seen {
                self.warn(i, format!("a second {} line: ignored", spec.record.union));
            } else {
                *union_seen = true;
                record.union = rest.trim().to_string();
            }
        } else if let Some(rest) = strip_label(line, &spec.record.respondent) {
            let rest = rest.trim();
            record.respondent = (!rest.is_empty()).then(|| rest.to_string());
        } else if let Some(rest) = strip_label(line, &spec.federation.label) {
            let fed = &spec.federation;
            let rest = rest
                .strip_suffix(fed.constant.as_str())
                .unwrap_or(rest)
                .trim();
            let rest = rest.strip_prefix(fed.own.as_str()).unwrap_or(rest).trim();
            record.federation = (!rest.is_empty()).then(|| rest.to_string());
        } else if form.year.is_match(line.trim()) {
            record.fields.push(SurveyField {
                label: spec.year.label.clone(),
                values: vec![line.trim().to_string()],
                annotation: None,
                as_of: None,
                line: i + 1,
            });
        } else if let Some((field, rest)) = spec
            .fields
            .iter()
            .find_map(|f| strip_label(line, &f.label).map(|rest| (f, rest)))
        {
            let parsed = self.field(i, field, rest);
            record.fields.push(parsed);
        } else {
            self.warn(
                i,
                format!(
                    "{} is neither a header field nor a label of the form: ignored",
                    line_range(i, i)
                ),
            );
        }
    }

    /// Values as written; pull-down constants dropped, side notes and the as-of date kept apart.
    fn field(&mut self, i: usize, spec: &FieldSpec, rest: &str) -> SurveyField {
        let numbers = &self.form.spec.numbers;
        let mut rest = rest.trim();
        if let Some(constant) = &spec.constant {
            if rest == constant {
                rest = "";
            } else if let Some(r) = rest.strip_suffix(constant.as_str())
                && let Some(r) = r.strip_suffix(' ')
            {
                rest = r;
            }
        }
        let mut values = Vec::new();
        let mut notes = Vec::new();
        let mut as_of = None;
        let mut extra = false;
        for token in rest.split(' ').filter(|t| !t.is_empty()) {
            if spec.as_of && as_of.is_none() && token.ends_with(numbers.as_of_suffix.as_str()) {
                // Without a digit it is the unfilled template 年　月時点.
                if has_digit(token) {
                    as_of = Some(token.to_string());
                }
            } else if numbers
                .annotation_prefixes
                .iter()
                .any(|p| token.starts_with(p.as_str()))
                || (has_digit(token) && !starts_with_digit(token))
            {
                notes.push(token);
            } else if values.len() < spec.columns {
                values.push(token.to_string());
            } else {
                extra = true;
                notes.push(token);
            }
        }
        if extra {
            self.warn(
                i,
                format!(
                    "{} has more values than its {} column(s): the rest kept as annotation",
                    spec.label, spec.columns
                ),
            );
        }
        SurveyField {
            label: spec.label.clone(),
            values,
            annotation: (!notes.is_empty()).then(|| notes.join(" ")),
            as_of,
            line: i + 1,
        }
    }

    /// A cell cut by wrapping: its last line is as wide as a wrapped line and as its other lines,
    /// ends mid-phrase, and the next cell does not open a new paragraph. Such a cell goes on
    /// after the blank line.
    fn continues(&self, cell: (usize, usize), next: usize) -> bool {
        let form = self.form;
        let lines: Vec<&str> = (cell.0..=cell.1)
            .map(|i| self.line(i))
            .filter(|l| !l.trim().is_empty())
            .collect();
        let Some((last, others)) = lines.split_last() else {
            return false;
        };
        let widest = others.iter().map(|l| width(l)).max().unwrap_or(0);
        !others.is_empty()
            && !form.ends_sentence(last)
            && width(last) >= 2 * form.spec.layout.wrap_min
            && width(last) + form.slack() >= widest
            && !form.opens_paragraph(self.line(next))
    }

    /// Answers of a block: by slot when it has one cell per slot, else by content.
    fn place_block(&mut self, occurrence: &Occurrence) -> Vec<Pending> {
        let form = self.form;
        let block = &form.blocks[occurrence.block];
        let slots = &block.slots;
        let chunks = &occurrence.chunks;
        let pend = |q: usize, (first, last): (usize, usize), placement| Pending {
            q,
            first,
            last,
            start: self.lines[first].start,
            placement,
        };
        if chunks.len() == slots.len() {
            return slots
                .iter()
                .zip(chunks)
                .map(|(&q, &c)| pend(q, c, Placement::Slot))
                .collect();
        }
        let mut cells: Vec<(usize, usize)> = Vec::new();
        for &(first, last) in chunks {
            match cells.last_mut() {
                Some(cell) if self.continues(*cell, first) => cell.1 = last,
                _ => cells.push((first, last)),
            }
        }
        if cells.len() == slots.len() {
            return slots
                .iter()
                .zip(&cells)
                .map(|(&q, &c)| pend(q, c, Placement::Content))
                .collect();
        }
        let units = self.units(&cells, cells.len() < slots.len());
        let head = format!(
            "{}-block has {} for {} slots",
            block.name,
            match chunks.len() {
                1 => "1 cell".to_string(),
                n => format!("{n} cells"),
            },
            slots.len()
        );
        if units.len() > MAX_UNITS {
            self.warn_on(
                chunks[0].0,
                slots,
                format!(
                    "{head}; too many to read by content: {} not assigned",
                    line_range(chunks[0].0, chunks[chunks.len() - 1].1)
                ),
            );
            return Vec::new();
        }
        let (groups, ambiguous) = self.read_block(&units, slots);
        let placed: Vec<Pending> = groups
            .iter()
            .map(|&(a, b, s)| {
                pend(
                    slots[s],
                    (units[a].first, units[b - 1].last),
                    Placement::Content,
                )
            })
            .collect();
        let mut message = format!(
            "{head}; assigned by content: {}",
            placed
                .iter()
                .map(|p| format!("{} → {}", line_range(p.first, p.last), form.short(p.q)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let empty: Vec<&str> = slots
            .iter()
            .filter(|q| !placed.iter().any(|p| p.q == **q))
            .map(|&q| form.short(q))
            .collect();
        if !empty.is_empty() {
            message.push_str(&format!("; left empty: {}", empty.join(", ")));
        }
        if ambiguous {
            message.push_str("; ambiguous: other readings fit the cue words as well");
        }
        self.warn_on(chunks[0].0, slots, message);
        placed
    }

    /// Cells as units for reading; with fewer cells than slots, a cell may also be cut at a
    /// paragraph break, since one cell can hold two answers printed without a blank line.
    fn units(&self, cells: &[(usize, usize)], cut_paragraphs: bool) -> Vec<Unit> {
        let form = self.form;
        let mut units = Vec::new();
        for &(first, last) in cells {
            let widest = (first..=last)
                .map(|i| width(self.line(i)))
                .max()
                .unwrap_or(0);
            let mut start = first;
            for i in first..last {
                let (line, next) = (self.line(i), self.line(i + 1));
                let short_end = form.ends_sentence(line) && width(line) + form.slack() < widest;
                let breaks = !line.trim().is_empty()
                    && !next.trim().is_empty()
                    && (short_end || form.opens_paragraph(next));
                if cut_paragraphs && breaks {
                    units.push(self.unit(start, i, false));
                    start = i + 1;
                }
            }
            units.push(self.unit(start, last, start > first));
        }
        units
    }

    fn unit(&self, first: usize, last: usize, after_cut: bool) -> Unit {
        Unit {
            first,
            last,
            text: (first..=last).map(|i| self.line(i).trim()).collect(),
            after_cut,
        }
    }

    /// The best monotone reading of units into slots: groups of consecutive units, each given to
    /// a later slot than the one before, scored by cue hits less the cost of joining units across
    /// a blank line or of cutting a cell. Returns (first unit, end unit, slot) per group and
    /// whether another reading scores the same.
    fn read_block(&self, units: &[Unit], slots: &[usize]) -> (Vec<(usize, usize, usize)>, bool) {
        let layout = &self.form.spec.layout;
        let (n, m) = (units.len(), slots.len());
        // Units a..b as one answer to slot s, with the cost of the blank lines it spans and of
        // the cut before it.
        let group = |a: usize, b: usize, s: usize| -> i64 {
            let text: String = units[a..b].iter().map(|u| u.text.as_str()).collect();
            let joins = units[a + 1..b].iter().filter(|u| !u.after_cut).count();
            let cut = if units[a].after_cut {
                layout.cut_cost
            } else {
                0
            };
            self.form.cue_hits(slots[s], &text) - layout.join_cost * joins as i64 - cut
        };
        // best[j][i]: the best reading of units ..i into slots ..j.
        let mut best: Vec<Vec<Option<Reading>>> = vec![vec![None; n + 1]; m + 1];
        for row in best.iter_mut() {
            row[0] = Some(Reading {
                score: 0,
                ways: 1,
                start: None,
            });
        }
        for j in 1..=m {
            for i in 1..=n {
                // Slot j-1 left empty first, so that ties leave later slots empty.
                let mut cur = best[j - 1][i].map(|r| Reading { start: None, ..r });
                for (k, prev) in best[j - 1][..i].iter().enumerate() {
                    let Some(prev) = prev else {
                        continue;
                    };
                    let score = prev.score + group(k, i, j - 1);
                    cur = match cur {
                        Some(c) if score == c.score => Some(Reading {
                            ways: c.ways.saturating_add(prev.ways),
                            ..c
                        }),
                        Some(c) if score < c.score => cur,
                        _ => Some(Reading {
                            score,
                            ways: prev.ways,
                            start: Some(k),
                        }),
                    };
                }
                best[j][i] = cur;
            }
        }
        let ambiguous = best[m][n].is_some_and(|r| r.ways > 1);
        let mut groups = Vec::new();
        let (mut i, mut j) = (n, m);
        while i > 0 && j > 0 {
            match best[j][i] {
                Some(Reading { start: Some(k), .. }) => {
                    groups.push((k, i, j - 1));
                    i = k;
                }
                Some(_) => {}
                None => break,
            }
            j -= 1;
        }
        groups.reverse();
        (groups, ambiguous)
    }

    /// Whether the record's labels, boilerplate and blocks are a rotation of the form's cycle.
    /// Warns when not, as block slots are then read from a layout the form does not describe,
    /// unless all blocks are empty: such a record has its answers inline, in any order.
    fn check_order(&mut self, h: usize, seq: &[Step], filled: &[bool]) -> bool {
        let form = self.form;
        let expected: Vec<Step> = form
            .cycle
            .iter()
            .copied()
            .filter(|s| !matches!(s, Step::Block(b) if !filled[*b]))
            .collect();
        let rotation = seq.len() == expected.len()
            && (0..expected.len().max(1)).any(|r| {
                seq.iter()
                    .enumerate()
                    .all(|(i, s)| expected[(i + r) % expected.len()] == *s)
            });
        if rotation {
            return true;
        }
        let count = |list: &[Step], s: Step| list.iter().filter(|x| **x == s).count();
        let missing: Vec<String> = expected
            .iter()
            .filter(|s| count(seq, **s) < count(&expected, **s))
            .filter(|s| matches!(s, Step::Question(_)) || filled.iter().any(|f| *f))
            .map(|s| form.step_name(*s))
            .collect();
        let mut repeated: Vec<String> = Vec::new();
        for s in seq {
            let name = form.step_name(*s);
            if count(seq, *s) > count(&expected, *s).max(1) && !repeated.contains(&name) {
                repeated.push(name);
            }
        }
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing {}", missing.join(", ")));
        }
        if !repeated.is_empty() {
            problems.push(format!("repeated {}", repeated.join(", ")));
        }
        if filled.iter().any(|f| *f) {
            problems.push("block cells may be on the wrong questions".into());
        }
        if !problems.is_empty() {
            let message = format!("free text out of the form's order: {}", problems.join("; "));
            let slots: Vec<usize> = form
                .blocks
                .iter()
                .zip(filled)
                .filter(|(_, f)| **f)
                .flat_map(|(b, _)| b.slots.iter().copied())
                .collect();
            self.warn_on(h, &slots, message);
        }
        false
    }
}

/// More units than this are not read by content: the search is quadratic, and so many cells
/// for a handful of slots mean the layout is not this form's.
const MAX_UNITS: usize = 24;

/// A reading of the first units of a block into its first slots.
#[derive(Debug, Clone, Copy)]
struct Reading {
    score: i64,
    /// How many readings reach this score.
    ways: u64,
    /// Where the group given to the last slot starts; `None` when that slot is left empty.
    start: Option<usize>,
}

struct Unit {
    first: usize,
    last: usize,
    text: String,
    /// Starts after a paragraph break inside a cell, not after a blank line.
    after_cut: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELATIONS: &str = "労使関係・交渉など（労使関係の状態、労使交渉の取り組み状況など）";
    const DIFFERENCE: &str = "競合単組との差別化（自治労と競合単組の違いを見せる意味で工夫していること、気を付けていること）";

    fn corpus() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/corpora/jichiro-survey-2024.txt"
        ))
        .expect("the bundled survey corpus")
    }

    fn parsed() -> (String, ParsedSurvey) {
        let text = corpus();
        let parsed = parse(SurveyForm::jichiro(), &text);
        (text, parsed)
    }

    fn field<'a>(record: &'a SurveyRecord, label: &str) -> &'a SurveyField {
        record
            .fields
            .iter()
            .find(|f| f.label == label)
            .unwrap_or_else(|| panic!("record {} has no field {label}", record.number))
    }

    fn answer<'a>(record: &'a SurveyRecord, question: &str) -> Option<&'a SurveyAnswer> {
        record.answers.iter().find(|a| a.question == question)
    }

    /// The question answered by the cell starting at `line`, and how it was placed.
    fn at(record: &SurveyRecord, line: usize) -> (&str, Placement) {
        let a = record
            .answers
            .iter()
            .find(|a| a.lines.start == line)
            .unwrap_or_else(|| panic!("record {}: no answer at L{line}", record.number));
        (a.question.as_str(), a.placement)
    }

    fn answer_text<'a>(text: &'a str, record: &SurveyRecord, question: &str) -> &'a str {
        let a = answer(record, question)
            .unwrap_or_else(|| panic!("record {}: no answer to {question}", record.number));
        &text[a.span.clone()]
    }

    #[test]
    fn shipped_form_lists_its_questions_in_form_order() {
        let form = SurveyForm::jichiro();
        assert_eq!(form.name(), "自治労 実態共有用アンケート");
        let questions = form.questions();
        assert_eq!(questions.len(), 11);
        assert_eq!(questions[0], "新採加入の主な取り組み");
        assert_eq!(questions[7], RELATIONS);
        assert_eq!(questions[8], DIFFERENCE);
        assert_eq!(questions[10], "県本部・本部への要望");
    }

    #[test]
    fn splits_nineteen_records_at_their_headers() {
        let (_, parsed) = parsed();
        let lines: Vec<usize> = parsed.records.iter().map(|r| r.line).collect();
        assert_eq!(
            lines,
            [
                1, 109, 205, 283, 342, 402, 472, 542, 630, 707, 803, 889, 974, 1050, 1121, 1193,
                1258, 1374, 1470
            ]
        );
        let r = &parsed.records;
        assert_eq!(
            (r[0].prefecture.as_str(), r[1].prefecture.as_str()),
            ("岩手", "岩手県")
        );
        assert_eq!(r[12].prefecture, "広島県本部");
        assert_eq!(r[0].union, "自治労奥州市職員労働組合");
        assert_eq!(
            r[3].union,
            "三条市職員労働組合連合会（新潟県県央基幹病院労働組合）"
        );
        assert!(
            r.iter()
                .all(|r| !r.union.is_empty() && r.respondent.is_some())
        );
    }

    #[test]
    fn header_fields_keep_values_as_written() {
        let (_, parsed) = parsed();
        let r1 = &parsed.records[0];
        assert_eq!(r1.federation.as_deref(), Some("全労連・自治労連"));
        assert_eq!(field(r1, "組織人員数（人）").values, ["215", "504"]);
        let rate = field(r1, "組織率（％）");
        assert_eq!(rate.values, ["27.20%", "63.70%"]);
        assert_eq!(rate.as_of.as_deref(), Some("2023年11月時点"));
        assert_eq!(rate.line, 11);
        assert_eq!(field(r1, "未加入者数（人）").values, ["72人"]);
        assert_eq!(field(r1, "未加入者数").values, ["0"]);
        assert_eq!(field(r1, "新規採用年度").values, ["2024年"]);
        assert_eq!(r1.fields.len(), 8);

        let r = &parsed.records;
        assert_eq!(field(&r[2], "未加入者数（人）").values, ["84", "左に同じ"]);
        assert_eq!(field(&r[7], "組織人員数（人）").values, ["86", "400程度か"]);
        assert_eq!(field(&r[7], "組織率（％）").values, ["1", "5"]);
        assert_eq!(field(&r[7], "組織率（％）").as_of, None);
        assert_eq!(field(&r[7], "未加入者数").values, ["大多数"]);
        assert_eq!(field(&r[6], "組織率（％）").values, Vec::<String>::new());
        assert_eq!(
            field(&r[6], "組織率（％）").as_of.as_deref(),
            Some("24年6月時点")
        );
        assert_eq!(
            field(&r[16], "組織率（％）").as_of.as_deref(),
            Some("７年１月時点")
        );
        assert!(field(&r[15], "競合加入者数").values.is_empty());
        assert_eq!(field(&r[18], "競合加入者数").values, ["2人？"]);
        assert_eq!(r[9].federation.as_deref(), Some("全労連・医労連"));
        assert_eq!(r[2].federation.as_deref(), Some("旧全官公自治労連"));
        assert_eq!(r[3].federation, None);
    }

    #[test]
    fn pull_down_constants_are_never_values() {
        let (_, parsed) = parsed();
        for r in &parsed.records {
            for f in &r.fields {
                for v in &f.values {
                    assert!(
                        !["全労連・自治労連", "全労連・医労連", "旧全官公自治労連"]
                            .contains(&v.as_str()),
                        "record {} L{}: {v}",
                        r.number,
                        f.line
                    );
                }
            }
        }
        // `未加入者数（人） なし` is an empty cell next to the pull-down's なし.
        for n in [5, 6, 15, 18] {
            assert!(
                field(&parsed.records[n], "未加入者数（人）")
                    .values
                    .is_empty()
            );
        }
    }

    #[test]
    fn annotations_are_kept_apart_from_values() {
        let (_, parsed) = parsed();
        let r = &parsed.records;
        let shiga = field(&r[11], "組織率（％）");
        assert_eq!(shiga.values, ["22.8"]);
        assert_eq!(shiga.annotation.as_deref(), Some("（概算）"));
        assert_eq!(shiga.as_of, None);
        let kumamoto = field(&r[18], "組織率（％）");
        assert_eq!(kumamoto.values, ["28%"]);
        assert_eq!(kumamoto.annotation.as_deref(), Some("対象職員数1,003人"));
        assert_eq!(kumamoto.as_of.as_deref(), Some("2024年4月時点"));
        let saitama = field(&r[7], "新規採用者数");
        assert_eq!(saitama.values, ["373"]);
        assert_eq!(saitama.annotation.as_deref(), Some("※入庁式出席者"));
        assert_eq!(
            field(&r[1], "新規採用者数").annotation.as_deref(),
            Some("正規職員174名")
        );
        assert_eq!(field(&r[1], "競合加入者数").values, ["0"]);
        assert_eq!(
            field(&r[1], "競合加入者数").annotation.as_deref(),
            Some("計284名")
        );
        assert_eq!(
            field(&r[16], "未加入者数").annotation.as_deref(),
            Some("※うち1名は3月末退職予定")
        );
    }

    #[test]
    fn inline_layout_of_record_four() {
        let (text, parsed) = parsed();
        let r4 = &parsed.records[3];
        assert_eq!(
            answer_text(&text, r4, "未加入者対策の主な取り組み"),
            "未加入者の悩みは聞くが、対応しない。"
        );
        assert_eq!(
            answer_text(&text, r4, "他の単組・他の県本部に聞いてみたいこと"),
            "特になし。"
        );
        assert_eq!(at(r4, 317), ("組合活動の可視化", Placement::Inline));
        assert_eq!(
            at(r4, 321),
            ("新規採用者組織化で工夫していること", Placement::Inline)
        );
        for empty in [
            "組合員との情報共有で悩んでいること",
            "未加入者対策で悩んでいること",
            "新規採用者組織化で悩んでいること",
        ] {
            assert!(answer(r4, empty).is_none(), "{empty}");
        }
        assert_eq!(at(r4, 332), (RELATIONS, Placement::Below));
        assert_eq!(at(r4, 340), (DIFFERENCE, Placement::Below));
        assert_eq!(r4.answers.len(), 8);
    }

    #[test]
    fn answers_below_their_labels() {
        let (text, parsed) = parsed();
        let r1 = &parsed.records[0];
        assert!(answer_text(&text, r1, RELATIONS).starts_with("事務折衝及び交渉では"));
        assert_eq!(at(r1, 79).1, Placement::Below);
        assert!(answer_text(&text, r1, "県本部・本部への要望").ends_with("記載してほしい。"));
        assert!(answer(r1, "他の単組・他の県本部に聞いてみたいこと").is_none());
        // A blank line inside a wrapped answer does not end it (H2).
        let hiroshima = answer(&parsed.records[12], "県本部・本部への要望").unwrap();
        assert_eq!(hiroshima.lines, 1017..1020);
        assert!(text[hiroshima.span.clone()].ends_with("幸いです。"));
        let saitama = answer(&parsed.records[7], "他の単組・他の県本部に聞いてみたいこと").unwrap();
        assert_eq!(saitama.lines, 610..613);
        // Label words inside an answer are not labels (H13).
        assert_eq!(
            answer(&parsed.records[9], "県本部・本部への要望")
                .unwrap()
                .lines,
            733..738
        );
    }

    #[test]
    fn record_two_a_block_by_slot() {
        let (_, parsed) = parsed();
        let r2 = &parsed.records[1];
        assert_eq!(at(r2, 141), ("未加入者対策の主な取り組み", Placement::Slot));
        assert_eq!(
            at(r2, 144),
            ("未加入者対策で悩んでいること", Placement::Slot)
        );
        assert_eq!(at(r2, 149), ("組合活動の可視化", Placement::Slot));
        assert_eq!(
            at(r2, 152),
            ("組合員との情報共有で悩んでいること", Placement::Slot)
        );
        assert_eq!(answer(r2, "組合活動の可視化").unwrap().lines, 149..151);
        assert_eq!(at(r2, 186), (DIFFERENCE, Placement::Slot));
        assert_eq!(
            at(r2, 197),
            ("新規採用者組織化で悩んでいること", Placement::Slot)
        );
    }

    #[test]
    fn rotated_record_three() {
        let (text, parsed) = parsed();
        let r3 = &parsed.records[2];
        assert_eq!(
            answer_text(&text, r3, "他の単組・他の県本部に聞いてみたいこと"),
            "効果的な勧誘方法はあるか。"
        );
        assert_eq!(at(r3, 229).1, Placement::Inline);
        assert_eq!(at(r3, 233), (DIFFERENCE, Placement::Slot));
        assert_eq!(
            at(r3, 242),
            ("新規採用者組織化で悩んでいること", Placement::Slot)
        );
        assert_eq!(at(r3, 250), ("県本部・本部への要望", Placement::Below));
        assert_eq!(at(r3, 255), ("未加入者対策の主な取り組み", Placement::Slot));
        assert_eq!(
            answer_text(&text, r3, RELATIONS),
            "団体交渉については、競合組織とともに実施。"
        );
        assert_eq!(r3.answers.len(), 11);
    }

    #[test]
    fn short_and_long_blocks_are_read_by_content() {
        let (text, parsed) = parsed();
        let r = &parsed.records;
        // H3 + H4: three cells, the second holding two paragraphs.
        assert_eq!(at(&r[0], 86), (DIFFERENCE, Placement::Content));
        assert_eq!(at(&r[0], 93).0, "新採加入の主な取り組み");
        assert_eq!(
            answer(&r[0], "新採加入の主な取り組み").unwrap().lines,
            93..95
        );
        assert_eq!(at(&r[0], 95).0, "新規採用者組織化で工夫していること");
        assert_eq!(at(&r[0], 99).0, "新規採用者組織化で悩んでいること");
        // H3: one cell in the A-block.
        assert_eq!(
            at(&r[4], 370),
            ("未加入者対策で悩んでいること", Placement::Content)
        );
        assert_eq!(at(&r[15], 1221).0, "未加入者対策の主な取り組み");
        assert_eq!(at(&r[15], 1246).0, DIFFERENCE);
        assert_eq!(at(&r[15], 1249).0, "新採加入の主な取り組み");
        assert_eq!(at(&r[15], 1252).0, "新規採用者組織化で工夫していること");
        assert!(answer(&r[15], "新規採用者組織化で悩んでいること").is_none());
        // H2: a continuation chunk starting mid-word joins its cell.
        let share = answer(&r[7], "組合員との情報共有で悩んでいること").unwrap();
        assert_eq!(share.lines, 581..585);
        assert!(text[share.span.clone()].ends_with("容\n\n認）"));
        assert_eq!(at(&r[7], 578).0, "組合活動の可視化");
        assert_eq!(
            answer(&r[8], "新採加入の主な取り組み").unwrap().lines,
            695..699
        );
        assert_eq!(at(&r[8], 700).0, "新規採用者組織化で工夫していること");
        // H2 decided by content: the complete phrase at L1501 belongs to the first cell.
        assert_eq!(answer(&r[18], DIFFERENCE).unwrap().lines, 1498..1502);
        assert_eq!(at(&r[18], 1503).0, "新採加入の主な取り組み");
        assert_eq!(at(&r[18], 1508).0, "新規採用者組織化で悩んでいること");
    }

    #[test]
    fn duplicates_and_none_answers_are_kept() {
        let (text, parsed) = parsed();
        let r = &parsed.records;
        // H5: identical cells are distinct slots.
        assert_eq!(at(&r[12], 1002), (DIFFERENCE, Placement::Slot));
        assert_eq!(
            at(&r[12], 1005),
            ("新採加入の主な取り組み", Placement::Slot)
        );
        assert_eq!(at(&r[12], 1010).0, "新規採用者組織化で悩んでいること");
        assert_eq!(at(&r[8], 693).0, DIFFERENCE);
        assert_eq!(at(&r[4], 393).0, DIFFERENCE);
        assert_eq!(at(&r[4], 396).0, "新採加入の主な取り組み");
        // H9: なし is an answer.
        assert_eq!(answer_text(&text, &r[5], DIFFERENCE), "なし");
        assert_eq!(
            answer_text(&text, &r[5], "未加入者対策の主な取り組み"),
            "なし"
        );
        assert_eq!(
            answer_text(&text, &r[6], "県本部・本部への要望"),
            "特になし"
        );
        assert_eq!(
            answer_text(&text, &r[13], "新規採用者組織化で工夫していること"),
            "なし"
        );
    }

    #[test]
    fn empty_answers_stay_empty() {
        let (_, parsed) = parsed();
        let r = &parsed.records;
        let r5 = &r[4];
        for q in [
            RELATIONS,
            "他の単組・他の県本部に聞いてみたいこと",
            "県本部・本部への要望",
        ] {
            assert!(answer(r5, q).is_none(), "{q}");
        }
        assert_eq!(r5.answers.len(), 3);
        // H12: the file ends on a label with no answer.
        assert!(answer(&r[18], RELATIONS).is_none());
        // H7: the note after the last label of record 18 answers nothing.
        assert!(r[17].answers.iter().all(|a| a.lines.end <= 1466));
        assert!(parsed.warnings.iter().any(|w| w.line == 1467));
    }

    #[test]
    fn warnings_of_the_real_file() {
        let (_, parsed) = parsed();
        let lines: Vec<usize> = parsed.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [86, 370, 393, 1221, 1246, 1467, 1498]);
        let r5 = &parsed.warnings[2].message;
        assert!(r5.starts_with("record 5 (line 342): B-block has 2 cells for 4 slots"));
        assert!(r5.contains("L393–394") && r5.contains("ambiguous"));
    }

    #[test]
    fn respondents_appear_in_no_answer_nor_output() {
        let (text, parsed) = parsed();
        for r in &parsed.records {
            let name = r.respondent.as_deref().unwrap();
            for a in &r.answers {
                assert!(!text[a.span.clone()].contains(name), "record {}", r.number);
            }
            let serialized = toml::to_string(r).unwrap();
            assert!(!serialized.contains(name), "record {}", r.number);
            assert!(serialized.contains(&r.union));
        }
    }

    #[test]
    fn spans_are_disjoint_and_inside_their_record() {
        let (text, parsed) = parsed();
        let lines = split_lines(&text);
        let form = SurveyForm::jichiro();
        for (n, r) in parsed.records.iter().enumerate() {
            let start = lines[r.line - 1].start;
            let end = parsed
                .records
                .get(n + 1)
                .map_or(text.len(), |next| lines[next.line - 1].start);
            let mut spans: Vec<Range<usize>> = r.answers.iter().map(|a| a.span.clone()).collect();
            spans.sort_by_key(|s| s.start);
            for pair in spans.windows(2) {
                assert!(
                    pair[0].end <= pair[1].start,
                    "record {}: {pair:?}",
                    r.number
                );
            }
            for a in &r.answers {
                assert!(
                    start <= a.span.start && a.span.end <= end,
                    "record {}",
                    r.number
                );
                let body = text.get(a.span.clone()).expect("char boundaries");
                assert!(!body.trim().is_empty() && !body.ends_with('\n'));
                assert!(form.questions().contains(&a.question.as_str()));
                let first = lines[a.lines.start - 1];
                assert!(first.start <= a.span.start && a.span.start < first.end);
                assert_eq!(lines[a.lines.end - 2].end, a.span.end);
            }
        }
    }

    #[test]
    fn recognizes_the_form_and_nothing_else() {
        let form = SurveyForm::jichiro();
        assert!(form.recognizes(&corpus()));
        let prose = "自治労は、要求・交渉を行っている。\n県本部・本部への要望を取りまとめた。\n";
        assert!(!form.recognizes(prose));
        assert!(!form.recognizes(""));
        // Headers alone are not enough.
        assert!(!form.recognizes(" 県本部 岩手\n単　組 某労組\n"));
    }

    #[test]
    fn another_union_on_the_same_form_parses() {
        let form = SurveyForm::jichiro();
        let text = corpus();
        let template: Vec<&str> = text.lines().take(108).collect();
        let other = template
            .join("\n")
            .replace("岩手", "北海道")
            .replace("自治労奥州市職員労働組合", "自治労札幌市職員労働組合")
            .replace("随時声がけ程度。", "全職場を訪問している。")
            .replace("215 504", "1200");
        let parsed = parse(form, &other);
        assert_eq!(parsed.records.len(), 1);
        let r = &parsed.records[0];
        assert_eq!(
            (r.prefecture.as_str(), r.union.as_str()),
            ("北海道", "自治労札幌市職員労働組合")
        );
        assert_eq!(field(r, "組織人員数（人）").values, ["1200"]);
        assert_eq!(
            answer_text(&other, r, "未加入者対策の主な取り組み"),
            "全職場を訪問している。"
        );
        assert_eq!(
            answer_text(&other, r, DIFFERENCE).lines().next(),
            Some("統一行動日などのビラ配布は書記局だけではなく、執行委員全員")
        );
    }

    #[test]
    fn text_under_the_last_label_of_a_cyclic_record_is_not_an_answer() {
        let form = SurveyForm::jichiro();
        let text = corpus();
        let lines: Vec<&str> = text.lines().collect();
        // Record 1 with its B-block emptied and a note after its last label.
        let mut record: Vec<&str> = lines[..84].to_vec();
        record.extend(&lines[104..108]);
        record.extend(["", "分母は正規職員数"]);
        let record = record.join("\n");
        let parsed = parse(form, &record);
        let r = &parsed.records[0];
        assert!(answer(r, DIFFERENCE).is_none());
        assert!(answer(r, "新採加入の主な取り組み").is_none());
        assert_eq!(r.answers.len(), 6);
        let lines: Vec<usize> = parsed.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [90]);
    }

    #[test]
    fn malformed_input_gives_warnings_not_panics() {
        let form = SurveyForm::jichiro();
        let empty = parse(form, "");
        assert!(empty.records.is_empty() && !empty.warnings.is_empty());
        let prose = parse(form, "これは組合の方針書です。\n\n本文。");
        assert!(prose.records.is_empty() && prose.warnings[0].line == 1);

        let no_union = parse(form, " 県本部 岩手\n\n記入者お名前 某\n\n謎の行\n");
        assert_eq!(no_union.records.len(), 1);
        assert_eq!(no_union.records[0].union, "");
        let messages: Vec<&str> = no_union
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect();
        assert!(
            messages.iter().any(|m| m.contains("no 単　組 line")),
            "{messages:?}"
        );
        assert!(no_union.warnings.iter().any(|w| w.line == 5));
        assert!(messages.iter().any(|m| m.contains("missing")));

        // Truncations at every char boundary of the first record, CRLF, and shuffled lines.
        let text = corpus();
        for cut in (0..3000).filter(|c| text.is_char_boundary(*c)).step_by(7) {
            check_spans(&text[..cut], &parse(form, &text[..cut]));
        }
        let crlf = text.replace('\n', "\r\n");
        let parsed = parse(form, &crlf);
        assert_eq!(parsed.records.len(), 19);
        check_spans(&crlf, &parsed);
        let mut lines: Vec<&str> = text.lines().collect();
        let mut seed = 42u64;
        for _ in 0..20 {
            for i in (1..lines.len()).rev() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                lines.swap(i, (seed >> 33) as usize % (i + 1));
            }
            let shuffled = lines.join("\n");
            let parsed = parse(form, &shuffled);
            check_spans(&shuffled, &parsed);
            assert!(!parsed.warnings.is_empty());
        }
        // Far too many cells for a block.
        let many = format!(
            " 県本部 X\n単　組 Y\n　実態共有用アンケート\n{}",
            "あ\n\n".repeat(200)
        );
        let parsed = parse(form, &many);
        assert!(parsed.records[0].answers.is_empty());
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w.message.contains("too many"))
        );
    }

    fn check_spans(text: &str, parsed: &ParsedSurvey) {
        for r in &parsed.records {
            for a in &r.answers {
                assert!(text.get(a.span.clone()).is_some(), "{:?}", a.span);
            }
        }
    }

    #[test]
    fn bad_forms_are_rejected() {
        let good = include_str!("../form/survey_form.toml");
        assert!(SurveyForm::from_toml(good).is_ok());
        let bad_slot = good.replace("slots = [\"未加入取組\"", "slots = [\"無い設問\"");
        assert!(
            SurveyForm::from_toml(&bad_slot)
                .unwrap_err()
                .contains("無い設問")
        );
        let bad_regex = good.replace("header = '^ 県本部 (.+)$'", "header = '^ 県本部 (.+$'");
        assert!(SurveyForm::from_toml(&bad_regex).is_err());
        assert!(SurveyForm::from_toml("name = 1").is_err());
    }
}
