//! The corpus session: one corpus folder, opened once per process, that every command and
//! the web page work through.
//!
//! Before this session the CLI orchestrated the stages itself and repeated the set-up:
//! `themes --query` read `kumiai.toml` three times and built the analyzer twice (~0.4 s each
//! on 2 cores, the embedded dictionary and the user dictionary), and `compare`/`tokenize`
//! ignored the manifest's user dictionaries. A [`Corpus`] reads the manifest once, builds
//! the analyzer on first use and shares it, and hands out documents, units, an up-to-date
//! index and selections; a subcommand is parse → `Corpus` + stage → writer.
//! `KUMIAI_TRACE_LOADS=1` makes the binary say how many of each it did (the tests count them).
#![warn(missing_docs)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::analyze::{AnalyzeError, Analyzer};
use crate::index::{self, IndexError, KumiaiIndex, UpdateOptions, UpdateReport};
use crate::ingest::{self, Document, Manifest};
use crate::lexicon::{Concepts, Synonyms};
use crate::search::query::ParsedQuery;
use crate::segment::{self, Unit};
use crate::themes::model::ThemeUnit;
use crate::themes::{self, By, Selection};
use crate::warning::Warnings;

/// (manifest reads, analyzer builds) so far in this process, counted where they happen
/// ([`Manifest::load`], [`Analyzer::new`]), for `KUMIAI_TRACE_LOADS`.
pub fn load_counts() -> (usize, usize) {
    (ingest::manifest::loads(), crate::analyze::builds())
}

/// Why a corpus could not be opened or used.
#[derive(Debug)]
pub enum CorpusError {
    /// The folder does not exist.
    NotFound(PathBuf),
    /// `kumiai.toml` could not be read or parsed (the message names the file and line).
    Manifest(String),
    /// The analyzer (dictionary or a user dictionary) could not be built.
    Analyzer(AnalyzeError),
    /// The index could not be opened, updated or read.
    Index(IndexError),
    /// A selection's filters left no unit (the message names them).
    EmptySelection(String),
}

impl std::fmt::Display for CorpusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CorpusError::NotFound(dir) => write!(
                f,
                "corpus folder {} not found: run from the project folder or pass --corpus DIR",
                dir.display()
            ),
            CorpusError::Manifest(message) => f.write_str(message),
            CorpusError::Analyzer(e) => e.fmt(f),
            CorpusError::Index(e) => e.fmt(f),
            CorpusError::EmptySelection(filters) => {
                write!(f, "no units selected ({filters}): check the filters")
            }
        }
    }
}

impl std::error::Error for CorpusError {}

impl From<IndexError> for CorpusError {
    fn from(e: IndexError) -> Self {
        CorpusError::Index(e)
    }
}

impl From<AnalyzeError> for CorpusError {
    fn from(e: AnalyzeError) -> Self {
        CorpusError::Analyzer(e)
    }
}

/// How the index a search reads was found.
pub enum Freshness {
    /// Brought up to date with the corpus; what the update did.
    Updated(UpdateReport),
    /// Another process holds the writer lock (`kumiai index` running): its last commit, as
    /// it is.
    LastCommit,
}

/// A corpus folder with its manifest, and the analyzer built once for it.
pub struct Corpus {
    root: PathBuf,
    manifest: Manifest,
    /// The manifest's user dictionaries (relative to the folder) and the extra ones given.
    dictionaries: Vec<PathBuf>,
    analyzer: OnceLock<Arc<Analyzer>>,
}

/// The units of a selection and what analysing them needs.
pub struct Selected {
    /// The filters applied, with the query and the organisations `--org` names filled in.
    pub selection: Selection,
    /// What the units are grouped by (単組, 県本部, 組織, 年度, 設問).
    pub by: By,
    /// The accepted units, in document order, each labelled with its group under `by`.
    pub units: Vec<ThemeUnit>,
    /// The corpus's analyzer, shared, for term extraction over the units.
    pub analyzer: Arc<Analyzer>,
    /// The word groups counted as one theme term (新採 = 新規採用者), thesaurus included if asked.
    pub concepts: Concepts,
    /// The layout doubts (注記) about the files these units come from.
    pub notes: Vec<String>,
}

impl Corpus {
    /// Opens `root` and reads its manifest (a missing `kumiai.toml` is an empty one);
    /// `extra_dictionaries` are user dictionaries given besides the manifest's.
    pub fn open(root: &Path, extra_dictionaries: &[PathBuf]) -> Result<Self, CorpusError> {
        if !root.is_dir() {
            return Err(CorpusError::NotFound(root.to_path_buf()));
        }
        let manifest = Manifest::load(root).map_err(CorpusError::Manifest)?;
        let mut dictionaries = extra_dictionaries.to_vec();
        dictionaries.extend(manifest.user_dictionaries.iter().map(|p| root.join(p)));
        Ok(Self {
            root: root.to_path_buf(),
            manifest,
            dictionaries,
            analyzer: OnceLock::new(),
        })
    }

    /// The corpus folder as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Its `kumiai.toml`, parsed once (empty when the folder has none).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The analyzer of this corpus (its user dictionaries included), built on first use.
    pub fn analyzer(&self) -> Result<Arc<Analyzer>, CorpusError> {
        if let Some(a) = self.analyzer.get() {
            return Ok(Arc::clone(a));
        }
        let built = Arc::new(Analyzer::new(&self.dictionaries)?);
        // A racing first use builds twice at worst; the first one stored is shared.
        Ok(Arc::clone(self.analyzer.get_or_init(|| built)))
    }

    /// Every document of the corpus, decoded (in file order).
    pub fn documents(&self, warnings: &Warnings) -> Vec<Document> {
        ingest::load_corpus(&self.root, &self.manifest, warnings)
    }

    /// Every document with its units, segmented in parallel.
    pub fn segmented(&self, warnings: &Warnings) -> Vec<(Document, Vec<Unit>)> {
        self.documents(warnings)
            .into_par_iter()
            .map(|d| {
                let units = segment::segment(&d, warnings);
                (d, units)
            })
            .collect()
    }

    /// A file named by the user: read with its manifest entry when it lies in the corpus
    /// folder (a CSV survey's columns are described there), else on its own.
    pub fn load_named(&self, path: &Path, warnings: &Warnings) -> Result<Document, String> {
        load_named_file(Some(self), path, warnings)
    }

    /// The search synonyms: the manifest's groups, with Sudachi's thesaurus if `thesaurus`.
    pub fn synonyms(&self, thesaurus: bool) -> Synonyms {
        Synonyms::new(&self.manifest.synonyms, thesaurus)
    }

    /// The theme concepts (words merged into one term), on the same groups as [`Self::synonyms`].
    pub fn concepts(&self, thesaurus: bool) -> Concepts {
        Concepts::new(&self.manifest.synonyms, thesaurus)
    }

    /// Brings the index at `dir` up to date with the corpus (creating it if missing).
    pub fn update_index(
        &self,
        dir: &Path,
        options: &UpdateOptions,
        warnings: &Warnings,
    ) -> Result<(KumiaiIndex, UpdateReport), CorpusError> {
        let analyzer = self.analyzer()?;
        Ok(index::update(
            dir,
            &self.root,
            &self.manifest,
            analyzer,
            options,
            warnings,
        )?)
    }

    /// The index for a search: brought up to date, or — while another process holds the
    /// writer lock — its last commit as it is.
    pub fn index_for_search(
        &self,
        dir: &Path,
        options: &UpdateOptions,
        warnings: &Warnings,
    ) -> Result<(KumiaiIndex, Freshness), CorpusError> {
        match self.update_index(dir, options, warnings) {
            Ok((idx, report)) => Ok((idx, Freshness::Updated(report))),
            Err(CorpusError::Index(locked @ IndexError::Locked(_))) => {
                let idx = KumiaiIndex::open_committed(dir, &self.root, self.analyzer()?)
                    .map_err(|_| locked)?;
                Ok((idx, Freshness::LastCommit))
            }
            Err(e) => Err(e),
        }
    }

    /// The units of `docs` (this corpus, [`Self::segmented`]) that `selection` accepts,
    /// grouped `by`; with `query`, only those it matches in `idx`. An empty selection is an
    /// error that names the filters.
    pub fn select(
        &self,
        docs: &[(Document, Vec<Unit>)],
        mut selection: Selection,
        query: Option<(&str, &ParsedQuery, &KumiaiIndex)>,
        by: By,
        thesaurus: bool,
        warnings: &Warnings,
    ) -> Result<Selected, CorpusError> {
        if let Some((text, parsed, idx)) = query {
            let synonyms = self.synonyms(thesaurus);
            selection.matching = Some(
                crate::search::matching_units(idx, parsed, &synonyms)
                    .map_err(|e| IndexError::Corrupt(idx.dir.clone(), e.to_string()))?,
            );
            selection.query = Some(text.to_string());
        }
        if let Some(org) = &selection.org {
            let analyzer = self.analyzer()?;
            let names: HashSet<String> = docs
                .iter()
                .map(|(d, _)| d.meta.org.clone())
                .filter(|name| analyzer.names(name, org))
                .collect();
            selection.orgs = Some(names);
        }
        let units = themes::select(docs, &selection, by);
        if units.is_empty() {
            return Err(CorpusError::EmptySelection(selection.describe()));
        }
        Ok(Selected {
            analyzer: self.analyzer()?,
            notes: layout_notes(docs, &units, warnings),
            concepts: self.concepts(thesaurus),
            selection,
            by,
            units,
        })
    }
}

/// The document of organisation `org` (exactly as in the manifest: 自治労 ≠ 自治労連) for
/// `year`, for a 新旧対照表 by organisation and years.
pub fn document_of_year<'d>(
    docs: impl IntoIterator<Item = &'d Document>,
    org: &str,
    year: u16,
) -> Result<&'d Document, String> {
    docs.into_iter()
        .find(|d| d.meta.org == org && d.meta.year.is_some_and(|y| y.from <= year && year <= y.to))
        .ok_or_else(|| format!("no document of {org} for {year} in the corpus"))
}

/// The text of a policy document to compare (`name` as the user gave it). A survey is
/// refused: its text names the respondents (記入者お名前), which nothing prints, and a
/// 新旧対照表 of form fields and answers would not be read as one anyway.
pub fn prose_text<'d>(doc: &'d Document, name: &str) -> Result<&'d str, String> {
    match doc.layout {
        ingest::Layout::Prose => Ok(&doc.text),
        ingest::Layout::Form(_) | ingest::Layout::UnknownForm(_) | ingest::Layout::Table(_) => {
            Err(format!(
                "{name} is a survey: compare works on policy texts (a survey's records name their respondents, which are never shown); to see how answers differ between years, use `kumiai themes --by year`"
            ))
        }
    }
}

/// A file named by the user, with its manifest entry when `corpus` holds it.
pub fn load_named_file(
    corpus: Option<&Corpus>,
    path: &Path,
    warnings: &Warnings,
) -> Result<Document, String> {
    let in_corpus = corpus.and_then(|c| {
        let root = std::fs::canonicalize(&c.root).ok()?;
        let file = std::fs::canonicalize(path).ok()?;
        Some((c, file.strip_prefix(&root).ok()?.to_path_buf()))
    });
    let doc = match in_corpus {
        Some((c, rel)) => ingest::load_corpus_file(&c.root, &rel, &c.manifest, warnings),
        None => {
            let root = path.parent().unwrap_or(Path::new("."));
            let name = Path::new(path.file_name().ok_or("FILE must name a file")?);
            ingest::load_file(root, name, None, warnings)
        }
    };
    doc.ok_or_else(|| format!("cannot read {}", path.display()))
}

/// The layout doubts of the files `units` come from, in plain Japanese, for a report's 注記.
pub fn layout_notes(
    docs: &[(Document, Vec<Unit>)],
    units: &[ThemeUnit],
    warnings: &Warnings,
) -> Vec<String> {
    let used: HashSet<&str> = units.iter().map(|u| u.doc.as_str()).collect();
    let files: Vec<&Path> = docs
        .iter()
        .filter(|(d, _)| used.contains(d.id.as_str()))
        .map(|(d, _)| d.path.as_path())
        .collect();
    let mine: Vec<_> = warnings
        .snapshot()
        .into_iter()
        .filter(|w| files.contains(&w.file.as_path()))
        .collect();
    crate::warning::layout_notes(&mine)
}
