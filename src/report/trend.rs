//! Reports of a term trend: terminal table, CSV for Excel, JSON, and HTML with an SVG line chart.

use super::display_width as width;
use super::escape_html as html;
use super::sheet::{Cell, Sheet};
use std::io::{self, Write};

use crate::ingest::Years;
use crate::trend::{Trend, TrendRow};

/// Shown for an unknown organisation or year, so the cell does not look blank by mistake.
const UNKNOWN: &str = "不明";

fn or_unknown(s: &str) -> &str {
    if s.is_empty() { UNKNOWN } else { s }
}

fn header(trend: &Trend) -> Vec<String> {
    let mut h = vec![
        "組織".to_string(),
        "年度".to_string(),
        "形態素数".to_string(),
    ];
    for term in &trend.terms {
        h.push(format!("{term}（件）"));
        h.push(format!("{term}（1万語あたり）"));
    }
    h
}

/// Count and rate of each of `terms` terms, in header order (a missing count reads as 0).
fn figures(row: &TrendRow, terms: usize) -> impl Iterator<Item = String> + '_ {
    (0..terms).flat_map(move |i| {
        let count = row.counts.get(i).copied().unwrap_or(0);
        [count.to_string(), format!("{:.2}", row.per_10k(i))]
    })
}

/// Aligned table: text columns (組織, 年度) left, numbers right.
pub fn write_table(out: &mut impl Write, trend: &Trend) -> io::Result<()> {
    let mut table = vec![header(trend)];
    for row in &trend.rows {
        let mut line = vec![
            or_unknown(&row.org).to_string(),
            or_unknown(&row.year).to_string(),
            row.morphemes.to_string(),
        ];
        line.extend(figures(row, trend.terms.len()));
        table.push(line);
    }
    let cols = table[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| table.iter().map(|r| width(&r[c])).max().unwrap_or(0))
        .collect();
    for line in &table {
        let mut text = String::new();
        for (c, cell) in line.iter().enumerate() {
            let pad = " ".repeat(widths[c] - width(cell));
            if c > 0 {
                text.push_str("  ");
            }
            if c < 2 {
                text.push_str(cell);
                if c + 1 < cols {
                    text.push_str(&pad);
                }
            } else {
                text.push_str(&pad);
                text.push_str(cell);
            }
        }
        writeln!(out, "{}", text.trim_end())?;
    }
    Ok(())
}

/// One row per (organisation, year) cell: counts and rates as numbers.
pub fn sheet(trend: &Trend) -> Sheet {
    let mut h = header(trend);
    h.insert(2, "種別".to_string());
    let mut sheet = Sheet::new("出現頻度", h);
    for row in &trend.rows {
        let mut line: Vec<Cell> = vec![
            (&row.org).into(),
            (&row.year).into(),
            (&row.kind).into(),
            row.morphemes.into(),
        ];
        for i in 0..trend.terms.len() {
            line.push(row.counts.get(i).copied().unwrap_or(0).into());
            line.push(Cell::num(row.per_10k(i), 2));
        }
        sheet.row(line);
    }
    sheet
}

/// One row per cell, with a byte-order mark so Excel reads it as UTF-8.
pub fn write_csv(out: &mut impl Write, trend: &Trend) -> io::Result<()> {
    sheet(trend).write_csv(out)
}

pub fn write_xlsx(out: &mut impl Write, trend: &Trend) -> io::Result<()> {
    out.write_all(&super::xlsx::workbook(&[sheet(trend)])?)
}

/// The trend with each row's rates alongside its counts, so scripts need not recompute them.
pub fn write_json(out: &mut impl Write, trend: &Trend) -> io::Result<()> {
    let rows: Vec<serde_json::Value> = trend
        .rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "org": r.org,
                "year": r.year,
                "kind": r.kind,
                "morphemes": r.morphemes,
                "counts": r.counts,
                "per_10k": (0..r.counts.len()).map(|i| r.per_10k(i)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let value = serde_json::json!({ "terms": trend.terms, "rows": rows });
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

const STYLE: &str = "body{margin:1em}\
table{border-collapse:collapse;margin-top:1em}\
td,th{border:1px solid #999;padding:.3em .5em}\
td.n{text-align:right}\
svg text{font-size:12px}\
.note{color:#666;font-size:.85em}";

/// Colour per term (Okabe–Ito, colour-blind-safe, then extras), cycling if there are more.
const COLORS: &[&str] = &[
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
    "#999999", "#882255",
];

/// Small multiples: one panel per organisation, all on the same scales, so a term's colour
/// is the same everywhere and panels compare at a glance.
const PANEL_WIDTH: f64 = 300.0;
const PANEL_HEIGHT: f64 = 200.0;
const PANELS_PER_ROW: usize = 3;
/// Inside a panel: room for its title above, tick values left and years below.
const PLOT_LEFT: f64 = 48.0;
const PLOT_RIGHT: f64 = 12.0;
const PLOT_TOP: f64 = 26.0;
const PLOT_BOTTOM: f64 = 30.0;
const LEGEND_HEIGHT: f64 = 28.0;

/// A step of 1, 2 or 5 × 10ⁿ giving about five gridlines up to `max`.
fn tick_step(max: f64) -> f64 {
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// One organisation's rows with a known year, each at its x with its years (a span such as
/// 2024-2025 is drawn over both years, its point at the midpoint); rows with an unknown year
/// have no place on the axis and stay in the table.
struct Panel<'a> {
    org: &'a str,
    points: Vec<(f64, &'a TrendRow, Years)>,
}

fn panels(trend: &Trend) -> Vec<Panel<'_>> {
    let mut out: Vec<Panel> = Vec::new();
    for row in &trend.rows {
        let Ok(years) = row.year.parse::<Years>() else {
            continue;
        };
        let x = (f64::from(years.from) + f64::from(years.to)) / 2.0;
        match out.iter_mut().find(|p| p.org == row.org) {
            Some(p) => p.points.push((x, row, years)),
            None => out.push(Panel {
                org: &row.org,
                points: vec![(x, row, years)],
            }),
        }
    }
    out
}

fn write_svg(s: &mut impl Write, trend: &Trend) -> io::Result<()> {
    let panels = panels(trend);
    // The axis runs over whole years, from the first year to the last year of any span.
    let xs = panels
        .iter()
        .flat_map(|p| p.points.iter())
        .flat_map(|q| [f64::from(q.2.from), f64::from(q.2.to)]);
    let (xmin, xmax) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let terms = trend.terms.len();
    let ymax_data = panels
        .iter()
        .flat_map(|p| p.points.iter())
        .flat_map(|(_, r, _)| (0..terms).map(|t| r.per_10k(t)))
        .fold(0.0, f64::max);
    let step = tick_step(if ymax_data > 0.0 { ymax_data } else { 1.0 });
    let ymax = (ymax_data / step).ceil().max(1.0) * step;
    let columns = panels.len().clamp(1, PANELS_PER_ROW);
    let rows = panels.len().div_ceil(PANELS_PER_ROW).max(1);
    let width = PANEL_WIDTH * columns as f64;
    let height = LEGEND_HEIGHT + PANEL_HEIGHT * rows as f64;
    writeln!(
        s,
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"1万語あたりの出現頻度の推移（組織別）\">"
    )?;
    // The legend: one colour per term, for every panel.
    let mut lx = PLOT_LEFT;
    for (t, term) in trend.terms.iter().enumerate() {
        let color = COLORS[t % COLORS.len()];
        writeln!(
            s,
            "<line x1=\"{lx:.1}\" y1=\"12\" x2=\"{:.1}\" y2=\"12\" stroke=\"{color}\" stroke-width=\"2\"/>\
<circle cx=\"{:.1}\" cy=\"12\" r=\"3\" fill=\"{color}\"/>\
<text x=\"{:.1}\" y=\"16\">{}</text>",
            lx + 24.0,
            lx + 12.0,
            lx + 30.0,
            html(term)
        )?;
        lx += 40.0 + 13.0 * display_chars(term);
    }
    for (n, panel) in panels.iter().enumerate() {
        let left = PANEL_WIDTH * (n % PANELS_PER_ROW) as f64;
        let top = LEGEND_HEIGHT + PANEL_HEIGHT * (n / PANELS_PER_ROW) as f64;
        let (x0, x1) = (left + PLOT_LEFT, left + PANEL_WIDTH - PLOT_RIGHT);
        let (y0, bottom) = (top + PLOT_TOP, top + PANEL_HEIGHT - PLOT_BOTTOM);
        // A single year is drawn in the middle rather than squeezed onto an edge.
        let x_at = |x: f64| {
            if xmax > xmin {
                x0 + 16.0 + (x - xmin) / (xmax - xmin) * (x1 - x0 - 32.0)
            } else {
                (x0 + x1) / 2.0
            }
        };
        let y_at = |y: f64| bottom - y / ymax * (bottom - y0);
        writeln!(
            s,
            "<text x=\"{x0:.1}\" y=\"{:.1}\" font-weight=\"bold\">{}</text>",
            top + 16.0,
            html(or_unknown(panel.org))
        )?;
        let mut k = 0.0;
        while k <= ymax + step / 2.0 {
            let y = y_at(k);
            writeln!(
                s,
                "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{x1:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                x0 - 6.0,
                y + 4.0,
                format_tick(k, step)
            )?;
            k += step;
        }
        writeln!(
            s,
            "<line x1=\"{x0:.1}\" y1=\"{bottom:.1}\" x2=\"{x1:.1}\" y2=\"{bottom:.1}\" stroke=\"#333\"/>\
<line x1=\"{x0:.1}\" y1=\"{y0:.1}\" x2=\"{x0:.1}\" y2=\"{bottom:.1}\" stroke=\"#333\"/>"
        )?;
        // Year labels: every whole year of the axis, so 2024-2025 is a span, not a third year.
        if xmin.is_finite() {
            for year in (xmin as u16)..=(xmax as u16) {
                writeln!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{year}</text>",
                    x_at(f64::from(year)),
                    bottom + 18.0,
                )?;
            }
        }
        for t in 0..terms {
            let color = COLORS[t % COLORS.len()];
            let coords: Vec<(f64, f64, &TrendRow)> = panel
                .points
                .iter()
                .map(|(x, r, _)| (x_at(*x), y_at(r.per_10k(t)), *r))
                .collect();
            for ((_, y, _), (_, _, years)) in coords.iter().zip(&panel.points) {
                if years.from < years.to {
                    writeln!(
                        s,
                        "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{color}\" stroke-width=\"6\" stroke-opacity=\"0.3\" stroke-linecap=\"round\"/>",
                        x_at(f64::from(years.from)),
                        x_at(f64::from(years.to)),
                    )?;
                }
            }
            if coords.len() > 1 {
                let points: Vec<String> = coords
                    .iter()
                    .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
                    .collect();
                writeln!(
                    s,
                    "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
                    points.join(" ")
                )?;
            }
            for (x, y, r) in &coords {
                writeln!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{color}\"><title>{}（{}）{}: {:.2}（{}件 / {}形態素）</title></circle>",
                    html(&trend.terms[t]),
                    html(or_unknown(panel.org)),
                    html(&r.year),
                    r.per_10k(t),
                    r.counts.get(t).copied().unwrap_or(0),
                    r.morphemes
                )?;
            }
        }
    }
    writeln!(s, "</svg>")
}

/// Width of a legend label in em-ish units: a kanji counts one, an ASCII letter about half.
fn display_chars(t: &str) -> f64 {
    width(t) as f64 / 2.0 + 0.5
}

/// Tick labels with no more decimals than the step needs.
fn format_tick(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    format!("{v:.decimals$}")
}

/// A self-contained page (no script, no network): the chart of rates per year, then the table.
pub fn write_html(out: &mut impl Write, trend: &Trend) -> io::Result<()> {
    let title = format!("出現頻度の推移：{}", trend.terms.join("、"));
    super::html_start(out, &title, STYLE)?;
    writeln!(out, "<h1>{}</h1>", html(&title))?;
    write_svg(out, trend)?;
    writeln!(
        out,
        "<p class=\"note\">1万語あたり = 件数 × 10,000 ÷ 形態素数（記号を除く）。年度不明の文書は表にのみ示します。</p>\n<table><thead><tr>"
    )?;
    for h in header(trend) {
        write!(out, "<th>{}</th>", html(&h))?;
    }
    writeln!(out, "</tr></thead><tbody>")?;
    for row in &trend.rows {
        write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td>",
            html(or_unknown(&row.org)),
            html(or_unknown(&row.year)),
            row.morphemes
        )?;
        for f in figures(row, trend.terms.len()) {
            write!(out, "<td class=\"n\">{f}</td>")?;
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</tbody></table></body></html>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trend::tests::{corpus_dir, load, terms, tokens_count};
    use crate::trend::trend;
    use crate::warning::Warnings;

    fn sample() -> Trend {
        Trend {
            terms: vec!["<b>春闘</b>".to_string(), "賃上げ".to_string()],
            rows: vec![
                TrendRow {
                    org: "A&B労組".to_string(),
                    year: "2024".to_string(),
                    kind: "policy".to_string(),
                    morphemes: 20_000,
                    counts: vec![10, 0],
                },
                TrendRow {
                    org: "A&B労組".to_string(),
                    year: "2025".to_string(),
                    kind: "policy".to_string(),
                    morphemes: 10_000,
                    counts: vec![10, 3],
                },
                TrendRow {
                    org: "C労組".to_string(),
                    year: "2024-2025".to_string(),
                    kind: "survey".to_string(),
                    morphemes: 5_000,
                    counts: vec![1, 2],
                },
                TrendRow {
                    org: String::new(),
                    year: String::new(),
                    kind: "policy".to_string(),
                    morphemes: 100,
                    counts: vec![0, 0],
                },
            ],
        }
    }

    #[test]
    fn table_aligns_by_display_width() {
        let mut out = Vec::new();
        write_table(&mut out, &sample()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with("組織"));
        assert!(lines[0].contains("賃上げ（1万語あたり）"));
        // Right-aligned numbers end every line at the same display column.
        let w: Vec<usize> = lines.iter().map(|l| width(l)).collect();
        assert!(w.iter().all(|&x| x == w[0]), "{text}");
        assert!(lines[2].ends_with("3.00"), "{text}");
        assert!(lines[4].starts_with("不明"));
    }

    #[test]
    fn csv_has_bom_and_rates() {
        let mut out = Vec::new();
        write_csv(&mut out, &sample()).unwrap();
        assert!(out.starts_with("\u{FEFF}".as_bytes()));
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "\u{FEFF}組織,年度,種別,形態素数,<b>春闘</b>（件）,<b>春闘</b>（1万語あたり）,賃上げ（件）,賃上げ（1万語あたり）"
        );
        assert_eq!(
            lines.next().unwrap(),
            "A&B労組,2024,policy,20000,10,5.00,0,0.00"
        );
    }

    #[test]
    fn json_carries_rates() {
        let mut out = Vec::new();
        write_json(&mut out, &sample()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["terms"][1], "賃上げ");
        assert_eq!(v["rows"][1]["per_10k"][1], 3.0);
        assert_eq!(v["rows"][2]["year"], "2024-2025");
    }

    #[test]
    fn html_is_escaped_self_contained_with_a_panel_per_org_and_a_colour_per_term() {
        let mut out = Vec::new();
        write_html(&mut out, &sample()).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(page.contains("<svg"));
        assert!(!page.contains("http") && !page.contains("<script"));
        assert!(!page.contains("<b>") && page.contains("&lt;b&gt;春闘&lt;/b&gt;"));
        assert!(page.contains("A&amp;B労組") && !page.contains("A&B"));
        // A&B労組 has two years: one polyline per term; C労組 has one year: points only.
        assert_eq!(page.matches("<polyline").count(), 2);
        // 2 terms × 3 points with a known year, and the legend's one per term.
        assert_eq!(page.matches("<circle cx").count(), 6 + 2);
        // Whole years on each panel's axis: C労組's 2024-2025 is a span over both (one per
        // term), not a third year between them.
        assert!(!page.contains(">2024-2025</text>"), "{page}");
        assert_eq!(page.matches(">2024</text>").count(), 2);
        assert_eq!(page.matches(">2025</text>").count(), 2);
        assert_eq!(page.matches("stroke-opacity=\"0.3\"").count(), 2);
        // Small multiples: a titled panel per organisation with a known year.
        assert_eq!(page.matches("font-weight=\"bold\"").count(), 2);
        // One colour per term, whatever the organisation.
        let colour_of = |term: &str| -> Vec<&str> {
            page.lines()
                .filter(|l| l.starts_with("<circle") && l.contains(&format!("<title>{term}（")))
                .map(|l| {
                    l.split("fill=\"")
                        .nth(1)
                        .unwrap()
                        .split('"')
                        .next()
                        .unwrap()
                })
                .collect()
        };
        let (a, b) = (colour_of("&lt;b&gt;春闘&lt;/b&gt;"), colour_of("賃上げ"));
        assert_eq!((a.len(), b.len()), (3, 3), "{page}");
        assert!(a.iter().all(|c| *c == a[0]) && b.iter().all(|c| *c == b[0]));
        assert_ne!(a[0], b[0]);
    }

    #[test]
    fn single_year_and_all_zero_still_draw() {
        let trend = Trend {
            terms: vec!["x".to_string()],
            rows: vec![TrendRow {
                org: "A".to_string(),
                year: "2025".to_string(),
                kind: "policy".to_string(),
                morphemes: 0,
                counts: vec![0],
            }],
        };
        let mut out = Vec::new();
        write_html(&mut out, &trend).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(page.contains("<circle cx=\"168.0\""), "centred: {page}");
        assert!(!page.contains("NaN") && !page.contains("inf"));
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(10.0), 2.0);
        assert_eq!(tick_step(0.3), 0.1);
        assert_eq!(tick_step(47.0), 10.0);
        assert_eq!(format_tick(0.30000000000000004, 0.1), "0.3");
    }

    #[test]
    fn reports_of_the_real_corpus() {
        let (docs, analyzer) = load(&corpus_dir());
        let t = trend(
            &docs,
            &terms(&["自治労", "<未加入者>"]),
            &analyzer,
            &Warnings::default(),
        );
        let mut page = Vec::new();
        write_html(&mut page, &t).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert!(page.contains("<svg") && !page.contains("http"));
        assert!(page.contains("&lt;未加入者&gt;") && !page.contains("<未加入者>"));
        // One year per organisation: points, no lines.
        assert!(!page.contains("<polyline"));

        let mut csv = Vec::new();
        write_csv(&mut csv, &t).unwrap();
        assert!(csv.starts_with("\u{FEFF}".as_bytes()));
        assert_eq!(
            String::from_utf8(csv).unwrap().lines().count(),
            1 + t.rows.len()
        );

        let mut table = Vec::new();
        write_table(&mut table, &t).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(table.starts_with("組織") && table.contains("自治労（1万語あたり）"));

        let mut json = Vec::new();
        write_json(&mut json, &t).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["rows"].as_array().unwrap().len(), t.rows.len());
    }

    #[test]
    fn two_years_show_the_change() {
        let dir = tempfile::tempdir().unwrap();
        let original =
            std::fs::read_to_string(corpus_dir().join("jcm-2025-katsudo-hoshin.txt")).unwrap();
        // The 2024 edition says 賃上げ twice less.
        let edited = original.replacen("賃上げ", "処遇改善", 2);
        assert_ne!(edited, original);
        std::fs::write(dir.path().join("jcm-2025.txt"), &original).unwrap();
        std::fs::write(dir.path().join("jcm-2024.txt"), &edited).unwrap();
        std::fs::write(
            dir.path().join("kumiai.toml"),
            "[[document]]\nfile = \"jcm-2025.txt\"\norg = \"金属労協\"\nyear = \"2025\"\nkind = \"policy\"\n\n\
             [[document]]\nfile = \"jcm-2024.txt\"\norg = \"金属労協\"\nyear = \"2024\"\nkind = \"policy\"\n",
        )
        .unwrap();
        let (docs, analyzer) = load(dir.path());
        let t = trend(
            &docs,
            &terms(&["賃上げ", "処遇改善"]),
            &analyzer,
            &Warnings::default(),
        );
        let years: Vec<&str> = t.rows.iter().map(|r| r.year.as_str()).collect();
        assert_eq!(years, ["2024", "2025"]);
        let (old, new) = (&t.rows[0], &t.rows[1]);
        let before = tokens_count(&docs[1..], "金属労協", "賃上げ", &analyzer).0;
        assert_eq!(new.counts[0], before);
        assert!(before >= 2);
        assert_eq!(old.counts[0], before - 2);
        assert_eq!(old.counts[1], new.counts[1] + 2);
        assert!(old.per_10k(0) < new.per_10k(0));

        let mut page = Vec::new();
        write_html(&mut page, &t).unwrap();
        let page = String::from_utf8(page).unwrap();
        assert_eq!(page.matches("<polyline").count(), 2, "one line per term");
        assert!(page.contains(">2024</text>") && page.contains(">2025</text>"));
    }
}
