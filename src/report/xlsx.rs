//! Excel workbooks: one worksheet per [`Sheet`], shared by every command's `--format xlsx`.
//!
//! Each sheet has its Japanese header row in bold, frozen, with an autofilter; numbers are
//! numeric cells (sortable, summable) shown with their decimals; text goes through
//! [`neutralise`] like CSV, so a workbook saved back to CSV by Excel stays safe, and has no
//! control characters ([`clean`]); changed runs of a 新旧対照表 are underlined.

use std::collections::HashMap;
use std::io;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, FormatUnderline, Workbook};

use super::display_width;
use super::excel::neutralise;
use super::sheet::{Cell, Sheet, clean};

/// Excel refuses longer text in one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Column widths in Excel's units (about one ASCII character; a kanji takes two).
const MIN_WIDTH: f64 = 6.0;
const MAX_WIDTH: f64 = 60.0;
/// Rows looked at to size a column: enough to see its typical content, cheap on 100k rows.
const WIDTH_SAMPLE: usize = 500;

fn err(e: rust_xlsxwriter::XlsxError) -> io::Error {
    io::Error::other(e.to_string())
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(name: &str, taken: &mut Vec<String>) -> String {
    let base: String = name
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .take(28)
        .collect();
    let base = if base.trim().is_empty() {
        "表".to_string()
    } else {
        base
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{base}_{n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

/// Text for a cell: neutralised, cleaned, cut to what Excel holds.
fn cell_text(t: &str) -> String {
    let t = clean(&neutralise(t));
    if t.chars().count() > MAX_CELL_CHARS {
        let mut cut: String = t.chars().take(MAX_CELL_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        t
    }
}

fn width_of(cell: &Cell) -> usize {
    match cell {
        Cell::Text(t) => display_width(t),
        Cell::Marked(runs) => runs.iter().map(|r| display_width(&r.0)).sum(),
        Cell::Int(n) => n.to_string().len(),
        Cell::Num(x, d) => format!("{x:.d$}").len(),
        Cell::P(_) => 8,
        Cell::Empty => 0,
    }
}

/// The workbook's formats, made once: the header, text (wrapped in wide columns), underlined
/// runs, and a number format per count of decimals.
struct Formats {
    header: Format,
    text: Format,
    wrapped: Format,
    underline: Format,
    plain_run: Format,
    numbers: HashMap<usize, Format>,
    p: Format,
    tiny_p: Format,
}

impl Formats {
    fn new() -> Self {
        let text = Format::new().set_align(FormatAlign::Top);
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xE8EEF4))
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
            wrapped: text.clone().set_text_wrap(),
            text,
            underline: Format::new().set_underline(FormatUnderline::Single),
            plain_run: Format::new(),
            numbers: HashMap::new(),
            p: Format::new()
                .set_num_format("0.0000")
                .set_align(FormatAlign::Top),
            tiny_p: Format::new()
                .set_num_format("0.0E+00")
                .set_align(FormatAlign::Top),
        }
    }

    fn number(&mut self, decimals: usize) -> &Format {
        self.numbers.entry(decimals).or_insert_with(|| {
            let pattern = if decimals == 0 {
                "0".to_string()
            } else {
                format!("0.{}", "0".repeat(decimals))
            };
            Format::new()
                .set_num_format(pattern)
                .set_align(FormatAlign::Top)
        })
    }
}

/// The workbook's bytes: one worksheet per sheet, in order.
pub fn workbook(sheets: &[Sheet]) -> io::Result<Vec<u8>> {
    let mut book = Workbook::new();
    let mut formats = Formats::new();
    let mut taken = Vec::new();
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet_name(&sheet.name, &mut taken))
            .map_err(err)?;
        let columns = sheet.header.len();
        let mut widths: Vec<usize> = sheet.header.iter().map(|h| display_width(h)).collect();
        for row in sheet.rows.iter().take(WIDTH_SAMPLE) {
            for (c, cell) in row.iter().enumerate().take(columns) {
                widths[c] = widths[c].max(width_of(cell));
            }
        }
        let widths: Vec<f64> = widths
            .iter()
            .map(|&w| (w as f64 + 2.0).clamp(MIN_WIDTH, MAX_WIDTH))
            .collect();
        for (c, label) in sheet.header.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, cell_text(label), &formats.header)
                .map_err(err)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(io::Error::other)?;
            for (c, cell) in row.iter().enumerate().take(columns) {
                let wide = widths[c] >= MAX_WIDTH;
                let c = c as u16;
                match cell {
                    Cell::Text(t) => {
                        let format = if wide {
                            &formats.wrapped
                        } else {
                            &formats.text
                        };
                        ws.write_string_with_format(r, c, cell_text(t), format)
                    }
                    Cell::Marked(runs) => write_marked(ws, r, c, runs, &formats, wide),
                    Cell::Int(n) => ws.write_number_with_format(r, c, *n as f64, formats.number(0)),
                    Cell::Num(x, d) => ws.write_number_with_format(r, c, *x, formats.number(*d)),
                    Cell::P(p) => {
                        let format = if *p < 0.0001 {
                            &formats.tiny_p
                        } else {
                            &formats.p
                        };
                        ws.write_number_with_format(r, c, *p, format)
                    }
                    Cell::Empty => continue,
                }
                .map_err(err)?;
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, *w).map_err(err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        if columns > 0 {
            let last_row = u32::try_from(sheet.rows.len()).map_err(io::Error::other)?;
            ws.autofilter(0, 0, last_row, columns as u16 - 1)
                .map_err(err)?;
        }
    }
    book.save_to_buffer().map_err(err)
}

/// A 新旧対照表 cell: changed runs underlined, as on paper. The text is neutralised as a
/// whole (a leading `'` joins the first run).
fn write_marked<'w>(
    ws: &'w mut rust_xlsxwriter::Worksheet,
    r: u32,
    c: u16,
    runs: &[(String, bool)],
    formats: &Formats,
    wide: bool,
) -> Result<&'w mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
    let whole: String = runs.iter().map(|r| r.0.as_str()).collect();
    let prefix = if neutralise(&whole).len() != whole.len() {
        "'"
    } else {
        ""
    };
    let mut texts: Vec<(bool, String)> = Vec::new();
    for (i, (t, changed)) in runs.iter().enumerate() {
        let t = clean(t);
        let t = if i == 0 { format!("{prefix}{t}") } else { t };
        if !t.is_empty() {
            texts.push((*changed, t));
        }
    }
    let cell_format = if wide {
        &formats.wrapped
    } else {
        &formats.text
    };
    if texts.is_empty() {
        return ws.write_string_with_format(r, c, "", cell_format);
    }
    if texts.len() == 1 && !texts[0].0 {
        return ws.write_string_with_format(r, c, cell_text(&texts[0].1), cell_format);
    }
    let segments: Vec<(&Format, &str)> = texts
        .iter()
        .map(|(changed, t)| {
            let f = if *changed {
                &formats.underline
            } else {
                &formats.plain_run
            };
            (f, t.as_str())
        })
        .collect();
    ws.write_rich_string_with_format(r, c, &segments, cell_format)
}
