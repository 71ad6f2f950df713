//! `kumiai themes` and `kumiai report` through the real binary on the bundled survey.

use std::process::Command;

use serde_json::Value;

fn kumiai(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_kumiai"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    out
}

/// The 記入者お名前 values of the survey, read from the file itself.
fn respondent_names() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpora/jichiro-survey-2024.txt"
    ))
    .unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("記入者お名前 "))
        .map(|n| n.trim().replace([' ', '\u{3000}'], ""))
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn themes_json_lists_every_unit_with_its_branch() {
    let out = kumiai(&["themes", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let themes = v["themes"].as_array().unwrap();
    assert!(themes.len() >= 5, "{}", themes.len());
    // Ranked by the number of branches they recur in.
    let counts: Vec<usize> = themes
        .iter()
        .map(|t| t["branches"].as_array().unwrap().len())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(counts[0] >= 10, "{counts:?}");
    for t in themes {
        assert!(!t["label"].as_str().unwrap().is_empty());
        let units = t["units"].as_array().unwrap();
        assert_eq!(units.len(), t["size"].as_u64().unwrap() as usize);
        for u in units {
            assert!(
                u["branch"].is_string() && u["text"].is_string() && u.get("question").is_some()
            );
        }
        for q in t["quotes"].as_array().unwrap() {
            assert!(t["branches"].as_array().unwrap().contains(&q["branch"]));
        }
    }
    // The 共済 theme recurs across many 単組 and quotes a real answer.
    let kyosai = themes
        .iter()
        .find(|t| t["terms"].as_array().unwrap().iter().any(|x| x == "共済"))
        .expect("a theme about 共済");
    assert!(kyosai["branches"].as_array().unwrap().len() >= 8);
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .replace([' ', '\u{3000}'], "");
    for name in respondent_names() {
        assert!(
            !text.contains(&name),
            "respondent name {name} in themes output"
        );
    }
}

#[test]
fn codebook_cross_tab_counts_each_code() {
    let out = kumiai(&[
        "themes",
        "--codebook",
        "codebooks/recruitment.txt",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let book = &v["codebook"];
    let codes = book["codes"].as_array().unwrap();
    assert!(codes.len() >= 9);
    assert_eq!(book["groups"].as_array().unwrap().len(), 19);
    let units: u64 = book["group_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(units, v["unit_count"].as_u64().unwrap());
    let kyosai = codes
        .iter()
        .find(|c| c["code"] == "共済の魅力")
        .expect("共済の魅力");
    assert!(kyosai["groups"].as_u64().unwrap() >= 8);
    for c in codes {
        let counts: u64 = c["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .sum();
        assert_eq!(counts, c["units"].as_u64().unwrap(), "{}", c["code"]);
        let p = c["p"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
    assert!(book["uncoded"].as_u64().unwrap() > 0);
}

#[test]
fn suggested_codebook_is_a_codebook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suggested.txt");
    kumiai(&["themes", "--suggest-codebook", path.to_str().unwrap()]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.lines().filter(|l| l.starts_with('*')).count() >= 5,
        "{text}"
    );
    let out = kumiai(&[
        "themes",
        "--codebook",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["codebook"]["codes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["units"].as_u64().unwrap() > 0)
    );
}

#[test]
fn filters_and_grouping_change_the_selection() {
    let all: Value =
        serde_json::from_slice(&kumiai(&["themes", "--format", "json"]).stdout).unwrap();
    let q = "新規採用者組織化で悩んでいること";
    let one: Value = serde_json::from_slice(
        &kumiai(&[
            "themes",
            "--question",
            q,
            "--by",
            "県本部",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    assert!(one["unit_count"].as_u64().unwrap() < all["unit_count"].as_u64().unwrap());
    assert_eq!(one["by"], "県本部");
    for t in one["themes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(one["single_branch"].as_array().unwrap())
    {
        for u in t["units"].as_array().unwrap() {
            assert_eq!(u["question"], q);
        }
    }
}

#[test]
fn batch_report_links_escaped_html_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    kumiai(&["report", "--out", dir.path().to_str().unwrap()]);
    let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(index.contains("themes.html") && index.contains("terms-jcm-2025.csv"));
    let html = std::fs::read_to_string(dir.path().join("themes.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("<script") && !html.contains("https://"));
    let terms = std::fs::read(dir.path().join("terms-jcm-2025.csv")).unwrap();
    assert!(terms.starts_with("\u{FEFF}".as_bytes()));
    assert!(String::from_utf8(terms).unwrap().contains("金属"));
}

/// `--query` narrows to the answers the search finds: 団交 with its thesaurus synonym 団体交渉,
/// only 団交 itself under `--no-thesaurus`.
#[test]
fn query_selects_the_answers_the_search_finds() {
    let index = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| -> Value {
        let mut args = vec!["themes", "--query", "団交", "--format", "json", "--index"];
        args.push(index.path().to_str().unwrap());
        args.extend_from_slice(extra);
        serde_json::from_slice(&kumiai(&args).stdout).unwrap()
    };
    let wide = run(&[]);
    let texts: Vec<String> = ["themes", "single_branch"]
        .iter()
        .flat_map(|k| wide[k].as_array().unwrap().clone())
        .flat_map(|t| t["units"].as_array().unwrap().clone())
        .map(|u| u["text"].as_str().unwrap().replace('\n', ""))
        .collect();
    assert!(!texts.is_empty());
    assert!(
        texts
            .iter()
            .all(|t| t.contains("団交") || t.contains("団体交渉"))
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("団体交渉については、競合組織とともに実施"))
    );
    assert!(wide["unit_count"].as_u64().unwrap() > 1, "{wide}");
    let narrow = run(&["--no-thesaurus"]);
    assert_eq!(narrow["unit_count"], 1, "only 日向's answer writes 団交");
}
