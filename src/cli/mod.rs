//! Command-line interface: argument parsing and one function per subcommand.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::analyze::Analyzer;
use crate::corpus::Corpus;
use crate::index;
use crate::ingest::{self, Document};
use crate::report::hits::{self, Marker};
use crate::segment::{self, Unit};
use crate::warning::{Warning, Warnings};

mod add;
mod compare;
mod corpus;
mod pictures;
mod search;
mod select;
mod themes;

/// Exit status when the command looked and found nothing (a search without hits), as grep's.
const EXIT_NOTHING_FOUND: u8 = 1;
/// Exit status for errors the user must fix (bad query, bad arguments, unusable index), and
/// with `--strict` for input that gave warnings.
const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "kumiai",
    version,
    about = "Search, themes and comparison for Japanese labour-union documents (運動方針, 活動方針, アンケート)",
    after_help = "Examples:\n  kumiai search 未加入者\n  kumiai search '新採 OR 新規採用者 kind:survey' --facets\n  kumiai tokenize 自治労連と自治労の未加入者\n  kumiai survey --format csv > survey.csv\n\nExit status: 0 done (warnings about the input go to stderr and do not change it), 1 nothing\nfound (a search without hits), 2 error; with --strict any warning makes it 2."
)]
pub struct Cli {
    /// Corpus folder holding the documents and kumiai.toml.
    #[arg(long, global = true, default_value = "corpora")]
    corpus: PathBuf,
    /// Extra user dictionary (MeCab 13-column or lindera 3-column CSV); repeatable.
    #[arg(long = "user-dict", global = true)]
    user_dict: Vec<PathBuf>,
    /// List every warning instead of a summary per file (and the survey layout details).
    #[arg(long, short, global = true)]
    verbose: bool,
    /// Exit 2 when the input gave any warning (a skipped file, a survey layout doubt), for
    /// scripts that must not go on with partly read input.
    #[arg(long, global = true)]
    strict: bool,
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
    /// Documents ranked by how much they are about the query, each with its best passages.
    ///
    /// Query syntax: words (documents with more of them rank higher; a word also finds its
    /// base form, the longer words holding it, its parts and its synonyms, ranked in that
    /// order below the word as typed), +word required, -word excluded,
    /// "exact phrase", OR, ( ), and filters org: year:2025 year:2023..2025 kind:survey
    /// branch:岩手 question:悩んでいること doc:jcm-2025.
    /// Exit status 1 when nothing is found (the empty result is still printed).
    ///
    /// Examples:
    ///   kumiai search 未加入者
    ///   kumiai search 人手不足 人員確保
    ///   kumiai search '"新規採用者" -自治労連 kind:survey' --facets
    ///   kumiai search 共済 --kwic
    #[command(verbatim_doc_comment)]
    Search {
        /// The query (several arguments are joined with spaces).
        #[arg(required = true)]
        query: Vec<String>,
        #[command(flatten)]
        index: IndexArgs,
        /// Documents to show (passages with --by unit).
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Documents to skip (passages with --by unit).
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// doc: documents best first (a survey respondent counts as one), each with its best
        /// passages; unit: one flat list of passages.
        #[arg(long, value_enum, default_value_t = SearchBy::Doc)]
        by: SearchBy,
        /// Passages shown per document with --by doc.
        #[arg(long, default_value_t = 3)]
        passages: usize,
        /// Why each hit ranks where it does: document score, best passage, coverage and how
        /// each word matched (exact / base / substring / part / synonym).
        #[arg(long)]
        explain: bool,
        /// Hit counts per organisation, year, kind, 県本部, 単組 and question over all hits.
        #[arg(long)]
        facets: bool,
        /// KH Coder-style concordance: one line per occurrence.
        #[arg(long)]
        kwic: bool,
        /// Expand words with the manifest's synonyms only, not Sudachi's thesaurus (by
        /// default 団交 also finds 団体交渉 and 残業 finds 時間外労働, ranked below the word).
        #[arg(long)]
        no_thesaurus: bool,
        #[arg(long, value_enum, default_value_t = SearchFormat::Text)]
        format: SearchFormat,
        /// Output file; standard output by default (xlsx: give a file, or redirect).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print morphemes MeCab-style (surface<TAB>品詞,…); reads stdin without TEXT.
    ///
    /// The text is first normalized as the index reads it (full-width digits and letters
    /// folded: ３６協定 → 36協定), so the morphemes shown are the ones a search matches.
    ///
    /// Example: kumiai tokenize 自治労連と自治労の未加入者
    Tokenize {
        text: Option<String>,
        /// Space-separated surfaces, one line per input line.
        #[arg(long)]
        wakati: bool,
    },
    /// Recurring themes across branches (単組・県本部) with quotes, and the analyst's codebook.
    ///
    /// Examples:
    ///   kumiai themes
    ///   kumiai themes --question 新規採用者組織化で悩んでいること --by 県本部
    ///   kumiai themes --codebook codebooks/recruitment.txt --format html --out themes.html
    ///   kumiai themes --query 未加入者 --suggest-codebook my-codes.txt
    #[command(verbatim_doc_comment)]
    Themes(themes::ThemesArgs),
    /// 共起ネットワーク: terms joined by how often they occur in the same units (Jaccard).
    ///
    /// Nodes are the most frequent terms, coloured by the themes `kumiai themes` finds; with
    /// --with-groups the groups of --by are nodes too (語―外部変数). Also as CSV edge list and
    /// GraphML for Cytoscape, Gephi or R.
    ///
    /// Examples:
    ///   kumiai network --out network.html
    ///   kumiai network --question 悩んでいること --with-groups --by 県本部 --out net.html
    ///   kumiai network --min-jaccard 0.2 --graphml network.graphml --out network.html
    #[command(verbatim_doc_comment)]
    Network(pictures::NetworkArgs),
    /// 対応分析: terms (or a codebook's codes) × groups, as a biplot with every coordinate.
    ///
    /// Examples:
    ///   kumiai ca --by 県本部 --out ca.html
    ///   kumiai ca --codebook codebooks/recruitment.txt --by 県本部 --format csv --out ca-csv
    #[command(verbatim_doc_comment)]
    Ca(pictures::CaArgs),
    /// 頻出語: the top terms as a bar chart, per group as small multiples, with the table.
    ///
    /// Examples:
    ///   kumiai freq --out freq.html
    ///   kumiai freq --per-group --by 県本部 --wordcloud --out freq.html
    #[command(verbatim_doc_comment)]
    Freq(pictures::FreqArgs),
    /// The batch job: theme report for the survey, term lists per document, index.html.
    ///
    /// Example: kumiai report --out reports/
    Report {
        #[arg(long, default_value = "reports")]
        out: PathBuf,
    },
    /// 新旧対照表: what changed between two policy texts, sentence by sentence, with keyness.
    ///
    /// OLD and NEW are files or corpus document ids; or give --org and --years.
    ///
    /// Examples:
    ///   kumiai compare 2024/houshin.txt 2025/houshin.txt --format html > taisho.html
    ///   kumiai compare --org 金属労協 --years 2024,2025 --format md
    ///   kumiai compare old.txt new.txt --format docx --out taisho.docx
    #[command(verbatim_doc_comment)]
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
        /// Column order of the table: new-old (新｜旧｜備考) or old-new (旧｜新｜備考).
        #[arg(long, value_enum, default_value_t = CompareLayout::NewOld)]
        layout: CompareLayout,
        /// Output file; standard output by default (xlsx, docx: give a file, or redirect).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Frequency of terms per organisation and year (raw and per 10,000 morphemes).
    ///
    /// A term is counted as written: its exact sequence of morphemes after normalization
    /// (自治労 is not counted inside 自治労連), without the synonyms and base forms that
    /// `search` adds. To count 新採 and 新規採用者 together, give both terms.
    ///
    /// Examples:
    ///   kumiai trend 自治労 自治労連 未加入者 --format html > trend.html
    ///   kumiai trend 人員確保 --kind policy --year 2024..2025
    #[command(verbatim_doc_comment)]
    Trend {
        #[arg(required = true)]
        terms: Vec<String>,
        /// Only documents of this kind: policy, survey or report.
        #[arg(long, value_parser = parse_kind)]
        kind: Option<ingest::Kind>,
        /// Only documents of this organisation, exactly as in kumiai.toml (自治労 ≠ 自治労連).
        #[arg(long)]
        org: Option<String>,
        /// Only documents of these years: 2025, 2024-2025 or 2024..2025.
        #[arg(long, value_parser = parse_years)]
        year: Option<ingest::Years>,
        #[arg(long, value_enum, default_value_t = TrendFormat::Table)]
        format: TrendFormat,
        /// Output file; standard output by default (xlsx: give a file, or redirect).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print every unit (sentence or survey answer) of the corpus with its provenance.
    Units {
        #[arg(long, value_enum, default_value_t = UnitsFormat::Text)]
        format: UnitsFormat,
    },
    /// Print the corpus's surveys (printed forms and tables), or FILE, one row per respondent.
    ///
    /// Example: kumiai survey --format csv > survey.csv
    Survey {
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = SurveyFormat::Csv)]
        format: SurveyFormat,
        /// Include 記入者お名前 and a table's personal columns (personal data) in the output.
        #[arg(long)]
        show_personal: bool,
        /// Output file; standard output by default (xlsx: give a file, or redirect).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The local web page: search, themes, codebook, 新旧対照表 and term trends in the browser.
    ///
    /// Listens on 127.0.0.1 (this computer only) unless --host widens it, and prints the
    /// address to open. Read-only: exports are downloads. Ctrl-C stops it.
    ///
    /// Examples:
    ///   kumiai serve
    ///   kumiai serve --port 8090
    #[command(verbatim_doc_comment)]
    Serve {
        #[command(flatten)]
        index: IndexArgs,
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on; anything but 127.0.0.1 / ::1 lets other computers in.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
    },
    /// Add FILE (in the corpus folder) to kumiai.toml, guessing its entry for you to edit.
    ///
    /// For a CSV/TSV/XLSX survey the header decides the columns: 県本部/単組/支部/職場 are
    /// branches, 氏名/名前/記入者/メール personal (never indexed nor printed), columns of long
    /// text questions, the rest attributes. Prints what it decided.
    ///
    /// Example: kumiai add corpora/2025-anketo.xlsx
    #[command(verbatim_doc_comment)]
    Add { file: PathBuf },
}

#[derive(clap::Args)]
struct IndexArgs {
    /// Index folder.
    #[arg(long = "index", default_value = "index")]
    dir: PathBuf,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum SearchBy {
    Doc,
    Unit,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum SearchFormat {
    Text,
    Json,
    Csv,
    /// One self-contained page for the browser, matches marked.
    Html,
    /// Excel workbook: the hits, with --kwic the concordance, with --facets the counts.
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum)]
enum CompareFormat {
    Text,
    Md,
    Json,
    Html,
    /// Excel workbook: 新旧対照表 (changes underlined), sections, terms.
    Xlsx,
    /// Word document of the 新旧対照表 with underlined changes, for a 議案書.
    Docx,
}

#[derive(Clone, Copy, ValueEnum)]
enum CompareLayout {
    NewOld,
    OldNew,
}

#[derive(Clone, Copy, ValueEnum)]
enum TrendFormat {
    Table,
    Csv,
    Json,
    Html,
    Xlsx,
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
    Xlsx,
}

fn parse_kind(s: &str) -> Result<ingest::Kind, String> {
    match s {
        "policy" => Ok(ingest::Kind::Policy),
        "survey" => Ok(ingest::Kind::Survey),
        "report" => Ok(ingest::Kind::Report),
        _ => Err("write policy, survey or report".into()),
    }
}

fn parse_years(s: &str) -> Result<ingest::Years, String> {
    s.parse()
}

/// A failure that ends the command, with the exit status it maps to.
pub struct Failure {
    pub message: String,
    pub status: u8,
    /// Standard output was closed by its reader (`kumiai search … | head`): not an error, as
    /// for grep. Told by the `io::ErrorKind`, not by the message.
    broken_pipe: bool,
}

impl Failure {
    /// A failure with this message and exit status.
    fn new(message: impl Into<String>, status: u8) -> Self {
        Failure {
            message: message.into(),
            status,
            broken_pipe: false,
        }
    }
}

impl<E: std::fmt::Display + 'static> From<E> for Failure {
    fn from(e: E) -> Self {
        let any: &dyn std::any::Any = &e;
        let broken_pipe = any
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe);
        Failure {
            broken_pipe,
            ..Failure::new(e.to_string(), EXIT_ERROR)
        }
    }
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let warnings = Warnings::default();
    let result = match &cli.command {
        Command::Index { index, rebuild } => {
            search::build_index(&cli, &index.dir, *rebuild, &warnings)
        }
        Command::Search {
            query,
            index,
            limit,
            offset,
            by,
            passages,
            explain,
            facets,
            kwic,
            no_thesaurus,
            format,
            out,
        } => search::search(
            &cli,
            &search::SearchArgs {
                query: query.join(" "),
                index: &index.dir,
                limit: *limit,
                offset: *offset,
                by: match by {
                    SearchBy::Doc => crate::search::By::Document(*passages),
                    SearchBy::Unit => crate::search::By::Unit,
                },
                explain: *explain,
                facets: *facets,
                kwic: *kwic,
                thesaurus: !*no_thesaurus,
                format: *format,
                out: out.as_deref(),
            },
            &warnings,
        ),
        Command::Tokenize { text, wakati } => corpus::tokenize(&cli, text.as_deref(), *wakati),
        Command::Themes(args) => themes::themes(&cli, args, &warnings),
        Command::Network(args) => pictures::network(&cli, args, &warnings),
        Command::Ca(args) => pictures::ca(&cli, args, &warnings),
        Command::Freq(args) => pictures::freq(&cli, args, &warnings),
        Command::Report { out } => themes::batch_report(&cli, out, &warnings),
        Command::Compare {
            old,
            new,
            org,
            years,
            format,
            layout,
            out,
        } => compare::compare(
            &cli,
            (old.as_deref(), new.as_deref()),
            (org.as_deref(), years),
            (*format, *layout, out.as_deref()),
            &warnings,
        ),
        Command::Trend {
            terms,
            kind,
            org,
            year,
            format,
            out,
        } => {
            let filter = crate::trend::Filter {
                kind: *kind,
                org: org.clone(),
                year: *year,
            };
            compare::trend(&cli, terms, &filter, *format, out.as_deref(), &warnings)
        }
        Command::Units { format } => corpus::units(&cli, *format, &warnings),
        Command::Survey {
            file,
            format,
            show_personal,
            out,
        } => corpus::survey(
            &cli,
            file.as_deref(),
            (*format, out.as_deref()),
            *show_personal,
            &warnings,
        ),
        Command::Add { file } => add::add(&cli, file),
        Command::Serve { index, port, host } => serve(&cli, &index.dir, *host, *port),
    };
    let mut warnings = warnings.into_vec();
    // A file read twice in one run (index, then the corpus) warns once.
    let mut seen = std::collections::HashSet::new();
    warnings.retain(|w| seen.insert(w.clone()));
    let layout = match cli.command {
        Command::Index { .. } | Command::Survey { .. } => LayoutNotes::Said,
        Command::Report { .. } => LayoutNotes::InReport,
        _ => LayoutNotes::Unused,
    };
    report_warnings(&warnings, cli.verbose, layout);
    if std::env::var_os("KUMIAI_TRACE_LOADS").is_some_and(|v| !v.is_empty()) {
        let (manifests, analyzers) = crate::corpus::load_counts();
        eprintln!("trace: manifest loads {manifests}, analyzer builds {analyzers}");
    }
    match result {
        Ok(()) if cli.strict && !warnings.is_empty() => {
            eprintln!(
                "error: --strict: the input gave {} warning(s)",
                warnings.len()
            );
            ExitCode::from(EXIT_ERROR)
        }
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) if failure.broken_pipe => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                // A query or file name may carry ESC and the like: shown escaped, lines kept.
                let message: Vec<_> = failure
                    .message
                    .split('\n')
                    .map(crate::warning::escape_controls)
                    .collect();
                eprintln!("error: {}", message.join("\n"));
            }
            ExitCode::from(failure.status)
        }
    }
}

/// `kumiai serve`: the index brought up to date (its warnings said now, not at Ctrl-C),
/// then the web page until Ctrl-C.
fn serve(cli: &Cli, dir: &Path, host: std::net::IpAddr, port: u16) -> Result<(), Failure> {
    let corpus = open_corpus(cli)?;
    let startup = Warnings::default();
    let idx = search::index_for_search(&corpus, dir, &startup);
    report_warnings(&startup.into_vec(), cli.verbose, LayoutNotes::Said);
    let options = crate::serve::Options { host, port };
    Ok(crate::serve::run(corpus, idx?, options)?)
}

/// Where a command says the survey layout doubts ([`Warning::layout`]).
#[derive(Clone, Copy, PartialEq)]
enum LayoutNotes {
    /// On stderr, in plain Japanese: `survey` and `index`, which read the answers as such.
    Said,
    /// In the report's 注記; stderr only points there.
    InReport,
    /// Not at all (but with --verbose): the command does not show answers by question.
    Unused,
}

/// Prints warnings to stderr: all with --verbose, else the first few per file; layout doubts
/// as Japanese notes where the command uses the answers by question.
fn report_warnings(warnings: &[Warning], verbose: bool, layout: LayoutNotes) {
    const PER_FILE: usize = 3;
    let (doubts, warnings): (Vec<&Warning>, Vec<&Warning>) = warnings
        .iter()
        .partition(|w| w.layout.is_some() && !verbose);
    match layout {
        LayoutNotes::Said => {
            let doubts: Vec<Warning> = doubts.into_iter().cloned().collect();
            for (i, note) in crate::warning::layout_notes(&doubts).iter().enumerate() {
                let indent = if i == 0 || !note.starts_with('・') {
                    "注記: "
                } else {
                    "  "
                };
                eprintln!("{indent}{note}");
            }
        }
        LayoutNotes::InReport if !doubts.is_empty() => eprintln!(
            "注記: 調査票の読み取りに確かめるべき箇所が {} か所あります（レポートの注記を参照）",
            doubts.len()
        ),
        _ => {}
    }
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
                crate::warning::escape_controls(&file.to_string_lossy()),
                n - PER_FILE
            );
        }
    }
}

/// The corpus of `--corpus`, its manifest read once, with the `--user-dict` dictionaries.
fn open_corpus(cli: &Cli) -> Result<Corpus, Failure> {
    Ok(Corpus::open(&cli.corpus, &cli.user_dict)?)
}

/// The corpus if its folder exists: `compare` of two loose files and `tokenize` work without
/// one, with the manifest's user dictionaries when there is one.
fn corpus_if_present(cli: &Cli) -> Result<Option<Corpus>, Failure> {
    if cli.corpus.is_dir() {
        open_corpus(cli).map(Some)
    } else {
        Ok(None)
    }
}

/// The analyzer of `corpus`, or without one the shipped and `--user-dict` dictionaries.
fn analyzer_of(cli: &Cli, corpus: Option<&Corpus>) -> Result<Arc<Analyzer>, Failure> {
    match corpus {
        Some(c) => Ok(c.analyzer()?),
        None => Ok(Arc::new(Analyzer::new(&cli.user_dict)?)),
    }
}
