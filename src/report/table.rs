//! A plain table described once and rendered as Markdown or HTML, so both formats of a report
//! show the same columns with the same labels.

use std::io::{self, Write};

use super::sheet::{Cell, Sheet};
use super::{escape_html, escape_md};

/// Column alignment: text left, numbers right.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = (S, Align)>) -> Self {
        Self {
            columns: columns.into_iter().map(|(l, a)| (l.into(), a)).collect(),
            rows: Vec::new(),
        }
    }

    /// The same table as a sheet, for a page: a column of numbers right-aligned, cells as
    /// their plain text (numbers rounded).
    pub fn from_sheet(sheet: &Sheet) -> Self {
        let numeric = |c: usize| {
            sheet.rows.iter().all(|r| {
                matches!(
                    r.get(c),
                    None | Some(Cell::Int(_) | Cell::Num(..) | Cell::P(_) | Cell::Empty)
                )
            })
        };
        let mut t = Table::new(sheet.header.iter().enumerate().map(|(c, h)| {
            (
                h.clone(),
                if numeric(c) {
                    Align::Right
                } else {
                    Align::Left
                },
            )
        }));
        for row in &sheet.rows {
            t.row(row.iter().map(Cell::plain).collect());
        }
        t
    }

    /// Adds a row of unescaped cell texts (the writers escape them for their format).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn write_markdown(&self, out: &mut impl Write) -> io::Result<()> {
        let labels: Vec<String> = self.columns.iter().map(|(l, _)| escape_md(l)).collect();
        writeln!(out, "| {} |", labels.join(" | "))?;
        let rules: Vec<&str> = self
            .columns
            .iter()
            .map(|(_, a)| if *a == Align::Right { "---:" } else { "---" })
            .collect();
        writeln!(out, "|{}|", rules.join("|"))?;
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|c| escape_md(c)).collect();
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        Ok(())
    }

    /// A `<table>`; number cells get `class="n"` so the page's style can right-align them.
    pub fn write_html(&self, out: &mut impl Write) -> io::Result<()> {
        write!(out, "<table><thead><tr>")?;
        for (label, _) in &self.columns {
            write!(out, "<th>{}</th>", escape_html(label))?;
        }
        write!(out, "</tr></thead><tbody>")?;
        for row in &self.rows {
            write!(out, "<tr>")?;
            for (cell, (_, align)) in row.iter().zip(&self.columns) {
                let class = if *align == Align::Right {
                    " class=\"n\""
                } else {
                    ""
                };
                write!(out, "<td{class}>{}</td>", escape_html(cell))?;
            }
            writeln!(out, "</tr>")?;
        }
        writeln!(out, "</tbody></table>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_same_table_in_both_formats_escaped() {
        let mut t = Table::new([("語", Align::Left), ("件数", Align::Right)]);
        t.row(vec!["<b>|共済".into(), "3".into()]);
        let mut md = Vec::new();
        t.write_markdown(&mut md).unwrap();
        assert_eq!(
            String::from_utf8(md).unwrap(),
            "| 語 | 件数 |\n|---|---:|\n| &lt;b&gt;\\|共済 | 3 |\n"
        );
        let mut html = Vec::new();
        t.write_html(&mut html).unwrap();
        let html = String::from_utf8(html).unwrap();
        assert!(html.contains("<th>語</th><th>件数</th>"));
        assert!(html.contains("<td>&lt;b&gt;|共済</td><td class=\"n\">3</td>"));
    }
}
