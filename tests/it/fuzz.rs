//! Fuzzing in the normal suite: thousands of generated inputs (fixed seed, so a failure
//! reproduces) through the query parser and query building on a real index, the text
//! decoder and normalizer, the survey-form parser and the manifest loader. Each must return
//! a value or its own error type — never panic. `scripts/fuzz.sh` runs the same with more
//! cases (`KUMIAI_FUZZ_CASES`).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use kumiai::analyze::Analyzer;
use kumiai::form::SurveyForm;
use kumiai::index::{self, KumiaiIndex, UpdateOptions};
use kumiai::ingest::{Manifest, decode};
use kumiai::lexicon::Synonyms;
use kumiai::normalize;
use kumiai::search::{self, query};
use kumiai::segment::survey::parse as parse_survey;
use kumiai::warning::Warnings;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Cases per target: a few thousand here (seconds), more from `scripts/fuzz.sh`.
fn cases(default: u32) -> u32 {
    std::env::var("KUMIAI_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[42; 32]))
}

/// Strings made of `pieces` (the syntax a parser looks for) and any character at all.
fn text_of(pieces: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            6 => prop::sample::select(pieces).prop_map(str::to_string),
            1 => any::<char>().prop_map(String::from),
        ],
        0..max,
    )
    .prop_map(|parts| parts.concat())
}

const QUERY_PIECES: &[&str] = &[
    "未加入者",
    "自治労",
    "自治労連",
    "組合",
    "忙しい",
    "新規採用者",
    "a",
    " ",
    "　",
    "\"",
    "＂",
    "(",
    ")",
    "（",
    "）",
    "+",
    "-",
    "＋",
    "－",
    "OR",
    "or",
    "|",
    "year:",
    "ｙｅａｒ：",
    "2024",
    "２０２５",
    "..",
    "-",
    "～",
    "..2025",
    "2024..",
    "1899",
    "org:",
    "kind:",
    "survey",
    "branch:",
    "question:",
    "doc:",
    ":",
    "：",
    "*",
    "\\",
    "\u{1b}",
    "\u{0}",
    "\n",
    "𠮷",
    "e\u{301}",
    "\u{feff}",
];

/// The bundled corpus indexed once in a temporary folder.
fn bundled_index() -> &'static KumiaiIndex {
    static INDEX: OnceLock<(tempfile::TempDir, KumiaiIndex)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
            let manifest = Manifest::load(&corpus).unwrap();
            let analyzer = Arc::new(Analyzer::new(&[]).unwrap());
            let dir = tempfile::tempdir().unwrap();
            let options = UpdateOptions {
                rebuild: false,
                progress: false,
            };
            let (idx, _) = index::update(
                &dir.path().join("index"),
                &corpus,
                &manifest,
                analyzer,
                &options,
                &Warnings::default(),
            )
            .unwrap();
            (dir, idx)
        })
        .1
}

#[test]
fn queries_parse_or_point_inside_the_query() {
    runner(cases(3000))
        .run(&text_of(QUERY_PIECES, 24), |q| {
            match query::parse(&q) {
                Ok(parsed) => {
                    parsed.positive_terms();
                }
                Err(e) => {
                    prop_assert!(e.position <= q.chars().count(), "{e:?} for {q:?}");
                    prop_assert!(!e.message.is_empty());
                    e.render(&q);
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn any_parsed_query_searches_the_real_index() {
    let idx = bundled_index();
    let synonyms = Synonyms::new(&[vec!["新採".into(), "新規採用者".into()]], true);
    let limits = prop::sample::select(vec![0usize, 1, 20, 1 << 62, usize::MAX]);
    let by = prop_oneof![
        Just(search::By::Unit),
        prop::sample::select(vec![0usize, 3, usize::MAX]).prop_map(search::By::Document),
    ];
    runner(cases(1500))
        .run(
            &(text_of(QUERY_PIECES, 12), limits.clone(), limits, by),
            |(q, limit, offset, by)| {
                let Ok(parsed) = query::parse(&q) else {
                    return Ok(());
                };
                let request = search::Request {
                    query: &parsed,
                    synonyms: &synonyms,
                    limit,
                    offset,
                    facets: true,
                    by,
                };
                search::search(idx, &request)
                    .map_err(|e| TestCaseError::fail(format!("{q:?}: {e}")))?;
                search::matching_units(idx, &parsed, &synonyms)
                    .map_err(|e| TestCaseError::fail(format!("{q:?}: {e}")))?;
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn any_bytes_decode_and_normalize_with_offsets_into_the_original() {
    let bytes = prop::collection::vec(any::<u8>(), 0..200);
    let text = text_of(
        &[
            "組合",
            "。",
            "\n",
            "\r\n",
            "\r",
            "　",
            "ｱ",
            "①",
            "\u{fffd}",
            " ",
            "\u{c}",
            "２０２４",
        ],
        60,
    )
    .prop_map(String::into_bytes);
    runner(cases(3000))
        .run(&prop_oneof![bytes, text], |bytes| {
            let Ok(decoded) = decode::decode(&bytes) else {
                return Ok(());
            };
            let original = &decoded.text;
            let raw_control = original
                .chars()
                .find(|&ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t' | '\u{c}'));
            prop_assert_eq!(raw_control, None);
            let (norm, _) = normalize::normalize(original, 0..original.len());
            for i in 0..=norm.text.len() {
                if norm.text.is_char_boundary(i) {
                    prop_assert!(norm.to_original(i) <= original.len());
                }
            }
            let r = norm.original_range(0..norm.text.len());
            prop_assert!(r.end <= original.len() && original.is_char_boundary(r.start));
            let repaired = normalize::repair(original);
            prop_assert!(
                repaired
                    .blocks
                    .iter()
                    .all(|b| b.norm.text.len() <= original.len() * 3)
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn any_text_parses_as_a_survey_form_or_warns() {
    let form = SurveyForm::jichiro();
    let pieces: &'static [&'static str] = &[
        " 県本部 岩手",
        "単組名",
        "自治労奥州市職労",
        "記入者お名前 某",
        "組織人員数",
        "72人",
        "組織率（％）",
        "27.2%",
        "63.7%",
        "新採加入の主な取り組み",
        "悩んでいること",
        "\n",
        "\n\n",
        "　",
        "・",
        "、",
        "。",
        "１",
        "2024",
        "\t",
        "未加入者対策の主な取り組み",
    ];
    runner(cases(2000))
        .run(&text_of(pieces, 40), |text| {
            let parsed = parse_survey(form, &text);
            for record in &parsed.records {
                for answer in &record.answers {
                    prop_assert!(answer.span.end <= text.len());
                    prop_assert!(text.is_char_boundary(answer.span.start));
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn any_manifest_loads_or_says_what_is_wrong() {
    let pieces: &'static [&'static str] = &[
        "[[document]]\n",
        "[document.table]\n",
        "file = ",
        "\"a.txt\"",
        "\"../x\"",
        "\"/etc\"",
        "id = ",
        "\"a\"",
        "org = ",
        "\"自治労\"",
        "year = ",
        "\"2024\"",
        "\"令和6年度\"",
        "\"2025-2024\"",
        "kind = ",
        "\"survey\"",
        "\"policy\"",
        "form = ",
        "\"jichiro\"",
        "questions = ",
        "[\"q\"]",
        "synonyms = ",
        "[[\"新採\", \"新規採用者\"]]",
        "\n",
        "=",
        "[",
        "]",
        "\"",
        "#",
    ];
    runner(cases(3000))
        .run(&text_of(pieces, 30), |text| {
            match Manifest::parse(&text, Path::new("kumiai.toml")) {
                Ok(m) => {
                    for e in &m.documents {
                        m.entry(&e.file);
                    }
                }
                Err(e) => prop_assert!(e.starts_with("kumiai.toml"), "{e}"),
            }
            Ok(())
        })
        .unwrap();
}
