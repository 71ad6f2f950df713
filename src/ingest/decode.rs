//! Decoding bytes of unknown encoding without guessing silently wrong.

use encoding_rs::{EUC_JP, Encoding, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};

/// Decoded text and the encoding that produced it.
#[derive(Debug)]
pub struct Decoded {
    /// The decoded text, lone CRs made LFs and control characters made visible.
    pub text: String,
    /// What it was read as, for the user: "UTF-8", "Shift_JIS (CP932)", "UTF-16LE (no BOM)"….
    pub encoding: &'static str,
    /// Bytes that could not be decoded (replaced by U+FFFD); non-zero means the file is damaged.
    pub malformed: usize,
    /// Control characters made visible by [`make_controls_visible`], and the line of the first.
    pub controls: Option<Controls>,
}

/// What [`make_controls_visible`] replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Controls {
    /// How many were replaced.
    pub count: usize,
    /// 1-based line of the first one.
    pub first_line: usize,
}

/// Why bytes are not read as text at all.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The file has no bytes.
    Empty,
    /// NUL bytes in a file without a UTF-16 byte-order mark: not text.
    Binary,
}

/// Tries BOMs, then strict UTF-8, then Shift_JIS (CP932) and EUC-JP, choosing between the
/// legacy encodings only when exactly one decodes cleanly, or by which yields more Japanese.
///
/// The text is then made safe to print: lone CRs (old Mac line ends) become LFs, so line
/// numbers count them, and other control characters become visible (see
/// [`make_controls_visible`]).
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let (text, encoding, malformed) = decode_text(bytes)?;
    let text = lone_cr_to_lf(text);
    let (text, controls) = make_controls_visible(text);
    Ok(Decoded {
        text,
        encoding,
        malformed,
        controls,
    })
}

fn decode_text(bytes: &[u8]) -> Result<(String, &'static str, usize), DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, malformed) = decode_with(encoding, &bytes[bom..]);
        let name = if encoding == UTF_8 {
            "UTF-8 (BOM)"
        } else if encoding == UTF_16LE {
            "UTF-16LE"
        } else {
            debug_assert_eq!(encoding, UTF_16BE);
            "UTF-16BE"
        };
        return Ok((text, name, malformed));
    }
    if memchr_nul(bytes) {
        return utf16_without_bom(bytes).ok_or(DecodeError::Binary);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), "UTF-8", 0));
    }
    let candidates = [
        (SHIFT_JIS, "Shift_JIS (CP932)"),
        (EUC_JP, "EUC-JP"),
        (UTF_8, "UTF-8"),
    ];
    let best = candidates
        .iter()
        .map(|&(encoding, name)| {
            let (text, malformed) = decode_with(encoding, bytes);
            let score = japanese_score(&text);
            (malformed, std::cmp::Reverse(score), name, text)
        })
        .min_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)))
        .expect("candidates is not empty");
    Ok((best.3, best.2, best.0))
}

/// UTF-16 without a byte-order mark, as some Windows tools write it. Binary files have NUL
/// bytes too, so it is accepted only when one byte order decodes without error into text that
/// is almost all (≥ 95 %) what these documents are made of — ASCII, kana, kanji, full-width
/// forms and CJK punctuation — with no control characters but line ends and tabs. The wrong
/// order turns 一 into `N` and a line feed into 'ਊ', and fails that test.
fn utf16_without_bom(bytes: &[u8]) -> Option<(String, &'static str, usize)> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    [
        (UTF_16LE, "UTF-16LE (no BOM)"),
        (UTF_16BE, "UTF-16BE (no BOM)"),
    ]
    .into_iter()
    .filter_map(|(encoding, name)| {
        let text = encoding.decode_without_bom_handling_and_without_replacement(bytes)?;
        let (mut usual, mut total) = (0usize, 0usize);
        for c in text.chars() {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}') {
                return None;
            }
            total += 1;
            usual += usize::from(matches!(c,
                    ' '..='~' | '\n' | '\r' | '\t' | '\u{c}'
                    | '\u{3000}'..='\u{30FF}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}'
                    | '\u{2460}'..='\u{24FF}' | '\u{2010}'..='\u{206F}'));
        }
        (usual * 100 >= total * 95).then(|| (usual, text.into_owned(), name))
    })
    .max_by_key(|(usual, _, _)| *usual)
    .map(|(_, text, name)| (text, name, 0))
}

/// Old Mac files end lines with CR alone; as LF (same length, so offsets hold) they count as
/// lines for every line number the user is shown.
fn lone_cr_to_lf(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    let mut bytes = text.into_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
    // Only ASCII bytes were swapped for ASCII bytes: still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Control characters in a document would act on the terminal (ESC sequences recolour it,
/// move the cursor or set its title) wherever the text is printed. They carry no meaning in a
/// union document, so they are replaced, once, for every later stage and output, by their
/// visible pictures (U+241B ␛ for ESC, U+2400 + code for the rest of C0, ␡ for DEL) or by
/// U+FFFD for C1 controls. Tab, line feed, carriage return and form feed (page breaks in
/// PDF extractions) stay.
pub fn make_controls_visible(text: String) -> (String, Option<Controls>) {
    let is_bad = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}');
    let Some(first) = text.find(is_bad) else {
        return (text, None);
    };
    let first_line = 1 + text[..first].matches('\n').count();
    let mut count = 0;
    let out = text
        .chars()
        .map(|c| {
            if !is_bad(c) {
                return c;
            }
            count += 1;
            match c as u32 {
                n @ 0..=0x1F => char::from_u32(0x2400 + n).unwrap_or('\u{FFFD}'),
                0x7F => '\u{2421}',
                _ => '\u{FFFD}',
            }
        })
        .collect();
    (out, Some(Controls { count, first_line }))
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    let malformed = if text.contains('\u{FFFD}') {
        // Count only replacements the decoder made, not U+FFFD already in the source.
        let clean = encoding
            .decode_without_bom_handling_and_without_replacement(bytes)
            .is_some();
        if clean {
            0
        } else {
            text.matches('\u{FFFD}').count()
        }
    } else {
        0
    };
    (text.into_owned(), malformed)
}

fn memchr_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
}

/// Hiragana and common kanji are what real Japanese text is made of; a wrong legacy
/// decoding yields half-width katakana and rare symbols instead.
fn japanese_score(text: &str) -> usize {
    text.chars()
        .filter(|c| matches!(*c, '\u{3041}'..='\u{309F}' | '\u{4E00}'..='\u{9FFF}' | '、' | '。'))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "自治労連と自治労の未加入者、２０２４年度。";

    #[test]
    fn detects_each_supported_encoding() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (SAMPLE.as_bytes().to_vec(), "UTF-8"),
            (
                [b"\xEF\xBB\xBF".as_slice(), SAMPLE.as_bytes()].concat(),
                "UTF-8 (BOM)",
            ),
            (SHIFT_JIS.encode(SAMPLE).0.into_owned(), "Shift_JIS (CP932)"),
            (EUC_JP.encode(SAMPLE).0.into_owned(), "EUC-JP"),
            (
                [
                    vec![0xFF, 0xFE],
                    SAMPLE.encode_utf16().flat_map(u16::to_le_bytes).collect(),
                ]
                .concat(),
                "UTF-16LE",
            ),
            (
                [
                    vec![0xFE, 0xFF],
                    SAMPLE.encode_utf16().flat_map(u16::to_be_bytes).collect(),
                ]
                .concat(),
                "UTF-16BE",
            ),
        ];
        for (bytes, expected) in cases {
            let decoded = decode(&bytes).unwrap();
            assert_eq!(decoded.encoding, expected);
            assert_eq!(decoded.text, SAMPLE, "{expected}");
            assert_eq!(decoded.malformed, 0);
        }
    }

    #[test]
    fn utf16_without_bom_is_text_not_binary() {
        let text = "組合 union\n未加入者、２０２４年度。\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, name) in [(le, "UTF-16LE (no BOM)"), (be, "UTF-16BE (no BOM)")] {
            let decoded = decode(&bytes).unwrap();
            assert_eq!((decoded.text.as_str(), decoded.encoding), (text, name));
        }
        // NULs on both sides: binary, as before.
        assert_eq!(decode(b"\x00\x00ab").unwrap_err(), DecodeError::Binary);
    }

    #[test]
    fn lone_cr_ends_lines_and_crlf_stays() {
        assert_eq!(decode(b"a\rb\r\nc\r").unwrap().text, "a\nb\r\nc\n");
    }

    #[test]
    fn control_characters_become_visible() {
        let decoded =
            decode("見出し\n\u{1b}[2J\u{1b}]0;x\u{7}本文\u{7f}\u{9b}\t終\u{c}".as_bytes()).unwrap();
        assert_eq!(decoded.text, "見出し\n␛[2J␛]0;x␇本文␡\u{FFFD}\t終\u{c}");
        assert_eq!(
            decoded.controls,
            Some(Controls {
                count: 5,
                first_line: 2
            })
        );
        assert_eq!(decode("普通の文。\n".as_bytes()).unwrap().controls, None);
    }

    #[test]
    fn rejects_empty_and_binary() {
        assert_eq!(decode(b"").unwrap_err(), DecodeError::Empty);
        assert_eq!(
            decode(b"PK\x03\x04\x00\x00").unwrap_err(),
            DecodeError::Binary
        );
    }

    #[test]
    fn counts_undecodable_bytes() {
        let mut bytes = SHIFT_JIS.encode(SAMPLE).0.into_owned();
        bytes.extend_from_slice(&[0x81, 0xFF, 0xFF]);
        let decoded = decode(&bytes).unwrap();
        assert!(decoded.malformed > 0);
        assert!(decoded.text.starts_with("自治労連と自治労"));
    }
}
