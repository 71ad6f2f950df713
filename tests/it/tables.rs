//! Tabular surveys (XLSX and Shift_JIS CSV) through the real binary: one unit per answered
//! cell, with branch columns, attributes and question; personal columns never appear.

use std::path::Path;

use serde_json::Value;

const MANIFEST: &str = r#"
[[document]]
file = "survey.xlsx"
id = "xlsx-survey"
org = "自治労"
year = "2025"
kind = "survey"
[document.table]
branch = ["県本部", "単組"]
attributes = ["組織率"]
questions = ["新採加入の主な取り組み", "未加入者対策で悩んでいること"]
personal = ["記入者お名前"]

[[document]]
file = "survey-sjis.csv"
id = "csv-survey"
org = "自治労"
year = "2025"
kind = "survey"
[document.table]
branch = ["県本部", "単組"]
questions = ["新採加入の主な取り組み"]
personal = ["記入者お名前"]
"#;

const CSV: &str = "県本部,単組,記入者お名前,新採加入の主な取り組み\n岩手,奥州市職労,山田花子,\"採用初日に\n説明会を開催。\"\n";

fn units(dir: &Path) -> (Vec<Value>, String) {
    let out = crate::util::kumiai()
        .args(["--corpus"])
        .arg(dir)
        .args(["units", "--format", "jsonl"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    (
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        stdout,
    )
}

#[test]
fn xlsx_and_shift_jis_csv_surveys_become_answer_units() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survey.xlsx"),
        dir.path().join("survey.xlsx"),
    )
    .unwrap();
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(CSV);
    std::fs::write(dir.path().join("survey-sjis.csv"), sjis).unwrap();
    std::fs::write(dir.path().join("kumiai.toml"), MANIFEST).unwrap();
    let (units, raw) = units(dir.path());

    let xlsx: Vec<&Value> = units.iter().filter(|u| u["doc"] == "xlsx-survey").collect();
    // 3 respondents × 2 questions, one answer left empty.
    assert_eq!(xlsx.len(), 5);
    let first = xlsx
        .iter()
        .find(|u| u["local"] == "奥州市職労" && u["question"] == "新採加入の主な取り組み")
        .unwrap();
    assert_eq!(first["prefecture"], "岩手県", "canonical");
    assert_eq!(first["prefecture_as_written"], "岩手");
    assert_eq!(
        first["text"],
        "採用初日に説明会を開催し、青年部が案内した。"
    );
    assert_eq!(first["attrs"][0], serde_json::json!(["組織率", "27.2%"]));
    assert!(xlsx.iter().any(|u| u["prefecture"] == "佐賀県"
        && u["prefecture_as_written"] == "佐賀県本部"
        && u["text"] == "未加入者の情報が把握できない。"));

    let csv: Vec<&Value> = units.iter().filter(|u| u["doc"] == "csv-survey").collect();
    assert_eq!(csv.len(), 1);
    assert_eq!(csv[0]["encoding"], "Shift_JIS (CP932)");
    assert_eq!(csv[0]["text"], "採用初日に\n説明会を開催。");
    assert_eq!(csv[0]["local"], "奥州市職労");

    for name in ["山田花子", "鈴木一郎", "佐藤次郎"] {
        assert!(!raw.contains(name), "personal data {name} printed");
    }
}

#[test]
fn a_table_without_its_manifest_columns_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("survey.csv"), CSV).unwrap();
    std::fs::write(
        dir.path().join("kumiai.toml"),
        "[[document]]\nfile = \"survey.csv\"\norg = \"x\"\nkind = \"survey\"\n[document.table]\nquestions = [\"存在しない列\"]\n",
    )
    .unwrap();
    let out = crate::util::kumiai()
        .args(["--corpus"])
        .arg(dir.path())
        .args(["units"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("survey.csv") && stderr.contains("存在しない列"),
        "{stderr}"
    );
}
