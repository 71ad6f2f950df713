//! The two tantivy tokenizers: morphemes (precision) and positional character bigrams (recall).
//!
//! tantivy's NgramTokenizer puts every gram at position 0, so phrase queries cannot work on
//! it; here gram i sits at position i, and a phrase of grams is exactly a substring.

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::analyze::Analyzer;

pub const MORPH: &str = "kumiai_morph";
pub const BIGRAM: &str = "kumiai_bigram";

/// Case folding shared by indexing and querying (the text is already NFKC). Kana and kanji
/// have no case, so the common case skips the Unicode tables.
fn fold(s: &str) -> String {
    let cased = |c: char| c.is_ascii_uppercase() || (!c.is_ascii() && c < '\u{3000}');
    if s.chars().any(cased) {
        s.to_lowercase()
    } else {
        s.to_string()
    }
}

/// Letters and digits: the characters bigrams are made of (kana and kanji checked first,
/// being most of the text).
fn is_word(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}') || c.is_alphanumeric()
}

/// Content morphemes of `text` with their byte ranges; symbols and punctuation dropped but
/// counted in positions, so a phrase never matches across them.
pub fn morph_tokens(analyzer: &Analyzer, text: &str) -> Vec<Token> {
    analyzer
        .spans(text)
        .into_iter()
        .enumerate()
        .filter(|(_, r)| !crate::analyze::is_symbol(&text[r.clone()]))
        .map(|(position, r)| Token {
            offset_from: r.start,
            offset_to: r.end,
            position,
            text: fold(&text[r]),
            position_length: 1,
        })
        .collect()
}

/// Bigram i covers chars i and i+1 of a run of word characters, at position i; the last char of
/// each run also stands alone, so every char starts some term (one-char queries match by prefix).
pub fn bigram_tokens(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut tokens = Vec::with_capacity(chars.len());
    for (position, &(start, c)) in chars.iter().enumerate() {
        if !is_word(c) {
            continue;
        }
        let end = start + c.len_utf8();
        let (offset_to, text) = match chars.get(position + 1) {
            Some(&(next_start, next)) if is_word(next) => (
                next_start + next.len_utf8(),
                fold(&text[start..next_start + next.len_utf8()]),
            ),
            _ => (end, fold(&text[start..end])),
        };
        tokens.push(Token {
            offset_from: start,
            offset_to,
            position,
            text,
            position_length: 1,
        });
    }
    tokens
}

/// Bigram terms a query word must match as a phrase: the word's own bigrams (or the single
/// char for a one-char word, matched by prefix).
pub fn query_bigrams(word: &str) -> Vec<String> {
    let tokens = bigram_tokens(word);
    // Drop the trailing lone char: it only marks a run end in indexed text.
    match tokens.len() {
        0 | 1 => tokens.into_iter().map(|t| t.text).collect(),
        n => tokens.into_iter().take(n - 1).map(|t| t.text).collect(),
    }
}

/// A token stream over tokens computed up front.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> Self {
        Self { tokens, next: 0 }
    }
}

#[derive(Clone)]
pub struct MorphTokenizer(pub Arc<Analyzer>);

impl Tokenizer for MorphTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(morph_tokens(&self.0, text))
    }
}

#[derive(Clone)]
pub struct BigramTokenizer;

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(bigram_tokens(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_have_real_positions() {
        let t = bigram_tokens("未加入者の組織");
        let texts: Vec<(&str, usize)> = t.iter().map(|t| (t.text.as_str(), t.position)).collect();
        assert_eq!(
            texts,
            [
                ("未加", 0),
                ("加入", 1),
                ("入者", 2),
                ("者の", 3),
                ("の組", 4),
                ("組織", 5),
                ("織", 6)
            ]
        );
        assert_eq!(query_bigrams("未加入"), ["未加", "加入"]);
        assert_eq!(query_bigrams("賃"), ["賃"]);
    }

    #[test]
    fn bigrams_break_at_punctuation_and_keep_offsets() {
        let text = "新採、ＳＮＳ";
        let t = bigram_tokens(text);
        assert_eq!(t[0].text, "新採");
        assert!(t.iter().all(|t| !t.text.contains('、')));
        for token in &t {
            assert!(text.is_char_boundary(token.offset_from));
            assert!(text.is_char_boundary(token.offset_to));
        }
    }
}
