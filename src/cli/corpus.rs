//! `kumiai tokenize`, `units` and `survey`: the corpus as the foundation stages see it.

use super::*;

pub(super) fn tokenize(cli: &Cli, text: Option<&str>, wakati: bool) -> Result<(), Failure> {
    let analyzer = analyzer_of(cli, corpus_if_present(cli)?.as_ref())?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut emit = |line: &str| -> io::Result<()> {
        // Normalized as the index reads a unit, so what is shown is what a search matches.
        let norm = crate::normalize::normalize(line, 0..line.len()).0.text;
        let tokens = analyzer.tokenize(&norm);
        if wakati {
            let surfaces: Vec<&str> = tokens.iter().map(|t| t.surface.as_str()).collect();
            writeln!(out, "{}", surfaces.join(" "))
        } else {
            for t in &tokens {
                writeln!(out, "{}\t{}", t.surface, t.features.join(","))?;
            }
            writeln!(out, "EOS")
        }
    };
    match text {
        Some(text) => text.lines().try_for_each(&mut emit)?,
        None => {
            for line in io::stdin().lock().lines() {
                emit(&line?)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

pub(super) fn units(cli: &Cli, format: UnitsFormat, warnings: &Warnings) -> Result<(), Failure> {
    let docs = open_corpus(cli)?.documents(warnings);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for doc in &docs {
        if doc.encoding != "UTF-8" {
            eprintln!("note: {}: read as {}", doc.path.display(), doc.encoding);
        }
        for unit in segment::segment(doc, warnings) {
            match format {
                UnitsFormat::Jsonl => {
                    serde_json::to_writer(&mut out, &UnitRecord::new(doc, &unit))?;
                    writeln!(out)?;
                }
                UnitsFormat::Text => writeln!(out, "{}", unit_line(doc, &unit))?,
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// A unit with its document's metadata, as `units --format jsonl` prints it.
#[derive(serde::Serialize)]
pub(super) struct UnitRecord<'a> {
    file: &'a Path,
    org: &'a str,
    year: Option<String>,
    doc_kind: &'a str,
    /// The encoding the file was decoded from.
    encoding: &'a str,
    #[serde(flatten)]
    unit: &'a Unit,
}

impl<'a> UnitRecord<'a> {
    fn new(doc: &'a Document, unit: &'a Unit) -> Self {
        Self {
            file: &doc.path,
            org: &doc.meta.org,
            year: doc.meta.year.map(|y| y.to_string()),
            doc_kind: doc.meta.kind.as_str(),
            encoding: doc.encoding,
            unit,
        }
    }
}

pub(super) fn unit_line(doc: &Document, unit: &Unit) -> String {
    // Branches as written: this is the display; grouping uses the canonical names.
    let prefecture = unit
        .prefecture_as_written
        .as_ref()
        .or(unit.prefecture.as_ref());
    let local = unit.local_as_written.as_ref().or(unit.local.as_ref());
    let place = match (prefecture, local, &unit.question) {
        (Some(p), l, q) => format!(
            "{p}/{}/{}",
            l.map_or("-", String::as_str),
            q.as_deref().unwrap_or("-")
        ),
        _ => unit.section.join(" > "),
    };
    format!(
        "{}:{}\t{}\t{}",
        doc.id,
        unit.line,
        place,
        unit.text.replace('\n', "⏎")
    )
}

pub(super) fn survey(
    cli: &Cli,
    file: Option<&Path>,
    (format, out): (SurveyFormat, Option<&Path>),
    show_personal: bool,
    warnings: &Warnings,
) -> Result<(), Failure> {
    let corpus = corpus_if_present(cli)?;
    let docs: Vec<Document> = match file {
        Some(path) => {
            let doc = crate::corpus::load_named_file(corpus.as_ref(), path, warnings)?;
            match doc.layout {
                ingest::Layout::Form(_)
                | ingest::Layout::UnknownForm(_)
                | ingest::Layout::Table(_) => {}
                ingest::Layout::Prose => {
                    return Err(Failure::from(format!(
                        "{}: not a known survey form (its record headers and question labels were not found)",
                        path.display()
                    )));
                }
            }
            vec![doc]
        }
        None => match &corpus {
            Some(c) => c.documents(warnings),
            None => open_corpus(cli)?.documents(warnings),
        },
    };
    let table = crate::report::survey::SurveyTable::build(&docs, show_personal, warnings);
    let mut out = match format {
        SurveyFormat::Xlsx => crate::report::binary_output(out, "xlsx")?,
        _ => crate::report::output(out)?,
    };
    match format {
        SurveyFormat::Csv => table.write_csv(&mut out)?,
        SurveyFormat::Json => table.write_json(&mut out)?,
        SurveyFormat::Xlsx => table.write_xlsx(&mut out)?,
    }
    out.flush()?;
    Ok(())
}
