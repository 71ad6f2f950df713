//! The results of the themes stage: the contract between `themes` and `report::themes`.

use std::sync::Arc;

use serde::Serialize;

/// A unit selected for theme analysis, with the group it counts for (`--by`).
#[derive(Debug, Clone, Serialize)]
pub struct ThemeUnit {
    /// Document id and unit sequence number, to trace the unit back.
    pub doc: String,
    pub seq: usize,
    /// The group label chosen by `--by` (a 単組, a 県本部, an organisation, a year, a question).
    pub branch: String,
    pub question: Option<String>,
    /// Original text, as written (respondents' names are never part of a unit). Shared, not
    /// copied, by the themes that list the unit: a million units appear in several themes.
    pub text: Arc<str>,
    /// Normalized text, for matching.
    #[serde(skip)]
    pub norm: Arc<str>,
}

/// A candidate term and where it occurs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TermStat {
    /// Its most frequent form in the selection.
    pub term: String,
    /// The other forms counted with it (synonyms: 団交 with 団体交渉), most frequent first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// The nouns and affixes it is made of (団体交渉: 団体, 交渉; 学習会: 学習, 会); one for a
    /// simple noun, none for a verb or adjective. Tells a compound from a word that merely
    /// starts alike (自治労連, one word, is not made of 自治労).
    #[serde(skip)]
    pub parts: Vec<String>,
    /// Termhood score (FLR or C-value) used to rank terms.
    pub score: f64,
    pub frequency: usize,
    pub units: usize,
    pub groups: usize,
}

impl TermStat {
    /// The other forms, for a table cell: 団体交渉、団交.
    pub fn variants_cell(&self) -> String {
        self.variants.join("、")
    }
}

/// A short complete sentence that carries a theme's top terms.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    pub branch: String,
    pub text: String,
}

/// A discovered theme.
#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    /// Japanese label from the top terms, e.g. 「競合・新採・加入」.
    pub label: String,
    /// Distinctive terms, most distinctive first.
    pub terms: Vec<String>,
    /// Number of units in the theme.
    pub size: usize,
    /// Names of the groups (by `--by`) the theme occurs in, sorted.
    pub branches: Vec<String>,
    /// Every unit of the theme (scripts rely on the full list).
    pub units: Vec<ThemeUnit>,
    pub quotes: Vec<Quote>,
}

/// Per code of an analyst's codebook: counts and the code × group cross-tab statistics.
#[derive(Debug, Clone, Serialize)]
pub struct CodeStat {
    pub code: String,
    pub units: usize,
    pub groups: usize,
    /// Count per group, in `CodeTable::groups` order.
    pub counts: Vec<usize>,
    /// Row percentages (share of the code's units in each group).
    pub row_percent: Vec<f64>,
    /// Adjusted standardized residual per cell.
    pub residuals: Vec<f64>,
    /// Pearson χ² of the 2 × groups table (code present/absent × group), its df and p.
    pub chi2: f64,
    pub df: usize,
    pub p: f64,
    /// Fisher's exact test p (two-sided) where expected cell counts are small; None otherwise.
    pub fisher_p: Option<f64>,
}

/// The codebook results.
#[derive(Debug, Clone, Serialize)]
pub struct CodeTable {
    pub groups: Vec<String>,
    /// Units per group (the column totals).
    pub group_units: Vec<usize>,
    pub codes: Vec<CodeStat>,
    /// Units matched by no code ("コード無し").
    pub uncoded: usize,
}

/// Everything `kumiai themes` reports.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeReport {
    /// What was selected and how it was grouped, for the report header.
    pub selection: String,
    pub by: String,
    /// Number of units selected.
    pub unit_count: usize,
    pub terms: Vec<TermStat>,
    /// Themes recurring in two or more groups, ranked by number of groups then size.
    pub themes: Vec<Theme>,
    /// Themes found in only one group.
    pub single_branch: Vec<Theme>,
    pub codebook: Option<CodeTable>,
}
