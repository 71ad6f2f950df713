//! Index: one tantivy document per unit, with morpheme, base-form and positional bigram
//! fields, and one per record (a prose document, or one respondent of a survey) with the same
//! three over all its units, for document-level ranking; updated incrementally by content hash. The per-file hashes and the analyzer version live
//! in the commit payload, so they change atomically with the documents they describe.
#![warn(missing_docs)]

pub mod tokenizers;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, TantivyError, Term,
};

use crate::analyze::Analyzer;
use crate::ingest::{self, Manifest};
use crate::segment::{self, Unit};
use crate::warning::{Warning, Warnings};

/// Bumped when the schema or the meaning of a field changes: forces a rebuild.
/// 4: canonical branch names (岩手 → 岩手県), the corpus and per-file warnings recorded.
/// 5: morpheme fields through the joined-string tokenizer (a schema change: see
/// [`IndexError::OtherVersion`]).
const FORMAT: u32 = 5;
/// A file's recorded size and time vouch for its content only if it was last written this
/// long before the commit: a write within the same instant could leave both unchanged.
const SETTLED_NS: u64 = 2_000_000_000;
const WRITER_MEMORY: usize = 256 << 20;

/// Handles to the schema's fields: a unit document fills all but the `record_*` ones; a record
/// document fills the provenance and filter fields and those.
#[derive(Clone, Copy)]
pub struct Fields {
    /// Document id ([`crate::ingest::Document::id`]), for `doc:` and to trace a hit back.
    pub doc: Field,
    /// Corpus-relative file path with `/` separators: an update deletes a changed file's documents
    /// by it.
    pub path: Field,
    /// The unit's position in its document ([`Unit::seq`]).
    pub seq: Field,
    /// Document title, from the manifest or the text's first line.
    pub title: Field,
    /// Organisation exactly as in kumiai.toml (自治労 ≠ 自治労連), for `org:` and facets.
    pub org: Field,
    /// First fiscal year the document covers (2024 of 2024-2025); absent when unknown.
    pub year_from: Field,
    /// Last fiscal year it covers (2025 of 2024-2025), so `year:` finds overlapping spans.
    pub year_to: Field,
    /// `policy`, `survey` or `report`, for `kind:` and facets.
    pub kind: Field,
    /// Heading path joined with ` > ` (prose units; empty for answers).
    pub section: Field,
    /// Canonical 県本部 of a survey answer (岩手 → 岩手県), for facets and grouping.
    pub prefecture: Field,
    /// Canonical 単組 of a survey answer (the manifest's aliases applied).
    pub local: Field,
    /// 県本部 and 単組 together, for `branch:`.
    pub branch: Field,
    /// The question a survey answer answers, for `question:` and facets.
    pub question: Field,
    /// 1-based line where the unit starts in its file (row for tables).
    pub line: Field,
    /// Original text, for display.
    pub text: Field,
    /// `unit` or `record`: which kind of document this is.
    pub level: Field,
    /// The record a unit belongs to: its document id, or `id#n` for survey respondent n.
    pub record: Field,
    /// Normalized text, stored (the matching view).
    pub norm: Field,
    /// The normalized text as morpheme surfaces.
    pub morph: Field,
    /// … as their base forms (忙しく → 忙しい).
    pub base: Field,
    /// … as positional bigrams.
    pub bigram: Field,
    /// The same three over all units of a record (record documents only).
    pub record_morph: Field,
    /// … as base forms (record documents only).
    pub record_base: Field,
    /// … as positional bigrams (record documents only).
    pub record_bigram: Field,
    /// The normalized→original offset map (see `Normalized::to_bytes`).
    pub offsets: Field,
    /// Start of the unit's span in its source ([`Unit::span`]): subtracted from `offsets` to place
    /// highlights in `text`.
    pub span_start: Field,
    /// Survey attributes as JSON pairs.
    pub attrs: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let tokenized = |tokenizer: &'static str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        doc: b.add_text_field("doc", STRING | STORED | FAST),
        path: b.add_text_field("path", STRING | STORED),
        seq: b.add_u64_field("seq", STORED | FAST),
        title: b.add_text_field("title", STORED),
        org: b.add_text_field("org", STRING | STORED | FAST),
        year_from: b.add_u64_field("year_from", INDEXED | STORED | FAST),
        year_to: b.add_u64_field("year_to", INDEXED | STORED | FAST),
        kind: b.add_text_field("kind", STRING | STORED | FAST),
        section: b.add_text_field("section", STRING | STORED | FAST),
        prefecture: b.add_text_field("prefecture", STRING | STORED | FAST),
        local: b.add_text_field("local", STRING | STORED | FAST),
        branch: b.add_text_field("branch", STRING),
        question: b.add_text_field("question", STRING | STORED | FAST),
        line: b.add_u64_field("line", STORED),
        text: b.add_text_field("text", STORED),
        level: b.add_text_field("level", STRING),
        record: b.add_text_field("record", STRING | STORED | FAST),
        norm: b.add_text_field("norm", STORED),
        morph: b.add_text_field("morph", tokenized(tokenizers::MORPHEMES)),
        base: b.add_text_field("base", tokenized(tokenizers::MORPHEMES)),
        bigram: b.add_text_field("bigram", tokenized(tokenizers::BIGRAM)),
        record_morph: b.add_text_field("record_morph", tokenized(tokenizers::MORPHEMES)),
        record_base: b.add_text_field("record_base", tokenized(tokenizers::MORPHEMES)),
        record_bigram: b.add_text_field("record_bigram", tokenized(tokenizers::BIGRAM)),
        offsets: b.add_bytes_field("offsets", STORED),
        span_start: b.add_u64_field("span_start", STORED),
        attrs: b.add_text_field("attrs", STORED),
    };
    (b.build(), fields)
}

/// What the last commit covers.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    format: u32,
    analyzer: String,
    /// The corpus folder it indexes (canonical path): an index serves one corpus.
    #[serde(default)]
    corpus: String,
    /// The manifest's branch aliases it was built with: they change every survey unit's key.
    #[serde(default)]
    branches: BTreeMap<String, String>,
    /// When it was committed, in ns since the epoch.
    committed: u64,
    /// Corpus-relative path → the file as indexed.
    files: BTreeMap<String, FileState>,
}

/// A file as indexed. Its size and modification time let a search skip reading an unchanged
/// corpus (as git and make do): hashing every file on every search took 29 ms for 20 MB.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FileState {
    /// Hashes of its bytes and of the manifest entry describing it.
    content: String,
    entry: String,
    size: u64,
    /// Modification time, ns since the epoch (0 if the file system has none).
    modified: u64,
    /// What a later run must still say though an unchanged file is not read again: why it was
    /// skipped, and its survey layout doubts (which `index` says). Repairs are said once.
    #[serde(default)]
    warnings: Vec<Warning>,
}

/// [`FileState::content`] of a file not read yet: filled from the bytes the indexing reads,
/// so a new or resized file is read once, not once to hash and again to index.
const PENDING: &str = "";

impl FileState {
    /// Reads and hashes the file only if its size is what `prev` recorded but its time is not
    /// (it may have been touched, not changed), or `prev` was recorded too soon after the file
    /// was written to vouch for it. A new file, or one whose size changed, is changed for
    /// sure: its content is [`PENDING`]. None if unreadable.
    fn of(
        path: &Path,
        entry: Option<&ingest::manifest::Entry>,
        prev: Option<&FileState>,
        committed: u64,
    ) -> Option<(Self, bool)> {
        let meta = std::fs::metadata(path).ok()?;
        let size = meta.len();
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        let vouched = prev.filter(|p| {
            p.size == size
                && p.modified == modified
                && modified != 0
                && modified.saturating_add(SETTLED_NS) < committed
        });
        let (content, read) = match (vouched, prev) {
            (Some(p), _) => (p.content.clone(), false),
            (None, Some(p)) if p.size == size => (hash(&std::fs::read(path).ok()?), true),
            (None, _) => (PENDING.to_string(), false),
        };
        let entry = hash(format!("{entry:?}").as_bytes());
        Some((
            Self {
                content,
                entry,
                size,
                modified,
                warnings: Vec::new(),
            },
            read,
        ))
    }

    fn same_text(&self, other: &FileState) -> bool {
        self.content != PENDING && self.content == other.content && self.entry == other.entry
    }
}

/// Why an index could not be opened, updated or read; each message says what to do.
#[derive(Debug)]
pub enum IndexError {
    /// Another kumiai process holds the index's writer lock.
    Locked(PathBuf),
    /// The index folder cannot be read as this kumiai's index, and why (`--rebuild` rebuilds it).
    Corrupt(PathBuf, String),
    /// The index was built from another corpus folder (`--corpus` switched, same `--index`).
    OtherCorpus {
        /// The index folder.
        dir: PathBuf,
        /// The corpus folder it was built for (canonical path).
        built: String,
        /// The corpus folder now given (canonical path).
        asked: String,
    },
    /// The index's fields are another kumiai version's (its schema differs): `update`
    /// rebuilds it; a search that cannot update (the writer lock is held) says so.
    OtherVersion(PathBuf),
    /// Any other failure (tantivy, the file system), as a message for the user.
    Other(String),
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::Locked(dir) => write!(
                f,
                "index {} is locked: another kumiai process is writing it; wait for it to finish and retry",
                dir.display()
            ),
            IndexError::Corrupt(dir, why) => write!(
                f,
                "index {} is unreadable ({why}); run `kumiai index --rebuild` to build it anew",
                dir.display()
            ),
            IndexError::OtherVersion(dir) => write!(
                f,
                "index {} is unreadable (it was built by another kumiai version); run `kumiai index --rebuild` to build it anew",
                dir.display()
            ),
            IndexError::OtherCorpus { dir, built, asked } => write!(
                f,
                "the index in {} was built for the corpus {built}, not {asked}: give each corpus its own index (--index DIR), or run `kumiai index --rebuild` to rebuild this one for {asked}",
                dir.display()
            ),
            IndexError::Other(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for IndexError {}

impl From<TantivyError> for IndexError {
    fn from(e: TantivyError) -> Self {
        IndexError::Other(format!("index error: {e}"))
    }
}

/// An open index with the analyzer its text fields were built with.
pub struct KumiaiIndex {
    /// The tantivy index, with the bigram tokenizer registered.
    pub index: Index,
    /// Handles to its schema's fields.
    pub fields: Fields,
    /// The analyzer that tokenized its morpheme fields: queries must be analysed with it too.
    pub analyzer: Arc<Analyzer>,
    /// The folder it lives in.
    pub dir: PathBuf,
    /// One reader for every search, reloaded when a commit (this process's or another's)
    /// changed `meta.json`: opening a reader per search starts a file watcher and opens every
    /// segment again, on each of a server's requests.
    reader: IndexReader,
    /// `meta.json`'s modification time when `reader` was last reloaded.
    loaded: Mutex<Option<SystemTime>>,
}

/// What an update did, for the summary line and the benchmarks.
#[derive(Debug, Default, Serialize)]
pub struct UpdateReport {
    /// Files new since the last commit.
    pub added: usize,
    /// Files indexed before whose bytes or manifest entry changed (every one on a rebuild).
    pub changed: usize,
    /// Files indexed before that are gone from the corpus.
    pub removed: usize,
    /// Files left as indexed.
    pub unchanged: usize,
    /// Units indexed by this update (of the added and changed files only).
    pub units: usize,
    /// Total size in bytes of the files (re)indexed.
    pub bytes: u64,
    /// Wall-clock time the update took.
    pub seconds: f64,
    /// Why everything was re-indexed, if it was.
    pub rebuilt: Option<String>,
    /// Files read to see whether they changed (the others were vouched for by size and time).
    pub read: usize,
}

impl UpdateReport {
    /// Whether there was nothing to do: no file added, changed or removed, and no rebuild.
    pub fn is_noop(&self) -> bool {
        self.added + self.changed + self.removed == 0 && self.rebuilt.is_none()
    }
}

/// When `dir/meta.json` was last written (a commit writes it), if it can be read.
fn meta_time(dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(dir.join("meta.json"))
        .and_then(|m| m.modified())
        .ok()
}

fn corrupt(dir: &Path, e: impl fmt::Display) -> IndexError {
    IndexError::Corrupt(dir.to_path_buf(), e.to_string())
}

impl KumiaiIndex {
    /// Opens an existing index for searching.
    pub fn open(dir: &Path, analyzer: Arc<Analyzer>) -> Result<Self, IndexError> {
        let index = Index::open_in_dir(dir).map_err(|e| corrupt(dir, e))?;
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(IndexError::OtherVersion(dir.to_path_buf()));
        }
        Self::wrap(index, fields, analyzer, dir)
    }

    /// Units in the last commit (not counting the record documents, nor deleted ones).
    pub fn unit_count(&self) -> Result<u64, IndexError> {
        let searcher = self.searcher()?;
        let units = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.level, UNIT),
            IndexRecordOption::Basic,
        );
        Ok(searcher.search(&units, &tantivy::collector::Count)? as u64)
    }

    /// The distinct values of a raw (`STRING`) field in the last commit, e.g. every
    /// organisation's name.
    pub fn values_of(&self, field: Field) -> tantivy::Result<std::collections::BTreeSet<String>> {
        let searcher = self.searcher()?;
        let mut values = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut terms = inverted.terms().stream()?;
            while terms.advance() {
                values.insert(String::from_utf8_lossy(terms.key()).into_owned());
            }
        }
        Ok(values)
    }

    /// Opens the last commit to read as it is, without bringing it up to date (another
    /// process holds the writer lock): only if this kumiai and analyzer made it, for `corpus`.
    pub fn open_committed(
        dir: &Path,
        corpus: &Path,
        analyzer: Arc<Analyzer>,
    ) -> Result<Self, IndexError> {
        let idx = Self::open(dir, analyzer)?;
        let state = idx.state();
        if state.format != FORMAT
            || state.analyzer != idx.analyzer.version()
            || state.corpus != corpus_key(corpus)
        {
            return Err(IndexError::Locked(dir.to_path_buf()));
        }
        Ok(idx)
    }

    fn wrap(
        index: Index,
        fields: Fields,
        analyzer: Arc<Analyzer>,
        dir: &Path,
    ) -> Result<Self, IndexError> {
        index
            .tokenizers()
            .register(tokenizers::BIGRAM, tokenizers::BigramTokenizer);
        index
            .tokenizers()
            .register(tokenizers::MORPHEMES, tokenizers::MorphemeTokenizer);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| corrupt(dir, e))?;
        Ok(Self {
            index,
            fields,
            analyzer,
            dir: dir.to_path_buf(),
            reader,
            loaded: Mutex::new(meta_time(dir)),
        })
    }

    /// When the last commit was written (`meta.json`'s modification time), to tell whether
    /// anything built from the index is stale; None if it cannot be read.
    pub fn committed_at(&self) -> Option<SystemTime> {
        meta_time(&self.dir)
    }

    /// Reloads the reader on the last commit.
    fn reload(&self) -> tantivy::Result<()> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        self.reader.reload()?;
        *loaded = meta_time(&self.dir);
        Ok(())
    }

    /// A searcher on the last commit: the shared reader, reloaded first if a commit happened
    /// since (one `stat` of `meta.json` per search).
    pub fn searcher(&self) -> tantivy::Result<Searcher> {
        let now = meta_time(&self.dir);
        let mut loaded = self.loaded.lock().unwrap_or_else(|p| p.into_inner());
        if *loaded != now {
            self.reader.reload()?;
            *loaded = now;
        }
        Ok(self.reader.searcher())
    }

    fn create(dir: &Path, analyzer: Arc<Analyzer>) -> Result<Self, IndexError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| IndexError::Other(format!("cannot create {}: {e}", dir.display())))?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(dir, schema)?;
        Self::wrap(index, fields, analyzer, dir)
    }

    fn state(&self) -> State {
        self.index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default()
    }

    fn writer(&self) -> Result<IndexWriter, IndexError> {
        self.index
            .writer_with_num_threads(2, WRITER_MEMORY)
            .map_err(|e| match e {
                TantivyError::LockFailure(..) => IndexError::Locked(self.dir.clone()),
                e => e.into(),
            })
    }

    /// The fields a unit and its record share: provenance and filters.
    fn common(&self, doc: &ingest::Document, unit: &Unit, level: &str) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.level, level);
        d.add_text(f.record, record_key(doc, unit));
        d.add_text(f.doc, &doc.id);
        d.add_text(f.path, path_key(&doc.path));
        d.add_text(f.title, &doc.meta.title);
        d.add_text(f.org, &doc.meta.org);
        if let Some(y) = doc.meta.year {
            d.add_u64(f.year_from, y.from.into());
            d.add_u64(f.year_to, y.to.into());
        }
        d.add_text(f.kind, doc.meta.kind.as_str());
        // Facets group by the canonical names; `branch:` also finds the names as written and
        // the 県本部 as it calls itself (岩手県本部).
        for (field, value, written) in [
            (f.prefecture, &unit.prefecture, &unit.prefecture_as_written),
            (f.local, &unit.local, &unit.local_as_written),
        ] {
            if let Some(v) = value {
                d.add_text(field, v);
                d.add_text(f.branch, v);
            }
            if let Some(w) = written {
                d.add_text(f.branch, w);
            }
        }
        if let Some(p) = &unit.prefecture {
            d.add_text(f.branch, format!("{p}本部"));
        }
        d
    }

    fn unit_document(
        &self,
        doc: &ingest::Document,
        unit: &Unit,
        morphs: &[tokenizers::Morph],
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut d = self.common(doc, unit, UNIT);
        d.add_u64(f.seq, unit.seq as u64);
        d.add_text(f.section, unit.section.join(" > "));
        if let Some(q) = &unit.question {
            d.add_text(f.question, q);
        }
        d.add_u64(f.line, unit.line as u64);
        d.add_text(f.text, &unit.text);
        d.add_text(f.norm, &unit.norm.text);
        d.add_text(f.morph, tokenizers::joined(morphs, false));
        d.add_text(f.base, tokenizers::joined(morphs, true));
        d.add_text(f.bigram, &unit.norm.text);
        d.add_bytes(f.offsets, &unit.norm.to_bytes());
        d.add_u64(f.span_start, unit.span.start as u64);
        if !unit.attrs.is_empty() {
            d.add_text(
                f.attrs,
                serde_json::to_string(&unit.attrs).unwrap_or_default(),
            );
        }
        d
    }

    /// Indexes one document: a tantivy document per unit, then one per record holding all
    /// its units' text (each unit a separate value, so no phrase spans two units).
    fn add(
        &self,
        writer: &IndexWriter,
        doc: &ingest::Document,
        units: &[Unit],
    ) -> Result<(), IndexError> {
        let f = &self.fields;
        let mut record: Option<(String, TantivyDocument)> = None;
        for unit in units {
            let morphs = tokenizers::morphs(&self.analyzer, &unit.norm.text);
            writer.add_document(self.unit_document(doc, unit, &morphs))?;
            let key = record_key(doc, unit);
            if record.as_ref().is_none_or(|(k, _)| *k != key) {
                if let Some((_, done)) = record.take() {
                    writer.add_document(done)?;
                }
                record = Some((key, self.common(doc, unit, RECORD)));
            }
            if let Some((_, r)) = record.as_mut() {
                r.add_text(f.record_morph, tokenizers::joined(&morphs, false));
                r.add_text(f.record_base, tokenizers::joined(&morphs, true));
                r.add_text(f.record_bigram, &unit.norm.text);
            }
        }
        if let Some((_, done)) = record {
            writer.add_document(done)?;
        }
        Ok(())
    }
}

/// `level` of a unit's tantivy document, and of a record's.
pub const UNIT: &str = "unit";
/// `level` of a record's tantivy document (a prose document, or one survey respondent).
pub const RECORD: &str = "record";

/// The record a unit belongs to: for ranking, a survey's "document" is one respondent (単組),
/// not the whole survey file.
fn record_key(doc: &ingest::Document, unit: &Unit) -> String {
    match unit.kind {
        segment::UnitKind::Answer => format!("{}#{}", doc.id, unit.paragraph),
        segment::UnitKind::Sentence => doc.id.clone(),
    }
}

/// How an index names the corpus it serves: the folder's canonical path.
fn corpus_key(corpus: &Path) -> String {
    std::fs::canonicalize(corpus)
        .unwrap_or_else(|_| corpus.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

fn path_key(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex()[..32].to_string()
}

/// What indexing one file gave.
struct Indexed {
    /// Its path key in the index state.
    key: String,
    /// Units indexed.
    units: usize,
    /// The warnings reading it gave.
    said: Vec<Warning>,
    /// Ingest skipped it (too large, binary, unknown form …).
    skipped: bool,
    /// Its content hash; None if it could not be read at all.
    content: Option<String>,
}

/// How [`update`] runs.
pub struct UpdateOptions {
    /// Re-index every file (`--rebuild`), wiping an unreadable index instead of failing on it.
    pub rebuild: bool,
    /// Show a progress bar on stderr (indicatif draws it only on a terminal).
    pub progress: bool,
}

/// Brings the index at `dir` up to date with the corpus; creates it if missing.
pub fn update(
    dir: &Path,
    corpus: &Path,
    manifest: &Manifest,
    analyzer: Arc<Analyzer>,
    options: &UpdateOptions,
    warnings: &Warnings,
) -> Result<(KumiaiIndex, UpdateReport), IndexError> {
    let started = Instant::now();
    let mut report = UpdateReport::default();
    let exists = dir.join("meta.json").is_file();
    let idx = if !exists {
        KumiaiIndex::create(dir, analyzer)?
    } else {
        match KumiaiIndex::open(dir, Arc::clone(&analyzer)) {
            Ok(idx) => idx,
            // Its fields are another version's: rebuilt, as a format change is.
            Err(IndexError::OtherVersion(_)) => {
                wipe(dir)?;
                report.rebuilt = Some("the index format changed".into());
                KumiaiIndex::create(dir, analyzer)?
            }
            Err(IndexError::Corrupt(..)) if options.rebuild => {
                wipe(dir)?;
                report.rebuilt = Some("the index was unreadable".into());
                KumiaiIndex::create(dir, analyzer)?
            }
            Err(e) => return Err(e),
        }
    };
    let old = idx.state();
    let corpus_key = corpus_key(corpus);
    if exists && report.rebuilt.is_none() {
        if options.rebuild {
            report.rebuilt = Some("--rebuild was given".into());
        } else if old.format != FORMAT {
            report.rebuilt = Some("the index format changed".into());
        } else if old.corpus != corpus_key {
            return Err(IndexError::OtherCorpus {
                dir: dir.to_path_buf(),
                built: old.corpus,
                asked: corpus_key,
            });
        } else if old.branches != manifest.branches {
            report.rebuilt = Some(format!(
                "the [branches] of {} changed",
                ingest::manifest::MANIFEST_FILE
            ));
        } else if old.analyzer != idx.analyzer.version() {
            report.rebuilt = Some(format!(
                "the analyzer or dictionary changed ({} → {})",
                old.analyzer,
                idx.analyzer.version()
            ));
        }
    }
    let rebuild = report.rebuilt.is_some();

    let files = ingest::corpus_files(corpus, warnings);
    let checked: Vec<(PathBuf, Option<(FileState, bool)>)> = files
        .par_iter()
        .map(|rel| {
            let prev = old.files.get(&path_key(rel));
            let now = FileState::of(&corpus.join(rel), manifest.entry(rel), prev, old.committed);
            (rel.clone(), now)
        })
        .collect();
    let mut state = State {
        format: FORMAT,
        analyzer: idx.analyzer.version().to_string(),
        corpus: corpus_key,
        branches: manifest.branches.clone(),
        committed: 0,
        files: BTreeMap::new(),
    };
    let mut todo = Vec::new();
    for (rel, mut now) in checked {
        let key = path_key(&rel);
        report.read += now.as_ref().is_none_or(|(_, read)| *read) as usize;
        match (old.files.get(&key), &mut now) {
            (Some(prev), Some((file, _))) if prev.same_text(file) && !rebuild => {
                report.unchanged += 1;
                file.warnings = prev.warnings.clone();
                for w in &prev.warnings {
                    warnings.push(w.clone());
                }
            }
            (Some(_), _) => {
                report.changed += 1;
                todo.push(rel);
            }
            (None, _) => {
                report.added += 1;
                todo.push(rel);
            }
        }
        // An unreadable file is retried next time: it gets no state.
        if let Some((file, _)) = now {
            state.files.insert(key, file);
        }
    }
    let removed: Vec<&String> = old
        .files
        .keys()
        .filter(|k| !state.files.contains_key(*k))
        .collect();
    report.removed = removed.len();
    if report.is_noop() && exists {
        report.seconds = started.elapsed().as_secs_f64();
        return Ok((idx, report));
    }

    let mut writer = idx.writer()?;
    if rebuild {
        writer.delete_all_documents()?;
    } else {
        let stale = todo.iter().map(|rel| path_key(rel));
        for key in removed.into_iter().cloned().chain(stale) {
            writer.delete_term(Term::from_field_text(idx.fields.path, &key));
        }
    }
    let total_bytes: u64 = todo
        .iter()
        .filter_map(|rel| std::fs::metadata(corpus.join(rel)).ok())
        .map(|m| m.len())
        .sum();
    let bar = progress_bar(options.progress, total_bytes);
    let files_done = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<Indexed> = todo
        .par_iter()
        .map(|rel| -> Result<_, IndexError> {
            let own = Warnings::default();
            let doc = ingest::load_corpus_file(corpus, rel, manifest, &own);
            let size = std::fs::metadata(corpus.join(rel)).map_or(0, |m| m.len());
            let mut n = 0;
            let skipped = doc.is_none();
            // The content hash of a file read once: from the bytes ingest read, or (a file
            // ingest skipped: too large, binary, unknown form) read for its hash alone, so an
            // unchanged skipped file is not read again; None if it cannot be read at all.
            let content = match &doc {
                Some(doc) => Some(doc.hash[..32].to_string()),
                None => std::fs::read(corpus.join(rel)).ok().map(|b| hash(&b)),
            };
            if let Some(doc) = doc {
                let units = segment::segment(&doc, &own);
                idx.add(&writer, &doc, &units)?;
                n = units.len();
            }
            let done = files_done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bar.set_message(format!("{done}/{} files", todo.len()));
            bar.inc(size);
            Ok(Indexed {
                key: path_key(rel),
                units: n,
                said: own.into_vec(),
                skipped,
                content,
            })
        })
        .collect::<Result<_, _>>()?;
    bar.finish_and_clear();
    let mut units = 0;
    for Indexed {
        key,
        units: n,
        said,
        skipped,
        content,
    } in done
    {
        units += n;
        for w in &said {
            warnings.push(w.clone());
        }
        match content {
            Some(content) => {
                if let Some(file) = state.files.get_mut(&key) {
                    file.content = content;
                }
            }
            // Unreadable: retried next time, so it gets no state.
            None => {
                state.files.remove(&key);
            }
        }
        if let Some(file) = state.files.get_mut(&key) {
            file.warnings = said
                .into_iter()
                .filter(|w| skipped || w.layout.is_some())
                .collect();
        }
    }
    state.committed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&serde_json::to_string(&state).unwrap_or_default());
    prepared.commit()?;
    writer.wait_merging_threads()?;
    // Searched next in this process: not left to the modification time, which a coarse
    // file system may not move between the open and this commit.
    idx.reload()?;
    report.units = units;
    report.bytes = total_bytes;
    report.seconds = started.elapsed().as_secs_f64();
    Ok((idx, report))
}

/// Removes an unreadable index's files so it can be built anew.
fn wipe(dir: &Path) -> Result<(), IndexError> {
    std::fs::remove_dir_all(dir)
        .map_err(|e| IndexError::Other(format!("cannot remove {}: {e}", dir.display())))
}

fn progress_bar(show: bool, total: u64) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    // indicatif draws nothing when stderr is not a terminal, so piped output stays clean.
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "indexing [{bar:30}] {msg} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    /// A copy of the bundled corpus whose files were last written an hour ago.
    fn settled_corpus(dir: &Path) {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
        std::fs::create_dir_all(dir).expect("corpus dir");
        for e in std::fs::read_dir(source).expect("corpora") {
            let e = e.expect("entry");
            std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
            set_modified(
                &dir.join(e.file_name()),
                SystemTime::now() - Duration::from_secs(3600),
            );
        }
    }

    fn set_modified(path: &Path, t: SystemTime) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(t))
            .expect("set time");
    }

    #[test]
    fn unchanged_files_are_vouched_for_by_size_and_time() {
        let tmp = tempfile::tempdir().expect("tmp");
        let corpus = tmp.path().join("corpus");
        let dir = tmp.path().join("index");
        settled_corpus(&corpus);
        let analyzer = Arc::new(Analyzer::new(&[]).expect("analyzer"));
        let update = || {
            let manifest = Manifest::load(&corpus).expect("manifest");
            let options = UpdateOptions {
                rebuild: false,
                progress: false,
            };
            let warnings = Warnings::default();
            update(
                &dir,
                &corpus,
                &manifest,
                Arc::clone(&analyzer),
                &options,
                &warnings,
            )
            .expect("update")
            .1
        };
        // A new file is read once, when it is indexed: not first to hash it.
        let first = update();
        assert_eq!((first.added, first.read), (5, 0));
        let again = update();
        assert_eq!((again.unchanged, again.read), (5, 0), "{again:?}");

        // An edit (same size, new time) is read and re-indexed; a touch is read, not re-indexed.
        let jcm = corpus.join("jcm-2025-katsudo-hoshin.txt");
        let text = std::fs::read_to_string(&jcm).expect("read");
        std::fs::write(&jcm, text.replacen("金属労協", "金属労組", 1)).expect("write");
        let edited = update();
        assert_eq!((edited.changed, edited.read), (1, 1), "{edited:?}");
        let survey = corpus.join("jichiro-survey-2024.txt");
        set_modified(&survey, SystemTime::now());
        let touched = update();
        // Read: the touched survey, and the edited file, written too close to the last commit
        // for its time to vouch for it.
        assert_eq!((touched.unchanged, touched.read), (5, 2), "{touched:?}");
    }
}
