//! Statistics for a code × group cross-tab: a 2 × k table whose first row counts the units a
//! code matches in each group and whose column totals are the group sizes.
//!
//! Written here rather than pulled from a crate: the three tests needed are small, and the
//! results must be reproducible bit for bit (the Monte Carlo fallback is seeded).

/// Pearson's χ² of the 2 × k table, its degrees of freedom and upper-tail p.
///
/// Rows or columns with a zero total carry no information and do not count towards df; a table
/// with df = 0 (one group, or a code matching all or none of the units) gets χ² = 0, p = 1.
pub fn chi2_test(present: &[usize], totals: &[usize]) -> (f64, usize, f64) {
    let t = Table::new(present, totals);
    let mut chi2 = 0.0;
    for (&o, &c) in t.present.iter().zip(&t.totals) {
        for (observed, row) in [(o, t.row), (c - o, t.n - t.row)] {
            let expected = row as f64 * c as f64 / t.n as f64;
            if expected > 0.0 {
                chi2 += (observed as f64 - expected).powi(2) / expected;
            }
        }
    }
    let rows = usize::from(t.row > 0) + usize::from(t.row < t.n);
    let cols = t.totals.iter().filter(|&&c| c > 0).count();
    let df = rows.saturating_sub(1) * cols.saturating_sub(1);
    if df == 0 {
        return (0.0, 0, 1.0);
    }
    (chi2, df, chi2_sf(chi2, df))
}

/// Haberman's adjusted standardized residual of each first-row cell: (O − E) / √(E (1 − r/N)
/// (1 − c/N)), approximately standard normal, so |r| > 1.96 flags a group at the 5 % level.
/// The second row's residuals are these negated, so they are not returned. 0 where undefined.
pub fn adjusted_residuals(present: &[usize], totals: &[usize]) -> Vec<f64> {
    let t = Table::new(present, totals);
    let n = t.n as f64;
    let row = t.row as f64;
    t.present
        .iter()
        .zip(&t.totals)
        .map(|(&o, &c)| {
            let c = c as f64;
            let expected = row * c / n;
            let variance = expected * (1.0 - row / n) * (1.0 - c / n);
            if variance > 0.0 {
                (o as f64 - expected) / variance.sqrt()
            } else {
                0.0
            }
        })
        .collect()
}

/// Whether χ² is unreliable for this table (some expected count below 5, Cochran's rule of
/// thumb), so that Fisher's exact test should be reported too.
pub fn expected_counts_small(present: &[usize], totals: &[usize]) -> bool {
    let t = Table::new(present, totals);
    let n = t.n as f64;
    t.totals.iter().filter(|&&c| c > 0).any(|&c| {
        let e = t.row as f64 * c as f64 / n;
        e < 5.0 || c as f64 - e < 5.0
    })
}

/// Largest number of tables enumerated exactly; beyond it the p is estimated.
const EXACT_TABLE_LIMIT: u64 = 2_000_000;
/// Monte Carlo draws: p is then known to about ±0.005 at p = 0.05 (binomial s.e. 0.002).
const MONTE_CARLO_DRAWS: usize = 10_000;
/// Fixed so that the same table always reports the same p.
const MONTE_CARLO_SEED: u64 = 0x6b75_6d69_6169;

/// Fisher's exact test, two-sided, generalised to 2 × k (Fisher–Freeman–Halton): the
/// probability, under independence with all margins fixed, of a table no more probable than
/// the observed one (with R's 1e-7 relative tolerance for ties).
///
/// Exact when at most 2 000 000 tables share the margins (every table is enumerated). Otherwise
/// a Monte Carlo estimate from 10 000 random tables with the same margins, drawn with a fixed
/// seed, as R's `fisher.test(simulate.p.value = TRUE)` computes it: (1 + hits) / (1 + draws).
pub fn fisher_freeman_halton(present: &[usize], totals: &[usize]) -> f64 {
    let t = Table::new(present, totals);
    let cols: Vec<usize> = t.totals.iter().copied().filter(|&c| c > 0).collect();
    let observed: Vec<usize> = t
        .present
        .iter()
        .zip(&t.totals)
        .filter(|&(_, &c)| c > 0)
        .map(|(&o, _)| o)
        .collect();
    if cols.len() < 2 || t.row == 0 || t.row == t.n {
        return 1.0;
    }
    let ln_choose: Vec<Vec<f64>> = cols
        .iter()
        .map(|&c| (0..=c).map(|x| ln_binomial(c, x)).collect())
        .collect();
    let ln_p = |xs: &[usize]| -> f64 { xs.iter().zip(&ln_choose).map(|(&x, l)| l[x]).sum() };
    // Tables at most this (log) probability count; the constant part ln C(N, r) cancels.
    let threshold = ln_p(&observed) + (1.0 + 1e-7f64).ln();
    let total = ln_binomial(t.n, t.row);
    if count_tables(&cols, t.row) <= EXACT_TABLE_LIMIT {
        let mut suffix_capacity = vec![0; cols.len() + 1];
        for j in (0..cols.len()).rev() {
            suffix_capacity[j] = suffix_capacity[j + 1] + cols[j];
        }
        let mut walk = Enumeration {
            ln_choose: &ln_choose,
            suffix_capacity,
            threshold,
            total,
            sum: 0.0,
        };
        walk.visit(0, t.row, 0.0);
        walk.sum.min(1.0)
    } else {
        monte_carlo(&cols, t.row, threshold, ln_p)
    }
}

/// Every first row with the observed margins, column by column.
struct Enumeration<'a> {
    /// ln C(c_j, x) per column j and count x.
    ln_choose: &'a [Vec<f64>],
    /// Units in the columns from j on, to skip counts that cannot be completed.
    suffix_capacity: Vec<usize>,
    threshold: f64,
    /// ln C(N, r): the denominator every table shares.
    total: f64,
    sum: f64,
}

impl Enumeration<'_> {
    /// Adds the probability of every completion of columns `j..` (`remaining` units still to
    /// place) that is at most the threshold. Recursion depth is the number of groups.
    fn visit(&mut self, j: usize, remaining: usize, ln_p: f64) {
        let Some(ln_choose) = self.ln_choose.get(j) else {
            if remaining == 0 && ln_p <= self.threshold {
                self.sum += (ln_p - self.total).exp();
            }
            return;
        };
        let low = remaining.saturating_sub(self.suffix_capacity[j + 1]);
        let high = (ln_choose.len() - 1).min(remaining);
        for (x, &l) in ln_choose.iter().enumerate().take(high + 1).skip(low) {
            self.visit(j + 1, remaining - x, ln_p + l);
        }
    }
}

/// Number of first rows with these column totals summing to `row`, saturating.
fn count_tables(cols: &[usize], row: usize) -> u64 {
    let mut ways = vec![0u64; row + 1];
    ways[0] = 1;
    for &c in cols {
        let mut next = vec![0u64; row + 1];
        // Sliding window sum of ways[s - c ..= s].
        let mut window = 0u64;
        for s in 0..=row {
            window = window.saturating_add(ways[s]);
            if s > c {
                window = window.saturating_sub(ways[s - c - 1]);
            }
            next[s] = window;
        }
        ways = next;
    }
    ways[row]
}

fn monte_carlo(cols: &[usize], row: usize, threshold: f64, ln_p: impl Fn(&[usize]) -> f64) -> f64 {
    // Each draw picks `row` of the N units without replacement (a partial Fisher–Yates shuffle,
    // undone afterwards) and counts them per column: a table with the observed margins, drawn
    // with its probability under independence.
    let mut labels: Vec<usize> = cols
        .iter()
        .enumerate()
        .flat_map(|(j, &c)| std::iter::repeat_n(j, c))
        .collect();
    let n = labels.len();
    // Drawing the smaller row is cheaper and gives the same table distribution.
    let (draw, complement) = if row <= n - row {
        (row, false)
    } else {
        (n - row, true)
    };
    let mut rng = SplitMix64(MONTE_CARLO_SEED);
    let mut counts = vec![0usize; cols.len()];
    let mut swaps = Vec::with_capacity(draw);
    let mut hits = 0usize;
    for _ in 0..MONTE_CARLO_DRAWS {
        counts.iter_mut().for_each(|x| *x = 0);
        for i in 0..draw {
            let k = i + rng.below(n - i);
            labels.swap(i, k);
            swaps.push(k);
            counts[labels[i]] += 1;
        }
        for (i, &k) in swaps.iter().enumerate().rev() {
            labels.swap(i, k);
        }
        swaps.clear();
        if complement {
            for (x, &c) in counts.iter_mut().zip(cols) {
                *x = c - *x;
            }
        }
        if ln_p(&counts) <= threshold {
            hits += 1;
        }
    }
    (1 + hits) as f64 / (1 + MONTE_CARLO_DRAWS) as f64
}

/// Steele, Lea and Flood's SplitMix64: tiny, seedable, good enough for resampling.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 0..bound (bound > 0), by Lemire's multiply-shift (bias < 2⁻⁶⁴·bound).
    fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next()) * bound as u128) >> 64) as usize
    }
}

/// The 2 × k table with first-row counts clamped to their column totals, so that any input is
/// a valid table.
struct Table {
    present: Vec<usize>,
    totals: Vec<usize>,
    row: usize,
    n: usize,
}

impl Table {
    fn new(present: &[usize], totals: &[usize]) -> Self {
        let totals: Vec<usize> = totals.to_vec();
        let present: Vec<usize> = totals
            .iter()
            .enumerate()
            .map(|(j, &c)| present.get(j).copied().unwrap_or(0).min(c))
            .collect();
        let row = present.iter().sum();
        let n = totals.iter().sum();
        Self {
            present,
            totals,
            row,
            n,
        }
    }
}

/// Survival function of the χ² distribution: Q(df/2, x/2), the regularized upper incomplete
/// gamma function.
pub fn chi2_sf(x: f64, df: usize) -> f64 {
    if df == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    upper_gamma_regularized(df as f64 / 2.0, x / 2.0)
}

/// Q(a, x) for a > 0, x > 0 (Numerical Recipes §6.2): the series of P below a + 1, where it
/// converges fast, and Lentz's continued fraction of Q above.
fn upper_gamma_regularized(a: f64, x: f64) -> f64 {
    const EPS: f64 = 1e-15;
    const MAX_ITER: usize = 10_000;
    let ln_front = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut ap = a;
        for _ in 0..MAX_ITER {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * EPS {
                break;
            }
        }
        (1.0 - sum * ln_front.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = f64::MIN_POSITIVE / EPS;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITER {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < EPS {
                break;
            }
        }
        (ln_front.exp() * h).clamp(0.0, 1.0)
    }
}

/// ln Γ(x) for x > 0: Lanczos (g = 7, n = 9), relative error below 1e-15.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum = COEF[0]
        + COEF[1..]
            .iter()
            .enumerate()
            .map(|(i, c)| c / (x + i as f64 + 1.0))
            .sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

fn ln_factorial(n: usize) -> f64 {
    ln_gamma(n as f64 + 1.0)
}

fn ln_binomial(n: usize, k: usize) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn chi2_sf_matches_tables_and_closed_forms() {
        // scipy.stats.chi2.sf(3.84, 1)
        assert!(close(chi2_sf(3.84, 1), 0.050_043_521_248_705_2, 1e-9));
        // Critical values of the χ² table (p = 0.05, 0.01, 0.001).
        for (x, df, p) in [
            (3.841_458_820_694_124, 1, 0.05),
            (6.634_896_601_021_214, 1, 0.01),
            (18.307_038_053_275_146, 10, 0.05),
            (43.772_971_825_742_19, 30, 0.05),
            (16.266_236_196_238_13, 3, 0.001),
        ] {
            assert!(
                close(chi2_sf(x, df), p, 1e-9),
                "df {df}: {}",
                chi2_sf(x, df)
            );
        }
        // df = 2 is exp(−x/2) exactly; df = 4 is exp(−x/2)(1 + x/2).
        for x in [0.01, 0.5, 1.0, 2.9, 3.1, 10.0, 50.0, 200.0] {
            assert!(close(chi2_sf(x, 2), (-x / 2.0).exp(), 1e-12));
            assert!(close(
                chi2_sf(x, 4),
                (-x / 2.0).exp() * (1.0 + x / 2.0),
                1e-12
            ));
        }
        assert_eq!(chi2_sf(0.0, 3), 1.0);
        assert_eq!(chi2_sf(f64::INFINITY, 3), 0.0);
        assert!(chi2_sf(1.0, 0).is_nan());
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut f = 1.0f64;
        for n in 1..30 {
            f *= n as f64;
            assert!(close(ln_factorial(n), f.ln(), 1e-13), "{n}");
        }
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-14
        ));
    }

    // Columns are groups; `present` is the first row. [[1, 9], [11, 3]] transposed to rows
    // present/absent: present = [1, 11], totals = [10, 14].
    #[test]
    fn fisher_2x2_matches_r() {
        // scipy.stats.fisher_exact([[1, 9], [11, 3]]) p = 0.002759 (exactly 41/14858).
        let p = fisher_freeman_halton(&[1, 11], &[10, 14]);
        assert!(close(p, 41.0 / 14858.0, 1e-9), "{p}");
        // Fisher's tea-tasting table [[3, 1], [1, 3]]: p = 17/35 = 0.4857.
        let p = fisher_freeman_halton(&[3, 1], &[4, 4]);
        assert!(close(p, 17.0 / 35.0, 1e-9), "{p}");
    }

    #[test]
    fn fisher_freeman_halton_2xk_matches_brute_force() {
        // References computed independently with exact rationals (Python's fractions and
        // math.comb, enumerating every table with the margins).
        for (present, totals, p_ref) in [
            (&[2, 0, 5][..], &[5, 6, 6][..], 2.0 / 187.0),
            (&[0, 1, 4, 2][..], &[3, 4, 5, 6][..], 437.0 / 2652.0),
            (&[1, 2, 3, 0, 6][..], &[4, 5, 6, 3, 7][..], 7863.0 / 74290.0),
        ] {
            let p = fisher_freeman_halton(present, totals);
            assert!(close(p, p_ref, 1e-9), "{present:?}: {p} vs {p_ref}");
        }
        // A table whose margins allow more tables than the exact limit goes to Monte Carlo and
        // must agree with the χ² approximation where that is good (large expected counts).
        let present = [40, 60, 50, 55, 45, 70, 30, 52, 48, 50];
        let totals = [100; 10];
        let p = fisher_freeman_halton(&present, &totals);
        assert!(count_tables(&[100; 10], 500) > EXACT_TABLE_LIMIT);
        let (_, _, chi_p) = chi2_test(&present, &totals);
        assert!((p - chi_p).abs() < 0.02, "{p} vs {chi_p}");
        // Seeded: the same p every time.
        assert_eq!(p, fisher_freeman_halton(&present, &totals));
    }

    #[test]
    fn chi2_and_residuals_of_a_2x2() {
        // Expected counts 5, 7 / 5, 7: χ² = 16/5 + 16/7 + 16/5 + 16/7.
        let (chi2, df, p) = chi2_test(&[1, 11], &[10, 14]);
        assert!(close(chi2, 32.0 / 5.0 + 32.0 / 7.0, 1e-12));
        assert_eq!(df, 1);
        assert!(close(p, chi2_sf(chi2, 1), 1e-15));
        // In a 2 × 2 table each adjusted residual squared is the uncorrected χ².
        let r = adjusted_residuals(&[1, 11], &[10, 14]);
        assert!(close(r[0] * r[0], chi2, 1e-12) && r[0] < 0.0 && close(r[1], -r[0], 1e-12));
    }

    #[test]
    fn adjusted_residuals_match_a_textbook_value() {
        // Agresti, An Introduction to Categorical Data Analysis (2007), Table 2.5, party
        // identification by gender: 762 of 1557 females and 484 of 1200 males are Democrats;
        // the adjusted residuals are 4.50 and −4.50 (a cell's residual depends only on its
        // margins, so the other parties need not be split out).
        let r = adjusted_residuals(&[762, 484], &[1557, 1200]);
        assert!(
            (r[0] - 4.50).abs() < 0.005 && (r[1] + 4.50).abs() < 0.005,
            "{r:?}"
        );
    }

    #[test]
    fn degenerate_tables_do_not_panic() {
        for (present, totals) in [
            (&[][..], &[][..]),
            (&[0][..], &[0][..]),
            (&[3][..], &[3][..]),
            (&[0, 0][..], &[4, 5][..]),
            (&[4, 5][..], &[4, 5][..]),
            (&[9, 9][..], &[4, 5][..]),
            (&[1][..], &[4, 0, 5][..]),
        ] {
            let (chi2, df, p) = chi2_test(present, totals);
            assert!(chi2.is_finite() && p.is_finite(), "{present:?} {totals:?}");
            if df == 0 {
                assert_eq!(p, 1.0);
            }
            assert!(
                adjusted_residuals(present, totals)
                    .iter()
                    .all(|r| r.is_finite())
            );
            let f = fisher_freeman_halton(present, totals);
            assert!((0.0..=1.0).contains(&f));
            let _ = expected_counts_small(present, totals);
        }
    }
}
