//! End-to-end search tests on the real bundled corpus, through the real binary (and the
//! library analyzer where the test needs to know which units hold a morpheme).
//!
//! Every test uses its own index folder in a temporary directory; tests that change the corpus
//! work on a copy of `corpora/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

use crate::util::Run;
use unicode_normalization::UnicodeNormalization;

fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora")
}

/// Runs `kumiai SUB ARGS… --corpus C --index I [-- QUERY]` with colour left to the binary.
fn kumiai(sub: &str, corpus: &Path, index: &Path, args: &[&str], query: Option<&str>) -> Run {
    let mut cmd = crate::util::kumiai();
    cmd.arg(sub)
        .args(args)
        .arg("--corpus")
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .env_remove("NO_COLOR");
    if let Some(q) = query {
        cmd.arg("--").arg(q);
    }
    Run::of(&mut cmd)
}

/// A fresh index folder over a corpus (the bundled one unless a copy is made).
struct Fx {
    tmp: TempDir,
    corpus: PathBuf,
    index: PathBuf,
}

impl Fx {
    fn new() -> Self {
        let tmp = TempDir::new().unwrap();
        let index = tmp.path().join("index");
        Self {
            tmp,
            corpus: corpora(),
            index,
        }
    }

    /// A writable copy of the bundled corpus.
    fn with_corpus_copy() -> Self {
        let mut fx = Self::new();
        let dir = fx.tmp.path().join("corpus");
        copy_corpus(&dir);
        fx.corpus = dir;
        fx
    }

    fn run(&self, sub: &str, args: &[&str], query: Option<&str>) -> Run {
        kumiai(sub, &self.corpus, &self.index, args, query)
    }

    fn search(&self, query: &str, args: &[&str]) -> Run {
        let r = self.run("search", args, Some(query));
        assert_eq!(
            r.code,
            Some(search_status(&r.stdout)),
            "search {query:?} ({:?}): {}",
            r.code,
            r.stderr
        );
        r
    }

    /// The JSON result for `query` (every hit, as one flat list, unless `args` says otherwise).
    fn json(&self, query: &str, args: &[&str]) -> Value {
        let mut all = vec!["--format", "json"];
        if !args.contains(&"--limit") {
            all.extend(["--limit", "2000"]);
        }
        if !args.contains(&"--by") {
            all.extend(["--by", "unit"]);
        }
        all.extend_from_slice(args);
        let r = self.search(query, &all);
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON {:?}: {e}", r.stdout))
    }

    /// JSON hits for `query`, as [`Fx::json`].
    fn hits(&self, query: &str, args: &[&str]) -> Vec<Value> {
        self.json(query, args)["hits"]
            .as_array()
            .unwrap_or_else(|| panic!("no hits array for {query}"))
            .clone()
    }

    /// Builds or updates the index; returns (stderr, unit count).
    fn index(&self, args: &[&str]) -> (String, usize) {
        let r = self.run("index", args, None);
        assert_eq!(r.code, Some(0), "index failed ({:?}): {}", r.code, r.stderr);
        let count = unit_count(&r.stderr);
        (r.stderr, count)
    }
}

fn copy_corpus(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for e in std::fs::read_dir(corpora()).unwrap() {
        let e = e.unwrap();
        let bytes = std::fs::read(e.path()).unwrap();
        std::fs::write(dir.join(e.file_name()), bytes).unwrap();
    }
}

/// "index DIR holds N unit(s)" from `kumiai index`'s stderr.
fn unit_count(stderr: &str) -> usize {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("index ") && l.contains(" holds "))
        .unwrap_or_else(|| panic!("no unit count in {stderr}"));
    line.split(" holds ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad count line {line}"))
}

/// The matching view of a text, approximately: NFKC, wraps joined, U+FFFD dropped, folded.
fn fold(s: &str) -> String {
    s.nfkc()
        .filter(|c| !matches!(c, '\n' | '\r' | '\u{FFFD}'))
        .collect::<String>()
        .to_lowercase()
}

fn s<'a>(hit: &'a Value, key: &str) -> &'a str {
    hit[key].as_str().unwrap_or("")
}

fn text(hit: &Value) -> String {
    fold(s(hit, "text"))
}

fn contains_any(hit: &Value, words: &[&str]) -> bool {
    let t = text(hit);
    words.iter().any(|w| t.contains(&fold(w)))
}

/// Identity of a unit across searches.
fn key(hit: &Value) -> (String, u64, String) {
    (
        s(hit, "doc").to_string(),
        hit["line"].as_u64().unwrap_or(0),
        s(hit, "text").to_string(),
    )
}

/// The hits of `search --format json` output.
/// The exit status a search that printed `stdout` must have: 1 if it found nothing (in
/// whichever format), else 0.
fn search_status(stdout: &str) -> i32 {
    let nothing = if let Ok(v) = serde_json::from_str::<Value>(stdout) {
        v["total"] == 0
    } else if let Some(csv) = stdout.strip_prefix('\u{feff}') {
        csv.lines().count() <= 1
    } else if stdout.starts_with("<!DOCTYPE") {
        !stdout.contains("class=\"hit\"") && !stdout.contains("<td class=\"l\"")
    } else {
        stdout.is_empty() || stdout.starts_with("0 件ヒット")
    };
    i32::from(nothing)
}

fn json_hits(stdout: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    v["hits"].as_array().expect("hits").clone()
}

fn highlights(hit: &Value) -> Vec<(usize, usize)> {
    hit["highlights"]
        .as_array()
        .expect("highlights array")
        .iter()
        .map(|h| {
            (
                h["start"].as_u64().unwrap() as usize,
                h["end"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

/// Every highlight slices `text` on char boundaries and, folded, is one of `words`.
fn assert_highlights_exact(query: &str, hit: &Value, words: &[String]) {
    let t = s(hit, "text");
    let hl = highlights(hit);
    for &(a, b) in &hl {
        assert!(
            a < b && b <= t.len() && t.is_char_boundary(a) && t.is_char_boundary(b),
            "{query}: bad range {a}..{b} in {t:?}"
        );
        let slice = fold(&t[a..b]);
        assert!(
            words.contains(&slice),
            "{query}: highlight {a}..{b} = {:?} (folded {slice:?}) is not one of {words:?} in {t:?}",
            &t[a..b]
        );
    }
    for w in hl.windows(2) {
        assert!(w[0].1 <= w[1].0, "{query}: overlapping highlights {hl:?}");
    }
}

/// The manifest's synonym groups.
fn synonym_groups() -> Vec<Vec<String>> {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(corpora().join("kumiai.toml")).unwrap()).unwrap();
    manifest["synonyms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g.as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

/// The words a search for `word` looks for: itself, its manifest synonyms and its groups in
/// Sudachi's thesaurus, folded.
fn expansion(word: &str) -> Vec<String> {
    let mut out = vec![fold(word)];
    for g in synonym_groups() {
        if g.iter().any(|w| fold(w) == fold(word)) {
            out.extend(g.iter().map(|w| fold(w)));
        }
    }
    let thesaurus = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lexicon/thesaurus.tsv");
    for line in std::fs::read_to_string(thesaurus).unwrap().lines() {
        if !line.starts_with('#') && line.split('\t').any(|w| w == fold(word)) {
            out.extend(line.split('\t').map(str::to_string));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every unit of the bundled corpus (original text), via `kumiai units`.
/// How many units of the corpus contain any of `needles` (text folded like the index's).
fn units_containing(needles: &[&str]) -> usize {
    all_units()
        .iter()
        .filter(|u| {
            let t = fold(s(u, "text"));
            needles.iter().any(|n| t.contains(n))
        })
        .count()
}

fn all_units() -> Vec<Value> {
    let out = crate::util::kumiai()
        .args(["units", "--format", "jsonl", "--corpus"])
        .arg(corpora())
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn words_partial_words_and_single_chars() {
    let fx = Fx::new();
    let hits = fx.hits("未加入者", &[]);
    assert!(hits.len() >= 10, "only {} hits for 未加入者", hits.len());
    for h in &hits[..5] {
        assert_eq!(s(h, "kind"), "survey", "{h}");
        assert!(text(h).contains("未加入者"), "top hit lacks 未加入者: {h}");
    }
    for h in &hits {
        // 未加入: its head (IPADIC splits it 未|加入|者).
        assert!(contains_any(h, &["未加入者", "非組合員", "未加入"]), "{h}");
    }

    // A partial word finds the units containing the whole word.
    let partial = fx.hits("未加入", &[]);
    let partial_keys: BTreeSet<_> = partial.iter().map(key).collect();
    for h in &partial {
        assert!(text(h).contains("未加入"), "{h}");
    }
    let whole: Vec<_> = hits
        .iter()
        .filter(|h| text(h).contains("未加入者"))
        .collect();
    assert!(!whole.is_empty());
    for h in whole {
        assert!(
            partial_keys.contains(&key(h)),
            "未加入 misses a unit with 未加入者: {h}"
        );
    }

    // One character.
    let one = fx.hits("賃", &[]);
    assert!(one.len() >= 10, "only {} hits for 賃", one.len());
    for h in &one {
        assert!(text(h).contains('賃'), "{h}");
    }
    // Every unit that contains 賃 is found.
    let expected = units_containing(&["賃"]);
    assert_eq!(
        one.len(),
        expected,
        "賃 should find every unit containing 賃"
    );
}

#[test]
fn phrases_match_exact_sequences_only() {
    let fx = Fx::new();
    let phrase = fx.hits("\"未加入者対策\"", &[]);
    assert!(!phrase.is_empty());
    for h in &phrase {
        assert!(text(h).contains("未加入者対策"), "{h}");
    }
    let expected = units_containing(&["未加入者対策"]);
    assert_eq!(phrase.len(), expected);

    // The same words in the wrong order: nothing (or fewer), and never a unit lacking it.
    let reversed = fx.hits("\"対策未加入者\"", &[]);
    assert!(reversed.len() < phrase.len() || reversed.is_empty());
    for h in &reversed {
        assert!(text(h).contains("対策未加入者"), "{h}");
    }
    // As separate words they are found far more often than as a phrase.
    let words = fx.hits("未加入者 対策", &[]);
    assert!(words.len() > phrase.len());
}

fn year_span(hit: &Value) -> (u32, u32) {
    let y = s(hit, "year");
    let mut parts = y.split('-').map(|p| p.parse::<u32>().unwrap());
    let from = parts.next().unwrap();
    (from, parts.next().unwrap_or(from))
}

fn docs(hits: &[Value]) -> BTreeSet<String> {
    hits.iter().map(|h| s(h, "doc").to_string()).collect()
}

#[test]
fn filters() {
    let fx = Fx::new();
    let all = fx.hits("組合", &[]);
    assert_eq!(docs(&all).len(), 5, "組合 occurs in every document");

    let y2025 = fx.hits("year:2025 組合", &[]);
    assert!(!y2025.is_empty());
    for h in &y2025 {
        let (a, b) = year_span(h);
        assert!(a <= 2025 && 2025 <= b, "{h}");
        assert!(text(h).contains("組合"), "{h}");
    }
    assert!(docs(&y2025).contains("jcm-2025"));
    assert!(!docs(&y2025).contains("rengo-kanagawa-2024"));

    let y2324 = fx.hits("year:2023..2024 組合", &[]);
    let d = docs(&y2324);
    assert!(!d.contains("jcm-2025"), "2025-only document in {d:?}");
    assert!(
        d.contains("jichiro-survey-2024"),
        "2024-2025 survey missing"
    );
    assert!(d.contains("rengo-kanagawa-2024"));
    for h in &y2324 {
        let (a, b) = year_span(h);
        assert!(a <= 2024 && b >= 2023, "{h}");
    }

    let survey = fx.hits("kind:survey 組合", &[]);
    assert!(!survey.is_empty());
    assert!(survey.iter().all(|h| s(h, "kind") == "survey"));
    assert!(survey.len() < all.len());

    let jcm = fx.hits("org:金属労協 組合", &[]);
    assert!(!jcm.is_empty());
    assert!(jcm.iter().all(|h| s(h, "org") == "金属労協"));

    let iwate = fx.hits("branch:岩手 組合", &[]);
    assert!(!iwate.is_empty());
    for h in &iwate {
        assert!(
            s(h, "prefecture").contains("岩手") || s(h, "local").contains("岩手"),
            "{h}"
        );
    }
    let iwate_only = fx.hits("branch:岩手", &[]);
    assert!(iwate_only.len() >= iwate.len());
    for h in &iwate_only {
        assert!(s(h, "prefecture").contains("岩手") || s(h, "local").contains("岩手"));
    }

    // -word excludes.
    let excluded = fx.hits("組合 -自治労", &[]);
    assert!(!excluded.is_empty() && excluded.len() < all.len());
    for h in &excluded {
        assert!(!text(h).contains("自治労"), "{h}");
        assert!(text(h).contains("組合"), "{h}");
    }
    // +word requires.
    let required = fx.hits("+自治労 組合", &[]);
    assert!(!required.is_empty());
    for h in &required {
        assert!(text(h).contains("自治労"), "{h}");
    }
    assert!(required.len() < all.len());

    // OR widens.
    let shunto = fx.hits("春闘", &[]);
    let kyosai = fx.hits("共済", &[]);
    let either = fx.hits("春闘 OR 共済", &[]);
    assert!(!shunto.is_empty() && !kyosai.is_empty());
    assert!(either.len() > shunto.len() && either.len() > kyosai.len());
    let either_keys: BTreeSet<_> = either.iter().map(key).collect();
    for h in shunto.iter().chain(&kyosai) {
        assert!(either_keys.contains(&key(h)), "OR lost {h}");
    }
    for h in &either {
        assert!(contains_any(h, &["春闘", "春季生活闘争", "共済"]), "{h}");
    }

    let question = fx.hits("question:悩んでいること", &[]);
    assert!(!question.is_empty());
    for h in &question {
        assert!(s(h, "question").contains("悩んでいること"), "{h}");
    }
    let q_and_word = fx.hits("question:悩んでいること 未加入者", &[]);
    assert!(!q_and_word.is_empty() && q_and_word.len() < question.len());
    for h in &q_and_word {
        assert!(s(h, "question").contains("悩んでいること"));
        // 未加入: its head (IPADIC splits it 未|加入|者).
        assert!(contains_any(h, &["未加入者", "非組合員", "未加入"]), "{h}");
    }
}

#[test]
fn jichiro_ranks_above_jichiroren() {
    let fx = Fx::new();
    let analyzer = kumiai::analyze::Analyzer::new(&[]).unwrap();
    let hits = fx.hits("自治労", &["--limit", "200"]);
    assert!(hits.len() > 5);
    let mut last_morph = None;
    let mut first_ren_only = None;
    let mut n_ren_only = 0;
    for (rank, h) in hits.iter().enumerate() {
        let t = text(h);
        assert!(t.contains("自治労"), "{h}");
        let has_morph = analyzer
            .tokenize(&t)
            .iter()
            .any(|tok| tok.surface == "自治労");
        if has_morph {
            last_morph = Some(rank);
        } else {
            assert!(
                t.contains("自治労連"),
                "hit with neither 自治労 nor 自治労連: {h}"
            );
            n_ren_only += 1;
            first_ren_only.get_or_insert(rank);
        }
    }
    assert!(n_ren_only > 0, "expected units that only mention 自治労連");
    let (last, first) = (last_morph.unwrap(), first_ren_only.unwrap());
    assert!(
        last < first,
        "a 自治労 unit (rank {last}) ranks below a 自治労連-only unit (rank {first})"
    );

    // Documents too: every record holding 自治労 ranks above the 自治労連 policy, which only
    // says 自治労連.
    let by_doc = fx.hits("自治労", &["--by", "doc", "--passages", "1"]);
    let saitama = by_doc
        .iter()
        .position(|h| s(h, "doc") == "jichiroren-saitama-2024")
        .expect("the 自治労連 document is found");
    assert_eq!(saitama, by_doc.len() - 1, "{:?}", docs(&by_doc[saitama..]));

    let ren = fx.hits("自治労連", &[]);
    assert!(!ren.is_empty());
    for h in &ren {
        assert!(text(h).contains("自治労連"), "{h}");
    }
}

#[test]
fn several_words_rank_units_with_all_first() {
    let fx = Fx::new();
    let words = ["人手不足", "人員確保"];
    let hits = fx.hits("人手不足 人員確保", &[]);
    assert!(!hits.is_empty());
    // Every unit containing either word is found, before the units holding only a part of
    // one (人員 of 人員確保, 不足 of 人手不足), and the units with both come first.
    let n_words: Vec<usize> = hits
        .iter()
        .map(|h| words.iter().filter(|w| text(h).contains(*w)).count())
        .collect();
    assert_eq!(
        n_words.iter().filter(|n| **n > 0).count(),
        units_containing(&words)
    );
    assert!(
        n_words.windows(2).all(|w| w[0] >= w[1]),
        "a unit with fewer of the words ranks above one with more: {n_words:?}"
    );

    // With a pair that co-occurs, the co-occurring units come first.
    let hits = fx.hits("未加入者 共済", &[]);
    let both = |h: &Value| text(h).contains("未加入者") && text(h).contains("共済");
    let n_both = hits.iter().filter(|h| both(h)).count();
    assert!(n_both > 0 && n_both < hits.len());
    assert!(hits[..n_both].iter().all(both), "units with both not first");
}

/// The match types of a hit's words.
fn match_types(hit: &Value) -> Vec<String> {
    hit["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|m| s(m, "type").to_string())
        .collect()
}

/// Issue 10: a base form, a compound's parts and a phrase with particles find what the
/// researcher means, and documents come first.
#[test]
fn base_forms_and_parts_find_what_is_meant() {
    let fx = Fx::new();
    // 忙しい finds 滋賀's 「組合員の業務が忙しく、…」 first, by its base form.
    let busy = fx.hits("忙しい", &["--by", "doc"]);
    assert!(text(&busy[0]).contains("忙しく"), "{}", busy[0]);
    assert_eq!(match_types(&busy[0]), ["base"]);
    assert!(s(&busy[0], "local").contains("滋賀"));
    // 取り組む finds 取り組んで.
    let work = fx.hits("取り組む", &[]);
    assert!(work.iter().any(|h| text(h).contains("取り組んで")));

    // 競合組合 reaches the answers that say 競合単組 and 競合組織: in its top ten documents.
    let rival = fx.hits(
        "競合組合",
        &["--by", "doc", "--limit", "10", "--passages", "50"],
    );
    let records: BTreeSet<&str> = rival.iter().map(|h| s(h, "record")).collect();
    assert_eq!(records.len(), 10, "{records:?}");
    for other in ["競合単組", "競合組織"] {
        assert!(
            rival.iter().any(|h| text(h).contains(other)),
            "{other} missing"
        );
    }
    assert!(rival.iter().any(|h| match_types(h) == ["part"]));

    // A phrase with particles: 組合活動の見える化 finds the answers about 組合活動.
    let visible = fx.hits("組合活動の見える化", &["--by", "doc", "--limit", "5"]);
    assert!(visible.iter().any(|h| text(h).contains("組合活動")));

    // Documents: a survey respondent is one document, with its own id.
    let unjoined = fx.json("未加入者", &["--by", "doc", "--passages", "1"]);
    let hits = unjoined["hits"].as_array().unwrap();
    assert_eq!(hits.len() as u64, unjoined["documents"].as_u64().unwrap());
    assert!(unjoined["total"].as_u64().unwrap() > hits.len() as u64);
    let scores: Vec<f64> = hits
        .iter()
        .map(|h| h["document"]["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for h in hits {
        assert!(s(h, "record").starts_with(s(h, "doc")));
        assert!(s(h, "id").starts_with(&format!("{}:", s(h, "doc"))));
    }
}

/// Issue 10: synonyms widen recall but never outrank the word as typed, and an expansion is
/// never matched inside a longer word.
#[test]
fn the_typed_word_outranks_its_synonyms() {
    let fx = Fx::with_corpus_copy();
    std::fs::write(
        fx.corpus.join("extra.txt"),
        "地域課題\n\n地域の担い手不足が深刻で、担い手不足への対策が急がれる。\n",
    )
    .unwrap();
    for (word, args) in [
        ("残業", ["--by", "unit"]),
        ("未加入者", ["--by", "unit"]),
        ("残業", ["--by", "doc"]),
        ("忙しい", ["--by", "doc"]),
    ] {
        let hits = fx.hits(word, &args);
        // The word as typed: exact, by base form or inside a longer word. A hit of its
        // synonyms may also hold a part of it (忙 of 忙しい in 多忙), and is listed as such.
        let typed = |h: &Value| {
            match_types(h)
                .iter()
                .any(|t| ["exact", "base", "substring"].contains(&t.as_str()))
        };
        let synonyms = expansion(word);
        let synonym = |h: &Value| {
            !typed(h) && contains_any(h, &synonyms.iter().map(String::as_str).collect::<Vec<_>>())
        };
        let first_synonym = hits
            .iter()
            .position(synonym)
            .unwrap_or_else(|| panic!("{word}: no synonym hit"));
        let last_typed = hits.iter().rposition(typed).expect("typed hits");
        assert!(
            last_typed < first_synonym,
            "{word} {args:?}: a synonym-only hit (#{first_synonym}) ranks above the word (#{last_typed})"
        );
    }
    // 人手不足 expands to 手不足 (Sudachi), which is not in 担い手不足: that unit is found
    // by the part 不足 only.
    let short = fx.hits("人手不足", &[]);
    let inside: Vec<&Value> = short
        .iter()
        .filter(|h| text(h).contains("担い手不足"))
        .collect();
    assert!(!inside.is_empty());
    for h in inside {
        assert_eq!(match_types(h), ["part"], "{h}");
    }
}

/// Issue 10: where the text says less than the query — a compound's head (未加入 of
/// 未加入者, 新規採用 of 新規採用者), a verb's Sino-Japanese noun (減少 for 減っている) — it is
/// still found, after the text that says it all; a negative stays a negative.
#[test]
fn heads_stems_and_negatives_reach_what_the_text_says() {
    let fx = Fx::with_corpus_copy();
    std::fs::write(
        fx.corpus.join("extra.txt"),
        "採用活動\n\n新規採用に向けた説明会を開いた。\n",
    )
    .unwrap();
    // 「未加入の方」 (二本松) and 「未加入の状態」 (八代) answer 未加入者, after every unit naming it.
    let hits = fx.hits("未加入者", &[]);
    let whole = |h: &Value| contains_any(h, &["未加入者", "非組合員"]);
    let heads: Vec<usize> = (0..hits.len()).filter(|&i| !whole(&hits[i])).collect();
    for place in ["二本松", "八代"] {
        assert!(
            heads.iter().any(|&i| s(&hits[i], "local").contains(place)),
            "{place}: 未加入 not found"
        );
    }
    let last_whole = hits.iter().rposition(whole).unwrap();
    assert!(
        heads.iter().all(|&i| i > last_whole),
        "{heads:?} {last_whole}"
    );
    for &i in &heads {
        assert_eq!(match_types(&hits[i]), ["part"], "{}", hits[i]);
    }
    // 新規採用者 reaches 新規採用 (its manifest group has no such word).
    let hired = fx.hits("新規採用者", &[]);
    assert!(hired.iter().any(|h| text(h).contains("新規採用に向けた")));

    // 減っている: 減少 (the thesaurus's word for 減る) and 激減 (the kanji 減) are found.
    let fewer = fx.hits("減っている", &["--by", "doc"]);
    for (word, place) in [("減少", "rengo-kanagawa-2024"), ("激減", "自治労横浜")] {
        assert!(
            fewer.iter().any(|h| text(h).contains(word)
                && !s(h, "record").is_empty()
                && (s(h, "doc") == place || s(h, "local").contains(place))),
            "{word} in {place} not found"
        );
    }
    // ... after the text that says 減って.
    assert!(text(&fewer[0]).contains("減って"), "{}", fewer[0]);

    // 加入しない: by base form only the negated forms (加入してくれない), never 加入した.
    let not_joining = fx.hits("加入しない", &[]);
    let by_base: Vec<&Value> = not_joining
        .iter()
        .filter(|h| matches!(match_types(h).as_slice(), [t] if t == "base"))
        .collect();
    assert!(by_base.iter().any(|h| text(h).contains("加入してくれない")));
    for h in by_base {
        assert!(text(h).contains("ない"), "{h}");
    }
}

/// Issue 10: a passage naming both parts of a compound outranks one naming one part twice
/// (若手 and 組合員 of 若手組合員), and a part's synonym counts as the part (可視化 for the
/// 見える化 of 組合活動の見える化).
#[test]
fn parts_count_by_how_many_match() {
    let fx = Fx::new();
    let hits = fx.hits("若手組合員", &[]);
    assert!(
        text(&hits[0]).contains("若手") && text(&hits[0]).contains("組合員"),
        "{}",
        hits[0]
    );
    let visible = fx.hits("組合活動の見える化", &[]);
    assert!(
        visible
            .iter()
            .any(|h| text(h).contains("可視化") && !text(h).contains("見える化"))
    );
}

/// Issue 10: BM25 on tiny units let the four-morpheme heading 特定最低賃金 outrank the
/// paragraphs under it.
#[test]
fn a_heading_does_not_outrank_the_paragraphs_about_it() {
    let fx = Fx::new();
    let hits = fx.hits("特定最低賃金", &[]);
    let heading = hits
        .iter()
        .position(|h| text(h) == "特定最低賃金")
        .expect("the heading is found");
    assert!(heading > 0, "the heading ranks first");
    for h in &hits[..heading] {
        assert!(text(h).contains("特定最低賃金") && text(h).len() > "特定最低賃金".len());
    }
}

#[test]
fn highlights_cut_text_at_matches() {
    let fx = Fx::new();
    let analyzer = kumiai::analyze::Analyzer::new(&[]).unwrap();
    for q in [
        "未加入者",
        "自治労",
        "新採",
        "組織拡大",
        "賃金",
        "共済",
        "未加入",
    ] {
        // The word, its synonyms, and for a compound its parts (組織 and 拡大 of 組織拡大).
        let mut words = expansion(q);
        let morphemes = analyzer.tokenize(q);
        if morphemes.len() > 1 {
            words.extend(morphemes.iter().map(|t| t.surface.clone()));
        }
        // A compound the user dictionary keeps whole is found by its head too.
        if q == "未加入者" {
            words.push("未加入".into());
        }
        let hits = fx.hits(q, &["--limit", "100"]);
        assert!(!hits.is_empty(), "{q}");
        let mut n = 0;
        for h in &hits {
            assert_highlights_exact(q, h, &words);
            n += highlights(h).len();
        }
        assert!(n >= hits.len(), "{q}: hits without highlights");
    }
}

#[test]
fn highlights_on_full_width_wrapped_and_astral_text() {
    let tmp = TempDir::new().unwrap();
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let doc = "本年度の方針\n\n\
               ２０２４年度のＡＢＣ活動を強化する。\n\
               ①未加入者への声かけを続ける。\n\
               ②𠮷野家での交流会を開催する。\n\
               壊れた\u{FFFD}文字のある文。\n\
               組合員の労働条件の改善に向けて組織拡\n大を進める。\n";
    std::fs::write(corpus.join("test-doc.txt"), doc).unwrap();
    let index = tmp.path().join("index");
    let hits = |q: &str| -> Vec<Value> {
        let r = kumiai("search", &corpus, &index, &["--format", "json"], Some(q));
        assert_eq!(r.code, Some(search_status(&r.stdout)), "{q}: {}", r.stderr);
        json_hits(&r.stdout)
    };
    let cases: &[(&str, &str)] = &[
        ("ABC", "ＡＢＣ"),
        ("abc", "ＡＢＣ"),
        ("ＡＢＣ", "ＡＢＣ"),
        ("2024", "２０２４"),
        ("組織拡大", "組織拡\n大"),
        ("未加入者", "未加入者"),
        ("文字", "文字"),
    ];
    for &(q, original) in cases {
        let found = hits(q);
        assert_eq!(found.len(), 1, "{q}: {found:?}");
        let h = &found[0];
        let t = s(h, "text");
        assert!(doc.contains(t), "unit text is not original: {t:?}");
        let hl = highlights(h);
        assert_eq!(hl.len(), 1, "{q}: {h}");
        let (a, b) = hl[0];
        assert!(t.is_char_boundary(a) && t.is_char_boundary(b), "{q}: {h}");
        assert_eq!(&t[a..b], original, "{q}: highlight cuts {:?}", &t[a..b]);
        assert_highlights_exact(q, h, &[fold(q)]);
    }
    // A word spanning the dropped U+FFFD is found; its highlight covers it.
    let found = hits("壊れた文字");
    assert_eq!(found.len(), 1, "{found:?}");
    let t = s(&found[0], "text");
    let (a, b) = highlights(&found[0])[0];
    assert_eq!(&t[a..b], "壊れた\u{FFFD}文字");
    // A surrogate-pair (astral) character: found, highlight on char boundaries.
    let found = hits("𠮷野家");
    assert_eq!(found.len(), 1, "{found:?}");
    let t = s(&found[0], "text");
    assert_eq!(t, "②𠮷野家での交流会を開催する。");
    for (a, b) in highlights(&found[0]) {
        assert!(t.is_char_boundary(a) && t.is_char_boundary(b));
        assert!(t[a..b].ends_with("野家"), "{:?}", &t[a..b]);
    }
    // 吉 and 𠮷 are distinct characters (NFKC keeps them apart): no crash either way.
    let _ = hits("吉野家");
}

#[test]
fn astral_characters_are_highlighted() {
    let tmp = TempDir::new().unwrap();
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(
        corpus.join("test-doc.txt"),
        "本年度の方針\n\n②𠮷野家での交流会を開催する。\n",
    )
    .unwrap();
    let r = kumiai(
        "search",
        &corpus,
        &tmp.path().join("index"),
        &["--format", "json"],
        Some("𠮷野家"),
    );
    let h = json_hits(&r.stdout).into_iter().next().expect("a hit");
    let t = s(&h, "text");
    let hl = highlights(&h);
    assert_eq!(hl.len(), 1, "{h}");
    assert_eq!(&t[hl[0].0..hl[0].1], "𠮷野家");
}

#[test]
fn synonyms_expand_and_are_shown() {
    let fx = Fx::new();
    let group = ["新採", "新規採用者", "新採用者", "新規採用職員"];
    let hits = fx.hits("新採", &[]);
    assert!(
        hits.iter().all(|h| contains_any(h, &group)),
        "hit without any synonym"
    );
    assert!(
        hits.iter()
            .any(|h| text(h).contains("新規採用者") && !text(h).contains("新採")),
        "新採 should also find units with only 新規採用者"
    );
    // Units with the typed word rank above units with only a synonym.
    let first_syn = hits.iter().position(|h| !text(h).contains("新採")).unwrap();
    assert!(hits[..first_syn].iter().all(|h| text(h).contains("新採")));
    assert!(first_syn > 0);

    let r = fx.search("新採", &["--limit", "3"]);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("同義語展開"))
        .unwrap_or_else(|| panic!("no expansion line: {}", r.stdout));
    assert!(
        line.contains("新採") && line.contains("新規採用者"),
        "{line}"
    );
    let r = fx.search("自治労", &["--limit", "3"]);
    assert!(!r.stdout.contains("同義語展開"));
}

/// Sudachi's thesaurus: 団交 also finds the survey answers that write 団体交渉, below those
/// that write 団交; `--no-thesaurus` finds only 団交; 加入 never widens to 参加.
#[test]
fn thesaurus_expands_abbreviations() {
    let fx = Fx::new();
    let hits = fx.hits("団交", &[]);
    let with_abbreviation = hits.iter().filter(|h| text(h).contains("団交")).count();
    assert!(with_abbreviation >= 1, "{hits:?}");
    assert_eq!(
        hits.len(),
        units_containing(&["団交", "団体交渉"]),
        "every unit with 団交 or 団体交渉"
    );
    assert!(hits.len() > with_abbreviation);
    assert!(
        hits[..with_abbreviation]
            .iter()
            .all(|h| text(h).contains("団交"))
    );
    assert!(
        hits.iter()
            .any(|h| s(h, "branch").contains("二本松") && text(h).contains("団体交渉については"))
    );
    let exact = fx.hits("団交", &["--no-thesaurus"]);
    assert_eq!(exact.len(), with_abbreviation);

    let joined = fx.hits("加入", &["--limit", "2000"]);
    assert!(joined.iter().all(|h| text(h).contains("加入")));
}

/// `--format html`: one self-contained page, every hit with its matches in <mark>, the facets,
/// and document text escaped (a <script> in a document stays text).
#[test]
fn html_page_marks_matches_and_escapes_document_text() {
    let fx = Fx::with_corpus_copy();
    std::fs::write(
        fx.corpus.join("injected.txt"),
        "未加入者<script>alert(1)</script>への声かけ。\n",
    )
    .unwrap();
    let json = fx.hits("未加入者", &[]);
    let r = fx.search(
        "未加入者",
        &[
            "--format", "html", "--facets", "--limit", "2000", "--by", "unit",
        ],
    );
    let page = &r.stdout;
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.trim_end().ends_with("</body></html>"));
    assert_eq!(page.matches("<div class=\"hit\">").count(), json.len());
    // Every hit marks its match (未加入者 or its synonym 非組合員).
    assert!(page.matches("<mark>").count() >= json.len());
    assert!(page.contains("<mark>非組合員</mark>"));
    assert!(page.contains("未加入者</mark>&lt;script&gt;alert(1)&lt;/script&gt;への声かけ。"));
    assert!(
        !page.contains("<script") && !page.contains("http"),
        "{page}"
    );
    assert!(page.contains("集計（全ヒット）") && page.contains("<th>県本部</th>"));
    assert!(page.contains(&format!("{} 件ヒット", json.len())));
}

#[test]
fn output_formats() {
    let fx = Fx::new();

    // KWIC: left | «match» | right.
    let r = fx.search("自治労", &["--kwic", "--limit", "10"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines.len() >= 10, "{}", r.stdout);
    for l in &lines {
        let parts: Vec<&str> = l.splitn(3, " | ").collect();
        assert_eq!(parts.len(), 3, "{l}");
        assert_eq!(parts[1], "«自治労»", "{l}");
        assert!(parts[2].contains('\t'), "no source column: {l}");
    }

    // Facets agree with the JSON hits.
    let q = "未加入者";
    let json = fx.hits(q, &[]);
    let r = fx.search(q, &["--facets", "--limit", "2000"]);
    let total: usize = r
        .stdout
        .lines()
        .find_map(|l| {
            l.split(" 件ヒット")
                .next()
                .filter(|_| l.contains("件ヒット"))
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert_eq!(total, json.len());
    let facet = |label: &str| -> BTreeMap<String, usize> {
        let prefix = format!("  {label}: ");
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {label} facet in {}", r.stdout));
        line[prefix.len()..]
            .split('、')
            .map(|item| {
                let (k, v) = item.rsplit_once(' ').unwrap();
                (k.to_string(), v.parse().unwrap())
            })
            .collect()
    };
    let count = |field: &str| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for h in &json {
            if let Some(v) = h[field].as_str() {
                *m.entry(v.to_string()).or_default() += 1;
            }
        }
        m
    };
    assert_eq!(facet("組織"), count("org"));
    assert_eq!(facet("年度"), count("year"));
    assert_eq!(facet("種別"), count("kind"));
    assert_eq!(facet("県本部"), count("prefecture"));

    // CSV: BOM, header, one record per hit.
    let r = fx.search(q, &["--format", "csv", "--limit", "5", "--by", "unit"]);
    assert!(r.raw_stdout.starts_with(b"\xEF\xBB\xBF"), "no BOM");
    let mut rdr = csv::Reader::from_reader(&r.raw_stdout[3..]);
    let header = rdr.headers().unwrap().clone();
    assert!(header.iter().any(|h| h == "文書"), "{header:?}");
    assert!(header.iter().any(|h| h == "本文"), "{header:?}");
    let records: Vec<_> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 5);
    let doc_col = header.iter().position(|h| h == "文書").unwrap();
    for (rec, h) in records.iter().zip(&json) {
        assert_eq!(&rec[doc_col], s(h, "doc"));
    }

    // Terminal text without a TTY: «» marks, no ANSI escapes.
    let r = fx.search(q, &["--limit", "5"]);
    assert!(r.stdout.contains("«未加入者»"), "{}", r.stdout);
    assert!(!r.stdout.contains('\x1b'));
    let r = fx.search(q, &["--kwic", "--limit", "5"]);
    assert!(!r.stdout.contains('\x1b'));

    // Paging.
    let ten: Vec<_> = fx.hits(q, &["--limit", "10"]).iter().map(key).collect();
    let first: Vec<_> = fx.hits(q, &["--limit", "5"]).iter().map(key).collect();
    let second: Vec<_> = fx
        .hits(q, &["--limit", "5", "--offset", "5"])
        .iter()
        .map(key)
        .collect();
    assert_eq!(ten.len(), 10);
    assert_eq!(first, ten[..5]);
    assert_eq!(second, ten[5..]);
    let past = fx.hits(q, &["--limit", "5", "--offset", "100000"]);
    assert!(past.is_empty());
}

/// Respondent names from the 記入者お名前 lines: (full name without spaces, its parts).
fn respondent_names() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(corpora().join("jichiro-survey-2024.txt")).unwrap();
    let names: Vec<_> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("記入者お名前"))
        .map(|n| {
            let n = n.replace("(書記)", "").replace("（書記）", "");
            let parts: Vec<String> = n
                .split(|c: char| c.is_whitespace())
                .filter(|p| !p.is_empty() && *p != "書記")
                .map(str::to_string)
                .collect();
            (parts.concat(), parts)
        })
        .filter(|(full, _)| !full.is_empty())
        .collect();
    assert!(names.len() >= 15, "names not found: {names:?}");
    names
}

#[test]
fn respondent_names_are_never_found_or_shown() {
    let fx = Fx::new();
    let names = respondent_names();
    for (full, parts) in &names {
        assert!(
            fx.hits(&format!("\"{full}\""), &[]).is_empty(),
            "searching {full} finds hits"
        );
        // A hit's `matches` name the query words as typed; nothing else may hold the name.
        let shown = |mut h: Value| {
            h.as_object_mut().unwrap().remove("matches");
            h.to_string()
        };
        for h in fx.hits(full, &[]) {
            assert!(!shown(h).contains(full.as_str()), "{full} shown");
        }
        for p in parts.iter().filter(|p| p.chars().count() >= 2) {
            for h in fx.hits(p, &[]) {
                assert!(!shown(h).contains(full.as_str()), "{full} shown");
            }
        }
    }
    for q in ["未加入者", "自治労", "組合", "記入者", "kind:survey"] {
        for format in ["json", "csv"] {
            let r = fx.search(q, &["--format", format, "--limit", "2000"]);
            for (full, parts) in &names {
                assert!(!r.stdout.contains(full.as_str()), "{q}: {full} shown");
                if parts.len() > 1 {
                    let spaced = parts.join("　");
                    assert!(!r.stdout.contains(&spaced), "{q}: {spaced} shown");
                }
            }
        }
    }
}

#[test]
fn incremental_index() {
    let fx = Fx::with_corpus_copy();
    let (err, clean) = fx.index(&[]);
    assert!(
        err.contains("from 5 file(s)") && err.contains("5 new"),
        "{err}"
    );
    assert!(clean > 100);

    let (err, n) = fx.index(&[]);
    assert_eq!(n, clean);
    assert!(!err.contains("indexed "), "second run re-indexed: {err}");
    assert!(!err.contains("rebuilding"), "{err}");

    // Change one file: only it is re-read; new text found, old text gone.
    // Without the thesaurus, which also finds ライジング's English "rising".
    let exact = ["--no-thesaurus"];
    assert!(!fx.hits("ライジング", &exact).is_empty());
    assert!(fx.hits("ソラリウム", &exact).is_empty());
    let md = fx.corpus.join("ictj-2024-11-rising-session.md");
    let changed = std::fs::read_to_string(&md)
        .unwrap()
        .replace("ライジング", "ソラリウム");
    std::fs::write(&md, changed).unwrap();
    let (err, n) = fx.index(&[]);
    assert!(
        err.contains("from 1 file(s)") && err.contains("1 changed") && err.contains("4 unchanged"),
        "{err}"
    );
    assert_eq!(n, clean, "same number of units after a word change");
    let new = fx.hits("ソラリウム", &[]);
    assert!(!new.is_empty());
    assert!(new.iter().all(|h| s(h, "doc") == "ictj-2024-11"));
    assert!(
        fx.hits("ライジング", &exact).is_empty(),
        "old text still found"
    );
    // The other documents are still there.
    assert_eq!(docs(&fx.hits("組合", &[])).len(), 5);

    // Delete a file: its units are gone.
    let jcm_units = fx.hits("doc:jcm-2025", &[]).len();
    assert!(jcm_units > 0);
    std::fs::remove_file(fx.corpus.join("jcm-2025-katsudo-hoshin.txt")).unwrap();
    let (err, n) = fx.index(&[]);
    assert!(err.contains("1 removed"), "{err}");
    assert_eq!(n, clean - jcm_units);
    assert!(fx.hits("org:金属労協 組合", &[]).is_empty());
    assert!(!docs(&fx.hits("組合", &[])).contains("jcm-2025"));

    // A new file is added.
    std::fs::write(
        fx.corpus.join("extra-2025.txt"),
        "追加の文書\n\nテトラポッド型の組織拡大を進める。\n",
    )
    .unwrap();
    let (err, n) = fx.index(&[]);
    assert!(err.contains("1 new"), "{err}");
    assert!(n > clean - jcm_units);
    let added = fx.hits("テトラポッド", &[]);
    assert_eq!(added.len(), 1);
    assert_eq!(s(&added[0], "doc"), "extra-2025");

    // And search keeps the index up to date by itself.
    std::fs::remove_file(fx.corpus.join("extra-2025.txt")).unwrap();
    assert!(fx.hits("テトラポッド", &[]).is_empty());
}

/// A corpus copy with `copies` extra copies of every document under new names (no manifest
/// entries: their metadata is inferred), big enough that indexing takes seconds in debug.
fn big_corpus(dir: &Path, copies: usize) {
    copy_corpus(dir);
    for i in 0..copies {
        for e in std::fs::read_dir(corpora()).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".toml") {
                continue;
            }
            std::fs::copy(e.path(), dir.join(format!("copy{i}-{name}"))).unwrap();
        }
    }
}

#[test]
fn interrupted_index_leaves_a_usable_index() {
    let tmp = TempDir::new().unwrap();
    let corpus = tmp.path().join("big");
    big_corpus(&corpus, 20);
    let index = tmp.path().join("index");
    let mut child = crate::util::kumiai()
        .arg("index")
        .arg("--corpus")
        .arg(&corpus)
        .arg("--index")
        .arg(&index)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();

    let r = kumiai(
        "search",
        &corpus,
        &index,
        &["--limit", "3"],
        Some("未加入者"),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("未加入者"), "{}", r.stdout);
    let again = kumiai("index", &corpus, &index, &[], None);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    let resumed = unit_count(&again.stderr);

    let clean_index = tmp.path().join("clean");
    let clean = kumiai("index", &corpus, &clean_index, &[], None);
    assert_eq!(clean.code, Some(0), "{}", clean.stderr);
    assert_eq!(resumed, unit_count(&clean.stderr));
    assert!(resumed > 20 * 100);
}

#[test]
fn a_locked_index_is_reported() {
    let fx = Fx::new();
    fx.index(&[]);
    {
        let index = tantivy::Index::open_in_dir(&fx.index).unwrap();
        let _writer = index
            .writer::<tantivy::TantivyDocument>(50_000_000)
            .unwrap();
        let r = fx.run("index", &["--rebuild"], None);
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        assert!(r.stderr.contains("locked"), "{}", r.stderr);
        // Reading needs no lock.
        let hits = fx.hits("未加入者", &[]);
        assert!(!hits.is_empty());
    }
    // Released: the rebuild goes through.
    let (err, _) = fx.index(&["--rebuild"]);
    assert!(err.contains("rebuilding"), "{err}");
}

#[test]
fn a_second_writer_process_is_refused() {
    let tmp = TempDir::new().unwrap();
    let corpus = tmp.path().join("big");
    big_corpus(&corpus, 20);
    let index = tmp.path().join("index");
    let first = kumiai("index", &corpus, &index, &[], None);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    // Retry the timing a few times in case the first rebuild ends before the second starts.
    for attempt in 0..5 {
        let mut long = crate::util::kumiai()
            .args(["index", "--rebuild", "--corpus"])
            .arg(&corpus)
            .arg("--index")
            .arg(&index)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(400 + 200 * attempt));
        let second = kumiai("index", &corpus, &index, &["--rebuild"], None);
        let still_running = long.try_wait().unwrap().is_none();
        let status = long.wait().unwrap();
        if still_running {
            assert_eq!(second.code, Some(2), "{}", second.stderr);
            assert!(second.stderr.contains("locked"), "{}", second.stderr);
            assert_eq!(status.code(), Some(0));
            return;
        }
    }
    panic!("the first rebuild always finished before the second started");
}

#[test]
fn a_corrupt_index_asks_for_a_rebuild() {
    let fx = Fx::new();
    fx.index(&[]);
    std::fs::write(fx.index.join("meta.json"), "garbage{").unwrap();
    let r = fx.run("search", &[], Some("x"));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("kumiai index --rebuild"), "{}", r.stderr);
    let r = fx.run("index", &[], None);
    assert_eq!(
        r.code,
        Some(2),
        "plain index must not silently wipe: {}",
        r.stderr
    );

    let (err, n) = fx.index(&["--rebuild"]);
    assert!(err.contains("rebuilding"), "{err}");
    assert!(n > 100);
    assert!(!fx.hits("未加入者", &[]).is_empty());
}

/// Truncated segment files: `--rebuild` repairs them.
#[test]
fn a_truncated_segment_is_repaired_by_rebuild() {
    let fx = Fx::new();
    let (_, clean) = fx.index(&[]);
    truncate_stores(&fx.index);
    let r = fx.run("search", &[], Some("未加入者"));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    let (_, n) = fx.index(&["--rebuild"]);
    assert_eq!(n, clean);
    assert!(!fx.hits("未加入者", &[]).is_empty());
}

fn truncate_stores(index: &Path) {
    let mut n = 0;
    for e in std::fs::read_dir(index).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "store") {
            std::fs::write(&p, b"").unwrap();
            n += 1;
        }
    }
    assert!(n > 0);
}

#[test]
fn a_truncated_segment_asks_for_a_rebuild() {
    let fx = Fx::new();
    fx.index(&[]);
    truncate_stores(&fx.index);
    let r = fx.run("search", &[], Some("未加入者"));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("kumiai index --rebuild"), "{}", r.stderr);
}

#[test]
fn a_new_user_dictionary_rebuilds_the_index() {
    let fx = Fx::new();
    let (_, clean) = fx.index(&[]);
    let dict = fx.tmp.path().join("extra.csv");
    std::fs::write(&dict, "組合活動家,名詞,クミアイカツドウカ\n").unwrap();
    let dict_arg = dict.to_str().unwrap();
    let (err, n) = fx.index(&["--user-dict", dict_arg]);
    assert!(err.contains("rebuilding"), "{err}");
    assert_eq!(n, clean);
    // Same dictionary again: nothing to do.
    let (err, _) = fx.index(&["--user-dict", dict_arg]);
    assert!(
        !err.contains("rebuilding") && !err.contains("indexed "),
        "{err}"
    );
    // Changing the dictionary's content also counts.
    std::fs::write(
        &dict,
        "組合活動家,名詞,クミアイカツドウカ\n青年部,名詞,セイネンブ\n",
    )
    .unwrap();
    let (err, _) = fx.index(&["--user-dict", dict_arg]);
    assert!(err.contains("rebuilding"), "{err}");
    // search notices it too.
    let r = fx.search("未加入者", &[]);
    assert!(r.stderr.contains("rebuilding"), "{}", r.stderr);
}

/// Issue 9: open-ended year ranges (the year error message itself suggests `year:2024..`) and
/// absurd limits used to panic inside tantivy.
#[test]
fn open_ended_years_and_huge_limits_work() {
    let fx = Fx::new();
    let from = fx.hits("year:2024.. 組合", &[]);
    let to = fx.hits("year:..2024 組合", &[]);
    assert!(docs(&from).contains("jcm-2025") && docs(&from).contains("rengo-kanagawa-2024"));
    assert!(!docs(&to).contains("jcm-2025"), "{:?}", docs(&to));
    assert!(docs(&to).contains("rengo-kanagawa-2024"));
    for h in &from {
        assert!(year_span(h).1 >= 2024, "{h}");
    }
    let all = fx.hits("year:2024..", &[]);
    assert!(all.len() > from.len());

    let themes = fx.run(
        "themes",
        &["--query", "year:2024..", "--format", "json"],
        None,
    );
    assert_eq!(themes.code, Some(0), "{}", themes.stderr);
    assert!(!themes.stderr.contains("panicked"), "{}", themes.stderr);

    // Queries of symbols, particles, single kana, mixed scripts and odd structure: an answer
    // (maybe empty), never a panic.
    for q in [
        "、",
        "の",
        "を かける",
        "ー",
        "𠮷",
        "-組合",
        "-(組合 OR 自治労)",
        "(の)",
        "\"の の\"",
        "+の -の",
        "a",
        "ABC abc",
        "組合。自治労、",
        "がががががががが",
        "1",
        "２０２４",
        "year:..2024 -year:2025..",
        "kind:survey -組合 question:悩み",
    ] {
        let r = fx.run("search", &["--format", "json"], Some(q));
        let expected = if r.stderr.contains("error: invalid query") {
            2
        } else {
            search_status(&r.stdout)
        };
        assert_eq!(r.code, Some(expected), "{q}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{q}: {}", r.stderr);
    }

    for limit in ["4611686018427387904", &usize::MAX.to_string()] {
        let r = fx.search("組合", &["--limit", limit, "--offset", limit]);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        let r = fx.search("組合", &["--limit", limit, "--format", "json"]);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert!(r.stdout.contains("組合"));
    }
}

/// Issue 9: a search while `kumiai index` updates the index read its last commit instead of
/// failing with "locked" (8 of 9 tries): only writers lock.
#[test]
fn search_reads_the_last_commit_while_an_update_runs() {
    let tmp = TempDir::new().unwrap();
    let corpus = tmp.path().join("big");
    big_corpus(&corpus, 20);
    let index = tmp.path().join("index");
    let first = kumiai("index", &corpus, &index, &[], None);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    for attempt in 0..5 {
        // Every copy changes, so the update has work and the search finds the index stale.
        for e in std::fs::read_dir(&corpus).unwrap() {
            let path = e.unwrap().path();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("copy")
            {
                let mut text = std::fs::read_to_string(&path).unwrap();
                text.push_str(&format!("\n追記{attempt}の文。\n"));
                std::fs::write(&path, text).unwrap();
            }
        }
        let mut update = crate::util::kumiai()
            .args(["index", "--corpus"])
            .arg(&corpus)
            .arg("--index")
            .arg(&index)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300 + 200 * attempt));
        let r = kumiai(
            "search",
            &corpus,
            &index,
            &["--format", "json"],
            Some("未加入者"),
        );
        let still_running = update.try_wait().unwrap().is_none();
        let status = update.wait().unwrap();
        assert_eq!(status.code(), Some(0));
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(!json_hits(&r.stdout).is_empty(), "{}", r.stdout);
        if still_running && r.stderr.contains("searching its last commit") {
            return;
        }
    }
    panic!("the update always finished before the search started");
}

/// `kumiai search … | head -1`: the reader closing the pipe is not an error (exit 0, no
/// message), as for grep.
#[test]
fn a_closed_pipe_ends_the_listing_quietly() {
    use std::io::BufRead;
    let index = tempfile::tempdir().unwrap();
    let mut child = crate::util::kumiai()
        .args([
            "search",
            "組合 OR 組織 OR 職員 OR 活動",
            "--by",
            "unit",
            "--limit",
            "5000",
            "--index",
        ])
        .arg(index.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("件ヒット"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}
