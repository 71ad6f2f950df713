//! `kumiai themes` reports: Markdown for the terminal, one self-contained HTML file (inline
//! SVG charts, no scripts, no network), JSON for scripts and CSV tables for Excel.

use super::sheet::{Cell, Sheet};
use super::table::{Align, Table};
use super::{escape_html as html, escape_md as md};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::themes::model::{CodeStat, CodeTable, Family, Quote, Theme, ThemeReport};

/// Terms listed in Markdown and HTML; JSON and CSV carry them all.
const TERM_LIMIT: usize = 50;

/// |adjusted residual| at or above this is significant at the 5% level.
const SIGNIFICANT: f64 = 1.96;

/// The Japanese name of a group (`--by`): 単組, 県本部, 組織, 年度 or 設問.
fn group_noun(r: &ThemeReport) -> &str {
    match r.by.trim() {
        "" => "単組",
        by => by,
    }
}

/// A number with `prec` decimals, or "—" when it is not finite.
fn num(x: f64, prec: usize) -> String {
    if x.is_finite() {
        format!("{x:.prec$}")
    } else {
        "—".into()
    }
}

fn signed(x: f64) -> String {
    if x.is_finite() {
        format!("{x:+.2}")
    } else {
        "—".into()
    }
}

fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "—".into()
    } else if p < 0.0001 {
        "< 0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

fn fisher(p: Option<f64>) -> String {
    p.map_or_else(|| "—".into(), p_value)
}

fn percent(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}%")
    } else {
        "—".into()
    }
}

/// Count, row % and adjusted residual of code `c` in group `j` (missing entries: 0, NaN).
fn cell(c: &CodeStat, j: usize) -> (usize, f64, f64) {
    (
        c.counts.get(j).copied().unwrap_or(0),
        c.row_percent.get(j).copied().unwrap_or(f64::NAN),
        c.residuals.get(j).copied().unwrap_or(f64::NAN),
    )
}

fn joined(items: &[String], escape: fn(&str) -> String) -> String {
    items
        .iter()
        .map(|i| escape(i))
        .collect::<Vec<_>>()
        .join("、")
}

// ---------------------------------------------------------------- markdown

/// Writes the report as Markdown (the terminal default).
pub fn write_markdown(out: &mut impl Write, r: &ThemeReport) -> io::Result<()> {
    let g = group_noun(r);
    writeln!(out, "# テーマ分析：{g}をまたいで繰り返し現れる話題\n")?;
    writeln!(out, "- 対象: {}", md(&r.selection))?;
    writeln!(out, "- 集計単位: {}", md(g))?;
    writeln!(
        out,
        "- 記述数: {} 件（節: {} 件）",
        r.unit_count, r.clause_count
    )?;
    writeln!(
        out,
        "- テーマ: {} 件（{g}だけの話題: {} 件、その他: {} 群 {} 件）",
        r.themes.len(),
        r.single_branch.len(),
        r.other.themes,
        r.other.units
    )?;
    writeln!(out, "- テーマ数の決め方: {}", md(&r.rule))?;
    writeln!(
        out,
        "- テーマは記述を節（。や・、「が、」などの区切り）に分けて探し、記述はその節が入るすべてのテーマに数える。\n"
    )?;
    if !r.notes.is_empty() {
        writeln!(out, "## 注記\n")?;
        for note in &r.notes {
            match note.trim_start().strip_prefix('・') {
                Some(item) => writeln!(out, "- {}", md(item))?,
                None => writeln!(out, "\n{}\n", md(note))?,
            }
        }
        writeln!(out)?;
    }

    writeln!(out, "## テーマ一覧\n")?;
    if r.themes.is_empty() {
        writeln!(
            out,
            "2つ以上の{g}に共通するテーマは見つかりませんでした。\n"
        )?;
    } else {
        writeln!(out, "| # | テーマ | {g}数 | 件数 | 特徴語 |")?;
        writeln!(out, "|---:|---|---:|---:|---|")?;
        for (i, t) in r.themes.iter().enumerate() {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                i + 1,
                md(&t.label),
                t.branches.len(),
                t.size,
                joined(&t.terms, md)
            )?;
        }
        writeln!(out)?;
        for (i, t) in r.themes.iter().enumerate() {
            writeln!(out, "### {}. {}\n", i + 1, md(&t.label))?;
            writeln!(out, "> {}\n", md(&t.subtitle))?;
            writeln!(
                out,
                "- {g}数: {}（{}）",
                t.branches.len(),
                joined(&t.branches, md)
            )?;
            writeln!(out, "- 件数: {}（節: {}）", t.size, t.clauses)?;
            writeln!(out, "- 特徴語: {}", joined(&t.terms, md))?;
            if !t.codes.is_empty() {
                writeln!(out, "- 対応するコード: {}", md(&coverage_cell(t)))?;
            }
            if !t.quotes.is_empty() {
                writeln!(out, "- 代表的な記述:")?;
                for q in &t.quotes {
                    writeln!(out, "  - 「{}」（{}）", md(&q.text), md(&quote_source(q)))?;
                }
            }
            writeln!(out)?;
        }
    }

    writeln!(out, "## {g}だけの話題\n")?;
    if r.single_branch.is_empty() {
        writeln!(out, "ありません。\n")?;
    } else {
        writeln!(out, "| テーマ | {g} | 件数 | 特徴語 | 代表的な記述 |")?;
        writeln!(out, "|---|---|---:|---|---|")?;
        for t in &r.single_branch {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&t.label),
                joined(&t.branches, md),
                t.size,
                joined(&t.terms, md),
                t.quotes.first().map(|q| md(&q.text)).unwrap_or_default()
            )?;
        }
        writeln!(out)?;
    }

    if r.other.themes > 0 {
        writeln!(
            out,
            "その他: {} 件未満の小さな話題 {} 群（記述 {} 件）は一覧に載せていない。\n",
            r.other.min_units, r.other.themes, r.other.units
        )?;
    }
    joined_markdown(out, r)?;
    for f in &r.families {
        family_markdown(out, f, g)?;
    }

    writeln!(out, "## 特徴語\n")?;
    terms_table(r, g).write_markdown(out)?;
    if r.terms.len() > TERM_LIMIT {
        writeln!(
            out,
            "\n上位 {TERM_LIMIT} 語（全 {} 語は JSON・CSV 出力にあります）。",
            r.terms.len()
        )?;
    }

    if let Some(cb) = &r.codebook {
        codebook_markdown(out, cb, g)?;
    }
    Ok(())
}

/// The top terms with their score and spread.
fn terms_table(r: &ThemeReport, g: &str) -> Table {
    let mut t = Table::new([
        ("特徴語".to_string(), Align::Left),
        ("同義語".to_string(), Align::Left),
        ("スコア".to_string(), Align::Right),
        ("出現回数".to_string(), Align::Right),
        ("記述数".to_string(), Align::Right),
        (format!("{g}数"), Align::Right),
    ]);
    for term in r.terms.iter().take(TERM_LIMIT) {
        t.row(vec![
            term.term.clone(),
            term.variants_cell(),
            num(term.score, 2),
            term.frequency.to_string(),
            term.units.to_string(),
            term.groups.to_string(),
        ]);
    }
    t
}

/// Per code: units, groups and the tests of its distribution over the groups.
fn code_stats_table(cb: &CodeTable, g: &str) -> Table {
    let mut t = Table::new([
        ("コード".to_string(), Align::Left),
        ("件数".to_string(), Align::Right),
        (format!("{g}数"), Align::Right),
        ("χ²".to_string(), Align::Right),
        ("自由度".to_string(), Align::Right),
        ("p値".to_string(), Align::Right),
        ("Fisher p値".to_string(), Align::Right),
    ]);
    for c in &cb.codes {
        t.row(vec![
            c.code.clone(),
            c.units.to_string(),
            c.groups.to_string(),
            num(c.chi2, 2),
            c.df.to_string(),
            p_value(c.p),
            fisher(c.fisher_p),
        ]);
    }
    t
}

fn codebook_markdown(out: &mut impl Write, cb: &CodeTable, g: &str) -> io::Result<()> {
    writeln!(out, "\n## コード × {g}\n")?;
    writeln!(out, "コード無し: {} 件\n", cb.uncoded)?;
    code_stats_table(cb, g).write_markdown(out)?;
    let head: String = cb
        .codes
        .iter()
        .map(|c| format!(" {} |", md(&c.code)))
        .collect();
    let align = "---:|".repeat(cb.codes.len());

    writeln!(
        out,
        "\n### {g}別の件数（行%: その{g}の記述のうちコードに当てはまる割合）\n"
    )?;
    writeln!(out, "| {g} | 記述数 |{head}\n|---|---:|{align}")?;
    for (j, grp) in cb.groups.iter().enumerate() {
        let cells: String = cb
            .codes
            .iter()
            .map(|c| {
                let (n, p, _) = cell(c, j);
                format!(" {n}（{}） |", percent(p))
            })
            .collect();
        let total = cb.group_units.get(j).copied().unwrap_or(0);
        writeln!(out, "| {} | {total} |{cells}", md(grp))?;
    }
    let totals: String = cb.codes.iter().map(|c| format!(" {} |", c.units)).collect();
    writeln!(
        out,
        "| 合計 | {} |{totals}",
        cb.group_units.iter().sum::<usize>()
    )?;

    writeln!(
        out,
        "\n### コード内の割合（コードに当てはまる記述のうちその{g}の記述の割合）\n"
    )?;
    writeln!(out, "| {g} |{head}\n|---|{align}")?;
    for (j, grp) in cb.groups.iter().enumerate() {
        let cells: String = cb
            .codes
            .iter()
            .map(|c| format!(" {} |", percent(code_share(c, j))))
            .collect();
        writeln!(out, "| {} |{cells}", md(grp))?;
    }

    writeln!(out, "\n### 調整済み残差\n")?;
    writeln!(out, "| {g} |{head}\n|---|{align}")?;
    for (j, grp) in cb.groups.iter().enumerate() {
        let cells: String = cb
            .codes
            .iter()
            .map(|c| {
                let (_, _, x) = cell(c, j);
                if x.abs() >= SIGNIFICANT {
                    format!(" **{}** |", signed(x))
                } else {
                    format!(" {} |", signed(x))
                }
            })
            .collect();
        writeln!(out, "| {} |{cells}", md(grp))?;
    }
    writeln!(
        out,
        "\n太字は |調整済み残差| ≥ {SIGNIFICANT}（5% 水準で有意）。"
    )?;

    writeln!(out, "\n### コードごとの該当記述\n")?;
    for c in &cb.codes {
        writeln!(out, "#### {}（{} 件）\n", md(&c.code), c.units)?;
        if c.matched.is_empty() {
            writeln!(out, "当てはまる記述はありません。\n")?;
            continue;
        }
        for u in &c.matched {
            writeln!(
                out,
                "- {}（{}）",
                md(&super::short_label(&u.text, 80)),
                md(&unit_source(&u.branch, u.question.as_deref()))
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Where a quote comes from: its group, and its question when known.
fn quote_source(q: &Quote) -> String {
    unit_source(&q.branch, q.question.as_deref())
}

fn unit_source(branch: &str, question: Option<&str>) -> String {
    match question {
        Some(question) => format!("{branch}／{question}"),
        None => branch.to_string(),
    }
}

/// The codes covering a theme: 共済（5 件, 63%）、….
fn coverage_cell(t: &Theme) -> String {
    t.codes
        .iter()
        .take(3)
        .map(|c| format!("{}（{} 件, {:.0}%）", c.code, c.units, 100.0 * c.share))
        .collect::<Vec<_>>()
        .join("、")
}

/// The share of code `c`'s units that are in group `j` (コード内の割合).
fn code_share(c: &CodeStat, j: usize) -> f64 {
    c.code_percent.get(j).copied().unwrap_or(f64::NAN)
}

/// Themes and codes side by side: the codes covering each theme, the themes no code covers
/// (the analyst's next codes) and the codes that found nothing.
fn joined_markdown(out: &mut impl Write, r: &ThemeReport) -> io::Result<()> {
    let Some(j) = &r.joined else { return Ok(()) };
    writeln!(out, "## テーマとコードの対応\n")?;
    writeln!(
        out,
        "自動で見つけたテーマと、コードブックのコードを並べる。コードの割合はテーマの記述のうちそのコードに当てはまる割合。\n"
    )?;
    writeln!(out, "| # | テーマ | 件数 | 対応するコード |")?;
    writeln!(out, "|---:|---|---:|---|")?;
    for (i, t) in r.themes.iter().enumerate() {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            i + 1,
            md(&t.label),
            t.size,
            md(&coverage_cell(t))
        )?;
    }
    writeln!(
        out,
        "\n### コードで捉えられていないテーマ（次のコードの候補）\n"
    )?;
    if j.uncovered.is_empty() {
        writeln!(out, "ありません。\n")?;
    } else {
        for label in &j.uncovered {
            writeln!(out, "- {}", md(label))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "### 何も見つからなかったコード\n")?;
    if j.empty_codes.is_empty() {
        writeln!(out, "ありません。\n")
    } else {
        writeln!(out, "{}\n", joined(&j.empty_codes, md))
    }
}

/// One question family: its questions, then its themes and codes by units.
fn family_markdown(out: &mut impl Write, f: &Family, g: &str) -> io::Result<()> {
    writeln!(out, "## 設問群：{}（{} 件）\n", md(&f.name), f.units)?;
    writeln!(out, "- 設問: {}\n", joined(&f.questions, md))?;
    for (title, rows) in [("テーマ", &f.themes), ("コード", &f.codes)] {
        if rows.is_empty() {
            continue;
        }
        writeln!(out, "| {title} | 件数 | {g}数 |\n|---|---:|---:|")?;
        for c in rows.iter().take(FAMILY_ROWS) {
            writeln!(out, "| {} | {} | {} |", md(&c.name), c.units, c.groups)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Rows per table in a question family's section.
const FAMILY_ROWS: usize = 12;

// ---------------------------------------------------------------- json

/// Writes the whole report as JSON (the serde shape of [`ThemeReport`]).
pub fn write_json(out: &mut impl Write, r: &ThemeReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, r)?;
    writeln!(out)
}

// ---------------------------------------------------------------- csv

/// Recurring themes then single-group ones, each with its kind and number within the kind.
fn all_themes<'a>(r: &'a ThemeReport, g: &str) -> Vec<(String, usize, &'a Theme)> {
    let recurring = r
        .themes
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("複数の{g}"), i + 1, t));
    let single = r
        .single_branch
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("{g}だけ"), i + 1, t));
    recurring.chain(single).collect()
}

/// The report's tables, each with the name of its CSV file: themes.csv, theme_units.csv,
/// theme_quotes.csv, terms.csv and, with a codebook, codebook.csv (one row per code),
/// codebook_cells.csv (one row per code × group) and codebook_units.csv (one row per code ×
/// unit it matches). CSV and XLSX show the same tables.
pub fn sheets(r: &ThemeReport) -> Vec<(&'static str, Sheet)> {
    let g = group_noun(r);
    let themes = all_themes(r, g);
    let mut out = Vec::new();

    let mut sheet = Sheet::new(
        "テーマ",
        [
            "種別".to_string(),
            "テーマ番号".into(),
            "テーマ".into(),
            "中心的な記述".into(),
            format!("{g}数"),
            "件数".into(),
            "節数".into(),
            g.into(),
            "特徴語".into(),
            "対応するコード".into(),
            "代表的な記述".into(),
        ],
    );
    for (kind, i, t) in &themes {
        sheet.row(vec![
            kind.into(),
            (*i).into(),
            (&t.label).into(),
            (&t.subtitle).into(),
            t.branches.len().into(),
            t.size.into(),
            t.clauses.into(),
            t.branches.join("、").into(),
            t.terms.join("、").into(),
            coverage_cell(t).into(),
            t.quotes
                .iter()
                .map(|q| format!("{}（{}）", q.text, quote_source(q)))
                .collect::<Vec<_>>()
                .join("\n")
                .into(),
        ]);
    }
    out.push(("themes.csv", sheet));

    let mut sheet = Sheet::new(
        "テーマの記述",
        [
            "種別",
            "テーマ番号",
            "テーマ",
            g,
            "設問",
            "記述",
            "文書",
            "記述番号",
        ],
    );
    for (kind, i, t) in &themes {
        for u in &t.units {
            sheet.row(vec![
                kind.into(),
                (*i).into(),
                (&t.label).into(),
                (&u.branch).into(),
                u.question.as_deref().into(),
                u.text.as_ref().into(),
                (&u.doc).into(),
                u.seq.into(),
            ]);
        }
    }
    out.push(("theme_units.csv", sheet));

    let mut sheet = Sheet::new(
        "代表的な記述",
        ["種別", "テーマ番号", "テーマ", g, "設問", "代表的な記述"],
    );
    for (kind, i, t) in &themes {
        for q in &t.quotes {
            sheet.row(vec![
                kind.into(),
                (*i).into(),
                (&t.label).into(),
                (&q.branch).into(),
                q.question.as_deref().into(),
                (&q.text).into(),
            ]);
        }
    }
    out.push(("theme_quotes.csv", sheet));

    let mut sheet = Sheet::new(
        "特徴語",
        [
            "特徴語".to_string(),
            "同義語".into(),
            "スコア".into(),
            "出現回数".into(),
            "記述数".into(),
            format!("{g}数"),
        ],
    );
    for t in &r.terms {
        sheet.row(vec![
            (&t.term).into(),
            t.variants_cell().into(),
            Cell::num(t.score, 3),
            t.frequency.into(),
            t.units.into(),
            t.groups.into(),
        ]);
    }
    out.push(("terms.csv", sheet));

    if let Some(cb) = &r.codebook {
        out.extend(codebook_sheets(cb, g));
    }
    out
}

/// Writes one CSV per table of [`sheets`] into `dir` (created if missing), UTF-8 with a BOM
/// for Excel. Returns the files written.
pub fn write_csv_dir(dir: &Path, r: &ThemeReport) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (file, sheet) in sheets(r) {
        let path = dir.join(file);
        sheet.write_csv(BufWriter::new(File::create(&path)?))?;
        written.push(path);
    }
    Ok(written)
}

/// The report as one workbook, a worksheet per table of [`sheets`].
pub fn write_xlsx(out: &mut impl Write, r: &ThemeReport) -> io::Result<()> {
    let sheets: Vec<Sheet> = sheets(r).into_iter().map(|(_, s)| s).collect();
    out.write_all(&super::xlsx::workbook(&sheets)?)
}

fn codebook_sheets(cb: &CodeTable, g: &str) -> [(&'static str, Sheet); 3] {
    let mut header: Vec<String> = [
        "コード".to_string(),
        "件数".into(),
        format!("{g}数"),
        "χ²".into(),
        "自由度".into(),
        "p値".into(),
        "Fisher p値".into(),
    ]
    .into();
    for grp in &cb.groups {
        header.push(format!("{grp} 件数"));
        header.push(format!("{grp} 行%"));
        header.push(format!("{grp} コード内%"));
        header.push(format!("{grp} 調整済み残差"));
    }
    let width = header.len();
    let mut codes = Sheet::new("コード", header);
    for c in &cb.codes {
        let mut row = vec![
            (&c.code).into(),
            c.units.into(),
            c.groups.into(),
            Cell::num(c.chi2, 2),
            c.df.into(),
            Cell::p(c.p),
            c.fisher_p.map_or(Cell::Empty, Cell::p),
        ];
        for j in 0..cb.groups.len() {
            let (n, p, x) = cell(c, j);
            row.extend([
                n.into(),
                Cell::num(p, 1),
                Cell::num(code_share(c, j), 1),
                Cell::num(x, 2),
            ]);
        }
        codes.row(row);
    }
    let mut uncoded = vec!["コード無し".into(), cb.uncoded.into()];
    uncoded.resize(width, Cell::Empty);
    codes.row(uncoded);

    let mut cells = Sheet::new(
        &format!("コード×{g}"),
        [
            "コード".to_string(),
            g.into(),
            "件数".into(),
            format!("{g}の記述数"),
            "行%".into(),
            "コード内%".into(),
            "調整済み残差".into(),
        ],
    );
    for c in &cb.codes {
        for (j, grp) in cb.groups.iter().enumerate() {
            let (n, p, x) = cell(c, j);
            cells.row(vec![
                (&c.code).into(),
                grp.into(),
                n.into(),
                cb.group_units.get(j).copied().unwrap_or(0).into(),
                Cell::num(p, 1),
                Cell::num(code_share(c, j), 1),
                Cell::num(x, 2),
            ]);
        }
    }

    let mut units = Sheet::new(
        "コードの記述",
        ["コード", g, "設問", "記述", "文書", "記述番号"],
    );
    for c in &cb.codes {
        for u in &c.matched {
            units.row(vec![
                (&c.code).into(),
                (&u.branch).into(),
                u.question.as_deref().into(),
                u.text.as_ref().into(),
                (&u.doc).into(),
                u.seq.into(),
            ]);
        }
    }
    [
        ("codebook.csv", codes),
        ("codebook_cells.csv", cells),
        ("codebook_units.csv", units),
    ]
}

// ---------------------------------------------------------------- html

const STYLE: &str = "\
*{-webkit-print-color-adjust:exact;print-color-adjust:exact;box-sizing:border-box}\
body{margin:1.5em auto;max-width:1100px;padding:0 1em;line-height:1.6;color:#222}\
h1{font-size:1.5em;border-bottom:3px solid #2c5d8f;padding-bottom:.2em}\
h2{font-size:1.25em;border-left:6px solid #2c5d8f;padding-left:.4em;margin-top:2em}\
h3{font-size:1.1em;margin-bottom:.3em}\
table{border-collapse:collapse;margin:.5em 0}\
td,th{border:1px solid #aaa;padding:.25em .5em;vertical-align:top}\
th{background:#eef2f7;text-align:left;font-weight:600}\
.n{text-align:right;white-space:nowrap}\
.text{white-space:pre-wrap;word-break:break-all}\
table.kv th{width:8em}\
table.wide{width:100%}\
table.xtab td:first-child{min-width:9em}\
.scroll{overflow-x:auto}\
blockquote{margin:.2em 0 .5em;padding:.2em .6em;border-left:4px solid #b9c8da;background:#f7f9fc;white-space:pre-wrap;word-break:break-all}\
blockquote cite{display:block;font-style:normal;color:#555;font-size:.85em}\
figure{margin:1em 0}\
figcaption,.note{color:#555;font-size:.9em}\
svg{max-width:100%;height:auto;display:block}\
svg.chart text{font-size:13px;fill:#222}\
svg.chart .small{font-size:10px}\
svg.chart .axis{stroke:#bbb;stroke-width:1}\
svg.chart .bar{fill:#3b6ea8}\
svg.chart .sig{stroke:#222;stroke-width:2}\
details>summary{cursor:pointer;color:#2c5d8f}\
section.theme{border-top:1px solid #ddd;padding-top:.3em}\
a{color:#2c5d8f}\
@page{size:A4;margin:14mm}\
@media print{body{margin:0;max-width:none;font-size:10pt}.scroll{overflow:visible}\
h2,h3{break-after:avoid}figure,tr,blockquote{break-inside:avoid}a{color:inherit;text-decoration:none}}";

/// Writes the report as one self-contained HTML file: inline CSS and SVG, no scripts,
/// nothing fetched from the network; every document text is escaped.
pub fn write_html(out: &mut impl Write, r: &ThemeReport) -> io::Result<()> {
    write_html_with(out, r, None)
}

/// [`write_html`] with a 図 section at the end: the selection's co-occurrence network,
/// correspondence analysis and frequencies ([`super::pictures::selection_pictures`]).
pub fn write_html_with(
    out: &mut impl Write,
    r: &ThemeReport,
    pictures: Option<&super::pictures::Pictures>,
) -> io::Result<()> {
    let g = html(group_noun(r));
    super::html_start(out, "テーマ分析", STYLE)?;
    writeln!(
        out,
        "<h1>テーマ分析：{g}をまたいで繰り返し現れる話題</h1>\n<table class=\"kv\">\
<tr><th>対象</th><td>{}</td></tr><tr><th>集計単位</th><td>{g}</td></tr>\
<tr><th>記述数</th><td>{} 件（節: {} 件）</td></tr><tr><th>テーマ</th><td>{} 件（{g}だけの話題: {} 件、その他: {} 群 {} 件）</td></tr>\
<tr><th>テーマ数</th><td>{}</td></tr></table>\
<p class=\"note\">テーマは記述を節（。や・、「が、」などの区切り）に分けて探し、記述はその節が入るすべてのテーマに数える。</p>",
        html(&r.selection),
        r.unit_count,
        r.clause_count,
        r.themes.len(),
        r.single_branch.len(),
        r.other.themes,
        r.other.units,
        html(&r.rule)
    )?;
    if !r.notes.is_empty() {
        writeln!(out, "<h2>注記</h2><ul class=\"notes\">")?;
        for note in &r.notes {
            let note = note.trim_start();
            writeln!(
                out,
                "<li>{}</li>",
                html(note.strip_prefix('・').unwrap_or(note))
            )?;
        }
        writeln!(out, "</ul>")?;
    }

    writeln!(out, "<h2>テーマ一覧</h2>")?;
    if r.themes.is_empty() {
        writeln!(
            out,
            "<p>2つ以上の{g}に共通するテーマは見つかりませんでした。</p>"
        )?;
    } else {
        bar_chart(out, &r.themes, &g)?;
        writeln!(
            out,
            "<table class=\"wide\"><thead><tr><th>#</th><th>テーマ</th><th>{g}数</th><th>件数</th><th>対応するコード</th></tr></thead><tbody>"
        )?;
        for (i, t) in r.themes.iter().enumerate() {
            writeln!(
                out,
                "<tr><td class=\"n\">{n}</td><td><a href=\"#theme-{n}\">{}</a><br><span class=\"note\">{}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                html(&t.label),
                html(&super::short_label(&t.subtitle, 60)),
                t.branches.len(),
                t.size,
                html(&coverage_cell(t)),
                n = i + 1
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    if let Some(j) = &r.joined {
        writeln!(
            out,
            "<h2>テーマとコードの対応</h2><p class=\"note\">テーマ一覧の「対応するコード」は、テーマの記述のうちそのコードに当てはまる件数と割合。</p>\
<h3>コードで捉えられていないテーマ（次のコードの候補）</h3><p>{}</p>\
<h3>何も見つからなかったコード</h3><p>{}</p>",
            none_if_empty(&j.uncovered),
            none_if_empty(&j.empty_codes)
        )?;
    }
    for f in &r.families {
        family_html(out, f, &g)?;
    }

    if let Some(cb) = &r.codebook {
        codebook_html(out, cb, &g)?;
    }

    if !r.themes.is_empty() {
        writeln!(out, "<h2>テーマごとの記述</h2>")?;
        for (i, t) in r.themes.iter().enumerate() {
            theme_html(out, i + 1, t, &g)?;
        }
    }

    writeln!(out, "<h2>{g}だけの話題</h2>")?;
    if r.single_branch.is_empty() {
        writeln!(out, "<p>ありません。</p>")?;
    } else {
        writeln!(
            out,
            "<table class=\"wide\"><thead><tr><th>テーマ</th><th>{g}</th><th>件数</th><th>特徴語</th><th>代表的な記述</th></tr></thead><tbody>"
        )?;
        for t in &r.single_branch {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
                html(&t.label),
                joined(&t.branches, html),
                t.size,
                joined(&t.terms, html),
                t.quotes.first().map(|q| html(&q.text)).unwrap_or_default()
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }

    writeln!(out, "<h2>特徴語</h2>")?;
    terms_table(r, &g).write_html(out)?;
    if r.terms.len() > TERM_LIMIT {
        writeln!(
            out,
            "<p class=\"note\">上位 {TERM_LIMIT} 語（全 {} 語は JSON・CSV 出力にあります）。</p>",
            r.terms.len()
        )?;
    }
    if let Some(p) = pictures.filter(|p| !p.figures.is_empty()) {
        writeln!(out, "<h2>図</h2>")?;
        super::pictures::write_figures(out, &p.figures, &p.tables)?;
    }
    writeln!(out, "</body></html>")
}

fn theme_html(out: &mut impl Write, n: usize, t: &Theme, g: &str) -> io::Result<()> {
    writeln!(
        out,
        "<section class=\"theme\" id=\"theme-{n}\"><h3>{n}. {}</h3><table class=\"kv wide\">\
<tr><th>特徴語</th><td>{}</td></tr><tr><th>{g}数</th><td>{}</td></tr>\
<tr><th>{g}</th><td>{}</td></tr><tr><th>件数</th><td>{}（節: {}）</td></tr>\
<tr><th>対応するコード</th><td>{}</td></tr><tr><th>代表的な記述</th><td>",
        html(&t.label),
        joined(&t.terms, html),
        t.branches.len(),
        joined(&t.branches, html),
        t.size,
        t.clauses,
        html(&coverage_cell(t))
    )?;
    for q in std::iter::once((t.subtitle.as_str(), String::from("中心的な記述")))
        .chain(t.quotes.iter().map(|q| (q.text.as_str(), quote_source(q))))
    {
        writeln!(
            out,
            "<blockquote>{}<cite>— {}</cite></blockquote>",
            html(q.0),
            html(&q.1)
        )?;
    }
    writeln!(
        out,
        "</td></tr></table><details><summary>すべての記述（{} 件）</summary>\
<table class=\"wide\"><thead><tr><th>{g}</th><th>設問</th><th>記述</th></tr></thead><tbody>",
        t.units.len()
    )?;
    for u in &t.units {
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            html(&u.branch),
            html(u.question.as_deref().unwrap_or("")),
            html(&u.text)
        )?;
    }
    writeln!(out, "</tbody></table></details></section>")
}

/// Horizontal bars: how many groups each theme occurs in.
fn bar_chart(out: &mut impl Write, themes: &[Theme], g: &str) -> io::Result<()> {
    const LABEL_W: usize = 300;
    const BAR_W: usize = 540;
    const ROW_H: usize = 28;
    const TOP: usize = 34;
    let width = LABEL_W + BAR_W + 70;
    let height = TOP + themes.len() * ROW_H + 10;
    let max = themes
        .iter()
        .map(|t| t.branches.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let step = max.div_ceil(10).max(1);
    writeln!(
        out,
        "<figure><svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"テーマごとの{g}数\">"
    )?;
    writeln!(
        out,
        "<text class=\"small\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{g}数</text>",
        LABEL_W - 8,
        TOP - 10
    )?;
    for tick in (0..=max).step_by(step) {
        let x = LABEL_W + BAR_W * tick / max;
        writeln!(
            out,
            "<line class=\"axis\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/><text class=\"small\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{tick}</text>",
            TOP - 6,
            height - 10,
            TOP - 10
        )?;
    }
    for (i, t) in themes.iter().enumerate() {
        let y = TOP + i * ROW_H;
        let n = t.branches.len();
        let w = (BAR_W * n / max).max(2);
        writeln!(
            out,
            "<g><title>{} — {n} {g}、{} 件</title>\
<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\">{}. {}</text>\
<rect class=\"bar\" x=\"{LABEL_W}\" y=\"{}\" width=\"{w}\" height=\"{}\"/>\
<text x=\"{}\" y=\"{}\" dominant-baseline=\"middle\">{n}</text></g>",
            html(&t.label),
            t.size,
            LABEL_W - 8,
            y + ROW_H / 2,
            i + 1,
            html(&super::short_label(&t.label, 20)),
            y + 4,
            ROW_H - 8,
            LABEL_W + w + 6,
            y + ROW_H / 2
        )?;
    }
    writeln!(
        out,
        "</svg><figcaption>テーマごとの{g}数（多い順）</figcaption></figure>"
    )
}

/// Diverging colour for an adjusted residual: blue (fewer than expected) – white – red (more).
fn residual_colour(x: f64) -> String {
    if !x.is_finite() {
        return "#dddddd".into();
    }
    let t = (x / 4.0).clamp(-1.0, 1.0);
    let end = if t >= 0.0 {
        (178.0, 24.0, 43.0)
    } else {
        (33.0, 102.0, 172.0)
    };
    let mix = |e: f64| (247.0 + (e - 247.0) * t.abs()).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(end.0), mix(end.1), mix(end.2))
}

/// Text colour readable on [`residual_colour`].
fn ink(x: f64) -> &'static str {
    if x.is_finite() && x.abs() >= 2.4 {
        "#ffffff"
    } else {
        "#222222"
    }
}

/// Code × group heat map of adjusted residuals, with counts in the cells and a legend.
fn heat_map(out: &mut impl Write, cb: &CodeTable, g: &str) -> io::Result<()> {
    const LABEL_W: usize = 190;
    const CELL_W: usize = 62;
    const CELL_H: usize = 36;
    const GROUP_CHARS: usize = 12;
    let longest = cb
        .groups
        .iter()
        .map(|x| super::short_label(x, GROUP_CHARS).chars().count())
        .max()
        .unwrap_or(0);
    // Rotated (-45°) group names: about 13px per character, times sin 45°.
    let head = (longest * 13 * 71 / 100 + 16).max(40);
    let cols = cb.groups.len();
    let grid_h = cb.codes.len() * CELL_H;
    let legend_y = head + grid_h + 24;
    let width = (LABEL_W + cols * CELL_W + head).max(LABEL_W + 7 * 48 + 20);
    let height = legend_y + 56;
    writeln!(
        out,
        "<figure><svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"コード × {g} の調整済み残差\">"
    )?;
    for (j, grp) in cb.groups.iter().enumerate() {
        let x = LABEL_W + j * CELL_W + CELL_W / 2;
        let y = head - 6;
        writeln!(
            out,
            "<text x=\"{x}\" y=\"{y}\" transform=\"rotate(-45 {x} {y})\"><title>{}</title>{}</text>",
            html(grp),
            html(&super::short_label(grp, GROUP_CHARS))
        )?;
    }
    for (i, c) in cb.codes.iter().enumerate() {
        let y = head + i * CELL_H;
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dominant-baseline=\"middle\"><title>{}</title>{}</text>",
            LABEL_W - 8,
            y + CELL_H / 2,
            html(&c.code),
            html(&super::short_label(&c.code, 14))
        )?;
        for j in 0..cols {
            let x = LABEL_W + j * CELL_W;
            let (n, _, r) = cell(c, j);
            let sig = if r.abs() >= SIGNIFICANT {
                " class=\"sig\""
            } else {
                ""
            };
            let value = if r.is_finite() {
                format!("{r:+.1}")
            } else {
                "—".into()
            };
            writeln!(
                out,
                "<g><title>{} × {}: 調整済み残差 {}、{n} 件</title>\
<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{sig}/>\
<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" style=\"fill:{}\">{value}</text>\
<text class=\"small\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" style=\"fill:{}\">{n} 件</text></g>",
                html(&c.code),
                html(&cb.groups[j]),
                signed(r),
                x + 1,
                y + 1,
                CELL_W - 2,
                CELL_H - 2,
                residual_colour(r),
                x + CELL_W / 2,
                y + 16,
                ink(r),
                x + CELL_W / 2,
                y + 29,
                ink(r)
            )?;
        }
    }
    writeln!(
        out,
        "<text x=\"{LABEL_W}\" y=\"{legend_y}\">調整済み残差（赤: 期待より多い、青: 少ない、太枠: |値| ≥ {SIGNIFICANT}）</text>"
    )?;
    for (k, v) in (-3i8..=3).enumerate() {
        let x = LABEL_W + k * 48;
        let label = if v == 0 { "0".into() } else { format!("{v:+}") };
        let v = f64::from(v);
        writeln!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"46\" height=\"20\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" style=\"fill:{}\">{label}</text>",
            legend_y + 10,
            residual_colour(v),
            x + 23,
            legend_y + 25,
            ink(v)
        )?;
    }
    writeln!(
        out,
        "</svg><figcaption>コード × {g} の調整済み残差（セル内は残差と件数）</figcaption></figure>"
    )
}

/// A list for a sentence, or ありません.
fn none_if_empty(items: &[String]) -> String {
    if items.is_empty() {
        "ありません。".into()
    } else {
        joined(items, html)
    }
}

fn family_html(out: &mut impl Write, f: &Family, g: &str) -> io::Result<()> {
    writeln!(
        out,
        "<h2>設問群：{}（{} 件）</h2><p class=\"note\">設問: {}</p>",
        html(&f.name),
        f.units,
        joined(&f.questions, html)
    )?;
    for (title, rows) in [("テーマ", &f.themes), ("コード", &f.codes)] {
        if rows.is_empty() {
            continue;
        }
        writeln!(
            out,
            "<table><thead><tr><th>{title}</th><th>件数</th><th>{g}数</th></tr></thead><tbody>"
        )?;
        for c in rows.iter().take(FAMILY_ROWS) {
            writeln!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                html(&c.name),
                c.units,
                c.groups
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    Ok(())
}

fn codebook_html(out: &mut impl Write, cb: &CodeTable, g: &str) -> io::Result<()> {
    writeln!(out, "<h2>コード × {g}</h2>")?;
    if cb.codes.is_empty() || cb.groups.is_empty() {
        writeln!(out, "<p>コードに当てはまる記述はありません。</p>")?;
    } else {
        heat_map(out, cb, g)?;
    }
    writeln!(out, "<p>コード無し: {} 件</p>", cb.uncoded)?;
    code_stats_table(cb, g).write_html(out)?;
    writeln!(
        out,
        "<h3>{g}別の件数（行%: その{g}の記述のうちコードに当てはまる割合。下段はコード内の割合）</h3><div class=\"scroll\"><table class=\"xtab\"><thead><tr><th>{g}</th><th>記述数</th>"
    )?;
    for c in &cb.codes {
        write!(out, "<th>{}</th>", html(&c.code))?;
    }
    writeln!(out, "</tr></thead><tbody>")?;
    for (j, grp) in cb.groups.iter().enumerate() {
        write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td>",
            html(grp),
            cb.group_units.get(j).copied().unwrap_or(0)
        )?;
        for c in &cb.codes {
            let (n, p, _) = cell(c, j);
            write!(
                out,
                "<td class=\"n\">{n}（{}）<br><span class=\"note\">コード内 {}</span></td>",
                percent(p),
                percent(code_share(c, j))
            )?;
        }
        writeln!(out, "</tr>")?;
    }
    write!(
        out,
        "<tr><th>合計</th><th class=\"n\">{}</th>",
        cb.group_units.iter().sum::<usize>()
    )?;
    for c in &cb.codes {
        write!(out, "<th class=\"n\">{}</th>", c.units)?;
    }
    writeln!(out, "</tr></tbody></table></div>")?;
    writeln!(out, "<h3>コードごとの該当記述</h3>")?;
    for c in &cb.codes {
        writeln!(
            out,
            "<details><summary>{}（{} 件）</summary><table class=\"wide\"><thead><tr><th>{g}</th><th>設問</th><th>記述</th></tr></thead><tbody>",
            html(&c.code),
            c.units
        )?;
        for u in &c.matched {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
                html(&u.branch),
                html(u.question.as_deref().unwrap_or("")),
                html(&u.text)
            )?;
        }
        writeln!(out, "</tbody></table></details>")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::themes::model::{
        CodeStat, Coverage, FamilyCount, Joined, Other, Quote, TermStat, ThemeUnit,
    };

    const SCRIPT: &str = "<script>alert(1)</script>";

    fn unit(branch: &str, question: Option<&str>, text: &str) -> ThemeUnit {
        ThemeUnit {
            doc: "jichiro-survey-2024".into(),
            seq: text.chars().count(),
            branch: branch.into(),
            question: question.map(Into::into),
            text: text.into(),
            norm: text.into(),
        }
    }

    fn theme(label: &str, terms: &[&str], units: Vec<ThemeUnit>) -> Theme {
        let mut branches: Vec<String> = units.iter().map(|u| u.branch.clone()).collect();
        branches.sort();
        branches.dedup();
        let quotes = units
            .iter()
            .take(2)
            .map(|u| Quote {
                branch: u.branch.clone(),
                question: u.question.clone(),
                text: u.text.to_string(),
            })
            .collect();
        Theme {
            label: label.into(),
            subtitle: units
                .first()
                .map(|u| u.text.to_string())
                .unwrap_or_default(),
            terms: terms.iter().map(|t| t.to_string()).collect(),
            size: units.len(),
            clauses: units.len() + 1,
            branches,
            unit_ids: (0..units.len()).collect(),
            units,
            quotes,
            codes: vec![Coverage {
                code: "共済".into(),
                units: 1,
                share: 0.5,
            }],
        }
    }

    fn report(codebook: bool) -> ThemeReport {
        let q = Some("未加入者対策の主な取り組み");
        let themes = vec![
            theme(
                "新採・説明会・加入",
                &["新採", "説明会", "加入"],
                vec![
                    unit("自治労唐津市職労", q, "新採説明会で加入を呼びかけた。"),
                    unit(
                        "自治労四日市労働組合",
                        q,
                        &format!("新採への説明会で{SCRIPT}と書かれたビラを配った。"),
                    ),
                    unit(
                        "三条市職員労働組合連合会",
                        q,
                        "「加入は当然」と説明会で話す。",
                    ),
                    unit("盛岡市職員労働組合", None, "新採全員と面談し加入を勧めた。"),
                ],
            ),
            theme(
                "共済・学習会",
                &["共済", "学習会"],
                vec![
                    unit(
                        "自治労唐津市職労",
                        q,
                        "共済学習会を実施。\n未加入者も参加した。",
                    ),
                    unit("盛岡市職員労働組合", q, "共済の学習会を年2回開く。"),
                ],
            ),
        ];
        let single_branch = vec![theme(
            "会計年度任用職員",
            &["会計年度任用職員"],
            vec![unit(
                "三条市職員労働組合連合会",
                q,
                "会計年度任用職員の組織化 & \"処遇\"改善。",
            )],
        )];
        let terms = ["新採", "説明会", "加入", "共済", "学習会"]
            .iter()
            .enumerate()
            .map(|(i, t)| TermStat {
                term: t.to_string(),
                score: 10.0 - i as f64,
                frequency: 8 - i,
                units: 5 - i,
                groups: 4 - i.min(2),
                ..Default::default()
            })
            .collect();
        let groups: Vec<String> = [
            "自治労唐津市職労",
            "自治労四日市労働組合",
            "三条市職員労働組合連合会",
            "盛岡市職員労働組合",
        ]
        .iter()
        .map(|g| g.to_string())
        .collect();
        let matched = themes[1].units.clone();
        let code = |name: &str, counts: Vec<usize>, residuals: Vec<f64>, fisher_p| CodeStat {
            code: name.into(),
            units: counts.iter().sum(),
            matched: matched.clone(),
            unit_ids: vec![0, 1],
            groups: counts.iter().filter(|&&n| n > 0).count(),
            row_percent: counts
                .iter()
                .zip([2, 1, 2, 2])
                .map(|(&n, g)| 100.0 * n as f64 / g as f64)
                .collect(),
            code_percent: counts
                .iter()
                .map(|&n| 100.0 * n as f64 / counts.iter().sum::<usize>() as f64)
                .collect(),
            counts,
            residuals,
            chi2: 7.81,
            df: 3,
            p: 0.0501,
            fisher_p,
        };
        ThemeReport {
            selection: "種別: survey、組織: 自治労".into(),
            by: "単組".into(),
            unit_count: 7,
            clause_count: 9,
            rule: "約 6 節に 1 テーマ".into(),
            terms,
            themes,
            single_branch,
            other: Other {
                min_units: 3,
                themes: 2,
                units: 3,
            },
            joined: codebook.then(|| Joined {
                uncovered: vec!["「新採・説明会・加入」".into()],
                empty_codes: vec!["<b>処遇</b>".into()],
            }),
            families: vec![Family {
                name: "取り組み・工夫".into(),
                questions: vec!["未加入者対策の主な取り組み".into()],
                units: 6,
                themes: vec![FamilyCount {
                    name: "「共済・学習会」".into(),
                    units: 2,
                    groups: 2,
                }],
                codes: Vec::new(),
            }],
            notes: vec![
                "jichiro-survey-2024.txt：調査票の様式と合わない箇所が 1 か所あります。".into(),
                "  ・岩手 / 自治労奥州市職員労働組合（86行目）：競合単組との差別化".into(),
            ],
            codebook: codebook.then(|| CodeTable {
                groups,
                group_units: vec![2, 1, 2, 2],
                codes: vec![
                    code(
                        "新採対策",
                        vec![1, 1, 1, 1],
                        vec![0.4, 1.2, -0.3, 0.1],
                        None,
                    ),
                    code(
                        "共済",
                        vec![1, 0, 0, 1],
                        vec![2.5, -1.0, -1.4, 1.1],
                        Some(0.02),
                    ),
                    code(
                        "<b>処遇</b>",
                        vec![0, 0, 1, 0],
                        vec![-0.8, -0.5, 3.1, f64::NAN],
                        Some(0.3),
                    ),
                ],
                uncoded: 2,
            }),
        }
    }

    fn render(f: fn(&mut Vec<u8>, &ThemeReport) -> io::Result<()>, r: &ThemeReport) -> String {
        let mut out = Vec::new();
        f(&mut out, r).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn markdown_has_headings_labels_counts_and_quotes() {
        let r = report(true);
        let md = render(write_markdown, &r);
        for heading in [
            "# テーマ分析",
            "## テーマ一覧",
            "## 単組だけの話題",
            "## 特徴語",
            "## コード × 単組",
            "### 調整済み残差",
            "| # | テーマ | 単組数 | 件数 | 特徴語 |",
            "代表的な記述",
            "コード無し: 2 件",
            "| コード | 件数 | 単組数 | χ² | 自由度 | p値 | Fisher p値 |",
        ] {
            assert!(md.contains(heading), "missing {heading:?} in\n{md}");
        }
        assert!(md.contains("### 1. 新採・説明会・加入"));
        assert!(md.contains("- 単組数: 4（"));
        assert!(md.contains("### 2. 共済・学習会"));
        assert!(md.contains("- 単組数: 2（"));
        assert!(md.contains(
            "「新採説明会で加入を呼びかけた。」（自治労唐津市職労／未加入者対策の主な取り組み）"
        ));
        // The join of themes and codes, the question families, 行% and each code's units.
        for text in [
            "## テーマとコードの対応",
            "### コードで捉えられていないテーマ（次のコードの候補）",
            "- 「新採・説明会・加入」",
            "### 何も見つからなかったコード",
            "## 設問群：取り組み・工夫（6 件）",
            "| 「共済・学習会」 | 2 | 2 |",
            "- 対応するコード: 共済（1 件, 50%）",
            "行%: その単組の記述のうちコードに当てはまる割合",
            "### コード内の割合",
            "#### 共済（2 件）",
            "- 共済の学習会を年2回開く。（盛岡市職員労働組合／未加入者対策の主な取り組み）",
            "その他: 3 件未満の小さな話題 2 群（記述 3 件）",
        ] {
            assert!(md.contains(text), "missing {text:?} in\n{md}");
        }
        // 行% of 共済 in 唐津 (1 of its 2 units) and within the code (1 of 2).
        assert!(md.contains(" 1（50.0%） |"), "{md}");
        assert!(md.contains("**+2.50**"));
        assert!(md.contains("会計年度任用職員"));
        assert!(md.contains("&lt;script&gt;") && !md.contains("<script"));
        assert!(md.contains(
            "## 注記\n\n\njichiro-survey-2024.txt：調査票の様式と合わない箇所が 1 か所あります。\n\n\
             - 岩手 / 自治労奥州市職員労働組合（86行目）：競合単組との差別化\n"
        ));
    }

    #[test]
    fn html_is_escaped_self_contained_and_has_charts() {
        let r = report(true);
        let page = render(write_html, &r);
        if let Some(path) = std::env::var_os("KUMIAI_THEMES_HTML") {
            fs::write(path, &page).unwrap();
        }
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.to_lowercase().contains("<script"));
        assert!(page.contains("&lt;b&gt;処遇&lt;/b&gt;"));
        assert!(page.contains("&quot;処遇&quot;"));
        assert!(!page.contains("http://") && !page.contains("https://"));
        assert!(!page.contains("<link") && !page.contains("@import") && !page.contains("url("));
        assert_eq!(page.matches("<svg").count(), 2, "bar chart and heat map");
        for text in [
            "テーマ一覧",
            "単組だけの話題",
            "代表的な記述",
            "特徴語",
            "調整済み残差",
            "コード無し",
        ] {
            assert!(page.contains(text), "missing {text}");
        }
        assert!(page.contains("id=\"theme-2\""));
        assert!(page.contains("<details><summary>共済（2 件）</summary>"));
        assert!(page.contains("設問群：取り組み・工夫"));
        assert!(page.contains("<h2>テーマとコードの対応</h2>"));
        assert!(page.contains("<h2>注記</h2>"));
        assert!(
            page.contains("<li>岩手 / 自治労奥州市職員労働組合（86行目）：競合単組との差別化</li>")
        );
        assert!(page.contains("コードで捉えられていないテーマ"));
        // Without a codebook there is no heat map.
        let page = render(write_html, &report(false));
        assert_eq!(page.matches("<svg").count(), 1);
        assert!(!page.contains("コード無し"));
    }

    #[test]
    fn json_round_trips_with_every_unit() {
        let r = report(true);
        let json = render(write_json, &r);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        for key in ["themes", "single_branch", "terms", "codebook"] {
            assert!(!v[key].is_null(), "missing {key}");
        }
        let themes = v["themes"].as_array().unwrap();
        assert_eq!(themes.len(), r.themes.len());
        for (t, theme) in themes.iter().zip(&r.themes) {
            assert_eq!(t["label"], theme.label.as_str());
            assert_eq!(t["size"], theme.size);
            assert_eq!(
                t["branches"].as_array().unwrap().len(),
                theme.branches.len()
            );
            assert_eq!(t["terms"].as_array().unwrap().len(), theme.terms.len());
            let units = t["units"].as_array().unwrap();
            assert_eq!(units.len(), theme.units.len());
            for (u, unit) in units.iter().zip(&theme.units) {
                assert_eq!(u["branch"], unit.branch.as_str());
                assert_eq!(u["text"], &*unit.text);
                assert!(u.get("question").is_some());
            }
            assert!(t["quotes"][0]["branch"].is_string() && t["quotes"][0]["text"].is_string());
        }
        assert_eq!(
            v["codebook"]["codes"][2]["residuals"][3],
            serde_json::Value::Null
        );
        assert!(json.contains(SCRIPT), "JSON keeps the text as written");
    }

    #[test]
    fn csv_files_have_a_bom_and_parse() {
        let dir = std::env::temp_dir().join(format!("kumiai-themes-csv-{}", std::process::id()));
        let files = write_csv_dir(&dir, &report(true)).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "themes.csv",
                "theme_units.csv",
                "theme_quotes.csv",
                "terms.csv",
                "codebook.csv",
                "codebook_cells.csv",
                "codebook_units.csv"
            ]
        );
        let mut rows = std::collections::HashMap::new();
        for f in &files {
            let bytes = fs::read(f).unwrap();
            assert!(
                bytes.starts_with("\u{FEFF}".as_bytes()),
                "{} has no BOM",
                f.display()
            );
            let mut rdr = csv::Reader::from_reader(&bytes[3..]);
            let header = rdr.headers().unwrap().clone();
            let records: Vec<_> = rdr.records().map(Result::unwrap).collect();
            assert!(records.iter().all(|r| r.len() == header.len()));
            rows.insert(
                f.file_name().unwrap().to_string_lossy().into_owned(),
                (header, records),
            );
        }
        let (header, units) = &rows["theme_units.csv"];
        assert_eq!(&header[3], "単組");
        assert_eq!(units.len(), 7);
        assert!(units.iter().any(|u| u[5].contains(SCRIPT)));
        assert!(
            units
                .iter()
                .any(|u| u[5] == *"共済学習会を実施。 / 未加入者も参加した。"),
            "an answer's line break is ` / `: no hard line break in a cell"
        );
        let (header, codes) = &rows["codebook.csv"];
        assert!(header.iter().any(|h| h == "自治労唐津市職労 調整済み残差"));
        assert!(header.iter().any(|h| h == "自治労唐津市職労 コード内%"));
        assert_eq!(&codes[1][0], "共済");
        assert_eq!(rows["codebook_units.csv"].1.len(), 6);
        assert_eq!(&codes[1][6], "0.0200", "p-values to four decimals");
        assert_eq!((&codes[3][0], &codes[3][1]), ("コード無し", "2"));
        assert_eq!(rows["codebook_cells.csv"].1.len(), 12);
        assert_eq!(rows["themes.csv"].1.len(), 3);
        let files = write_csv_dir(&dir, &report(false)).unwrap();
        assert_eq!(files.len(), 4);
        fs::remove_dir_all(&dir).unwrap();
    }
}
