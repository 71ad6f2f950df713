//! Sudachi's synonym dictionary as a query thesaurus: union staff write 団交, 残業 or 年休
//! where a policy says 団体交渉, 時間外労働 or 年次有給休暇. Only the words Sudachi marks as
//! expandable are kept (`scripts/vendor-thesaurus.sh`), so 加入 never reaches 参加 and 連合
//! never reaches ユニオン.

const THESAURUS: &str = include_str!("thesaurus.tsv");

/// The other words of every group holding `word` (folded like the index: NFKC, lower case).
///
/// Found by scanning the embedded text rather than by building a map: a search looks up a
/// handful of words, and parsing 20,000 groups would cost more than the search itself.
pub fn synonyms(word: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    if word.is_empty() || word.contains(['\t', '\n']) {
        return out;
    }
    for at in memchr::memmem::find_iter(THESAURUS.as_bytes(), word.as_bytes()) {
        let start = THESAURUS[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = THESAURUS[at..]
            .find('\n')
            .map_or(THESAURUS.len(), |i| at + i);
        let line = &THESAURUS[start..end];
        if line.starts_with('#') || !line.split('\t').any(|w| w == word) {
            continue;
        }
        for w in line.split('\t') {
            if w != word && !out.contains(&w) {
                out.push(w);
            }
        }
    }
    out
}

/// Every group, in file order.
pub fn groups() -> impl Iterator<Item = std::str::Split<'static, char>> {
    THESAURUS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t'))
}

#[cfg(test)]
mod tests {
    use super::synonyms;

    #[test]
    fn abbreviations_and_labour_terms_expand() {
        assert_eq!(synonyms("団交"), ["団体交渉"]);
        let overtime = synonyms("残業");
        for w in ["時間外労働", "超過勤務", "超勤"] {
            assert!(overtime.contains(&w), "{overtime:?}");
        }
        assert!(synonyms("年休").contains(&"年次有給休暇"));
    }

    #[test]
    fn words_sudachi_keeps_apart_stay_apart() {
        assert!(!synonyms("加入").contains(&"参加"));
        assert!(synonyms("連合").is_empty());
        for (a, b) in [("自治労", "自治労連"), ("自治労連", "自治労")] {
            assert!(!synonyms(a).contains(&b));
        }
        // A word found only inside another is not that word.
        assert!(!synonyms("交渉").contains(&"団交"));
        assert!(synonyms("").is_empty() && synonyms("団交\t").is_empty());
    }
}
