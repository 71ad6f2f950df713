//! The selection flags shared by the analyses of units (`network`, `ca`, `freq`): which
//! units, grouped how.

use super::themes::{ByArg, KindArg};
use super::*;
pub(super) use crate::corpus::Selected;
use crate::themes::Selection;

#[derive(clap::Args)]
pub(super) struct SelectArgs {
    /// Document kind to analyse (default: survey).
    #[arg(long, value_enum)]
    pub(super) kind: Option<KindArg>,
    /// Organisation, by whole words of its name: 連合 takes 連合神奈川, 自治労 never 自治労連….
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

/// Opens the corpus, applies the filters (and the query, through the index) and groups the
/// units; an empty selection is an error that names the filters.
pub(super) fn select(
    cli: &Cli,
    args: &SelectArgs,
    warnings: &Warnings,
) -> Result<Selected, Failure> {
    let selection = Selection {
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
    let parsed =
        match &args.query {
            Some(q) => Some(crate::search::query::parse(q).map_err(|e| {
                Failure::new(format!("invalid --query\n{}", e.render(q)), EXIT_ERROR)
            })?),
            None => None,
        };
    let corpus = open_corpus(cli)?;
    let idx = match &parsed {
        Some(_) => Some(super::search::update_index(
            &corpus,
            &args.index.dir,
            false,
            warnings,
        )?),
        None => None,
    };
    let query = args
        .query
        .as_deref()
        .zip(parsed.as_ref())
        .zip(idx.as_ref())
        .map(|((text, parsed), idx)| (text, parsed, idx));
    let docs = corpus.segmented(warnings);
    Ok(corpus.select(
        &docs,
        selection,
        query,
        args.by.into(),
        !args.no_thesaurus,
        warnings,
    )?)
}
