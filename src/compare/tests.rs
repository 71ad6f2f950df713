use std::sync::LazyLock;

use std::ops::Range;

use super::*;

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| Analyzer::new(&[]).expect("analyzer"));

const JCM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/corpora/jcm-2025-katsudo-hoshin.txt"
));

fn run(old: &str, new: &str) -> Comparison {
    compare(old, new, &ANALYZER, &CompareOptions::default())
}

fn changes(c: &Comparison) -> Vec<&SentencePair> {
    c.sentences
        .iter()
        .filter(|s| s.status != Status::Unchanged)
        .collect()
}

/// Every sentence of both texts exactly once (a side spanning two sentences
/// counting both), new ones in order; a side is one or two sentences.
fn assert_complete(c: &Comparison, old: &str, new: &str) {
    let n_old = segment(&repair(old)).len();
    let n_new = segment(&repair(new)).len();
    for s in &c.sentences {
        assert_eq!(
            s.old_index.is_some(),
            (1..=2).contains(&s.old_count),
            "{s:#?}"
        );
        assert_eq!(
            s.new_index.is_some(),
            (1..=2).contains(&s.new_count),
            "{s:#?}"
        );
        assert!(s.old_count + s.new_count <= 3, "{s:#?}");
    }
    let mut olds: Vec<usize> = c.sentences.iter().flat_map(|s| s.old_sentences()).collect();
    let news: Vec<usize> = c.sentences.iter().flat_map(|s| s.new_sentences()).collect();
    assert_eq!(news, (0..n_new).collect::<Vec<_>>());
    olds.sort_unstable();
    assert_eq!(olds, (0..n_old).collect::<Vec<_>>());
}

/// Compares JCM with `new` (which must differ), checks the texts are covered
/// and that exactly one pair changed, modified, with sides of `counts`
/// sentences and the diff `expected`; returns it with the comparison.
fn one_modified(
    new: &str,
    counts: (usize, usize),
    expected: &[(DiffOp, &str)],
) -> (Comparison, SentencePair) {
    assert_ne!(new, JCM);
    let c = run(JCM, new);
    assert_complete(&c, JCM, new);
    let ch = changes(&c);
    assert_eq!(ch.len(), 1, "{ch:#?}");
    let s = ch[0].clone();
    assert_eq!(s.status, Status::Modified);
    assert_eq!((s.old_count, s.new_count), counts);
    assert_eq!(edits(&s), expected);
    let sum = c
        .sections
        .iter()
        .find(|x| x.new.as_ref() == Some(&s.section))
        .expect("the section of the change");
    assert_eq!((sum.modified, sum.added, sum.removed), (1, 0, 0));
    (c, s)
}

/// The edits (not the kept text) of a pair's inline diff.
fn edits(s: &SentencePair) -> Vec<(DiffOp, &str)> {
    s.diff
        .iter()
        .filter(|d| d.op != DiffOp::Equal)
        .map(|d| (d.op, d.text.as_str()))
        .collect()
}

#[test]
fn identical_texts_have_no_changes() {
    let c = run(JCM, JCM);
    assert_eq!(c.changed(), 0);
    assert!(c.keyness.is_empty());
    assert!(c.sections.iter().all(|s| s.similarity == 1.0));
    assert_complete(&c, JCM, JCM);
}

#[test]
fn word_edit_is_one_modified_sentence_with_the_exact_diff() {
    let new = JCM.replacen("活動を行って\n\nきた。", "活動して\n\nきた。", 1);
    one_modified(
        &new,
        (1, 1),
        &[(DiffOp::Delete, "を行っ"), (DiffOp::Insert, "し")],
    );
}

#[test]
fn sentence_split_in_two_is_one_modified_pair() {
    let new = JCM.replacen("2億円を超え、直近では", "2億円を超えた。直近では", 1);
    let (c, s) = one_modified(
        &new,
        (1, 2),
        &[(DiffOp::Delete, "、"), (DiffOp::Insert, "た。")],
    );
    let old = s.old.as_deref().unwrap_or_default();
    assert!(
        old.starts_with("「円安・スイスフラン高」に端を発し、"),
        "{old}"
    );
    assert!(
        old.ends_with("常態化している。") && !old[..old.len() - 3].contains('。'),
        "one old sentence: {old}"
    );
    assert_eq!(
        s.new.as_deref().unwrap_or_default(),
        old.replacen("2億円を超え、", "2億円を超えた。", 1),
        "both new sentences, joined as printed"
    );
    assert!(c.sentences.iter().all(|s| s.status != Status::Added));
}

#[test]
fn two_sentences_merged_into_one_is_one_modified_pair() {
    let new = JCM.replacen("きた。今後も", "きており、今後も", 1);
    let (c, s) = one_modified(
        &new,
        (2, 1),
        &[(DiffOp::Delete, "た。"), (DiffOp::Insert, "ており、")],
    );
    let old = s.old.as_deref().unwrap_or_default();
    assert!(old.starts_with("金属産業は日本の基幹産業であり、"), "{old}");
    assert!(
        old.contains("活動を行ってきた。今後も金属産業には"),
        "both old sentences, joined as printed: {old}"
    );
    assert_eq!(
        s.new.as_deref(),
        Some(old.replacen("きた。今後も", "きており、今後も", 1).as_str())
    );
    assert!(c.sentences.iter().all(|s| s.status != Status::Removed));
}

/// The corpus with 1-based lines `lines` (end exclusive) replaced by `with`.
fn splice(lines: Range<usize>, with: &str) -> String {
    let all: Vec<&str> = JCM.split_inclusive('\n').collect();
    let mut out: String = all[..lines.start - 1].concat();
    out.push_str(with);
    out.push_str(&all[lines.end - 1..].concat());
    out
}

fn line(n: usize) -> &'static str {
    JCM.split_inclusive('\n').nth(n - 1).unwrap_or("")
}

#[test]
fn rewrapped_lines_and_page_headers_are_no_change() {
    // Move the wrap point of the first paragraph by three characters.
    let l12 = line(12).trim_end();
    let l14 = line(14).trim_end();
    let (head14, rest14) = l14.split_at(l14.char_indices().nth(3).map_or(0, |c| c.0));
    let rewrapped = splice(12..15, &format!("{l12}{head14}\n\n{rest14}\n"));
    // A running header and a page number between two wrapped lines.
    let header = splice(13..14, "\n  ２. 基本的な考え方    \n\n");
    for new in [rewrapped, header] {
        assert_ne!(new, JCM);
        let c = run(JCM, &new);
        assert_eq!(c.changed(), 0, "{:#?}", changes(&c));
        assert_complete(&c, JCM, &new);
    }
}

#[test]
fn deleted_section_is_removed_and_nothing_else() {
    assert!(line(249).starts_with("３.２ 国際情勢"));
    let new = splice(249..296, "");
    let c = run(JCM, &new);
    let ch = changes(&c);
    assert!(!ch.is_empty());
    for s in &ch {
        assert_eq!(s.status, Status::Removed, "{s:#?}");
        assert!(s.section.iter().any(|t| t == "3.2 国際情勢"), "{s:#?}");
    }
    let removed = c
        .sections
        .iter()
        .find(|s| s.new.is_none())
        .expect("an old-only section");
    assert!(removed.removed > 0);
    assert_eq!(
        c.sections[0].similarity, 0.0,
        "the deleted section sorts first"
    );
    assert_complete(&c, JCM, &new);
}

#[test]
fn inserted_paragraph_is_added_and_nothing_else() {
    let para = "これは新しく追加した段落である。試験のために二つ目の文も置く。 \n\n";
    let new = splice(18..18, para);
    let c = run(JCM, &new);
    let ch = changes(&c);
    let added: Vec<&str> = ch.iter().filter_map(|s| s.new.as_deref()).collect();
    assert_eq!(
        added,
        [
            "これは新しく追加した段落である。",
            "試験のために二つ目の文も置く。"
        ]
    );
    assert!(ch.iter().all(|s| s.status == Status::Added));
    assert_eq!(ch[0].section, ["1.はじめに"]);
    assert_complete(&c, JCM, &new);
}

#[test]
fn paragraph_moved_to_another_section_is_moved() {
    assert!(line(18).starts_with("具体的には"));
    let para: String = (18..24).map(line).collect();
    let target = 1514; // after the blank line under ４.５
    let all: Vec<&str> = JCM.split_inclusive('\n').collect();
    let new = [
        all[..17].concat(),
        all[23..target - 1].concat(),
        para,
        all[target - 1..].concat(),
    ]
    .concat();
    let c = run(JCM, &new);
    let ch = changes(&c);
    assert!(!ch.is_empty());
    for s in &ch {
        assert_eq!(s.status, Status::Moved, "{s:#?}");
        assert_eq!(
            s.old_section.as_deref(),
            Some(&["1.はじめに".to_string()][..])
        );
        assert!(s.section.iter().any(|t| t.starts_with("4.5")), "{s:#?}");
    }
    assert!(ch.iter().any(|s| {
        s.new
            .as_deref()
            .is_some_and(|t| t.starts_with("具体的には"))
    }));
    assert_complete(&c, JCM, &new);
}

#[test]
fn renumbered_sections_still_align() {
    let new = JCM.replace("３.２ 国際情勢", "３.３ 国際情勢");
    assert_ne!(new, JCM);
    let c = run(JCM, &new);
    assert_eq!(c.changed(), 0, "{:#?}", changes(&c));
    let s = c
        .sections
        .iter()
        .find(|s| {
            s.new
                .as_ref()
                .is_some_and(|p| p.iter().any(|t| t == "3.3 国際情勢"))
        })
        .expect("renumbered section");
    assert!(
        s.old
            .as_ref()
            .is_some_and(|p| p.iter().any(|t| t == "3.2 国際情勢"))
    );
    assert_complete(&c, JCM, &new);
}

#[test]
fn odd_inputs_do_not_panic() {
    for (a, b) in [
        ("", ""),
        ("", JCM),
        (JCM, ""),
        ("。", "、"),
        ("a\u{FFFD}b", "ｱ\r\n\r\n<"),
    ] {
        let c = run(a, b);
        assert_complete(&c, a, b);
    }
}

#[test]
fn inline_diff_refines_morphemes_to_characters() {
    let old = "金属産業の発展に取り組む。\n";
    let new = "製造業の発展に取り組んでいく。\n";
    let c = run(old, new);
    let d: Vec<(DiffOp, &str)> = c.sentences[0]
        .diff
        .iter()
        .map(|d| (d.op, d.text.as_str()))
        .collect();
    assert_eq!(
        d,
        [
            (DiffOp::Delete, "金属産業"),
            (DiffOp::Insert, "製造業"),
            (DiffOp::Equal, "の発展に取り組"),
            (DiffOp::Delete, "む"),
            (DiffOp::Insert, "んでいく"),
            (DiffOp::Equal, "。"),
        ]
    );
}

/// The heading rows of a comparison.
fn heading_rows(c: &Comparison) -> Vec<&SentencePair> {
    c.sentences.iter().filter(|s| s.heading).collect()
}

/// Compares JCM with `new`, checks every sentence is covered, that the only
/// changes are the heading rows `headings` (status, old, new as printed) and
/// the modified sentences `sentences` (the edits of each inline diff, in order),
/// and returns the comparison.
fn only(
    new: &str,
    headings: &[(Status, Option<&str>, Option<&str>)],
    sentences: &[&[(DiffOp, &str)]],
) -> Comparison {
    assert_ne!(new, JCM);
    let c = run(JCM, new);
    assert_complete(&c, JCM, new);
    let got: Vec<(Status, Option<&str>, Option<&str>)> = heading_rows(&c)
        .iter()
        .map(|s| (s.status, s.old.as_deref(), s.new.as_deref()))
        .collect();
    assert_eq!(got, headings);
    for h in heading_rows(&c) {
        assert!(h.old_index.is_none() && h.new_index.is_none(), "{h:#?}");
        assert_eq!(h.diff.is_empty(), h.status != Status::Modified, "{h:#?}");
    }
    let changed: Vec<&SentencePair> = changes(&c).into_iter().filter(|s| !s.heading).collect();
    assert!(
        changed.iter().all(|s| s.status == Status::Modified),
        "{changed:#?}"
    );
    let got: Vec<Vec<(DiffOp, &str)>> = changed.iter().map(|s| edits(s)).collect();
    assert_eq!(got, sentences);
    c
}
