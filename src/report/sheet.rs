//! A table of typed cells, described once and written as CSV or as an XLSX worksheet
//! ([`super::xlsx`]), so every command's spreadsheet output has the same columns, the same
//! rounding and the same cleaning whichever format is asked for.

use std::io::{self, Write};

use super::excel::{CsvWriter, neutralise};

/// One cell. Numbers stay numbers (Excel sums and sorts them); text is cleaned on output.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Text whose runs are marked as changed (underlined in XLSX, plain in CSV).
    Marked(Vec<(String, bool)>),
    Int(i64),
    /// A number shown with this many decimals: CSV rounds to them, XLSX keeps the value and
    /// displays them.
    Num(f64, usize),
    /// A p-value: four decimals, or `< 0.0001` below that (a number in XLSX).
    P(f64),
    Empty,
}

impl Cell {
    /// A number with `decimals` decimals; empty when not finite (NaN reads as "no value").
    pub fn num(x: f64, decimals: usize) -> Cell {
        if x.is_finite() {
            Cell::Num(x, decimals)
        } else {
            Cell::Empty
        }
    }

    pub fn p(x: f64) -> Cell {
        if x.is_finite() {
            Cell::P(x)
        } else {
            Cell::Empty
        }
    }

    /// The cell as text for a page: numbers rounded, text on one line.
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(t) => clean(t),
            Cell::Marked(runs) => clean(&runs.iter().map(|r| r.0.as_str()).collect::<String>()),
            Cell::Int(n) => n.to_string(),
            Cell::Num(x, d) => format!("{x:.d$}"),
            Cell::P(p) if *p < 0.0001 => "< 0.0001".to_string(),
            Cell::P(p) => format!("{p:.4}"),
            Cell::Empty => String::new(),
        }
    }

    /// The cell as CSV text: [`Self::plain`], with text Excel would run as a formula
    /// neutralised (before cleaning, so a leading tab or CR is seen).
    pub fn csv_text(&self) -> String {
        match self {
            Cell::Text(t) => clean(&neutralise(t)),
            Cell::Marked(runs) => clean(&neutralise(
                &runs.iter().map(|r| r.0.as_str()).collect::<String>(),
            )),
            other => other.plain(),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<&String> for Cell {
    fn from(s: &String) -> Self {
        Cell::Text(s.clone())
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<Option<&str>> for Cell {
    fn from(s: Option<&str>) -> Self {
        s.map_or(Cell::Empty, Cell::from)
    }
}

/// Text for one spreadsheet cell: a line break (joining several answers or quotes) becomes
/// ` / `, any other control character a space, so a row is one line in every CSV reader and
/// no cell carries a character Excel or a terminal would act on.
pub fn clean(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => {
                while chars.peek().is_some_and(|c| matches!(c, '\r' | '\n')) {
                    chars.next();
                }
                s.push_str(" / ");
            }
            c if c.is_control() => s.push(' '),
            c => s.push(c),
        }
    }
    s
}

/// A figure as written (`72人`, `27.20%`, `１，２３４名`): its number, when the text is one
/// number with at most a unit after it.
pub fn quantity(t: &str) -> Option<f64> {
    let t: String = t
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '，' => ',',
            c => c,
        })
        .collect();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(t.len());
    let (digits, unit) = t.split_at(end);
    let unit = unit.trim();
    let units = [
        "", "人", "名", "%", "％", "件", "組合", "単組", "円", "時間", "日",
    ];
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if !units.contains(&unit) {
        return None;
    }
    digits.replace(',', "").parse().ok()
}

/// A named table: a header row of Japanese labels, then rows of cells.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// Worksheet name (also the CSV file's stem where a command writes one file per table).
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new<S: Into<String>>(name: &str, header: impl IntoIterator<Item = S>) -> Self {
        Sheet {
            name: name.to_string(),
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// CSV for Excel: UTF-8 with a BOM, formulas neutralised, numbers rounded, one line a row.
    pub fn write_csv(&self, out: impl Write) -> io::Result<()> {
        let mut w = CsvWriter::new(out)?;
        w.write_record(self.header.iter().map(|h| clean(h)))?;
        for row in &self.rows {
            w.write_record(row.iter().map(Cell::csv_text))?;
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_as_written_become_numbers() {
        assert_eq!(quantity("72人"), Some(72.0));
        assert_eq!(quantity("27.20%"), Some(27.2));
        assert_eq!(quantity(" １，２３４名 "), Some(1234.0));
        assert_eq!(quantity("215"), Some(215.0));
        for text in ["なし", "", "約10人", "10人程度", "2023年11月時点", "-3"] {
            assert_eq!(quantity(text), None, "{text}");
        }
    }

    #[test]
    fn csv_cells_are_rounded_one_line_and_neutralised() {
        let mut s = Sheet::new("t", ["語", "件数", "率", "p"]);
        s.row(vec![
            "=HYPERLINK(\"x\")\n二行目".into(),
            3usize.into(),
            Cell::num(1.0 / 3.0, 2),
            Cell::p(1e-9),
        ]);
        s.row(vec![
            "a\tb\u{1b}c".into(),
            Cell::Empty,
            Cell::num(f64::NAN, 2),
            Cell::p(0.04321),
        ]);
        let mut out = Vec::new();
        s.write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{feff}語,件数,率,p\n\"'=HYPERLINK(\"\"x\"\") / 二行目\",3,0.33,< 0.0001\na b c,,,0.0432\n"
        );
    }
}
