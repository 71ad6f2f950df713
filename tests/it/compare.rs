//! `kumiai compare` through the real binary on the bundled 金属労協 policy and edited copies.

use std::path::Path;

const JCM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/corpora/jcm-2025-katsudo-hoshin.txt"
);

fn compare_json(old: &Path, new: &Path) -> serde_json::Value {
    let out = crate::util::kumiai()
        .args(["compare", "--format", "json"])
        .arg(old)
        .arg(new)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn statuses(v: &serde_json::Value) -> Vec<(String, String)> {
    v["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] != "unchanged")
        .map(|s| {
            let text = s["new"].as_str().or(s["old"].as_str()).unwrap_or_default();
            (s["status"].as_str().unwrap().to_string(), text.to_string())
        })
        .collect()
}

#[test]
fn a_document_compared_with_itself_has_no_changes() {
    let v = compare_json(Path::new(JCM), Path::new(JCM));
    assert!(statuses(&v).is_empty());
    assert!(v["sentences"].as_array().unwrap().len() > 300);
}

#[test]
fn a_word_edit_and_an_added_sentence_are_all_that_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(JCM).unwrap();
    let edited = original
        .replacen("国際連帯の重要性", "国際協調の重要性", 1)
        .replacen(
            "＜人材育成＞ \n",
            "＜人材育成＞ \n 若手組合員の交流会を新たに開催する。\n",
            1,
        );
    let new = dir.path().join("new.txt");
    std::fs::write(&new, edited).unwrap();
    let changes = statuses(&compare_json(Path::new(JCM), &new));
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes
            .iter()
            .any(|(s, t)| s == "modified" && t.starts_with("国際協調の重要性"))
    );
    assert!(
        changes
            .iter()
            .any(|(s, t)| s == "added" && t.contains("若手組合員の交流会"))
    );
}

#[test]
fn html_is_self_contained_and_escapes_document_text() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(JCM).unwrap();
    let new = dir.path().join("new.txt");
    std::fs::write(
        &new,
        original.replacen(
            "＜財政＞ \n",
            "＜財政＞ \n<script>alert(1)</script>を追加する。\n",
            1,
        ),
    )
    .unwrap();
    let out = crate::util::kumiai()
        .args(["compare", "--format", "html"])
        .arg(JCM)
        .arg(&new)
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("<th>新</th><th>旧</th><th>備考</th>"));
    assert!(!html.contains("http://") && !html.contains("https://"));
}

/// A corpus with the 金属労協 policy as 2025 and an edited copy as 2024.
fn two_year_corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(JCM).unwrap();
    std::fs::write(dir.path().join("jcm-2025.txt"), &original).unwrap();
    std::fs::write(
        dir.path().join("jcm-2024.txt"),
        original.replace("賃上げ", "処遇改善"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kumiai.toml"),
        "[[document]]\nfile = \"jcm-2024.txt\"\nid = \"jcm-2024\"\norg = \"金属労協\"\nyear = \"2024\"\nkind = \"policy\"\n\n\
         [[document]]\nfile = \"jcm-2025.txt\"\nid = \"jcm-2025\"\norg = \"金属労協\"\nyear = \"2025\"\nkind = \"policy\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn compare_by_organisation_and_years_and_trend_over_them() {
    let dir = two_year_corpus();
    let run = |args: &[&str]| {
        let out = crate::util::kumiai()
            .arg("--corpus")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let v: serde_json::Value = serde_json::from_slice(&run(&[
        "compare",
        "--org",
        "金属労協",
        "--years",
        "2024,2025",
        "--format",
        "json",
    ]))
    .unwrap();
    let changes = statuses(&v);
    let replaced = std::fs::read_to_string(JCM)
        .unwrap()
        .matches("賃上げ")
        .count();
    assert!(replaced > 0);
    assert!(!changes.is_empty());
    assert!(
        changes
            .iter()
            .all(|(s, t)| s == "modified" && t.contains("賃上げ")),
        "{changes:?}"
    );
    // Keyness: 処遇 (of 処遇改善) fell and 賃上げ rose, both past the threshold.
    let keyness = v["keyness"].as_array().unwrap();
    for term in ["賃上げ", "処遇"] {
        let k = keyness
            .iter()
            .find(|k| k["term"] == term)
            .unwrap_or_else(|| panic!("{term}"));
        assert!(k["g2"].as_f64().unwrap() >= 3.84, "{k}");
    }

    let csv = String::from_utf8(run(&["trend", "賃上げ", "--format", "csv"])).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows[0].contains("2024") && rows[1].contains("2025"));
    let count = |row: &str| row.split(',').nth(4).unwrap().parse::<usize>().unwrap();
    // Replacing in the file misses an occurrence wrapped across a line; the pipeline joins it.
    assert!(count(rows[0]) + 3 <= count(rows[1]), "{csv}");
}

#[test]
fn a_split_and_a_merge_are_one_pair_each_with_a_sentence_count_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(JCM).unwrap();
    let edited = original
        .replacen("2億円を超え、直近では", "2億円を超えた。直近では", 1)
        .replacen("きた。今後も", "きており、今後も", 1);
    let new = dir.path().join("new.txt");
    std::fs::write(&new, edited).unwrap();
    let v = compare_json(Path::new(JCM), &new);
    let sentences = v["sentences"].as_array().unwrap();
    let changed: Vec<&serde_json::Value> = sentences
        .iter()
        .filter(|s| s["status"] != "unchanged")
        .collect();
    assert_eq!(changed.len(), 2, "{changed:#?}");
    let merge = changed[0];
    let split = changed[1];
    assert_eq!(merge["status"], "modified");
    assert_eq!(merge["old_count"], 2);
    assert!(merge.get("new_count").is_none(), "1 is left out: {merge}");
    assert!(merge["new"].as_str().unwrap().contains("きており、今後も"));
    assert_eq!(split["status"], "modified");
    assert_eq!(split["new_count"], 2);
    assert!(split.get("old_count").is_none(), "{split}");
    assert!(split["new"].as_str().unwrap().contains("超えた。直近では"));

    // Every sentence exactly once, a missing count meaning 1: what a script checks.
    let ids = |side: &str| {
        let mut ids: Vec<u64> = sentences
            .iter()
            .filter_map(|s| {
                let first = s[format!("{side}_index")].as_u64()?;
                Some(first..first + s[format!("{side}_count")].as_u64().unwrap_or(1))
            })
            .flatten()
            .collect();
        ids.sort_unstable();
        ids
    };
    // The original compared with itself pairs each of its sentences once.
    let n = compare_json(Path::new(JCM), Path::new(JCM))["sentences"]
        .as_array()
        .unwrap()
        .len() as u64;
    assert_eq!(ids("old"), (0..n).collect::<Vec<_>>());
    // One sentence fewer by the merge, one more by the split.
    assert_eq!(ids("new"), (0..n).collect::<Vec<_>>());
}

#[test]
fn a_section_renamed_under_its_number_keeps_its_sentences_and_its_heading_is_one_row() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(JCM).unwrap();
    let edited = original
        .replacen(
            "４.８ 単年度収支均衡に向けた財政運営",
            "４.８ 組織改革の具体的活動と残された課題",
            1,
        )
        .replacen(
            "支出削減・効率化に努める。",
            "支出削減と業務の効率化に努める。",
            1,
        );
    let new = dir.path().join("new.txt");
    std::fs::write(&new, edited).unwrap();
    let v = compare_json(Path::new(JCM), &new);
    let changed: Vec<&serde_json::Value> = v["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] != "unchanged")
        .collect();
    assert_eq!(changed.len(), 2, "{changed:#?}");
    let (heading, sentence) = (changed[0], changed[1]);
    assert_eq!(heading["status"], "modified");
    assert_eq!(heading["heading"], true);
    assert_eq!(heading["old"], "４.８ 単年度収支均衡に向けた財政運営");
    assert_eq!(heading["new"], "４.８ 組織改革の具体的活動と残された課題");
    assert!(heading["diff"].as_array().is_some_and(|d| d.len() > 1));
    assert_eq!(sentence["status"], "modified", "edited in place, not moved");
    assert!(sentence.get("heading").is_none());
    assert_eq!(
        sentence["section"],
        serde_json::json!(["4.活動方針", "4.8 組織改革の具体的活動と残された課題"])
    );
}

const SAITAMA_2024: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/corpora/jichiroren-saitama-2024-undo-mokuhyo.txt"
);
/// An edited copy made for these tests (see tests/fixtures/README.md).
const SAITAMA_2026: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/jichiroren-saitama-2026-draft.txt"
);

/// `kumiai compare SAITAMA_2024 SAITAMA_2026 ARGS`, run from the project folder.
fn compare_draft(args: &[&str]) -> String {
    let out = crate::util::kumiai()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(["compare", SAITAMA_2024, SAITAMA_2026])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_draft_is_reported_in_japanese_with_its_chapters_aligned() {
    let text = compare_draft(&[]);
    let line = |label: &str, needle: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{label} ")) && l.contains(needle))
            .unwrap_or_else(|| panic!("no {label} line with {needle}:\n{text}"))
    };
    line("変更", "総額[-４３-]{+４８+}兆円");
    line("変更", "[-２５-]{+２７+}春闘");
    line("削除", "⑩ 続くコロナのもとで");
    line("新設", "会計年度任用職員の勤勉手当支給");
    assert!(line("変更", "年度県本部重点運動課題").ends_with("(見出し)"));
    // 第１章 is the section the old 1. chapter's sentences sit in, not a sentence.
    assert!(text.contains("\n■ 第1章 県本部運動の目標 > (1)憲法改悪に反対し"));
    assert!(text.contains("\n変更の多い節\n") && text.contains("\n増減した語（G² ≥ 3.84）\n"));
    assert!(text.contains("同6 変更1 新設0 削除0 移動0"), "{text}");
    for english in [
        "modified",
        "added",
        "removed",
        "unchanged",
        "Keyness",
        "Sections",
        " ~",
        " +0",
        " >0",
    ] {
        assert!(!text.contains(english), "{english} in\n{text}");
    }

    let v: serde_json::Value = serde_json::from_str(&compare_draft(&["--format", "json"])).unwrap();
    let sentences = v["sentences"].as_array().unwrap();
    let chapter = sentences
        .iter()
        .find(|s| s["new"] == "第２章 ２０２６年度県本部重点運動課題")
        .expect("the chapter heading row");
    assert_eq!(
        (&chapter["status"], &chapter["heading"], &chapter["old"]),
        (
            &"modified".into(),
            &true.into(),
            &"２．２０２４年度県本部重点運動課題".into()
        )
    );
    assert!(
        !sentences.iter().any(|s| s["heading"] != true
            && s["new"].as_str().is_some_and(|t| t.starts_with("第"))),
        "no chapter heading is aligned as a sentence"
    );
    let under_chapter_1 = sentences
        .iter()
        .filter(|s| s["section"][0] == "第1章 県本部運動の目標" && s["status"] == "unchanged")
        .count();
    assert_eq!(under_chapter_1, 40, "every sentence of chapter 1 unchanged");

    let md = compare_draft(&["--format", "md"]);
    assert!(md.contains("- 新：２０２６年度自治労連埼玉県本部 運動の目標と重点運動課題（案）\n"));
    assert!(md.contains("- 旧：2024年度 自治労連埼玉県本部 運動の目標と重点運動課題\n"));
    assert!(md.contains("\n## 変更箇所\n") && md.contains("- **削除** <del>⑩ 続くコロナ"));
}

#[test]
fn html_docx_and_xlsx_of_the_draft_are_ready_for_a_meeting() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    assert!(compare_draft(&["--format", "html", "--out", &file("t.html")]).is_empty());
    let html = std::fs::read_to_string(file("t.html")).unwrap();
    assert!(html.contains(
        "<title>新旧対照表：２０２６年度自治労連埼玉県本部 運動の目標と重点運動課題（案）</title>"
    ));
    assert!(
        html.contains("<dt>旧</dt><dd>2024年度 自治労連埼玉県本部 運動の目標と重点運動課題</dd>")
    );
    assert!(
        !html.contains(".txt") && !html.contains("fixtures"),
        "titles, not paths"
    );
    assert!(html.contains("<p class=\"legend\">下線：改められた箇所"));
    assert!(html.contains("<th>新</th><th>旧</th><th>備考</th>"));
    assert!(html.contains("総額<u>４８</u>兆円") && html.contains("総額<u>４３</u>兆円"));
    assert!(html.contains("<span class=\"mark\">（削除）</span>"));
    assert!(html.contains("<td class=\"note\">新設</td>") && html.contains("（略："));

    assert!(compare_draft(&["--format", "docx", "--out", &file("t.docx")]).is_empty());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(file("t.docx")).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("新旧対照表") && xml.contains("備考") && xml.contains("（削除）"));
    // The underlined runs: the changed figures on both sides.
    let underlined: Vec<&str> = xml
        .split("<w:u ")
        .skip(1)
        .filter_map(|run| {
            run.split("<w:t")
                .nth(1)?
                .split('>')
                .nth(1)?
                .split('<')
                .next()
        })
        .collect();
    assert!(
        underlined.contains(&"４８") && underlined.contains(&"４３"),
        "{underlined:?}"
    );

    assert!(compare_draft(&["--format", "xlsx", "--out", &file("t.xlsx")]).is_empty());
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(file("t.xlsx")).unwrap();
    use calamine::Reader;
    let rows: Vec<Vec<calamine::Data>> = book
        .worksheet_range("新旧対照表")
        .unwrap()
        .rows()
        .map(<[calamine::Data]>::to_vec)
        .collect();
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(header, ["節", "新", "旧", "備考", "新の行", "旧の行"]);
    let removed = rows
        .iter()
        .find(|r| r[3] == "削除")
        .expect("the deleted sentence");
    assert!(removed[2].to_string().starts_with("⑩ 続くコロナ"));
    assert_eq!(removed[1].to_string(), "（削除）");
    assert_eq!(removed[5], calamine::Data::Float(228.0));
    let mut shared = String::new();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(file("t.xlsx")).unwrap()).unwrap();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut shared,
    )
    .unwrap();
    assert!(
        shared.contains("<u/>"),
        "changed runs underlined in Excel too"
    );
}

/// `kumiai report` on a corpus with one organisation's policies of two years: a 新旧対照表
/// page (with its Word and Excel forms) linked from index.html, and the files it wrote said.
#[test]
fn the_batch_report_includes_the_two_years_compared() {
    let dir = two_year_corpus();
    let out = tempfile::tempdir().unwrap();
    let run = crate::util::kumiai()
        .arg("--corpus")
        .arg(dir.path())
        .args(["report", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let stem = "compare-jcm-2024-jcm-2025";
    let index = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(
        index.contains(&format!(
            "<a href=\"{stem}.html\">新旧対照表：金属労協（2024 → 2025）</a>"
        )),
        "{index}"
    );
    assert!(index.contains(&format!("<a href=\"{stem}.docx\">Word</a>")));
    assert!(
        index.contains("<a href=\"terms-jcm-2025.html\">"),
        "term lists are pages"
    );
    let page = std::fs::read_to_string(out.path().join(format!("{stem}.html"))).unwrap();
    assert!(page.contains("<th>新</th><th>旧</th><th>備考</th>") && page.contains("<u>賃上げ</u>"));
    for file in [".docx", ".xlsx"] {
        assert!(out.path().join(format!("{stem}{file}")).is_file());
    }
    // It says what it wrote, page by page.
    assert!(
        stderr.contains(&format!("{stem}.html  新旧対照表：金属労協（2024 → 2025）")),
        "{stderr}"
    );
    assert!(stderr.contains("report written to"));
}
