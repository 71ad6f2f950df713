//! Tables for Excel: CSV as UTF-8 with a byte-order mark, and no cell Excel would run as a
//! formula.

use std::borrow::Cow;
use std::io::{self, Write};

/// Excel opens UTF-8 CSV as Shift_JIS unless it starts with a byte-order mark.
fn write_bom(out: &mut impl Write) -> io::Result<()> {
    out.write_all("\u{FEFF}".as_bytes())
}

/// A cell Excel would not run as a formula.
///
/// Excel (and LibreOffice) evaluate a cell starting with `=`, `+`, `-` or `@` — and some
/// importers strip a leading tab or CR first — so a document or answer quoting
/// `=HYPERLINK(…)` or a DDE payload would act when the CSV is opened. As OWASP advises, such
/// a cell gets a leading `'`, which Excel takes as "this is text" and does not display; the
/// text is otherwise kept as it is. Plain numbers (`-1.96`, `+3`) are data Excel reads as
/// numbers, and stay.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.trim().parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A CSV writer for Excel: writes the byte-order mark first and neutralises every cell.
pub struct CsvWriter<W: Write>(csv::Writer<W>);

impl<W: Write> CsvWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        write_bom(&mut out)?;
        Ok(Self(csv::Writer::from_writer(out)))
    }

    pub fn write_record<I, T>(&mut self, record: I) -> io::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.0
            .write_record(
                record
                    .into_iter()
                    .map(|c| neutralise(c.as_ref()).into_owned()),
            )
            .map_err(io::Error::other)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_and_text_kept() {
        for (cell, expected) in [
            ("=1+1", "'=1+1"),
            ("+81-3-1234", "'+81-3-1234"),
            ("-自治労", "'-自治労"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=cmd", "'\t=cmd"),
            ("\r=cmd", "'\r=cmd"),
            ("-1.96", "-1.96"),
            ("+3", "+3"),
            ("未加入者=12", "未加入者=12"),
            ("", ""),
        ] {
            assert_eq!(neutralise(cell), expected, "{cell:?}");
        }
    }

    #[test]
    fn the_writer_starts_with_a_bom_and_quotes_as_csv_does() {
        let mut buf = Vec::new();
        {
            let mut w = CsvWriter::new(&mut buf).unwrap();
            w.write_record(["=A1", "a,b", "-0.5"]).unwrap();
            w.flush().unwrap();
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "\u{feff}'=A1,\"a,b\",-0.5\n"
        );
    }
}
