//! Prose segmentation: heading paths, paragraphs and sentences over repaired blocks.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::normalize::{BlockKind, Normalized, Repaired};

/// One sentence (or list item / heading line too short to be a sentence) of a prose document.
#[derive(Debug, Clone, Serialize)]
pub struct ProseUnit {
    /// Heading path, titles as normalized text, e.g. `["4. 活動方針", "(1) …"]`.
    pub section: Vec<String>,
    /// 0-based paragraph index in the document.
    pub paragraph: usize,
    /// 1-based first line.
    pub line: usize,
    /// The matching view of the sentence; its offsets map into the original document text.
    pub norm: Normalized,
}

/// Splits repaired blocks into sections (heading path from `１．`, `３.１`, `（１）`, `＜国際労働運動＞`, `##`, numbered items; displaced titles reattached to the paragraphs before them where the layout allows, otherwise kept as a section of their own), paragraphs, and sentences (split after 。！？ — not inside 「」/（） — and at list items).
///
/// Heading blocks are the section path, not units; a `(1)` heading that is a
/// whole clause (`（１）憲法改悪に反対し、…運動します`) is also emitted as a unit
/// so its words stay searchable.
pub fn segment(repaired: &Repaired) -> Vec<ProseUnit> {
    walk(repaired).0
}

/// The headings found, with their level and line, for reports/tests.
pub fn headings(repaired: &Repaired) -> Vec<(usize, usize, String)> {
    walk(repaired).1
}

static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(#{1,6})\s+\S|(\d{1,2}\.\d{1,2})\s*[^\d\s.,%]|(\d{1,2}\.)(?:\s*[^\d\s.,]|\d{4})|(\(\d{1,2}\))\s*\S|(<[^<>]+>)$|(【[^】]+】)$)")
        .expect("valid regex")
});

/// 第N章・第N節・第N条 (arabic or kanji numerals) opening a line: a 議案書's or 規約's parts.
static PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^第[0-9一二三四五六七八九十百]{1,4}([章節条])(?:\s|\(|$)").expect("valid regex")
});

/// The kind of part a heading names (章, 節 or 条), if it is one.
fn part(t: &str) -> Option<char> {
    PART.captures(t)?.get(1)?.as_str().chars().next()
}

/// Heading level of a block's normalized text and whether it is also a full clause.
fn heading_level(t: &str) -> Option<(usize, bool)> {
    if t.chars().count() > 80 || t.ends_with(['。', '!', '?', '．']) {
        return None;
    }
    // 章 above everything, 節 at the level of `1.` (which `walk` puts under it), 条 between
    // `4.5` and `(1)`, a clause when it reads as one, as `(1)` does.
    match part(t) {
        Some('章') => return Some((0, false)),
        Some('節') => return Some((1, false)),
        Some(_) => {
            let rest = t.split_once('条').map_or("", |(_, r)| r);
            return Some((2, rest.contains('、') || rest.chars().count() > 24));
        }
        None => {}
    }
    let c = HEADING.captures(t)?;
    let level = if let Some(h) = c.get(1) {
        h.as_str().len()
    } else if c.get(2).is_some() {
        2
    } else if c.get(3).is_some() {
        1
    } else if let Some(m) = c.get(4) {
        let rest = &t[m.end()..];
        return Some((3, rest.contains('、') || rest.chars().count() > 24));
    } else if let Some(m) = c.get(5) {
        // `<https://…>` autolinks are not headings.
        if m.as_str().is_ascii() {
            return None;
        }
        4
    } else {
        5
    };
    Some((level, false))
}

/// Chapter titles end in a Roman numeral, which NFKC has spelt in ASCII.
fn is_roman_title(t: &str) -> bool {
    t.ends_with(['I', 'V', 'X'])
}

/// Section paths for documents whose titles follow their sections.
///
/// Each run of displaced titles names the last sections before it, in order; a
/// section starts at an indented paragraph or a `(1)`. Roman-numbered titles are
/// chapters: they govern what follows them, and a chapter printed after the
/// first page's sections also covers those (nothing else could).
fn displaced_paths(r: &Repaired) -> Option<Vec<Vec<String>>> {
    let blocks = &r.blocks;
    if !blocks.iter().any(|b| b.kind == BlockKind::DisplacedTitle) {
        return None;
    }
    let first_chapter = blocks
        .iter()
        .find(|b| b.kind == BlockKind::DisplacedTitle && is_roman_title(&b.norm.text))
        .map(|b| b.norm.text.clone());
    let mut chapter_at = Vec::with_capacity(blocks.len());
    let mut chapter = first_chapter;
    for b in blocks {
        if b.kind == BlockKind::DisplacedTitle && is_roman_title(&b.norm.text) {
            chapter = Some(b.norm.text.clone());
        }
        chapter_at.push(chapter.clone());
    }
    // Group starts and, per block, the group it belongs to.
    let mut group_of = vec![None; blocks.len()];
    let mut starts: Vec<usize> = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if b.kind == BlockKind::Text && (b.indent || b.norm.text.starts_with("(1)")) {
            starts.push(i);
        }
        if b.kind == BlockKind::Text {
            group_of[i] = starts.len().checked_sub(1);
        }
    }
    // Per group, the block index of its title.
    let mut title_of: Vec<Option<usize>> = vec![None; starts.len()];
    let mut i = 0;
    let mut prev_run_end = 0;
    while i < blocks.len() {
        if blocks[i].kind != BlockKind::DisplacedTitle {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < blocks.len() && blocks[j].kind == BlockKind::DisplacedTitle {
            j += 1;
        }
        let sections: Vec<usize> = (i..j)
            .filter(|&k| !is_roman_title(&blocks[k].norm.text))
            .collect();
        let groups =
            starts.partition_point(|&s| s < prev_run_end)..starts.partition_point(|&s| s < i);
        for (g, t) in groups.rev().zip(sections.iter().rev()) {
            title_of[g] = Some(*t);
        }
        prev_run_end = j;
        i = j;
    }
    // An untitled section is the previous one continued across a page.
    for g in 1..title_of.len() {
        if title_of[g].is_none() {
            title_of[g] = title_of[g - 1];
        }
    }
    Some(
        (0..blocks.len())
            .map(|i| {
                let group = group_of[i];
                let title = group.and_then(|g| title_of[g]);
                // A group takes the chapter current where its title was printed.
                let chapter = match (title, group) {
                    (Some(t), _) => chapter_at[t].clone(),
                    (None, Some(g)) => chapter_at[starts[g]].clone(),
                    (None, None) => chapter_at[i].clone(),
                };
                chapter
                    .into_iter()
                    .chain(title.map(|t| blocks[t].norm.text.clone()))
                    .collect()
            })
            .collect(),
    )
}

fn walk(r: &Repaired) -> (Vec<ProseUnit>, Vec<(usize, usize, String)>) {
    let base = displaced_paths(r);
    let mut units = Vec::new();
    let mut heads = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut paragraph = 0;
    let mut prev_base: Option<&Vec<String>> = None;
    for (i, b) in r.blocks.iter().enumerate() {
        if b.kind == BlockKind::DisplacedTitle {
            let level = if is_roman_title(&b.norm.text) { 1 } else { 2 };
            heads.push((level, b.lines.start, b.norm.text.clone()));
            continue;
        }
        let here = base.as_ref().map(|p| &p[i]);
        if here != prev_base {
            stack.clear();
            prev_base = here;
        }
        let heading = heading_level(&b.norm.text);
        if let Some((level, _)) = heading {
            let mut level = if base.is_some() { level.max(3) } else { level };
            // Under a 第N節, numbered headings (`1.` shares its level) are its subsections.
            if part(&b.norm.text).is_none() && stack.iter().any(|(_, t)| part(t) == Some('節')) {
                level += 1;
            }
            while stack.last().is_some_and(|(l, _)| *l >= level) {
                stack.pop();
            }
            // Markdown keeps its `#`s in the text but not in the path.
            let title = b.norm.text.trim_start_matches('#').trim_start().to_string();
            stack.push((level, title.clone()));
            heads.push((level, b.lines.start, title));
        }
        if heading.is_some_and(|(_, clause)| !clause) {
            continue;
        }
        let section: Vec<String> = here
            .into_iter()
            .flatten()
            .cloned()
            .chain(stack.iter().map(|(_, t)| t.clone()))
            .collect();
        for s in sentences(&b.norm.text) {
            let norm = b.norm.slice(s);
            units.push(ProseUnit {
                section: section.clone(),
                paragraph,
                line: r.line_at(norm.to_original(0)),
                norm,
            });
        }
        paragraph += 1;
    }
    (units, heads)
}

fn opens(c: char) -> bool {
    matches!(c, '「' | '『' | '(' | '（' | '【' | '〈' | '《' | '“' | '[')
}

fn closes(c: char) -> bool {
    matches!(c, '」' | '』' | ')' | '）' | '】' | '〉' | '》' | '”' | ']')
}

/// Sentence ranges in `t`: after 。！？ outside brackets, trimmed of spaces.
/// If a bracket never closes, the text after it is split as if it were not there.
fn sentences(t: &str) -> Vec<Range<usize>> {
    let (mut cuts, unclosed) = split_at_ends(t, 0, true);
    if let Some(p) = unclosed {
        cuts.extend(split_at_ends(t, p, false).0);
    }
    let mut out = Vec::new();
    let mut start = 0;
    for end in cuts.into_iter().chain([t.len()]) {
        let piece = &t[start..end];
        let s = start + (piece.len() - piece.trim_start().len());
        let e = start + piece.trim_end().len();
        if s < e {
            out.push(s..e);
        }
        start = end;
    }
    out
}

/// Cut points after sentence ends from `from`; with `nest`, none inside
/// brackets, and also where a bracket opened that never closed.
fn split_at_ends(t: &str, from: usize, nest: bool) -> (Vec<usize>, Option<usize>) {
    let mut cuts = Vec::new();
    let mut depth = 0usize;
    let mut open_at = from;
    let mut it = t[from..]
        .char_indices()
        .map(|(i, c)| (from + i, c))
        .peekable();
    while let Some((i, c)) = it.next() {
        if nest && opens(c) {
            if depth == 0 {
                open_at = i;
            }
            depth += 1;
        } else if nest && closes(c) {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && matches!(c, '。' | '!' | '?' | '．') {
            let next = it.peek().map(|&(_, d)| d);
            if matches!(c, '!' | '?' | '．') && next.is_some_and(|d| d.is_ascii_alphanumeric()) {
                continue;
            }
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = it.peek() {
                if !matches!(d, '。' | '!' | '?') {
                    break;
                }
                end = j + d.len_utf8();
                it.next();
            }
            cuts.push(end);
        }
    }
    (cuts, (depth > 0).then_some(open_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{normalize, repair};

    fn corpus(name: &str) -> String {
        let path = format!("{}/corpora/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    const DOCS: [&str; 4] = [
        "jcm-2025-katsudo-hoshin.txt",
        "rengo-kanagawa-2024-undo-hoshin.txt",
        "jichiroren-saitama-2024-undo-mokuhyo.txt",
        "ictj-2024-11-rising-session.md",
    ];

    /// Every unit's original span, minus page furniture and title lines it
    /// spans, folds to the unit text without the spaces joins put in.
    #[test]
    fn every_unit_maps_back_to_its_original() {
        for doc in DOCS {
            let s = corpus(doc);
            let r = repair(&s);
            let mut skip: Vec<usize> = r.dropped.iter().map(|d| d.line).collect();
            for b in r
                .blocks
                .iter()
                .filter(|b| b.kind == BlockKind::DisplacedTitle)
            {
                skip.extend(b.lines.clone());
            }
            let units = segment(&r);
            assert!(!units.is_empty(), "{doc}");
            for u in &units {
                let span = u.norm.original_range(0..u.norm.text.len());
                let mut folded = String::new();
                let mut at = span.start;
                for piece in s[span.clone()].split_inclusive('\n') {
                    if !skip.contains(&r.line_at(at)) {
                        folded.push_str(&normalize(&s, at..at + piece.len()).0.text);
                    }
                    at += piece.len();
                }
                let want: String = u.norm.text.chars().filter(|c| *c != ' ').collect();
                assert_eq!(folded.replace(' ', ""), want, "{doc} line {}", u.line);
                assert_eq!(r.line_at(span.start), u.line);
            }
        }
    }

    #[test]
    fn jcm_sections_sentences_and_headers() {
        let r = repair(&corpus("jcm-2025-katsudo-hoshin.txt"));
        let units = segment(&r);
        let u = units
            .iter()
            .find(|u| u.norm.text.starts_with("金属産業は日本の基幹産業であり"))
            .unwrap();
        assert!(
            u.norm.text.ends_with("活動を行ってきた。"),
            "{}",
            u.norm.text
        );
        assert!(!u.norm.text.contains(' '));
        assert_eq!(
            (u.line, u.section.clone()),
            (12, vec!["1.はじめに".to_string()])
        );
        assert!(units.iter().all(|u| !u.norm.text.contains(". 活動方針")));
        let u = units
            .iter()
            .find(|u| u.norm.text.starts_with("国際連帯の重要性が増す中"))
            .unwrap();
        assert_eq!(u.section, ["2.基本的な考え方", "<国際労働運動>"]);
        let u = units
            .iter()
            .find(|u| u.norm.text.starts_with("2023年度のわが国の実質GDP"))
            .unwrap();
        assert_eq!(
            u.section,
            ["3.運動をとりまく情勢", "3.1 国内情勢", "(1)経済情勢"]
        );
        let h = headings(&r);
        assert!(h.contains(&(1, 58, "2.基本的な考え方".to_string())));
        assert!(h.contains(&(2, 154, "3.1 国内情勢".to_string())));
        assert!(h.contains(&(4, 60, "<国際労働運動>".to_string())));
        assert!(
            !h.iter().any(|(_, line, _)| *line == 55 || *line == 131),
            "running headers are not headings"
        );
        // Headings are the path, not units.
        assert!(!units.iter().any(|u| u.norm.text == "<国際労働運動>"));
    }

    #[test]
    fn jichiroren_items_under_clause_headings() {
        let r = repair(&corpus("jichiroren-saitama-2024-undo-mokuhyo.txt"));
        let units = segment(&r);
        let head = "(1)憲法改悪に反対し、国民主権・平和主義・基本的人権保障・民主主義・地方自治の理念が社会と職場のすみずみまで活きるように運動します";
        let items: Vec<&ProseUnit> = units
            .iter()
            .filter(|u| u.section.last().map(String::as_str) == Some(head))
            .collect();
        assert_eq!(items[0].norm.text, head, "a clause heading is also a unit");
        let numbered: Vec<&str> = items[1..].iter().map(|u| &u.norm.text[..3]).collect();
        assert_eq!(numbered, ["①", "②", "③", "④", "⑤", "⑥"]);
        assert!(items.windows(2).all(|w| w[0].paragraph < w[1].paragraph));
        assert_eq!(items[1].section[0], "1.県本部運動の目標");
        assert!(headings(&r).contains(&(1, 156, "2.2024年度県本部重点運動課題".to_string())));
    }

    #[test]
    fn rengo_displaced_titles_become_sections() {
        let r = repair(&corpus("rengo-kanagawa-2024-undo-hoshin.txt"));
        let units = segment(&r);
        assert!(
            units
                .iter()
                .all(|u| !u.norm.text.contains("組織拡大の取り組み"))
        );
        assert!(units.iter().all(|u| !u.norm.text.contains("針方動運")));
        let u = units
            .iter()
            .find(|u| {
                u.norm
                    .text
                    .starts_with("(1)「40万連合神奈川」に向けた組織拡大方針")
            })
            .unwrap();
        assert_eq!(u.section[1], "組織拡大の取り組み2");
        assert!(u.section[0].ends_with("労働運動の強化I"));
        let u = units
            .iter()
            .find(|u| u.norm.text.starts_with("(1)組織の次代を担う青年層役員"))
            .unwrap();
        assert_eq!(u.section[1], "青年委員会活動の推進4");
        let u = units
            .iter()
            .find(|u| u.norm.text.starts_with("(1)「ゆにふぁん運動」"))
            .unwrap();
        assert_eq!(
            u.section,
            [
                "地域と協働した連帯活動の展開V",
                "支えあい助け合い活動の推進2"
            ]
        );
        let h = headings(&r);
        assert!(h.contains(&(2, 45, "組織拡大の取り組み2".to_string())));
    }

    #[test]
    fn markdown_headings_are_sections() {
        let r = repair(&corpus("ictj-2024-11-rising-session.md"));
        let units = segment(&r);
        let u = units
            .iter()
            .find(|u| u.norm.text.starts_with("情報労連ではかねてより"))
            .unwrap();
        assert_eq!(u.section, ["■開催の経緯"]);
        let u = units
            .iter()
            .find(|u| u.norm.text.starts_with("学び・交流・メイン"))
            .unwrap();
        assert_eq!(u.section, ["■イベント概要", "<イベントの流れ>"]);
        assert!(
            units
                .iter()
                .any(|u| u.norm.text.contains("soshiki@joho.or.jp"))
        );
    }

    #[test]
    fn parts_numbered_dai_n_are_headings_above_numbered_ones() {
        let text = "第１章 総則\n\n第１条（名称）\n\nこの組合は、埼玉県職員労働組合という。\n\n\
第２章 運動方針\n\n第一節 賃金\n\n１．賃上げ\n\n（１）初任給\n\n初任給を引き上げる。\n\n\
第二節 組織\n\n組合員を増やす。\n\n第3条の改正は次のとおりとする。\n";
        let units = segment(&repair(text));
        let section = |start: &str| {
            units
                .iter()
                .find(|u| u.norm.text.starts_with(start))
                .unwrap_or_else(|| panic!("{start}: {units:#?}"))
                .section
                .clone()
        };
        assert_eq!(section("この組合は"), ["第1章 総則", "第1条(名称)"]);
        assert_eq!(
            section("初任給を"),
            ["第2章 運動方針", "第一節 賃金", "1.賃上げ", "(1)初任給"]
        );
        assert_eq!(section("組合員を"), ["第2章 運動方針", "第二節 組織"]);
        // A sentence that starts with an article's number is a sentence.
        assert_eq!(section("第3条の改正"), ["第2章 運動方針", "第二節 組織"]);
        assert!(!units.iter().any(|u| u.norm.text.starts_with("第1章")));
    }

    #[test]
    fn sentence_splitting() {
        let t = "彼は「行く。来る。」と言った。次だ!そして Action!36は続く。(注。付記)終わり";
        let parts: Vec<&str> = sentences(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(
            parts,
            [
                "彼は「行く。来る。」と言った。",
                "次だ!",
                "そして Action!36は続く。",
                "(注。付記)終わり"
            ]
        );
        let t = "「閉じない。二つ目。";
        let parts: Vec<&str> = sentences(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(parts, ["「閉じない。", "二つ目。"]);
        assert!(segment(&repair("")).is_empty());
    }
}
