//! Survey-form knowledge: the printed forms kumiai reads, described as data in
//! `survey_form.toml`, recognised in a text and built once per process.
//!
//! It sits below both stages that need it: ingest detects a document's form (to know it is a
//! survey whose records name respondents), segment parses it. Before this module ingest called
//! into segment for detection while segment imported ingest's Document — the house's one import
//! loop — and the form was built from its TOML up to three times per document.
#![warn(missing_docs)]

use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

/// A printed survey form kumiai knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormId {
    /// The 自治労 実態共有用アンケート form (`form = "jichiro"` in the manifest).
    Jichiro,
}

impl FormId {
    /// Every known form, in the order [`detect`] tries them.
    pub const ALL: [FormId; 1] = [FormId::Jichiro];

    /// The name used in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            FormId::Jichiro => "jichiro",
        }
    }

    /// The form a manifest's `form = "…"` names (`"jichiro"` → [`FormId::Jichiro`]), if known.
    pub fn from_name(name: &str) -> Option<FormId> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The form's description, built on first use and shared.
    pub fn form(self) -> &'static SurveyForm {
        static JICHIRO: LazyLock<SurveyForm> = LazyLock::new(|| {
            SurveyForm::from_toml(include_str!("survey_form.toml"))
                .expect("the shipped survey_form.toml is checked by the tests")
        });
        match self {
            FormId::Jichiro => &JICHIRO,
        }
    }
}

/// The known form whose record headers and labels `text` carries.
pub fn detect(text: &str) -> Option<FormId> {
    FormId::ALL.into_iter().find(|f| f.form().recognizes(text))
}

/// A printed survey form: how its records, fields, labels and blocks look in extracted text.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "FormSpec")]
pub struct SurveyForm {
    pub(crate) spec: FormSpec,
    pub(crate) header: Regex,
    pub(crate) year: Regex,
    /// Wrapped labels joined into one line, in form order.
    pub(crate) questions: Vec<String>,
    pub(crate) blocks: Vec<Block>,
    pub(crate) cycle: Vec<Step>,
}

// ---------------------------------------------------------------------------------------------
// The form description as written in TOML.

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FormSpec {
    pub(crate) name: String,
    pub(crate) cycle: Vec<String>,
    pub(crate) record: RecordSpec,
    pub(crate) federation: FederationSpec,
    pub(crate) year: YearSpec,
    pub(crate) numbers: NumberSpec,
    pub(crate) fields: Vec<FieldSpec>,
    pub(crate) boilerplate: Vec<BoilerplateSpec>,
    pub(crate) blocks: Vec<BlockSpec>,
    pub(crate) layout: LayoutSpec,
    pub(crate) questions: Vec<QuestionSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordSpec {
    pub(crate) header: String,
    pub(crate) union: String,
    pub(crate) respondent: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FederationSpec {
    pub(crate) label: String,
    pub(crate) own: String,
    pub(crate) constant: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YearSpec {
    pub(crate) pattern: String,
    pub(crate) label: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NumberSpec {
    pub(crate) annotation_prefixes: Vec<String>,
    pub(crate) as_of_suffix: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldSpec {
    pub(crate) label: String,
    #[serde(default = "one")]
    pub(crate) columns: usize,
    #[serde(default)]
    pub(crate) as_of: bool,
    #[serde(default)]
    pub(crate) constant: Option<String>,
}

fn one() -> usize {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BoilerplateSpec {
    pub(crate) name: String,
    pub(crate) line: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BlockSpec {
    pub(crate) name: String,
    pub(crate) after: String,
    pub(crate) slots: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LayoutSpec {
    pub(crate) sentence_ends: String,
    pub(crate) bullets: String,
    pub(crate) wrap_min: usize,
    pub(crate) wrap_slack: usize,
    pub(crate) join_cost: i64,
    pub(crate) cut_cost: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuestionSpec {
    pub(crate) id: String,
    pub(crate) label: Vec<String>,
    #[serde(default)]
    pub(crate) cues: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub(crate) name: String,
    /// Boilerplate line that opens the block.
    pub(crate) opener: usize,
    /// Question of each slot, in printed order.
    pub(crate) slots: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Question(usize),
    Boiler(usize),
    Block(usize),
}

impl TryFrom<FormSpec> for SurveyForm {
    type Error = String;

    fn try_from(spec: FormSpec) -> Result<Self, String> {
        let header = Regex::new(&spec.record.header).map_err(|e| format!("record.header: {e}"))?;
        if header.captures_len() < 2 {
            return Err("record.header needs a group capturing the prefecture".into());
        }
        let year = Regex::new(&spec.year.pattern).map_err(|e| format!("year.pattern: {e}"))?;
        if spec.questions.is_empty() {
            return Err("the form has no questions".into());
        }
        let mut ids: Vec<&str> = Vec::new();
        for q in &spec.questions {
            if q.label.is_empty() || q.label.iter().any(|p| p.trim().is_empty()) {
                return Err(format!("question {}: empty label line", q.id));
            }
            ids.push(&q.id);
        }
        ids.extend(spec.boilerplate.iter().map(|b| b.name.as_str()));
        ids.extend(spec.blocks.iter().map(|b| b.name.as_str()));
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                return Err(format!("name {id} is used twice"));
            }
        }
        if let Some(f) = spec.fields.iter().find(|f| f.columns == 0) {
            return Err(format!("field {}: columns must be at least 1", f.label));
        }
        let question = |id: &str| spec.questions.iter().position(|q| q.id == id);
        let boiler = |name: &str| spec.boilerplate.iter().position(|b| b.name == name);
        let mut blocks = Vec::new();
        for b in &spec.blocks {
            let opener = boiler(&b.after)
                .ok_or_else(|| format!("block {}: no boilerplate named {}", b.name, b.after))?;
            if b.slots.is_empty() {
                return Err(format!("block {} has no slots", b.name));
            }
            let slots = b
                .slots
                .iter()
                .map(|s| question(s).ok_or_else(|| format!("block {}: no question {s}", b.name)))
                .collect::<Result<Vec<_>, _>>()?;
            blocks.push(Block {
                name: b.name.clone(),
                opener,
                slots,
            });
        }
        let cycle = spec
            .cycle
            .iter()
            .map(|s| {
                question(s)
                    .map(Step::Question)
                    .or_else(|| boiler(s).map(Step::Boiler))
                    .or_else(|| {
                        spec.blocks
                            .iter()
                            .position(|b| b.name == *s)
                            .map(Step::Block)
                    })
                    .ok_or_else(|| format!("cycle: {s} names no question, boilerplate or block"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let questions = spec.questions.iter().map(|q| q.label.concat()).collect();
        Ok(SurveyForm {
            spec,
            header,
            year,
            questions,
            blocks,
            cycle,
        })
    }
}

impl SurveyForm {
    /// The 自治労 実態共有用アンケート form shipped in survey_form.toml.
    pub fn jichiro() -> &'static SurveyForm {
        FormId::Jichiro.form()
    }

    /// Parses and checks a form description written as `survey_form.toml` is; the error says
    /// what is wrong (a bad regex, a block slot naming no question, a name used twice…).
    pub fn from_toml(text: &str) -> Result<SurveyForm, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The form's printed name, for messages: "自治労 実態共有用アンケート".
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// True when the text has this form's record headers and most of its labels.
    pub fn recognizes(&self, text: &str) -> bool {
        let mut header = false;
        let mut seen = vec![false; self.questions.len()];
        for line in text.lines() {
            header |= self.header.is_match(line);
            for (q, spec) in self.spec.questions.iter().enumerate() {
                seen[q] |= match_label(line, &spec.label[0]).is_some();
            }
        }
        header && 2 * seen.iter().filter(|s| **s).count() > seen.len()
    }

    /// Canonical question labels in form order (wrapped labels joined into one line).
    pub fn questions(&self) -> Vec<&str> {
        self.questions.iter().map(String::as_str).collect()
    }
}

/// Where an inline answer starts, if `line` is `label` alone (`Some(None)`) or `label`, one
/// space and an answer (`Some(Some(byte offset))`). Labels are never matched inside a line, since
/// answers quote label words ("県本部・本部に今までと同様").
pub(crate) fn match_label(line: &str, label: &str) -> Option<Option<usize>> {
    let lead = line.len() - line.trim_start().len();
    let body = line[lead..].trim_end();
    if body == label {
        return Some(None);
    }
    let rest = body.strip_prefix(label)?.strip_prefix(' ')?;
    if rest.trim().is_empty() {
        Some(None)
    } else {
        Some(Some(lead + label.len() + 1))
    }
}
