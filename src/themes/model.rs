//! The results of the themes stage: the contract between `themes` and `report::themes`.
#![warn(missing_docs)]

use std::sync::Arc;

use serde::Serialize;

/// A unit selected for theme analysis, with the group it counts for (`--by`).
#[derive(Debug, Clone, Serialize)]
pub struct ThemeUnit {
    /// Document id and unit sequence number, to trace the unit back.
    pub doc: String,
    /// Position of the unit in that document ([`crate::segment::Unit::seq`]).
    pub seq: usize,
    /// The group label chosen by `--by` (a 単組, a 県本部, an organisation, a year, a question).
    pub branch: String,
    /// The question a survey answer answers; None for prose.
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
    /// Occurrences in the selection, all forms counted.
    pub frequency: usize,
    /// Units it occurs in.
    pub units: usize,
    /// Groups (by `--by`) it occurs in.
    pub groups: usize,
}

impl TermStat {
    /// The other forms, for a table cell: 団体交渉、団交.
    pub fn variants_cell(&self) -> String {
        self.variants.join("、")
    }
}

/// A clause of an answer that carries a theme: the theme's evidence, with where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    /// The group (by `--by`) of the answer it comes from: a 単組, a 県本部….
    pub branch: String,
    /// The question of that answer.
    pub question: Option<String>,
    /// The clause as written.
    pub text: String,
}

/// A discovered theme.
#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    /// Japanese label from the most distinctive compound terms, e.g. 「競合単組・新採」.
    pub label: String,
    /// The theme's most central clause, read under the label.
    pub subtitle: String,
    /// Distinctive terms, most distinctive first.
    pub terms: Vec<String>,
    /// Number of units (answers) in the theme: those with a clause in it.
    pub size: usize,
    /// Number of clauses in the theme.
    pub clauses: usize,
    /// Names of the groups (by `--by`) the theme occurs in, sorted.
    pub branches: Vec<String>,
    /// Every unit of the theme (scripts rely on the full list).
    pub units: Vec<ThemeUnit>,
    /// Their indices in the selection, ascending, to join themes with codes.
    #[serde(skip)]
    pub unit_ids: Vec<usize>,
    /// The theme's most central clauses other than the subtitle, one per group first.
    pub quotes: Vec<Quote>,
    /// With a codebook: the codes matching some of the theme's units, most first.
    pub codes: Vec<Coverage>,
}

/// How much of a theme's units a code matches.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// The code's name, as in the codebook.
    pub code: String,
    /// The theme's units the code matches, and their share of the theme (0–1).
    pub units: usize,
    /// That share: `units` over the theme's size.
    pub share: f64,
}

/// The small themes folded into その他.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Other {
    /// Communities of fewer units than this were folded.
    pub min_units: usize,
    /// How many themes were folded.
    pub themes: usize,
    /// Distinct units with a clause in one of them.
    pub units: usize,
}

/// A question family (取り組み・工夫 / 悩み / その他): its questions, units, and the themes
/// and codes found among them.
#[derive(Debug, Clone, Serialize)]
pub struct Family {
    /// The family's name: 悩んでいること, 取り組み・工夫 or 要望・質問など.
    pub name: String,
    /// The survey questions in it, sorted.
    pub questions: Vec<String>,
    /// Selected units answering them.
    pub units: usize,
    /// (theme label, units of the family in it, groups), most units first; themes of ≥ 2 units.
    pub themes: Vec<FamilyCount>,
    /// (code, units of the family it matches, groups), most units first; codes that match.
    pub codes: Vec<FamilyCount>,
}

/// A theme or code counted within one question family.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyCount {
    /// The theme's label or the code's name.
    pub name: String,
    /// Units of the family it holds.
    pub units: usize,
    /// Groups (by `--by`) those units come from.
    pub groups: usize,
}

/// The discovered themes read against the codebook.
#[derive(Debug, Clone, Serialize)]
pub struct Joined {
    /// Themes (recurring ones) no code covers: no code matches a third of their units.
    pub uncovered: Vec<String>,
    /// Codes that matched no unit.
    pub empty_codes: Vec<String>,
}

/// Per code of an analyst's codebook: counts and the code × group cross-tab statistics.
#[derive(Debug, Clone, Serialize)]
pub struct CodeStat {
    /// The code's name, as in the codebook.
    pub code: String,
    /// Number of units the code matches.
    #[serde(rename = "size")]
    pub units: usize,
    /// The units it matches, so that the analyst can check and refine the rule.
    #[serde(rename = "units")]
    pub matched: Vec<ThemeUnit>,
    /// Their indices in the selection, ascending.
    #[serde(skip)]
    pub unit_ids: Vec<usize>,
    /// Groups (by `--by`) with at least one unit the code matches.
    pub groups: usize,
    /// Count per group, in `CodeTable::groups` order.
    pub counts: Vec<usize>,
    /// 行% as in KH Coder's クロス集計: the share of each group's units carrying the code.
    pub row_percent: Vec<f64>,
    /// The share of the code's units in each group (コード内の割合).
    pub code_percent: Vec<f64>,
    /// Adjusted standardized residual per cell.
    pub residuals: Vec<f64>,
    /// Pearson χ² of the 2 × groups table (code present/absent × group), its df and p.
    pub chi2: f64,
    /// Its degrees of freedom (0 for one group, or for a code matching all units or none).
    pub df: usize,
    /// Its p-value.
    pub p: f64,
    /// Fisher's exact test p (two-sided) where expected cell counts are small; None otherwise.
    pub fisher_p: Option<f64>,
}

/// The codebook results.
#[derive(Debug, Clone, Serialize)]
pub struct CodeTable {
    /// The group labels (by `--by`), sorted: the columns of the cross-tab.
    pub groups: Vec<String>,
    /// Units per group (the column totals).
    pub group_units: Vec<usize>,
    /// One row per code, in codebook order.
    pub codes: Vec<CodeStat>,
    /// Units matched by no code ("コード無し").
    pub uncoded: usize,
}

/// Everything `kumiai themes` reports.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeReport {
    /// What was selected and how it was grouped, for the report header.
    pub selection: String,
    /// What the units are grouped by: 単組, 県本部, 組織, 年度 or 設問.
    pub by: String,
    /// Number of units selected, and of their clauses (what themes are found over).
    pub unit_count: usize,
    /// Number of clauses of those units.
    pub clause_count: usize,
    /// How the number of themes was chosen, in Japanese, for the report.
    pub rule: String,
    /// Candidate terms of the selection, by termhood score, highest first.
    pub terms: Vec<TermStat>,
    /// Themes recurring in two or more groups, ranked by number of groups then size.
    pub themes: Vec<Theme>,
    /// Themes found in only one group.
    pub single_branch: Vec<Theme>,
    /// Themes too small to list.
    pub other: Other,
    /// The codebook's counts and cross-tab (`--codebook`, or the shipped one); None without one.
    pub codebook: Option<CodeTable>,
    /// Where the codebook stands against the themes (with a codebook).
    pub joined: Option<Joined>,
    /// Themes and codes per question family.
    pub families: Vec<Family>,
    /// Doubts about the survey layout behind these answers (注記, in Japanese, from
    /// [`crate::warning::layout_notes`]): which 単組 and questions to check in the original.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}
