//! Bad input: every broken file becomes a warning naming it (exit 0: warnings go to stderr, not
//! the status, but for `--strict`, which exits 2), the rest of the corpus is still read, nothing
//! panics; malformed queries and manifests are errors (exit 2).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use crate::util::{Run, corpus, run, units};
use encoding_rs::{EUC_JP, SHIFT_JIS};
use serde_json::Value;
use tempfile::TempDir;

const REAL_FILE: &str = "ictj-2024-11-rising-session.md";
const REAL_DOC: &str = "ictj-2024-11";
const SURVEY_FILE: &str = "jichiro-survey-2024.txt";
const SAMPLE: &str = "自治労連と自治労の未加入者、２０２４年度。\n新規採用者の組織化を進める。\n";

/// A scratch corpus holding one real document, listed in its manifest (so it warns about nothing).
fn scratch() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(corpus().join(REAL_FILE), dir.path().join(REAL_FILE)).unwrap();
    write_manifest(dir.path(), "");
    dir
}

/// Writes a manifest listing the real document plus `extra` TOML.
fn write_manifest(dir: &Path, extra: &str) {
    std::fs::write(
        dir.join("kumiai.toml"),
        format!(
            "[[document]]\nfile = \"{REAL_FILE}\"\nid = \"{REAL_DOC}\"\norg = \"情報労連\"\nyear = \"2024\"\nkind = \"report\"\n{extra}"
        ),
    )
    .unwrap();
}

/// Texts of the real document's units in a clean scratch corpus.
fn baseline() -> &'static Vec<String> {
    static BASE: OnceLock<Vec<String>> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = scratch();
        let r = units(dir.path());
        assert_eq!(r.code, Some(0), "clean scratch corpus: {}", r.stderr);
        let texts = texts(&r.jsonl(), REAL_DOC);
        assert!(texts.len() >= 40);
        texts
    })
}

fn texts(units: &[Value], doc: &str) -> Vec<String> {
    units
        .iter()
        .filter(|u| u["doc"] == doc)
        .map(|u| u["text"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `units` on `dir` and checks the common contract: exit 0 with warnings on stderr, no
/// panic, the real document's units all printed. Returns the run and its units.
fn units_with_warnings(dir: &Path) -> (Run, Vec<Value>) {
    let r = units(dir);
    assert_eq!(
        r.code,
        Some(0),
        "warnings do not change the status:\n{}",
        r.stderr
    );
    assert!(!r.warnings().is_empty(), "expected warnings:\n{}", r.stderr);
    let units = r.jsonl();
    assert_eq!(
        &texts(&units, REAL_DOC),
        baseline(),
        "the real document is still read in full"
    );
    (r, units)
}

/// The warnings naming `file`; there must be at least one.
fn warning_for<'a>(r: &'a Run, file: &str) -> Vec<&'a str> {
    let found: Vec<&str> = r
        .warnings()
        .into_iter()
        .filter(|w| w.starts_with(&format!("{file}:")))
        .collect();
    assert!(!found.is_empty(), "no warning names {file}:\n{}", r.stderr);
    found
}

#[test]
fn binary_files_are_skipped_with_a_warning() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("x.txt"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("archive.txt"),
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00hello",
    )
    .unwrap();
    let (r, units) = units_with_warnings(dir.path());
    for file in ["x.txt", "archive.txt"] {
        let w = warning_for(&r, file);
        assert!(w.iter().any(|w| w.contains("binary")), "{w:?}");
    }
    assert!(units.iter().all(|u| u["doc"] == REAL_DOC));
}

#[test]
fn empty_file_is_skipped_with_a_warning() {
    let dir = scratch();
    std::fs::write(dir.path().join("empty.txt"), b"").unwrap();
    let (r, units) = units_with_warnings(dir.path());
    let w = warning_for(&r, "empty.txt");
    assert!(w.iter().any(|w| w.contains("empty")), "{w:?}");
    assert!(units.iter().all(|u| u["doc"] == REAL_DOC));
}

#[test]
fn undecodable_bytes_are_reported_with_the_encoding_used() {
    let dir = scratch();
    let mut bytes = SHIFT_JIS.encode(SAMPLE).0.into_owned();
    bytes.extend_from_slice(b"\x81\xFF\xFF\n");
    std::fs::write(dir.path().join("broken-sjis.txt"), &bytes).unwrap();
    write_manifest(
        dir.path(),
        "[[document]]\nfile = \"broken-sjis.txt\"\nid = \"broken\"\norg = \"x\"\nkind = \"policy\"\n",
    );
    let (r, units) = units_with_warnings(dir.path());
    let w = warning_for(&r, "broken-sjis.txt");
    assert!(
        w.iter()
            .any(|w| w.contains("undecodable") && w.contains("Shift_JIS")),
        "{w:?}"
    );
    // The decodable part is still read, correctly.
    let t = texts(&units, "broken").join("\n");
    assert!(t.contains("自治労連と自治労の未加入者"), "{t}");
    assert!(t.contains("新規採用者の組織化を進める。"), "{t}");
}

/// A single line, no line break and no sentence end: one giant unit.
///
/// 100 MB takes ~40 s with the debug binary (and ~200 MB RSS per 50 MB), so this uses 50 MB,
/// which `units` finishes in about 20 s in debug on this 2-core machine.
#[test]
fn huge_single_line_file_completes() {
    const SIZE: usize = 50 * 1024 * 1024;
    let dir = scratch();
    let piece = "組合員の声を集めて職場の課題を解決する";
    let line = piece.repeat(SIZE / piece.len());
    std::fs::write(dir.path().join("huge.txt"), &line).unwrap();
    drop(line);
    let (r, units) = units_with_warnings(dir.path());
    // Its only warning is the missing manifest entry.
    let w = warning_for(&r, "huge.txt");
    assert!(w.iter().all(|w| w.contains("metadata inferred")), "{w:?}");
    let huge: Vec<&Value> = units.iter().filter(|u| u["doc"] == "huge").collect();
    assert!(!huge.is_empty());
    let total: usize = huge.iter().map(|u| u["text"].as_str().unwrap().len()).sum();
    assert!(total >= SIZE - piece.len(), "{total}");
    assert!(huge[0]["text"].as_str().unwrap().starts_with(piece));
}

#[test]
fn unreadable_file_is_skipped_with_a_warning() {
    // We run as root, so permissions cannot make a file unreadable: a dangling symlink can.
    let dir = scratch();
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), dir.path().join("dangling.txt"))
        .unwrap();
    let (r, units) = units_with_warnings(dir.path());
    let w = warning_for(&r, "dangling.txt");
    assert!(w.iter().any(|w| w.contains("cannot read")), "{w:?}");
    assert!(units.iter().all(|u| u["doc"] == REAL_DOC));
}

#[test]
fn fifo_in_the_corpus_does_not_hang() {
    let dir = scratch();
    let fifo = dir.path().join("pipe.txt");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    let mut child = crate::util::kumiai()
        .args(["--corpus", dir.path().to_str().unwrap(), "units"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Not a timing assertion: only a guard so a regression does not hang the suite.
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let finished = child.try_wait().unwrap();
    if finished.is_none() {
        child.kill().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(finished.is_some(), "units never returned on a FIFO");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pipe.txt"));
}

#[test]
fn unsupported_extension_is_skipped_with_a_warning() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("hoshin.pdf"),
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    )
    .unwrap();
    let (r, units) = units_with_warnings(dir.path());
    let w = warning_for(&r, "hoshin.pdf");
    assert!(w.iter().any(|w| w.contains(".pdf")), "{w:?}");
    assert!(units.iter().all(|u| u["doc"] == REAL_DOC));
}

#[test]
fn file_not_in_the_manifest_gets_inferred_metadata() {
    let dir = scratch();
    std::fs::write(dir.path().join("unlisted-2023.txt"), SAMPLE).unwrap();
    let (r, units) = units_with_warnings(dir.path());
    let w = warning_for(&r, "unlisted-2023.txt");
    assert!(
        w.iter()
            .any(|w| w.contains("metadata inferred") && w.contains("kumiai.toml")),
        "{w:?}"
    );
    let mine: Vec<&Value> = units
        .iter()
        .filter(|u| u["doc"] == "unlisted-2023")
        .collect();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0]["year"], "2023");
    assert!(
        mine[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("自治労連と自治労の未加入者")
    );
}

/// The sample text in each supported encoding: (file name, bytes, encoding the library reports).
fn encoded_samples() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let utf16 = |bom: [u8; 2], be: bool| {
        let mut bytes = bom.to_vec();
        for u in SAMPLE.encode_utf16() {
            bytes.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        bytes
    };
    vec![
        (
            "sjis.txt",
            SHIFT_JIS.encode(SAMPLE).0.into_owned(),
            "Shift_JIS (CP932)",
        ),
        ("eucjp.txt", EUC_JP.encode(SAMPLE).0.into_owned(), "EUC-JP"),
        ("utf16le.txt", utf16([0xFF, 0xFE], false), "UTF-16LE"),
        ("utf16be.txt", utf16([0xFE, 0xFF], true), "UTF-16BE"),
        (
            "utf8bom.txt",
            [b"\xEF\xBB\xBF".as_slice(), SAMPLE.as_bytes()].concat(),
            "UTF-8 (BOM)",
        ),
    ]
}

#[test]
fn legacy_and_bom_encodings_are_decoded() {
    let dir = scratch();
    let mut extra = String::new();
    for (name, bytes, _) in encoded_samples() {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let id = name.trim_end_matches(".txt");
        extra.push_str(&format!(
            "[[document]]\nfile = \"{name}\"\nid = \"{id}\"\norg = \"x\"\nyear = \"2024\"\nkind = \"policy\"\n"
        ));
    }
    write_manifest(dir.path(), &extra);
    // Listed and cleanly decoded: no warning at all.
    let r = units(dir.path());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.warnings().is_empty(), "{}", r.stderr);
    let units = r.jsonl();
    assert_eq!(&texts(&units, REAL_DOC), baseline());
    for (name, _, _) in encoded_samples() {
        let t = texts(&units, name.trim_end_matches(".txt"));
        assert_eq!(
            t,
            [
                "自治労連と自治労の未加入者、２０２４年度。",
                "新規採用者の組織化を進める。"
            ],
            "{name}"
        );
    }
}

#[test]
fn library_reports_the_encoding_it_decoded() {
    // The CLI does not print the encoding of a cleanly decoded file; the library keeps it.
    let dir = tempfile::tempdir().unwrap();
    let warnings = kumiai::warning::Warnings::default();
    for (name, bytes, encoding) in encoded_samples() {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let manifest = kumiai::ingest::Manifest::default();
        let doc =
            kumiai::ingest::load_corpus_file(dir.path(), Path::new(name), &manifest, &warnings)
                .unwrap_or_else(|| panic!("{name} not loaded"));
        assert_eq!(doc.encoding, encoding, "{name}");
        assert_eq!(doc.text, SAMPLE, "{name}");
    }
    let warnings = warnings.into_vec();
    // Only "not in kumiai.toml" warnings, one per file.
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    assert!(
        warnings
            .iter()
            .all(|w| w.message.contains("metadata inferred")),
        "{warnings:?}"
    );
}

// ------------------------------------------------------------------------------------------
// damaged survey form

/// A scratch corpus with the real document and a copy of the survey whose lines (0-based)
/// went through `edit`, listed in the manifest as a `jichiro` form.
fn damaged_survey(edit: impl FnOnce(&mut Vec<String>)) -> TempDir {
    let dir = scratch();
    let text = std::fs::read_to_string(corpus().join(SURVEY_FILE)).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
    edit(&mut lines);
    std::fs::write(dir.path().join("survey.txt"), lines.join("\n")).unwrap();
    write_manifest(
        dir.path(),
        "[[document]]\nfile = \"survey.txt\"\nid = \"survey\"\norg = \"自治労\"\nyear = \"2024-2025\"\nkind = \"survey\"\nform = \"jichiro\"\n",
    );
    dir
}

/// (prefecture, union) of every record of the bundled survey.
fn original_records() -> Vec<(String, String)> {
    let c = corpus();
    let r = run(&[
        "--corpus",
        c.to_str().unwrap(),
        "survey",
        "--format",
        "json",
    ]);
    let records: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    records
        .iter()
        .map(|r| {
            (
                r["prefecture"].as_str().unwrap().to_string(),
                r["union"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn survey_records(dir: &Path) -> (Run, Vec<Value>) {
    let r = run(&[
        "--corpus",
        dir.to_str().unwrap(),
        "-v",
        "survey",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let records = serde_json::from_str(&r.stdout).unwrap();
    (r, records)
}

#[test]
fn survey_record_without_its_union_line_is_reported_and_the_rest_parse() {
    // Record 2 starts at line 109 (" 県本部 岩手県"); its 単組 line is line 111.
    let dir = damaged_survey(|lines| {
        assert!(lines[108].contains("県本部"), "{}", lines[108]);
        assert!(lines[110].starts_with("単　組 "), "{}", lines[110]);
        lines.remove(110);
    });
    let (r, records) = survey_records(dir.path());
    let w: Vec<&str> = warning_for(&r, "survey.txt")
        .into_iter()
        .filter(|w| w.starts_with("survey.txt:109:") || w.starts_with("survey.txt:111:"))
        .collect();
    assert!(
        w.iter().any(|w| w.contains("単")),
        "no warning about the missing 単組 line:\n{}",
        r.stderr
    );
    let original = original_records();
    assert_eq!(records.len(), 19);
    for (i, rec) in records.iter().enumerate() {
        if i == 1 {
            continue;
        }
        assert_eq!(
            rec["prefecture"],
            original[i].0.as_str(),
            "record {}",
            i + 1
        );
        assert_eq!(rec["union"], original[i].1.as_str(), "record {}", i + 1);
        assert!(!rec["answers"].as_object().unwrap().is_empty());
    }
    // Its units, and the real document's, are still printed.
    let (_, units) = units_with_warnings(dir.path());
    let locals: std::collections::BTreeSet<&str> = units
        .iter()
        .filter(|u| u["doc"] == "survey")
        .filter_map(|u| u["local"].as_str())
        .filter(|l| !l.is_empty())
        .collect();
    assert!(locals.len() >= 18, "{locals:?}");
}

#[test]
fn survey_garbage_line_in_numeric_block_is_reported_with_its_line() {
    let mut at = 0;
    let dir = damaged_survey(|lines| {
        // After the 組織率 line of record 3.
        let rate = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.starts_with("組織率（％）"))
            .nth(2)
            .unwrap()
            .0;
        lines.insert(rate + 1, "###!!! ぐちゃぐちゃ 12x% ###".to_string());
        at = rate + 2;
    });
    let (r, records) = survey_records(dir.path());
    let prefix = format!("survey.txt:{at}:");
    assert!(
        r.warnings().iter().any(|w| w.starts_with(&prefix)),
        "no warning at line {at}:\n{}",
        r.stderr
    );
    let original = original_records();
    let got: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                r["prefecture"].as_str().unwrap().to_string(),
                r["union"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, original);
    assert!(
        records
            .iter()
            .all(|r| !r["answers"].as_object().unwrap().is_empty())
    );
}

// ------------------------------------------------------------------------------------------
// malformed queries and manifests

/// Runs a search that must fail on its query (exit 2, nothing on stdout); returns the echoed
/// query line, the caret's column and the caret line.
fn bad_query(query: &str) -> (String, usize, String) {
    let index = tempfile::tempdir().unwrap();
    let c = corpus();
    let r = run(&[
        "--corpus",
        c.to_str().unwrap(),
        "search",
        "--index",
        index.path().to_str().unwrap(),
        query,
    ]);
    assert_eq!(r.code, Some(2), "{query:?}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let lines: Vec<&str> = r.stderr.lines().collect();
    let caret = lines
        .iter()
        .position(|l| l.trim_start().starts_with('^'))
        .unwrap_or_else(|| panic!("no caret for {query:?}:\n{}", r.stderr));
    assert!(caret >= 1, "{}", r.stderr);
    let column = lines[caret].find('^').unwrap();
    (
        lines[caret - 1].to_string(),
        column,
        lines[caret].to_string(),
    )
}

#[test]
fn search_unbalanced_quote_points_at_it() {
    let (echo, column, message) = bad_query("未加入者 \"組織");
    assert_eq!(echo, "未加入者 \"組織");
    // Four wide characters and a space before the quote.
    assert_eq!(column, 9, "{message}");
    assert!(
        message.contains("quote") || message.contains('"'),
        "{message}"
    );
}

#[test]
fn search_unknown_field_points_at_it() {
    let (echo, column, message) = bad_query("組織 orgg:x");
    assert_eq!(echo, "組織 orgg:x");
    assert_eq!(column, 5, "{message}");
    assert!(message.contains("orgg"), "{message}");
}

#[test]
fn search_empty_query_is_an_error() {
    for q in ["", "   "] {
        let (_, column, message) = bad_query(q);
        assert_eq!(column, 0, "{message}");
        assert!(message.contains("empty"), "{message}");
    }
}

fn manifest_error(toml: &str) -> String {
    let dir = scratch();
    std::fs::write(dir.path().join("kumiai.toml"), toml).unwrap();
    let d = dir.path().to_str().unwrap();
    for args in [vec!["--corpus", d, "units"], vec!["--corpus", d, "survey"]] {
        let r = run(&args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{}", r.stdout);
        assert!(r.stderr.contains("kumiai.toml"), "{}", r.stderr);
    }
    run(&["--corpus", d, "units"]).stderr
}

#[test]
fn manifest_with_bad_toml_is_an_error_naming_it() {
    let stderr = manifest_error(&format!("[[document]\nfile = \"{REAL_FILE}\"\n"));
    assert!(stderr.contains("line 1"), "{stderr}");
}

#[test]
fn manifest_with_unreadable_year_is_an_error_naming_it() {
    let stderr = manifest_error(&format!(
        "[[document]]\nfile = \"{REAL_FILE}\"\norg = \"情報労連\"\nyear = \"昨年\"\nkind = \"report\"\n"
    ));
    assert!(stderr.contains("昨年"), "{stderr}");
    assert!(stderr.contains(REAL_FILE), "{stderr}");
}

#[test]
fn symlinked_folder_loops_are_read_once() {
    let dir = scratch();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("note.txt"), SAMPLE).unwrap();
    // A link to the corpus itself, and one from inside back up: each alone multiplied every
    // document, both together never ended.
    std::os::unix::fs::symlink(".", dir.path().join("selfdir")).unwrap();
    std::os::unix::fs::symlink("..", sub.join("up")).unwrap();
    let (r, units) = units_with_warnings(dir.path());
    warning_for(&r, "selfdir");
    warning_for(&r, "sub/up");
    let docs: BTreeSet<&str> = units.iter().filter_map(|u| u["doc"].as_str()).collect();
    assert_eq!(docs, BTreeSet::from([REAL_DOC, "sub/note"]), "{docs:?}");
}

#[test]
fn manifest_entries_that_cannot_be_right_are_each_named() {
    let dir = scratch();
    std::fs::create_dir(dir.path().join("folder")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), SAMPLE).unwrap();
    let entry = |file: &str, id: &str, extra: &str| {
        format!(
            "[[document]]\nfile = \"{file}\"\nid = \"{id}\"\norg = \"某\"\nkind = \"policy\"\n{extra}\n"
        )
    };
    let extra = [
        entry("../../etc/passwd", "outside", ""),
        entry("/etc/passwd", "absolute", ""),
        entry(
            "notes.txt",
            REAL_DOC,
            "[document.table]\nquestions = [\"q\"]",
        ),
        entry("notes.txt", "again", ""),
        entry("folder", "folder", ""),
        entry("missing.txt", "missing", ""),
    ]
    .concat();
    write_manifest(dir.path(), &extra);
    let (r, units) = units_with_warnings(dir.path());
    let w = warning_for(&r, "kumiai.toml");
    let about = |name: &str, what: &str| {
        assert!(
            w.iter().any(|w| w.contains(name) && w.contains(what)),
            "no warning about {name} ({what}): {w:#?}"
        )
    };
    about("../../etc/passwd", "inside the corpus");
    about("/etc/passwd", "inside the corpus");
    about("notes.txt", "[document.table] ignored");
    about("notes.txt", "listed twice");
    about("notes.txt", &format!("id \"{REAL_DOC}\" is already used"));
    about("folder", "names a folder");
    about("missing.txt", "not in the corpus");
    // Nothing outside the corpus is read, and `doc:` names one document.
    assert!(!r.stdout.contains("root:"), "read /etc/passwd");
    let notes: Vec<&Value> = units.iter().filter(|u| u["doc"] == "notes").collect();
    assert_eq!(notes.len(), 2, "notes.txt keeps the id of its file name");
}

#[test]
fn unknown_survey_form_in_the_manifest_is_named() {
    let dir = scratch();
    std::fs::write(dir.path().join("form.txt"), SAMPLE).unwrap();
    write_manifest(
        dir.path(),
        "[[document]]\nfile = \"form.txt\"\norg = \"某\"\nkind = \"survey\"\nform = \"nosuch\"\n",
    );
    let (r, units) = units_with_warnings(dir.path());
    let w = warning_for(&r, "form.txt");
    assert!(
        w.iter()
            .any(|w| w.contains("unknown survey form \"nosuch\"")),
        "{w:?}"
    );
    assert!(units.iter().all(|u| u["doc"] == REAL_DOC));
}

#[test]
fn control_characters_never_reach_the_terminal_or_a_page() {
    let dir = scratch();
    let text = "見出し\n\u{1b}]0;pwned\u{7}組合員の\u{1b}[2J声を集める。\u{1b}[31m赤字\u{9b}1m。\n";
    std::fs::write(dir.path().join("esc.txt"), text).unwrap();
    let (r, units) = units_with_warnings(dir.path());
    let w = warning_for(&r, "esc.txt");
    assert!(
        w.iter().any(|w| w.starts_with("esc.txt:2: 5 control")),
        "{w:?}"
    );
    let esc: Vec<&str> = units
        .iter()
        .filter(|u| u["doc"] == "esc")
        .filter_map(|u| u["text"].as_str())
        .collect();
    assert_eq!(
        esc.concat(),
        "見出し␛]0;pwned␇組合員の␛[2J声を集める。␛[31m赤字\u{FFFD}1m。"
    );
    let d = dir.path().to_str().unwrap();
    let index = dir.path().join(".index");
    let index = index.to_str().unwrap();
    let mut outputs = vec![run(&["--corpus", d, "units"]).raw_stdout];
    for format in ["text", "json", "csv", "html"] {
        let r = run(&[
            "--corpus", d, "search", "声", "--index", index, "--format", format,
        ]);
        assert!(r.stdout.contains("集める"), "{format}: {}", r.stdout);
        outputs.push(r.raw_stdout);
    }
    for out in outputs {
        assert!(!out.contains(&0x1b), "{}", String::from_utf8_lossy(&out));
        assert!(!String::from_utf8_lossy(&out).contains('\u{9b}'));
    }
}

#[test]
fn utf16_without_bom_and_cr_line_ends_are_read_right() {
    let dir = scratch();
    let lines = "一行目の文。\n二行目の文。\n三行目に未加入者の話。\n";
    let le: Vec<u8> = lines.encode_utf16().flat_map(u16::to_le_bytes).collect();
    std::fs::write(dir.path().join("utf16.txt"), le).unwrap();
    std::fs::write(dir.path().join("mac.txt"), lines.replace('\n', "\r")).unwrap();
    let (_, units) = units_with_warnings(dir.path());
    for doc in ["utf16", "mac"] {
        let found = units
            .iter()
            .find(|u| u["doc"] == doc && u["text"] == "三行目に未加入者の話。")
            .unwrap_or_else(|| panic!("{doc}: {units:?}"));
        assert_eq!(found["line"], 3, "{doc}");
    }
}

#[test]
fn a_file_name_with_a_newline_gives_one_warning_line() {
    let dir = scratch();
    std::fs::write(dir.path().join("two\nlines.pdf"), b"%PDF").unwrap();
    let (r, _) = units_with_warnings(dir.path());
    let w = warning_for(&r, "two\\nlines.pdf");
    assert!(
        w.iter().any(|w| w.contains(".pdf is not a supported")),
        "{w:?}"
    );
    assert!(
        !r.stderr.lines().any(|l| l.starts_with("lines.pdf")),
        "{}",
        r.stderr
    );
}

#[test]
fn a_text_without_sentence_ends_becomes_bounded_units() {
    let dir = scratch();
    let line = "組合員の声を集めて職場の課題を解決する、";
    let text: String = (0..20_000).map(|i| format!("{line}{i}\n")).collect();
    std::fs::write(dir.path().join("long.txt"), &text).unwrap();
    let (_, units) = units_with_warnings(dir.path());
    let long: Vec<&Value> = units.iter().filter(|u| u["doc"] == "long").collect();
    assert!(long.len() > 100, "{}", long.len());
    for u in &long {
        let t = u["text"].as_str().unwrap();
        // The cap is on the matching text; the original also holds the line breaks.
        let breaks = t.matches('\n').count();
        assert!(
            t.len() <= kumiai::segment::MAX_UNIT_BYTES + breaks,
            "{}",
            t.len()
        );
    }
    // Nothing lost: the pieces hold every line, in order.
    let joined: String = long.iter().map(|u| u["text"].as_str().unwrap()).collect();
    assert_eq!(joined.matches(line).count(), 20_000, "every line kept");
    // Each piece is cut after a 、, so it starts with the number i that ends line i + 1,
    // and says it starts on that line.
    for u in &long[1..] {
        let digits: String = u["text"]
            .as_str()
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let n: u64 = digits
            .parse()
            .unwrap_or_else(|_| panic!("cut after 、: {u}"));
        assert_eq!(u["line"].as_u64(), Some(n + 1), "{u}");
    }
}

#[test]
fn survey_file_in_the_corpus_is_read_with_its_manifest_entry() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("answers.csv"),
        "県本部,単組,記入者,悩んでいること\n岩手,奥州市職労,山田,新採が入らない\n",
    )
    .unwrap();
    write_manifest(
        dir.path(),
        "[[document]]\nfile = \"answers.csv\"\norg = \"某\"\nkind = \"survey\"\n[document.table]\nbranch = [\"県本部\", \"単組\"]\npersonal = [\"記入者\"]\nquestions = [\"悩んでいること\"]\n",
    );
    let file = dir.path().join("answers.csv");
    let r = run(&[
        "--corpus",
        dir.path().to_str().unwrap(),
        "survey",
        file.to_str().unwrap(),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        !r.stderr.contains("needs a [document.table]"),
        "{}",
        r.stderr
    );
    let mut lines = r.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("\u{feff}文書,記録番号,行,県本部,単組,悩んでいること")
    );
    assert_eq!(
        lines.next(),
        Some("answers,1,2,岩手,奥州市職労,新採が入らない")
    );
    assert!(!r.stdout.contains("山田") && !r.stderr.contains("山田"));
}

#[test]
fn strict_makes_any_warning_an_error() {
    let dir = scratch();
    let args = |strict: bool| {
        let mut a = vec!["--corpus", dir.path().to_str().unwrap(), "units"];
        if strict {
            a.insert(0, "--strict");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run_with = |strict| {
        let a = args(strict);
        run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert_eq!(
        run_with(true).code,
        Some(0),
        "a clean corpus passes --strict"
    );
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    let lax = run_with(false);
    assert_eq!(lax.code, Some(0), "{}", lax.stderr);
    let strict = run_with(true);
    assert_eq!(strict.code, Some(2), "{}", strict.stderr);
    assert!(strict.stderr.contains("empty.txt: skipped: empty file"));
    assert!(
        strict
            .stderr
            .contains("--strict: the input gave 1 warning(s)")
    );
    assert_eq!(
        strict.stdout, lax.stdout,
        "the output is written all the same"
    );
}

#[test]
fn an_error_never_echoes_a_control_character() {
    let r = run(&["search", "\u{1b}[31morg:", "--index", "/nonexistent/never"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("invalid query"), "{}", r.stderr);
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
}

#[test]
fn a_file_over_the_size_limit_is_skipped_with_advice() {
    let dir = scratch();
    let file = std::fs::File::create(dir.path().join("too-big.txt")).unwrap();
    // Sparse: no 80 MB written to disk.
    file.set_len(kumiai::ingest::MAX_FILE_BYTES + 1).unwrap();
    let (r, units) = units_with_warnings(dir.path());
    let w = warning_for(&r, "too-big.txt");
    assert!(
        w.iter()
            .any(|w| w.contains("over the 80 MB") && w.contains("split it")),
        "{w:?}"
    );
    assert!(units.iter().all(|u| u["doc"] == REAL_DOC));
}
