//! Tabular surveys: CSV/TSV text or a spreadsheet, one row per respondent.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use super::TableSpec;

#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    pub spec: TableSpec,
}

#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based line (CSV) or sheet row, for messages.
    pub line: usize,
    pub cells: Vec<String>,
}

impl Table {
    /// Column index of a header named in the spec.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h.trim() == name)
    }

    fn check(self) -> Result<Self, String> {
        let spec = &self.spec;
        let named = spec
            .attributes
            .iter()
            .chain(&spec.branch)
            .chain(&spec.questions)
            .chain(&spec.personal);
        let missing: Vec<&str> = named
            .filter(|n| self.column(n).is_none())
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "columns {missing:?} named in the manifest are not in the header row {:?}",
                self.headers
            ));
        }
        if spec.questions.is_empty() {
            return Err("the manifest names no question columns for this table".into());
        }
        Ok(self)
    }
}

pub fn read_delimited(text: &str, delimiter: u8, spec: &TableSpec) -> Result<Table, String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("line {line}: {e}")
        })?;
        rows.push(Row {
            line: record.position().map_or(0, |p| p.line() as usize),
            cells: record.iter().map(str::to_string).collect(),
        });
    }
    Table {
        headers,
        rows,
        spec: spec.clone(),
    }
    .check()
}

pub fn read_workbook(path: &Path, spec: &TableSpec) -> Result<Table, String> {
    let mut workbook =
        open_workbook_auto(path).map_err(|e| format!("cannot open workbook: {e}"))?;
    let sheet = match &spec.sheet {
        Some(name) => name.clone(),
        None => workbook
            .sheet_names()
            .first()
            .cloned()
            .ok_or("the workbook has no sheets")?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| format!("cannot read sheet {sheet:?}: {e}"))?;
    let mut rows = range.rows().enumerate();
    let headers = rows
        .next()
        .map(|(_, r)| r.iter().map(cell_text).collect())
        .ok_or_else(|| format!("sheet {sheet:?} is empty"))?;
    let rows = rows
        .map(|(i, r)| Row {
            line: i + 1,
            cells: r.iter().map(cell_text).collect(),
        })
        .collect();
    Table {
        headers,
        rows,
        spec: spec.clone(),
    }
    .check()
}

/// A spreadsheet cell as text, its control characters made visible as a decoded file's are.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        other => super::decode::make_controls_visible(other.to_string()).0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TableSpec {
        TableSpec {
            attributes: vec!["組織率".into()],
            branch: vec!["県本部".into(), "単組".into()],
            questions: vec!["悩んでいること".into()],
            personal: vec!["記入者".into()],
            sheet: None,
        }
    }

    #[test]
    fn reads_csv_with_quoted_newlines() {
        let text = "県本部,単組,記入者,組織率,悩んでいること\n岩手,奥州市職労,山田,27.2%,\"新採が\n入らない\"\n";
        let table = read_delimited(text, b',', &spec()).unwrap();
        assert_eq!(table.rows.len(), 1);
        let col = table.column("悩んでいること").unwrap();
        assert_eq!(table.rows[0].cells[col], "新採が\n入らない");
        assert_eq!(table.rows[0].line, 2);
    }

    #[test]
    fn names_missing_columns() {
        let err = read_delimited("県本部,単組\n岩手,奥州\n", b',', &spec()).unwrap_err();
        assert!(err.contains("悩んでいること"), "{err}");
    }
}
