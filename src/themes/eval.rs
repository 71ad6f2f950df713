//! How discovered themes compare with hand-read ones: the measure `benches/themes_quality.rs`
//! reports and the themes tests hold a floor on.
//!
//! A hand-read theme file (benches/themes/gold.txt) gives, under each `* name` line, evidence
//! phrases one per line (`#` comments); a theme's units are the units whose text contains one
//! of its phrases (NFKC, whitespace ignored), so the file does not depend on how units are
//! numbered. The measure is unit-level F1 of the best-matching candidate for each hand-read
//! theme, averaged over the hand-read themes.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

use crate::themes::model::ThemeUnit;

/// A hand-read theme: its name and the indices of its units.
#[derive(Debug, Clone)]
pub struct GoldTheme {
    pub name: String,
    pub units: HashSet<usize>,
    /// Evidence phrases no unit contains (1-based line, phrase): a stale file.
    pub missing: Vec<(usize, String)>,
}

fn compact(s: &str) -> String {
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// Parses a hand-read theme file against `units`.
pub fn gold(text: &str, units: &[ThemeUnit]) -> Vec<GoldTheme> {
    let texts: Vec<String> = units.iter().map(|u| compact(&u.text)).collect();
    let mut out: Vec<GoldTheme> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('*') {
            out.push(GoldTheme {
                name: name.trim().to_string(),
                units: HashSet::new(),
                missing: Vec::new(),
            });
            continue;
        }
        let Some(theme) = out.last_mut() else {
            continue;
        };
        let phrase = compact(line);
        let mut found = false;
        for (i, t) in texts.iter().enumerate() {
            if t.contains(&phrase) {
                theme.units.insert(i);
                found = true;
            }
        }
        if !found {
            theme.missing.push((n + 1, line.to_string()));
        }
    }
    out
}

pub fn f1(gold: &HashSet<usize>, found: &HashSet<usize>) -> f64 {
    let tp = gold.intersection(found).count();
    if tp == 0 {
        0.0
    } else {
        2.0 * tp as f64 / (gold.len() + found.len()) as f64
    }
}

/// Mean over the hand-read themes of the best F1 among `candidates` (0 with none).
pub fn mean_best_f1(gold: &[GoldTheme], candidates: &[HashSet<usize>]) -> f64 {
    if gold.is_empty() {
        return 0.0;
    }
    gold.iter()
        .map(|g| {
            candidates
                .iter()
                .map(|c| f1(&g.units, c))
                .fold(0.0, f64::max)
        })
        .sum::<f64>()
        / gold.len() as f64
}
