//! A compact byte form of the offset map, so the index can store it beside the normalized text.

use super::{Normalized, Seg};

impl Normalized {
    /// Little-endian u32s: `end`, then per run `norm, orig, orig_end, identity`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + self.segs.len() * 13);
        out.extend_from_slice(&(self.end as u32).to_le_bytes());
        for s in &self.segs {
            for v in [s.norm, s.orig, s.orig_end] {
                out.extend_from_slice(&(v as u32).to_le_bytes());
            }
            out.push(u8::from(s.identity));
        }
        out
    }

    /// Rebuilds a view from its text and [`Normalized::to_bytes`]; None if they do not fit.
    pub fn from_bytes(text: String, bytes: &[u8]) -> Option<Normalized> {
        let word = |b: &[u8]| -> usize { u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize };
        let (head, rest) = bytes.split_at_checked(4)?;
        if rest.len() % 13 != 0 {
            return None;
        }
        let segs: Vec<Seg> = rest
            .chunks_exact(13)
            .map(|c| Seg {
                norm: word(&c[0..4]),
                orig: word(&c[4..8]),
                orig_end: word(&c[8..12]),
                identity: c[12] != 0,
            })
            .collect();
        let fits = segs
            .iter()
            .all(|s| s.norm <= text.len() && text.is_char_boundary(s.norm));
        fits.then(|| Normalized {
            text,
            segs,
            end: word(head),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_offsets() {
        let original = "２０２４年度の\n未加入者①ＡＢＣ𠮷";
        let (norm, _) = crate::normalize::normalize(original, 0..original.len());
        let back = Normalized::from_bytes(norm.text.clone(), &norm.to_bytes()).unwrap();
        assert_eq!(back, norm);
        for i in 0..=norm.text.len() {
            assert_eq!(back.to_original(i), norm.to_original(i));
        }
        assert!(Normalized::from_bytes("x".into(), &[1, 2, 3]).is_none());
    }
}
