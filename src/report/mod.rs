//! Report: tables and documents for people (CSV for Excel, JSON for scripts).

pub mod compare;
pub mod docx;
pub mod excel;
pub mod hits;
pub mod layout;
pub mod pictures;

pub mod sheet;
pub mod survey;
pub mod table;
pub mod themes;
pub mod trend;
pub mod xlsx;

use std::io::{self, IsTerminal, Write};
use std::path::Path;

/// Where a command writes: the `--out` file, else standard output.
pub fn output(out: Option<&Path>) -> Result<Box<dyn Write>, String> {
    Ok(match out {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    })
}

/// [`output`] for a binary format (xlsx, docx): standard output only when it is redirected,
/// since a workbook's bytes on a terminal are noise and may carry control sequences.
pub fn binary_output(out: Option<&Path>, format: &str) -> Result<Box<dyn Write>, String> {
    if out.is_none() && io::stdout().is_terminal() {
        return Err(format!(
            "--format {format} writes a binary file: give --out FILE.{format}, or redirect standard output to a file"
        ));
    }
    output(out)
}

/// Joins the wrapped lines of an answer as written: no separator, since the text is Japanese.
pub fn join_wrapped(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace()))
        .filter(|l| !l.is_empty())
        .collect()
}

/// At most `n` characters of `t` on one line, with "…" when cut (labels and legends).
pub fn short_label(t: &str, n: usize) -> String {
    let one_line: String = t
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() <= n {
        one_line
    } else {
        let mut s: String = one_line.chars().take(n.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Escapes text for HTML content and attribute values: document text is data, never markup.
pub fn escape_html(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            _ => s.push(c),
        }
    }
    s
}

/// Fonts with Japanese glyphs on each platform (macOS, Windows, Linux / Android), named so a
/// browser does not fall back to a Chinese face for kanji; `sans-serif` last.
const FONTS: &str = "\"Hiragino Sans\",\"Hiragino Kaku Gothic ProN\",\"Noto Sans JP\",\"Noto Sans CJK JP\",\"Yu Gothic UI\",\"Yu Gothic\",YuGothic,Meiryo,sans-serif";

/// Opens a self-contained page (no script, no network): `title` escaped, the Japanese font
/// stack, then `style` inline.
pub fn html_start(out: &mut impl Write, title: &str, style: &str) -> io::Result<()> {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>body{{font-family:{FONTS}}}{style}</style></head><body>",
        escape_html(title)
    )
}

/// Escapes text for one line of Markdown: whatever could start a tag or an entity is
/// HTML-escaped (`<b>` renders as text), line breaks become spaces, and the characters
/// Markdown reads as emphasis, code, links or table cells are backslashed. A `<` or `&` that
/// cannot start markup stays as typed, so `p < 0.0001` and `A > B` read well in a terminal.
pub fn escape_md(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    let mut prev: Option<char> = None;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        match c {
            '\n' | '\r' => s.push(' '),
            '<' if next.is_some_and(|n| n.is_alphanumeric() || "/!?".contains(n)) => {
                s.push_str("&lt;")
            }
            '&' if next.is_some_and(|n| n.is_alphanumeric() || n == '#') => s.push_str("&amp;"),
            '>' if prev.is_none_or(|p| !p.is_whitespace()) => s.push_str("&gt;"),
            '\\' | '*' | '_' | '`' | '[' | ']' | '|' | '~' | '#' => {
                s.push('\\');
                s.push(c);
            }
            _ => s.push(c),
        }
        prev = Some(c);
    }
    s
}

pub use crate::normalize::display_width;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_markup_but_not_comparisons() {
        assert_eq!(escape_md("< 0.0001"), "< 0.0001");
        assert_eq!(escape_md("1.活動方針 > 1.1 情勢"), "1.活動方針 > 1.1 情勢");
        assert_eq!(
            escape_md("<script>&amp; & x"),
            "&lt;script&gt;&amp;amp; & x"
        );
        assert_eq!(escape_md("> 引用"), "&gt; 引用");
        assert_eq!(escape_md("*強調*|表\n次"), "\\*強調\\*\\|表 次");
    }

    #[test]
    fn pages_name_japanese_fonts() {
        let mut page = Vec::new();
        html_start(&mut page, "<題>", "p{margin:0}").unwrap();
        let page = String::from_utf8(page).unwrap();
        for font in ["Noto Sans JP", "Hiragino Sans", "Yu Gothic", "Meiryo"] {
            assert!(page.contains(font), "{font}");
        }
        assert!(page.contains("<title>&lt;題&gt;</title>"));
    }
}
