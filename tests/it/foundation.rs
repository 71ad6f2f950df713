//! Foundation: tokenizer, units, survey and manifest behaviour on the real bundled corpus.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::util::{Run, corpus, field_of, respondent_names, run, run_stdin, squeeze, units};
use kumiai::ingest::{Document, Manifest};
use kumiai::segment::Unit;
use kumiai::warning::Warnings;
use serde_json::Value;

const SURVEY_DOC: &str = "jichiro-survey-2024";
const LABOUR_QUESTION: &str = "労使関係・交渉など（労使関係の状態、労使交渉の取り組み状況など）";

/// `units --format jsonl` on the bundled corpus, run once.
fn corpus_units() -> &'static (Run, Vec<Value>) {
    static UNITS: OnceLock<(Run, Vec<Value>)> = OnceLock::new();
    UNITS.get_or_init(|| {
        let run = units(&corpus());
        assert_eq!(run.code, Some(0), "units failed:\n{}", run.stderr);
        let units = run.jsonl();
        (run, units)
    })
}

/// The bundled corpus segmented through the library, with the matching view of each unit.
fn library_units() -> &'static Vec<(Document, Vec<Unit>)> {
    static UNITS: OnceLock<Vec<(Document, Vec<Unit>)>> = OnceLock::new();
    UNITS.get_or_init(|| {
        let dir = corpus();
        let manifest = Manifest::load(&dir).expect("bundled manifest");
        let warnings = Warnings::default();
        kumiai::ingest::load_corpus(&dir, &manifest, &warnings)
            .into_iter()
            .map(|doc| {
                let units = kumiai::segment::segment(&doc, &warnings);
                (doc, units)
            })
            .collect()
    })
}

fn library_doc(id: &str) -> &'static (Document, Vec<Unit>) {
    library_units()
        .iter()
        .find(|(d, _)| d.id == id)
        .unwrap_or_else(|| panic!("document {id} not loaded"))
}

fn wakati(text: &str) -> String {
    let r = run(&["tokenize", "--wakati", text]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r.stdout.trim_end().to_string()
}

// ------------------------------------------------------------------------------------------
// tokenize

#[test]
fn tokenize_wakati_tells_jichiroren_from_jichiro() {
    assert_eq!(
        wakati("自治労連と自治労の未加入者"),
        "自治労連 と 自治労 の 未加入者"
    );
}

#[test]
fn tokenize_prints_mecab_lines_ending_in_eos() {
    let r = run(&["tokenize", "自治労連と自治労の未加入者"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"EOS"));
    let surfaces: Vec<&str> = lines[..lines.len() - 1]
        .iter()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(surfaces, ["自治労連", "と", "自治労", "の", "未加入者"]);
    for line in &lines[..lines.len() - 1] {
        let (_, features) = line.split_once('\t').expect("surface<TAB>features");
        assert_eq!(features.split(',').count(), 9, "{line}");
    }
    assert!(
        lines[0].starts_with("自治労連\t名詞,固有名詞,組織,"),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("と\t助詞,"), "{}", lines[1]);
    assert!(
        lines[4].contains(",未加入者,ミカニュウシャ,"),
        "{}",
        lines[4]
    );
}

#[test]
fn tokenize_reads_stdin_line_by_line() {
    let r = run_stdin(
        &["tokenize", "--wakati"],
        "自治労連と自治労の未加入者\n新規採用者組織化\n",
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        ["自治労連 と 自治労 の 未加入者", "新規採用者 組織化"]
    );
    let r = run_stdin(&["tokenize"], "会計年度任用職員\n");
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.lines().filter(|l| *l == "EOS").count(), 1);
    assert!(r.stdout.starts_with("会計年度任用職員\t"), "{}", r.stdout);
}

#[test]
fn tokenize_keeps_union_compounds_whole() {
    assert_eq!(wakati("新規採用者組織化"), "新規採用者 組織化");
    assert_eq!(wakati("会計年度任用職員"), "会計年度任用職員");
    // The library agrees with the binary.
    let analyzer = kumiai::analyze::Analyzer::new(&[]).expect("analyzer");
    let surfaces: Vec<String> = analyzer
        .tokenize("新規採用者組織化で悩んでいること")
        .into_iter()
        .map(|t| t.surface)
        .collect();
    assert_eq!(surfaces[..2], ["新規採用者", "組織化"]);
    let tokens = analyzer.tokenize("会計年度任用職員");
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0].pos(), "名詞");
}

#[test]
fn tokenize_user_dictionary_adds_a_word() {
    const WORD: &str = "組合ぴよぴよ隊";
    let text = format!("{WORD}の活動");
    // Without the dictionary the made-up word falls apart.
    let plain = wakati(&text);
    assert!(!plain.starts_with(&format!("{WORD} ")), "{plain}");

    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("mine.csv");
    std::fs::write(
        &dict,
        format!(
            "{WORD},1285,1285,3000,名詞,固有名詞,組織,*,*,*,{WORD},クミアイピヨピヨタイ,クミアイピヨピヨタイ\n"
        ),
    )
    .unwrap();
    let dict = dict.to_str().unwrap();
    let r = run(&["tokenize", "--wakati", "--user-dict", dict, &text]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout.trim_end(), format!("{WORD} の 活動"));
    let r = run(&["tokenize", "--user-dict", dict, &text]);
    assert!(
        r.stdout.starts_with(&format!(
            "{WORD}\t名詞,固有名詞,組織,*,*,*,{WORD},クミアイピヨピヨタイ,"
        )),
        "{}",
        r.stdout
    );
}

#[test]
fn tokenize_malformed_user_dictionary_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("broken-dict.csv");
    std::fs::write(
        &dict,
        "組合ぴよぴよ隊,1285,1285,3000,名詞,一般,*,*,*,*,組合ぴよぴよ隊,クミアイ,クミアイ\n壊れた,行\n",
    )
    .unwrap();
    let r = run(&["tokenize", "--user-dict", dict.to_str().unwrap(), "自治労"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let expected = format!("{}:2:", dict.display());
    assert!(r.stderr.contains(&expected), "{}", r.stderr);
}

// ------------------------------------------------------------------------------------------
// units

#[test]
fn units_cover_every_document() {
    let (_, units) = corpus_units();
    let manifest = Manifest::load(&corpus()).unwrap();
    for entry in &manifest.documents {
        let id = entry.id.as_deref().unwrap();
        let n = units.iter().filter(|u| u["doc"] == id).count();
        assert!(n >= 40, "{id}: only {n} units");
    }
}

#[test]
fn units_text_is_the_file_bytes_at_its_span() {
    let (_, units) = corpus_units();
    let mut files: std::collections::HashMap<String, Vec<u8>> = Default::default();
    for u in units {
        let file = u["file"].as_str().unwrap().to_string();
        let bytes = files
            .entry(file.clone())
            .or_insert_with(|| std::fs::read(corpus().join(&file)).unwrap());
        let start = u["span"]["start"].as_u64().unwrap() as usize;
        let end = u["span"]["end"].as_u64().unwrap() as usize;
        assert!(start < end && end <= bytes.len(), "{file}: {start}..{end}");
        assert_eq!(
            std::str::from_utf8(&bytes[start..end]).expect("span on char boundaries"),
            u["text"].as_str().unwrap(),
            "{file}:{}",
            u["line"]
        );
        // The line number is the line the span starts on.
        let line = bytes[..start].iter().filter(|&&b| b == b'\n').count() + 1;
        assert_eq!(u["line"].as_u64().unwrap() as usize, line, "{file}");
    }
    assert_eq!(files.len(), 5);
}

#[test]
fn units_drop_jcm_running_page_headers() {
    let raw = std::fs::read_to_string(corpus().join("jcm-2025-katsudo-hoshin.txt")).unwrap();
    let is_header = |l: &str| matches!(l.trim(), "４. 活動方針" | "４． 活動方針");
    // The file really is full of them.
    assert!(raw.lines().filter(|l| is_header(l)).count() >= 10);

    let (_, units) = corpus_units();
    let texts = field_of(units, "jcm-2025", "text");
    assert!(texts.len() > 100);
    for t in &texts {
        assert!(
            !t.contains("４. 活動方針") && !t.contains("４． 活動方針"),
            "page header in unit: {t}"
        );
    }
    // Nor in the matching view (NFKC turns them into "4. 活動方針").
    let (_, lib_units) = library_doc("jcm-2025");
    for u in lib_units {
        let n = u.norm.text.trim();
        assert!(
            !n.starts_with("4. 活動方針")
                && !n.starts_with("4.活動方針")
                && !n.contains("4. 活動方針"),
            "line {}: {n}",
            u.line
        );
    }
    // The headings themselves become section paths.
    let sections: Vec<Vec<String>> = units
        .iter()
        .filter(|u| u["doc"] == "jcm-2025")
        .map(|u| serde_json::from_value(u["section"].clone()).unwrap())
        .collect();
    let has = |word: &str| sections.iter().any(|s| s.iter().any(|h| h.contains(word)));
    assert!(has("活動方針"));
    assert!(has("国際労働運動"));
    assert!(has("4.1 国際連帯"));
}

#[test]
fn units_join_wrapped_lines_into_one_sentence() {
    const START: &str = "金属産業は日本の基幹産業であり";
    let (_, units) = corpus_units();
    let originals: Vec<&str> = field_of(units, "jcm-2025", "text")
        .into_iter()
        .filter(|t| t.contains(START))
        .collect();
    assert_eq!(originals.len(), 1, "{originals:?}");
    // In the file the sentence is wrapped over lines …
    assert!(originals[0].contains('\n'));

    // … and in the matching view it is one line, joined without a space.
    let (_, lib_units) = library_doc("jcm-2025");
    let found: Vec<&Unit> = lib_units
        .iter()
        .filter(|u| u.norm.text.contains(START))
        .collect();
    assert_eq!(found.len(), 1);
    let norm = &found[0].norm.text;
    assert!(norm.starts_with(START), "{norm}");
    assert!(norm.ends_with("活動を行ってきた。"), "{norm}");
    assert!(!norm.contains('\n') && !norm.contains(' '), "{norm:?}");
    assert_eq!(found[0].section, ["1.はじめに"]);
}

#[test]
fn units_of_the_survey_carry_branch_and_question() {
    let (_, units) = corpus_units();
    let survey: Vec<&Value> = units.iter().filter(|u| u["doc"] == SURVEY_DOC).collect();
    assert!(survey.len() > 100);
    assert!(survey.iter().all(|u| u["kind"] == "answer"));
    let record1: Vec<&&Value> = survey.iter().filter(|u| u["paragraph"] == 1).collect();
    assert!(record1.len() >= 8, "{}", record1.len());
    for u in &record1 {
        assert_eq!(u["prefecture"], "岩手県", "canonical");
        assert_eq!(u["prefecture_as_written"], "岩手");
        assert_eq!(u["local"], "自治労奥州市職員労働組合");
        let attrs: Vec<(String, String)> = serde_json::from_value(u["attrs"].clone()).unwrap();
        assert!(
            attrs.contains(&("組織率（％）".into(), "27.20% / 63.70%".into())),
            "{attrs:?}"
        );
    }
    let answer: Vec<&&Value> = survey
        .iter()
        .filter(|u| {
            u["text"]
                .as_str()
                .unwrap()
                .starts_with("事務折衝及び交渉では")
        })
        .collect();
    assert_eq!(answer.len(), 1);
    assert_eq!(answer[0]["question"], LABOUR_QUESTION);
    assert_eq!(answer[0]["paragraph"], 1);
    // Every record has a branch.
    let records: std::collections::BTreeSet<u64> = survey
        .iter()
        .map(|u| u["paragraph"].as_u64().unwrap())
        .collect();
    assert_eq!(records.len(), 19);
    assert!(
        survey
            .iter()
            .all(|u| !u["prefecture"].as_str().unwrap().is_empty()
                && !u["local"].as_str().unwrap().is_empty()
                && !u["question"].as_str().unwrap().is_empty())
    );
}

#[test]
fn units_matching_view_has_no_reversed_debris_or_replacement_chars() {
    let raw =
        std::fs::read_to_string(corpus().join("rengo-kanagawa-2024-undo-hoshin.txt")).unwrap();
    // The source has both kinds of damage.
    assert!(raw.contains("針方動運"));
    assert!(raw.contains('\u{FFFD}'));

    let (_, rengo) = library_doc("rengo-kanagawa-2024");
    assert!(rengo.len() > 50);
    for u in rengo {
        assert!(
            !u.norm.text.contains("針方動運"),
            "line {}: {}",
            u.line,
            u.norm.text
        );
    }
    for (doc, units) in library_units() {
        for u in units {
            assert!(
                !u.norm.text.contains('\u{FFFD}'),
                "{}:{}: {}",
                doc.id,
                u.line,
                u.norm.text
            );
        }
    }
    // No printed unit is only the debris either.
    let (_, units) = corpus_units();
    for t in field_of(units, "rengo-kanagawa-2024", "text") {
        assert_ne!(t.trim(), "針方動運");
        assert!(!t.trim_start().starts_with("針方動運"), "{t}");
    }
}

#[test]
fn units_carry_manifest_metadata() {
    let (_, units) = corpus_units();
    let manifest = Manifest::load(&corpus()).unwrap();
    for entry in &manifest.documents {
        let id = entry.id.as_deref().unwrap();
        let mine: Vec<&Value> = units.iter().filter(|u| u["doc"] == id).collect();
        assert!(!mine.is_empty(), "{id}");
        for u in mine {
            assert_eq!(u["org"], entry.org.as_str(), "{id}");
            assert_eq!(u["year"].as_str(), entry.year.as_deref(), "{id}");
            assert_eq!(u["doc_kind"], entry.kind.as_str(), "{id}");
            assert_eq!(u["file"], entry.file.to_str().unwrap(), "{id}");
        }
    }
    let first = |id: &str| units.iter().find(|u| u["doc"] == id).unwrap();
    assert_eq!(first("jcm-2025")["org"], "金属労協");
    assert_eq!(first("jcm-2025")["year"], "2025");
    assert_eq!(first(SURVEY_DOC)["year"], "2024-2025");
    assert_eq!(first(SURVEY_DOC)["doc_kind"], "survey");
    assert_eq!(first("ictj-2024-11")["doc_kind"], "report");
}

#[test]
fn units_metadata_follows_an_edited_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let name = "ictj-2024-11-rising-session.md";
    std::fs::copy(corpus().join(name), dir.path().join(name)).unwrap();
    std::fs::write(
        dir.path().join("kumiai.toml"),
        format!(
            "[[document]]\nfile = \"{name}\"\nid = \"renamed\"\norg = \"テスト労組\"\nyear = \"令和5年度\"\nkind = \"policy\"\n"
        ),
    )
    .unwrap();
    let r = units(dir.path());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let units = r.jsonl();
    assert!(units.len() >= 40);
    for u in &units {
        assert_eq!(u["doc"], "renamed");
        assert_eq!(u["org"], "テスト労組");
        assert_eq!(u["year"], "2023");
        assert_eq!(u["doc_kind"], "policy");
    }
}

// ------------------------------------------------------------------------------------------
// survey

fn survey(args: &[&str]) -> Run {
    let corpus = corpus();
    let mut all = vec!["--corpus", corpus.to_str().unwrap(), "survey"];
    all.extend_from_slice(args);
    let r = run(&all);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r
}

fn csv_rows(r: &Run) -> (Vec<String>, Vec<Vec<String>>) {
    let body = r
        .stdout
        .strip_prefix('\u{FEFF}')
        .expect("CSV starts with a BOM");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn survey_csv_has_a_bom_and_one_row_per_local() {
    let r = survey(&["--format", "csv"]);
    assert!(r.raw_stdout.starts_with(b"\xEF\xBB\xBF"));
    let (header, rows) = csv_rows(&r);
    assert_eq!(rows.len(), 19);
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let (pref, local) = (col("県本部"), col("単組"));
    let (own, rival) = (col("組織率（％）［自治労］"), col("組織率（％）［競合］"));
    let iwate: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[pref] == "岩手" && r[local] == "自治労奥州市職員労働組合")
        .collect();
    assert_eq!(iwate.len(), 1);
    assert_eq!(iwate[0][own], "27.20%");
    assert_eq!(iwate[0][rival], "63.70%");
    assert!(iwate[0][col(LABOUR_QUESTION)].starts_with("事務折衝及び交渉では"));
    assert!(rows.iter().all(|r| !r[local].is_empty()));
}

#[test]
fn survey_json_answers_are_keyed_by_question() {
    let r = survey(&["--format", "json"]);
    let records: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(records.len(), 19);
    let first = &records[0];
    assert_eq!(first["prefecture"], "岩手");
    assert_eq!(first["union"], "自治労奥州市職員労働組合");
    let answers = first["answers"].as_object().expect("answers is an object");
    assert!(
        answers[LABOUR_QUESTION]
            .as_str()
            .unwrap()
            .starts_with("事務折衝及び交渉では"),
        "{answers:?}"
    );
    assert!(
        answers["新採加入の主な取り組み"]
            .as_str()
            .unwrap()
            .contains("説明会")
    );
    let rate = first["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == "組織率（％）")
        .expect("組織率 field");
    assert_eq!(rate["values"], serde_json::json!(["27.20%", "63.70%"]));
}

#[test]
fn survey_names_only_with_show_personal() {
    let names = respondent_names();
    assert_eq!(names.len(), 19, "{names:?}");
    let corpus = corpus();
    let c = corpus.to_str().unwrap();
    let hidden = [
        survey(&["--format", "csv"]),
        survey(&["--format", "json"]),
        run(&["--corpus", c, "units", "--format", "jsonl"]),
        run(&["--corpus", c, "units"]),
    ];
    for out in &hidden {
        let all = squeeze(&out.stdout);
        assert!(all.len() > 10_000);
        for name in &names {
            assert!(!all.contains(&squeeze(name)), "{name} printed");
        }
    }
    for format in ["csv", "json"] {
        let shown = squeeze(&survey(&["--format", format, "--show-personal"]).stdout);
        for name in &names {
            assert!(shown.contains(&squeeze(name)), "{format}: {name} missing");
        }
    }
}

#[test]
fn survey_reads_a_file_outside_the_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("アンケート写し.txt");
    std::fs::copy(corpus().join("jichiro-survey-2024.txt"), &copy).unwrap();
    let r = run(&["survey", copy.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let records: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(records.len(), 19);
    assert_eq!(records[0]["union"], "自治労奥州市職員労働組合");
    assert!(r.stderr.contains("アンケート写し.txt"), "{}", r.stderr);
}

#[test]
fn survey_of_a_prose_file_fails() {
    let file = corpus().join("jcm-2025-katsudo-hoshin.txt");
    let r = run(&["survey", file.to_str().unwrap()]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let error = r
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {}", r.stderr));
    assert!(error.contains("jcm-2025-katsudo-hoshin.txt"), "{error}");
    assert!(error.contains("survey"), "{error}");
}

#[test]
fn library_decodes_the_bundled_corpus_as_utf8() {
    for (doc, _) in library_units() {
        assert_eq!(doc.encoding, "UTF-8", "{}", doc.id);
        let bytes = std::fs::read(corpus().join(&doc.path)).unwrap();
        assert_eq!(doc.text.as_bytes(), &bytes[..], "{}", doc.id);
    }
    let paths: Vec<PathBuf> = library_units()
        .iter()
        .map(|(d, _)| d.path.clone())
        .collect();
    assert_eq!(paths.len(), 5, "{paths:?}");
}

/// Help shows each example on a line of its own, so it can be copied and run.
#[test]
fn help_lists_examples_one_per_line() {
    for (command, example) in [
        ("search", "kumiai search 共済 --kwic"),
        (
            "themes",
            "kumiai themes --query 未加入者 --suggest-codebook my-codes.txt",
        ),
        (
            "compare",
            "kumiai compare --org 金属労協 --years 2024,2025 --format md",
        ),
    ] {
        let r = run(&[command, "--help"]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stdout.lines().any(|l| l.trim() == example),
            "{command} --help:\n{}",
            r.stdout
        );
    }
}

/// The house's import order (issue 11): a stage imports only the stages before it, peers
/// (search, themes, compare, trend) none of each other, and nothing imports the session, the
/// server or the CLI but those above them. Read from the sources: `crate::<module>` paths.
#[test]
fn stages_import_only_the_stages_before_them() {
    // Rank by the order data flows; `warning` is shared by all.
    let rank = |module: &str| -> Option<u8> {
        Some(match module {
            "warning" | "normalize" | "form" => 0,
            "lexicon" | "ingest" => 1,
            "segment" => 2,
            "analyze" => 3,
            "index" => 4,
            "search" | "themes" | "compare" | "trend" => 5,
            "report" => 6,
            "corpus" => 7,
            "serve" => 8,
            "cli" => 9,
            _ => return None,
        })
    };
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    let mut stack = vec![src.clone()];
    let mut files = 0;
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&src).unwrap();
        let module = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = rank(&module) else { continue };
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let Some(theirs) = rank(&name) else { continue };
            if name != module && theirs >= own {
                problems.push(format!("{} imports crate::{name}", rel.display()));
            }
        }
    }
    assert!(files > 50, "read the sources ({files} files)");
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "imports against the stage order:\n{}",
        problems.join("\n")
    );
}
