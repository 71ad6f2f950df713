//! `kumiai themes` and the batch `kumiai report`.

use std::path::Path;

use super::*;
use crate::report::themes as report;
use crate::themes::{self, By, Selection};

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum ByArg {
    #[value(name = "単組", alias = "local")]
    Local,
    #[value(name = "県本部", alias = "prefecture")]
    Prefecture,
    #[value(name = "org", alias = "組織")]
    Org,
    #[value(name = "year", alias = "年度")]
    Year,
    #[value(name = "question", alias = "設問")]
    Question,
}

impl From<ByArg> for By {
    fn from(b: ByArg) -> Self {
        match b {
            ByArg::Local => By::Local,
            ByArg::Prefecture => By::Prefecture,
            ByArg::Org => By::Org,
            ByArg::Year => By::Year,
            ByArg::Question => By::Question,
        }
    }
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub(super) enum ThemesFormat {
    Md,
    Html,
    Json,
    Csv,
}

#[derive(clap::Args)]
pub(super) struct ThemesArgs {
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
    /// Grouping for coverage and cross-tabs: 単組 (default), 県本部, org, year, question.
    #[arg(long, value_enum, default_value_t = ByArg::Local)]
    pub(super) by: ByArg,
    /// The analyst's codebook (KH Coder-style coding rules), e.g. codebooks/recruitment.txt.
    #[arg(long)]
    pub(super) codebook: Option<PathBuf>,
    /// Write the discovered themes as a starter codebook to this file.
    #[arg(long)]
    pub(super) suggest_codebook: Option<PathBuf>,
    /// Stopword list replacing the shipped one (one word per line).
    #[arg(long)]
    pub(super) stopwords: Option<PathBuf>,
    /// Merge only the manifest's synonyms into one term, not Sudachi's thesaurus (by default
    /// 団交 counts with 団体交渉 and 忙しい with 多忙); --query expands the same way.
    #[arg(long)]
    pub(super) no_thesaurus: bool,
    #[command(flatten)]
    pub(super) index: IndexArgs,
    #[arg(long, value_enum, default_value_t = ThemesFormat::Md)]
    pub(super) format: ThemesFormat,
    /// Output file (folder for csv); standard output by default.
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum KindArg {
    Policy,
    Survey,
    Report,
}

impl From<KindArg> for ingest::Kind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Policy => ingest::Kind::Policy,
            KindArg::Survey => ingest::Kind::Survey,
            KindArg::Report => ingest::Kind::Report,
        }
    }
}

/// The manifest, and every document of the corpus with its units, segmented in parallel.
type Segmented = (Manifest, Vec<(Document, Vec<Unit>)>);

pub(super) fn segmented(cli: &Cli, warnings: &Warnings) -> Result<Segmented, Failure> {
    use rayon::prelude::*;
    let (manifest, docs) = load_corpus(&cli.corpus, warnings)?;
    let docs = docs
        .into_par_iter()
        .map(|d| {
            let units = segment::segment(&d, warnings);
            (d, units)
        })
        .collect();
    Ok((manifest, docs))
}

pub(super) fn themes(cli: &Cli, args: &ThemesArgs, warnings: &Warnings) -> Result<(), Failure> {
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
        let idx = search::update_index(cli, &args.index.dir, false, warnings)?;
        let manifest = load_manifest(&cli.corpus)?;
        let synonyms = crate::search::Synonyms::new(&manifest.synonyms, !args.no_thesaurus);
        selection.matching = Some(
            crate::search::matching_units(&idx, &parsed, &synonyms)
                .map_err(|e| index::IndexError::Corrupt(idx.dir.clone(), e.to_string()))?,
        );
        selection.query = Some(q.clone());
    }
    let (manifest, docs) = segmented(cli, warnings)?;
    let by: By = args.by.into();
    let units = themes::select(&docs, &selection, by);
    if units.is_empty() {
        return Err(Failure::from(format!(
            "no units selected ({}): check the filters",
            selection.describe()
        )));
    }
    let analyzer = analyzer(cli, Some(&manifest))?;
    let options = themes::Options {
        by,
        stopwords: args.stopwords.clone(),
        concepts: themes::terms::Concepts::new(&manifest.synonyms, !args.no_thesaurus),
        codebook: args.codebook.clone(),
    };
    let result = themes::analyze(units, &selection, &analyzer, &options)?;
    if let Some(path) = &args.suggest_codebook {
        let all: Vec<_> = result
            .themes
            .iter()
            .chain(&result.single_branch)
            .cloned()
            .collect();
        std::fs::write(path, themes::codebook::suggest(&all, &result.terms))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("starter codebook written to {}", path.display());
    }
    write_report(&result, args.format, args.out.as_deref())
}

fn write_report(
    result: &themes::model::ThemeReport,
    format: ThemesFormat,
    out: Option<&Path>,
) -> Result<(), Failure> {
    type Writer = fn(&mut Box<dyn Write>, &themes::model::ThemeReport) -> io::Result<()>;
    let write: Writer = match format {
        ThemesFormat::Md => report::write_markdown,
        ThemesFormat::Html => report::write_html,
        ThemesFormat::Json => report::write_json,
        ThemesFormat::Csv => {
            let dir = out.unwrap_or(Path::new("themes-csv"));
            let files = report::write_csv_dir(dir, result)?;
            eprintln!("{} CSV file(s) written to {}", files.len(), dir.display());
            return Ok(());
        }
    };
    let mut sink: Box<dyn Write> = match out {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    write(&mut sink, result)?;
    sink.flush()?;
    Ok(())
}

/// The batch job: the survey theme report (HTML, Markdown, JSON, CSV), a term list per
/// document, and an index.html linking them.
pub(super) fn batch_report(cli: &Cli, out: &Path, warnings: &Warnings) -> Result<(), Failure> {
    use indicatif::{ProgressBar, ProgressStyle};
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let (manifest, docs) = segmented(cli, warnings)?;
    let analyzer = analyzer(cli, Some(&manifest))?;
    let concepts = themes::terms::Concepts::new(&manifest.synonyms, true);
    let steps = docs.len() as u64 + 1;
    let bar = if io::stderr().is_terminal() {
        ProgressBar::new(steps)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("report [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut links: Vec<(String, String)> = Vec::new();
    bar.set_message("テーマ分析");
    let selection = Selection::default();
    let units = themes::select(&docs, &selection, By::Local);
    if !units.is_empty() {
        let options = themes::Options {
            by: By::Local,
            stopwords: None,
            concepts: concepts.clone(),
            codebook: None,
        };
        let result = themes::analyze(units, &selection, &analyzer, &options)?;
        for (file, format) in [
            ("themes.html", ThemesFormat::Html),
            ("themes.md", ThemesFormat::Md),
            ("themes.json", ThemesFormat::Json),
            ("themes-csv", ThemesFormat::Csv),
        ] {
            write_report(&result, format, Some(&out.join(file)))?;
        }
        links.push((
            "themes.html".into(),
            "アンケート自由記述のテーマ（単組別）".into(),
        ));
    }
    bar.inc(1);
    let stopwords = themes::terms::Stopwords::builtin();
    let lexicon = themes::terms::Lexicon {
        stopwords: &stopwords,
        concepts: &concepts,
    };
    for pair in &docs {
        let doc = &pair.0;
        bar.set_message(doc.id.clone());
        let units = themes::select(
            std::slice::from_ref(pair),
            &Selection {
                kind: Some(doc.meta.kind),
                ..Default::default()
            },
            By::Org,
        );
        let terms = themes::terms::extract(&units, &analyzer, lexicon);
        let file = format!("terms-{}.csv", doc.id.replace(['/', '\\'], "_"));
        let w = io::BufWriter::new(
            std::fs::File::create(out.join(&file))
                .map_err(|e| format!("cannot create {file}: {e}"))?,
        );
        let mut csv = crate::report::excel::CsvWriter::new(w)?;
        csv.write_record(["語", "同義語", "スコア", "出現数", "文数"])?;
        for t in &terms.stats {
            csv.write_record([
                t.term.clone(),
                t.variants_cell(),
                format!("{:.3}", t.score),
                t.frequency.to_string(),
                t.units.to_string(),
            ])?;
        }
        csv.flush()?;
        links.push((file, format!("特徴語一覧：{}", doc.meta.title)));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut index = Vec::new();
    crate::report::html_start(
        &mut index,
        "kumiai レポート",
        "body{font-family:sans-serif;margin:1em}li{margin:.3em 0}",
    )?;
    writeln!(index, "<h1>kumiai レポート</h1><ul>")?;
    for (href, label) in &links {
        writeln!(
            index,
            "<li><a href=\"{}\">{}</a></li>",
            crate::report::escape_html(href),
            crate::report::escape_html(label)
        )?;
    }
    writeln!(index, "</ul></body></html>")?;
    std::fs::write(out.join("index.html"), index)
        .map_err(|e| format!("cannot write index.html: {e}"))?;
    eprintln!("report written to {}", out.join("index.html").display());
    Ok(())
}
