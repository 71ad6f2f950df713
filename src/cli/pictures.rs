//! `kumiai network`, `kumiai ca` and `kumiai freq`: the pictures of a selection of units,
//! each with the numbers behind it.

use super::select::{self, SelectArgs, Selected};
use super::*;
use crate::report::pictures::{self, Figure};
use crate::report::table::{Align, Table};
use crate::themes::ca::{self, Correspondence};
use crate::themes::model::Theme;
use crate::themes::network::{self, EdgeRule, NetworkOptions};
use crate::themes::terms::{self, Terms};

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub(super) enum PictureFormat {
    /// A self-contained page: the picture, its legend and its table.
    Html,
    /// The picture alone.
    Svg,
    Json,
    /// The numbers behind the picture, as CSV files in the --out folder.
    Csv,
}

#[derive(clap::Args)]
pub(super) struct PictureOut {
    #[arg(long, value_enum, default_value_t = PictureFormat::Html)]
    pub(super) format: PictureFormat,
    /// Output file (folder for csv); standard output by default.
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(super) struct NetworkArgs {
    #[command(flatten)]
    pub(super) select: SelectArgs,
    /// Draw the groups (--by) as nodes too, joined to their terms (語―外部変数).
    #[arg(long)]
    pub(super) with_groups: bool,
    /// Terms drawn: those found in the most units.
    #[arg(long, default_value_t = 60)]
    pub(super) top_terms: usize,
    /// Edges drawn: the strongest N by Jaccard coefficient.
    #[arg(long, default_value_t = 60, conflicts_with = "min_jaccard")]
    pub(super) edges: usize,
    /// Edges drawn: every one with a Jaccard coefficient of at least this (instead of --edges).
    #[arg(long)]
    pub(super) min_jaccard: Option<f64>,
    /// Also write the network as GraphML (Cytoscape, Gephi, R's igraph) to this file.
    #[arg(long)]
    pub(super) graphml: Option<PathBuf>,
    #[command(flatten)]
    pub(super) output: PictureOut,
}

#[derive(clap::Args)]
pub(super) struct CaArgs {
    #[command(flatten)]
    pub(super) select: SelectArgs,
    /// Rows: the terms found in the most units.
    #[arg(long, default_value_t = 60)]
    pub(super) top_terms: usize,
    /// Rows: the codes of this codebook instead of terms, e.g. codebooks/recruitment.txt.
    #[arg(long)]
    pub(super) codebook: Option<PathBuf>,
    /// Row labels drawn: the rows contributing most to the two dimensions.
    #[arg(long, default_value_t = 40)]
    pub(super) labels: usize,
    #[command(flatten)]
    pub(super) output: PictureOut,
}

#[derive(clap::Args)]
pub(super) struct FreqArgs {
    #[command(flatten)]
    pub(super) select: SelectArgs,
    /// Terms shown.
    #[arg(long, default_value_t = 30)]
    pub(super) top: usize,
    /// Also one small chart per group (--by), for the largest groups.
    #[arg(long)]
    pub(super) per_group: bool,
    /// Groups charted with --per-group.
    #[arg(long, default_value_t = 12)]
    pub(super) groups: usize,
    /// Add a word cloud (for report covers; read the bars for analysis).
    #[arg(long)]
    pub(super) wordcloud: bool,
    #[command(flatten)]
    pub(super) output: PictureOut,
}

/// The selection's terms, as `kumiai themes` counts them.
fn terms_of(s: &Selected) -> Terms {
    terms::extract_with_defaults(&s.units, &s.analyzer, &s.concepts)
}

/// The selection's themes as `kumiai themes --no-codebook` finds them: they colour the network.
fn themes_of(s: &Selected) -> Result<Vec<Theme>, Failure> {
    let options = crate::themes::Options {
        by: s.by,
        stopwords: None,
        concepts: s.concepts.clone(),
        pos: Default::default(),
        codebook: crate::themes::CodebookSource::None,
        discover: Default::default(),
    };
    let found = crate::themes::analyze(s.units.clone(), &s.selection, &s.analyzer, &options)?;
    Ok(found
        .themes
        .into_iter()
        .chain(found.single_branch)
        .collect())
}

fn sink(out: Option<&Path>) -> Result<Box<dyn Write>, Failure> {
    Ok(match out {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    })
}

/// Writes a picture in the format asked for; `csv` is the caller's.
fn emit(
    output: &PictureOut,
    title: &str,
    figures: &[Figure],
    tables: &[Table],
    json: &impl serde::Serialize,
) -> Result<(), Failure> {
    let mut out = sink(output.out.as_deref())?;
    match output.format {
        PictureFormat::Html => pictures::write_page(&mut out, title, figures, tables)?,
        PictureFormat::Svg => {
            for f in figures {
                writeln!(out, "{}", f.svg)?;
            }
        }
        PictureFormat::Json => {
            serde_json::to_writer_pretty(&mut out, json)?;
            writeln!(out)?;
        }
        PictureFormat::Csv => unreachable!("written by the caller"),
    }
    out.flush()?;
    Ok(())
}

fn csv_dir(output: &PictureOut, default: &str) -> PathBuf {
    output.out.clone().unwrap_or_else(|| PathBuf::from(default))
}

fn say_written(files: &[PathBuf], dir: &Path) {
    eprintln!("{} CSV file(s) written to {}", files.len(), dir.display());
}

pub(super) fn network(cli: &Cli, args: &NetworkArgs, warnings: &Warnings) -> Result<(), Failure> {
    if let Some(j) = args.min_jaccard
        && !(0.0..=1.0).contains(&j)
    {
        return Err(Failure::from(format!(
            "--min-jaccard {j}: a Jaccard coefficient lies between 0 and 1"
        )));
    }
    let s = select::select(cli, &args.select, warnings)?;
    let terms = terms_of(&s);
    let themes = themes_of(&s)?;
    let all: Vec<_> = themes.iter().collect();
    let options = NetworkOptions {
        top_terms: args.top_terms,
        edges: args
            .min_jaccard
            .map_or(EdgeRule::Top(args.edges), EdgeRule::MinJaccard),
        ..Default::default()
    };
    let net = if args.with_groups {
        network::group_network(&s.units, &terms, &all, &options)
    } else {
        network::terms_network(&terms, &all, &options)
    };
    if let Some(path) = &args.graphml {
        let mut out = sink(Some(path))?;
        pictures::write_graphml(&mut out, &net)?;
        out.flush()?;
        eprintln!("GraphML written to {}", path.display());
    }
    if args.output.format == PictureFormat::Csv {
        let dir = csv_dir(&args.output, "network-csv");
        say_written(&pictures::write_network_csv(&dir, &net)?, &dir);
        return Ok(());
    }
    let labels: Vec<String> = all.iter().map(|t| t.label.clone()).collect();
    let figure = pictures::network_figure(&net, &labels, &s.selection.describe());
    emit(
        &args.output,
        "共起ネットワーク",
        &[figure],
        &[pictures::edge_table(&net)],
        &net,
    )
}

pub(super) fn ca(cli: &Cli, args: &CaArgs, warnings: &Warnings) -> Result<(), Failure> {
    let s = select::select(cli, &args.select, warnings)?;
    let table = match &args.codebook {
        Some(path) => code_table(&s, path)?,
        None => {
            let terms = terms_of(&s);
            ca::term_group_table(&s.units, &terms, &ca::top_terms(&terms, args.top_terms))
        }
    };
    let result =
        ca::analyse(&table.terms, &table.groups, &table.counts, 3).map_err(Failure::from)?;
    let group_noun = s.by.label();
    let rows = if args.codebook.is_some() {
        "コード"
    } else {
        "語"
    };
    if args.output.format == PictureFormat::Csv {
        let dir = csv_dir(&args.output, "ca-csv");
        say_written(
            &pictures::write_ca_csv(&dir, &result, rows, group_noun)?,
            &dir,
        );
        return Ok(());
    }
    let selection = format!("{}、{group_noun}別", s.selection.describe());
    let figure = pictures::ca_figure(&result, args.labels, &selection, rows, group_noun);
    emit(
        &args.output,
        "対応分析",
        &[figure],
        &[
            pictures::inertia_table(&result),
            coordinate_table(&result, rows, group_noun),
        ],
        &result,
    )
}

/// Codes × groups from the analyst's codebook: units of each group carrying each code.
fn code_table(s: &Selected, path: &Path) -> Result<ca::GroupTable, Failure> {
    use crate::themes::codebook;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read codebook {}: {e}", path.display()))?;
    let book = codebook::parse(&text).map_err(|e| format!("codebook {}: {e}", path.display()))?;
    let table = codebook::tabulate(&book, &s.units, &s.analyzer);
    Ok(ca::GroupTable {
        terms: table.codes.iter().map(|c| c.code.clone()).collect(),
        groups: table.groups.clone(),
        group_units: table.group_units.clone(),
        counts: table
            .codes
            .iter()
            .map(|c| c.counts.iter().map(|&n| n as f64).collect())
            .collect(),
    })
}

fn coordinate_table(ca: &Correspondence, row_noun: &str, group_noun: &str) -> Table {
    let mut t = Table::new([
        ("", Align::Left),
        ("種類", Align::Left),
        ("質量", Align::Right),
        ("成分1", Align::Right),
        ("成分2", Align::Right),
        ("寄与1", Align::Right),
        ("寄与2", Align::Right),
    ]);
    let at = |v: &[f64], k: usize, prec: usize| {
        v.get(k).map_or(String::new(), |x| format!("{x:.prec$}"))
    };
    for (kind, points) in [(group_noun, &ca.col_points), (row_noun, &ca.row_points)] {
        for p in points {
            t.row(vec![
                p.label.clone(),
                kind.to_string(),
                format!("{:.4}", p.mass),
                at(&p.coords, 0, 3),
                at(&p.coords, 1, 3),
                at(&p.contributions, 0, 3),
                at(&p.contributions, 1, 3),
            ]);
        }
    }
    t
}

/// Per-term and per-group counts for `kumiai freq --format json`.
#[derive(serde::Serialize)]
struct Frequencies<'a> {
    selection: String,
    unit_count: usize,
    terms: &'a [crate::themes::model::TermStat],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<GroupTerms>,
}

#[derive(serde::Serialize)]
struct GroupTerms {
    group: String,
    units: usize,
    /// (term, units of the group holding it), most first.
    terms: Vec<(String, usize)>,
}

pub(super) fn freq(cli: &Cli, args: &FreqArgs, warnings: &Warnings) -> Result<(), Failure> {
    let s = select::select(cli, &args.select, warnings)?;
    let terms = terms_of(&s);
    let top = ca::top_terms(&terms, args.top);
    let rows: Vec<(String, usize)> = top
        .iter()
        .map(|&id| {
            let t = &terms.stats[id as usize];
            (t.term.clone(), t.units)
        })
        .collect();
    let groups = if args.per_group {
        per_group(&s, &terms, args.groups)
    } else {
        Vec::new()
    };
    let selection = s.selection.describe();
    let measure = pictures::FREQ_MEASURE;
    if args.output.format == PictureFormat::Csv {
        let dir = csv_dir(&args.output, "freq-csv");
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join("frequencies.csv");
        let mut w = crate::report::excel::CsvWriter::new(io::BufWriter::new(
            std::fs::File::create(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
        ))?;
        w.write_record(["群", "語", "単位数", "出現数"])?;
        for &id in &top {
            let t = &terms.stats[id as usize];
            w.write_record([
                "（全体）".to_string(),
                t.term.clone(),
                t.units.to_string(),
                t.frequency.to_string(),
            ])?;
        }
        for g in &groups {
            for (term, n) in &g.terms {
                w.write_record([g.group.clone(), term.clone(), n.to_string(), String::new()])?;
            }
        }
        w.flush()?;
        say_written(&[path], &dir);
        return Ok(());
    }
    let mut figures = vec![pictures::frequency_figure(&rows, measure, &selection)];
    if !groups.is_empty() {
        let panels: Vec<(String, Vec<(String, usize)>)> = groups
            .iter()
            .map(|g| (format!("{}（{}単位）", g.group, g.units), g.terms.clone()))
            .collect();
        figures.push(pictures::small_multiples_figure(
            &panels,
            measure,
            s.by.label(),
        ));
    }
    if args.wordcloud {
        figures.push(pictures::word_cloud_figure(&rows, &selection));
    }
    let mut table = Table::new([
        ("順位", Align::Right),
        ("語", Align::Left),
        ("単位数", Align::Right),
        ("出現数", Align::Right),
        ("群数", Align::Right),
    ]);
    for (rank, &id) in top.iter().enumerate() {
        let t = &terms.stats[id as usize];
        table.row(vec![
            (rank + 1).to_string(),
            t.term.clone(),
            t.units.to_string(),
            t.frequency.to_string(),
            t.groups.to_string(),
        ]);
    }
    let stats: Vec<_> = top
        .iter()
        .map(|&id| terms.stats[id as usize].clone())
        .collect();
    emit(
        &args.output,
        "頻出語",
        &figures,
        &[table],
        &Frequencies {
            selection,
            unit_count: s.units.len(),
            terms: &stats,
            groups,
        },
    )
}

/// The top ten terms of each of the `n` largest groups, counted sparsely: the vocabulary of
/// a million units times hundreds of groups would not fit a dense table.
fn per_group(s: &Selected, terms: &Terms, n: usize) -> Vec<GroupTerms> {
    let mut sizes: Vec<(&str, usize)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = Default::default();
    for u in &s.units {
        let g = *index.entry(u.branch.as_str()).or_insert_with(|| {
            sizes.push((u.branch.as_str(), 0));
            sizes.len() - 1
        });
        sizes[g].1 += 1;
    }
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| sizes[b].1.cmp(&sizes[a].1).then(a.cmp(&b)));
    order.truncate(n);
    let slot: std::collections::HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(k, &g)| (sizes[g].0, k))
        .collect();
    let mut counts: Vec<std::collections::HashMap<u32, usize>> =
        vec![Default::default(); order.len()];
    for (u, ids) in s.units.iter().zip(&terms.unit_terms) {
        if let Some(&k) = slot.get(u.branch.as_str()) {
            for &id in ids {
                *counts[k].entry(id).or_default() += 1;
            }
        }
    }
    order
        .iter()
        .zip(counts)
        .map(|(&g, counts)| {
            let mut counts: Vec<(u32, usize)> = counts.into_iter().collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            GroupTerms {
                group: sizes[g].0.to_string(),
                units: sizes[g].1,
                terms: counts
                    .into_iter()
                    .take(10)
                    .map(|(t, c)| (terms.stats[t as usize].term.clone(), c))
                    .collect(),
            }
        })
        .collect()
}
