//! Morphological analysis: lindera with the embedded IPADIC and the union-domain user dictionary.
//!
//! One [`Analyzer`] is built per process (the user dictionary is compiled at start-up, which
//! takes milliseconds) and shared by reference across threads: lindera's segmenter is `Sync`.
#![warn(missing_docs)]

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use lindera::dictionary::UserDictionary;
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera_dictionary::builder::DictionaryBuilder;

/// The union-domain dictionary shipped with kumiai, in MeCab's 13-column format with real
/// IPADIC context ids (the 3-column form mis-splits compounds greedily: 新採用者 → 新採|用|者).
pub const BUILTIN_USER_DICTIONARY: &str = include_str!("userdict.csv");

/// Bump when token output changes for the same dictionaries (e.g. which tokens are symbols).
const TOKENIZER_REVISION: &str = "2";

/// Changes whenever tokenization could change; indexes store it and rebuild on mismatch.
pub fn analyzer_version(extra_dictionaries: &[PathBuf]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(TOKENIZER_REVISION.as_bytes());
    hasher.update(kumiai_ipadic::DICTIONARY_VERSION.as_bytes());
    hasher.update(BUILTIN_USER_DICTIONARY.as_bytes());
    for path in extra_dictionaries {
        hasher.update(path.to_string_lossy().as_bytes());
        if let Ok(bytes) = std::fs::read(path) {
            hasher.update(&bytes);
        }
    }
    format!(
        "{}+{}",
        kumiai_ipadic::DICTIONARY_VERSION,
        &hasher.finalize().to_hex()[..12]
    )
}

/// A morpheme of analysed text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Token {
    /// Surface form as it appears in the analysed text.
    pub surface: String,
    /// Byte range in the analysed text.
    pub start: usize,
    /// End of that range, exclusive.
    pub end: usize,
    /// MeCab's nine IPADIC features: 品詞, 細分類1-3, 活用型, 活用形, 原形, 読み, 発音.
    pub features: Vec<String>,
}

impl Token {
    /// 品詞, the first feature: 名詞, 動詞, 助詞, 記号…; empty if the token has no features.
    pub fn pos(&self) -> &str {
        self.features.first().map_or("", String::as_str)
    }

    fn feature(&self, i: usize) -> &str {
        self.features.get(i).map_or("*", String::as_str)
    }

    /// 細分類1, the second feature: 固有名詞, 自立, 非自立, 接尾…; `*` when absent.
    pub fn pos_detail(&self) -> &str {
        self.feature(1)
    }

    /// Dictionary form (悩ん → 悩む); the surface for unknown words.
    pub fn base_form(&self) -> &str {
        match self.feature(6) {
            "*" | "" => &self.surface,
            base => base,
        }
    }

    /// Whether the surface is punctuation or another symbol ([`is_symbol`]).
    pub fn is_symbol(&self) -> bool {
        is_symbol(&self.surface)
    }
}

/// A morpheme with only the features term extraction reads, borrowed from the text and the
/// dictionary: copying all nine features of every token dominates the cost of
/// [`Analyzer::tokenize`] over a large corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Morpheme<'a> {
    /// Surface form as it appears in the analysed text.
    pub surface: Cow<'a, str>,
    /// 品詞 and 細分類1, as [`Token::pos`] and [`Token::pos_detail`].
    pub pos: Cow<'a, str>,
    /// 細分類1 (`*` when absent).
    pub pos_detail: Cow<'a, str>,
    base: Cow<'a, str>,
    /// Byte range in the analysed text.
    pub range: std::ops::Range<usize>,
}

impl Morpheme<'_> {
    /// As [`Token::base_form`].
    pub fn base_form(&self) -> &str {
        match self.base.as_ref() {
            "*" | "" => &self.surface,
            base => base,
        }
    }

    /// As [`Token::is_symbol`].
    pub fn is_symbol(&self) -> bool {
        is_symbol(&self.surface)
    }
}

/// Punctuation, brackets and other symbols carry no content for search. Decided by the
/// characters, not the POS: IPADIC tags unknown letters such as 𠮷 as 記号 too.
pub fn is_symbol(surface: &str) -> bool {
    !surface.chars().any(char::is_alphanumeric)
}

/// Why an analyzer could not be built: the embedded dictionary did not load, or a user
/// dictionary is unreadable or malformed (the message names the file and line).
#[derive(Debug)]
pub struct AnalyzeError(String);

impl fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AnalyzeError {}

/// Lindera's segmenter over the embedded IPADIC and the user dictionaries, with the version
/// that identifies them.
pub struct Analyzer {
    segmenter: Segmenter,
    version: String,
}

/// Analyzers built by [`Analyzer::new`] in this process: one per corpus session is the
/// contract (`KUMIAI_TRACE_LOADS`); each costs the dictionary load and the user dictionary.
static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many analyzers [`Analyzer::new`] built so far in this process.
pub fn builds() -> usize {
    BUILDS.load(std::sync::atomic::Ordering::Relaxed)
}

impl Analyzer {
    /// The embedded IPADIC plus the shipped user dictionary plus any `extra` user dictionaries
    /// (MeCab 13-column CSV, or lindera's 3-column `surface,品詞,読み`).
    pub fn new(extra: &[PathBuf]) -> Result<Self, AnalyzeError> {
        BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dictionary = kumiai_ipadic::load()
            .map_err(|e| AnalyzeError(format!("cannot load the embedded dictionary: {e}")))?;
        let mut csv = String::from(BUILTIN_USER_DICTIONARY);
        for path in extra {
            csv.push_str(&read_user_dictionary(path)?);
        }
        let user = build_user_dictionary(&dictionary.metadata, &csv)?;
        Ok(Self {
            segmenter: Segmenter::new(Mode::Normal, dictionary, Some(user)),
            version: analyzer_version(extra),
        })
    }

    /// The embedded IPADIC alone, without any user dictionary: how the dictionary itself
    /// splits a word the user dictionary keeps whole (未加入者 → 未|加入|者), for search's
    /// partial matches. Never used for indexing.
    pub fn system_only() -> Result<Self, AnalyzeError> {
        let dictionary = kumiai_ipadic::load()
            .map_err(|e| AnalyzeError(format!("cannot load the embedded dictionary: {e}")))?;
        Ok(Self {
            segmenter: Segmenter::new(Mode::Normal, dictionary, None),
            version: kumiai_ipadic::DICTIONARY_VERSION.to_string(),
        })
    }

    /// The [`analyzer_version`] of its dictionaries: indexes store it and rebuild on mismatch.
    pub fn version(&self) -> &str {
        &self.version
    }

    fn segment<'a>(&'a self, text: &'a str) -> Vec<lindera::token::Token<'a>> {
        if text.is_empty() {
            return Vec::new();
        }
        // lindera fails only on internal dictionary inconsistencies, which the embedded
        // dictionary cannot have; an empty result is the safe answer regardless.
        self.segmenter
            .segment(Cow::Borrowed(text))
            .unwrap_or_default()
    }

    /// Tokenizes `text` with all features; whitespace is skipped as MeCab does.
    pub fn tokenize(&self, text: &str) -> Vec<Token> {
        self.segment(text)
            .into_iter()
            .map(|mut t| Token {
                surface: t.surface.to_string(),
                start: t.byte_start,
                end: t.byte_end,
                features: t.details_iter().map(str::to_string).collect(),
            })
            .collect()
    }

    /// Whether the name `name` holds the morphemes of `word` as a run, both folded as the
    /// index folds text: 連合 names 連合神奈川 and 埼玉 names 自治労連埼玉県本部, but 自治労
    /// never names 自治労連埼玉県本部 (the dictionary keeps 自治労連 whole, and the two are
    /// rival organisations that a substring test conflated). For `org:` and `--org`.
    pub fn names(&self, name: &str, word: &str) -> bool {
        let surfaces = |text: &str| -> Vec<String> {
            let folded = crate::normalize::fold_word(text);
            self.morphemes(&folded)
                .iter()
                .filter(|m| !m.is_symbol())
                .map(|m| m.surface.to_string())
                .collect()
        };
        let wanted = surfaces(word);
        !wanted.is_empty() && surfaces(name).windows(wanted.len()).any(|w| w == wanted)
    }

    /// Tokenizes `text` like [`Analyzer::tokenize`], keeping only surface, POS and base form.
    pub fn morphemes<'a>(&'a self, text: &'a str) -> Vec<Morpheme<'a>> {
        self.segment(text)
            .into_iter()
            .map(|mut t| {
                t.get_detail(0);
                let mut details = t.details.take().unwrap_or_default().into_iter();
                let mut next = |skip: usize, missing: &'static str| {
                    details.nth(skip).unwrap_or(Cow::Borrowed(missing))
                };
                let pos = next(0, "");
                let pos_detail = next(0, "*");
                let base = next(4, "*");
                Morpheme {
                    range: t.byte_start..t.byte_end,
                    surface: t.surface,
                    pos,
                    pos_detail,
                    base,
                }
            })
            .collect()
    }

    /// Byte ranges of the morphemes of `text`: the indexing hot path, which needs no
    /// features (looking them up and copying them costs more than segmenting).
    pub fn spans(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        self.segment(text)
            .into_iter()
            .map(|t| t.byte_start..t.byte_end)
            .collect()
    }
}

fn read_user_dictionary(path: &Path) -> Result<String, AnalyzeError> {
    let mut text = std::fs::read_to_string(path).map_err(|e| {
        AnalyzeError(format!(
            "cannot read user dictionary {}: {e}",
            path.display()
        ))
    })?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    // Check each row here so the error names the file and line, not a merged row number.
    for (i, line) in text.lines().enumerate() {
        let fields = line.split(',').count();
        if !line.trim().is_empty() && fields != 3 && fields < 13 {
            return Err(AnalyzeError(format!(
                "{}:{}: a user dictionary row needs 3 fields (surface,品詞,読み) or 13 (MeCab format), found {fields}",
                path.display(),
                i + 1
            )));
        }
    }
    Ok(text)
}

fn build_user_dictionary(
    metadata: &lindera_dictionary::dictionary::metadata::Metadata,
    csv: &str,
) -> Result<UserDictionary, AnalyzeError> {
    DictionaryBuilder::new(metadata.clone())
        .build_user_dict_from_reader(csv.as_bytes())
        .map_err(|e| AnalyzeError(format!("invalid user dictionary: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_is_named_by_whole_words_only() {
        let a = Analyzer::new(&[]).expect("analyzer");
        assert!(a.names("自治労", "自治労"));
        assert!(a.names("連合神奈川", "連合"));
        assert!(a.names("自治労連埼玉県本部", "埼玉"));
        assert!(a.names("自治労連埼玉県本部", "自治労連"));
        assert!(
            a.names("ＪＣＭ金属労協", "金属労協"),
            "folded as the index folds"
        );
        // The rival organisations stay apart.
        assert!(!a.names("自治労連埼玉県本部", "自治労"));
        assert!(!a.names("自治労", "自治労連"));
        assert!(!a.names("自治労", ""));
    }
}
