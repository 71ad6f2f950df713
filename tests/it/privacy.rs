//! Personal data: no command, in any format, prints a respondent's name (記入者お名前) unless
//! `--show-personal` asks for it. One table lists every subcommand × `--format` value run on
//! the bundled corpus; `the_table_covers_every_command_and_format` reads `--help` so a new
//! subcommand or format that is not in the table fails, until someone adds it here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::{corpus, respondent_names, run, squeeze};

/// Commands that print only what the user gave them, never corpus text.
const EXEMPT: &[(&str, &str)] = &[
    (
        "tokenize",
        "prints the analysis of its own argument or stdin",
    ),
    ("help", "prints help"),
    (
        "serve",
        "a server: tests/serve.rs requests every page and export of the bundled corpus and checks that no name appears",
    ),
    (
        "add",
        "prints the column headers of the file it adds and what it took each for, never a cell (tests/workflow.rs checks)",
    ),
];

/// One run: the subcommand, its `--format` (None: the default), the rest of its arguments.
/// `{out}` in an argument is replaced by a fresh output folder whose files are read too.
struct Case {
    command: &'static str,
    format: Option<&'static str>,
    args: &'static [&'static str],
}

const fn case(
    command: &'static str,
    format: Option<&'static str>,
    args: &'static [&'static str],
) -> Case {
    Case {
        command,
        format,
        args,
    }
}

const CASES: &[Case] = &[
    case("index", None, &["--rebuild"]),
    case("search", Some("text"), &["未加入者", "--limit", "2000"]),
    case(
        "search",
        Some("text"),
        &["kind:survey", "--limit", "2000", "--kwic"],
    ),
    case(
        "search",
        Some("json"),
        &["kind:survey", "--limit", "2000", "--facets"],
    ),
    case("search", Some("csv"), &["kind:survey", "--limit", "2000"]),
    case(
        "search",
        Some("html"),
        &["記入者 OR 組合", "--limit", "2000", "--facets"],
    ),
    case(
        "search",
        Some("xlsx"),
        &[
            "記入者 OR 組合 OR kind:survey",
            "--limit",
            "2000",
            "--kwic",
            "--facets",
            "--out",
            "{out}/hits.xlsx",
        ],
    ),
    case("themes", Some("md"), &[]),
    case(
        "themes",
        Some("html"),
        &["--codebook", "codebooks/recruitment.txt"],
    ),
    case(
        "themes",
        Some("json"),
        &["--codebook", "codebooks/recruitment.txt"],
    ),
    case(
        "themes",
        Some("csv"),
        &["--out", "{out}", "--codebook", "codebooks/recruitment.txt"],
    ),
    case(
        "themes",
        Some("xlsx"),
        &[
            "--out",
            "{out}/themes.xlsx",
            "--codebook",
            "codebooks/recruitment.txt",
        ],
    ),
    case(
        "themes",
        None,
        &["--suggest-codebook", "{out}/codes.txt", "--by", "県本部"],
    ),
    case("report", None, &["--out", "{out}"]),
    case(
        "compare",
        Some("text"),
        &["jichiro-survey-2024", "jcm-2025"],
    ),
    case("compare", Some("md"), &["jcm-2025", "jichiro-survey-2024"]),
    case(
        "compare",
        Some("json"),
        &["corpora/jichiro-survey-2024.txt", "jcm-2025"],
    ),
    case(
        "compare",
        Some("html"),
        &["jcm-2025", "corpora/jichiro-survey-2024.txt"],
    ),
    case(
        "compare",
        Some("xlsx"),
        &["jichiro-survey-2024", "jcm-2025", "--out", "{out}/c.xlsx"],
    ),
    case(
        "compare",
        Some("docx"),
        &["jcm-2025", "jichiro-survey-2024", "--out", "{out}/c.docx"],
    ),
    case("trend", Some("table"), &["自治労", "記入者"]),
    case("trend", Some("csv"), &["自治労", "記入者"]),
    case("trend", Some("json"), &["自治労", "記入者"]),
    case("trend", Some("html"), &["自治労", "記入者"]),
    case(
        "trend",
        Some("xlsx"),
        &["自治労", "記入者", "--out", "{out}/t.xlsx"],
    ),
    case(
        "network",
        Some("html"),
        &["--with-groups", "--graphml", "{out}/n.graphml"],
    ),
    case("network", Some("svg"), &[]),
    case("network", Some("json"), &["--with-groups"]),
    case("network", Some("csv"), &["--out", "{out}"]),
    case("ca", Some("html"), &[]),
    case(
        "ca",
        Some("svg"),
        &["--codebook", "codebooks/recruitment.txt"],
    ),
    case("ca", Some("json"), &[]),
    case("ca", Some("csv"), &["--out", "{out}"]),
    case("freq", Some("html"), &["--per-group", "--wordcloud"]),
    case("freq", Some("svg"), &["--per-group"]),
    case("freq", Some("json"), &["--per-group"]),
    case("freq", Some("csv"), &["--out", "{out}", "--per-group"]),
    case("units", Some("text"), &[]),
    case("units", Some("jsonl"), &[]),
    case("survey", Some("csv"), &[]),
    case("survey", Some("json"), &[]),
    case("survey", Some("xlsx"), &["--out", "{out}/survey.xlsx"]),
    case("survey", Some("csv"), &["corpora/jichiro-survey-2024.txt"]),
];

/// Names as they would appear in any output, however spaced, without their (書記) notes.
fn names() -> Vec<String> {
    let names: Vec<String> = respondent_names()
        .iter()
        .map(|n| squeeze(&n.replace("(書記)", "").replace("（書記）", "")))
        .filter(|n| n.chars().count() >= 2)
        .collect();
    assert_eq!(names.len(), 19, "the bundled survey names 19 respondents");
    names
}

/// Everything a case shows the user: stdout, stderr and the files it wrote.
fn output_of(case: &Case, index: &Path) -> String {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let mut args = vec![case.command.to_string()];
    args.extend(case.args.iter().map(|a| a.replace("{out}", out_dir)));
    if let Some(format) = case.format {
        args.extend(["--format".to_string(), format.to_string()]);
    }
    if matches!(case.command, "index" | "search") {
        args.extend(["--index".to_string(), index.to_str().unwrap().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&args);
    assert!(
        matches!(r.code, Some(0..=2)),
        "{args:?} ended with {:?}",
        r.code
    );
    if case.command == "compare" {
        assert_eq!(r.code, Some(2), "{args:?}: a survey must be refused");
        assert!(r.stderr.contains("is a survey"), "{args:?}: {}", r.stderr);
    } else {
        assert_ne!(r.code, Some(2), "{args:?} failed: {}", r.stderr);
    }
    let mut all = format!("{}\n{}", r.stdout, r.stderr);
    for file in walk(out.path()) {
        all.push_str(&readable(&file));
    }
    all
}

/// A file's text as a reader sees it: every cell of a workbook (read back with calamine),
/// the body of a Word document, other files as they are.
fn readable(file: &Path) -> String {
    use calamine::Reader;
    match file.extension().and_then(|e| e.to_str()) {
        Some("xlsx") => {
            let mut book: calamine::Xlsx<_> = calamine::open_workbook(file).unwrap();
            let mut text = String::new();
            for name in book.sheet_names().to_vec() {
                for row in book.worksheet_range(&name).unwrap().rows() {
                    for cell in row {
                        text.push_str(&cell.to_string());
                        text.push('\t');
                    }
                    text.push('\n');
                }
            }
            assert!(text.len() > 100, "{file:?} holds its tables");
            text
        }
        Some("docx") => {
            let mut zip = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
                .unwrap();
            xml
        }
        _ => String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned(),
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn no_command_or_format_shows_a_respondent_name() {
    let names = names();
    let index = tempfile::tempdir().unwrap();
    for case in CASES {
        let shown = squeeze(&output_of(case, index.path()));
        for name in &names {
            assert!(
                !shown.contains(name.as_str()),
                "{} {:?} {:?} shows a respondent's name",
                case.command,
                case.format,
                case.args
            );
        }
    }
    // The test can fail: with the flag that asks for them, the names are there.
    let shown = squeeze(&run(&["survey", "--format", "json", "--show-personal"]).stdout);
    assert!(names.iter().all(|n| shown.contains(n.as_str())));
}

/// Subcommands of `kumiai --help` and the values of their `--format`.
fn commands_and_formats() -> BTreeMap<String, BTreeSet<String>> {
    let help = run(&["--help"]).stdout;
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(commands.len() >= 9, "{help}");
    commands
        .into_iter()
        .map(|c| {
            let help = run(&[&c, "--help"]).stdout;
            (c, format_values(&help))
        })
        .collect()
}

/// The values of `--format` in a subcommand's `--help`: clap lists them inline
/// (`[possible values: a, b]`) or, when one is documented, one a line (`- a: …`).
fn format_values(help: &str) -> BTreeSet<String> {
    let Some(rest) = help.split("--format <FORMAT>").nth(1) else {
        return BTreeSet::new();
    };
    // The option's own text ends where the next option starts.
    let own: String = rest
        .lines()
        .skip(1)
        .take_while(|l| {
            let l = l.trim_start();
            !l.starts_with('-') || l.starts_with("- ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(inline) = own.split("[possible values: ").nth(1) {
        return inline
            .split(']')
            .next()
            .unwrap_or_default()
            .split(", ")
            .map(str::to_string)
            .collect();
    }
    own.lines()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .map(|v| v.split(':').next().unwrap_or(v).trim().to_string())
        .collect()
}

#[test]
fn the_table_covers_every_command_and_format() {
    for (command, formats) in commands_and_formats() {
        if EXEMPT.iter().any(|(c, _)| *c == command) {
            continue;
        }
        let cases: Vec<&Case> = CASES.iter().filter(|c| c.command == command).collect();
        assert!(
            !cases.is_empty(),
            "`kumiai {command}` is not in the privacy table of tests/privacy.rs"
        );
        if command == "search" {
            assert!(
                formats.contains("xlsx"),
                "the --help parse sees {formats:?}"
            );
        }
        for format in formats {
            assert!(
                cases.iter().any(|c| c.format == Some(format.as_str())),
                "`kumiai {command} --format {format}` is not in the privacy table"
            );
        }
    }
    assert!(corpus().join("jichiro-survey-2024.txt").is_file());
}
