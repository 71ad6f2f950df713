//! `kumiai network`, `ca` and `freq` through the real binary on the bundled survey: the
//! numbers behind each picture agree with each other and with the answers, labels never
//! overlap, and text from documents stays text.

use std::path::Path;

use crate::util::{Run, run};
use serde_json::Value;

/// Runs kumiai on `corpus`; it must not panic, whatever its status.
fn raw(corpus: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--corpus", corpus.to_str().unwrap()];
    all.extend(args);
    run(&all)
}

/// Runs kumiai on the bundled corpus; it must finish its work (status 0).
fn kumiai(args: &[&str]) -> Run {
    let out = run(args);
    assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
    out
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&kumiai(&all).stdout).unwrap()
}

/// The survey's answers, as `kumiai units` prints them.
fn answers() -> Vec<String> {
    kumiai(&["units", "--format", "jsonl"])
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|u| u["doc_kind"] == "survey")
        .map(|u| u["text"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn network_edges_are_the_jaccard_coefficients_of_their_units() {
    let net = json(&["network"]);
    let nodes = net["nodes"].as_array().unwrap();
    let edges = net["edges"].as_array().unwrap();
    assert!(nodes.len() >= 20, "{}", nodes.len());
    assert!(edges.len() <= 60 && edges.len() >= 30, "{}", edges.len());
    let units = |i: &Value| {
        nodes[i.as_u64().unwrap() as usize]["units"]
            .as_f64()
            .unwrap()
    };
    let mut last = f64::INFINITY;
    for e in edges {
        let (a, b, both) = (
            units(&e["source"]),
            units(&e["target"]),
            e["units"].as_f64().unwrap(),
        );
        let j = e["jaccard"].as_f64().unwrap();
        assert!((j - both / (a + b - both)).abs() < 1e-12, "{e}");
        assert!(j <= last, "strongest first");
        last = j;
    }
    // Every node is an end of some edge, and most are coloured by a discovered theme.
    for (i, _) in nodes.iter().enumerate() {
        assert!(edges.iter().any(|e| e["source"] == i || e["target"] == i));
    }
    let themed = nodes.iter().filter(|n| !n["theme"].is_null()).count();
    assert!(themed * 2 > nodes.len(), "{themed} of {}", nodes.len());
    // The strongest pair is said together in real answers.
    let label = |i: &Value| {
        nodes[i.as_u64().unwrap() as usize]["label"]
            .as_str()
            .unwrap()
    };
    let (x, y) = (label(&edges[0]["source"]), label(&edges[0]["target"]));
    let together = answers()
        .iter()
        .filter(|a| a.contains(x) && a.contains(y))
        .count();
    assert!(together >= 2, "{x} – {y}: {together}");
}

#[test]
fn edge_rules_and_group_nodes() {
    let strong = json(&["network", "--min-jaccard", "0.4"]);
    let edges = strong["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    assert!(edges.iter().all(|e| e["jaccard"].as_f64().unwrap() >= 0.4));
    let groups = json(&["network", "--with-groups", "--by", "県本部"]);
    let nodes = groups["nodes"].as_array().unwrap();
    let group_nodes: Vec<&str> = nodes
        .iter()
        .filter(|n| n["kind"] == "group")
        .map(|n| n["label"].as_str().unwrap())
        .collect();
    assert!(group_nodes.len() >= 5, "{group_nodes:?}");
    // Every edge joins a term to a group.
    for e in groups["edges"].as_array().unwrap() {
        let kind = |k: &str| nodes[e[k].as_u64().unwrap() as usize]["kind"].clone();
        assert_eq!(
            (kind("source"), kind("target")),
            ("term".into(), "group".into())
        );
    }
    let bad = raw(Path::new("corpora"), &["network", "--min-jaccard", "1.5"]);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("between 0 and 1"));
}

#[test]
fn graphml_and_csv_carry_the_same_graph() {
    let dir = tempfile::tempdir().unwrap();
    let graphml = dir.path().join("n.graphml");
    let csv = dir.path().join("csv");
    let net = json(&["network", "--graphml", graphml.to_str().unwrap()]);
    kumiai(&["network", "--format", "csv", "--out", csv.to_str().unwrap()]);
    let xml = std::fs::read_to_string(&graphml).unwrap();
    assert!(xml.starts_with("<?xml") && xml.trim_end().ends_with("</graphml>"));
    let nodes = net["nodes"].as_array().unwrap().len();
    let edges = net["edges"].as_array().unwrap().len();
    assert_eq!(xml.matches("<node ").count(), nodes);
    assert_eq!(xml.matches("<edge ").count(), edges);
    let edge_csv = std::fs::read_to_string(csv.join("network_edges.csv")).unwrap();
    assert!(edge_csv.starts_with("\u{feff}語1,語2,Jaccard係数,共起単位数"));
    assert_eq!(edge_csv.lines().count(), edges + 1);
    let first = &net["edges"][0];
    let label = |k: &str| net["nodes"][first[k].as_u64().unwrap() as usize]["label"].clone();
    let row = format!(
        "{},{},{:.4},{}",
        label("source").as_str().unwrap(),
        label("target").as_str().unwrap(),
        first["jaccard"].as_f64().unwrap(),
        first["units"]
    );
    assert_eq!(edge_csv.lines().nth(1), Some(row.as_str()));
}

/// The boxes of the labels in an SVG, from their position and font size, with widths
/// estimated independently of the layout code (full-width characters one em, others 0.55).
fn label_boxes(svg: &str) -> Vec<(String, f64, f64, f64, f64)> {
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[start..start + tag[start..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    svg.split("<text ")
        .skip(1)
        .filter(|t| t.contains("class=\"label\""))
        .map(|t| {
            let tag = format!(" {}", &t[..t.find('>').unwrap()]);
            let content = &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()];
            let content = content
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">");
            let font = attr(&tag, "font-size");
            let width: f64 = content
                .chars()
                .map(|c| {
                    if c as u32 >= 0x2E80 {
                        font
                    } else {
                        0.55 * font
                    }
                })
                .sum();
            (
                content,
                attr(&tag, "x"),
                attr(&tag, "y"),
                width / 2.0,
                font / 2.0,
            )
        })
        .collect()
}

fn assert_no_overlap(svg: &str) {
    let boxes = label_boxes(svg);
    assert!(boxes.len() >= 10, "{}", boxes.len());
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let apart = (a.1 - b.1).abs() >= a.3 + b.3 || (a.2 - b.2).abs() >= a.4 + b.4;
            assert!(apart, "labels {} and {} overlap", a.0, b.0);
        }
    }
}

#[test]
fn labels_never_overlap() {
    for args in [
        &["network", "--format", "svg"][..],
        &[
            "network",
            "--format",
            "svg",
            "--with-groups",
            "--by",
            "県本部",
        ],
        &[
            "network",
            "--format",
            "svg",
            "--top-terms",
            "150",
            "--edges",
            "200",
        ],
        &["ca", "--format", "svg", "--by", "県本部"],
        &["ca", "--format", "svg", "--by", "県本部", "--labels", "60"],
        &["freq", "--format", "svg", "--wordcloud"],
    ] {
        let svg = kumiai(args).stdout;
        assert!(svg.starts_with("<svg"), "{args:?}");
        assert_no_overlap(&svg);
    }
}

#[test]
fn correspondence_analysis_is_consistent_and_exported() {
    let ca = json(&["ca", "--by", "県本部"]);
    let inertias: Vec<f64> = ca["inertias"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let total = ca["total_inertia"].as_f64().unwrap();
    assert!(inertias.windows(2).all(|w| w[0] >= w[1]), "{inertias:?}");
    assert!(inertias.iter().sum::<f64>() <= total + 1e-12);
    let cols = ca["col_points"].as_array().unwrap();
    assert_eq!(cols.len(), ca["cols"].as_array().unwrap().len());
    for k in 0..inertias.len() {
        let sum: f64 = cols
            .iter()
            .map(|p| p["contributions"][k].as_f64().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-9, "dimension {k}: {sum}");
        // The principal inertia is the mass-weighted sum of squared principal coordinates.
        let inertia: f64 = cols
            .iter()
            .map(|p| p["mass"].as_f64().unwrap() * p["coords"][k].as_f64().unwrap().powi(2))
            .sum();
        assert!((inertia - inertias[k]).abs() < 1e-9, "dimension {k}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ca");
    kumiai(&[
        "ca",
        "--codebook",
        "codebooks/recruitment.txt",
        "--by",
        "県本部",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    let input = std::fs::read_to_string(out.join("ca_input.csv")).unwrap();
    assert!(input.starts_with("\u{feff}コード,"));
    let codebook = std::fs::read_to_string("codebooks/recruitment.txt").unwrap();
    let first_code = input.lines().nth(1).unwrap().split(',').next().unwrap();
    assert!(codebook.contains(first_code), "{first_code}");
    for f in ["ca_inertia.csv", "ca_rows.csv", "ca_cols.csv"] {
        assert!(out.join(f).is_file(), "{f}");
    }
}

#[test]
fn frequencies_add_up_over_groups() {
    let freq = json(&["freq", "--per-group", "--groups", "1000", "--by", "県本部"]);
    let groups = freq["groups"].as_array().unwrap();
    assert!(groups.len() >= 5);
    for t in freq["terms"].as_array().unwrap().iter().take(5) {
        let term = t["term"].as_str().unwrap();
        let per_group: u64 = groups
            .iter()
            .flat_map(|g| g["terms"].as_array().unwrap())
            .filter(|p| p[0] == term)
            .map(|p| p[1].as_u64().unwrap())
            .sum();
        // A group lists only its top ten, so the sum can only fall short of the total.
        assert!(per_group <= t["units"].as_u64().unwrap(), "{term}");
        assert!(per_group > 0, "{term}");
    }
    for g in groups {
        let counts: Vec<u64> = g["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[1].as_u64().unwrap())
            .collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]));
        assert!(counts.iter().all(|&c| c <= g["units"].as_u64().unwrap()));
    }
    let terms: Vec<u64> = freq["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["units"].as_u64().unwrap())
        .collect();
    assert!(terms.windows(2).all(|w| w[0] >= w[1]), "{terms:?}");
    let page = kumiai(&["freq", "--per-group", "--wordcloud"]).stdout;
    assert_eq!(page.matches("<svg").count(), 3);
    assert!(page.contains("<figcaption>図1"));
}

#[test]
fn a_script_in_a_group_name_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kumiai.toml"),
        r#"
[[document]]
file = "s.csv"
id = "s"
org = "テスト労組"
year = "2025"
kind = "survey"
[document.table]
branch = ["県本部", "単組"]
questions = ["悩み"]
"#,
    )
    .unwrap();
    let mut csv = String::from("県本部,単組,悩み\n");
    for i in 0..6 {
        let branch = if i % 2 == 0 {
            "<script>alert(1)</script>"
        } else {
            "普通の単組"
        };
        csv.push_str(&format!(
            "岩手,{branch},新規採用者の組合加入が進まず役員の負担が大きい。説明会の時間確保{i}\n"
        ));
    }
    std::fs::write(dir.path().join("s.csv"), csv).unwrap();
    for cmd in ["network", "ca", "freq"] {
        let mut args = vec![cmd, "--format", "html"];
        if cmd == "network" {
            args.push("--with-groups");
        }
        if cmd == "freq" {
            args.push("--per-group");
        }
        let out = raw(dir.path(), &args);
        let page = &out.stdout;
        if cmd == "ca" && page.is_empty() {
            // Too small a table for CA is an error, said as such.
            assert!(out.stderr.contains("correspondence analysis"));
            continue;
        }
        assert!(!page.contains("<script>"), "{cmd}");
        assert!(page.contains("&lt;script&gt;"), "{cmd}");
    }
}
