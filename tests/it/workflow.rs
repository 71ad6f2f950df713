//! A researcher's own data in (issue 12): canonical branch names for grouping, filters and
//! statistics; `kumiai add` writing a table's manifest entry; the exit-status contract and the
//! layout doubts said once, in Japanese, where they matter; one index per corpus; `tokenize`
//! normalizing as the index does; `trend` filters. All through the real binary.

use std::collections::BTreeSet;
use std::path::Path;

use crate::util::{corpus, run};
use serde_json::Value;

/// The 47 prefectures without their suffix, to check no prefecture appears twice.
fn stem(prefecture: &str) -> &str {
    if prefecture == "北海道" {
        return prefecture;
    }
    prefecture
        .strip_suffix(['都', '府', '県'])
        .unwrap_or(prefecture)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(r: &crate::util::Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

#[test]
fn the_bundled_survey_has_one_key_per_prefecture() {
    let r = run(&["units", "--format", "jsonl"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let units = r.jsonl();
    let answers: Vec<&Value> = units.iter().filter(|u| u["kind"] == "answer").collect();
    let keys: BTreeSet<&str> = answers
        .iter()
        .map(|u| u["prefecture"].as_str().unwrap())
        .collect();
    let written: BTreeSet<&str> = answers
        .iter()
        .map(|u| {
            u["prefecture_as_written"]
                .as_str()
                .or(u["prefecture"].as_str())
                .unwrap()
        })
        .collect();
    assert!(keys.len() <= 19, "{keys:?}");
    // 17 spellings (岩手 / 岩手県, 広島県 / 広島県本部, 新潟 / 新潟県 …) of 14 prefectures.
    assert_eq!(written.len(), 17, "{written:?}");
    assert_eq!(keys.len(), 14, "{keys:?}");
    let stems: BTreeSet<&str> = keys.iter().map(|k| stem(k)).collect();
    assert_eq!(stems.len(), keys.len(), "a prefecture twice: {keys:?}");
    for k in &keys {
        assert!(
            k.ends_with('県') && !k.ends_with("本部"),
            "{k} is not canonical"
        );
    }
    let iwate: Vec<&&Value> = answers
        .iter()
        .filter(|u| u["prefecture"] == "岩手県")
        .collect();
    assert_eq!(iwate.len(), 21, "both 岩手 records");
    let iwate_written: BTreeSet<&str> = iwate
        .iter()
        .map(|u| {
            u["prefecture_as_written"]
                .as_str()
                .unwrap_or(u["prefecture"].as_str().unwrap())
        })
        .collect();
    assert_eq!(iwate_written, BTreeSet::from(["岩手", "岩手県"]));
}

#[test]
fn branch_filters_facets_and_cross_tabs_use_the_canonical_name() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let total = |query: &str| {
        let r = run(&[
            "search",
            query,
            "--index",
            s(&index),
            "--by",
            "unit",
            "--limit",
            "1000",
            "--format",
            "json",
        ]);
        assert_eq!(r.code, Some(0), "{query}: {}", r.stderr);
        let v = json(&r);
        let prefectures: BTreeSet<String> = v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["prefecture"].as_str().unwrap().to_string())
            .collect();
        (v["total"].as_u64().unwrap(), prefectures)
    };
    for query in ["branch:岩手県本部", "branch:岩手", "branch:岩手県"] {
        let (n, prefectures) = total(query);
        assert_eq!(n, 21, "{query}");
        assert_eq!(
            prefectures,
            BTreeSet::from(["岩手県".to_string()]),
            "{query}"
        );
    }
    // 広島県 (2 records) and 広島県本部 (1) are one branch.
    assert_eq!(total("branch:広島県本部").0, 31);
    assert_eq!(total("branch:広島").0, 31);

    let r = run(&[
        "search",
        "kind:survey",
        "--index",
        s(&index),
        "--facets",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let facets = &json(&r)["facets"]["prefecture"];
    let keys: Vec<&String> = facets.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 14, "{keys:?}");
    assert_eq!(facets["岩手県"], 21);
    assert_eq!(facets["新潟県"], 11);

    let r = run(&[
        "themes",
        "--by",
        "県本部",
        "--codebook",
        "codebooks/recruitment.txt",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = json(&r);
    let groups: Vec<&str> = v["codebook"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    assert_eq!(groups.len(), 14, "χ² groups: {groups:?}");
    let at = groups.iter().position(|g| *g == "岩手県").unwrap();
    assert_eq!(v["codebook"]["group_units"][at], 21);
}

#[test]
fn manifest_aliases_map_what_folding_cannot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.csv"),
        "県本部,単組,悩んでいること\n札幌,札幌市職労,新採が入らない状態が三年続いている\n北海道本部,旭川市職,説明会を開く時間が職場にない\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kumiai.toml"),
        "[branches]\n\"札幌\" = \"北海道\"\n\"旭川市職\" = \"旭川市職労\"\n\n[[document]]\nfile = \"a.csv\"\norg = \"某\"\nkind = \"survey\"\n[document.table]\nbranch = [\"県本部\", \"単組\"]\nquestions = [\"悩んでいること\"]\n",
    )
    .unwrap();
    let r = run(&["--corpus", s(dir.path()), "units", "--format", "jsonl"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let units = r.jsonl();
    let branches: Vec<(&str, &str)> = units
        .iter()
        .map(|u| {
            (
                u["prefecture"].as_str().unwrap(),
                u["local"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        branches,
        [("北海道", "札幌市職労"), ("北海道", "旭川市職労")]
    );
    assert_eq!(units[0]["prefecture_as_written"], "札幌");
    assert_eq!(units[1]["local_as_written"], "旭川市職");
}

#[test]
fn the_bundled_demo_runs_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let out = tmp.path().join("reports");
    let commands: Vec<Vec<&str>> = vec![
        vec!["themes"],
        vec!["trend", "自治労", "未加入者"],
        vec!["units"],
        vec!["search", "未加入者", "--index", s(&index)],
    ];
    for args in &commands {
        let r = run(args);
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        for noise in ["A-block", "B-block", "cells", "slots", "注記"] {
            assert!(!r.stderr.contains(noise), "{args:?}: {}", r.stderr);
        }
    }
    // Where the answers are read by question, the doubts are said once, in Japanese, naming
    // the 単組 and questions to check.
    for args in [
        vec!["survey", "--format", "json"],
        vec!["index", "--index", s(&index)],
    ] {
        let r = run(&args);
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.matches("7 か所").count(), 1, "{}", r.stderr);
        assert!(
            r.stderr
                .contains("・岩手 / 自治労奥州市職員労働組合（86行目）：競合単組との差別化"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("新潟県 / 津南町職労（370行目・393行目）"));
        assert!(!r.stderr.contains("A-block"), "{}", r.stderr);
    }
    let r = run(&["report", "--out", s(&out)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("7 か所"), "{}", r.stderr);
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let notes = &page[page.find("<h2>注記</h2>").expect("a 注記 section")..];
    assert!(notes.contains("<li>熊本県本部 / 八代市職員労働組合（1498行目）：競合単組との差別化"));
    // --verbose still lists the details; --strict makes the doubts an error.
    let r = run(&["-v", "survey"]);
    assert!(
        r.stderr.contains("B-block has 2 cells for 4 slots"),
        "{}",
        r.stderr
    );
    assert_eq!(run(&["--strict", "survey"]).code, Some(2));
}

#[test]
fn exit_status_says_found_nothing_found_or_error() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let search = |q: &str| run(&["search", q, "--index", s(&index)]);
    assert_eq!(search("未加入者").code, Some(0));
    let none = search("zzqqxyzzy");
    assert_eq!(none.code, Some(1), "nothing found: {}", none.stderr);
    assert!(!none.stderr.contains("error"), "{}", none.stderr);
    let bad = search("org:");
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("error: invalid query"));
    let help = run(&["--help"]);
    assert!(help.stdout.contains("1 nothing\nfound"), "{}", help.stdout);
}

/// A small survey made here: branch, personal, attribute and free-text columns.
const CSV: &str = "県本部,単組,記入者,メール,組合員数,新採加入の主な取り組み,県本部への要望\n岩手,奥州市職労,山田花子,yamada@example.jp,120,採用初日に説明会を開き、青年部が職場を案内した。,新採交流会を今年も続けて開いてほしい\n広島県本部,呉市職労,鈴木一郎,suzuki@example.jp,85,昼休みに相談会を開いたが参加者は少なかった。,\n";

fn added(dir: &Path, file: &str) -> crate::util::Run {
    let r = run(&["--corpus", s(dir), "add", s(&dir.join(file))]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r
}

#[test]
fn add_writes_a_table_entry_that_reads_the_survey() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("anketo-2025.csv"), CSV).unwrap();
    let r = added(dir.path(), "anketo-2025.csv");
    for line in [
        "県本部 → branch",
        "単組 → branch",
        "記入者 → personal",
        "メール → personal",
        "組合員数 → attributes",
        "新採加入の主な取り組み → questions",
        "県本部への要望 → questions",
    ] {
        assert!(r.stdout.contains(line), "{line}: {}", r.stdout);
    }
    assert!(!r.stdout.contains("山田") && !r.stdout.contains("example.jp"));
    let manifest = std::fs::read_to_string(dir.path().join("kumiai.toml")).unwrap();
    for line in [
        "file = \"anketo-2025.csv\"",
        "year = \"2025\"",
        "kind = \"survey\"",
        "title = \"anketo-2025.csv\"",
        "branch = [\"県本部\", \"単組\"]",
        "personal = [\"記入者\", \"メール\"]",
        "questions = [\"新採加入の主な取り組み\", \"県本部への要望\"]",
        "attributes = [\"組合員数\"]",
    ] {
        assert!(manifest.contains(line), "{line}:\n{manifest}");
    }
    // Adding it twice is refused, the manifest unchanged.
    let again = run(&[
        "--corpus",
        s(dir.path()),
        "add",
        s(&dir.path().join("anketo-2025.csv")),
    ]);
    assert_eq!(again.code, Some(2));
    assert!(again.stderr.contains("already listed"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kumiai.toml")).unwrap(),
        manifest
    );

    let r = run(&["--corpus", s(dir.path()), "units", "--format", "jsonl"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let units = r.jsonl();
    assert_eq!(units.len(), 3, "three answered cells");
    assert_eq!(units[0]["prefecture"], "岩手県");
    assert_eq!(units[0]["attrs"][0], serde_json::json!(["組合員数", "120"]));
    assert!(!r.stdout.contains("山田") && !r.stdout.contains("example.jp"));

    let r = run(&["--corpus", s(dir.path()), "survey"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().next(),
        Some(
            "\u{feff}文書,記録番号,行,県本部,単組,組合員数（数値）,組合員数,新採加入の主な取り組み,県本部への要望"
        ),
        "a table's attribute is its number then its text as written, without the form's \
         自治労/競合 pair"
    );
    assert!(r.stdout.contains("奥州市職労"), "{}", r.stdout);
    assert!(r.stdout.contains("新採交流会を今年も続けて開いてほしい"));
    assert!(!r.stdout.contains("山田") && !r.stdout.contains("example.jp"));
    let shown = run(&["--corpus", s(dir.path()), "survey", "--show-personal"]);
    assert!(shown.stdout.contains("山田花子"), "{}", shown.stdout);
}

#[test]
fn add_reads_an_xlsx_header() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survey.xlsx"),
        dir.path().join("survey.xlsx"),
    )
    .unwrap();
    let r = added(dir.path(), "survey.xlsx");
    assert!(r.stdout.contains("記入者お名前 → personal"), "{}", r.stdout);
    assert!(r.stdout.contains("県本部 → branch"), "{}", r.stdout);
    let r = run(&["--corpus", s(dir.path()), "units", "--format", "jsonl"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let units = r.jsonl();
    assert!(!units.is_empty());
    assert!(units.iter().all(|u| u["kind"] == "answer"));
    for name in ["山田花子", "鈴木一郎", "佐藤次郎"] {
        assert!(!r.stdout.contains(name), "{name}");
    }
}

#[test]
fn add_refuses_a_file_outside_the_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("a.csv"), CSV).unwrap();
    let r = run(&[
        "--corpus",
        s(dir.path()),
        "add",
        s(&elsewhere.path().join("a.csv")),
    ]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("not in the corpus folder"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("kumiai.toml").exists());
}

#[test]
fn a_table_without_title_is_named_by_its_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("anketo.csv"), CSV).unwrap();
    std::fs::write(
        dir.path().join("kumiai.toml"),
        "[[document]]\nfile = \"anketo.csv\"\norg = \"某\"\nkind = \"survey\"\n[document.table]\nquestions = [\"県本部への要望\"]\n",
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let r = run(&[
        "--corpus",
        s(dir.path()),
        "search",
        "交流会",
        "--index",
        s(&tmp.path().join("index")),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(json(&r)["hits"][0]["title"], "anketo.csv");
}

#[test]
fn a_skipped_file_says_so_on_every_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        corpus().join("ictj-2024-11-rising-session.md"),
        dir.path().join("ictj.md"),
    )
    .unwrap();
    std::fs::write(dir.path().join("anketo.csv"), CSV).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    for args in [
        vec!["index", "--index", s(&index)],
        vec!["index", "--index", s(&index)],
        vec!["search", "組合", "--index", s(&index)],
        vec!["units"],
    ] {
        let mut full = vec!["--corpus", s(dir.path())];
        full.extend(&args);
        let r = run(&full);
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("anketo.csv: skipped: a tabular survey needs a [document.table]"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("`kumiai add FILE` writes one"));
    }
}

#[test]
fn an_index_belongs_to_one_corpus() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    std::fs::copy(
        corpus().join("ictj-2024-11-rising-session.md"),
        a.path().join("ictj.md"),
    )
    .unwrap();
    std::fs::copy(
        corpus().join("jcm-2025-katsudo-hoshin.txt"),
        b.path().join("jcm.txt"),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let search = |corpus: &Path, extra: &[&str]| {
        let mut args = vec![
            "--corpus",
            s(corpus),
            "search",
            "組合",
            "--index",
            s(&index),
        ];
        args.extend(extra);
        args.extend(["--format", "json"]);
        run(&args)
    };
    let first = search(a.path(), &[]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let other = search(b.path(), &[]);
    assert_eq!(other.code, Some(2), "{}", other.stderr);
    assert!(
        other.stderr.contains("was built for the corpus") && other.stderr.contains("--rebuild"),
        "{}",
        other.stderr
    );
    // The first corpus's index is untouched.
    let again = search(a.path(), &[]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(!again.stderr.contains("indexed"), "{}", again.stderr);
    assert_eq!(json(&again)["hits"], json(&first)["hits"]);
    // Rebuilt on purpose, it serves the other corpus.
    let r = run(&[
        "--corpus",
        s(b.path()),
        "index",
        "--rebuild",
        "--index",
        s(&index),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let rebuilt = search(b.path(), &[]);
    assert_eq!(rebuilt.code, Some(0), "{}", rebuilt.stderr);
    assert!(
        json(&rebuilt)["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["doc"] == "jcm")
    );
}

#[test]
fn tokenize_normalizes_like_the_index() {
    let r = run(&["tokenize", "--wakati", "３６協定を結ぶ"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with("36"), "{}", r.stdout);
    assert!(!r.stdout.contains('３'), "{}", r.stdout);
}

#[test]
fn trend_filters_by_kind_org_and_year() {
    let rows = |extra: &[&str]| -> Vec<(String, String, String)> {
        let mut args = vec!["trend", "組合", "--format", "json"];
        args.extend(extra);
        let r = run(&args);
        assert_eq!(r.code, Some(0), "{extra:?}: {}", r.stderr);
        json(&r)["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["org"].as_str().unwrap().to_string(),
                    r["year"].as_str().unwrap().to_string(),
                    r["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(rows(&[]).len(), 5);
    let org = rows(&["--org", "自治労"]);
    assert_eq!(
        org,
        [("自治労".into(), "2024-2025".into(), "survey".into())],
        "自治労 does not take in 自治労連埼玉県本部"
    );
    let policy = rows(&["--kind", "policy"]);
    assert_eq!(policy.len(), 3);
    assert!(policy.iter().all(|r| r.2 == "policy"));
    let y2025 = rows(&["--year", "2025"]);
    let years: BTreeSet<&str> = y2025.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(years, BTreeSet::from(["2025", "2024-2025"]), "{y2025:?}");
    let none = run(&["trend", "組合", "--org", "存在しない組織"]);
    assert_eq!(none.code, Some(2));
    assert!(
        none.stderr.contains("--kind/--org/--year"),
        "{}",
        none.stderr
    );
    let bad = run(&["trend", "組合", "--year", "昨年"]);
    assert_eq!(bad.code, Some(2));
    let help = run(&["trend", "--help"]);
    assert!(
        help.stdout.contains("without the synonyms"),
        "{}",
        help.stdout
    );
}

#[test]
fn add_writes_a_text_entry_and_knows_the_printed_form() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["jichiro-survey-2024.txt", "jcm-2025-katsudo-hoshin.txt"] {
        std::fs::copy(corpus().join(file), dir.path().join(file)).unwrap();
        let r = added(dir.path(), file);
        assert!(
            !r.stdout.contains("→"),
            "no columns for a text: {}",
            r.stdout
        );
    }
    let manifest = std::fs::read_to_string(dir.path().join("kumiai.toml")).unwrap();
    let entries: Vec<&str> = manifest.split("[[document]]").skip(1).collect();
    assert_eq!(entries.len(), 2, "{manifest}");
    assert!(
        entries[0].contains("kind = \"survey\"\n") && entries[0].contains("form = \"jichiro\"\n")
    );
    assert!(entries[1].contains("kind = \"policy\"\n") && !entries[1].contains("form ="));
    assert!(entries[1].contains("year = \"2025\"\n"));
    let r = run(&["--corpus", s(dir.path()), "units"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stderr.contains("not in kumiai.toml"), "{}", r.stderr);
}

#[test]
fn a_new_branch_alias_rebuilds_the_index() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("anketo.csv"), CSV).unwrap();
    let entry = "[[document]]\nfile = \"anketo.csv\"\norg = \"某\"\nkind = \"survey\"\n[document.table]\nbranch = [\"県本部\", \"単組\"]\nquestions = [\"新採加入の主な取り組み\"]\npersonal = [\"記入者\", \"メール\"]\n";
    std::fs::write(dir.path().join("kumiai.toml"), entry).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let search = |q: &str| {
        run(&[
            "--corpus",
            s(dir.path()),
            "search",
            q,
            "--index",
            s(&index),
            "--format",
            "json",
        ])
    };
    assert_eq!(search("branch:呉市").code, Some(0));
    assert_eq!(search("branch:くれ").code, Some(1), "no such alias yet");
    std::fs::write(
        dir.path().join("kumiai.toml"),
        format!("[branches]\n\"呉市職労\" = \"くれ市職労\"\n\n{entry}"),
    )
    .unwrap();
    let r = search("branch:くれ");
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("rebuilding the index: the [branches] of kumiai.toml changed"),
        "{}",
        r.stderr
    );
    assert_eq!(json(&r)["hits"][0]["local"], "くれ市職労");
}

/// One corpus session per process (issue 11): each command reads `kumiai.toml` once and
/// builds the analyzer once. Before the library `Corpus`, `themes --query` read the manifest
/// three times and built the analyzer twice, and `compare` and `tokenize` ignored the
/// manifest's user dictionaries.
#[test]
fn each_command_reads_the_manifest_and_builds_the_analyzer_once() {
    let index = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (idx, out) = (s(index.path()), s(out.path()));
    let old = "corpora/jichiroren-saitama-2024-undo-mokuhyo.txt";
    let new = "tests/fixtures/jichiroren-saitama-2026-draft.txt";
    let commands: [&[&str]; 7] = [
        &[
            "themes",
            "--query",
            "未加入者",
            "--format",
            "json",
            "--index",
            idx,
        ],
        &["search", "未加入者", "--format", "json", "--index", idx],
        &[
            "network",
            "--query",
            "人手不足",
            "--format",
            "csv",
            "--out",
            out,
            "--index",
            idx,
        ],
        &["compare", old, new, "--format", "json"],
        &["trend", "自治労", "--format", "json"],
        &["tokenize", "自治労連と自治労"],
        &["report", "--out", out],
    ];
    for args in commands {
        let r = crate::util::Run::of(
            crate::util::kumiai()
                .env("KUMIAI_TRACE_LOADS", "1")
                .args(args),
        );
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("trace: manifest loads 1, analyzer builds 1"),
            "{args:?}: {}",
            r.stderr
        );
    }
}
