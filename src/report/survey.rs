//! The `kumiai survey` table: one row per respondent of a printed-form survey.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::ingest::Document;
use crate::segment;
use crate::warning::Warnings;

/// One respondent (a 単組's form) with its fields and answers keyed by question.
#[derive(Debug, Serialize)]
pub struct SurveyRow {
    pub doc: String,
    pub record: usize,
    pub line: usize,
    pub prefecture: String,
    pub union: String,
    /// Present only with `--show-personal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respondent: Option<String>,
    pub federation: Option<String>,
    pub fields: Vec<segment::survey::SurveyField>,
    pub answers: BTreeMap<String, String>,
}

pub struct SurveyTable {
    pub rows: Vec<SurveyRow>,
    field_labels: Vec<String>,
    /// Attribute columns of tables: one value each, not a form's 自治労 and competing pair.
    table_labels: Vec<String>,
    /// Whether a printed form contributed rows (its federation, as-of and note columns).
    forms: bool,
    questions: Vec<String>,
    show_personal: bool,
}

impl SurveyTable {
    pub fn build(docs: &[Document], show_personal: bool, warnings: &Warnings) -> Self {
        let mut table = SurveyTable {
            rows: Vec::new(),
            field_labels: Vec::new(),
            table_labels: Vec::new(),
            forms: false,
            questions: Vec::new(),
            show_personal,
        };
        for doc in docs {
            if let crate::ingest::Layout::Table(t) = &doc.layout {
                table.add_table(doc, t);
                continue;
            }
            let Some((form, parsed)) = segment::parse_form(doc, warnings) else {
                continue;
            };
            table.forms = true;
            for q in form.questions() {
                if !table.questions.iter().any(|x| x == q) {
                    table.questions.push(q.to_string());
                }
            }
            for record in parsed.records {
                for f in &record.fields {
                    if !table.field_labels.contains(&f.label) {
                        table.field_labels.push(f.label.clone());
                    }
                }
                let mut answers: BTreeMap<String, String> = BTreeMap::new();
                for a in &record.answers {
                    let text = crate::report::join_wrapped(&doc.text[a.span.clone()]);
                    answers
                        .entry(a.question.clone())
                        .and_modify(|t| {
                            t.push('\n');
                            t.push_str(&text);
                        })
                        .or_insert(text);
                }
                table.rows.push(SurveyRow {
                    doc: doc.id.clone(),
                    record: record.number,
                    line: record.line,
                    prefecture: record.prefecture,
                    union: record.union,
                    respondent: if show_personal {
                        record.respondent
                    } else {
                        None
                    },
                    federation: record.federation,
                    fields: record.fields,
                    answers,
                });
            }
        }
        table
    }

    /// The rows of a tabular survey, already one per respondent: its attribute columns as
    /// fields, its question columns as answers, its personal columns only if asked for.
    fn add_table(&mut self, doc: &Document, t: &crate::ingest::table::Table) {
        let spec = &t.spec;
        for q in &spec.questions {
            if !self.questions.contains(q) {
                self.questions.push(q.clone());
            }
        }
        for a in &spec.attributes {
            if !self.field_labels.contains(a) {
                self.field_labels.push(a.clone());
                self.table_labels.push(a.clone());
            }
        }
        for (number, row) in t.rows.iter().enumerate() {
            let cell = |name: &String| {
                t.column(name)
                    .and_then(|i| row.cells.get(i))
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
            };
            let branch = |i: usize| spec.branch.get(i).and_then(cell).unwrap_or_default();
            let personal: Vec<String> = spec.personal.iter().filter_map(cell).collect();
            self.rows.push(SurveyRow {
                doc: doc.id.clone(),
                record: number + 1,
                line: row.line,
                prefecture: branch(0),
                union: branch(1),
                respondent: (self.show_personal && !personal.is_empty())
                    .then(|| personal.join(" ")),
                federation: None,
                fields: spec
                    .attributes
                    .iter()
                    .filter_map(|a| {
                        Some(segment::survey::SurveyField {
                            label: a.clone(),
                            values: vec![cell(a)?],
                            annotation: None,
                            as_of: None,
                            line: row.line,
                        })
                    })
                    .collect(),
                answers: spec
                    .questions
                    .iter()
                    .filter_map(|q| Some((q.clone(), cell(q)?)))
                    .collect(),
            });
        }
    }

    /// CSV with Japanese headers, a BOM for Excel; two columns per form field (自治労, 競合),
    /// one per table attribute; the form-only columns only when a form contributed.
    pub fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        let mut w = super::excel::CsvWriter::new(out)?;
        let mut header = vec!["文書", "記録番号", "行", "県本部", "単組"];
        if self.show_personal {
            header.push("記入者お名前");
        }
        if self.forms {
            header.push("上部団体（競合）");
        }
        let mut header: Vec<String> = header.into_iter().map(str::to_string).collect();
        for label in &self.field_labels {
            if self.table_labels.contains(label) {
                header.push(label.clone());
            } else {
                header.push(format!("{label}［自治労］"));
                header.push(format!("{label}［競合］"));
            }
        }
        if self.forms {
            header.push("時点".into());
            header.push("注記".into());
        }
        header.extend(self.questions.iter().cloned());
        w.write_record(&header)?;
        for row in &self.rows {
            let mut rec = vec![
                row.doc.clone(),
                row.record.to_string(),
                row.line.to_string(),
                row.prefecture.clone(),
                row.union.clone(),
            ];
            if self.show_personal {
                rec.push(row.respondent.clone().unwrap_or_default());
            }
            if self.forms {
                rec.push(row.federation.clone().unwrap_or_default());
            }
            for label in &self.field_labels {
                let field = row.fields.iter().find(|f| &f.label == label);
                let value = |i: usize| {
                    field
                        .and_then(|f| f.values.get(i).cloned())
                        .unwrap_or_default()
                };
                rec.push(value(0));
                if !self.table_labels.contains(label) {
                    rec.push(value(1));
                }
            }
            if !self.forms {
                for q in &self.questions {
                    rec.push(row.answers.get(q).cloned().unwrap_or_default());
                }
                w.write_record(&rec)?;
                continue;
            }
            rec.push(
                row.fields
                    .iter()
                    .filter_map(|f| f.as_of.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            rec.push(
                row.fields
                    .iter()
                    .filter_map(|f| Some(format!("{}: {}", f.label, f.annotation.as_ref()?)))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            for q in &self.questions {
                rec.push(row.answers.get(q).cloned().unwrap_or_default());
            }
            w.write_record(&rec)?;
        }
        w.flush()
    }

    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &self.rows)?;
        writeln!(out)
    }
}
