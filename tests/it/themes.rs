//! `kumiai themes` and `kumiai report` through the real binary on the bundled survey.

use serde_json::Value;

fn kumiai(args: &[&str]) -> std::process::Output {
    let out = crate::util::kumiai()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    out
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
    for name in crate::util::respondent_names()
        .iter()
        .map(|n| crate::util::squeeze(n))
    {
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
        assert_eq!(counts, c["size"].as_u64().unwrap(), "{}", c["code"]);
        // Every unit the code matched is listed, so the analyst can check the rule.
        let listed = c["units"].as_array().unwrap();
        assert_eq!(listed.len() as u64, counts, "{}", c["code"]);
        assert!(
            listed
                .iter()
                .all(|u| u["text"].is_string() && u["branch"].is_string())
        );
        // 行% is the share of the group's units carrying the code (KH Coder's クロス集計);
        // the share within the code is its own field.
        for (j, n) in c["counts"].as_array().unwrap().iter().enumerate() {
            let n = n.as_f64().unwrap();
            let group = book["group_units"][j].as_f64().unwrap();
            let row = c["row_percent"][j].as_f64().unwrap();
            assert!((row - 100.0 * n / group).abs() < 1e-9, "{}", c["code"]);
            let within = c["code_percent"][j].as_f64().unwrap();
            assert!((within - 100.0 * n / counts.max(1) as f64).abs() < 1e-9);
        }
        let p = c["p"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
    assert!(book["uncoded"].as_u64().unwrap() > 0);
}

/// Suggested rules are specific: each matches fewer units than twice its theme's size (the
/// size is in the comment above the code), and none is a bare OR of words.
#[test]
fn suggested_codebook_is_a_codebook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suggested.txt");
    kumiai(&["themes", "--suggest-codebook", path.to_str().unwrap()]);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut sizes: std::collections::HashMap<String, u64> = Default::default();
    let lines: Vec<&str> = text.lines().collect();
    for w in lines.windows(2) {
        if let (Some(comment), Some(name)) = (w[0].strip_prefix("# "), w[1].strip_prefix('*')) {
            let size = comment.split(' ').next().unwrap().parse().unwrap();
            sizes.insert(name.to_string(), size);
        }
    }
    assert!(sizes.len() >= 5, "{text}");
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with('*') {
            let rule = lines[i + 1];
            assert!(rule.contains('&') || !rule.contains('|'), "{line}: {rule}");
        }
    }
    let out = kumiai(&[
        "themes",
        "--codebook",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = v["codebook"]["codes"].as_array().unwrap();
    assert_eq!(codes.len(), sizes.len());
    for c in codes {
        let matched = c["size"].as_u64().unwrap();
        let theme = sizes[c["code"].as_str().unwrap()];
        assert!(
            matched > 0 && matched < 2 * theme,
            "{}: {matched} vs {theme}",
            c["code"]
        );
    }
}

/// Every label term is a whole token, or a run of whole tokens, of some answer as the
/// analyzer cuts it, of two or more characters: never a fragment (ちろ of じちろう, ハラ or
/// カス of カスハラ, 勧 of 人勧).
#[test]
fn labels_are_whole_tokens_or_compounds() {
    use kumiai::analyze::Analyzer;
    let v: Value = serde_json::from_slice(&kumiai(&["themes", "--format", "json"]).stdout).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
    let warnings = kumiai::warning::Warnings::default();
    let manifest = kumiai::ingest::Manifest::load(&dir).unwrap();
    let docs: Vec<_> = kumiai::ingest::load_corpus(&dir, &manifest, &warnings)
        .into_iter()
        .map(|d| {
            let units = kumiai::segment::segment(&d, &warnings);
            (d, units)
        })
        .collect();
    let units = kumiai::themes::select(
        &docs,
        &kumiai::themes::Selection::default(),
        kumiai::themes::By::Local,
    );
    let analyzer = Analyzer::new(&[]).unwrap();
    let tokenized: Vec<Vec<String>> = units
        .iter()
        .map(|u| {
            analyzer
                .tokenize(&u.norm)
                .iter()
                .map(|t| t.surface.to_string())
                .collect()
        })
        .collect();
    // A run of consecutive tokens starting at some token whose concatenation is the term.
    let whole = |term: &str| {
        tokenized.iter().any(|tokens| {
            (0..tokens.len()).any(|i| {
                let mut run = String::new();
                for t in &tokens[i..] {
                    run.push_str(t);
                    if run == term {
                        return true;
                    }
                    if !term.starts_with(run.as_str()) {
                        return false;
                    }
                }
                false
            })
        })
    };
    let themes: Vec<&Value> = ["themes", "single_branch"]
        .iter()
        .flat_map(|k| v[k].as_array().unwrap())
        .collect();
    assert!(themes.len() >= 10);
    for t in themes {
        let label = t["label"].as_str().unwrap();
        let inner = label.trim_start_matches('「').trim_end_matches('」');
        assert!(!inner.is_empty(), "empty label");
        for term in inner.split('・') {
            assert!(term.chars().count() >= 2, "one-character term in {label}");
            assert!(
                whole(term),
                "{term} of {label} is not a whole token or compound"
            );
            assert!(!["カス", "ハラ", "ちろ"].contains(&term), "{label}");
        }
        assert!(
            !t["subtitle"].as_str().unwrap().is_empty(),
            "{label} has no subtitle"
        );
    }
}

/// Themes are found over clauses: an answer making two points is in two themes, quotes are
/// clauses of the theme's answers, and `--themes N` sets how many themes are sought.
#[test]
fn clause_level_themes_overlap_and_count_is_a_knob() {
    use unicode_normalization::UnicodeNormalization;
    let compact = |s: &str| -> String { s.nfkc().filter(|c| !c.is_whitespace()).collect() };
    let v: Value = serde_json::from_slice(&kumiai(&["themes", "--format", "json"]).stdout).unwrap();
    assert!(v["clause_count"].as_u64().unwrap() > v["unit_count"].as_u64().unwrap());
    assert!(v["rule"].as_str().unwrap().contains("節に 1 テーマ"));
    let themes: Vec<&Value> = ["themes", "single_branch"]
        .iter()
        .flat_map(|k| v[k].as_array().unwrap())
        .collect();
    let mut seen: std::collections::HashMap<(String, u64), usize> = Default::default();
    for t in &themes {
        let texts: Vec<String> = t["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| compact(u["text"].as_str().unwrap()))
            .collect();
        for u in t["units"].as_array().unwrap() {
            *seen
                .entry((
                    u["doc"].as_str().unwrap().into(),
                    u["seq"].as_u64().unwrap(),
                ))
                .or_default() += 1;
        }
        for q in t["quotes"].as_array().unwrap() {
            let clause = compact(q["text"].as_str().unwrap());
            assert!(texts.iter().any(|t| t.contains(&clause)), "{clause}");
            assert!(q.get("question").is_some());
        }
    }
    assert!(seen.values().any(|&n| n >= 2), "no answer in two themes");
    assert!(themes.len() >= 15, "{}", themes.len());
    let few: Value =
        serde_json::from_slice(&kumiai(&["themes", "--themes", "8", "--format", "json"]).stdout)
            .unwrap();
    let count = |v: &Value| {
        v["themes"].as_array().unwrap().len() + v["single_branch"].as_array().unwrap().len()
    };
    assert!(
        count(&few) <= 8 && count(&few) < themes.len(),
        "{}",
        count(&few)
    );
    assert!(few["rule"].as_str().unwrap().contains("--themes 8"));
    // Nouns only: no verb base form among the terms.
    let nouns: Value =
        serde_json::from_slice(&kumiai(&["themes", "--pos", "名詞", "--format", "json"]).stdout)
            .unwrap();
    let terms: Vec<&str> = nouns["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert!(terms.contains(&"共済") && !terms.contains(&"難しい") && !terms.contains(&"悩む"));
    let bad = crate::util::kumiai()
        .args(["themes", "--pos", "副詞"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("副詞"));
}

/// The default report joins discovered themes with the shipped codebook, and has a section
/// per question family.
#[test]
fn default_report_joins_themes_and_the_shipped_codebook() {
    let v: Value = serde_json::from_slice(&kumiai(&["themes", "--format", "json"]).stdout).unwrap();
    let codes = v["codebook"]["codes"].as_array().unwrap();
    assert!(codes.len() >= 25, "the shipped codebook");
    assert!(
        codes
            .iter()
            .any(|c| c["code"] == "役員の負担・多忙・担い手不足")
    );
    let joined = &v["joined"];
    assert!(joined["uncovered"].is_array() && joined["empty_codes"].is_array());
    let covered = v["themes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["codes"].as_array().unwrap().is_empty())
        .count();
    assert!(covered * 2 >= v["themes"].as_array().unwrap().len());
    let families: Vec<&str> = v["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(families.contains(&"悩んでいること") && families.contains(&"取り組み・工夫"));
    let md = String::from_utf8(kumiai(&["themes"]).stdout).unwrap();
    for heading in [
        "## テーマとコードの対応",
        "### コードで捉えられていないテーマ",
        "### 何も見つからなかったコード",
        "## 設問群：悩んでいること",
        "## 設問群：取り組み・工夫",
        "### コードごとの該当記述",
    ] {
        assert!(md.contains(heading), "missing {heading}");
    }
    let none: Value =
        serde_json::from_slice(&kumiai(&["themes", "--no-codebook", "--format", "json"]).stdout)
            .unwrap();
    assert!(none["codebook"].is_null() && none["joined"].is_null());
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
    // The pictures page: network, CA by 県本部 and frequencies, each a figure with its caption.
    assert!(index.contains("pictures.html"));
    let pictures = std::fs::read_to_string(dir.path().join("pictures.html")).unwrap();
    assert_eq!(pictures.matches("<figure").count(), 3, "{pictures}");
    for caption in ["共起ネットワーク", "対応分析", "頻出語", "県本部別"] {
        assert!(pictures.contains(caption), "{caption}");
    }
    assert!(!pictures.contains("<script") && !pictures.contains("https://"));
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

/// The HTML theme report ends with its pictures (issue 14): the network coloured by the same
/// themes, the correspondence analysis of the report's groups and the frequencies, each with a
/// legend saying how it was made; `<script>` in a term could not come through (escaped).
#[test]
fn the_html_report_carries_the_network_ca_and_frequencies() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("themes.html");
    kumiai(&[
        "themes",
        "--by",
        "県本部",
        "--format",
        "html",
        "--out",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    let figures = &html[html.find("<h2>図</h2>").expect("a 図 section")..];
    for legend in ["図1　共起ネットワーク。", "図2　対応分析", "図3　頻出語"]
    {
        assert!(figures.contains(legend), "{legend}");
    }
    assert!(
        figures.contains("県本部別"),
        "the CA's groups are the report's"
    );
    assert_eq!(figures.matches("<svg").count(), 3);
    assert!(!html.contains("<script"));
}
