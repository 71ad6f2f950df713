//! The two tantivy tokenizers: morphemes (precision) and positional character bigrams (recall).
//!
//! tantivy's NgramTokenizer puts every gram at position 0, so phrase queries cannot work on
//! it; here gram i sits at position i, and a phrase of grams is exactly a substring.

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::analyze::Analyzer;

pub const MORPH: &str = "kumiai_morph";
pub const BIGRAM: &str = "kumiai_bigram";

/// Case folding shared by indexing and querying (the text is already NFKC), appended to
/// `out`. Kana and kanji have no case, so the common case skips the Unicode tables.
fn fold_into(s: &str, out: &mut String) {
    let cased =
        |c: char| c.is_ascii_uppercase() || !(c.is_ascii() || matches!(c, '\u{3000}'..='\u{9FFF}'));
    if s.chars().any(cased) {
        out.extend(s.chars().flat_map(char::to_lowercase));
    } else {
        out.push_str(s);
    }
}

fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
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
/// Streamed into one reused token: indexing makes a gram per character.
pub struct BigramTokenStream<'a> {
    text: &'a str,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    next_position: usize,
    token: Token,
}

impl<'a> BigramTokenStream<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            chars: text.char_indices().peekable(),
            next_position: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for BigramTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some((start, c)) = self.chars.next() {
            let position = self.next_position;
            self.next_position += 1;
            if !is_word(c) {
                continue;
            }
            let end = match self.chars.peek() {
                Some(&(next, n)) if is_word(n) => next + n.len_utf8(),
                _ => start + c.len_utf8(),
            };
            let token = &mut self.token;
            token.offset_from = start;
            token.offset_to = end;
            token.position = position;
            token.text.clear();
            fold_into(&self.text[start..end], &mut token.text);
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The grams a query word must match as a phrase: its bigrams, without the lone last char
/// (which only marks a run end in indexed text) unless the word is a single char, matched
/// by prefix.
pub fn query_bigrams(word: &str) -> Vec<Token> {
    let mut stream = BigramTokenStream::new(word);
    let mut tokens = Vec::new();
    while stream.advance() {
        tokens.push(stream.token().clone());
    }
    if tokens.len() > 1 {
        tokens.pop();
    }
    tokens
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
    type TokenStream<'a> = BigramTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramTokenStream<'a> {
        BigramTokenStream::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bigram_tokens(text: &str) -> Vec<Token> {
        let mut stream = BigramTokenStream::new(text);
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push(stream.token().clone());
        }
        tokens
    }

    fn texts(tokens: Vec<Token>) -> Vec<String> {
        tokens.into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn bigrams_have_real_positions() {
        let t = bigram_tokens("未加入者の組織");
        let grams: Vec<(&str, usize)> = t.iter().map(|t| (t.text.as_str(), t.position)).collect();
        assert_eq!(
            grams,
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
        assert_eq!(texts(query_bigrams("未加入")), ["未加", "加入"]);
        assert_eq!(texts(query_bigrams("賃")), ["賃"]);
        assert_eq!(texts(bigram_tokens("ＡbＣ")), ["ａb", "bｃ", "ｃ"]);
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
