//! Ingest: walk the corpus folder, decode each file, attach manifest metadata.
#![warn(missing_docs)]

pub mod branch;
pub mod decode;
pub mod manifest;
pub mod table;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::form::FormId;
use crate::warning::{Warning, Warnings};
use manifest::TABLE_EXTENSIONS;
pub use manifest::{Kind, Manifest, TableSpec, Years};

/// Document metadata, from the manifest or inferred.
#[derive(Debug, Clone, Serialize)]
pub struct DocMeta {
    /// The organisation as in kumiai.toml (自治労 ≠ 自治労連); empty when the manifest has no entry.
    pub org: String,
    /// The fiscal year or span it covers: the manifest's; for a file it does not describe, one
    /// found in the file name or the text's opening.
    pub year: Option<Years>,
    /// Policy, survey or report: the manifest's; for a file it does not describe, survey for a
    /// form or table, policy otherwise.
    pub kind: Kind,
    /// Display title: the manifest's, else a text's first line or a table's file name.
    pub title: String,
}

/// How a document's text is laid out, which decides how it is segmented.
#[derive(Debug, Clone)]
pub enum Layout {
    /// Running text: policies, reports, Markdown.
    Prose,
    /// A printed survey form kumiai knows.
    Form(FormId),
    /// A printed survey form the manifest names but kumiai does not know: not read at all,
    /// since its records name respondents (a warning says so).
    UnknownForm(String),
    /// One row per respondent; `text` is empty for XLSX.
    Table(table::Table),
}

/// A decoded input file: the contract between ingest and the later stages.
#[derive(Debug, Clone)]
pub struct Document {
    /// Stable id used in filters (`doc:`), from the manifest or the file name.
    pub id: String,
    /// Path relative to the corpus folder (or as given for files outside it).
    pub path: PathBuf,
    /// Organisation, year, kind and title.
    pub meta: DocMeta,
    /// The encoding it was decoded from, reported to the user.
    pub encoding: &'static str,
    /// blake3 of the file bytes (hex): the index records it, so that it reads a new or
    /// resized file once, and later re-reads only files whose bytes changed.
    pub hash: String,
    /// The original text, for display; never modified.
    pub text: String,
    /// How the text is laid out, which decides how it is segmented.
    pub layout: Layout,
    /// How its branch names (県本部, 単組) are made canonical: the manifest's aliases.
    pub branches: Arc<branch::BranchNames>,
}

/// Extensions read as documents; anything else in the folder is reported and skipped.
const TEXT_EXTENSIONS: &[&str] = &["txt", "text", "md", "markdown"];

/// The largest file read. A file is decoded, repaired and segmented whole, and its units are
/// held until indexed: peak memory is about ten times the file (a 200 MB file peaked at 1.9 GB,
/// while 100 MB spread over 3,105 files peaked at 353 MB). At this limit the peak stays under
/// 1 GB (BENCHMARKS.md); real policy texts and surveys are well under 10 MB.
pub const MAX_FILE_BYTES: u64 = 80_000_000;

/// Files of the corpus folder (recursively, hidden files and the manifest excluded), sorted.
///
/// A symlinked folder is followed, but each folder only once (by device and inode): a link
/// back up the tree (`ln -s . corpora/self`) would otherwise list every file again at each
/// level, and two such links never end.
pub fn corpus_files(dir: &Path, warnings: &Warnings) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    if let Some(id) = folder_id(dir) {
        seen.insert(id);
    }
    walk(dir, dir, &mut files, &mut seen, warnings);
    files.sort();
    files
}

/// (device, inode) of a folder, following links.
#[cfg(unix)]
fn folder_id(path: &Path) -> Option<FolderId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Elsewhere the canonical path stands in for the inode.
#[cfg(not(unix))]
fn folder_id(path: &Path) -> Option<FolderId> {
    std::fs::canonicalize(path).ok()
}

#[cfg(unix)]
type FolderId = (u64, u64);
#[cfg(not(unix))]
type FolderId = PathBuf;

fn walk(
    root: &Path,
    dir: &Path,
    files: &mut Vec<PathBuf>,
    seen: &mut HashSet<FolderId>,
    warnings: &Warnings,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            warnings.push(Warning::new(dir, None, format!("cannot read folder: {e}")));
            return;
        }
    };
    // Sorted, so which of two paths to one folder is read does not depend on the file system.
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || (dir == root && name == manifest::MANIFEST_FILE) {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => match folder_id(&path) {
                Some(id) if !seen.insert(id) => warnings.push(Warning::new(
                    &rel,
                    None,
                    "skipped: a link to a folder already read (a symlink loop or a second path to it)",
                )),
                _ => walk(root, &path, files, seen, warnings),
            },
            // Reading a FIFO or device would block or never end.
            Ok(m) if !m.is_file() => warnings.push(Warning::new(
                &rel,
                None,
                "skipped: not a regular file (FIFO, socket or device)",
            )),
            // Dangling links and the like: reading reports the error.
            _ => files.push(rel),
        }
    }
}

/// Reads every corpus file in parallel; unreadable or undecodable files become warnings.
pub fn load_corpus(dir: &Path, manifest: &Manifest, warnings: &Warnings) -> Vec<Document> {
    let files = corpus_files(dir, warnings);
    let manifest_path = Path::new(manifest::MANIFEST_FILE);
    for problem in &manifest.problems {
        warnings.push(Warning::new(manifest_path, None, problem.clone()));
    }
    for entry in &manifest.documents {
        if manifest
            .entry(&entry.file)
            .is_none_or(|e| !std::ptr::eq(e, entry))
            || files.binary_search(&entry.file).is_ok()
        {
            continue;
        }
        let what = if dir.join(&entry.file).is_dir() {
            "names a folder, not a file"
        } else {
            "is not in the corpus"
        };
        warnings.push(Warning::new(
            manifest_path,
            None,
            format!("lists {} but it {what}", entry.file.display()),
        ));
    }
    files
        .par_iter()
        .filter_map(|rel| load_corpus_file(dir, rel, manifest, warnings))
        .collect()
}

/// Reads a file of the corpus; one the manifest does not describe gets a warning.
pub fn load_corpus_file(
    root: &Path,
    rel: &Path,
    manifest: &Manifest,
    warnings: &Warnings,
) -> Option<Document> {
    let entry = manifest.entry(rel);
    let mut doc = load_file(root, rel, entry, warnings)?;
    doc.branches = Arc::clone(&manifest.branch_names);
    if entry.is_none() {
        warnings.push(Warning::new(
            rel,
            None,
            format!(
                "not in {}: metadata inferred (kind {}, year {}); add an entry to set them",
                manifest::MANIFEST_FILE,
                doc.meta.kind,
                doc.meta.year.map_or("unknown".into(), |y| y.to_string())
            ),
        ));
    }
    Some(doc)
}

/// Reads one file; `rel` is how it is named to the user and in the index.
pub fn load_file(
    root: &Path,
    rel: &Path,
    entry: Option<&manifest::Entry>,
    warnings: &Warnings,
) -> Option<Document> {
    let full = root.join(rel);
    let ext = rel
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let is_table = TABLE_EXTENSIONS.contains(&ext.as_str());
    if !is_table && !TEXT_EXTENSIONS.contains(&ext.as_str()) && !ext.is_empty() {
        warnings.push(Warning::new(
            rel,
            None,
            format!("skipped: .{ext} is not a supported format (text, Markdown, CSV/TSV, XLSX)"),
        ));
        return None;
    }
    if let Ok(meta) = std::fs::metadata(&full)
        && meta.len() > MAX_FILE_BYTES
    {
        warnings.push(Warning::new(
            rel,
            None,
            format!(
                "skipped: {:.0} MB is over the {} MB a single file may have; split it into several files (by chapter or year), which are read in parallel",
                meta.len() as f64 / 1e6,
                MAX_FILE_BYTES / 1_000_000
            ),
        ));
        return None;
    }
    let bytes = match std::fs::read(&full) {
        Ok(bytes) => bytes,
        Err(e) => {
            warnings.push(Warning::new(
                rel,
                None,
                format!("skipped: cannot read: {e}"),
            ));
            return None;
        }
    };
    let hash = blake3::hash(&bytes).to_hex().to_string();
    let (text, encoding, layout) = if is_table && ext != "csv" && ext != "tsv" {
        let spec = table_spec(rel, entry, warnings)?;
        match table::read_workbook(&full, &spec) {
            Ok(table) => (String::new(), "XLSX", Layout::Table(table)),
            Err(e) => {
                warnings.push(Warning::new(rel, None, format!("skipped: {e}")));
                return None;
            }
        }
    } else {
        let decoded = match decode::decode(&bytes) {
            Ok(decoded) => decoded,
            Err(decode::DecodeError::Empty) => {
                warnings.push(Warning::new(rel, None, "skipped: empty file"));
                return None;
            }
            Err(decode::DecodeError::Binary) => {
                warnings.push(Warning::new(
                    rel,
                    None,
                    "skipped: binary file (NUL bytes), not text",
                ));
                return None;
            }
        };
        if decoded.malformed > 0 {
            warnings.push(Warning::new(
                rel,
                None,
                format!(
                    "{} undecodable byte sequence(s) replaced by U+FFFD (read as {})",
                    decoded.malformed, decoded.encoding
                ),
            ));
        }
        if let Some(c) = decoded.controls {
            warnings.push(Warning::new(
                rel,
                Some(c.first_line),
                format!(
                    "{} control character(s) (ESC and the like) shown as ␛-style pictures, never sent to the terminal",
                    c.count
                ),
            ));
        }
        let layout = if is_table {
            let spec = table_spec(rel, entry, warnings)?;
            let delimiter = if ext == "tsv" { b'\t' } else { b',' };
            match table::read_delimited(&decoded.text, delimiter, &spec) {
                Ok(table) => Layout::Table(table),
                Err(e) => {
                    warnings.push(Warning::new(rel, None, format!("skipped: {e}")));
                    return None;
                }
            }
        } else {
            match entry.and_then(|e| e.form.as_deref()) {
                Some(name) => FormId::from_name(name)
                    .map_or_else(|| Layout::UnknownForm(name.to_string()), Layout::Form),
                None => crate::form::detect(&decoded.text).map_or(Layout::Prose, Layout::Form),
            }
        };
        (decoded.text, decoded.encoding, layout)
    };
    let meta = match entry {
        Some(entry) => DocMeta {
            org: entry.org.clone(),
            year: entry.year.as_deref().and_then(|y| y.parse().ok()),
            kind: entry.kind,
            title: entry
                .title
                .clone()
                .unwrap_or_else(|| default_title(&text, &layout, rel)),
        },
        None => infer_meta(rel, &text, &layout),
    };
    let id = entry
        .and_then(|e| e.id.clone())
        .unwrap_or_else(|| rel.with_extension("").to_string_lossy().replace('\\', "/"));
    Some(Document {
        id,
        path: rel.to_path_buf(),
        meta,
        encoding,
        hash,
        text,
        layout,
        branches: Arc::default(),
    })
}

fn table_spec(
    rel: &Path,
    entry: Option<&manifest::Entry>,
    warnings: &Warnings,
) -> Option<TableSpec> {
    match entry.and_then(|e| e.table.clone()) {
        Some(spec) => Some(spec),
        None => {
            warnings.push(Warning::new(
                rel,
                None,
                format!(
                    "skipped: a tabular survey needs a [document.table] entry in {} naming its question columns (`kumiai add FILE` writes one)",
                    manifest::MANIFEST_FILE
                ),
            ));
            None
        }
    }
}

/// Metadata for files the manifest does not describe: year from the file name, else the
/// text's opening; the first non-blank line as title.
fn infer_meta(rel: &Path, text: &str, layout: &Layout) -> DocMeta {
    let head: String = text.chars().take(2000).collect();
    let year = manifest::find_years(&rel.to_string_lossy())
        .first()
        .or(manifest::find_years(&head).first())
        .map(|&y| Years { from: y, to: y });
    DocMeta {
        org: String::new(),
        year,
        kind: match layout {
            Layout::Prose => Kind::Policy,
            Layout::Form(_) | Layout::UnknownForm(_) | Layout::Table(_) => Kind::Survey,
        },
        title: default_title(text, layout, rel),
    }
}

/// A title for a document the manifest gives none: a table's file name (its first line is
/// the header row), else the first non-blank line.
fn default_title(text: &str, layout: &Layout, rel: &Path) -> String {
    match layout {
        Layout::Table(_) => rel.file_name().map_or_else(
            || rel.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        Layout::Prose | Layout::Form(_) | Layout::UnknownForm(_) => first_line(text, rel),
    }
}

fn first_line(text: &str, rel: &Path) -> String {
    text.lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .find(|l| !l.is_empty())
        .map(|l| l.chars().take(80).collect())
        .unwrap_or_else(|| rel.display().to_string())
}
