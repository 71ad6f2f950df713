//! Report: tables and documents for people (CSV for Excel, JSON for scripts).

pub mod compare;
pub mod hits;
pub mod survey;

use std::io::{self, Write};

/// Excel opens UTF-8 CSV as Shift_JIS unless it starts with a byte-order mark.
pub fn write_excel_bom(out: &mut impl Write) -> io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())
}

/// Joins the wrapped lines of an answer as written: no separator, since the text is Japanese.
pub fn join_wrapped(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace()))
        .filter(|l| !l.is_empty())
        .collect()
}
