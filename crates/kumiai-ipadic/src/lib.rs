//! IPADIC 2.7.0-20070801 embedded in the binary, built offline by this crate's build script.

lindera_dictionary::embedded_dictionary!("/ipadic", EmbeddedIpadicLoader);

/// Identifies the embedded dictionary; stored in indexes so a change forces a rebuild.
pub const DICTIONARY_VERSION: &str = "mecab-ipadic-2.7.0-20070801";
