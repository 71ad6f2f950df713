//! `kumiai index` and `search`.

use super::*;

fn update_options(rebuild: bool) -> index::UpdateOptions {
    index::UpdateOptions {
        rebuild,
        progress: io::stderr().is_terminal(),
    }
}

/// What an update did, unless it did nothing.
fn say_update(report: &index::UpdateReport) {
    if let Some(why) = &report.rebuilt {
        eprintln!("rebuilding the index: {why}");
    }
    if !report.is_noop() {
        eprintln!(
            "indexed {} unit(s) from {} file(s) ({} new, {} changed, {} removed, {} unchanged) in {:.2} s",
            report.units,
            report.added + report.changed,
            report.added,
            report.changed,
            report.removed,
            report.unchanged,
            report.seconds
        );
    }
}

/// Brings the index up to date, printing what changed unless nothing did.
pub(super) fn update_index(
    corpus: &Corpus,
    dir: &Path,
    rebuild: bool,
    warnings: &Warnings,
) -> Result<index::KumiaiIndex, Failure> {
    let (idx, report) = corpus.update_index(dir, &update_options(rebuild), warnings)?;
    say_update(&report);
    Ok(idx)
}

pub(super) fn build_index(
    cli: &Cli,
    dir: &Path,
    rebuild: bool,
    warnings: &Warnings,
) -> Result<(), Failure> {
    let idx = update_index(&open_corpus(cli)?, dir, rebuild, warnings)?;
    eprintln!(
        "index {} holds {} unit(s)",
        dir.display(),
        idx.unit_count()?
    );
    Ok(())
}

pub(super) struct SearchArgs<'a> {
    pub(super) query: String,
    pub(super) index: &'a Path,
    pub(super) limit: usize,
    pub(super) offset: usize,
    pub(super) by: crate::search::By,
    pub(super) explain: bool,
    pub(super) facets: bool,
    pub(super) kwic: bool,
    pub(super) thesaurus: bool,
    pub(super) format: SearchFormat,
    pub(super) out: Option<&'a Path>,
}

/// Opens the index for a search: brought up to date, or — while another process holds the
/// writer lock (`kumiai index` running) — its last commit as it is, with a note.
pub(super) fn index_for_search(
    corpus: &Corpus,
    dir: &Path,
    warnings: &Warnings,
) -> Result<index::KumiaiIndex, Failure> {
    let (idx, freshness) = corpus.index_for_search(dir, &update_options(false), warnings)?;
    match freshness {
        crate::corpus::Freshness::Updated(report) => say_update(&report),
        crate::corpus::Freshness::LastCommit => eprintln!(
            "note: another kumiai process is updating the index; searching its last commit"
        ),
    }
    Ok(idx)
}

pub(super) fn search(cli: &Cli, args: &SearchArgs, warnings: &Warnings) -> Result<(), Failure> {
    let parsed = crate::search::query::parse(&args.query).map_err(|e| {
        Failure::new(
            format!("invalid query\n{}", e.render(&args.query)),
            EXIT_ERROR,
        )
    })?;
    refuse_unsupported(args)?;
    let corpus = open_corpus(cli)?;
    let idx = index_for_search(&corpus, args.index, warnings)?;
    let synonyms = corpus.synonyms(args.thesaurus);
    let request = crate::search::Request {
        query: &parsed,
        synonyms: &synonyms,
        limit: args.limit,
        offset: args.offset,
        facets: args.facets,
        by: args.by,
    };
    // The index opened, so a failure here means damaged segment files.
    let results = crate::search::search(&idx, &request)
        .map_err(|e| index::IndexError::Corrupt(idx.dir.clone(), e.to_string()))?;
    let color = args.out.is_none()
        && io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let marker = if color {
        Marker::Ansi
    } else {
        Marker::Guillemets
    };
    let mut out = match args.format {
        SearchFormat::Xlsx => crate::report::binary_output(args.out, "xlsx")?,
        _ => crate::report::output(args.out)?,
    };
    match (args.format, args.kwic) {
        (SearchFormat::Json, _) => hits::write_json(&mut out, &results)?,
        (SearchFormat::Csv, true) => hits::write_kwic_csv(&mut out, &results)?,
        (SearchFormat::Csv, false) => hits::write_csv(&mut out, &results)?,
        (SearchFormat::Html, kwic) => hits::write_html(&mut out, &results, &args.query, kwic)?,
        (SearchFormat::Text, true) => hits::write_kwic(&mut out, &results, marker)?,
        (SearchFormat::Text, false) => {
            hits::write_terminal(&mut out, &results, marker, args.explain)?
        }
        (SearchFormat::Xlsx, kwic) => out.write_all(&crate::report::xlsx::workbook(
            &hits::sheets(&results, kwic),
        )?)?,
    }
    out.flush()?;
    if results.total == 0 {
        // Nothing found is not an error, but a script can tell it from a hit (grep's 1).
        return Err(Failure::new(String::new(), EXIT_NOTHING_FOUND));
    }
    Ok(())
}

/// Options a format cannot show are refused, never silently dropped.
fn refuse_unsupported(args: &SearchArgs) -> Result<(), Failure> {
    let refuse = |message: &str| Err(Failure::new(message.to_string(), EXIT_ERROR));
    match args.format {
        SearchFormat::Csv if args.facets => refuse(
            "--facets has no CSV form (a CSV file holds one table, the hits); use --format json or html for hits with counts",
        ),
        SearchFormat::Json if args.kwic => refuse(
            "--kwic has no JSON form: every JSON hit carries its matches as highlights (byte offsets) and highlights_chars (character offsets) to cut contexts from",
        ),
        SearchFormat::Csv | SearchFormat::Json | SearchFormat::Html | SearchFormat::Xlsx
            if args.explain =>
        {
            refuse(
                "--explain is for the terminal; JSON hits always carry document (score, bm25, best_passage, coverage) and matches",
            )
        }
        _ => Ok(()),
    }
}
