use super::*;

fn corpus(name: &str) -> String {
    let path = format!("{}/corpora/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn norm(s: &str) -> (Normalized, usize) {
    normalize(s, 0..s.len())
}

/// Each normalized char maps back to exactly the original char it came from.
#[test]
fn full_width_chars_map_back_exactly() {
    let s = "２０２４年度①ＡＢＣ";
    let (n, fffd) = norm(s);
    assert_eq!(n.text, "2024年度①ABC");
    assert_eq!(fffd, 0);
    let orig: Vec<(usize, char)> = s.char_indices().collect();
    for (k, (i, c)) in n.text.char_indices().enumerate() {
        let (o, oc) = orig[k];
        assert_eq!(
            n.original_range(i..i + c.len_utf8()),
            o..o + oc.len_utf8(),
            "char {c}"
        );
        assert_eq!(n.to_original(i), o);
    }
    assert_eq!(n.to_original(n.text.len()), s.len());
}

#[test]
fn surrogate_pair_chars_map() {
    let s = "Ａ𠮷\n𠮷ｂ";
    let (n, _) = norm(s);
    assert_eq!(n.text, "A𠮷𠮷b");
    let first = n.text.find('𠮷').unwrap();
    assert_eq!(&s[n.original_range(first..first + 4)], "𠮷");
    let second = n.text.rfind('𠮷').unwrap();
    assert_eq!(n.original_range(second..second + 4), 8..12);
    assert_eq!(&s[n.original_range(second..n.text.len())], "𠮷ｂ");
}

#[test]
fn replacement_and_debris_dropped_and_counted() {
    let s = "（1）\u{FFFD}「理解\u{200B}」\u{F06C}共済\u{FFFD}coop";
    let (n, fffd) = norm(s);
    assert_eq!(n.text, "(1)「理解」共済coop");
    assert_eq!(fffd, 2);
    let at = n.text.find("coop").unwrap();
    assert_eq!(&s[n.original_range(at..n.text.len())], "coop");
}

#[test]
fn joins_wraps_by_script() {
    assert_eq!(norm("金属\n\n 産業").0.text, "金属産業");
    assert_eq!(norm("実質Ｇ\nＤＰ成長率").0.text, "実質GDP成長率");
    assert_eq!(norm("hello\r\nworld").0.text, "hello world");
    assert_eq!(norm("  a \u{3000}\t b  \n").0.text, "a b");
    assert_eq!(norm("ｶﾞｲﾄﾞ").0.text, "ガイド");
    let (n, _) = norm("行って\n\nきた。 \n");
    assert_eq!(n.text, "行ってきた。");
    // Trailing whitespace and breaks are outside the mapped range.
    assert_eq!(
        n.original_range(0..n.text.len()),
        0.."行って\n\nきた。".len()
    );
}

#[test]
fn offsets_are_into_the_whole_original() {
    let s = "前置き\n２．基本的な考え方\n";
    let start = s.find('２').unwrap();
    let (n, _) = normalize(s, start..s.len());
    assert_eq!(n.text, "2.基本的な考え方");
    assert_eq!(n.to_original(0), start);
    let sub = n.slice(2..n.text.len());
    assert_eq!(sub.text, "基本的な考え方");
    assert_eq!(&s[sub.original_range(0..sub.text.len())], "基本的な考え方");
    assert_eq!(sub.to_original(sub.text.len()), s.len() - 1);
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let (n, c) = norm("");
    assert_eq!((n.text.as_str(), c), ("", 0));
    assert_eq!(n.original_range(0..5), 0..0);
    assert_eq!(n.slice(Range { start: 3, end: 1 }).text, "");
    let s = "あいう";
    assert_eq!(normalize(s, Range { start: 2, end: 1 }).0.text, "");
    assert_eq!(normalize(s, 1..9).0.text, "");
    let (n, _) = norm(s);
    assert_eq!(n.slice(1..4).text, "あい", "widened to char boundaries");
    assert!(repair("").blocks.is_empty());
    assert!(repair("\n \n\u{3000}\n\r\n").blocks.is_empty());
    let junk: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let junk = String::from_utf8_lossy(&junk);
    let r = repair(&junk);
    assert!(r.replacement_chars > 0);
    for b in &r.blocks {
        let span = b.norm.original_range(0..b.norm.text.len());
        assert!(junk.get(span).is_some());
    }
}

/// Linear time: a 5 MB single line repairs well within a few seconds even unoptimised.
#[test]
fn one_huge_line_is_linear() {
    let line = "労働組合は賃金の改善に取り組む。ＡＢＣ１２３ ".repeat(5 * 1024 * 1024 / 70);
    let t = std::time::Instant::now();
    let r = repair(&line);
    assert_eq!(r.blocks.len(), 1);
    assert!(
        r.blocks[0]
            .norm
            .text
            .starts_with("労働組合は賃金の改善に取り組む。ABC123 労働")
    );
    let n = &r.blocks[0].norm;
    let mid = n.text.len() / 2;
    let mid = (mid..).find(|&i| n.text.is_char_boundary(i)).unwrap();
    assert!(n.to_original(mid) <= line.len());
    assert!(t.elapsed().as_secs() < 20, "took {:?}", t.elapsed());
}

#[test]
#[ignore = "100 MB; run with --release --ignored"]
fn hundred_megabyte_line() {
    let line = "労働組合は賃金の改善に取り組む。".repeat(100 * 1024 * 1024 / 48);
    let t = std::time::Instant::now();
    let r = repair(&line);
    assert_eq!(r.blocks.len(), 1);
    assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
}

#[test]
fn crlf_gives_the_same_blocks() {
    let lf = corpus("jichiroren-saitama-2024-undo-mokuhyo.txt");
    let crlf = lf.replace('\n', "\r\n");
    let a: Vec<_> = repair(&lf)
        .blocks
        .into_iter()
        .map(|b| (b.lines, b.norm.text))
        .collect();
    let b: Vec<_> = repair(&crlf)
        .blocks
        .into_iter()
        .map(|b| (b.lines, b.norm.text))
        .collect();
    assert_eq!(a, b);
}

#[test]
fn jcm_running_headers_dropped_real_headings_kept() {
    let s = corpus("jcm-2025-katsudo-hoshin.txt");
    let r = repair(&s);
    let headers: Vec<&DroppedLine> = r
        .dropped
        .iter()
        .filter(|d| d.reason == DropReason::PageHeader)
        .collect();
    assert!(headers.len() >= 20, "{}", headers.len());
    for key in [
        "1.はじめに",
        "2.基本的な考え方",
        "3.運動をとりまく情勢",
        "4.活動方針",
    ] {
        assert!(
            headers
                .iter()
                .any(|d| norm(&d.text).0.text.replace(' ', "") == key),
            "{key}"
        );
    }
    let lines: Vec<&str> = s.lines().collect();
    for d in &headers {
        assert!(
            lines[d.line - 1].contains(d.text.as_str()),
            "line {}",
            d.line
        );
    }
    for b in &r.blocks {
        assert!(!b.norm.text.contains(". 活動方針"), "{}", b.norm.text);
        assert!(!b.norm.text.contains(". 基本的な考え方"), "{}", b.norm.text);
    }
    // The flush-left chapter heading with the same text survives.
    let real = r
        .blocks
        .iter()
        .find(|b| b.norm.text == "2.基本的な考え方")
        .expect("heading kept");
    assert!(lines[real.lines.start - 1].starts_with('２'));
}

#[test]
fn jcm_wrapped_lines_join_without_spaces() {
    let r = repair(&corpus("jcm-2025-katsudo-hoshin.txt"));
    let b = r
        .blocks
        .iter()
        .find(|b| b.norm.text.starts_with("金属産業は日本の基幹産業であり"))
        .unwrap();
    assert!(b.norm.text.contains("活動を行ってきた。今後も"));
    assert!(!b.norm.text.contains(' '));
    // Paragraph ends are not joined: the next paragraph is its own block.
    assert!(
        r.blocks
            .iter()
            .any(|b| b.norm.text.starts_with("具体的には、"))
    );
    // Bullets and ＜…＞ headings start blocks of their own.
    assert!(
        r.blocks
            .iter()
            .any(|b| b.norm.text == "<新しい金属労協のあるべき姿>")
    );
    assert!(
        r.blocks
            .iter()
            .any(|b| b.norm.text.starts_with("国際連帯の重要性が増す中"))
    );
}

#[test]
fn rengo_reversed_vertical_text_and_fffd() {
    let s = corpus("rengo-kanagawa-2024-undo-hoshin.txt");
    let r = repair(&s);
    let rev: Vec<&DroppedLine> = r
        .dropped
        .iter()
        .filter(|d| matches!(&d.reason, DropReason::ReversedVertical { reading } if reading == "運動方針"))
        .collect();
    assert_eq!(rev.len(), 5);
    assert!(rev.iter().all(|d| d.text == "針方動運"));
    assert_eq!(r.dropped.len(), 5, "nothing else is page furniture here");
    assert_eq!(r.replacement_chars, 19);
    for b in &r.blocks {
        assert!(!b.norm.text.contains('\u{FFFD}'));
        assert!(!b.norm.text.contains("針方動運"));
    }
    let titles: Vec<&str> = r
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::DisplacedTitle)
        .map(|b| b.norm.text.as_str())
        .collect();
    assert!(titles.contains(&"組織拡大の取り組み2"));
    assert!(titles.contains(&"「40万連合神奈川」へ向けた組織拡大・組織強化の着実な前進と社会的影響力のある労働運動の強化I"));
    // The paragraph cut by the page's title run continues after it.
    let b = r
        .blocks
        .iter()
        .find(|b| b.norm.text.starts_with("(2)地域連合体制の見直し"))
        .unwrap();
    assert!(b.norm.text.contains("連合本部の検討状況を踏まえつつ"));
}

#[test]
fn jichiroren_blank_separated_wraps_join() {
    let r = repair(&corpus("jichiroren-saitama-2024-undo-mokuhyo.txt"));
    let b = r
        .blocks
        .iter()
        .find(|b| b.norm.text.starts_with("(1)憲法改悪に反対し"))
        .unwrap();
    assert!(b.norm.text.contains("地方自治の理念が"));
    assert!(b.norm.text.ends_with("運動します"));
    assert_eq!(b.lines, 8..11);
    assert!(
        r.blocks
            .iter()
            .any(|b| b.norm.text == "① 憲法擁護・改悪反対の運動を職場と地域のすみずみに広げます。")
    );
}

#[test]
fn markdown_lines_stay_separate() {
    let r = repair(&corpus("ictj-2024-11-rising-session.md"));
    assert!(r.blocks.iter().any(|b| b.norm.text == "## ■開催の経緯"));
    let b = r
        .blocks
        .iter()
        .find(|b| b.norm.text.starts_with("本イベントは"))
        .unwrap();
    assert_eq!(b.lines.len(), 1);
}
