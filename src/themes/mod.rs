//! Themes: which concerns recur across branches (単組・県本部), found automatically from the
//! terms units share, and counted by the analyst's own codebook.
//!
//! Selection → [`terms::extract`] → [`discover::discover`] (+ [`codebook::tabulate`]) →
//! [`model::ThemeReport`], which `report::themes` renders.

pub mod ca;
pub mod codebook;
pub mod discover;
pub mod model;
pub mod network;
pub mod stats;
pub mod terms;

use std::collections::HashSet;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::analyze::Analyzer;
use crate::ingest::{Document, Kind, Years};
use crate::segment::Unit;
use model::{ThemeReport, ThemeUnit};

/// What groups count as "branches" for coverage and cross-tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// 単組 (local union): the default for surveys.
    Local,
    /// 県本部 (prefectural headquarters).
    Prefecture,
    Org,
    Year,
    Question,
}

impl By {
    pub fn label(self) -> &'static str {
        match self {
            By::Local => "単組",
            By::Prefecture => "県本部",
            By::Org => "組織",
            By::Year => "年度",
            By::Question => "設問",
        }
    }

    fn group(self, doc: &Document, unit: &Unit) -> String {
        let or_doc = |v: &Option<String>| v.clone().unwrap_or_else(|| doc.meta.org.clone());
        match self {
            By::Local => or_doc(&unit.local),
            By::Prefecture => or_doc(&unit.prefecture),
            By::Org => doc.meta.org.clone(),
            By::Year => doc.meta.year.map_or("年不明".into(), |y| y.to_string()),
            By::Question => unit.question.clone().unwrap_or_else(|| "(設問なし)".into()),
        }
    }
}

/// Which units to analyse. Empty fields select everything; `kind` defaults to survey.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    pub kind: Option<Kind>,
    pub org: Option<String>,
    pub year: Option<Years>,
    pub question: Option<String>,
    /// Units matching a search query, as (document id, unit sequence number).
    pub matching: Option<HashSet<(String, usize)>>,
    /// The query text, for the report header.
    pub query: Option<String>,
}

impl Selection {
    fn accepts(&self, doc: &Document, unit: &Unit) -> bool {
        doc.meta.kind == self.kind.unwrap_or(Kind::Survey)
            && self
                .org
                .as_ref()
                .is_none_or(|o| doc.meta.org.contains(o.as_str()))
            && self.year.is_none_or(|y| {
                doc.meta
                    .year
                    .is_some_and(|d| d.from <= y.to && y.from <= d.to)
            })
            && self.question.as_ref().is_none_or(|q| {
                unit.question
                    .as_deref()
                    .is_some_and(|uq| uq.contains(q.as_str()))
            })
            && self
                .matching
                .as_ref()
                .is_none_or(|m| m.contains(&(doc.id.clone(), unit.seq)))
    }

    pub fn describe(&self) -> String {
        let mut parts = vec![format!(
            "種別: {}",
            self.kind.unwrap_or(Kind::Survey).as_str()
        )];
        if let Some(o) = &self.org {
            parts.push(format!("組織: {o}"));
        }
        if let Some(y) = self.year {
            parts.push(format!("年度: {y}"));
        }
        if let Some(q) = &self.question {
            parts.push(format!("設問: {q}"));
        }
        if let Some(q) = &self.query {
            parts.push(format!("検索: {q}"));
        }
        parts.join("、")
    }
}

/// The selected units, each with its group label.
pub fn select(docs: &[(Document, Vec<Unit>)], selection: &Selection, by: By) -> Vec<ThemeUnit> {
    docs.iter()
        .flat_map(|(doc, units)| {
            units
                .iter()
                .filter(|u| selection.accepts(doc, u))
                .map(|u| ThemeUnit {
                    doc: doc.id.clone(),
                    seq: u.seq,
                    branch: by.group(doc, u),
                    question: u.question.clone(),
                    text: u.text.as_str().into(),
                    norm: u.norm.text.as_str().into(),
                })
        })
        .collect()
}

pub struct Options {
    pub by: By,
    pub stopwords: Option<PathBuf>,
    /// Words counted as one term: the manifest's synonym groups, and Sudachi's thesaurus.
    pub concepts: terms::Concepts,
    pub codebook: Option<PathBuf>,
}

/// Runs term extraction, theme discovery and (with a codebook) the cross-tab.
pub fn analyze(
    units: Vec<ThemeUnit>,
    selection: &Selection,
    analyzer: &Analyzer,
    options: &Options,
) -> Result<ThemeReport, String> {
    let stopwords = match &options.stopwords {
        Some(path) => terms::Stopwords::from_file(path)?,
        None => terms::Stopwords::builtin(),
    };
    let codebook = match &options.codebook {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read codebook {}: {e}", path.display()))?;
            Some(codebook::parse(&text).map_err(|e| format!("codebook {}: {e}", path.display()))?)
        }
        None => None,
    };
    let lexicon = terms::Lexicon {
        stopwords: &stopwords,
        concepts: &options.concepts,
    };
    let extracted = terms::extract(&units, analyzer, lexicon);
    let (themes, single_branch) =
        discover::discover(&units, &extracted, &discover::DiscoverOptions::default());
    let codebook = codebook.map(|book| {
        let features: Vec<codebook::UnitFeatures> = units
            .par_iter()
            .map(|u| codebook::UnitFeatures::new(&u.norm, analyzer))
            .collect();
        codebook::tabulate(&book, &units, &features)
    });
    Ok(ThemeReport {
        selection: selection.describe(),
        by: options.by.label().to_string(),
        unit_count: units.len(),
        terms: extracted.stats,
        themes,
        single_branch,
        codebook,
    })
}

/// Units for the stage's tests: made up, or the bundled survey through the real stages.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub fn unit(branch: &str, text: &str) -> ThemeUnit {
        ThemeUnit {
            doc: "d".into(),
            seq: 0,
            branch: branch.into(),
            question: None,
            text: text.into(),
            norm: text.into(),
        }
    }

    fn corpus() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora")
    }

    /// What `kumiai themes` merges by default: the bundled manifest's synonyms and the thesaurus.
    pub fn concepts() -> terms::Concepts {
        let manifest = crate::ingest::Manifest::load(&corpus()).expect("the bundled manifest");
        terms::Concepts::new(&manifest.synonyms, true)
    }

    /// The bundled survey's answers, grouped by 単組.
    pub fn survey_units() -> Vec<ThemeUnit> {
        let dir = corpus();
        let warnings = crate::warning::Warnings::default();
        let manifest = crate::ingest::Manifest::load(&dir).expect("the bundled manifest");
        let docs: Vec<_> = crate::ingest::load_corpus(&dir, &manifest, &warnings)
            .into_iter()
            .map(|d| {
                let units = crate::segment::segment(&d, &warnings);
                (d, units)
            })
            .collect();
        select(&docs, &Selection::default(), By::Local)
    }
}
