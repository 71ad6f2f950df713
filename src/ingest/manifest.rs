//! The corpus manifest (`kumiai.toml` in the corpus folder): metadata a file cannot carry.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

use super::branch::BranchNames;

/// The manifest's file name, at the top of the corpus folder.
pub const MANIFEST_FILE: &str = "kumiai.toml";

/// The corpus manifest as parsed, with its entries indexed by file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Extra user dictionaries (MeCab 13-column or lindera 3-column CSV), relative to the corpus
    /// folder.
    #[serde(default)]
    pub user_dictionaries: Vec<PathBuf>,
    /// Groups of interchangeable search words, e.g. ["新採", "新規採用者"].
    #[serde(default)]
    pub synonyms: Vec<Vec<String>>,
    /// Branch aliases, written name → canonical name (`"札幌" = "北海道"`), for what the
    /// built-in folding of 都道府県 and 本部 does not catch.
    #[serde(default)]
    pub branches: BTreeMap<String, String>,
    /// One `[[document]]` entry per described file, in the order written.
    #[serde(default, rename = "document")]
    pub documents: Vec<Entry>,
    /// Entry index by file, filled by [`Manifest::load`]: a corpus of thousands of files is
    /// matched against its manifest on every search.
    #[serde(skip)]
    by_file: HashMap<PathBuf, usize>,
    /// Entries that [`Manifest::load`] set aside or amended, one message each naming the
    /// entry; the ingest stage reports them as warnings.
    #[serde(skip)]
    pub problems: Vec<String>,
    /// [`Manifest::branches`] made ready for lookups, shared by every document.
    #[serde(skip)]
    pub branch_names: Arc<BranchNames>,
}

/// A `[[document]]` entry: the metadata of one corpus file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Path inside the corpus folder (no `..`, no leading `/`): "jichiro-survey-2024.txt".
    pub file: PathBuf,
    /// Short stable id for `doc:` filters and `compare`; default: the path without extension.
    pub id: Option<String>,
    /// The organisation, exactly (自治労 and 自治労連 are different); may be "".
    pub org: String,
    /// Fiscal year "2025" or span "2024-2025" as written (令和6年度 is read too), checked on load.
    pub year: Option<String>,
    /// What the document is: policy, survey or report.
    pub kind: Kind,
    /// Display title; default: a text's first line, a table's file name.
    pub title: Option<String>,
    /// A printed survey form known to the segmenter (e.g. "jichiro").
    pub form: Option<String>,
    /// For a CSV, TSV or spreadsheet: which columns are what (`[document.table]`).
    pub table: Option<TableSpec>,
}

/// Which columns of a tabular survey are what. Columns not named are ignored.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Attribute columns (numbers, categories) copied onto every answer unit.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// Branch columns (県本部, 単組), outermost first.
    #[serde(default)]
    pub branch: Vec<String>,
    /// Free-text question columns: one unit per answered cell.
    #[serde(default)]
    pub questions: Vec<String>,
    /// Columns holding personal data: read, never indexed or printed.
    #[serde(default)]
    pub personal: Vec<String>,
    /// XLSX sheet name; the first sheet by default.
    pub sheet: Option<String>,
}

/// What a document is, for `kind:` and `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A policy text: 運動方針, 活動方針, 議案書.
    Policy,
    /// A survey of members or unions: a printed form, or a table of one row per respondent.
    Survey,
    /// A report: an event report (イベントレポート), an activity report.
    Report,
}

impl Kind {
    /// The name used in the manifest and in `kind:`: "policy", "survey", "report".
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Policy => "policy",
            Kind::Survey => "survey",
            Kind::Report => "report",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fiscal year (年度) or a span of years, e.g. a survey of 2024/2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Years {
    /// First year of the span (the year itself for a single 年度).
    pub from: u16,
    /// Last year of the span (equal to `from` for a single 年度).
    pub to: u16,
}

impl fmt::Display for Years {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

impl FromStr for Years {
    type Err = String;

    /// Accepts `2025`, `2024-2025`, `2024..2025`, `２０２４年度`, `令和6年度`.
    fn from_str(s: &str) -> Result<Self, String> {
        let years: Vec<u16> = find_years(s);
        match years.as_slice() {
            [y] => Ok(Years { from: *y, to: *y }),
            [a, b] if a <= b => Ok(Years { from: *a, to: *b }),
            _ => Err(format!(
                "cannot read a year from {s:?}: write 2025 or 2024-2025"
            )),
        }
    }
}

static WESTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9]+").unwrap());
static REIWA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"令和\s*([0-9]{1,2}|元)").unwrap());

/// Years mentioned in `s`: 4-digit western years (full-width digits too) and 令和 years.
pub fn find_years(s: &str) -> Vec<u16> {
    let folded: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    let mut found: Vec<(usize, u16)> = WESTERN
        .find_iter(&folded)
        .filter(|m| m.as_str().len() == 4)
        .filter_map(|m| Some((m.start(), m.as_str().parse().ok()?)))
        .filter(|(_, y)| (1900..2100).contains(y))
        .collect();
    found.extend(REIWA.captures_iter(&folded).filter_map(|c| {
        let m = c.get(1)?;
        let n: u16 = if m.as_str() == "元" {
            1
        } else {
            m.as_str().parse().ok()?
        };
        Some((m.start(), 2018 + n))
    }));
    found.sort();
    found.into_iter().map(|(_, y)| y).collect()
}

/// Whether a file is read as a table (CSV, TSV or a spreadsheet), by its extension.
pub fn is_table_file(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .is_some_and(|e| TABLE_EXTENSIONS.contains(&e.as_str()))
}

/// Extensions read as tabular surveys.
pub const TABLE_EXTENSIONS: &[&str] = &["csv", "tsv", "xlsx", "xlsm", "xls", "ods"];

/// Manifest reads by [`Manifest::load`] in this process (`KUMIAI_TRACE_LOADS`).
static LOADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many times [`Manifest::load`] ran in this process.
pub fn loads() -> usize {
    LOADS.load(std::sync::atomic::Ordering::Relaxed)
}

impl Manifest {
    /// Reads `dir/kumiai.toml`; a missing manifest is an empty one.
    pub fn load(dir: &Path) -> Result<Self, String> {
        LOADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(MANIFEST_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        Self::parse(&text, &path)
    }

    /// Parses manifest text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, String> {
        let mut manifest: Manifest =
            toml::from_str(text).map_err(|e| format!("{}: {e}", path.display()))?;
        for entry in &manifest.documents {
            if let Some(year) = &entry.year {
                year.parse::<Years>()
                    .map_err(|e| format!("{}: {}: {e}", path.display(), entry.file.display()))?;
            }
        }
        manifest.vet_entries();
        manifest.branch_names = Arc::new(BranchNames::new(&manifest.branches));
        Ok(manifest)
    }

    /// Indexes entries by file and sets aside those that cannot be right, each with a
    /// problem naming it: a path outside the corpus (absolute or through `..`) is never read;
    /// a file listed twice keeps its first entry, as a scan from the top would find it; a
    /// repeated id falls back to the file's own name, so `doc:` never matches two documents.
    fn vet_entries(&mut self) {
        let mut ids: HashMap<String, PathBuf> = HashMap::new();
        for (i, entry) in self.documents.iter_mut().enumerate() {
            let name = entry.file.display().to_string();
            let inside = entry
                .file
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside || entry.file.as_os_str().is_empty() {
                self.problems.push(format!(
                    "entry {name:?} ignored: `file` must be a path inside the corpus folder, without `..` or a leading `/`"
                ));
                continue;
            }
            if self.by_file.contains_key(&entry.file) {
                self.problems.push(format!(
                    "entry {name:?} ignored: the file is listed twice; the first entry is used"
                ));
                continue;
            }
            self.by_file.insert(entry.file.clone(), i);
            if entry.table.is_some() && !is_table_file(&entry.file) {
                self.problems.push(format!(
                    "entry {name:?}: [document.table] ignored: only .csv, .tsv and spreadsheet files are read as tables"
                ));
            }
            if let Some(id) = &entry.id {
                if let Some(first) = ids.get(id) {
                    self.problems.push(format!(
                        "entry {name:?}: id {id:?} is already used by {:?}; this file keeps the id of its file name",
                        first.display().to_string()
                    ));
                    entry.id = None;
                } else {
                    ids.insert(id.clone(), entry.file.clone());
                }
            }
        }
    }

    /// The entry describing the file at `rel` (corpus-relative), if any.
    pub fn entry(&self, rel: &Path) -> Option<&Entry> {
        self.by_file.get(rel).and_then(|&i| self.documents.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_year_forms() {
        let y = |s: &str| s.parse::<Years>().map(|y| y.to_string());
        assert_eq!(y("2025").unwrap(), "2025");
        assert_eq!(y("2024-2025").unwrap(), "2024-2025");
        assert_eq!(y("２０２４年度").unwrap(), "2024");
        assert_eq!(y("令和6年度").unwrap(), "2024");
        assert!(y("昨年").is_err());
        assert!(y("2025-2024").is_err());
    }

    #[test]
    fn bundled_manifest_is_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
        let manifest = Manifest::load(&dir).unwrap();
        assert_eq!(manifest.documents.len(), 5);
        for entry in &manifest.documents {
            assert!(dir.join(&entry.file).is_file(), "{}", entry.file.display());
        }
        let survey = manifest
            .entry(Path::new("jichiro-survey-2024.txt"))
            .unwrap();
        assert_eq!(survey.kind, Kind::Survey);
        assert_eq!(survey.org, "自治労");
    }
}
