//! Reports of a term trend: terminal table, CSV for Excel, JSON, and HTML with an SVG line chart.

use super::display_width as width;
use super::escape_html as html;
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

/// One row per cell, with a byte-order mark so Excel reads it as UTF-8.
pub fn write_csv(out: &mut impl Write, trend: &Trend) -> io::Result<()> {
    let mut w = super::excel::CsvWriter::new(out)?;
    let mut h = header(trend);
    h.insert(2, "種別".to_string());
    w.write_record(&h)?;
    for row in &trend.rows {
        let mut line = vec![
            row.org.clone(),
            row.year.clone(),
            row.kind.clone(),
            row.morphemes.to_string(),
        ];
        line.extend(figures(row, trend.terms.len()));
        w.write_record(&line)?;
    }
    w.flush()
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

const STYLE: &str = "body{font-family:sans-serif;margin:1em}\
table{border-collapse:collapse;margin-top:1em}\
td,th{border:1px solid #999;padding:.3em .5em}\
td.n{text-align:right}\
svg text{font-size:12px}\
.note{color:#666;font-size:.85em}";

/// Colour per organisation (Okabe–Ito, colour-blind-safe, then extras), cycling if there are more.
const COLORS: &[&str] = &[
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
    "#999999", "#882255",
];
/// Dash pattern per term: colour tells the organisation, the dash the term.
const DASHES: &[&str] = &["", "6 3", "2 3", "8 3 2 3"];

const PLOT_LEFT: f64 = 60.0;
const PLOT_RIGHT: f64 = 620.0;
const PLOT_TOP: f64 = 20.0;
const PLOT_HEIGHT: f64 = 300.0;
const LEGEND_X: f64 = 640.0;
const LEGEND_LINE: f64 = 18.0;

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

/// One line of the chart: a term in one organisation, points in year order, each with its
/// years (a span such as 2024-2025 is drawn over both years, its point at the middle).
struct Series<'a> {
    term: usize,
    org: &'a str,
    points: Vec<(f64, &'a TrendRow, Years)>,
}

/// Rows with an unknown year have no place on the x axis; they stay in the table.
fn series(trend: &Trend) -> Vec<Series<'_>> {
    let mut out: Vec<Series> = Vec::new();
    for term in 0..trend.terms.len() {
        for row in &trend.rows {
            let Ok(years) = row.year.parse::<Years>() else {
                continue;
            };
            let x = (f64::from(years.from) + f64::from(years.to)) / 2.0;
            match out.last_mut() {
                Some(s) if s.term == term && s.org == row.org => s.points.push((x, row, years)),
                _ => out.push(Series {
                    term,
                    org: &row.org,
                    points: vec![(x, row, years)],
                }),
            }
        }
    }
    out
}

fn write_svg(s: &mut impl Write, trend: &Trend) -> io::Result<()> {
    let series = series(trend);
    // The axis runs over whole years, from the first year to the last year of any span.
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter())
        .flat_map(|p| [f64::from(p.2.from), f64::from(p.2.to)])
        .collect();
    let (xmin, xmax) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    // A single year is drawn in the middle rather than squeezed onto an edge.
    let x_at = |x: f64| {
        if xmax > xmin {
            PLOT_LEFT + 30.0 + (x - xmin) / (xmax - xmin) * (PLOT_RIGHT - PLOT_LEFT - 60.0)
        } else {
            (PLOT_LEFT + PLOT_RIGHT) / 2.0
        }
    };
    let ymax_data = series
        .iter()
        .flat_map(|s| s.points.iter().map(|(_, r, _)| r.per_10k(s.term)))
        .fold(0.0, f64::max);
    let step = tick_step(if ymax_data > 0.0 { ymax_data } else { 1.0 });
    let ymax = (ymax_data / step).ceil().max(1.0) * step;
    let bottom = PLOT_TOP + PLOT_HEIGHT;
    let y_at = |y: f64| bottom - y / ymax * PLOT_HEIGHT;
    let height = (bottom + 40.0).max(PLOT_TOP + LEGEND_LINE * (series.len() as f64 + 1.0));
    writeln!(
        s,
        "<svg width=\"960\" height=\"{height}\" viewBox=\"0 0 960 {height}\" role=\"img\" aria-label=\"1万語あたりの出現頻度の推移\">"
    )?;
    // Horizontal gridlines with their values.
    let mut k = 0.0;
    while k <= ymax + step / 2.0 {
        let y = y_at(k);
        writeln!(
            s,
            "<line x1=\"{PLOT_LEFT}\" y1=\"{y:.1}\" x2=\"{PLOT_RIGHT}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            PLOT_LEFT - 6.0,
            y + 4.0,
            format_tick(k, step)
        )?;
        k += step;
    }
    writeln!(
        s,
        "<line x1=\"{PLOT_LEFT}\" y1=\"{bottom}\" x2=\"{PLOT_RIGHT}\" y2=\"{bottom}\" stroke=\"#333\"/>\
<line x1=\"{PLOT_LEFT}\" y1=\"{PLOT_TOP}\" x2=\"{PLOT_LEFT}\" y2=\"{bottom}\" stroke=\"#333\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">1万語あたり</text>",
        14.0,
        PLOT_TOP + PLOT_HEIGHT / 2.0,
        PLOT_TOP + PLOT_HEIGHT / 2.0,
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
    let mut orgs: Vec<&str> = Vec::new();
    for (n, line) in series.iter().enumerate() {
        let org = match orgs.iter().position(|&o| o == line.org) {
            Some(i) => i,
            None => {
                orgs.push(line.org);
                orgs.len() - 1
            }
        };
        let color = COLORS[org % COLORS.len()];
        let dash = DASHES[line.term % DASHES.len()];
        let label = format!("{}（{}）", trend.terms[line.term], or_unknown(line.org));
        let coords: Vec<(f64, f64)> = line
            .points
            .iter()
            .map(|(x, r, _)| (x_at(*x), y_at(r.per_10k(line.term))))
            .collect();
        for ((_, y), (_, _, years)) in coords.iter().zip(&line.points) {
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
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\" points=\"{}\"/>",
                points.join(" ")
            )?;
        }
        for ((x, y), (_, r, _)) in coords.iter().zip(&line.points) {
            writeln!(
                s,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{color}\"><title>{} {}: {:.2}（{}件 / {}形態素）</title></circle>",
                html(&label),
                html(&r.year),
                r.per_10k(line.term),
                r.counts.get(line.term).copied().unwrap_or(0),
                r.morphemes
            )?;
        }
        let ly = PLOT_TOP + LEGEND_LINE * n as f64 + 6.0;
        writeln!(
            s,
            "<line x1=\"{LEGEND_X}\" y1=\"{ly:.1}\" x2=\"{:.1}\" y2=\"{ly:.1}\" stroke=\"{color}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"/>\
<circle cx=\"{:.1}\" cy=\"{ly:.1}\" r=\"3\" fill=\"{color}\"/>\
<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            LEGEND_X + 28.0,
            LEGEND_X + 14.0,
            LEGEND_X + 34.0,
            ly + 4.0,
            html(&label)
        )?;
    }
    writeln!(s, "</svg>")
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
    fn html_is_escaped_self_contained_with_a_line_per_term_and_org() {
        let mut out = Vec::new();
        write_html(&mut out, &sample()).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(page.contains("<svg"));
        assert!(!page.contains("http") && !page.contains("<script"));
        assert!(!page.contains("<b>") && page.contains("&lt;b&gt;春闘&lt;/b&gt;"));
        assert!(page.contains("A&amp;B労組") && !page.contains("A&B"));
        // A&B労組 has two years: one polyline per term; C労組 has one year: points only.
        assert_eq!(page.matches("<polyline").count(), 2);
        // 2 terms × 3 points with a known year.
        assert_eq!(page.matches("<circle cx").count(), 6 + 4);
        // Whole years on the axis: C労組's 2024-2025 is a span over both (one per term), not
        // a third year between them.
        assert!(!page.contains(">2024-2025</text>"), "{page}");
        assert_eq!(page.matches(">2024</text>").count(), 1);
        assert_eq!(page.matches(">2025</text>").count(), 1);
        assert_eq!(page.matches("stroke-opacity=\"0.3\"").count(), 2);
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
        assert!(page.contains("<circle cx=\"340.0\""), "centred: {page}");
        assert!(!page.contains("NaN") && !page.contains("inf"));
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(10.0), 2.0);
        assert_eq!(tick_step(0.3), 0.1);
        assert_eq!(tick_step(47.0), 10.0);
        assert_eq!(format_tick(0.30000000000000004, 0.1), "0.3");
    }
}
