//! Decoding bytes of unknown encoding without guessing silently wrong.

use encoding_rs::{EUC_JP, Encoding, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};

/// Decoded text and the encoding that produced it.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    /// Bytes that could not be decoded (replaced by U+FFFD); non-zero means the file is damaged.
    pub malformed: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    /// NUL bytes in a file without a UTF-16 byte-order mark: not text.
    Binary,
}

/// Tries BOMs, then strict UTF-8, then Shift_JIS (CP932) and EUC-JP, choosing between the
/// legacy encodings only when exactly one decodes cleanly, or by which yields more Japanese.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, malformed) = decode_with(encoding, &bytes[bom..]);
        return Ok(Decoded {
            text,
            encoding: if encoding == UTF_8 {
                "UTF-8 (BOM)"
            } else if encoding == UTF_16LE {
                "UTF-16LE"
            } else {
                debug_assert_eq!(encoding, UTF_16BE);
                "UTF-16BE"
            },
            malformed,
        });
    }
    if memchr_nul(bytes) {
        return Err(DecodeError::Binary);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: text.to_string(),
            encoding: "UTF-8",
            malformed: 0,
        });
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
    Ok(Decoded {
        text: best.3,
        encoding: best.2,
        malformed: best.0,
    })
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
