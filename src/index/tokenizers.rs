//! Index tokens: morphemes with their base forms (precision) and positional character bigrams
//! (recall).
//!
//! tantivy's NgramTokenizer puts every gram at position 0, so phrase queries cannot work on
//! it; here gram i sits at position i, and a phrase of grams is exactly a substring.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::analyze::Analyzer;

/// Name the [`BigramTokenizer`] is registered under, for the bigram fields.
pub const BIGRAM: &str = "kumiai_bigram";
/// Name the [`MorphemeTokenizer`] is registered under, for the morpheme and base-form fields:
/// their tokens are made up front ([`joined`]), one analysis serving the surface and base-form
/// fields of a unit and of its record.
pub const MORPHEMES: &str = "kumiai_morphemes";

/// Separates the morphemes of a [`joined`] field value; never in text (control characters
/// are made visible at decode).
const SEPARATOR: char = '\u{1F}';

/// Letters and digits: the characters bigrams are made of (kana and kanji checked first,
/// being most of the text).
fn is_word(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}') || c.is_alphanumeric()
}

/// A content morpheme: where it is, its surface and its dictionary form, both folded.
#[derive(Debug, Clone, PartialEq)]
pub struct Morph {
    /// Index among all morphemes of the text, symbols included, so that a phrase never
    /// matches across punctuation.
    pub position: usize,
    /// Byte range in the analysed text.
    pub range: std::ops::Range<usize>,
    /// The surface form, case-folded.
    pub surface: String,
    /// 原形 (忙しく → 忙しい, 取り組ん → 取り組む); the surface when the dictionary has none.
    pub base: String,
    /// What it contributes to the meaning of a compound or phrase.
    pub role: Role,
    /// A verb, adjective or auxiliary: the surface may differ from the base form.
    pub inflects: bool,
    /// A noun (名詞).
    pub noun: bool,
    /// A proper noun (固有名詞: 自治労, 連合), whose parts are not what it means.
    pub proper: bool,
}

/// What a morpheme contributes to the meaning of a compound or phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A content word (名詞, 自立 verbs and adjectives…): meaningful on its own.
    Content,
    /// 接頭詞 (非 of 非正規): belongs to the morpheme after it.
    Prefix,
    /// 接尾 (者 of 労働者, 員 of 組合員): belongs to the morpheme before it.
    Suffix,
    /// Particles, auxiliaries and dependent words (の, を, ない, ている's いる).
    Function,
}

/// The content morphemes of `text` (symbols and punctuation dropped but counted in positions).
pub fn morphs(analyzer: &Analyzer, text: &str) -> Vec<Morph> {
    analyzer
        .morphemes(text)
        .into_iter()
        .enumerate()
        .filter(|(_, m)| !m.is_symbol())
        .map(|(position, m)| Morph {
            position,
            surface: crate::normalize::fold_case(&m.surface),
            base: crate::normalize::fold_case(m.base_form()),
            role: match (m.pos.as_ref(), m.pos_detail.as_ref()) {
                ("助詞" | "助動詞", _) | (_, "非自立") => Role::Function,
                ("接頭詞", _) => Role::Prefix,
                (_, "接尾") => Role::Suffix,
                _ => Role::Content,
            },
            inflects: matches!(m.pos.as_ref(), "動詞" | "形容詞" | "助動詞"),
            noun: m.pos == "名詞",
            proper: m.pos_detail == "固有名詞",
            range: m.range,
        })
        .collect()
}

/// The field value of `morphs` (surfaces, or base forms with `base`) for the
/// [`MorphemeTokenizer`]: morpheme i of the text (symbols included, left empty) is the i-th
/// [`SEPARATOR`]-separated piece, so positions survive. Tantivy keeps a `PreTokenizedString`
/// as JSON and parses it back to index it — 16 % of indexing time in the profile
/// (BENCHMARKS.md); a joined string is read in place.
pub fn joined(morphs: &[Morph], base: bool) -> String {
    let mut out = String::new();
    let mut position = 0;
    for m in morphs {
        while position < m.position {
            out.push(SEPARATOR);
            position += 1;
        }
        out.push_str(if base { &m.base } else { &m.surface });
    }
    out
}

/// Splits a [`joined`] value back into its morphemes, each at its position; empty pieces
/// (symbols) take a position and give no token.
pub struct MorphemeTokenStream<'a> {
    pieces: std::iter::Enumerate<std::str::Split<'a, char>>,
    offset: usize,
    token: Token,
}

impl TokenStream for MorphemeTokenStream<'_> {
    fn advance(&mut self) -> bool {
        for (position, piece) in self.pieces.by_ref() {
            let start = self.offset;
            self.offset += piece.len() + SEPARATOR.len_utf8();
            if piece.is_empty() {
                continue;
            }
            let token = &mut self.token;
            token.offset_from = start;
            token.offset_to = start + piece.len();
            token.position = position;
            token.text.clear();
            token.text.push_str(piece);
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

/// The tantivy tokenizer of the morpheme and base-form fields, registered as [`MORPHEMES`].
#[derive(Clone)]
pub struct MorphemeTokenizer;

impl Tokenizer for MorphemeTokenizer {
    type TokenStream<'a> = MorphemeTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> MorphemeTokenStream<'a> {
        MorphemeTokenStream {
            pieces: text.split(SEPARATOR).enumerate(),
            offset: 0,
            token: Token::default(),
        }
    }
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
    /// The grams of `text`, positions counted from its first char.
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
            crate::normalize::fold_case_into(&self.text[start..end], &mut token.text);
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

/// The tantivy tokenizer of the bigram fields, registered as [`BIGRAM`].
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

    #[test]
    fn joined_morphemes_come_back_at_their_positions() {
        let analyzer = Analyzer::new(&[]).expect("analyzer");
        // 「、」 is a symbol: it keeps its position and gives no token, so no phrase spans it.
        let morphs = morphs(&analyzer, "組合員が忙しく、ＡＢＣ");
        let mut tokenizer = MorphemeTokenizer;
        for base in [false, true] {
            let value = joined(&morphs, base);
            let mut stream = tokenizer.token_stream(&value);
            let mut got = Vec::new();
            while stream.advance() {
                let t = stream.token();
                assert_eq!(&value[t.offset_from..t.offset_to], t.text);
                got.push((t.position, t.text.clone()));
            }
            let want: Vec<(usize, String)> = morphs
                .iter()
                .map(|m| (m.position, if base { &m.base } else { &m.surface }.clone()))
                .collect();
            assert_eq!(got, want);
        }
        assert!(
            morphs.windows(2).any(|w| w[1].position > w[0].position + 1),
            "a gap"
        );
        assert!(morphs.iter().any(|m| m.base == "忙しい"));
    }

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
