//! The lexicon: every word list kumiai ships or reads, in one place — Sudachi's
//! [`thesaurus`], the manifest's synonym groups, the theme stopwords.
//!
//! Two policies use the same groups, on purpose differently:
//! - search *expands* ([`Synonyms`]): a query word also finds its synonyms, ranked below the
//!   word as typed (the cap is in `search::rank`), so 残業 finds 時間外労働 without losing
//!   precision on 残業;
//! - themes *merge* ([`Concepts`]): the words of a group count as one term, named by its most
//!   frequent form, so 新採 and 新規採用者 are one theme word; a thesaurus word that belongs to
//!   several groups is left alone rather than guessed, and the manifest's groups win.
#![warn(missing_docs)]

pub mod thesaurus;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::normalize::fold_word;

/// Groups of interchangeable words (新採 ⇔ 新規採用者) from the manifest, and optionally the
/// general [`thesaurus`] (団交 ⇔ 団体交渉).
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
    thesaurus: bool,
}

impl Synonyms {
    /// The manifest's `groups` (folded as the index folds text), with Sudachi's thesaurus if
    /// `thesaurus`.
    pub fn new(groups: &[Vec<String>], thesaurus: bool) -> Self {
        Self {
            groups: groups
                .iter()
                .map(|g| g.iter().map(|w| fold_word(w)).collect())
                .collect(),
            thesaurus,
        }
    }

    /// The word itself first, then its synonyms: the manifest's before the thesaurus's.
    pub fn expand(&self, word: &str) -> Vec<String> {
        let mut out = vec![word.to_string()];
        for group in &self.groups {
            if group.iter().any(|w| w == word) {
                out.extend(group.iter().filter(|w| *w != word).cloned());
            }
        }
        if self.thesaurus {
            for w in thesaurus::synonyms(word) {
                if !out.iter().any(|o| o == w) {
                    out.push(w.to_string());
                }
            }
        }
        out
    }
}

const BUILTIN_STOPWORDS: &str = include_str!("stopwords.txt");

/// Words that are never terms and split compound nouns.
#[derive(Debug, Clone, Default)]
pub struct Stopwords(HashSet<String>);

impl Stopwords {
    /// The shipped list (`src/lexicon/stopwords.txt`).
    pub fn builtin() -> Self {
        Self::parse(BUILTIN_STOPWORDS)
    }

    /// A user's list in the same format: one word a line, `#` comments.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        std::fs::read_to_string(path)
            .map(|text| Self::parse(&text))
            .map_err(|e| format!("cannot read stopwords {}: {e}", path.display()))
    }

    fn parse(text: &str) -> Self {
        Self(
            text.lines()
                .map(|line| line.split('#').next().unwrap_or("").trim())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect(),
        )
    }

    /// Whether `w` is a stopword (exact match, as listed).
    pub fn contains(&self, w: &str) -> bool {
        self.0.contains(w)
    }
}

/// Words that count as one term: the manifest's synonym groups, then the thesaurus's.
#[derive(Debug, Clone, Default)]
pub struct Concepts(HashMap<String, String>);

impl Concepts {
    /// `groups` are the manifest's (they win over the thesaurus for their words); a
    /// thesaurus word of several groups is left alone rather than guessed.
    pub fn new(groups: &[Vec<String>], thesaurus: bool) -> Self {
        let mut map: HashMap<String, String> = HashMap::default();
        if thesaurus {
            let mut ambiguous: HashSet<&str> = HashSet::default();
            for mut group in thesaurus::groups() {
                let Some(key) = group.next() else { continue };
                for w in std::iter::once(key).chain(group) {
                    match map.get(w) {
                        Some(k) if k != key => {
                            ambiguous.insert(w);
                        }
                        _ => {
                            map.insert(w.to_string(), key.to_string());
                        }
                    }
                }
            }
            for w in ambiguous {
                map.remove(w);
            }
        }
        // A manifest group's key starts with NUL, which no text holds, so it never meets a
        // thesaurus group or a word.
        for group in groups {
            let Some(key) = group.first().map(|w| format!("\0{}", fold_word(w))) else {
                continue;
            };
            for w in group {
                map.insert(fold_word(w), key.clone());
            }
        }
        Self(map)
    }

    /// The key `term` is counted under: its group's, or itself.
    pub(crate) fn key<'a>(&'a self, term: &'a str) -> &'a str {
        let found = if term.chars().any(char::is_uppercase) {
            self.0.get(&crate::normalize::fold_case(term))
        } else {
            self.0.get(term)
        };
        found.map_or(term, String::as_str)
    }
}
