//! `kumiai compare` (the 新旧対照表 of two policy texts) and `kumiai trend` (terms over years).

use super::*;

/// The title and text of a compare operand: a file path, else a corpus document id. A file's
/// title is its manifest entry's, else its first line (the document's own title), never
/// the path, which may be a temporary file's.
pub(super) fn compare_operand(
    corpus: Option<&Corpus>,
    arg: &str,
    docs: &[Document],
    warnings: &Warnings,
) -> Result<(String, String), Failure> {
    let path = Path::new(arg);
    if path.is_file() {
        let doc = crate::corpus::load_named_file(corpus, path, warnings)?;
        let title = if doc.meta.title.trim().is_empty() {
            arg.to_string()
        } else {
            doc.meta.title.clone()
        };
        return prose_text(&doc, arg).map(|text| (title, text));
    }
    let doc = docs.iter().find(|d| d.id == arg).ok_or_else(|| {
        Failure::from(format!(
            "{arg}: no such file, nor a document id in the corpus (see `kumiai units`)"
        ))
    })?;
    prose_text(doc, arg).map(|text| (doc.meta.title.clone(), text))
}

fn prose_text(doc: &Document, arg: &str) -> Result<String, Failure> {
    Ok(crate::corpus::prose_text(doc, arg)?.to_string())
}

pub(super) fn compare(
    cli: &Cli,
    (old, new): (Option<&str>, Option<&str>),
    (org, years): (Option<&str>, &[u16]),
    (format, layout, out): (CompareFormat, CompareLayout, Option<&Path>),
    warnings: &Warnings,
) -> Result<(), Failure> {
    let needs_corpus =
        org.is_some() || [old, new].iter().flatten().any(|a| !Path::new(a).is_file());
    let corpus = if needs_corpus {
        Some(open_corpus(cli)?)
    } else {
        corpus_if_present(cli)?
    };
    let docs = match (&corpus, needs_corpus) {
        (Some(c), true) => c.documents(warnings),
        _ => Vec::new(),
    };
    let ((old_name, old_text), (new_name, new_text)) = match (old, new, org) {
        (Some(old), Some(new), None) => (
            compare_operand(corpus.as_ref(), old, &docs, warnings)?,
            compare_operand(corpus.as_ref(), new, &docs, warnings)?,
        ),
        (None, None, Some(org)) if years.len() == 2 => {
            let of_year = |year: u16| -> Result<(String, String), Failure> {
                let d = crate::corpus::document_of_year(&docs, org, year)?;
                Ok((d.meta.title.clone(), prose_text(d, &d.id)?))
            };
            (of_year(years[0])?, of_year(years[1])?)
        }
        _ => {
            return Err(Failure::from(
                "give OLD and NEW, or --org with --years OLD,NEW",
            ));
        }
    };
    let analyzer = analyzer_of(cli, corpus.as_ref())?;
    let comparison = crate::compare::compare(&old_text, &new_text, &analyzer, &Default::default());
    let color = out.is_none()
        && io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut out = match format {
        CompareFormat::Xlsx => crate::report::binary_output(out, "xlsx")?,
        CompareFormat::Docx => crate::report::binary_output(out, "docx")?,
        _ => crate::report::output(out)?,
    };
    use crate::report::compare as report;
    let layout = match layout {
        CompareLayout::NewOld => report::Layout::NewOld,
        CompareLayout::OldNew => report::Layout::OldNew,
    };
    let titles = report::Titles {
        old: &old_name,
        new: &new_name,
    };
    match format {
        CompareFormat::Text => report::write_text(&mut out, &comparison, color)?,
        CompareFormat::Md => report::write_markdown(&mut out, &comparison, titles)?,
        CompareFormat::Json => report::write_json(&mut out, &comparison)?,
        CompareFormat::Html => report::write_html(&mut out, &comparison, layout, titles)?,
        CompareFormat::Xlsx => report::write_xlsx(&mut out, &comparison, layout)?,
        CompareFormat::Docx => report::write_docx(&mut out, &comparison, layout, titles)?,
    }
    out.flush()?;
    Ok(())
}

pub(super) fn trend(
    cli: &Cli,
    terms: &[String],
    filter: &crate::trend::Filter,
    format: TrendFormat,
    out: Option<&Path>,
    warnings: &Warnings,
) -> Result<(), Failure> {
    let corpus = open_corpus(cli)?;
    let mut docs = corpus.documents(warnings);
    docs.retain(|d| filter.accepts(d));
    if docs.is_empty() {
        return Err(Failure::from(
            "no document of the corpus matches --kind/--org/--year (`kumiai units` lists each document's org and year)",
        ));
    }
    let analyzer = corpus.analyzer()?;
    let trend = crate::trend::trend(&docs, terms, &analyzer, warnings);
    let mut out = match format {
        TrendFormat::Xlsx => crate::report::binary_output(out, "xlsx")?,
        _ => crate::report::output(out)?,
    };
    use crate::report::trend as report;
    match format {
        TrendFormat::Table => report::write_table(&mut out, &trend)?,
        TrendFormat::Csv => report::write_csv(&mut out, &trend)?,
        TrendFormat::Json => report::write_json(&mut out, &trend)?,
        TrendFormat::Html => report::write_html(&mut out, &trend)?,
        TrendFormat::Xlsx => report::write_xlsx(&mut out, &trend)?,
    }
    out.flush()?;
    Ok(())
}
