//! `kumiai compare` through the real binary on the bundled 金属労協 policy and edited copies.

use std::path::Path;
use std::process::Command;

const JCM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/corpora/jcm-2025-katsudo-hoshin.txt"
);

fn compare_json(old: &Path, new: &Path) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_kumiai"))
        .args(["compare", "--format", "json"])
        .arg(old)
        .arg(new)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn statuses(v: &serde_json::Value) -> Vec<(String, String)> {
    v["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] != "unchanged")
        .map(|s| {
            let text = s["new"].as_str().or(s["old"].as_str()).unwrap_or_default();
            (s["status"].as_str().unwrap().to_string(), text.to_string())
        })
        .collect()
}

#[test]
fn a_document_compared_with_itself_has_no_changes() {
    let v = compare_json(Path::new(JCM), Path::new(JCM));
    assert!(statuses(&v).is_empty());
    assert!(v["sentences"].as_array().unwrap().len() > 300);
}

#[test]
fn a_word_edit_and_an_added_sentence_are_all_that_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(JCM).unwrap();
    let edited = original
        .replacen("国際連帯の重要性", "国際協調の重要性", 1)
        .replacen(
            "＜人材育成＞ \n",
            "＜人材育成＞ \n 若手組合員の交流会を新たに開催する。\n",
            1,
        );
    let new = dir.path().join("new.txt");
    std::fs::write(&new, edited).unwrap();
    let changes = statuses(&compare_json(Path::new(JCM), &new));
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes
            .iter()
            .any(|(s, t)| s == "modified" && t.starts_with("国際協調の重要性"))
    );
    assert!(
        changes
            .iter()
            .any(|(s, t)| s == "added" && t.contains("若手組合員の交流会"))
    );
}

#[test]
fn html_is_self_contained_and_escapes_document_text() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(JCM).unwrap();
    let new = dir.path().join("new.txt");
    std::fs::write(
        &new,
        original.replacen(
            "＜財政＞ \n",
            "＜財政＞ \n<script>alert(1)</script>を追加する。\n",
            1,
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kumiai"))
        .args(["compare", "--format", "html"])
        .arg(JCM)
        .arg(&new)
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("改正後") && html.contains("改正前"));
    assert!(!html.contains("http://") && !html.contains("https://"));
}
