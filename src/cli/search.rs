//! `kumiai index` and `search`.

use super::*;

/// Brings the index up to date, printing what changed unless nothing did.
pub(super) fn update_index(
    cli: &Cli,
    dir: &Path,
    rebuild: bool,
    warnings: &Warnings,
) -> Result<index::KumiaiIndex, Failure> {
    let manifest = load_manifest(&cli.corpus)?;
    let analyzer = Arc::new(analyzer(cli, Some(&manifest))?);
    let options = index::UpdateOptions {
        rebuild,
        progress: io::stderr().is_terminal(),
    };
    let (idx, report) = index::update(dir, &cli.corpus, &manifest, analyzer, &options, warnings)?;
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
    Ok(idx)
}

pub(super) fn build_index(
    cli: &Cli,
    dir: &Path,
    rebuild: bool,
    warnings: &Warnings,
) -> Result<(), Failure> {
    let idx = update_index(cli, dir, rebuild, warnings)?;
    let reader = idx.index.reader().map_err(Failure::from)?;
    eprintln!(
        "index {} holds {} unit(s)",
        dir.display(),
        reader.searcher().num_docs()
    );
    Ok(())
}

pub(super) struct SearchArgs<'a> {
    pub(super) query: String,
    pub(super) index: &'a Path,
    pub(super) limit: usize,
    pub(super) offset: usize,
    pub(super) facets: bool,
    pub(super) kwic: bool,
    pub(super) thesaurus: bool,
    pub(super) format: SearchFormat,
}

pub(super) fn search(cli: &Cli, args: &SearchArgs, warnings: &Warnings) -> Result<(), Failure> {
    let parsed = crate::search::query::parse(&args.query).map_err(|e| Failure {
        message: format!("invalid query\n{}", e.render(&args.query)),
        status: EXIT_ERROR,
    })?;
    let idx = update_index(cli, args.index, false, warnings)?;
    let manifest = load_manifest(&cli.corpus)?;
    let synonyms = crate::search::Synonyms::new(&manifest.synonyms, args.thesaurus);
    let request = crate::search::Request {
        query: &parsed,
        synonyms: &synonyms,
        limit: args.limit,
        offset: args.offset,
        facets: args.facets,
    };
    // The index opened, so a failure here means damaged segment files.
    let results = crate::search::search(&idx, &request)
        .map_err(|e| index::IndexError::Corrupt(idx.dir.clone(), e.to_string()))?;
    let stdout = io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let marker = if color {
        Marker::Ansi
    } else {
        Marker::Guillemets
    };
    let mut out = io::BufWriter::new(stdout.lock());
    match (args.format, args.kwic) {
        (SearchFormat::Json, _) => hits::write_json(&mut out, &results)?,
        (SearchFormat::Csv, _) => hits::write_csv(&mut out, &results)?,
        (SearchFormat::Html, _) => hits::write_html(&mut out, &results, &args.query)?,
        (SearchFormat::Text, true) => hits::write_kwic(&mut out, &results, marker)?,
        (SearchFormat::Text, false) => hits::write_terminal(&mut out, &results, marker)?,
    }
    out.flush()?;
    Ok(())
}
