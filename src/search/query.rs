//! Parser for the search box: words, `+`/`-`, phrases, `OR`/`AND`, groups and field filters.
//!
//! The query is NFKC-normalized so it compares equal to the indexed text (full-width letters,
//! digits and punctuation become ASCII), but errors point into the query as typed: every
//! normalized character remembers the index of the original character it came from.

use std::fmt;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// How a clause must occur in a match, as typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Occur {
    /// Unprefixed, as most words are typed: at least one such word must match; a filter applies.
    Should,
    /// `+word`, or a side of `AND`: must match.
    Must,
    /// `-word`: must not match.
    MustNot,
}

/// One clause of a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    /// Normalized text.
    Word(String),
    /// Normalized text inside quotes, runs of whitespace collapsed to one space.
    Phrase(String),
    /// `a OR b` or `a | b`: any of the alternatives.
    Or(Vec<Expr>),
    /// Parenthesised or AND-ed clauses.
    Group(Vec<(Occur, Expr)>),
    /// A field filter such as `org:自治労`.
    Filter(Filter),
}

/// A field restriction. A single year is `Year { from: Some(y), to: Some(y) }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Filter {
    /// `org:`: organisations whose name holds the value as whole words (連合 names 連合神奈川).
    Org(String),
    /// `year:2025`, `year:2023..2025`, `year:2024..`: documents whose span overlaps the range.
    Year {
        /// First year of the range; None for `..2024`.
        from: Option<u16>,
        /// Last year of the range; None for `2024..`.
        to: Option<u16>,
    },
    /// `kind:policy`, `kind:survey` or `kind:report` (lowercased).
    Kind(String),
    /// `branch:岩手`: 県本部 or 単組 containing the value, as written or canonical.
    Branch(String),
    /// `question:`: survey questions containing the value.
    Question(String),
    /// `doc:`: document ids containing the value.
    Doc(String),
}

/// Occurs are as typed: an unprefixed filter is Should like a word, and how strictly to apply
/// it is the search stage's call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedQuery {
    /// The top-level clauses, in the order typed.
    pub clauses: Vec<(Occur, Expr)>,
}

impl ParsedQuery {
    /// Every Word and Phrase text in the query that is not under MustNot (for highlighting), in order.
    pub fn positive_terms(&self) -> Vec<String> {
        let mut terms = Vec::new();
        collect_clauses(&self.clauses, &mut terms);
        terms
    }
}

fn collect_clauses(clauses: &[(Occur, Expr)], out: &mut Vec<String>) {
    for (occur, expr) in clauses {
        if *occur != Occur::MustNot {
            collect_expr(expr, out);
        }
    }
}

fn collect_expr(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::Word(text) | Expr::Phrase(text) => out.push(text.clone()),
        Expr::Or(alternatives) => alternatives.iter().for_each(|e| collect_expr(e, out)),
        Expr::Group(clauses) => collect_clauses(clauses, out),
        Expr::Filter(_) => {}
    }
}

/// `position` is a 0-based character index into the query as the user typed it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    /// 0-based character index into the query as typed.
    pub position: usize,
    /// What is wrong and how to fix it, e.g. `unknown field "foo" — known fields: …`.
    pub message: String,
}

impl QueryError {
    /// Two lines for the terminal: the query, then a caret under the offending character,
    /// accounting for display width (CJK and full-width chars take 2 columns), then the message.
    pub fn render(&self, query: &str) -> String {
        let mut line = String::new();
        let mut column = 0;
        for (i, c) in query.chars().enumerate() {
            // A tab or newline would break the alignment of the caret.
            let c = if c.is_control() { ' ' } else { c };
            if i < self.position {
                column += crate::normalize::char_width(c);
            }
            line.push(c);
        }
        format!("{line}\n{}^ {}", " ".repeat(column), self.message)
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "query position {}: {}", self.position, self.message)
    }
}

impl std::error::Error for QueryError {}

fn error(position: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        position,
        message: message.into(),
    }
}

/// Parse a query; the error says where and what to change.
pub fn parse(query: &str) -> Result<ParsedQuery, QueryError> {
    let (chars, end) = normalize(query);
    let tokens = tokenize(&chars)?;
    check_parens(&tokens)?;
    if !tokens.iter().any(|t| matches!(t.tok, Tok::Term(_))) {
        return Err(error(
            0,
            "empty query — type at least one word to search for, e.g. 人手不足",
        ));
    }
    let mut parser = Parser {
        tokens: tokens.into_iter().peekable(),
        end,
    };
    Ok(ParsedQuery {
        clauses: parser.seq()?,
    })
}

/// NFKC of `query` as (normalized char, original char index), and the original length.
///
/// Characters are normalized in clusters, so that what NFKC composes across characters
/// (half-width ｶﾞ → ガ, base + combining mark) is composed here too.
fn normalize(query: &str) -> (Vec<(char, usize)>, usize) {
    let mut clusters: Vec<(usize, String)> = Vec::new();
    let mut len = 0;
    for (i, c) in query.chars().enumerate() {
        len = i + 1;
        match clusters.last_mut() {
            Some((_, text)) if joins(text, c) => text.push(c),
            _ => clusters.push((i, c.to_string())),
        }
    }
    let chars = clusters
        .iter()
        .flat_map(|(i, text)| text.nfkc().map(move |c| (c, *i)))
        .collect();
    (chars, len)
}

/// Whether `c` must be normalized together with the cluster before it.
fn joins(cluster: &str, c: char) -> bool {
    // Non-starters always attach; checking them cheaply keeps long mark runs linear.
    if std::iter::once(c)
        .nfkd()
        .next()
        .is_some_and(|d| canonical_combining_class(d) != 0)
    {
        return true;
    }
    let together: String = cluster.chars().chain([c]).nfkc().collect();
    let apart: String = cluster.nfkc().chain(std::iter::once(c).nfkc()).collect();
    together != apart
}

enum Tok {
    Open,
    Close,
    Or,
    And,
    Prefix(Occur),
    Term(Expr),
}

struct Token {
    tok: Tok,
    /// Original character index.
    pos: usize,
}

fn is_quote(c: char) -> bool {
    // Smart quotes are accepted in either role: IMEs and pasted text do not keep them paired.
    matches!(c, '"' | '“' | '”')
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '|') || is_quote(c)
}

const FIELD_LIST: &str = "org, year, kind, branch, question, doc";

fn tokenize(chars: &[(char, usize)]) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut after_prefix = false;
    while let Some(&(c, pos)) = chars.get(i) {
        let tok = match c {
            _ if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                Tok::Open
            }
            ')' => {
                i += 1;
                Tok::Close
            }
            '|' => {
                i += 1;
                Tok::Or
            }
            '+' | '-' => {
                let next = chars.get(i + 1).map(|&(n, _)| n);
                if next.is_none_or(|n| n.is_whitespace() || matches!(n, ')' | '|' | '+' | '-')) {
                    let example = if c == '+' {
                        "+未加入者"
                    } else {
                        "-org:連合"
                    };
                    return Err(error(
                        pos,
                        format!("\"{c}\" must be attached to a term, e.g. {example}"),
                    ));
                }
                i += 1;
                Tok::Prefix(if c == '+' {
                    Occur::Must
                } else {
                    Occur::MustNot
                })
            }
            _ if is_quote(c) => {
                let (text, next) = read_quoted(chars, i)?;
                if text.is_empty() {
                    return Err(error(
                        pos,
                        "empty quotes — put words between them or remove them",
                    ));
                }
                i = next;
                Tok::Term(Expr::Phrase(text))
            }
            _ => {
                let start = i;
                while chars.get(i).is_some_and(|&(c, _)| !ends_word(c)) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().map(|&(c, _)| c).collect();
                match word.as_str() {
                    // After + or - the user means the word itself, not the operator.
                    "OR" if !after_prefix => Tok::Or,
                    "AND" if !after_prefix => Tok::And,
                    _ => match word.split_once(':') {
                        Some((name, value)) if !looks_like_url_or_time(name, value) => {
                            let value_start = start + name.chars().count() + 1;
                            let (filter, next) = read_filter(chars, name, value_start, i, pos)?;
                            i = next;
                            Tok::Term(Expr::Filter(filter))
                        }
                        _ => Tok::Term(Expr::Word(word)),
                    },
                }
            }
        };
        after_prefix = matches!(tok, Tok::Prefix(_));
        tokens.push(Token { tok, pos });
    }
    Ok(tokens)
}

/// Text between the quote at `open` and the next quote, whitespace collapsed, and the index after it.
fn read_quoted(chars: &[(char, usize)], open: usize) -> Result<(String, usize), QueryError> {
    let body = &chars[open + 1..];
    let Some(len) = body.iter().position(|&(c, _)| is_quote(c)) else {
        return Err(error(
            chars[open].1,
            "unclosed quote — add a closing \" or remove this one",
        ));
    };
    let text: String = body[..len].iter().map(|&(c, _)| c).collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok((text, open + 1 + len + 1))
}

fn looks_like_url_or_time(name: &str, value: &str) -> bool {
    value.starts_with("//") || (!name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()))
}

#[derive(Clone, Copy)]
enum Field {
    Org,
    Year,
    Kind,
    Branch,
    Question,
    Doc,
}

/// The filter whose value starts at `value_start` (a quoted value may follow the colon),
/// and the index after the value. `word_end` is where the unquoted word ended.
fn read_filter(
    chars: &[(char, usize)],
    name: &str,
    value_start: usize,
    word_end: usize,
    name_pos: usize,
) -> Result<(Filter, usize), QueryError> {
    let field = match name.to_ascii_lowercase().as_str() {
        "org" => Field::Org,
        "year" => Field::Year,
        "kind" => Field::Kind,
        "branch" => Field::Branch,
        "question" => Field::Question,
        "doc" => Field::Doc,
        _ if name.is_empty() => {
            return Err(error(
                name_pos,
                format!(
                    "\":\" must follow a field name — known fields: {FIELD_LIST}; to search for the text, put it in quotes"
                ),
            ));
        }
        _ => {
            return Err(error(
                name_pos,
                format!(
                    "unknown field \"{name}\" — known fields: {FIELD_LIST}; to search for the text, put it in quotes"
                ),
            ));
        }
    };
    let (value, value_pos, next) = match chars.get(value_start) {
        Some(&(c, pos)) if value_start == word_end && is_quote(c) => {
            let (text, next) = read_quoted(chars, value_start)?;
            (text, pos, next)
        }
        _ => {
            let text: String = chars[value_start..word_end]
                .iter()
                .map(|&(c, _)| c)
                .collect();
            let pos = chars.get(value_start).map_or(name_pos, |&(_, p)| p);
            (text, pos, word_end)
        }
    };
    if value.is_empty() {
        return Err(error(
            name_pos,
            format!(
                "empty value for {name}: — write it right after the colon, e.g. {name}:連合 or {name}:\"連合 神奈川\""
            ),
        ));
    }
    let filter = match field {
        Field::Org => Filter::Org(value),
        Field::Year => parse_years(&value, value_pos)?,
        Field::Kind => {
            let kind = value.to_ascii_lowercase();
            if !matches!(kind.as_str(), "policy" | "survey" | "report") {
                return Err(error(
                    value_pos,
                    format!(
                        "unknown kind \"{value}\" — use kind:policy, kind:survey or kind:report"
                    ),
                ));
            }
            Filter::Kind(kind)
        }
        Field::Branch => Filter::Branch(value),
        Field::Question => Filter::Question(value),
        Field::Doc => Filter::Doc(value),
    };
    Ok((filter, next))
}

/// `2025`, `2023..2025`, `2023-2025`, `2023~2025` (from ～), `..2024` or `2024..`.
fn parse_years(value: &str, pos: usize) -> Result<Filter, QueryError> {
    let bad = || {
        error(
            pos,
            format!(
                "bad year \"{value}\" — use a 4-digit year from 1900 to 2100, e.g. year:2025, year:2023..2025 or year:2024.."
            ),
        )
    };
    let year = |s: &str| {
        s.parse::<u16>().ok().filter(|y| {
            s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) && (1900..=2100).contains(y)
        })
    };
    let range = value
        .split_once("..")
        .or_else(|| value.split_once('-'))
        .or_else(|| value.split_once('~'));
    let (from, to) = match range {
        Some(("", "")) => return Err(bad()),
        Some((a, b)) => {
            let bound = |s: &str| {
                if s.is_empty() {
                    Ok(None)
                } else {
                    year(s).map(Some).ok_or_else(bad)
                }
            };
            (bound(a)?, bound(b)?)
        }
        None => {
            let y = year(value).ok_or_else(bad)?;
            (Some(y), Some(y))
        }
    };
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(error(
            pos,
            format!(
                "year range {f}..{t} runs backwards — put the earlier year first, e.g. year:{t}..{f}"
            ),
        ));
    }
    Ok(Filter::Year { from, to })
}

/// Deeper nesting than anyone types; the limit keeps the recursive parser off the stack's end.
const MAX_DEPTH: usize = 64;

/// Paren errors are found before parsing so they are reported as such, not as a missing operand.
fn check_parens(tokens: &[Token]) -> Result<(), QueryError> {
    let mut open = Vec::new();
    for t in tokens {
        match t.tok {
            Tok::Open => {
                open.push(t.pos);
                if open.len() > MAX_DEPTH {
                    return Err(error(
                        t.pos,
                        format!("parentheses nested more than {MAX_DEPTH} deep — remove some"),
                    ));
                }
            }
            Tok::Close if open.pop().is_none() => {
                return Err(error(
                    t.pos,
                    "unmatched \")\" — remove it or add a \"(\" before it",
                ));
            }
            _ => {}
        }
    }
    match open.first() {
        Some(&pos) => Err(error(pos, "unclosed \"(\" — add a matching \")\"")),
        None => Ok(()),
    }
}

/// One operand with the `+`/`-` written before it.
struct Unary {
    occur: Occur,
    expr: Expr,
    prefix_pos: Option<usize>,
}

/// Recursive descent; AND binds tighter than OR, and a sequence of clauses is the loosest.
/// Parentheses are known to balance, so a `)` always ends the current sequence.
struct Parser {
    tokens: std::iter::Peekable<std::vec::IntoIter<Token>>,
    end: usize,
}

impl Parser {
    fn seq(&mut self) -> Result<Vec<(Occur, Expr)>, QueryError> {
        let mut clauses = Vec::new();
        loop {
            match self.tokens.peek() {
                None
                | Some(Token {
                    tok: Tok::Close, ..
                }) => return Ok(clauses),
                Some(Token { tok: Tok::Or, pos }) => return Err(missing_operand("OR", *pos)),
                Some(Token { tok: Tok::And, pos }) => return Err(missing_operand("AND", *pos)),
                Some(_) => self.or_expr(&mut clauses)?,
            }
        }
    }

    /// Appends to `out`: an OR as one Should clause, a lone AND chain as its own clauses.
    fn or_expr(&mut self, out: &mut Vec<(Occur, Expr)>) -> Result<(), QueryError> {
        let first = self.and_expr()?;
        if !matches!(self.tokens.peek(), Some(Token { tok: Tok::Or, .. })) {
            out.extend(first.into_iter().map(|u| (u.occur, u.expr)));
            return Ok(());
        }
        let mut alternatives = Vec::new();
        push_alternative(&mut alternatives, first)?;
        while let Some(pos) = self.eat(|t| matches!(t, Tok::Or)) {
            if !self.at_operand() {
                return Err(missing_operand("OR", pos));
            }
            let next = self.and_expr()?;
            push_alternative(&mut alternatives, next)?;
        }
        out.push((Occur::Should, Expr::Or(alternatives)));
        Ok(())
    }

    fn and_expr(&mut self) -> Result<Vec<Unary>, QueryError> {
        let mut chain = vec![self.unary()?];
        while let Some(pos) = self.eat(|t| matches!(t, Tok::And)) {
            if !self.at_operand() {
                return Err(missing_operand("AND", pos));
            }
            chain.push(self.unary()?);
        }
        if chain.len() > 1 {
            for u in &mut chain {
                if u.occur == Occur::Should {
                    u.occur = Occur::Must;
                }
            }
        }
        Ok(chain)
    }

    fn unary(&mut self) -> Result<Unary, QueryError> {
        let (occur, prefix_pos) = match self.tokens.next_if(|t| matches!(t.tok, Tok::Prefix(_))) {
            Some(Token {
                tok: Tok::Prefix(occur),
                pos,
            }) => (occur, Some(pos)),
            _ => (Occur::Should, None),
        };
        let expr = self.primary()?;
        Ok(Unary {
            occur,
            expr,
            prefix_pos,
        })
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        match self.tokens.next() {
            Some(Token {
                tok: Tok::Term(expr),
                ..
            }) => Ok(expr),
            Some(Token {
                tok: Tok::Open,
                pos,
            }) => {
                let clauses = self.seq()?;
                self.tokens.next(); // the ")" that check_parens guarantees
                if clauses.is_empty() {
                    return Err(error(
                        pos,
                        "empty parentheses — put search terms inside or remove them",
                    ));
                }
                // `(a OR b)` means the same as `a OR b`; unwrapping keeps `+(a OR b)` simple.
                match <[(Occur, Expr); 1]>::try_from(clauses) {
                    Ok([(Occur::Should, expr)]) => Ok(expr),
                    Ok(single) => Ok(Expr::Group(Vec::from(single))),
                    Err(clauses) => Ok(Expr::Group(clauses)),
                }
            }
            other => Err(error(
                other.map_or(self.end, |t| t.pos),
                "expected a search term here",
            )),
        }
    }

    fn at_operand(&mut self) -> bool {
        matches!(
            self.tokens.peek(),
            Some(Token {
                tok: Tok::Prefix(_) | Tok::Term(_) | Tok::Open,
                ..
            })
        )
    }

    fn eat(&mut self, want: impl Fn(&Tok) -> bool) -> Option<usize> {
        self.tokens.next_if(|t| want(&t.tok)).map(|t| t.pos)
    }
}

fn missing_operand(op: &str, pos: usize) -> QueryError {
    error(
        pos,
        format!("{op} needs a search term on both sides, e.g. 新採 {op} 新規採用者"),
    )
}

/// An OR alternative is one operand or an AND group; a `+`/`-` on one side is ambiguous.
fn push_alternative(alternatives: &mut Vec<Expr>, chain: Vec<Unary>) -> Result<(), QueryError> {
    let [u] = match <[Unary; 1]>::try_from(chain) {
        Ok(single) => single,
        Err(chain) => {
            let clauses = chain.into_iter().map(|u| (u.occur, u.expr)).collect();
            alternatives.push(Expr::Group(clauses));
            return Ok(());
        }
    };
    if let Some(pos) = u.prefix_pos {
        return Err(error(
            pos,
            "+ and - cannot apply to one side of OR — group the alternatives, e.g. +(新採 OR 新規採用者)",
        ));
    }
    match u.expr {
        Expr::Or(inner) => alternatives.extend(inner),
        expr => alternatives.push(expr),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clauses(q: &str) -> Vec<(Occur, Expr)> {
        match parse(q) {
            Ok(parsed) => parsed.clauses,
            Err(e) => panic!("{q:?} failed: {e}"),
        }
    }

    fn fails(q: &str) -> QueryError {
        match parse(q) {
            Ok(parsed) => panic!("{q:?} parsed as {parsed:?}"),
            Err(e) => e,
        }
    }

    fn word(s: &str) -> Expr {
        Expr::Word(s.into())
    }

    fn phrase(s: &str) -> Expr {
        Expr::Phrase(s.into())
    }

    fn should(e: Expr) -> (Occur, Expr) {
        (Occur::Should, e)
    }

    fn must(e: Expr) -> (Occur, Expr) {
        (Occur::Must, e)
    }

    fn must_not(e: Expr) -> (Occur, Expr) {
        (Occur::MustNot, e)
    }

    fn years(from: Option<u16>, to: Option<u16>) -> Expr {
        Expr::Filter(Filter::Year { from, to })
    }

    #[test]
    fn words_are_should_clauses_split_on_ascii_and_ideographic_space() {
        let expected = vec![should(word("人手不足")), should(word("人員確保"))];
        assert_eq!(clauses("人手不足 人員確保"), expected);
        assert_eq!(clauses("人手不足\u{3000}人員確保"), expected);
        assert_eq!(clauses("  人手不足 \t 人員確保  "), expected);
    }

    #[test]
    fn jichiro_and_jichiroren_stay_distinct_words() {
        assert_eq!(
            clauses("自治労 自治労連"),
            vec![should(word("自治労")), should(word("自治労連"))]
        );
    }

    #[test]
    fn plus_and_minus_set_occur() {
        assert_eq!(
            clauses("+未加入者 -パート 組織化"),
            vec![
                must(word("未加入者")),
                must_not(word("パート")),
                should(word("組織化"))
            ]
        );
        assert_eq!(
            clauses("+\"人員 確保\" -org:連合"),
            vec![
                must(phrase("人員 確保")),
                must_not(Expr::Filter(Filter::Org("連合".into())))
            ]
        );
    }

    #[test]
    fn plus_and_minus_inside_a_word_are_text() {
        assert_eq!(
            clauses("C++ 春闘-2025"),
            vec![should(word("C++")), should(word("春闘-2025"))]
        );
    }

    #[test]
    fn phrases_in_ascii_smart_and_full_width_quotes() {
        for q in [
            "\"新規 採用者\"",
            "“新規 採用者”",
            "＂新規 採用者＂",
            "\"  新規\u{3000}\u{3000}採用者 \"",
        ] {
            assert_eq!(clauses(q), vec![should(phrase("新規 採用者"))], "{q}");
        }
        assert_eq!(
            clauses("賃上げ\"定期昇給\"要求"),
            vec![
                should(word("賃上げ")),
                should(phrase("定期昇給")),
                should(word("要求"))
            ]
        );
    }

    #[test]
    fn or_and_pipe_make_one_flat_or_clause() {
        let expected = vec![should(Expr::Or(vec![word("新採"), word("新規採用者")]))];
        assert_eq!(clauses("新採 OR 新規採用者"), expected);
        assert_eq!(clauses("新採 | 新規採用者"), expected);
        assert_eq!(clauses("新採|新規採用者"), expected);
        assert_eq!(clauses("新採 ＯＲ 新規採用者"), expected);
        assert_eq!(
            clauses("a OR (b OR c) | \"d e\" f"),
            vec![
                should(Expr::Or(vec![
                    word("a"),
                    word("b"),
                    word("c"),
                    phrase("d e")
                ])),
                should(word("f"))
            ]
        );
    }

    #[test]
    fn lowercase_or_and_prefixed_operators_are_words() {
        assert_eq!(
            clauses("a or b +OR"),
            vec![
                should(word("a")),
                should(word("or")),
                should(word("b")),
                must(word("OR"))
            ]
        );
    }

    #[test]
    fn and_makes_both_sides_required_in_their_group() {
        assert_eq!(
            clauses("人手不足 AND 人員確保 賃金"),
            vec![
                must(word("人手不足")),
                must(word("人員確保")),
                should(word("賃金"))
            ]
        );
        assert_eq!(
            clauses("a AND -b AND +c"),
            vec![must(word("a")), must_not(word("b")), must(word("c"))]
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            clauses("x OR a AND b"),
            vec![should(Expr::Or(vec![
                word("x"),
                Expr::Group(vec![must(word("a")), must(word("b"))])
            ]))]
        );
    }

    #[test]
    fn parentheses_group_and_take_prefixes() {
        assert_eq!(
            clauses("+(新採 OR 新規採用者) -(パート 派遣) (賃金)"),
            vec![
                must(Expr::Or(vec![word("新採"), word("新規採用者")])),
                must_not(Expr::Group(vec![
                    should(word("パート")),
                    should(word("派遣"))
                ])),
                should(word("賃金"))
            ]
        );
        assert_eq!(
            clauses("（a +b）"),
            vec![should(Expr::Group(vec![
                should(word("a")),
                must(word("b"))
            ]))]
        );
        assert_eq!(
            clauses("((+a))"),
            vec![should(Expr::Group(vec![must(word("a"))]))]
        );
        assert_eq!(
            clauses("(a AND b) OR c"),
            vec![should(Expr::Or(vec![
                Expr::Group(vec![must(word("a")), must(word("b"))]),
                word("c")
            ]))]
        );
    }

    #[test]
    fn every_field_filter() {
        assert_eq!(
            clauses(
                "org:金属労協 kind:survey branch:岩手 question:新規採用者組織化で悩んでいること doc:jcm-2025"
            ),
            vec![
                should(Expr::Filter(Filter::Org("金属労協".into()))),
                should(Expr::Filter(Filter::Kind("survey".into()))),
                should(Expr::Filter(Filter::Branch("岩手".into()))),
                should(Expr::Filter(Filter::Question(
                    "新規採用者組織化で悩んでいること".into()
                ))),
                should(Expr::Filter(Filter::Doc("jcm-2025".into()))),
            ]
        );
    }

    #[test]
    fn field_names_and_kinds_ignore_case_and_width() {
        assert_eq!(
            clauses("KIND:Policy ｋｉｎｄ：ｒｅｐｏｒｔ"),
            vec![
                should(Expr::Filter(Filter::Kind("policy".into()))),
                should(Expr::Filter(Filter::Kind("report".into())))
            ]
        );
    }

    #[test]
    fn quoted_field_values_and_full_width_colon() {
        assert_eq!(
            clauses("org:\"連合 神奈川\" org：“連合  大阪” (org:自治労)"),
            vec![
                should(Expr::Filter(Filter::Org("連合 神奈川".into()))),
                should(Expr::Filter(Filter::Org("連合 大阪".into()))),
                should(Expr::Filter(Filter::Org("自治労".into())))
            ]
        );
    }

    #[test]
    fn year_forms() {
        let cases = [
            ("year:2025", Some(2025), Some(2025)),
            ("year:2023..2025", Some(2023), Some(2025)),
            ("year:2023-2025", Some(2023), Some(2025)),
            ("year:2023～2025", Some(2023), Some(2025)),
            ("year:..2024", None, Some(2024)),
            ("year:2024..", Some(2024), None),
            ("year:1900..2100", Some(1900), Some(2100)),
            ("ｙｅａｒ：２０２３..２０２５", Some(2023), Some(2025)),
            ("year:２０２５", Some(2025), Some(2025)),
        ];
        for (q, from, to) in cases {
            assert_eq!(clauses(q), vec![should(years(from, to))], "{q}");
        }
    }

    #[test]
    fn urls_and_times_are_plain_words() {
        assert_eq!(
            clauses("http://example.jp/a 10:30 3:1 ｈｔｔｐｓ：//x"),
            vec![
                should(word("http://example.jp/a")),
                should(word("10:30")),
                should(word("3:1")),
                should(word("https://x"))
            ]
        );
    }

    #[test]
    fn full_width_input_is_normalized() {
        assert_eq!(clauses("＋未加入者"), vec![must(word("未加入者"))]);
        assert_eq!(clauses("－ＡＢＣ１２３"), vec![must_not(word("ABC123"))]);
        // Half-width kana with a separate voiced mark composes, as in the index.
        assert_eq!(clauses("ｶﾞｲﾄﾞﾗｲﾝ"), vec![should(word("ガイドライン"))]);
    }

    #[test]
    fn positive_terms_skip_excluded_parts_and_filters() {
        let parsed = match parse("+a \"b c\" -d (e -f) OR g -(h i) org:連合 j AND k") {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(parsed.positive_terms(), ["a", "b c", "e", "g", "j", "k"]);
    }

    #[track_caller]
    fn assert_error(q: &str, position: usize, message_start: &str) {
        let e = fails(q);
        assert_eq!(e.position, position, "{q}: {e}");
        assert!(
            e.message.starts_with(message_start),
            "{q}: {:?} does not start with {message_start:?}",
            e.message
        );
    }

    #[test]
    fn empty_queries() {
        for q in ["", "   ", "\u{3000}", "OR", "AND | OR", "()", "( ( ) )"] {
            assert_error(q, 0, "empty query");
        }
    }

    #[test]
    fn unbalanced_quotes_point_at_the_opening_quote() {
        assert_error("a \"b c", 2, "unclosed quote");
        assert_error("人手 “不足", 3, "unclosed quote");
        assert_error("\"a\" \"b", 4, "unclosed quote");
        assert_error("org:\"連合", 4, "unclosed quote");
    }

    #[test]
    fn empty_quotes() {
        assert_error("a \"\"", 2, "empty quotes");
        assert_error("“ ”", 0, "empty quotes");
    }

    #[test]
    fn unbalanced_parentheses_point_at_the_unmatched_one() {
        assert_error("(a b", 0, "unclosed \"(\"");
        assert_error("((a)", 0, "unclosed \"(\"");
        assert_error("a b)", 3, "unmatched \")\"");
        assert_error("人手不足 （人員確保", 5, "unclosed \"(\"");
        assert_error("(a OR", 0, "unclosed \"(\"");
        assert_error("a () b", 2, "empty parentheses");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let ok = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(clauses(&ok), vec![should(word("a"))]);
        let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_error(&deep, MAX_DEPTH, "parentheses nested");
    }

    #[test]
    fn unknown_fields_point_at_the_name() {
        let e = fails("orgg:連合");
        assert_eq!(
            e,
            QueryError {
                position: 0,
                message: "unknown field \"orgg\" — known fields: org, year, kind, branch, question, doc; to search for the text, put it in quotes".into()
            }
        );
        assert_error("人手 foo:bar", 3, "unknown field \"foo\"");
        assert_error("問１：悩み", 0, "unknown field \"問1\"");
        assert_error("a :b", 2, "\":\" must follow a field name");
    }

    #[test]
    fn empty_field_values() {
        assert_error("org:", 0, "empty value for org:");
        assert_error("a branch: 岩手", 2, "empty value for branch:");
        assert_error("org:\"\"", 0, "empty value for org:");
        assert_error("(doc:)", 1, "empty value for doc:");
    }

    #[test]
    fn bad_years_point_at_the_value() {
        assert_error("year:20x5", 5, "bad year \"20x5\"");
        assert_error("a year:1899", 7, "bad year");
        assert_error("year:2101", 5, "bad year");
        assert_error("year:25", 5, "bad year");
        assert_error("year:..", 5, "bad year");
        assert_error("year:2023..2024..2025", 5, "bad year");
        assert_error("year:2025..2023", 5, "year range 2025..2023 runs backwards");
        assert_error("ｙｅａｒ：２０２５..２０２３", 5, "year range");
    }

    #[test]
    fn bad_kind_points_at_the_value() {
        assert_error("kind:memo", 5, "unknown kind \"memo\"");
    }

    #[test]
    fn or_and_with_a_missing_operand() {
        assert_error("新採 OR", 3, "OR needs a search term on both sides");
        assert_error("OR 新採", 0, "OR needs");
        assert_error("a OR OR b", 2, "OR needs");
        assert_error("a |", 2, "OR needs");
        assert_error("(a OR) b", 3, "OR needs");
        assert_error("a AND", 2, "AND needs");
        assert_error("AND a", 0, "AND needs");
        assert_error("a AND OR b", 2, "AND needs");
    }

    #[test]
    fn lone_plus_or_minus() {
        assert_error("+", 0, "\"+\" must be attached to a term");
        assert_error("+ 未加入者", 0, "\"+\" must be attached");
        assert_error("a -", 2, "\"-\" must be attached");
        assert_error("a - b", 2, "\"-\" must be attached");
        assert_error("(a -)", 3, "\"-\" must be attached");
        assert_error("--a", 0, "\"-\" must be attached");
        assert_error("＋ 未加入者", 0, "\"+\" must be attached");
    }

    #[test]
    fn prefix_on_one_side_of_or_is_an_error() {
        assert_error("a OR -b", 5, "+ and - cannot apply to one side of OR");
        assert_error("+a OR b", 0, "+ and - cannot apply");
    }

    #[test]
    fn positions_count_original_characters_through_normalization() {
        // ㍻ becomes two characters, ｶﾞ one; positions still index the typed query.
        assert_error("㍻ orgg:x", 2, "unknown field");
        assert_error("ｶﾞ orgg:x", 3, "unknown field");
        assert_error("ｶﾞ \"x", 3, "unclosed quote");
    }

    #[test]
    fn display_and_render() {
        let e = fails("人手不足 orgg:x");
        assert_eq!(e.to_string(), format!("query position 5: {}", e.message));
        assert_eq!(
            e.render("人手不足 orgg:x"),
            format!("人手不足 orgg:x\n         ^ {}", e.message)
        );
        let e = fails("a\t\"b");
        assert_eq!(e.render("a\t\"b"), format!("a \"b\n  ^ {}", e.message));
        let e = fails("ｙｅａｒ：２０２５..２０２３");
        assert!(
            e.render("ｙｅａｒ：２０２５..２０２３")
                .contains(&format!("\n{}^", " ".repeat(10)))
        );
        let e = fails("a OR");
        assert_eq!(e.render("a OR"), format!("a OR\n  ^ {}", e.message));
        let e = fails("a -");
        assert_eq!(e.render("a -"), format!("a -\n  ^ {}", e.message));
    }

    #[test]
    fn random_queries_never_panic() {
        const PIECES: &[&str] = &[
            "a",
            "人手",
            "不足",
            " ",
            "\u{3000}",
            "\"",
            "“",
            "”",
            "＂",
            "(",
            ")",
            "（",
            "）",
            "+",
            "-",
            "＋",
            "|",
            "OR",
            "AND",
            ":",
            "：",
            "org:",
            "year:",
            "kind:",
            "2024",
            "..",
            "～",
            "ｶ",
            "ﾞ",
            "\u{0301}",
            "㍻",
            "\t",
            "http://",
            "10:30",
            "ｙｅａｒ",
            "２０２３",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 12) as usize;
            let q: String = (0..len)
                .map(|_| match next() % 8 {
                    // Now and then any code point, to reach what the pieces do not.
                    0 => char::from_u32((next() % 0x3_0000) as u32)
                        .map_or_else(String::new, String::from),
                    _ => PIECES[(next() % PIECES.len() as u64) as usize].to_string(),
                })
                .collect();
            match parse(&q) {
                Ok(parsed) => {
                    assert!(!parsed.clauses.is_empty(), "{q:?}");
                    parsed.positive_terms();
                }
                Err(e) => {
                    assert!(e.position <= q.chars().count(), "{q:?}: {e}");
                    assert_eq!(e.render(&q).lines().count(), 2, "{q:?}");
                }
            }
        }
    }
}
