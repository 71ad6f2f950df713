//! Keyness: which content words rose or fell between the two texts.

use std::collections::HashMap;

use serde::Serialize;

use crate::analyze::Token;

/// A term whose frequency differs between the texts.
#[derive(Debug, Clone, Serialize)]
pub struct Keyness {
    /// Base form (dictionary form) of the word.
    pub term: String,
    pub old: usize,
    pub new: usize,
    /// Log-likelihood G² (Dunning): evidence that the difference is not chance.
    pub g2: f64,
    /// log₂ of the relative-frequency ratio new/old (Hardie), a zero count
    /// taken as 0.5: the size of the difference; positive means it rose.
    pub log_ratio: f64,
}

/// Nouns, verbs and adjectives carry what a policy says; particles and
/// numbers would only echo length differences.
fn is_content(t: &Token) -> bool {
    if t.is_symbol() {
        return false;
    }
    match t.pos() {
        "名詞" => !matches!(t.pos_detail(), "数" | "非自立" | "代名詞" | "接尾"),
        "動詞" | "形容詞" => t.pos_detail() == "自立",
        _ => false,
    }
}

fn counts(units: &[Vec<Token>]) -> (HashMap<&str, usize>, usize) {
    let mut map = HashMap::new();
    let mut total = 0;
    for t in units.iter().flatten().filter(|t| is_content(t)) {
        *map.entry(t.base_form()).or_insert(0) += 1;
        total += 1;
    }
    (map, total)
}

/// Terms with G² ≥ `min_g2`, strongest first, and the threshold used.
pub(super) fn keyness(old: &[Vec<Token>], new: &[Vec<Token>], min_g2: f64) -> (Vec<Keyness>, f64) {
    let (a, n1) = counts(old);
    let (b, n2) = counts(new);
    let mut out = Vec::new();
    if n1 == 0 || n2 == 0 {
        return (out, min_g2);
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let terms: std::collections::BTreeSet<&str> = a.keys().chain(b.keys()).copied().collect();
    for term in terms {
        let x = a.get(term).copied().unwrap_or(0);
        let y = b.get(term).copied().unwrap_or(0);
        let g2 = g2(x as f64, y as f64, n1f, n2f);
        if g2 >= min_g2 {
            let log_ratio = ((y as f64).max(0.5) / n2f / ((x as f64).max(0.5) / n1f)).log2();
            out.push(Keyness {
                term: term.to_string(),
                old: x,
                new: y,
                g2,
                log_ratio,
            });
        }
    }
    out.sort_by(|p, q| q.g2.total_cmp(&p.g2).then_with(|| p.term.cmp(&q.term)));
    (out, min_g2)
}

fn g2(x: f64, y: f64, n1: f64, n2: f64) -> f64 {
    let e1 = n1 * (x + y) / (n1 + n2);
    let e2 = n2 * (x + y) / (n1 + n2);
    let part = |o: f64, e: f64| if o > 0.0 { o * (o / e).ln() } else { 0.0 };
    2.0 * (part(x, e1) + part(y, e2))
}

#[cfg(test)]
mod tests {
    use super::g2;

    /// 100 against 50 in equal corpora: E = 75 each, so
    /// G² = 2(100 ln(100/75) + 50 ln(50/75)) = 16.99.
    #[test]
    fn g2_by_hand() {
        let v = g2(100.0, 50.0, 10_000.0, 10_000.0);
        assert!((v - 16.99).abs() < 0.01, "{v}");
        assert_eq!(g2(5.0, 5.0, 100.0, 100.0), 0.0);
    }
}
