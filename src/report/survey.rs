//! The `kumiai survey` table: one row per respondent of a printed-form survey.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::sheet::{Cell, Sheet, quantity};
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

    /// One row per respondent with Japanese headers: two columns per form field (自治労, 競合),
    /// one per table attribute, each as written, after its number where the field holds
    /// figures (`72人` → 72), so Excel can sum and sort them; the form-only columns only when
    /// a form contributed.
    pub fn sheet(&self) -> Sheet {
        let mut header = vec!["文書", "記録番号", "行", "県本部", "単組"];
        if self.show_personal {
            header.push("記入者お名前");
        }
        if self.forms {
            header.push("上部団体（競合）");
        }
        let mut header: Vec<String> = header.into_iter().map(str::to_string).collect();
        let numeric: Vec<bool> = self
            .field_labels
            .iter()
            .map(|label| {
                self.rows.iter().any(|r| {
                    r.fields
                        .iter()
                        .filter(|f| &f.label == label)
                        .any(|f| f.values.iter().any(|v| quantity(v).is_some()))
                })
            })
            .collect();
        // A table attribute is one column; a form field has the 自治労 and the competing side.
        let sides = |label: &String| -> &'static [&'static str] {
            if self.table_labels.contains(label) {
                &[""]
            } else {
                &["［自治労］", "［競合］"]
            }
        };
        for (label, &numeric) in self.field_labels.iter().zip(&numeric) {
            for side in sides(label) {
                if numeric {
                    header.push(format!("{label}{side}（数値）"));
                }
                header.push(format!("{label}{side}"));
            }
        }
        if self.forms {
            header.push("時点".into());
            header.push("注記".into());
        }
        header.extend(self.questions.iter().cloned());
        let mut sheet = Sheet::new("回答票", header);
        for row in &self.rows {
            let mut rec: Vec<Cell> = vec![
                (&row.doc).into(),
                row.record.into(),
                row.line.into(),
                (&row.prefecture).into(),
                (&row.union).into(),
            ];
            if self.show_personal {
                rec.push(row.respondent.as_deref().into());
            }
            if self.forms {
                rec.push(row.federation.as_deref().into());
            }
            for (label, &numeric) in self.field_labels.iter().zip(&numeric) {
                let field = row.fields.iter().find(|f| &f.label == label);
                for i in 0..sides(label).len() {
                    let value = field.and_then(|f| f.values.get(i)).map(String::as_str);
                    if numeric {
                        rec.push(value.and_then(quantity).map_or(Cell::Empty, |x| {
                            Cell::num(x, if x.fract() == 0.0 { 0 } else { 2 })
                        }));
                    }
                    rec.push(value.unwrap_or_default().into());
                }
            }
            if self.forms {
                rec.push(
                    row.fields
                        .iter()
                        .filter_map(|f| f.as_of.clone())
                        .collect::<Vec<_>>()
                        .join(" ")
                        .into(),
                );
                rec.push(
                    row.fields
                        .iter()
                        .filter_map(|f| Some(format!("{}: {}", f.label, f.annotation.as_ref()?)))
                        .collect::<Vec<_>>()
                        .join("; ")
                        .into(),
                );
            }
            for q in &self.questions {
                rec.push(row.answers.get(q).map(String::as_str).into());
            }
            sheet.row(rec);
        }
        sheet
    }

    /// [`Self::sheet`] as CSV, with a BOM for Excel.
    pub fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        self.sheet().write_csv(out)
    }

    pub fn write_xlsx(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&super::xlsx::workbook(&[self.sheet()])?)
    }

    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &self.rows)?;
        writeln!(out)
    }
}
