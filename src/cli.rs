//! Command-line interface: argument parsing and one function per subcommand.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::analyze::Analyzer;
use crate::index;
use crate::ingest::{self, Document, Manifest};
use crate::report::hits::{self, Marker};
use crate::segment::{self, Unit};
use crate::warning::{Warning, Warnings};

/// Exit status when the work completed but some input was skipped or repaired.
const EXIT_WARNINGS: u8 = 1;
/// Exit status for errors the user must fix (bad query, bad arguments, unusable index).
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "kumiai",
    version,
    about = "Search, themes and comparison for Japanese labour-union documents (運動方針, 活動方針, アンケート)",
    after_help = "Examples:\n  kumiai search 未加入者\n  kumiai search '新採 OR 新規採用者 kind:survey' --facets\n  kumiai tokenize 自治労連と自治労の未加入者\n  kumiai survey --format csv > survey.csv\n\nExit status: 0 success, 1 done with warnings about the input, 2 error."
)]
pub struct Cli {
    /// Corpus folder holding the documents and kumiai.toml.
    #[arg(long, global = true, default_value = "corpora")]
    corpus: PathBuf,
    /// Extra user dictionary (MeCab 13-column or lindera 3-column CSV); repeatable.
    #[arg(long = "user-dict", global = true)]
    user_dict: Vec<PathBuf>,
    /// List every warning instead of a summary per file.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build or update the index (only added, changed or removed files are re-read).
    ///
    /// Example: kumiai index --rebuild
    Index {
        #[command(flatten)]
        index: IndexArgs,
        /// Discard the index and build it anew (also repairs an unreadable index).
        #[arg(long)]
        rebuild: bool,
    },
    /// Ranked passages from every document and survey answer, best first.
    ///
    /// Query syntax: words (units with all words rank first), +word required, -word excluded,
    /// "exact phrase", OR, ( ), and filters org: year:2025 year:2023..2025 kind:survey
    /// branch:岩手 question:悩んでいること doc:jcm-2025.
    ///
    /// Examples:
    ///   kumiai search 未加入者
    ///   kumiai search 人手不足 人員確保
    ///   kumiai search '"新規採用者" -自治労連 kind:survey' --facets
    ///   kumiai search 共済 --kwic
    Search {
        /// The query (several arguments are joined with spaces).
        #[arg(required = true)]
        query: Vec<String>,
        #[command(flatten)]
        index: IndexArgs,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Hit counts per organisation, year, kind and 県本部 over all hits.
        #[arg(long)]
        facets: bool,
        /// KH Coder-style concordance: one line per occurrence.
        #[arg(long)]
        kwic: bool,
        #[arg(long, value_enum, default_value_t = SearchFormat::Text)]
        format: SearchFormat,
    },
    /// Print morphemes MeCab-style (surface<TAB>品詞,…); reads stdin without TEXT.
    ///
    /// Example: kumiai tokenize 自治労連と自治労の未加入者
    Tokenize {
        text: Option<String>,
        /// Space-separated surfaces, one line per input line.
        #[arg(long)]
        wakati: bool,
    },
    /// 新旧対照表: what changed between two policy texts, sentence by sentence, with keyness.
    ///
    /// OLD and NEW are files or corpus document ids; or give --org and --years.
    ///
    /// Examples:
    ///   kumiai compare 2024/houshin.txt 2025/houshin.txt --format html > taisho.html
    ///   kumiai compare --org 金属労協 --years 2024,2025 --format md
    Compare {
        old: Option<String>,
        new: Option<String>,
        /// Organisation whose documents of --years are compared.
        #[arg(long, requires = "years")]
        org: Option<String>,
        /// Two years, old first: 2024,2025.
        #[arg(long, value_delimiter = ',')]
        years: Vec<u16>,
        #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
        format: CompareFormat,
        /// Column order of the HTML table: new-old (改正後｜改正前) or old-new (旧｜新).
        #[arg(long, value_enum, default_value_t = CompareLayout::NewOld)]
        layout: CompareLayout,
    },
    /// Print every unit (sentence or survey answer) of the corpus with its provenance.
    Units {
        #[arg(long, value_enum, default_value_t = UnitsFormat::Text)]
        format: UnitsFormat,
    },
    /// Print the corpus's printed-form surveys (or FILE), one row per respondent.
    ///
    /// Example: kumiai survey --format csv > survey.csv
    Survey {
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = SurveyFormat::Csv)]
        format: SurveyFormat,
        /// Include 記入者お名前 (personal data) in the output.
        #[arg(long)]
        show_personal: bool,
    },
}

#[derive(clap::Args)]
struct IndexArgs {
    /// Index folder.
    #[arg(long = "index", default_value = "index")]
    dir: PathBuf,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum SearchFormat {
    Text,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum CompareFormat {
    Text,
    Md,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum)]
enum CompareLayout {
    NewOld,
    OldNew,
}

#[derive(Clone, Copy, ValueEnum)]
enum UnitsFormat {
    Text,
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum SurveyFormat {
    Csv,
    Json,
}

/// A failure that ends the command, with the exit status it maps to.
pub struct Failure {
    pub message: String,
    pub status: u8,
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            message: e.to_string(),
            status: EXIT_ERROR,
        }
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let warnings = Warnings::default();
    let result = match &cli.command {
        Command::Index { index, rebuild } => build_index(&cli, &index.dir, *rebuild, &warnings),
        Command::Search {
            query,
            index,
            limit,
            offset,
            facets,
            kwic,
            format,
        } => search(
            &cli,
            &SearchArgs {
                query: query.join(" "),
                index: &index.dir,
                limit: *limit,
                offset: *offset,
                facets: *facets,
                kwic: *kwic,
                format: *format,
            },
            &warnings,
        ),
        Command::Tokenize { text, wakati } => tokenize(&cli, text.as_deref(), *wakati),
        Command::Compare {
            old,
            new,
            org,
            years,
            format,
            layout,
        } => compare(
            &cli,
            (old.as_deref(), new.as_deref()),
            (org.as_deref(), years),
            *format,
            *layout,
            &warnings,
        ),
        Command::Units { format } => units(&cli, *format, &warnings),
        Command::Survey {
            file,
            format,
            show_personal,
        } => survey(&cli, file.as_deref(), *format, *show_personal, &warnings),
    };
    let warnings = warnings.into_vec();
    report_warnings(&warnings, cli.verbose);
    match result {
        Ok(()) if warnings.is_empty() => ExitCode::SUCCESS,
        Ok(()) => ExitCode::from(EXIT_WARNINGS),
        Err(failure) if failure.message.contains("Broken pipe") => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("error: {}", failure.message);
            }
            ExitCode::from(failure.status)
        }
    }
}

/// Prints warnings to stderr: all with --verbose, else the first few per file.
fn report_warnings(warnings: &[Warning], verbose: bool) {
    const PER_FILE: usize = 3;
    let mut shown: std::collections::BTreeMap<&Path, usize> = Default::default();
    for w in warnings {
        let n = shown.entry(&w.file).or_default();
        *n += 1;
        if verbose || *n <= PER_FILE {
            eprintln!("warning: {w}");
        }
    }
    for (file, n) in shown {
        if !verbose && n > PER_FILE {
            eprintln!(
                "warning: {}: {} more warning(s); --verbose lists them",
                file.display(),
                n - PER_FILE
            );
        }
    }
}

fn analyzer(cli: &Cli, manifest: Option<&Manifest>) -> Result<Analyzer, Failure> {
    let mut dicts = cli.user_dict.clone();
    if let Some(m) = manifest {
        dicts.extend(m.user_dictionaries.iter().map(|p| cli.corpus.join(p)));
    }
    Ok(Analyzer::new(&dicts)?)
}

fn tokenize(cli: &Cli, text: Option<&str>, wakati: bool) -> Result<(), Failure> {
    let analyzer = analyzer(cli, None)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut emit = |line: &str| -> io::Result<()> {
        let tokens = analyzer.tokenize(line);
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

/// The corpus, decoded; the manifest is required to parse if present.
pub fn load_corpus(
    corpus: &Path,
    warnings: &Warnings,
) -> Result<(Manifest, Vec<Document>), Failure> {
    let manifest = load_manifest(corpus)?;
    let docs = ingest::load_corpus(corpus, &manifest, warnings);
    Ok((manifest, docs))
}

fn units(cli: &Cli, format: UnitsFormat, warnings: &Warnings) -> Result<(), Failure> {
    let (_, docs) = load_corpus(&cli.corpus, warnings)?;
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
struct UnitRecord<'a> {
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

fn unit_line(doc: &Document, unit: &Unit) -> String {
    let place = match (&unit.prefecture, &unit.local, &unit.question) {
        (Some(p), l, q) => format!(
            "{p}/{}/{}",
            l.as_deref().unwrap_or("-"),
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

fn survey(
    cli: &Cli,
    file: Option<&Path>,
    format: SurveyFormat,
    show_personal: bool,
    warnings: &Warnings,
) -> Result<(), Failure> {
    let docs: Vec<Document> = match file {
        Some(path) => {
            let root = path.parent().unwrap_or(Path::new("."));
            let name = Path::new(path.file_name().ok_or("FILE must name a file")?);
            let doc = ingest::load_file(root, name, None, warnings)
                .ok_or_else(|| format!("cannot read {}", path.display()))?;
            if !matches!(doc.layout, ingest::Layout::Form(_)) {
                return Err(Failure::from(format!(
                    "{}: not a known survey form (its record headers and question labels were not found)",
                    path.display()
                )));
            }
            vec![doc]
        }
        None => load_corpus(&cli.corpus, warnings)?.1,
    };
    let table = crate::report::survey::SurveyTable::build(&docs, show_personal, warnings);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match format {
        SurveyFormat::Csv => table.write_csv(&mut out)?,
        SurveyFormat::Json => table.write_json(&mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// Brings the index up to date, printing what changed unless nothing did.
fn update_index(
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

fn load_manifest(corpus: &Path) -> Result<Manifest, Failure> {
    if !corpus.is_dir() {
        return Err(Failure::from(format!(
            "corpus folder {} not found: run from the project folder or pass --corpus DIR",
            corpus.display()
        )));
    }
    Ok(Manifest::load(corpus)?)
}

fn build_index(cli: &Cli, dir: &Path, rebuild: bool, warnings: &Warnings) -> Result<(), Failure> {
    let idx = update_index(cli, dir, rebuild, warnings)?;
    let reader = idx.index.reader().map_err(Failure::from)?;
    eprintln!(
        "index {} holds {} unit(s)",
        dir.display(),
        reader.searcher().num_docs()
    );
    Ok(())
}

struct SearchArgs<'a> {
    query: String,
    index: &'a Path,
    limit: usize,
    offset: usize,
    facets: bool,
    kwic: bool,
    format: SearchFormat,
}

fn search(cli: &Cli, args: &SearchArgs, warnings: &Warnings) -> Result<(), Failure> {
    let parsed = crate::search::query::parse(&args.query).map_err(|e| Failure {
        message: format!("invalid query\n{}", e.render(&args.query)),
        status: EXIT_ERROR,
    })?;
    let idx = update_index(cli, args.index, false, warnings)?;
    let manifest = load_manifest(&cli.corpus)?;
    let synonyms = crate::search::Synonyms::new(&manifest.synonyms);
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
        (SearchFormat::Text, true) => hits::write_kwic(&mut out, &results, marker)?,
        (SearchFormat::Text, false) => hits::write_terminal(&mut out, &results, marker)?,
    }
    out.flush()?;
    Ok(())
}

/// The text of a compare operand: a file path, else a corpus document id.
fn compare_operand(
    arg: &str,
    docs: &[Document],
    warnings: &Warnings,
) -> Result<(String, String), Failure> {
    let path = Path::new(arg);
    if path.is_file() {
        let root = path.parent().unwrap_or(Path::new("."));
        let name = Path::new(path.file_name().ok_or("OLD and NEW must name files")?);
        let doc = ingest::load_file(root, name, None, warnings)
            .ok_or_else(|| format!("cannot read {arg}"))?;
        return Ok((arg.to_string(), doc.text));
    }
    docs.iter()
        .find(|d| d.id == arg)
        .map(|d| (d.meta.title.clone(), d.text.clone()))
        .ok_or_else(|| {
            Failure::from(format!(
                "{arg}: no such file, nor a document id in the corpus (see `kumiai units`)"
            ))
        })
}

fn compare(
    cli: &Cli,
    (old, new): (Option<&str>, Option<&str>),
    (org, years): (Option<&str>, &[u16]),
    format: CompareFormat,
    layout: CompareLayout,
    warnings: &Warnings,
) -> Result<(), Failure> {
    let needs_corpus =
        org.is_some() || [old, new].iter().flatten().any(|a| !Path::new(a).is_file());
    let docs = if needs_corpus {
        load_corpus(&cli.corpus, warnings)?.1
    } else {
        Vec::new()
    };
    let ((old_name, old_text), (new_name, new_text)) = match (old, new, org) {
        (Some(old), Some(new), None) => (
            compare_operand(old, &docs, warnings)?,
            compare_operand(new, &docs, warnings)?,
        ),
        (None, None, Some(org)) if years.len() == 2 => {
            let of_year = |year: u16| {
                docs.iter()
                    .find(|d| {
                        d.meta.org == org
                            && d.meta.year.is_some_and(|y| y.from <= year && year <= y.to)
                    })
                    .map(|d| (d.meta.title.clone(), d.text.clone()))
                    .ok_or_else(|| {
                        Failure::from(format!("no document of {org} for {year} in the corpus"))
                    })
            };
            (of_year(years[0])?, of_year(years[1])?)
        }
        _ => {
            return Err(Failure::from(
                "give OLD and NEW, or --org with --years OLD,NEW",
            ));
        }
    };
    let analyzer = analyzer(cli, None)?;
    let comparison = crate::compare::compare(&old_text, &new_text, &analyzer, &Default::default());
    let stdout = io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut out = io::BufWriter::new(stdout.lock());
    use crate::report::compare as report;
    match format {
        CompareFormat::Text => report::write_text(&mut out, &comparison, color)?,
        CompareFormat::Md => report::write_markdown(&mut out, &comparison)?,
        CompareFormat::Json => report::write_json(&mut out, &comparison)?,
        CompareFormat::Html => {
            let layout = match layout {
                CompareLayout::NewOld => report::Layout::NewOld,
                CompareLayout::OldNew => report::Layout::OldNew,
            };
            let (old_label, new_label) = layout.labels();
            let old_label = format!("{old_label}（{old_name}）");
            let new_label = format!("{new_label}（{new_name}）");
            report::write_html(&mut out, &comparison, layout, &old_label, &new_label)?
        }
    }
    out.flush()?;
    Ok(())
}
