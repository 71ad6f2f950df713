//! `--format xlsx` through the real binary on the bundled corpus, read back with calamine (as
//! a spreadsheet program would) and as the zip Excel opens: Japanese headers, numbers as
//! numeric cells, the header row frozen with an autofilter, formulas neutralised.

use std::io::Read;
use std::path::Path;

use crate::util::run;
use calamine::{Data, Reader, Xlsx, open_workbook};

/// Every sheet of the workbook at `path`, by name: rows of cells.
fn sheets(path: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let names = book.sheet_names().to_vec();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let formulas = book.worksheet_formula(&name).unwrap();
            assert!(
                formulas.used_cells().all(|(_, _, f)| f.is_empty()),
                "{name}: no cell is a formula"
            );
            (name, range.rows().map(<[Data]>::to_vec).collect())
        })
        .collect()
}

fn sheet<'a>(book: &'a [(String, Vec<Vec<Data>>)], name: &str) -> &'a [Vec<Data>] {
    &book
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name} in {:?}", names(book)))
        .1
}

fn names(book: &[(String, Vec<Vec<Data>>)]) -> Vec<&str> {
    book.iter().map(|(n, _)| n.as_str()).collect()
}

fn header(rows: &[Vec<Data>]) -> Vec<String> {
    rows[0].iter().map(|c| c.to_string()).collect()
}

fn col(rows: &[Vec<Data>], name: &str) -> usize {
    header(rows)
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", header(rows)))
}

/// The XML of each worksheet part, to check what calamine does not report (panes, filters).
fn sheet_xml(path: &Path) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .collect();
    names
        .iter()
        .map(|n| {
            let mut s = String::new();
            zip.by_name(n).unwrap().read_to_string(&mut s).unwrap();
            s
        })
        .collect()
}

fn assert_frozen_with_filter(path: &Path) {
    let parts = sheet_xml(path);
    assert!(!parts.is_empty());
    for xml in parts {
        assert!(
            xml.contains("ySplit=\"1\"") && xml.contains("state=\"frozen\""),
            "header row frozen: {xml:.400}"
        );
        assert!(
            xml.contains("<autoFilter ref=\"A1:"),
            "autofilter: {xml:.400}"
        );
        assert!(xml.contains("<col "), "column widths set");
    }
}

fn kumiai_ok(args: &[&str]) {
    let r = run(args);
    assert_ne!(r.code, Some(2), "{args:?}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{args:?} wrote to --out, not stdout");
}

#[test]
fn search_hits_kwic_and_facets_are_sheets_with_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hits.xlsx");
    let index = dir.path().join("index");
    kumiai_ok(&[
        "search",
        "未加入者",
        "--kwic",
        "--facets",
        "--format",
        "xlsx",
        "--out",
        file.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
    ]);
    let book = sheets(&file);
    assert_eq!(names(&book), ["検索結果", "コンコーダンス", "集計"]);
    let hits = sheet(&book, "検索結果");
    assert_eq!(&header(hits)[..4], ["文書", "題名", "組織", "年度"]);
    assert!(hits.len() > 5, "{} rows", hits.len());
    let (line, score) = (col(hits, "行"), col(hits, "スコア"));
    let (text, matched) = (col(hits, "本文"), col(hits, "一致箇所"));
    for row in &hits[1..] {
        assert!(matches!(row[line], Data::Float(x) if x >= 1.0), "{row:?}");
        assert!(matches!(row[score], Data::Float(x) if x > 0.0), "{row:?}");
        let first = row[matched].to_string();
        let first = first.split(" / ").next().unwrap();
        assert!(
            !first.is_empty() && row[text].to_string().contains(first),
            "{row:?}"
        );
    }
    assert!(
        hits[1..]
            .iter()
            .any(|r| r[text].to_string().contains("未加入者"))
    );
    let kwic = sheet(&book, "コンコーダンス");
    let hit = col(kwic, "一致");
    assert!(kwic.len() >= hits.len(), "one row per occurrence");
    assert!(kwic[1..].iter().any(|r| r[hit] == "未加入者"));
    assert!(kwic[1..].iter().all(|r| !r[hit].to_string().is_empty()));
    let facets = sheet(&book, "集計");
    assert_eq!(header(facets), ["項目", "値", "件数"]);
    let survey = facets
        .iter()
        .find(|r| r[0] == "種別" && r[1] == "survey")
        .expect("a kind facet for the survey");
    assert!(matches!(survey[2], Data::Float(n) if n >= 1.0));
    assert_frozen_with_filter(&file);
}

#[test]
fn survey_figures_are_numbers_with_the_text_beside() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("survey.xlsx");
    kumiai_ok(&[
        "survey",
        "--format",
        "xlsx",
        "--out",
        file.to_str().unwrap(),
    ]);
    let book = sheets(&file);
    let rows = sheet(&book, "回答票");
    assert_eq!(rows.len(), 1 + 19, "one row per 単組");
    let local = col(rows, "単組");
    let oshu = rows
        .iter()
        .find(|r| r[local] == "自治労奥州市職員労働組合")
        .expect("奥州");
    let written = col(rows, "未加入者数（人）［自治労］");
    assert_eq!(oshu[written], Data::String("72人".into()));
    assert_eq!(
        header(rows)[written - 1],
        "未加入者数（人）［自治労］（数値）"
    );
    assert_eq!(
        oshu[written - 1],
        Data::Float(72.0),
        "the number, then the text"
    );
    let rate = col(rows, "組織率（％）［自治労］（数値）");
    assert_eq!(oshu[rate], Data::Float(27.2));
    assert!(!header(rows).contains(&"記入者お名前".to_string()));
    assert_frozen_with_filter(&file);
}

#[test]
fn themes_with_a_codebook_is_one_workbook_of_the_csv_tables() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("themes.xlsx");
    kumiai_ok(&[
        "themes",
        "--codebook",
        "codebooks/recruitment.txt",
        "--format",
        "xlsx",
        "--out",
        file.to_str().unwrap(),
    ]);
    let book = sheets(&file);
    assert_eq!(
        names(&book),
        [
            "テーマ",
            "テーマの記述",
            "代表的な記述",
            "特徴語",
            "コード",
            "コード×単組",
            "コードの記述"
        ]
    );
    let terms = sheet(&book, "特徴語");
    let (score, freq) = (col(terms, "スコア"), col(terms, "出現回数"));
    assert!(terms.len() > 20);
    assert!(
        terms[1..]
            .iter()
            .all(|r| matches!(r[score], Data::Float(_)))
    );
    assert!(
        terms[1..]
            .iter()
            .all(|r| matches!(r[freq], Data::Float(n) if n >= 1.0))
    );
    let codes = sheet(&book, "コード");
    let p = col(codes, "p値");
    assert!(
        codes[1..]
            .iter()
            .any(|r| matches!(r[p], Data::Float(x) if (0.0..=1.0).contains(&x)))
    );
    let units = sheet(&book, "テーマの記述");
    let text = col(units, "記述");
    assert!(
        units[1..]
            .iter()
            .all(|r| !r[text].to_string().chars().any(char::is_control)),
        "no control characters"
    );
    assert_frozen_with_filter(&file);
}

#[test]
fn trend_counts_and_rates_are_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trend.xlsx");
    kumiai_ok(&[
        "trend",
        "自治労",
        "組合員",
        "--format",
        "xlsx",
        "--out",
        file.to_str().unwrap(),
    ]);
    let book = sheets(&file);
    let rows = sheet(&book, "出現頻度");
    assert_eq!(
        &header(rows)[..5],
        ["組織", "年度", "種別", "形態素数", "自治労（件）"]
    );
    let org = col(rows, "組織");
    let jichiro = rows
        .iter()
        .find(|r| r[org] == "自治労")
        .expect("自治労's survey");
    assert!(matches!(jichiro[3], Data::Float(n) if n > 1000.0));
    assert!(matches!(jichiro[4], Data::Float(n) if n >= 1.0));
    assert!(matches!(jichiro[5], Data::Float(r) if r > 0.0));
}

/// A corpus whose text quotes formulas: every one arrives in Excel as text, with the `'`
/// that CSV uses too.
#[test]
fn formulas_in_documents_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.txt"),
        "１．方針\n\n=HYPERLINK(\"http://example.com\",\"組合費\")を案内する。\n\n@SUM(A1)組合費を集める。\n\n+81組合費の通知。\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kumiai.toml"),
        "[[document]]\nfile = \"a.txt\"\nid = \"a\"\norg = \"テスト労組\"\nyear = \"2025\"\nkind = \"policy\"\n",
    )
    .unwrap();
    let file = dir.path().join("hits.xlsx");
    let index = dir.path().join("index");
    kumiai_ok(&[
        "--corpus",
        dir.path().to_str().unwrap(),
        "search",
        "組合費",
        "--format",
        "xlsx",
        "--out",
        file.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
    ]);
    let book = sheets(&file);
    let hits = sheet(&book, "検索結果");
    let text = col(hits, "本文");
    let mut texts: Vec<String> = hits[1..].iter().map(|r| r[text].to_string()).collect();
    texts.sort();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(texts.iter().all(|t| t.starts_with('\'')), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("'=HYPERLINK(")));
}
