//! Themes: which concerns recur across branches (単組・県本部), found automatically from the
//! terms units share, and counted by the analyst's own codebook.
//!
//! Selection → [`clauses::split`] → [`terms::extract`] → [`discover::discover`] (+
//! [`codebook::tabulate`], joined) → [`model::ThemeReport`], which `report::themes` renders.

pub mod ca;
pub mod clauses;
pub mod codebook;
pub mod discover;
pub mod eval;
pub mod model;
pub mod network;
pub mod stats;
pub mod terms;

use std::collections::HashSet;
use std::path::PathBuf;

use crate::analyze::Analyzer;
use crate::ingest::{Document, Kind, Years};
use crate::segment::Unit;
use model::{Coverage, Family, FamilyCount, Joined, Theme, ThemeReport, ThemeUnit};

/// The shipped codebook for organising and recruitment (`codebooks/organising.txt`), used
/// when no other is given.
pub const SHIPPED_CODEBOOK: &str = include_str!("../../codebooks/organising.txt");

/// Which codebook to code the units with.
#[derive(Debug, Clone, Default)]
pub enum CodebookSource {
    /// The shipped one ([`SHIPPED_CODEBOOK`]).
    #[default]
    Shipped,
    File(PathBuf),
    /// Rules given as text (pasted into the web page), named `name` in errors.
    Text {
        name: String,
        rules: String,
    },
    None,
}

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
    /// The organisation asked for, as typed (for the report header).
    pub org: Option<String>,
    /// The organisations it names ([`crate::analyze::Analyzer::names`]: 自治労 is not
    /// 自治労連), resolved by the corpus session; without it `org` must match exactly.
    pub orgs: Option<HashSet<String>>,
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
            && match (&self.orgs, &self.org) {
                (Some(names), _) => names.contains(&doc.meta.org),
                (None, Some(o)) => doc.meta.org == *o,
                (None, None) => true,
            }
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
    pub concepts: crate::lexicon::Concepts,
    pub pos: terms::PartsOfSpeech,
    pub codebook: CodebookSource,
    pub discover: discover::DiscoverOptions,
}

/// A code covers a theme when it matches at least this share of the theme's units.
const COVERS: f64 = 1.0 / 3.0;

/// Runs clause splitting, term extraction, theme discovery and (with a codebook) the
/// cross-tab and the join of themes with codes.
pub fn analyze(
    units: Vec<ThemeUnit>,
    selection: &Selection,
    analyzer: &Analyzer,
    options: &Options,
) -> Result<ThemeReport, String> {
    let stopwords = match &options.stopwords {
        Some(path) => crate::lexicon::Stopwords::from_file(path)?,
        None => crate::lexicon::Stopwords::builtin(),
    };
    let codebook = match &options.codebook {
        CodebookSource::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read codebook {}: {e}", path.display()))?;
            Some(codebook::parse(&text).map_err(|e| format!("codebook {}: {e}", path.display()))?)
        }
        CodebookSource::Text { name, rules } => {
            Some(codebook::parse(rules).map_err(|e| format!("{name}: {e}"))?)
        }
        CodebookSource::Shipped => Some(
            codebook::parse(SHIPPED_CODEBOOK)
                .map_err(|e| format!("codebooks/organising.txt: {e}"))?,
        ),
        CodebookSource::None => None,
    };
    let lexicon = terms::Lexicon {
        stopwords: &stopwords,
        concepts: &options.concepts,
        pos: options.pos,
    };
    let (clauses, parent) = clauses::split(&units);
    let extracted = terms::extract(&clauses, analyzer, lexicon);
    let found = discover::discover(&units, &clauses, &parent, &extracted, &options.discover);
    drop(clauses);
    let (mut themes, mut single_branch) = (found.themes, found.single_branch);
    let codebook = codebook.map(|book| codebook::tabulate(&book, &units, analyzer));
    let joined = codebook.as_ref().map(|cb| {
        for t in themes.iter_mut().chain(single_branch.iter_mut()) {
            t.codes = coverage(t, cb);
        }
        Joined {
            uncovered: themes
                .iter()
                .filter(|t| t.codes.first().is_none_or(|c| c.share < COVERS))
                .map(|t| t.label.clone())
                .collect(),
            empty_codes: cb
                .codes
                .iter()
                .filter(|c| c.units == 0)
                .map(|c| c.code.clone())
                .collect(),
        }
    });
    let families = families(&units, &themes, &single_branch, codebook.as_ref());
    let rule = match options.discover.themes {
        Some(n) => format!("テーマ数は --themes {n} で指定"),
        None => format!(
            "約 {} 節に 1 テーマ（{}〜{} の範囲）",
            discover::CLAUSES_PER_THEME,
            discover::MIN_THEMES,
            discover::MAX_THEMES
        ),
    } + &format!(
        ": {} 節から {} 群を求め {} 群を得た。{} 件未満{}の {} 群は「その他」（{} 件）にまとめた",
        parent.len(),
        found.target,
        found.communities,
        found.other.min_units,
        if options.discover.themes.is_some() {
            "の群と指定数を超える小さな群"
        } else {
            ""
        },
        found.other.themes,
        found.other.units
    );
    Ok(ThemeReport {
        selection: selection.describe(),
        by: options.by.label().to_string(),
        unit_count: units.len(),
        clause_count: parent.len(),
        rule,
        terms: extracted.stats,
        themes,
        single_branch,
        other: found.other,
        codebook,
        joined,
        families,
        notes: Vec::new(),
    })
}

/// The codes matching some of a theme's units, most first (ties in codebook order).
fn coverage(theme: &Theme, cb: &model::CodeTable) -> Vec<Coverage> {
    let mut out: Vec<Coverage> = cb
        .codes
        .iter()
        .filter_map(|c| {
            let n = count_common(&theme.unit_ids, &c.unit_ids);
            (n > 0).then(|| Coverage {
                code: c.code.clone(),
                units: n,
                share: n as f64 / theme.size.max(1) as f64,
            })
        })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.units));
    out
}

/// Common elements of two ascending lists.
fn count_common(a: &[usize], b: &[usize]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The family of a survey question, by its label: what unions do (取り組み, 工夫, 可視化,
/// 差別化, 交渉), what troubles them (悩んでいること), and the rest (要望, 聞いてみたいこと).
pub fn family_of(question: &str) -> &'static str {
    if question.contains('悩') {
        "悩んでいること"
    } else if ["取り組み", "取組", "工夫", "可視化", "差別化", "交渉"]
        .iter()
        .any(|k| question.contains(k))
    {
        "取り組み・工夫"
    } else {
        "要望・質問など"
    }
}

/// Per question family (when the units come from two or more): the themes and codes among
/// its units. A theme or code counts in a family with at least two of its units.
fn families(
    units: &[ThemeUnit],
    themes: &[Theme],
    single_branch: &[Theme],
    codebook: Option<&model::CodeTable>,
) -> Vec<Family> {
    const ORDER: [&str; 3] = ["悩んでいること", "取り組み・工夫", "要望・質問など"];
    let family: Vec<Option<usize>> = units
        .iter()
        .map(|u| {
            u.question
                .as_deref()
                .and_then(|q| ORDER.iter().position(|f| *f == family_of(q)))
        })
        .collect();
    let present: std::collections::BTreeSet<usize> = family.iter().flatten().copied().collect();
    if present.len() < 2 {
        return Vec::new();
    }
    let count = |ids: &[usize], f: usize| {
        let mine: Vec<usize> = ids
            .iter()
            .copied()
            .filter(|&i| family[i] == Some(f))
            .collect();
        let groups: HashSet<&str> = mine.iter().map(|&i| units[i].branch.as_str()).collect();
        (mine.len(), groups.len())
    };
    let ranked = |mut v: Vec<FamilyCount>| {
        v.retain(|c| c.units >= 2);
        v.sort_by(|a, b| b.units.cmp(&a.units).then(b.groups.cmp(&a.groups)));
        v
    };
    present
        .into_iter()
        .map(|f| {
            let mut questions: Vec<String> = units
                .iter()
                .zip(&family)
                .filter(|(_, g)| **g == Some(f))
                .filter_map(|(u, _)| u.question.clone())
                .collect();
            questions.sort();
            questions.dedup();
            let themes = themes
                .iter()
                .chain(single_branch)
                .map(|t| {
                    let (units, groups) = count(&t.unit_ids, f);
                    FamilyCount {
                        name: t.label.clone(),
                        units,
                        groups,
                    }
                })
                .collect();
            let codes = codebook
                .map(|cb| {
                    cb.codes
                        .iter()
                        .map(|c| {
                            let (units, groups) = count(&c.unit_ids, f);
                            FamilyCount {
                                name: c.code.clone(),
                                units,
                                groups,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            Family {
                name: ORDER[f].to_string(),
                questions,
                units: family.iter().filter(|g| **g == Some(f)).count(),
                themes: ranked(themes),
                codes: ranked(codes),
            }
        })
        .collect()
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
    pub fn concepts() -> crate::lexicon::Concepts {
        let manifest = crate::ingest::Manifest::load(&corpus()).expect("the bundled manifest");
        crate::lexicon::Concepts::new(&manifest.synonyms, true)
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
