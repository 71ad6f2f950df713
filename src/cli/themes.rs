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
    /// One Excel workbook, a worksheet per table of the CSV folder.
    Xlsx,
}

#[derive(clap::Args)]
pub(super) struct ThemesArgs {
    #[command(flatten)]
    pub(super) select: select::SelectArgs,
    /// The analyst's codebook (KH Coder-style coding rules), e.g. codebooks/recruitment.txt;
    /// by default the shipped codebooks/organising.txt.
    #[arg(long, conflicts_with = "no_codebook")]
    pub(super) codebook: Option<PathBuf>,
    /// Discovered themes only, without the shipped codebook.
    #[arg(long)]
    pub(super) no_codebook: bool,
    /// Write the discovered themes as a starter codebook to this file (each rule a tested
    /// combination of a theme's terms).
    #[arg(long)]
    pub(super) suggest_codebook: Option<PathBuf>,
    /// Number of themes to look for (default: about one per six clauses, 4–80).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(super) themes: Option<u32>,
    /// A word counts only if it occurs in at least this many clauses (default 2).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub(super) min_freq: u32,
    /// Parts of speech that give terms, comma-separated: 名詞,動詞,形容詞 (noun,verb,adj).
    #[arg(long, default_value = "名詞,動詞,形容詞")]
    pub(super) pos: themes::terms::PartsOfSpeech,
    /// Stopword list replacing the shipped one (one word per line).
    #[arg(long)]
    pub(super) stopwords: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ThemesFormat::Md)]
    pub(super) format: ThemesFormat,
    /// Output file (folder for csv); standard output by default (xlsx: give a file, or
    /// redirect).
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

pub(super) fn themes(cli: &Cli, args: &ThemesArgs, warnings: &Warnings) -> Result<(), Failure> {
    let select::Selected {
        selection,
        by,
        units,
        analyzer,
        concepts,
        notes,
    } = select::select(cli, &args.select, warnings)?;
    let options = themes::Options {
        by,
        stopwords: args.stopwords.clone(),
        concepts,
        pos: args.pos,
        codebook: match (&args.codebook, args.no_codebook) {
            (Some(path), _) => themes::CodebookSource::File(path.clone()),
            (None, true) => themes::CodebookSource::None,
            (None, false) => themes::CodebookSource::Shipped,
        },
        discover: themes::discover::DiscoverOptions {
            themes: args.themes.map(|n| n as usize),
            min_units: args.min_freq as usize,
            ..Default::default()
        },
    };
    let suggest_units = args.suggest_codebook.as_ref().map(|_| units.clone());
    let picture_units = (args.format == ThemesFormat::Html).then(|| units.clone());
    let mut result = themes::analyze(units, &selection, &analyzer, &options)?;
    result.notes = notes;
    let pictures = picture_units.map(|units| {
        crate::report::pictures::theme_report_pictures(
            &units,
            &result,
            &analyzer,
            &options.concepts,
            by,
        )
    });
    if let (Some(path), Some(units)) = (&args.suggest_codebook, suggest_units) {
        let all: Vec<_> = result
            .themes
            .iter()
            .chain(&result.single_branch)
            .cloned()
            .collect();
        let text = themes::codebook::suggest(&all, &result.terms, &units, &analyzer);
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("starter codebook written to {}", path.display());
    }
    write_report(&result, pictures.as_ref(), args.format, args.out.as_deref())
}

/// Writes the report in `format` (HTML with its 図 section when `pictures` are given).
fn write_report(
    result: &themes::model::ThemeReport,
    pictures: Option<&crate::report::pictures::Pictures>,
    format: ThemesFormat,
    out: Option<&Path>,
) -> Result<(), Failure> {
    type Writer = fn(&mut Box<dyn Write>, &themes::model::ThemeReport) -> io::Result<()>;
    let write: Writer = match format {
        ThemesFormat::Md => report::write_markdown,
        ThemesFormat::Html => {
            let mut sink = crate::report::output(out)?;
            report::write_html_with(&mut sink, result, pictures)?;
            sink.flush()?;
            return Ok(());
        }
        ThemesFormat::Json => report::write_json,
        ThemesFormat::Xlsx => {
            let mut sink = crate::report::binary_output(out, "xlsx")?;
            report::write_xlsx(&mut sink, result)?;
            sink.flush()?;
            return Ok(());
        }
        ThemesFormat::Csv => {
            let dir = out.unwrap_or(Path::new("themes-csv"));
            let files = report::write_csv_dir(dir, result)?;
            eprintln!("{} CSV file(s) written to {}", files.len(), dir.display());
            return Ok(());
        }
    };
    let mut sink = crate::report::output(out)?;
    write(&mut sink, result)?;
    sink.flush()?;
    Ok(())
}

/// The batch job: the survey theme report (HTML, Markdown, JSON, CSV, XLSX), a term list per
/// document (a page, and CSV for Excel), a 新旧対照表 for each organisation with policies of
/// two years, and an index.html linking the pages.
pub(super) fn batch_report(cli: &Cli, out: &Path, warnings: &Warnings) -> Result<(), Failure> {
    use indicatif::{ProgressBar, ProgressStyle};
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let corpus = open_corpus(cli)?;
    let docs = corpus.segmented(warnings);
    let analyzer = corpus.analyzer()?;
    let concepts = corpus.concepts(true);
    let pairs = policy_pairs(&docs);
    let steps = docs.len() as u64 + 1 + pairs.len() as u64;
    let bar = if io::stderr().is_terminal() {
        ProgressBar::new(steps)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("report [{bar:30}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut index = Index::default();
    bar.set_message("テーマ分析");
    let selection = Selection::default();
    let units = themes::select(&docs, &selection, By::Local);
    if !units.is_empty() {
        let options = themes::Options {
            by: By::Local,
            stopwords: None,
            concepts: concepts.clone(),
            pos: Default::default(),
            codebook: themes::CodebookSource::Shipped,
            discover: Default::default(),
        };
        let notes = crate::corpus::layout_notes(&docs, &units, warnings);
        let mut result = themes::analyze(units, &selection, &analyzer, &options)?;
        result.notes = notes;
        // The pictures group by 県本部: 単組 are too many points for a readable biplot.
        let grouped = themes::select(&docs, &selection, By::Prefecture);
        let pictures = crate::report::pictures::theme_report_pictures(
            &grouped,
            &result,
            &analyzer,
            &concepts,
            By::Prefecture,
        );
        for (file, format) in [
            ("themes.html", ThemesFormat::Html),
            ("themes.md", ThemesFormat::Md),
            ("themes.json", ThemesFormat::Json),
            ("themes-csv", ThemesFormat::Csv),
            ("themes.xlsx", ThemesFormat::Xlsx),
        ] {
            write_report(&result, Some(&pictures), format, Some(&out.join(file)))?;
        }
        let mut page = Vec::new();
        crate::report::pictures::write_page(
            &mut page,
            "アンケート自由記述の図",
            &pictures.figures,
            &pictures.tables,
        )?;
        std::fs::write(out.join("pictures.html"), page)
            .map_err(|e| format!("cannot write pictures.html: {e}"))?;
        index.link(
            "themes.html",
            "アンケート自由記述のテーマ（単組別）",
            &[
                ("Excel", "themes.xlsx"),
                ("Markdown", "themes.md"),
                ("JSON", "themes.json"),
                ("CSV", "themes-csv/"),
            ],
        );
        index.link(
            "pictures.html",
            "アンケート自由記述の図（共起ネットワーク・対応分析・頻出語）",
            &[],
        );
    }
    bar.inc(1);
    for (old, new) in &pairs {
        bar.set_message(format!("新旧対照表 {}", new.meta.org));
        let comparison =
            crate::compare::compare(&old.text, &new.text, &analyzer, &Default::default());
        let stem = format!("compare-{}-{}", file_stem(&old.id), file_stem(&new.id));
        let titles = crate::report::compare::Titles {
            old: &old.meta.title,
            new: &new.meta.title,
        };
        let layout = crate::report::compare::Layout::NewOld;
        let write = |name: &str, bytes: Vec<u8>| {
            std::fs::write(out.join(name), bytes).map_err(|e| format!("cannot write {name}: {e}"))
        };
        let mut page = Vec::new();
        crate::report::compare::write_html(&mut page, &comparison, layout, titles)?;
        write(&format!("{stem}.html"), page)?;
        let mut docx = Vec::new();
        crate::report::compare::write_docx(&mut docx, &comparison, layout, titles)?;
        write(&format!("{stem}.docx"), docx)?;
        let mut xlsx = Vec::new();
        crate::report::compare::write_xlsx(&mut xlsx, &comparison, layout)?;
        write(&format!("{stem}.xlsx"), xlsx)?;
        index.link(
            &format!("{stem}.html"),
            &format!(
                "新旧対照表：{}（{} → {}）",
                new.meta.org,
                old.meta.year.map(|y| y.to_string()).unwrap_or_default(),
                new.meta.year.map(|y| y.to_string()).unwrap_or_default()
            ),
            &[
                ("Word", &format!("{stem}.docx")),
                ("Excel", &format!("{stem}.xlsx")),
            ],
        );
        bar.inc(1);
    }
    let stopwords = crate::lexicon::Stopwords::builtin();
    let lexicon = themes::terms::Lexicon {
        stopwords: &stopwords,
        concepts: &concepts,
        pos: Default::default(),
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
        let stem = format!("terms-{}", file_stem(&doc.id));
        let title = format!("特徴語一覧：{}", doc.meta.title);
        let mut sheet = crate::report::sheet::Sheet::new(
            "特徴語",
            ["語", "同義語", "スコア", "出現数", "文数"],
        );
        for t in &terms.stats {
            sheet.row(vec![
                (&t.term).into(),
                t.variants_cell().into(),
                crate::report::sheet::Cell::num(t.score, 3),
                t.frequency.into(),
                t.units.into(),
            ]);
        }
        let csv = format!("{stem}.csv");
        let file = std::fs::File::create(out.join(&csv))
            .map_err(|e| format!("cannot create {csv}: {e}"))?;
        sheet.write_csv(io::BufWriter::new(file))?;
        let html = format!("{stem}.html");
        let mut page = Vec::new();
        crate::report::html_start(&mut page, &title, TERMS_STYLE)?;
        writeln!(page, "<h1>{}</h1>", crate::report::escape_html(&title))?;
        crate::report::table::Table::from_sheet(&sheet).write_html(&mut page)?;
        writeln!(page, "</body></html>")?;
        std::fs::write(out.join(&html), page).map_err(|e| format!("cannot write {html}: {e}"))?;
        index.link(&html, &title, &[("CSV", &csv)]);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut page = Vec::new();
    crate::report::html_start(
        &mut page,
        "kumiai レポート",
        "body{margin:1em}li{margin:.3em 0}.alt{color:#666;font-size:.9em}",
    )?;
    writeln!(page, "<h1>kumiai レポート</h1><ul>")?;
    for Link {
        href,
        label,
        alternatives,
    } in &index.links
    {
        let html = crate::report::escape_html;
        let alts: Vec<String> = alternatives
            .iter()
            .map(|(name, href)| format!("<a href=\"{}\">{}</a>", html(href), html(name)))
            .collect();
        let alts = if alts.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"alt\">（{}）</span>", alts.join("・"))
        };
        writeln!(
            page,
            "<li><a href=\"{}\">{}</a>{alts}</li>",
            html(href),
            html(label)
        )?;
    }
    writeln!(page, "</ul>")?;
    // Survey layout doubts: the answers these pages quote may sit under the wrong question.
    let notes = crate::warning::layout_notes(&warnings.snapshot());
    if !notes.is_empty() {
        writeln!(page, "<h2>注記</h2><ul class=\"notes\">")?;
        for note in &notes {
            let note = note.strip_prefix('・').unwrap_or(note);
            writeln!(page, "<li>{}</li>", crate::report::escape_html(note))?;
        }
        writeln!(page, "</ul>")?;
    }
    writeln!(page, "</body></html>")?;
    std::fs::write(out.join("index.html"), page)
        .map_err(|e| format!("cannot write index.html: {e}"))?;
    for Link { href, label, .. } in &index.links {
        eprintln!("  {}  {label}", out.join(href).display());
    }
    eprintln!("report written to {}", out.join("index.html").display());
    Ok(())
}

const TERMS_STYLE: &str = "body{margin:1em}table{border-collapse:collapse}\
td,th{border:1px solid #aaa;padding:.2em .5em}td.n{text-align:right}";

/// A page of the batch report, with its other formats: (name, file).
struct Link {
    href: String,
    label: String,
    alternatives: Vec<(String, String)>,
}

/// The pages of the batch report, in order.
#[derive(Default)]
struct Index {
    links: Vec<Link>,
}

impl Index {
    fn link(&mut self, href: &str, label: &str, alternatives: &[(&str, &str)]) {
        self.links.push(Link {
            href: href.to_string(),
            label: label.to_string(),
            alternatives: alternatives
                .iter()
                .map(|(n, h)| (n.to_string(), h.to_string()))
                .collect(),
        });
    }
}

/// A document id as part of a file name.
fn file_stem(id: &str) -> String {
    id.replace(['/', '\\'], "_")
}

/// Consecutive years of each organisation's policy documents (prose, one year each, the
/// first document of a year): the pairs a 新旧対照表 is made for.
fn policy_pairs(docs: &[(Document, Vec<Unit>)]) -> Vec<(&Document, &Document)> {
    let mut by_org: std::collections::BTreeMap<&str, Vec<&Document>> = Default::default();
    for (d, _) in docs {
        let single_year = d.meta.year.is_some_and(|y| y.from == y.to);
        if d.meta.kind == ingest::Kind::Policy
            && matches!(d.layout, ingest::Layout::Prose)
            && single_year
            && !d.meta.org.is_empty()
        {
            by_org.entry(&d.meta.org).or_default().push(d);
        }
    }
    let mut pairs = Vec::new();
    for docs in by_org.values_mut() {
        docs.sort_by_key(|d| d.meta.year.map(|y| y.from));
        docs.dedup_by_key(|d| d.meta.year.map(|y| y.from));
        pairs.extend(docs.windows(2).map(|w| (w[0], w[1])));
    }
    pairs
}
