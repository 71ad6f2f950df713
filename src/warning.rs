//! Problems with input that do not stop the run: each names the file (and line) it concerns.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
    /// Set for a doubt about a printed survey's layout (answers that may sit under the wrong
    /// question): said in plain Japanese where the answers are used, not on every command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<LayoutDoubt>,
}

/// Where a layout doubt lies: the record's branch and the questions to check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LayoutDoubt {
    /// 「県本部 / 単組」 as written; empty for text outside any record.
    pub branch: String,
    /// Short question labels whose answers may be misplaced or missing.
    pub questions: Vec<String>,
}

impl Warning {
    pub fn new(file: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line,
            message: message.into(),
            layout: None,
        }
    }

    /// A doubt about a survey's layout (see [`LayoutDoubt`]).
    pub fn layout(
        file: &Path,
        line: usize,
        message: impl Into<String>,
        doubt: LayoutDoubt,
    ) -> Self {
        Self {
            layout: Some(doubt),
            ..Self::new(file, Some(line), message)
        }
    }
}

/// The layout doubts of each file in plain Japanese: one paragraph per file, then one line per
/// record to check (「岩手 / 奥州市職労：L86 新採加入の主な取り組み、…」). Used on stderr by
/// `survey` and `index` and as the 注記 of reports built from those answers.
pub fn layout_notes(warnings: &[Warning]) -> Vec<String> {
    let mut by_file: std::collections::BTreeMap<&Path, Vec<(&Warning, &LayoutDoubt)>> =
        Default::default();
    for w in warnings {
        if let Some(d) = &w.layout {
            by_file.entry(&w.file).or_default().push((w, d));
        }
    }
    let mut notes = Vec::new();
    for (file, doubts) in by_file {
        notes.push(format!(
            "{}：PDF などから取り出した文字の並びが調査票の様式と合わない箇所が {} か所あり、回答が別の設問の下に入っているか、どの設問にも入っていないおそれがあります。次の単組と設問を原票で確かめてください。",
            escape_controls(&file.to_string_lossy()),
            doubts.len()
        ));
        // One line per branch, in file order, its places and questions merged.
        let mut lines: Vec<(&str, Vec<String>, Vec<&str>)> = Vec::new();
        for (w, d) in doubts {
            let branch = if d.branch.is_empty() {
                "（記録の外）"
            } else {
                d.branch.as_str()
            };
            let at = w.line.map(|l| format!("{l}行目")).unwrap_or_default();
            match lines.iter_mut().find(|(b, ..)| *b == branch) {
                Some((_, places, questions)) => {
                    places.push(at);
                    for q in &d.questions {
                        if !questions.contains(&q.as_str()) {
                            questions.push(q);
                        }
                    }
                }
                None => lines.push((
                    branch,
                    vec![at],
                    d.questions.iter().map(String::as_str).collect(),
                )),
            }
        }
        for (branch, places, questions) in lines {
            let questions = if questions.is_empty() {
                "設問の外の記述".to_string()
            } else {
                questions.join("、")
            };
            notes.push(format!(
                "・{}（{}）：{}",
                escape_controls(branch),
                places.join("・"),
                escape_controls(&questions)
            ));
        }
    }
    notes
}

impl fmt::Display for Warning {
    /// One line, whatever the file is called: a newline or ESC in a file name is escaped
    /// (`\n`, `\u{1b}`), so a warning is never split or turned into a terminal command.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.to_string_lossy();
        let file = escape_controls(&file);
        let message = escape_controls(&self.message);
        match self.line {
            Some(line) => write!(f, "{file}:{line}: {message}"),
            None => write!(f, "{file}: {message}"),
        }
    }
}

/// `s` with control characters written as Rust escapes (`\n`, `\t`, `\u{1b}`).
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Collects warnings from parallel stages; the CLI prints them and sets the exit status.
#[derive(Debug, Default)]
pub struct Warnings(Mutex<Vec<Warning>>);

impl Warnings {
    pub fn push(&self, warning: Warning) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(warning);
    }

    /// The warnings so far, for a report written before the run ends.
    pub fn snapshot(&self) -> Vec<Warning> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub fn into_vec(self) -> Vec<Warning> {
        self.0
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_one_line_whatever_the_file_is_called() {
        let w = Warning::new(Path::new("a\nb\u{1b}[31m.txt"), Some(3), "skipped");
        assert_eq!(w.to_string(), "a\\nb\\u{1b}[31m.txt:3: skipped");
    }

    #[test]
    fn layout_notes_list_each_branch_once() {
        let doubt = |branch: &str, questions: &[&str]| LayoutDoubt {
            branch: branch.into(),
            questions: questions.iter().map(|q| q.to_string()).collect(),
        };
        let file = Path::new("survey.txt");
        let warnings = [
            Warning::new(file, None, "not a doubt"),
            Warning::layout(
                file,
                86,
                "A-block",
                doubt("岩手 / 奥州市職労", &["差異", "取組"]),
            ),
            Warning::layout(
                file,
                90,
                "order",
                doubt("岩手 / 奥州市職労", &["取組", "要望"]),
            ),
            Warning::layout(file, 370, "B-block", doubt("広島県 / 呉市職労", &["悩み"])),
        ];
        let notes = layout_notes(&warnings);
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes[0].starts_with("survey.txt：") && notes[0].contains("3 か所"));
        assert_eq!(
            notes[1],
            "・岩手 / 奥州市職労（86行目・90行目）：差異、取組、要望"
        );
        assert_eq!(notes[2], "・広島県 / 呉市職労（370行目）：悩み");
        assert!(layout_notes(&warnings[..1]).is_empty());
    }
}
