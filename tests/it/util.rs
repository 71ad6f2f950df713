//! Helpers shared by the integration tests: the real binary, the bundled corpus, scratch corpora.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The bundled corpus folder.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora")
}

/// The real `kumiai` binary, run from the project folder with colour off.
pub fn kumiai() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kumiai"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

/// The outcome of one run, decoded.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub raw_stdout: Vec<u8>,
}

impl Run {
    /// Runs `cmd` (a [`kumiai`] command with its arguments) to the end.
    pub fn of(cmd: &mut Command) -> Self {
        Self::from_output(cmd.output().expect("run kumiai"))
    }

    fn from_output(out: Output) -> Self {
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            raw_stdout: out.stdout,
        };
        assert!(
            !run.stderr.contains("panicked"),
            "the binary panicked:\n{}",
            run.stderr
        );
        run
    }

    /// Lines of stderr starting with `warning: `.
    pub fn warnings(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("warning: "))
            .collect()
    }

    /// Parses stdout as JSON Lines.
    pub fn jsonl(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// Runs the binary with `args`.
pub fn run(args: &[&str]) -> Run {
    Run::from_output(kumiai().args(args).output().expect("run kumiai"))
}

/// Runs the binary with `args`, feeding `input` on stdin.
pub fn run_stdin(args: &[&str], input: &str) -> Run {
    let mut child = kumiai()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kumiai");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    Run::from_output(child.wait_with_output().expect("wait for kumiai"))
}

/// `kumiai --corpus DIR units --format jsonl -v`.
pub fn units(corpus: &Path) -> Run {
    run(&[
        "--corpus",
        corpus.to_str().unwrap(),
        "-v",
        "units",
        "--format",
        "jsonl",
    ])
}

/// Values of the `key` field of units of document `doc`.
pub fn field_of<'a>(units: &'a [serde_json::Value], doc: &str, key: &str) -> Vec<&'a str> {
    units
        .iter()
        .filter(|u| u["doc"] == doc)
        .filter_map(|u| u[key].as_str())
        .collect()
}

/// Respondents' names, read from the 記入者お名前 lines of the bundled survey.
pub fn respondent_names() -> Vec<String> {
    let text = std::fs::read_to_string(corpus().join("jichiro-survey-2024.txt")).unwrap();
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("記入者お名前"))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// `s` without any whitespace (ASCII or full-width), for comparing names however spaced.
pub fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}
