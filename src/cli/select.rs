//! The selection flags shared by the analyses of units (`network`, `ca`, `freq`): which
//! units, grouped how.

use super::themes::{ByArg, KindArg};
use super::*;
use crate::themes::model::ThemeUnit;
use crate::themes::{self, By, Selection};

#[derive(clap::Args)]
pub(super) struct SelectArgs {
    /// Document kind to analyse (default: survey).
    #[arg(long, value_enum)]
    pub(super) kind: Option<KindArg>,
    /// Organisation (substring), e.g. 自治労.
    #[arg(long)]
    pub(super) org: Option<String>,
    /// Year or span: 2025, 2024-2025.
    #[arg(long)]
    pub(super) year: Option<String>,
    /// Question (substring), e.g. 新規採用者組織化で悩んでいること.
    #[arg(long)]
    pub(super) question: Option<String>,
    /// Only units matching this search query, e.g. 未加入者.
    #[arg(long)]
    pub(super) query: Option<String>,
    /// Grouping: 単組 (default), 県本部, org, year, question.
    #[arg(long, value_enum, default_value_t = ByArg::Local)]
    pub(super) by: ByArg,
    /// Merge only the manifest's synonyms into one term, not Sudachi's thesaurus.
    #[arg(long)]
    pub(super) no_thesaurus: bool,
    #[command(flatten)]
    pub(super) index: IndexArgs,
}

/// The selected units and what analysing them needs.
pub(super) struct Selected {
    pub(super) selection: Selection,
    pub(super) by: By,
    pub(super) units: Vec<ThemeUnit>,
    pub(super) analyzer: Analyzer,
    pub(super) concepts: themes::terms::Concepts,
    /// The layout doubts (注記) about the files these units come from.
    pub(super) notes: Vec<String>,
}

/// Loads the corpus once, applies the filters (and the query, through the index) and groups
/// the units; an empty selection is an error that names the filters.
pub(super) fn select(
    cli: &Cli,
    args: &SelectArgs,
    warnings: &Warnings,
) -> Result<Selected, Failure> {
    let mut selection = Selection {
        kind: args.kind.map(Into::into),
        org: args.org.clone(),
        year: args
            .year
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(Failure::from)?,
        question: args.question.clone(),
        ..Default::default()
    };
    if let Some(q) = &args.query {
        let parsed = crate::search::query::parse(q).map_err(|e| Failure {
            message: format!("invalid --query\n{}", e.render(q)),
            status: EXIT_ERROR,
        })?;
        let idx = super::search::update_index(cli, &args.index.dir, false, warnings)?;
        let manifest = load_manifest(&cli.corpus)?;
        let synonyms = crate::search::Synonyms::new(&manifest.synonyms, !args.no_thesaurus);
        selection.matching = Some(
            crate::search::matching_units(&idx, &parsed, &synonyms)
                .map_err(|e| index::IndexError::Corrupt(idx.dir.clone(), e.to_string()))?,
        );
        selection.query = Some(q.clone());
    }
    let (manifest, docs) = super::themes::segmented(cli, warnings)?;
    let by: By = args.by.into();
    let units = themes::select(&docs, &selection, by);
    if units.is_empty() {
        return Err(Failure::from(format!(
            "no units selected ({}): check the filters",
            selection.describe()
        )));
    }
    Ok(Selected {
        notes: layout_notes(&docs, &units, warnings),
        analyzer: analyzer(cli, Some(&manifest))?,
        concepts: themes::terms::Concepts::new(&manifest.synonyms, !args.no_thesaurus),
        selection,
        by,
        units,
    })
}

/// The layout doubts of the files `units` come from, in plain Japanese, for a report's 注記.
pub(super) fn layout_notes(
    docs: &[(Document, Vec<Unit>)],
    units: &[ThemeUnit],
    warnings: &Warnings,
) -> Vec<String> {
    let used: std::collections::HashSet<&str> = units.iter().map(|u| u.doc.as_str()).collect();
    let files: Vec<&Path> = docs
        .iter()
        .filter(|(d, _)| used.contains(d.id.as_str()))
        .map(|(d, _)| d.path.as_path())
        .collect();
    let mine: Vec<_> = warnings
        .snapshot()
        .into_iter()
        .filter(|w| files.contains(&w.file.as_path()))
        .collect();
    crate::warning::layout_notes(&mine)
}
