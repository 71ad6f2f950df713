//! Report: tables and documents for people (CSV for Excel, JSON for scripts).

pub mod compare;
pub mod excel;
pub mod hits;
pub mod layout;
pub mod pictures;

pub mod survey;
pub mod table;
pub mod themes;
pub mod trend;

use std::io::{self, Write};

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

/// Opens a self-contained page (no script, no network): `title` escaped, `style` inline.
pub fn html_start(out: &mut impl Write, title: &str, style: &str) -> io::Result<()> {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{style}</style></head><body>",
        escape_html(title)
    )
}

/// Escapes text for one line of Markdown: HTML-escaped (tags render as text), line breaks
/// as spaces, and the characters Markdown reads as emphasis, code, links or table cells
/// backslashed.
pub fn escape_md(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    for c in escape_html(t).chars() {
        match c {
            '\n' | '\r' => s.push(' '),
            '\\' | '*' | '_' | '`' | '[' | ']' | '|' | '~' | '#' => {
                s.push('\\');
                s.push(c);
            }
            _ => s.push(c),
        }
    }
    s
}

/// Display width in a terminal: CJK and full-width characters take two columns.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x20000..=0x3FFFD => 2,
            _ => 1,
        })
        .sum()
}
