//! Reports of a comparison: terminal text, Markdown, JSON, a self-contained HTML 新旧対照表,
//! an Excel workbook and a Word document (for a 議案書).
//!
//! Every format uses the labels of a printed 新旧対照表: columns 新｜旧｜備考 (or 旧｜新｜備考),
//! 備考 新設・削除・変更・移動, unchanged runs as （略）, changed text underlined on both sides.

use super::sheet::{Cell, Sheet};
use super::table::{Align, Table};
use super::{display_width, escape_html as html, escape_md as md};
use std::io::{self, Write};

use crate::compare::{Comparison, DiffOp, SectionSummary, SentencePair, Status};

/// Column order of the table: official amendment tables put the new text first
/// (新｜旧); readers following the year often want old first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    #[default]
    NewOld,
    OldNew,
}

/// The two documents' titles, shown above the table.
#[derive(Debug, Clone, Copy)]
pub struct Titles<'a> {
    pub old: &'a str,
    pub new: &'a str,
}

/// Unchanged runs at least this long are collapsed to 略.
const COLLAPSE: usize = 2;

/// 備考 of a row: what happened to the sentence, as a 新旧対照表 says it.
fn status_label(s: Status) -> &'static str {
    match s {
        Status::Unchanged => "同",
        Status::Modified => "変更",
        Status::Added => "新設",
        Status::Removed => "削除",
        Status::Moved => "移動",
    }
}

/// The legend printed with the HTML and Word tables.
const LEGEND: &str = "下線：改められた箇所（新では加わった文字、旧では除かれた文字）。\
新設：新にだけある文。削除：旧にだけある文。変更：文の一部が改められた。\
移動：別の節から移った文。（略）：改めのない文。";

fn path(p: &[String]) -> String {
    if p.is_empty() {
        "(前文)".to_string()
    } else {
        p.join(" > ")
    }
}

fn summary_path(s: &SectionSummary) -> String {
    match (&s.old, &s.new) {
        (Some(o), Some(n)) if o != n => format!("{} → {}", path(o), path(n)),
        (_, Some(n)) => path(n),
        (Some(o), None) => path(o),
        (None, None) => String::new(),
    }
}

/// 「見出し」 for a heading's row; 「1文→2文」 for a pair one of whose sides is
/// two sentences: one split into two, or two merged into one.
fn note(s: &SentencePair) -> Option<String> {
    if s.heading {
        return Some("見出し".to_string());
    }
    (s.old_count > 1 || s.new_count > 1).then(|| format!("{}文→{}文", s.old_count, s.new_count))
}

/// The 備考 cell: the status, where a moved sentence came from, and the note.
fn remarks(s: &SentencePair) -> String {
    if s.status == Status::Unchanged {
        return String::new();
    }
    let mut parts = vec![status_label(s.status).to_string()];
    if let Some(from) = &s.old_section {
        parts.push(format!("{}から", path(from)));
    }
    parts.extend(note(s));
    parts.join("・")
}

/// Text with whether it changed, for underlining.
type Runs<'a> = Vec<(&'a str, bool)>;

/// Old and new side of a sentence.
fn sides<'a>(s: &'a SentencePair) -> (Runs<'a>, Runs<'a>) {
    if !s.diff.is_empty() {
        let mut old = Vec::new();
        let mut new = Vec::new();
        for d in &s.diff {
            match d.op {
                DiffOp::Equal => {
                    old.push((d.text.as_str(), false));
                    new.push((d.text.as_str(), false));
                }
                DiffOp::Delete => old.push((d.text.as_str(), true)),
                DiffOp::Insert => new.push((d.text.as_str(), true)),
            }
        }
        return (old, new);
    }
    let changed = s.status != Status::Unchanged && s.status != Status::Moved;
    let whole = |t: Option<&'a str>| t.map(|t| vec![(t, changed)]).unwrap_or_default();
    (whole(s.old.as_deref()), whole(s.new.as_deref()))
}

/// What a side of the table shows where the sentence is missing from it.
fn missing_mark(p: &SentencePair, new_side: bool) -> Option<&'static str> {
    match (p.status, new_side) {
        (Status::Added, false) => Some("（新設）"),
        (Status::Removed, true) => Some("（削除）"),
        _ => None,
    }
}

/// A side's text for a table whose other side has it: （新設） or （削除） where it is missing.
fn side_or_mark<'a>(p: &SentencePair, runs: Runs<'a>, new_side: bool) -> Runs<'a> {
    missing_mark(p, new_side).map_or(runs, |mark| vec![(mark, false)])
}

/// Runs of sentences: a collapsible block of unchanged ones, or one change.
enum Run<'a> {
    Same(&'a [SentencePair]),
    One(&'a SentencePair),
}

fn runs(c: &Comparison) -> Vec<Run<'_>> {
    let mut out = Vec::new();
    let s = &c.sentences;
    let mut i = 0;
    while i < s.len() {
        let mut j = i;
        while j < s.len() && s[j].status == Status::Unchanged && s[j].section == s[i].section {
            j += 1;
        }
        if j - i >= COLLAPSE {
            out.push(Run::Same(&s[i..j]));
            i = j;
        } else {
            out.push(Run::One(&s[i]));
            i += 1;
        }
    }
    out
}

fn section_of<'a>(r: &Run<'a>) -> &'a [String] {
    match r {
        Run::Same(s) => &s[0].section,
        Run::One(s) => &s.section,
    }
}

/// Section counts as a line: 同3 変更1 新設0 削除1 移動0.
fn counts(s: &SectionSummary) -> String {
    format!(
        "同{} 変更{} 新設{} 削除{} 移動{}",
        s.unchanged, s.modified, s.added, s.removed, s.moved
    )
}

// ---------------------------------------------------------------- text

pub fn write_text(out: &mut impl Write, c: &Comparison, color: bool) -> io::Result<()> {
    let (del, ins, dim, bold, reset) = if color {
        ("\x1b[31;4m", "\x1b[32;4m", "\x1b[2m", "\x1b[1m", "\x1b[0m")
    } else {
        ("[-", "{+", "", "", "")
    };
    let (del_end, ins_end) = if color { (reset, reset) } else { ("-]", "+}") };
    let mut section: Option<&[String]> = None;
    for r in runs(c) {
        let sec = section_of(&r);
        if section != Some(sec) {
            writeln!(out, "\n{bold}■ {}{reset}", path(sec))?;
            section = Some(sec);
        }
        match r {
            Run::Same(s) => writeln!(out, "{dim}  …（略：{}文）{reset}", s.len())?,
            Run::One(s) => {
                let line = |l: Option<usize>| l.map_or("-".to_string(), |l| l.to_string());
                let label = status_label(s.status);
                write!(
                    out,
                    "{label}{} {:>5}→{:<5} ",
                    " ".repeat(4 - display_width(label)),
                    line(s.old_line),
                    line(s.new_line)
                )?;
                match s.status {
                    Status::Unchanged => write!(out, "{}", s.new.as_deref().unwrap_or(""))?,
                    Status::Added => {
                        write!(out, "{ins}{}{ins_end}", s.new.as_deref().unwrap_or(""))?
                    }
                    Status::Removed => {
                        write!(out, "{del}{}{del_end}", s.old.as_deref().unwrap_or(""))?
                    }
                    Status::Modified | Status::Moved => {
                        if s.diff.is_empty() {
                            write!(out, "{}", s.new.as_deref().unwrap_or(""))?;
                        }
                        for d in &s.diff {
                            match d.op {
                                DiffOp::Equal => write!(out, "{}", d.text)?,
                                DiffOp::Delete => write!(out, "{del}{}{del_end}", d.text)?,
                                DiffOp::Insert => write!(out, "{ins}{}{ins_end}", d.text)?,
                            }
                        }
                    }
                }
                if let Some(p) = &s.old_section {
                    write!(out, "  (← {})", path(p))?;
                }
                if let Some(n) = note(s) {
                    write!(out, "  ({n})")?;
                }
                writeln!(out)?;
            }
        }
    }
    writeln!(out, "\n{bold}変更の多い節{reset}")?;
    for s in &c.sections {
        writeln!(
            out,
            "  {:.2}  {}  {}",
            s.similarity,
            counts(s),
            summary_path(s)
        )?;
    }
    writeln!(
        out,
        "\n{bold}増減した語（G² ≥ {:.2}）{reset}",
        c.keyness_threshold
    )?;
    for k in &c.keyness {
        writeln!(
            out,
            "  {} {:<16} {:>4} → {:<4} G²={:.2} 対数比={:+.2}",
            if k.log_ratio > 0.0 { "↑" } else { "↓" },
            k.term,
            k.old,
            k.new,
            k.g2,
            k.log_ratio
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------- markdown

pub fn write_markdown(out: &mut impl Write, c: &Comparison, titles: Titles) -> io::Result<()> {
    writeln!(out, "# 新旧対照表\n")?;
    writeln!(out, "- 新：{}\n- 旧：{}\n", md(titles.new), md(titles.old))?;
    writeln!(out, "## 変更の多い節\n")?;
    sections_table(c).write_markdown(out)?;
    writeln!(
        out,
        "\n## 増減した語\n\nG² ≥ {:.2}（p < 0.05）の語。\n",
        c.keyness_threshold
    )?;
    keyness_table(c).write_markdown(out)?;
    writeln!(out, "\n## 変更箇所")?;
    let mut section: Option<&[String]> = None;
    for s in c.sentences.iter().filter(|s| s.status != Status::Unchanged) {
        if section != Some(&s.section[..]) {
            writeln!(out, "\n### {}\n", md(&path(&s.section)))?;
            section = Some(&s.section);
        }
        let body = match s.status {
            Status::Added => format!("<ins>{}</ins>", md(s.new.as_deref().unwrap_or(""))),
            Status::Removed => format!("<del>{}</del>", md(s.old.as_deref().unwrap_or(""))),
            _ if s.diff.is_empty() => md(s.new.as_deref().unwrap_or("")),
            _ => s
                .diff
                .iter()
                .map(|d| match d.op {
                    DiffOp::Equal => md(&d.text),
                    DiffOp::Delete => format!("<del>{}</del>", md(&d.text)),
                    DiffOp::Insert => format!("<ins>{}</ins>", md(&d.text)),
                })
                .collect(),
        };
        let from = s
            .old_section
            .as_ref()
            .map(|p| format!(" (← {})", md(&path(p))))
            .unwrap_or_default();
        let tag = note(s).map(|n| format!(" ({n})")).unwrap_or_default();
        writeln!(out, "- **{}** {body}{from}{tag}", status_label(s.status))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- json

pub fn write_json(out: &mut impl Write, c: &Comparison) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, c)?;
    writeln!(out)
}

// ---------------------------------------------------------------- html

fn cell(runs: &[(&str, bool)]) -> String {
    runs.iter()
        .map(|(t, changed)| {
            if *changed {
                format!("<u>{}</u>", html(t))
            } else {
                html(t)
            }
        })
        .collect()
}

const STYLE: &str = "body{margin:1em}\
table{border-collapse:collapse;width:100%;table-layout:fixed}\
td,th{border:1px solid #999;padding:.3em .5em;vertical-align:top;word-break:break-all}\
col.remarks{width:9em}\
th.sec{background:#eee;text-align:left}\
u{text-decoration-thickness:2px;background:#fff3b0}\
.mark{color:#666}\
details>summary{color:#666;cursor:pointer}\
tr.moved td{background:#f3f0ff}\
tr.head td{font-weight:bold}\
.note,.legend{color:#666;font-size:.85em}\
dl.docs dt{float:left;font-weight:bold;margin-right:.5em}dl.docs dd{margin:0 0 .2em 2em}";

/// The column heads in `layout` order: 新｜旧｜備考 or 旧｜新｜備考.
fn heads(layout: Layout) -> [&'static str; 3] {
    match layout {
        Layout::NewOld => ["新", "旧", "備考"],
        Layout::OldNew => ["旧", "新", "備考"],
    }
}

/// Writes the 新旧対照表 page: title, both documents' titles, a legend, the table, then the
/// sections and terms that changed most.
pub fn write_html(
    out: &mut impl Write,
    c: &Comparison,
    layout: Layout,
    titles: Titles,
) -> io::Result<()> {
    super::html_start(out, &format!("新旧対照表：{}", titles.new), STYLE)?;
    writeln!(
        out,
        "<h1>新旧対照表</h1>\n<dl class=\"docs\"><dt>新</dt><dd>{}</dd><dt>旧</dt><dd>{}</dd></dl>\n<p class=\"legend\">{}</p>",
        html(titles.new),
        html(titles.old),
        html(LEGEND)
    )?;
    let [a, b, r] = heads(layout);
    writeln!(
        out,
        "<table><colgroup><col><col><col class=\"remarks\"></colgroup><thead><tr><th>{a}</th><th>{b}</th><th>{r}</th></tr></thead><tbody>"
    )?;
    let mut section: Option<&[String]> = None;
    for run in runs(c) {
        let sec = section_of(&run);
        if section != Some(sec) {
            writeln!(
                out,
                "<tr><th class=\"sec\" colspan=\"3\">{}</th></tr>",
                html(&path(sec))
            )?;
            section = Some(sec);
        }
        match run {
            Run::Same(s) => {
                writeln!(
                    out,
                    "<tr><td colspan=\"3\"><details><summary>（略：{}文）</summary><table>",
                    s.len()
                )?;
                for p in s {
                    row(out, p, layout)?;
                }
                writeln!(out, "</table></details></td></tr>")?;
            }
            Run::One(p) => row(out, p, layout)?,
        }
    }
    writeln!(out, "</tbody></table>")?;
    writeln!(out, "<h2>変更の多い節</h2>")?;
    sections_table(c).write_html(out)?;
    writeln!(
        out,
        "<h2>増減した語</h2><p class=\"note\">G² ≥ {:.2}（p &lt; 0.05）</p>",
        c.keyness_threshold
    )?;
    keyness_table(c).write_html(out)?;
    writeln!(out, "</body></html>")
}

/// Per-section counts, most changed first (the order of `Comparison::sections`).
fn sections_table(c: &Comparison) -> Table {
    let mut t = Table::new([
        ("節", Align::Left),
        ("類似度", Align::Right),
        ("同", Align::Right),
        ("変更", Align::Right),
        ("新設", Align::Right),
        ("削除", Align::Right),
        ("移動", Align::Right),
    ]);
    for s in &c.sections {
        t.row(vec![
            summary_path(s),
            format!("{:.2}", s.similarity),
            s.unchanged.to_string(),
            s.modified.to_string(),
            s.added.to_string(),
            s.removed.to_string(),
            s.moved.to_string(),
        ]);
    }
    t
}

/// Terms that rose (↑) or fell (↓), strongest first.
fn keyness_table(c: &Comparison) -> Table {
    let mut t = Table::new([
        ("", Align::Left),
        ("語", Align::Left),
        ("旧", Align::Right),
        ("新", Align::Right),
        ("G²", Align::Right),
        ("対数比", Align::Right),
    ]);
    for k in &c.keyness {
        t.row(vec![
            if k.log_ratio > 0.0 { "↑" } else { "↓" }.to_string(),
            k.term.clone(),
            k.old.to_string(),
            k.new.to_string(),
            format!("{:.2}", k.g2),
            format!("{:+.2}", k.log_ratio),
        ]);
    }
    t
}

fn row(out: &mut impl Write, p: &SentencePair, layout: Layout) -> io::Result<()> {
    let (old, new) = sides(p);
    let side = |runs: Runs, new_side: bool| match missing_mark(p, new_side) {
        Some(mark) => format!("<span class=\"mark\">{mark}</span>"),
        None => cell(&runs),
    };
    let (old, new) = (side(old, false), side(new, true));
    let class = if p.heading {
        " class=\"head\""
    } else if p.status == Status::Moved {
        " class=\"moved\""
    } else {
        ""
    };
    let (l, r) = match layout {
        Layout::NewOld => (new, old),
        Layout::OldNew => (old, new),
    };
    writeln!(
        out,
        "<tr{class}><td>{l}</td><td>{r}</td><td class=\"note\">{}</td></tr>",
        html(&remarks(p))
    )
}

// ---------------------------------------------------------------- xlsx

/// The comparison as worksheets: the 新旧対照表 with every sentence (備考 empty where nothing
/// changed, so Excel's filter on 備考 shows the changes), the sections and the terms.
pub fn sheets(c: &Comparison, layout: Layout) -> Vec<Sheet> {
    let [a, b, r] = heads(layout);
    let mut table = Sheet::new(
        "新旧対照表",
        ["節", a, b, r, &format!("{a}の行"), &format!("{b}の行")],
    );
    for p in &c.sentences {
        let (old, new) = sides(p);
        let marked = |runs: Runs, new_side: bool| {
            Cell::Marked(
                side_or_mark(p, runs, new_side)
                    .into_iter()
                    .map(|(t, changed)| (t.to_string(), changed))
                    .collect(),
            )
        };
        let line = |l: Option<usize>| l.map_or(Cell::Empty, Cell::from);
        let (old, new) = (marked(old, false), marked(new, true));
        let (old_line, new_line) = (line(p.old_line), line(p.new_line));
        let (l, r, ll, rl) = match layout {
            Layout::NewOld => (new, old, new_line, old_line),
            Layout::OldNew => (old, new, old_line, new_line),
        };
        table.row(vec![
            path(&p.section).into(),
            l,
            r,
            remarks(p).into(),
            ll,
            rl,
        ]);
    }
    let mut sections = Sheet::new(
        "変更の多い節",
        ["節", "類似度", "同", "変更", "新設", "削除", "移動"],
    );
    for s in &c.sections {
        sections.row(vec![
            summary_path(s).into(),
            Cell::num(s.similarity, 2),
            s.unchanged.into(),
            s.modified.into(),
            s.added.into(),
            s.removed.into(),
            s.moved.into(),
        ]);
    }
    let mut terms = Sheet::new("増減した語", ["増減", "語", "旧", "新", "G²", "対数比"]);
    for k in &c.keyness {
        terms.row(vec![
            if k.log_ratio > 0.0 { "↑" } else { "↓" }.into(),
            k.term.as_str().into(),
            k.old.into(),
            k.new.into(),
            Cell::num(k.g2, 2),
            Cell::num(k.log_ratio, 2),
        ]);
    }
    vec![table, sections, terms]
}

pub fn write_xlsx(out: &mut impl Write, c: &Comparison, layout: Layout) -> io::Result<()> {
    out.write_all(&super::xlsx::workbook(&sheets(c, layout))?)
}

// ---------------------------------------------------------------- docx

/// The 新旧対照表 as a Word document for a 議案書: A4 landscape, the titles and legend, then
/// the table with changed text underlined (real `<w:u>` runs, so it survives editing).
pub fn write_docx(
    out: &mut impl Write,
    c: &Comparison,
    layout: Layout,
    titles: Titles,
) -> io::Result<()> {
    let mut doc = super::docx::Document::new("新旧対照表");
    doc.line(&format!("新：{}", titles.new));
    doc.line(&format!("旧：{}", titles.old));
    doc.note(LEGEND);
    let mut table = super::docx::Table::new(heads(layout));
    let mut section: Option<&[String]> = None;
    for run in runs(c) {
        let sec = section_of(&run);
        if section != Some(sec) {
            table.banner(&path(sec));
            section = Some(sec);
        }
        match run {
            Run::Same(s) => table.banner(&format!("（略：{}文）", s.len())),
            Run::One(p) => {
                let (old, new) = sides(p);
                let (old, new) = (side_or_mark(p, old, false), side_or_mark(p, new, true));
                let (l, r) = match layout {
                    Layout::NewOld => (new, old),
                    Layout::OldNew => (old, new),
                };
                table.row([&l, &r, &[(remarks(p).as_str(), false)]]);
            }
        }
    }
    doc.table(table);
    out.write_all(&doc.into_bytes()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzer;
    use crate::compare::{CompareOptions, compare};

    const JCM: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpora/jcm-2025-katsudo-hoshin.txt"
    ));

    const TITLES: Titles = Titles {
        old: "2025年度方針",
        new: "2026年度方針（案）",
    };

    fn edited() -> (String, Comparison) {
        let new = JCM
            .replacen("活動を行って\n\nきた。", "活動して\n\nきた。", 1)
            .replacen(
                "１．はじめに \n",
                "１．はじめに \n<script>alert(\"x\")</script>を新設する。 \n\n",
                1,
            );
        let analyzer = Analyzer::new(&[]).expect("analyzer");
        let c = compare(JCM, &new, &analyzer, &CompareOptions::default());
        (new, c)
    }

    /// What a writer produces, as text.
    fn rendered(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).expect("written to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn html_escapes_documents_and_marks_changes() {
        let (_, c) = edited();
        let html = rendered(|out| write_html(out, &c, Layout::NewOld, TITLES));
        assert!(!html.contains("<script"));
        assert!(
            html.contains("<u>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;を新設する。</u>")
        );
        assert!(html.contains("（新設）"));
        assert!(html.contains("<u>を行っ</u>") && html.contains("<u>し</u>"));
        assert!(html.contains("<details><summary>（略："));
        assert!(!html.contains("http"), "self-contained");
        let new_first = html.find("<th>新</th>").unwrap() < html.find("<th>旧</th>").unwrap();
        assert!(new_first && html.contains("<th>備考</th>"));
        assert!(html.contains("<title>新旧対照表：2026年度方針（案）</title>"));
        assert!(
            html.contains("<dt>新</dt><dd>2026年度方針（案）</dd><dt>旧</dt><dd>2025年度方針</dd>")
        );
        assert!(html.contains("下線：改められた箇所"), "a legend");
        assert!(
            html.contains("Noto Sans JP") && html.contains("Yu Gothic") && html.contains("Meiryo")
        );
        let html = rendered(|out| write_html(out, &c, Layout::OldNew, TITLES));
        assert!(html.find("<th>旧</th>").unwrap() < html.find("<th>新</th>").unwrap());
    }

    #[test]
    fn json_has_every_sentence_once() {
        let (new, c) = edited();
        let mut out = Vec::new();
        write_json(&mut out, &c).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let sentences = v["sentences"].as_array().unwrap();
        // A side spans `count` sentences from `index` (1 when the count is left out).
        let ids = |side: &str| {
            let mut ids: Vec<u64> = sentences
                .iter()
                .filter_map(|s| {
                    let first = s[format!("{side}_index")].as_u64()?;
                    let count = s[format!("{side}_count")].as_u64().unwrap_or(1);
                    Some(first..first + count)
                })
                .flatten()
                .collect();
            ids.sort_unstable();
            ids
        };
        let n = |t: &str| crate::segment::prose::segment(&crate::normalize::repair(t)).len() as u64;
        assert_eq!(ids("old"), (0..n(JCM)).collect::<Vec<_>>());
        assert_eq!(ids("new"), (0..n(&new)).collect::<Vec<_>>());
        for s in sentences {
            assert!(s["section"].is_array() && s.get("old").is_some() && s.get("new").is_some());
            assert!(s.get("old_count").is_none() && s.get("new_count").is_none());
        }
        let statuses: Vec<&str> = sentences
            .iter()
            .filter_map(|s| s["status"].as_str())
            .filter(|s| *s != "unchanged")
            .collect();
        assert_eq!(statuses, ["added", "modified"]);
        assert!(v["sections"].is_array() && v["keyness"].is_array());
        assert_eq!(v["keyness_threshold"], 3.84);
    }

    #[test]
    fn text_and_markdown_show_the_edit() {
        let (_, c) = edited();
        let text = rendered(|out| write_text(out, &c, false));
        assert!(text.contains("活動[-を行っ-]{+し+}てきた。"), "{text}");
        assert!(text.contains("G² ≥ 3.84"));
        assert!(rendered(|out| write_text(out, &c, true)).contains("\x1b[31;4mを行っ\x1b[0m"));
        let md = rendered(|out| write_markdown(out, &c, TITLES));
        assert!(
            md.contains("活動<del>を行っ</del><ins>し</ins>てきた。"),
            "{md}"
        );
        assert!(md.contains("&lt;script&gt;"));
    }

    #[test]
    fn a_split_sentence_is_one_row_with_both_new_sentences() {
        let new = JCM.replacen("2億円を超え、直近では", "2億円を超えた。直近では", 1);
        let analyzer = Analyzer::new(&[]).expect("analyzer");
        let c = compare(JCM, &new, &analyzer, &CompareOptions::default());
        let text = rendered(|out| write_text(out, &c, false));
        let line = text
            .lines()
            .find(|l| l.starts_with("変更 "))
            .expect("the split");
        assert!(
            line.contains("2億円を超え[-、-]{+た。+}直近では") && line.ends_with("  (1文→2文)"),
            "{line}"
        );
        assert!(
            line.contains("常態化している。"),
            "the second sentence too: {line}"
        );
        assert!(!text.lines().any(|l| l.starts_with("新設 ")), "{text}");
        assert!(
            text.contains(" 変更1 新設0 削除0 "),
            "counted once as modified: {text}"
        );

        let md = rendered(|out| write_markdown(out, &c, TITLES));
        assert!(
            md.contains("2億円を超え<del>、</del><ins>た。</ins>直近では"),
            "{md}"
        );
        assert!(md.contains("常態化している。 (1文→2文)"), "{md}");

        let html = rendered(|out| write_html(out, &c, Layout::NewOld, TITLES));
        let row = html
            .lines()
            .find(|l| l.contains("<u>た。</u>"))
            .expect("the split row");
        assert!(
            row.contains("<u>、</u>") && row.contains("<td class=\"note\">変更・1文→2文</td>"),
            "{row}"
        );
        assert_eq!(row.matches("常態化している。").count(), 2, "{row}");
    }

    #[test]
    fn a_renamed_heading_is_a_row_of_its_own_in_every_format() {
        let new = JCM.replacen("４.５ 地方活動の展開", "４.５ 地域に根ざした活動の推進", 1);
        let analyzer = Analyzer::new(&[]).expect("analyzer");
        let c = compare(JCM, &new, &analyzer, &CompareOptions::default());

        let text = rendered(|out| write_text(out, &c, false));
        let changed: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("変更 ") || l.starts_with("新設 ") || l.starts_with("削除 "))
            .collect();
        assert_eq!(
            changed,
            ["変更  1512→1512  ４.５ [-地方-]{+地域に根ざした+}活動の[-展開-]{+推進+}  (見出し)"],
            "{text}"
        );
        assert!(
            text.contains("4.5 地方活動の展開 → 4.活動方針 > 4.5 地域に根ざした活動の推進"),
            "{text}"
        );

        let md = rendered(|out| write_markdown(out, &c, TITLES));
        assert!(
            md.contains("- **変更** ４.５ <del>地方</del><ins>地域に根ざした</ins>活動の<del>展開</del><ins>推進</ins> (見出し)\n"),
            "{md}"
        );

        let html = rendered(|out| write_html(out, &c, Layout::NewOld, TITLES));
        let row = html
            .lines()
            .find(|l| l.starts_with("<tr class=\"head\">"))
            .expect("the heading row");
        assert_eq!(
            row,
            "<tr class=\"head\"><td>４.５ <u>地域に根ざした</u>活動の<u>推進</u></td><td>４.５ <u>地方</u>活動の<u>展開</u></td><td class=\"note\">変更・見出し</td></tr>"
        );

        let v: serde_json::Value =
            serde_json::from_str(&rendered(|out| write_json(out, &c))).expect("JSON");
        let rows: Vec<&serde_json::Value> = v["sentences"]
            .as_array()
            .expect("sentences")
            .iter()
            .filter(|s| s["status"] != "unchanged")
            .collect();
        assert_eq!(rows.len(), 1, "{rows:#?}");
        let h = rows[0];
        assert_eq!(
            (&h["status"], &h["heading"]),
            (&"modified".into(), &true.into())
        );
        assert_eq!(h["old"], "４.５ 地方活動の展開");
        assert_eq!(h["new"], "４.５ 地域に根ざした活動の推進");
        assert!(h["old_index"].is_null() && h["new_index"].is_null(), "{h}");
        assert_eq!(
            h["diff"][1],
            serde_json::json!({"op": "delete", "text": "地方"})
        );
        assert!(
            v["sentences"]
                .as_array()
                .expect("sentences")
                .iter()
                .filter(|s| s["status"] == "unchanged")
                .all(|s| s.get("heading").is_none()),
            "heading is left out of sentence rows"
        );
    }
}
