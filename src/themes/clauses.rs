//! Clauses: the pieces of an answer that each make one point, the units themes are found over.
//!
//! Answers often make two points (「競合組合に新採を取られる。役員も忙しい」); discovered over
//! whole answers, such an answer pulls two concerns into one theme. Split into clauses, each
//! point can fall into its own theme and the answer belongs to both. A clause ends at 。！？,
//! at a line break (the normalized text has the PDF's wrapped lines joined, so a remaining
//! break is the writer's own), before a line-initial bullet (・), and a long sentence is cut
//! after a conjunctive 、 (が、 ため、 ので、 …) when both sides say something.

use std::sync::Arc;

use crate::themes::model::ThemeUnit;

/// Conjunctive endings after which a long sentence is cut (the 、 is kept with the left side).
const CONJUNCTIONS: &[&str] = &[
    "が、",
    "ため、",
    "ので、",
    "から、",
    "けれど、",
    "けど、",
    "ものの、",
    "ながら、",
    "一方、",
];

/// A sentence is cut at a conjunction only if it is longer than this (characters) …
const LONG_SENTENCE: usize = 40;
/// … and only where each side keeps at least this many characters.
const MIN_SIDE: usize = 10;

/// The clauses of every unit as units of their own (same document, sequence number, branch
/// and question; text = the clause of the normalized text), and per clause its unit's index.
pub fn split(units: &[ThemeUnit]) -> (Vec<ThemeUnit>, Vec<usize>) {
    let mut clauses = Vec::with_capacity(units.len() * 2);
    let mut parent = Vec::with_capacity(units.len() * 2);
    for (i, u) in units.iter().enumerate() {
        let pieces = clauses_of(&u.norm);
        // A unit with no clause of its own (a few characters) still counts, as itself.
        if pieces.is_empty() {
            clauses.push(u.clone());
            parent.push(i);
            continue;
        }
        for piece in pieces {
            let text: Arc<str> = piece.into();
            clauses.push(ThemeUnit {
                doc: u.doc.clone(),
                seq: u.seq,
                branch: u.branch.clone(),
                question: u.question.clone(),
                text: text.clone(),
                norm: text,
            });
            parent.push(i);
        }
    }
    (clauses, parent)
}

/// The clauses of one text, trimmed, bullets and brackets of a list dropped, blanks skipped.
pub fn clauses_of(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for sentence in text.split_inclusive(['。', '！', '？', '!', '?', '\n']) {
        for line in split_bullets(sentence) {
            cut_long(line, &mut out);
        }
    }
    out
}

/// Splits before every bullet that starts a line or follows spaces (・県内の…・県内の…).
fn split_bullets(s: &str) -> impl Iterator<Item = &str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut prev_blank = true;
    for (i, c) in s.char_indices() {
        if matches!(c, '・' | '･' | '●' | '○' | '■' | '◆') && prev_blank && i > start {
            pieces.push(&s[start..i]);
            start = i;
        }
        prev_blank = c.is_whitespace();
    }
    pieces.push(&s[start..]);
    pieces.into_iter()
}

fn tidy(s: &str) -> &str {
    s.trim()
        .trim_start_matches(['・', '･', '●', '○', '■', '◆', '※'])
        .trim()
}

/// Pushes `s` (tidied), cut after conjunctions while it is long and both sides are substantial.
fn cut_long<'a>(s: &'a str, out: &mut Vec<&'a str>) {
    let s = tidy(s);
    if s.chars().count() < 2 {
        return;
    }
    if s.chars().count() > LONG_SENTENCE {
        let cut = CONJUNCTIONS
            .iter()
            .flat_map(|c| s.match_indices(c).map(move |(at, m)| at + m.len()))
            .filter(|&at| {
                s[..at].chars().count() >= MIN_SIDE && s[at..].chars().count() >= MIN_SIDE
            })
            .min_by_key(|&at| {
                (s[..at].chars().count() as isize - s[at..].chars().count() as isize).abs()
            });
        if let Some(at) = cut {
            cut_long(&s[..at], out);
            cut_long(&s[at..], out);
            return;
        }
    }
    out.push(s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_bullets_and_conjunctions() {
        assert_eq!(
            clauses_of("声かけが難しい。職場が離れている\n・青年部の交流会 ・新採歓迎会"),
            [
                "声かけが難しい。",
                "職場が離れている",
                "青年部の交流会",
                "新採歓迎会"
            ]
        );
        // A long sentence is cut after its conjunction; a short one is not.
        assert_eq!(
            clauses_of(
                "機関紙や掲示板で情報発信を頻繁に行ないたいが、専従の役員がいないので、なかなか難しい。"
            ),
            [
                "機関紙や掲示板で情報発信を頻繁に行ないたいが、",
                "専従の役員がいないので、なかなか難しい。"
            ]
        );
        assert_eq!(
            clauses_of("声をかけたが、断られた。"),
            ["声をかけたが、断られた。"]
        );
        // 中黒 inside a word (労金・共済) is not a bullet.
        assert_eq!(clauses_of("労金・共済と連携"), ["労金・共済と連携"]);
        assert!(clauses_of("・ 。\n").is_empty());
    }

    #[test]
    fn every_clause_keeps_its_unit() {
        let units = [
            crate::themes::fixtures::unit("A", "一つ目。二つ目。"),
            crate::themes::fixtures::unit("B", "。"),
        ];
        let (clauses, parent) = split(&units);
        assert_eq!(parent, [0, 0, 1]);
        assert_eq!(&*clauses[1].text, "二つ目。");
        assert_eq!(clauses[2].branch, "B");
    }
}
