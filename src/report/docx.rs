//! Word documents (.docx): a titled page with one table, the form a 新旧対照表 takes in a
//! 議案書. Changed text is a run with a real single underline (`<w:u w:val="single"/>`), which
//! Word keeps when the table is copied or edited, unlike a colour or a mark.

use std::io::{self, Cursor};

use docx_rs::{
    Docx, PageOrientationType, Paragraph, Run, RunFonts, Shading, TableCell, TableRow, WidthType,
};

/// A4 landscape in twentieths of a point, with 20 mm margins: two text columns side by side
/// need the width.
const PAGE_WIDTH: u32 = 16_838;
const PAGE_HEIGHT: u32 = 11_906;
const MARGIN: i32 = 1_134;
/// Column widths (twips) of 新｜旧｜備考: the remarks column takes what a short note needs.
const REMARKS_WIDTH: usize = 2_000;
const TEXT_WIDTH: usize = (PAGE_WIDTH as usize - 2 * MARGIN as usize - REMARKS_WIDTH) / 2;
/// Text size in half-points: 10.5 pt, a 議案書's usual body size.
const SIZE: usize = 21;
/// 游明朝 ships with Windows 10+ and current macOS Office, so the table looks the same
/// wherever the 議案書 is opened.
const FONT: &str = "游明朝";

/// Text with whether each run is underlined.
pub type Runs<'a> = [(&'a str, bool)];

fn paragraph(runs: &Runs) -> Paragraph {
    runs.iter()
        .filter(|(t, _)| !t.is_empty())
        .fold(Paragraph::new(), |p, (t, underlined)| {
            let run = Run::new().add_text(clean(t));
            p.add_run(if *underlined {
                run.underline("single")
            } else {
                run
            })
        })
}

/// Text Word accepts: XML has no place for most control characters.
fn clean(t: &str) -> String {
    super::sheet::clean(t)
}

/// A table of three columns with a header row; banner rows span all three.
pub struct Table {
    rows: Vec<TableRow>,
}

impl Table {
    pub fn new(heads: [&str; 3]) -> Self {
        let head = heads
            .iter()
            .zip(widths())
            .map(|(h, w)| {
                TableCell::new()
                    .add_paragraph(Paragraph::new().add_run(Run::new().add_text(*h).bold()))
                    .width(w, WidthType::Dxa)
                    .shading(Shading::new().fill("E8EEF4"))
            })
            .collect();
        Table {
            rows: vec![TableRow::new(head)],
        }
    }

    /// A row spanning the table: a section heading, or （略：N文）.
    pub fn banner(&mut self, text: &str) {
        self.rows.push(TableRow::new(vec![
            TableCell::new()
                .add_paragraph(paragraph(&[(text, false)]))
                .grid_span(3)
                .shading(Shading::new().fill("F2F2F2")),
        ]));
    }

    pub fn row(&mut self, cells: [&Runs; 3]) {
        let cells = cells
            .iter()
            .zip(widths())
            .map(|(runs, w)| {
                TableCell::new()
                    .add_paragraph(paragraph(runs))
                    .width(w, WidthType::Dxa)
            })
            .collect();
        self.rows.push(TableRow::new(cells));
    }
}

fn widths() -> [usize; 3] {
    [TEXT_WIDTH, TEXT_WIDTH, REMARKS_WIDTH]
}

pub struct Document {
    docx: Docx,
}

impl Document {
    /// A document opening with `title` as its heading.
    pub fn new(title: &str) -> Self {
        let docx = Docx::new()
            .page_size(PAGE_WIDTH, PAGE_HEIGHT)
            .page_orient(PageOrientationType::Landscape)
            .page_margin(
                docx_rs::PageMargin::new()
                    .top(MARGIN)
                    .bottom(MARGIN)
                    .left(MARGIN)
                    .right(MARGIN),
            )
            .default_fonts(RunFonts::new().east_asia(FONT))
            .default_size(SIZE)
            .add_paragraph(
                Paragraph::new().add_run(Run::new().add_text(clean(title)).bold().size(SIZE + 10)),
            );
        Document { docx }
    }

    pub fn line(&mut self, text: &str) {
        self.push(paragraph(&[(text, false)]));
    }

    /// A small grey line (a legend or note).
    pub fn note(&mut self, text: &str) {
        self.push(
            Paragraph::new().add_run(
                Run::new()
                    .add_text(clean(text))
                    .size(SIZE - 3)
                    .color("555555"),
            ),
        );
    }

    fn push(&mut self, p: Paragraph) {
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_paragraph(p);
    }

    pub fn table(&mut self, table: Table) {
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_table(
            docx_rs::Table::new(table.rows)
                .set_grid(widths().to_vec())
                .layout(docx_rs::TableLayoutType::Fixed),
        );
    }

    pub fn into_bytes(self) -> io::Result<Vec<u8>> {
        let mut buf = Cursor::new(Vec::new());
        self.docx
            .build()
            .pack(&mut buf)
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(buf.into_inner())
    }
}
