//! Tabular surveys: CSV/TSV text or a spreadsheet, one row per respondent.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use super::TableSpec;

/// A tabular survey as read: header row, data rows and the manifest's description of its columns.
#[derive(Debug, Clone)]
pub struct Table {
    /// The header row's cells as written ([`Table::column`] matches them trimmed).
    pub headers: Vec<String>,
    /// The data rows, in file order.
    pub rows: Vec<Row>,
    /// Which columns are what: the manifest's `[document.table]`.
    pub spec: TableSpec,
}

/// One data row: one respondent's answers.
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based line (CSV) or sheet row, for messages.
    pub line: usize,
    /// The cells as written, in header order (a row may be shorter than the header).
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

/// Reads CSV (`delimiter` `b','`) or TSV (`b'\t'`) text as a table; the error names a bad line,
/// the named columns missing from the header row, or the lack of question columns.
pub fn read_delimited(text: &str, delimiter: u8, spec: &TableSpec) -> Result<Table, String> {
    let (headers, rows) = delimited_rows(text, delimiter)?;
    Table {
        headers,
        rows,
        spec: spec.clone(),
    }
    .check()
}

/// The header row and the rows of CSV/TSV text, as written.
pub fn delimited_rows(text: &str, delimiter: u8) -> Result<(Vec<String>, Vec<Row>), String> {
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
    Ok((headers, rows))
}

/// Reads the spec's sheet of a workbook (the first by default) as a table; the error names
/// what could not be opened or read, or the named columns missing from the header row.
pub fn read_workbook(path: &Path, spec: &TableSpec) -> Result<Table, String> {
    let (headers, rows) = workbook_rows(path, spec.sheet.as_deref())?;
    Table {
        headers,
        rows,
        spec: spec.clone(),
    }
    .check()
}

/// The header row and the rows of a workbook's sheet (the first one by default).
pub fn workbook_rows(path: &Path, sheet: Option<&str>) -> Result<(Vec<String>, Vec<Row>), String> {
    let mut workbook =
        open_workbook_auto(path).map_err(|e| format!("cannot open workbook: {e}"))?;
    let sheet = match sheet {
        Some(name) => name.to_string(),
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
    Ok((headers, rows))
}

/// What a column of a new table was taken for, and why: `kumiai add` prints it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRole {
    /// The column's header, trimmed.
    pub header: String,
    /// What the column was taken for.
    pub role: Role,
    /// Mean length in characters of its filled cells.
    pub mean_chars: usize,
}

/// What a column of a tabular survey holds, as [`infer_spec`] guesses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A branch column (県本部, 単組, 支部, 職場), listed outermost first.
    Branch,
    /// Personal data (氏名, 記入者, メール): read, never indexed or printed.
    Personal,
    /// Free text (cells of [`QUESTION_MEAN_CHARS`] characters on average, or with line breaks): one
    /// answer unit per filled cell.
    Question,
    /// Anything else (counts, rates, 有・無): copied onto every answer unit.
    Attribute,
    /// No header: not named in the manifest, so never read.
    Ignored,
}

/// Header words of branch columns, outermost first: their order is the branch order.
const BRANCH_WORDS: &[&str] = &["県本部", "都道府県", "単組", "支部", "職場"];
/// Header words of columns holding personal data.
const PERSONAL_WORDS: &[&str] = &[
    "氏名",
    "名前",
    "記入者",
    "メール",
    "mail",
    "電話",
    "連絡先",
    "住所",
];
/// Filled cells this long on average (characters) make a free-text question. In the bundled
/// survey the shortest real answers average 30 characters, while attributes (counts, rates,
/// 有・無, job titles) stay under 10.
pub const QUESTION_MEAN_CHARS: usize = 15;

/// Guesses the manifest's [`TableSpec`] from a table's header and cells: branch columns by
/// their header (県本部, 単組, 支部, 職場), personal ones too (氏名, 名前, 記入者, メール), free
/// text by its length, the rest attributes. The user checks and edits the result.
pub fn infer_spec(headers: &[String], rows: &[Row]) -> (TableSpec, Vec<ColumnRole>) {
    let mut spec = TableSpec::default();
    let mut roles = Vec::new();
    let mut branches: Vec<(usize, String)> = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        let name = header.trim().to_string();
        let filled: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.cells.get(i).map(|c| c.trim()))
            .filter(|c| !c.is_empty())
            .collect();
        let chars: usize = filled.iter().map(|c| c.chars().count()).sum();
        let mean_chars = chars / filled.len().max(1);
        let lower = name.to_lowercase();
        let role = if name.is_empty() {
            Role::Ignored
        } else if PERSONAL_WORDS.iter().any(|w| lower.contains(w)) {
            Role::Personal
        } else if let Some(rank) = BRANCH_WORDS.iter().position(|w| name.contains(w))
            && mean_chars < QUESTION_MEAN_CHARS
        {
            branches.push((rank, name.clone()));
            Role::Branch
        } else if mean_chars >= QUESTION_MEAN_CHARS || filled.iter().any(|c| c.contains('\n')) {
            Role::Question
        } else {
            Role::Attribute
        };
        match role {
            Role::Personal => spec.personal.push(name.clone()),
            Role::Question => spec.questions.push(name.clone()),
            Role::Attribute => spec.attributes.push(name.clone()),
            Role::Branch | Role::Ignored => {}
        }
        roles.push(ColumnRole {
            header: name,
            role,
            mean_chars,
        });
    }
    branches.sort_by_key(|(rank, _)| *rank);
    spec.branch = branches.into_iter().map(|(_, n)| n).collect();
    (spec, roles)
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
    fn infers_roles_from_header_and_length() {
        let text = "記入者,単組,県本部,組合員数,悩んでいること,メールアドレス,\n山田,奥州市職労,岩手,120,新採が組合に入らず、説明会も開けないまま一年が過ぎた,a@example.jp,x\n";
        let (headers, rows) = delimited_rows(text, b',').unwrap();
        let (spec, roles) = infer_spec(&headers, &rows);
        assert_eq!(spec.branch, ["県本部", "単組"], "outermost first");
        assert_eq!(spec.personal, ["記入者", "メールアドレス"]);
        assert_eq!(spec.questions, ["悩んでいること"]);
        assert_eq!(spec.attributes, ["組合員数"]);
        assert_eq!(roles.last().unwrap().role, Role::Ignored);
        read_delimited(text, b',', &spec).expect("the guess is a valid spec");
    }

    #[test]
    fn names_missing_columns() {
        let err = read_delimited("県本部,単組\n岩手,奥州\n", b',', &spec()).unwrap_err();
        assert!(err.contains("悩んでいること"), "{err}");
    }
}
