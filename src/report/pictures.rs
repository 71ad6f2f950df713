//! The pictures KH Coder users expect — 共起ネットワーク, 対応分析, 頻出語 — as self-contained
//! SVG, each with a caption saying how it was made and the numbers behind it (CSV, GraphML).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::escape_html;
use super::excel::CsvWriter;
use super::layout::{self, Rect};
use super::table::{Align, Table};
use crate::analyze::Analyzer;
use crate::lexicon::Concepts;
use crate::themes::By;
use crate::themes::ca::{self, Correspondence};
use crate::themes::model::{Theme, ThemeReport, ThemeUnit};
use crate::themes::network::{self, Network, NetworkOptions, NodeKind};

/// A picture and its figure legend.
#[derive(Debug, Clone)]
pub struct Figure {
    pub title: String,
    pub svg: String,
    pub caption: String,
}

/// One colour per discovered theme (ColorBrewer Paired and Dark2, distinguishable in print);
/// terms in no theme are grey.
const PALETTE: [&str; 12] = [
    "#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#fb9a99",
    "#b2df8a", "#fdbf6f", "#cab2d6", "#1b9e77",
];
const NO_THEME: &str = "#bdbdbd";
const GROUP: &str = "#444444";
const WIDTH: f64 = 1280.0;
const FONT: f64 = 14.0;

fn colour(theme: Option<usize>) -> &'static str {
    theme.map_or(NO_THEME, |t| PALETTE[t % PALETTE.len()])
}

fn svg_open(svg: &mut String, width: f64, height: f64, label: &str) {
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"{}\" font-family=\"'Noto Sans JP','Noto Sans CJK JP','Hiragino Sans','Yu Gothic','Meiryo',sans-serif\">",
        escape_html(label)
    );
}

fn label_text(svg: &mut String, b: &Rect, text: &str, font: f64, weight: &str) {
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{font:.0}\" font-weight=\"{weight}\" text-anchor=\"middle\" dominant-baseline=\"central\" class=\"label\">{}</text>",
        b.x,
        b.y,
        escape_html(text)
    );
}

/// The label box of a node: its text, or its circle where that is larger.
fn node_box(x: f64, y: f64, text: &str, font: f64, radius: f64) -> Rect {
    Rect {
        x,
        y,
        half_w: (layout::text_width(text, font) / 2.0 + 2.0).max(radius),
        half_h: (font * 0.65).max(radius),
    }
}

/// Lays the network out (seeded, so the same data gives the same picture) and draws it:
/// circles sized by frequency and coloured by theme, squares for groups, lines as thick as
/// the coefficient. `theme_labels` name the colours in the legend.
pub fn network_figure(net: &Network, theme_labels: &[String], selection: &str) -> Figure {
    let n = net.nodes.len();
    let max_freq = net
        .nodes
        .iter()
        .map(|n| n.frequency)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let radius: Vec<f64> = net
        .nodes
        .iter()
        .map(|node| 5.0 + 13.0 * (node.frequency as f64 / max_freq).sqrt())
        .collect();
    let weights: Vec<(usize, usize, f64)> = net
        .edges
        .iter()
        .map(|e| (e.source, e.target, e.jaccard))
        .collect();
    // Grown until the labels fit: a crowded graph gets a taller picture, never overlaps.
    let mut height = 820.0;
    let boxes = loop {
        let pos = layout::force_directed(n, &weights, WIDTH - 160.0, height - 80.0, 20_26);
        let mut boxes: Vec<Rect> = pos
            .iter()
            .zip(&net.nodes)
            .zip(&radius)
            .map(|((&(x, y), node), &r)| node_box(x + 80.0, y + 40.0, &node.label, FONT, r))
            .collect();
        if layout::separate(&mut boxes, WIDTH, height) || height > 4000.0 {
            break boxes;
        }
        height *= 1.25;
    };
    let legend_rows = theme_labels.len().min(PALETTE.len()).div_ceil(3);
    let total_height = height + 28.0 * legend_rows as f64 + 10.0;
    let mut svg = String::new();
    svg_open(&mut svg, WIDTH, total_height, "共起ネットワーク");
    let max_j = net
        .edges
        .iter()
        .map(|e| e.jaccard)
        .fold(0.0, f64::max)
        .max(1e-9);
    for e in &net.edges {
        let (a, b) = (boxes[e.source], boxes[e.target]);
        let _ = write!(
            svg,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#9e9e9e\" stroke-opacity=\"0.8\" stroke-width=\"{:.2}\"><title>{} – {}: Jaccard {:.3}（{}単位）</title></line>",
            a.x,
            a.y,
            b.x,
            b.y,
            0.8 + 4.0 * e.jaccard / max_j,
            escape_html(&net.nodes[e.source].label),
            escape_html(&net.nodes[e.target].label),
            e.jaccard,
            e.units
        );
    }
    for ((node, b), r) in net.nodes.iter().zip(&boxes).zip(&radius) {
        let title = format!(
            "{}（出現 {}、{}単位）",
            node.label, node.frequency, node.units
        );
        match node.kind {
            NodeKind::Term => {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.1}\" fill=\"{}\" fill-opacity=\"0.55\" stroke=\"#555\" stroke-width=\"0.6\"><title>{}</title></circle>",
                    b.x,
                    b.y,
                    colour(node.theme),
                    escape_html(&title)
                );
                label_text(&mut svg, b, &node.label, FONT, "normal");
            }
            NodeKind::Group => {
                let _ = write!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fff\" stroke=\"{GROUP}\" stroke-width=\"1.5\"><title>{}</title></rect>",
                    b.x - b.half_w,
                    b.y - b.half_h,
                    2.0 * b.half_w,
                    2.0 * b.half_h,
                    escape_html(&title)
                );
                label_text(&mut svg, b, &node.label, FONT, "bold");
            }
        }
    }
    for (i, label) in theme_labels.iter().take(PALETTE.len()).enumerate() {
        let x = 20.0 + (i % 3) as f64 * 420.0;
        let y = height + 18.0 + (i / 3) as f64 * 28.0;
        let _ = write!(
            svg,
            "<circle cx=\"{:.0}\" cy=\"{y:.0}\" r=\"7\" fill=\"{}\" fill-opacity=\"0.55\" stroke=\"#555\"/><text x=\"{:.0}\" y=\"{y:.0}\" font-size=\"13\" dominant-baseline=\"central\">{}</text>",
            x,
            PALETTE[i],
            x + 14.0,
            escape_html(&format!(
                "テーマ{}：{}",
                i + 1,
                super::short_label(label, 26)
            ))
        );
    }
    svg.push_str("</svg>");
    let terms = net
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Term)
        .count();
    let groups = n - terms;
    let nodes = if groups > 0 {
        format!("語{terms}個（円、大きさは出現数）と外部変数{groups}個（四角）")
    } else {
        format!("語{terms}個（円、大きさは出現数）")
    };
    Figure {
        title: "共起ネットワーク".into(),
        svg,
        caption: format!(
            "共起ネットワーク。{selection}の{}単位を集計。ノード：{nodes}。線：同じ単位に現れる組み合わせの Jaccard 係数（{}、太いほど強い）。色：自動抽出したテーマ（灰色はテーマ外の語）。配置は乱数の種を固定した Fruchterman–Reingold 法で、位置の遠近そのものには意味がなく、線で結ばれているかが重要。",
            net.unit_count, net.rule
        ),
    }
}

/// The CA biplot of dimensions 1 and 2: groups as squares (all labelled), terms as circles
/// sized by mass, labelled for the `labels` terms contributing most to the two dimensions.
/// `row_noun` says what the rows are (語 or コード), `group_noun` what the columns are.
pub fn ca_figure(
    ca: &Correspondence,
    labels: usize,
    selection: &str,
    row_noun: &str,
    group_noun: &str,
) -> Figure {
    let dims = ca.inertias.len().min(2);
    let coord = |p: &crate::themes::ca::Point, k: usize| p.coords.get(k).copied().unwrap_or(0.0);
    let all = ca.row_points.iter().chain(&ca.col_points);
    let (mut lo_x, mut hi_x, mut lo_y, mut hi_y) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for p in all {
        lo_x = lo_x.min(coord(p, 0));
        hi_x = hi_x.max(coord(p, 0));
        lo_y = lo_y.min(coord(p, 1));
        hi_y = hi_y.max(coord(p, 1));
    }
    let pad = |lo: f64, hi: f64| ((hi - lo) * 0.08).max(1e-6);
    let (px, py) = (pad(lo_x, hi_x), pad(lo_y, hi_y));
    let (lo_x, hi_x, lo_y, hi_y) = (lo_x - px, hi_x + px, lo_y - py, hi_y + py);
    let height = 900.0;
    let (left, top, plot_w, plot_h) = (70.0, 30.0, WIDTH - 110.0, height - 90.0);
    let sx = |x: f64| left + (x - lo_x) / (hi_x - lo_x) * plot_w;
    let sy = |y: f64| top + (hi_y - y) / (hi_y - lo_y) * plot_h;
    // Contribution to the plane, weighted by each dimension's inertia.
    let weight: f64 = ca.inertias[..dims].iter().sum();
    let plane = |p: &crate::themes::ca::Point| -> f64 {
        (0..dims)
            .map(|k| p.contributions[k] * ca.inertias[k])
            .sum::<f64>()
            / weight
    };
    let mut ranked: Vec<usize> = (0..ca.row_points.len()).collect();
    ranked.sort_by(|&a, &b| {
        plane(&ca.row_points[b])
            .total_cmp(&plane(&ca.row_points[a]))
            .then(a.cmp(&b))
    });
    ranked.truncate(labels);
    let mut svg = String::new();
    svg_open(&mut svg, WIDTH, height, "対応分析");
    let (ox, oy) = (sx(0.0), sy(0.0));
    let _ = write!(
        svg,
        "<line x1=\"{left:.0}\" y1=\"{oy:.1}\" x2=\"{:.0}\" y2=\"{oy:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/><line x1=\"{ox:.1}\" y1=\"{top:.0}\" x2=\"{ox:.1}\" y2=\"{:.0}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>",
        left + plot_w,
        top + plot_h
    );
    let axis = |k: usize| format!("成分{}（{:.1}%）", k + 1, 100.0 * ca.share(k));
    let _ = write!(
        svg,
        "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"13\" text-anchor=\"end\">{}</text>",
        left + plot_w,
        height - 30.0,
        escape_html(&axis(0))
    );
    if dims > 1 {
        let _ = write!(
            svg,
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"13\">{}</text>",
            left,
            top - 10.0,
            escape_html(&axis(1))
        );
    }
    let max_mass = ca
        .row_points
        .iter()
        .map(|p| p.mass)
        .fold(0.0, f64::max)
        .max(1e-12);
    for p in &ca.row_points {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill=\"#1f78b4\" fill-opacity=\"0.45\"><title>{}</title></circle>",
            sx(coord(p, 0)),
            sy(coord(p, 1)),
            2.5 + 6.0 * (p.mass / max_mass).sqrt(),
            escape_html(&p.label)
        );
    }
    for p in &ca.col_points {
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\" fill=\"#e31a1c\"><title>{}</title></rect>",
            sx(coord(p, 0)) - 4.5,
            sy(coord(p, 1)) - 4.5,
            escape_html(&p.label)
        );
    }
    // Labels start beside their point and are pushed apart; a moved label gets a leader line.
    let mut items: Vec<(&str, (f64, f64), &str)> = ca
        .col_points
        .iter()
        .map(|p| (p.label.as_str(), (sx(coord(p, 0)), sy(coord(p, 1))), "bold"))
        .collect();
    items.extend(ranked.iter().map(|&i| {
        let p = &ca.row_points[i];
        (
            p.label.as_str(),
            (sx(coord(p, 0)), sy(coord(p, 1))),
            "normal",
        )
    }));
    let mut boxes: Vec<Rect> = items
        .iter()
        .map(|(text, (x, y), _)| {
            let half_w = layout::text_width(text, FONT) / 2.0 + 2.0;
            Rect {
                x: x + half_w + 6.0,
                y: *y,
                half_w,
                half_h: FONT * 0.65,
            }
        })
        .collect();
    layout::separate(&mut boxes, WIDTH, height - 40.0);
    let mut shown = 0;
    let mut placed: Vec<Rect> = Vec::new();
    for ((text, (x, y), weight), b) in items.iter().zip(&boxes) {
        // A label that still overlaps one already drawn is left out rather than drawn over it.
        if placed.iter().any(|p| p.overlaps(b)) {
            continue;
        }
        let near_x = x.clamp(b.x - b.half_w, b.x + b.half_w);
        let near_y = y.clamp(b.y - b.half_h, b.y + b.half_h);
        if (near_x - x).hypot(near_y - y) > 10.0 {
            let _ = write!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{near_x:.1}\" y2=\"{near_y:.1}\" stroke=\"#bbb\" stroke-width=\"0.7\"/>"
            );
        }
        label_text(&mut svg, b, text, FONT, weight);
        placed.push(*b);
        shown += 1;
    }
    svg.push_str("</svg>");
    let hidden = items.len() - shown;
    let hidden = if hidden > 0 {
        format!("（重なるため{hidden}個のラベルを省略）")
    } else {
        String::new()
    };
    Figure {
        title: "対応分析".into(),
        svg,
        caption: format!(
            "対応分析（同時布置図）。{selection}。入力：{}{}個 × {group_noun}{}個の表（各セルはそれを含む単位の数）。標準化残差行列の特異値分解による主座標。総イナーシャ {:.4}、{}。赤い四角＝{group_noun}、青い円＝{}（大きさは質量）。ラベルは2つの成分への寄与の大きい{}個{hidden}。",
            row_noun,
            ca.rows.len(),
            ca.cols.len(),
            ca.total_inertia,
            (0..ca.inertias.len().min(3))
                .map(axis)
                .collect::<Vec<_>>()
                .join("、"),
            row_noun,
            ranked.len()
        ),
    }
}

/// A horizontal bar chart of (label, count), largest first, `width` pixels wide.
fn bars(svg: &mut String, rows: &[(String, usize)], x0: f64, y0: f64, width: f64, colour: &str) {
    let label_w = rows
        .iter()
        .map(|(l, _)| layout::text_width(l, 13.0))
        .fold(40.0, f64::max)
        .min(width * 0.45);
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let bar_w = width - label_w - 50.0;
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = y0 + i as f64 * 22.0;
        let w = bar_w * *n as f64 / max;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"end\" dominant-baseline=\"central\">{}</text><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"16\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" dominant-baseline=\"central\">{n}</text>",
            x0 + label_w,
            y + 8.0,
            escape_html(label),
            x0 + label_w + 6.0,
            y,
            x0 + label_w + 10.0 + w,
            y + 8.0
        );
    }
}

/// Top terms of the selection as one bar chart.
pub fn frequency_figure(rows: &[(String, usize)], measure: &str, selection: &str) -> Figure {
    let height = 20.0 + 22.0 * rows.len() as f64;
    let mut svg = String::new();
    svg_open(&mut svg, 760.0, height, "頻出語");
    bars(&mut svg, rows, 10.0, 10.0, 740.0, "#3b6ea8");
    svg.push_str("</svg>");
    Figure {
        title: "頻出語".into(),
        svg,
        caption: format!(
            "頻出語の上位{}語。{selection}。棒の長さ：{measure}。",
            rows.len()
        ),
    }
}

/// Top terms per group, one small chart each, three to a row.
pub fn small_multiples_figure(
    groups: &[(String, Vec<(String, usize)>)],
    measure: &str,
    group_noun: &str,
) -> Figure {
    let per = groups.iter().map(|g| g.1.len()).max().unwrap_or(0) as f64;
    let panel_w = WIDTH / 3.0;
    let panel_h = 36.0 + 22.0 * per;
    let height = panel_h * groups.len().div_ceil(3) as f64 + 10.0;
    let mut svg = String::new();
    svg_open(&mut svg, WIDTH, height, "群ごとの頻出語");
    for (i, (name, rows)) in groups.iter().enumerate() {
        let x = (i % 3) as f64 * panel_w;
        let y = (i / 3) as f64 * panel_h;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"14\" font-weight=\"bold\">{}</text>",
            x + 10.0,
            y + 20.0,
            escape_html(&super::short_label(name, 24))
        );
        bars(
            &mut svg,
            rows,
            x + 4.0,
            y + 30.0,
            panel_w - 12.0,
            PALETTE[i % PALETTE.len()],
        );
    }
    svg.push_str("</svg>");
    Figure {
        title: format!("{group_noun}ごとの頻出語"),
        svg,
        caption: format!(
            "{group_noun}ごとの頻出語（単位数の多い{}{group_noun}、各上位{per}語）。棒の長さ：{measure}（尺度はパネルごと）。",
            groups.len()
        ),
    }
}

/// A word cloud for report covers: font size by the square root of the count, words placed
/// on an Archimedean spiral from the centre in rank order, none overlapping (deterministic).
pub fn word_cloud_figure(rows: &[(String, usize)], selection: &str) -> Figure {
    let (w, h) = (WIDTH, 640.0);
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let mut placed: Vec<Rect> = Vec::new();
    let mut svg = String::new();
    svg_open(&mut svg, w, h, "ワードクラウド");
    for (i, (word, n)) in rows.iter().enumerate() {
        let font = 12.0 + 48.0 * (*n as f64 / max).sqrt();
        let half_w = layout::text_width(word, font) / 2.0 + 2.0;
        let half_h = font * 0.6;
        let spot = (0..4000).map(|s| s as f64 * 0.35).find_map(|t| {
            let b = Rect {
                x: w / 2.0 + 6.0 * t * t.cos(),
                y: h / 2.0 + 3.5 * t * t.sin(),
                half_w,
                half_h,
            };
            let inside = b.x - half_w >= 0.0
                && b.x + half_w <= w
                && b.y - half_h >= 0.0
                && b.y + half_h <= h;
            (inside && !placed.iter().any(|p| p.overlaps(&b))).then_some(b)
        });
        if let Some(b) = spot {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{font:.0}\" fill=\"{}\" text-anchor=\"middle\" dominant-baseline=\"central\" class=\"label\">{}</text>",
                b.x,
                b.y,
                PALETTE[i % PALETTE.len()],
                escape_html(word)
            );
            placed.push(b);
        }
    }
    svg.push_str("</svg>");
    Figure {
        title: "ワードクラウド".into(),
        svg,
        caption: format!(
            "ワードクラウド（表紙用の飾り。分析には棒グラフと表を使うこと）。{selection}。文字の大きさ：単位数の平方根。配置は決定的（中心から渦巻き状に順位順）。"
        ),
    }
}

/// The network's edges as a table: both terms, the Jaccard coefficient, shared units.
pub fn edge_table(net: &Network) -> Table {
    let mut t = Table::new([
        ("語1", Align::Left),
        ("語2", Align::Left),
        ("Jaccard係数", Align::Right),
        ("共起単位数", Align::Right),
    ]);
    for e in &net.edges {
        t.row(vec![
            net.nodes[e.source].label.clone(),
            net.nodes[e.target].label.clone(),
            format!("{:.3}", e.jaccard),
            e.units.to_string(),
        ]);
    }
    t
}

/// The principal inertias of a correspondence analysis and each dimension's share.
pub fn inertia_table(ca: &Correspondence) -> Table {
    let mut t = Table::new([
        ("成分", Align::Right),
        ("固有値", Align::Right),
        ("寄与率", Align::Right),
    ]);
    for (k, l) in ca.inertias.iter().enumerate() {
        t.row(vec![
            (k + 1).to_string(),
            format!("{l:.4}"),
            format!("{:.1}%", 100.0 * ca.share(k)),
        ]);
    }
    t
}

/// What `freq` counts, said under its bars.
pub const FREQ_MEASURE: &str = "その語を含む単位（文・回答）の数";

/// The pictures of a selection and the numbers under them.
#[derive(Default)]
pub struct Pictures {
    /// Each with its legend, numbered in order.
    pub figures: Vec<Figure>,
    /// The edge list and the principal inertias.
    pub tables: Vec<Table>,
}

/// The three pictures of a theme report's selection — `units`, grouped `by` — with the
/// defaults of `kumiai network`, `ca` and `freq`: the co-occurrence network coloured by the
/// report's themes (so the picture and the theme table agree), the correspondence analysis of
/// the top terms × the groups, and the most frequent terms. For the theme report's 図 section
/// and the batch report's pictures page.
pub fn theme_report_pictures(
    units: &[ThemeUnit],
    report: &ThemeReport,
    analyzer: &Analyzer,
    concepts: &Concepts,
    by: By,
) -> Pictures {
    let terms = crate::themes::terms::extract_with_defaults(units, analyzer, concepts);
    let themes: Vec<&Theme> = report.themes.iter().chain(&report.single_branch).collect();
    let selection = report.selection.as_str();
    let net = network::terms_network(&terms, &themes, &NetworkOptions::default());
    let labels: Vec<String> = themes.iter().map(|t| t.label.clone()).collect();
    let mut figures = vec![network_figure(&net, &labels, selection)];
    let mut tables = vec![edge_table(&net)];
    let table = ca::term_group_table(units, &terms, &ca::top_terms(&terms, 60));
    // Too small a table for CA (a single group) leaves the pictures without the biplot.
    if let Ok(result) = ca::analyse(&table.terms, &table.groups, &table.counts, 3) {
        let caption = format!("{selection}、{}別", by.label());
        figures.push(ca_figure(&result, 40, &caption, "語", by.label()));
        tables.push(inertia_table(&result));
    }
    let rows: Vec<(String, usize)> = ca::top_terms(&terms, 30)
        .iter()
        .map(|&id| {
            let t = &terms.stats[id as usize];
            (t.term.clone(), t.units)
        })
        .collect();
    figures.push(frequency_figure(&rows, FREQ_MEASURE, selection));
    Pictures { figures, tables }
}

/// The figures, numbered, each with its legend, then the tables (inside a page).
pub fn write_figures(out: &mut impl Write, figures: &[Figure], tables: &[Table]) -> io::Result<()> {
    for (i, f) in figures.iter().enumerate() {
        writeln!(
            out,
            "<figure>{}<figcaption>図{}　{}</figcaption></figure>",
            f.svg,
            i + 1,
            escape_html(&f.caption)
        )?;
    }
    for t in tables {
        t.write_html(out)?;
    }
    Ok(())
}

/// Writes figures and their tables as one self-contained page (no script, no network).
pub fn write_page(
    out: &mut impl Write,
    title: &str,
    figures: &[Figure],
    tables: &[Table],
) -> io::Result<()> {
    super::html_start(
        out,
        title,
        "body{font-family:'Noto Sans JP','Noto Sans CJK JP','Hiragino Sans','Yu Gothic','Meiryo',sans-serif;margin:1.5em;color:#222}\
figure{margin:1.5em 0}svg{max-width:100%;height:auto;display:block}\
figcaption{font-size:.9em;color:#444;max-width:60em;margin-top:.5em}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .5em;font-size:.9em}\
td.n{text-align:right}",
    )?;
    writeln!(out, "<h1>{}</h1>", escape_html(title))?;
    write_figures(out, figures, tables)?;
    writeln!(out, "</body></html>")
}

/// The network as GraphML (Cytoscape, Gephi, R's igraph read it), with each node's kind,
/// frequency, units and theme and each edge's Jaccard weight and shared units.
pub fn write_graphml(out: &mut impl Write, net: &Network) -> io::Result<()> {
    writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n\
  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n\
  <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n\
  <key id=\"frequency\" for=\"node\" attr.name=\"frequency\" attr.type=\"int\"/>\n\
  <key id=\"units\" for=\"node\" attr.name=\"units\" attr.type=\"int\"/>\n\
  <key id=\"theme\" for=\"node\" attr.name=\"theme\" attr.type=\"int\"/>\n\
  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n\
  <key id=\"shared\" for=\"edge\" attr.name=\"shared_units\" attr.type=\"int\"/>\n\
  <graph id=\"cooccurrence\" edgedefault=\"undirected\">"
    )?;
    for (i, n) in net.nodes.iter().enumerate() {
        let kind = match n.kind {
            NodeKind::Term => "term",
            NodeKind::Group => "group",
        };
        let theme = n.theme.map_or(String::new(), |t| {
            format!("<data key=\"theme\">{}</data>", t + 1)
        });
        writeln!(
            out,
            "    <node id=\"n{i}\"><data key=\"label\">{}</data><data key=\"kind\">{kind}</data><data key=\"frequency\">{}</data><data key=\"units\">{}</data>{theme}</node>",
            escape_html(&crate::warning::escape_controls(&n.label)),
            n.frequency,
            n.units
        )?;
    }
    for e in &net.edges {
        writeln!(
            out,
            "    <edge source=\"n{}\" target=\"n{}\"><data key=\"weight\">{:.6}</data><data key=\"shared\">{}</data></edge>",
            e.source, e.target, e.jaccard, e.units
        )?;
    }
    writeln!(out, "  </graph>\n</graphml>")
}

fn csv_file(
    dir: &Path,
    name: &str,
    written: &mut Vec<PathBuf>,
) -> io::Result<CsvWriter<io::BufWriter<std::fs::File>>> {
    let path = dir.join(name);
    let w = CsvWriter::new(io::BufWriter::new(std::fs::File::create(&path)?))?;
    written.push(path);
    Ok(w)
}

/// The network's edge list and node list as CSV (UTF-8 with BOM, formulas neutralised).
pub fn write_network_csv(dir: &Path, net: &Network) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let mut edges = csv_file(dir, "network_edges.csv", &mut written)?;
    edges.write_record(["語1", "語2", "Jaccard係数", "共起単位数"])?;
    for e in &net.edges {
        edges.write_record([
            net.nodes[e.source].label.clone(),
            net.nodes[e.target].label.clone(),
            format!("{:.4}", e.jaccard),
            e.units.to_string(),
        ])?;
    }
    edges.flush()?;
    let mut nodes = csv_file(dir, "network_nodes.csv", &mut written)?;
    nodes.write_record(["ノード", "種類", "出現数", "単位数", "テーマ"])?;
    for n in &net.nodes {
        nodes.write_record([
            n.label.clone(),
            match n.kind {
                NodeKind::Term => "語".into(),
                NodeKind::Group => "外部変数".into(),
            },
            n.frequency.to_string(),
            n.units.to_string(),
            n.theme.map_or(String::new(), |t| (t + 1).to_string()),
        ])?;
    }
    nodes.flush()?;
    Ok(written)
}

/// The CA input table, inertias and every coordinate and contribution as CSV.
pub fn write_ca_csv(
    dir: &Path,
    ca: &Correspondence,
    row_noun: &str,
    group_noun: &str,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let mut input = csv_file(dir, "ca_input.csv", &mut written)?;
    input.write_record(std::iter::once(row_noun.to_string()).chain(ca.cols.iter().cloned()))?;
    for (label, row) in ca.rows.iter().zip(&ca.table) {
        input.write_record(
            std::iter::once(label.clone()).chain(row.iter().map(|x| format!("{x:.0}"))),
        )?;
    }
    input.flush()?;
    let mut inertia = csv_file(dir, "ca_inertia.csv", &mut written)?;
    inertia.write_record(["成分", "固有値（主イナーシャ）", "寄与率", "累積寄与率"])?;
    let mut cumulative = 0.0;
    for (k, l) in ca.inertias.iter().enumerate() {
        cumulative += ca.share(k);
        inertia.write_record([
            (k + 1).to_string(),
            format!("{l:.6}"),
            format!("{:.4}", ca.share(k)),
            format!("{cumulative:.4}"),
        ])?;
    }
    inertia.flush()?;
    let dims = ca.inertias.len();
    let header = |first: &str| {
        let mut h = vec![first.to_string(), "質量".to_string()];
        h.extend((1..=dims).map(|k| format!("成分{k}座標")));
        h.extend((1..=dims).map(|k| format!("成分{k}寄与")));
        h
    };
    for (name, first, points) in [
        ("ca_rows.csv", row_noun, &ca.row_points),
        ("ca_cols.csv", group_noun, &ca.col_points),
    ] {
        let mut w = csv_file(dir, name, &mut written)?;
        w.write_record(header(first))?;
        for p in points {
            let mut row = vec![p.label.clone(), format!("{:.6}", p.mass)];
            row.extend(p.coords.iter().map(|x| format!("{x:.6}")));
            row.extend(p.contributions.iter().map(|x| format!("{x:.6}")));
            w.write_record(row)?;
        }
        w.flush()?;
    }
    Ok(written)
}
