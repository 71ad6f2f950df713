//! 対応分析 (correspondence analysis) of a contingency table: terms or codes × groups.
//!
//! Computed as in Greenacre's *Correspondence Analysis in Practice* (and R's `ca`): the SVD
//! of the standardized residual matrix S = D_r^-1/2 (P − r cᵀ) D_c^-1/2, principal inertias
//! λ_k = σ_k², principal coordinates F = D_r^-1/2 U Σ and G = D_c^-1/2 V Σ, and contributions
//! of a point to a dimension r_i f_ik² / λ_k. `scripts/ca_reference.py` computes the same with
//! numpy's LAPACK SVD; the test pins its values.

use serde::Serialize;

use super::model::ThemeUnit;
use super::terms::Terms;

/// The result of a correspondence analysis, with its input.
#[derive(Debug, Clone, Serialize)]
pub struct Correspondence {
    /// Row labels (terms or codes) and column labels (groups), as analysed: rows and columns
    /// with an empty margin are left out (they carry no information).
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    /// The input counts, rows × cols.
    pub table: Vec<Vec<f64>>,
    /// Total inertia (χ² / n).
    pub total_inertia: f64,
    /// Principal inertia of each dimension, largest first.
    pub inertias: Vec<f64>,
    pub row_points: Vec<Point>,
    pub col_points: Vec<Point>,
}

/// A row or a column of the table in the CA map.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub label: String,
    /// Its share of the grand total.
    pub mass: f64,
    /// Principal coordinate on each dimension.
    pub coords: Vec<f64>,
    /// Its share of each dimension's inertia (sums to 1 over the rows, and over the columns).
    pub contributions: Vec<f64>,
}

impl Correspondence {
    /// The share of the total inertia a dimension explains (寄与率).
    pub fn share(&self, dim: usize) -> f64 {
        self.inertias
            .get(dim)
            .map_or(0.0, |l| l / self.total_inertia)
    }
}

/// Why a table cannot be analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaError {
    /// Fewer than two rows or two columns carry counts: there is no map to draw.
    TooSmall { rows: usize, cols: usize },
}

impl std::fmt::Display for CaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaError::TooSmall { rows, cols } => write!(
                f,
                "correspondence analysis needs at least 2 rows and 2 groups with counts (got {rows} × {cols}): widen the selection or choose another --by"
            ),
        }
    }
}

/// Runs CA on `table` (rows × cols, non-negative counts), keeping up to `dims` dimensions.
pub fn analyse(
    rows: &[String],
    cols: &[String],
    table: &[Vec<f64>],
    dims: usize,
) -> Result<Correspondence, CaError> {
    let row_sum = |i: usize| table[i].iter().sum::<f64>();
    let keep_rows: Vec<usize> = (0..rows.len()).filter(|&i| row_sum(i) > 0.0).collect();
    let col_sum = |j: usize| keep_rows.iter().map(|&i| table[i][j]).sum::<f64>();
    let keep_cols: Vec<usize> = (0..cols.len()).filter(|&j| col_sum(j) > 0.0).collect();
    if keep_rows.len() < 2 || keep_cols.len() < 2 {
        return Err(CaError::TooSmall {
            rows: keep_rows.len(),
            cols: keep_cols.len(),
        });
    }
    let n: Vec<Vec<f64>> = keep_rows
        .iter()
        .map(|&i| keep_cols.iter().map(|&j| table[i][j]).collect())
        .collect();
    let total: f64 = n.iter().flatten().sum();
    let r: Vec<f64> = n
        .iter()
        .map(|row| row.iter().sum::<f64>() / total)
        .collect();
    let c: Vec<f64> = (0..keep_cols.len())
        .map(|j| n.iter().map(|row| row[j]).sum::<f64>() / total)
        .collect();
    let s: Vec<Vec<f64>> = n
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .map(|(j, &nij)| (nij / total - r[i] * c[j]) / (r[i] * c[j]).sqrt())
                .collect()
        })
        .collect();
    let total_inertia: f64 = s.iter().flatten().map(|x| x * x).sum();
    let (u, sigma, v) = svd(&s);
    // The trivial dimension of CA has σ = 0 here (the margins were subtracted); rank is at
    // most min(rows, cols) − 1.
    let rank = sigma.iter().take_while(|&&x| x > 1e-12).count();
    let dims = dims.min(rank).min(keep_rows.len().min(keep_cols.len()) - 1);
    let inertias: Vec<f64> = sigma[..dims].iter().map(|x| x * x).collect();
    let points = |labels: Vec<String>, mass: &[f64], vecs: &[Vec<f64>]| -> Vec<Point> {
        labels
            .into_iter()
            .enumerate()
            .map(|(i, label)| Point {
                label,
                mass: mass[i],
                coords: (0..dims)
                    .map(|k| vecs[i][k] * sigma[k] / mass[i].sqrt())
                    .collect(),
                contributions: (0..dims).map(|k| vecs[i][k] * vecs[i][k]).collect(),
            })
            .collect()
    };
    Ok(Correspondence {
        row_points: points(keep_rows.iter().map(|&i| rows[i].clone()).collect(), &r, &u),
        col_points: points(keep_cols.iter().map(|&j| cols[j].clone()).collect(), &c, &v),
        rows: keep_rows.iter().map(|&i| rows[i].clone()).collect(),
        cols: keep_cols.iter().map(|&j| cols[j].clone()).collect(),
        table: n,
        total_inertia,
        inertias,
    })
}

/// Thin SVD of an m × n matrix by one-sided Jacobi rotations (Hestenes): returns U (m × k),
/// σ (k, descending) and V (n × k) with k = min(m, n). Accurate to rounding for the small,
/// dense tables CA sees (≤ a few hundred rows); each sign is fixed so that the largest
/// component of the column of V is positive, as the reference script does.
fn svd(a: &[Vec<f64>]) -> (Vec<Vec<f64>>, Vec<f64>, Vec<Vec<f64>>) {
    let m = a.len();
    let n = a[0].len();
    if n > m {
        let t: Vec<Vec<f64>> = (0..n).map(|j| (0..m).map(|i| a[i][j]).collect()).collect();
        let (u, s, v) = svd(&t);
        return (v, s, u);
    }
    // Columns of `w` converge to U Σ; `v` accumulates the rotations.
    let mut w: Vec<Vec<f64>> = (0..n).map(|j| (0..m).map(|i| a[i][j]).collect()).collect();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|j| (0..n).map(|i| f64::from(u8::from(i == j))).collect())
        .collect();
    for _sweep in 0..60 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let alpha: f64 = w[p].iter().map(|x| x * x).sum();
                let beta: f64 = w[q].iter().map(|x| x * x).sum();
                let gamma: f64 = w[p].iter().zip(&w[q]).map(|(x, y)| x * y).sum();
                if gamma.abs() <= 1e-15 * (alpha * beta).sqrt() || gamma == 0.0 {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let t = if zeta == 0.0 { 1.0 } else { t };
                let cos = 1.0 / (1.0 + t * t).sqrt();
                let sin = cos * t;
                for cols in [&mut w, &mut v] {
                    let (left, right) = cols.split_at_mut(q);
                    for (x, y) in left[p].iter_mut().zip(right[0].iter_mut()) {
                        let (xp, yq) = (*x, *y);
                        *x = cos * xp - sin * yq;
                        *y = sin * xp + cos * yq;
                    }
                }
            }
        }
        if !rotated {
            break;
        }
    }
    let mut order: Vec<(f64, usize)> = w
        .iter()
        .enumerate()
        .map(|(j, col)| (col.iter().map(|x| x * x).sum::<f64>().sqrt(), j))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut u = vec![vec![0.0; n]; m];
    let mut vv = vec![vec![0.0; n]; n];
    let mut sigma = Vec::with_capacity(n);
    for (k, &(s, j)) in order.iter().enumerate() {
        let big = v[j]
            .iter()
            .copied()
            .max_by(|a, b| a.abs().total_cmp(&b.abs()))
            .unwrap_or(1.0);
        let sign = if big < 0.0 { -1.0 } else { 1.0 };
        for i in 0..m {
            u[i][k] = if s > 0.0 { sign * w[j][i] / s } else { 0.0 };
        }
        for i in 0..n {
            vv[i][k] = sign * v[j][i];
        }
        sigma.push(s);
    }
    (u, sigma, vv)
}

/// The terms × groups table CA and the group network start from: for each term of `ids`,
/// the number of units of each group holding it, and the units of each group. Groups are in
/// order of first appearance in `units`.
pub fn term_group_table(units: &[ThemeUnit], terms: &Terms, ids: &[u32]) -> GroupTable {
    let mut groups: Vec<String> = Vec::new();
    let mut group_units: Vec<usize> = Vec::new();
    let mut group_of: Vec<usize> = Vec::with_capacity(units.len());
    let mut index = std::collections::HashMap::new();
    for u in units {
        let g = *index.entry(u.branch.as_str()).or_insert_with(|| {
            groups.push(u.branch.clone());
            group_units.push(0);
            groups.len() - 1
        });
        group_units[g] += 1;
        group_of.push(g);
    }
    let row_of: std::collections::HashMap<u32, usize> =
        ids.iter().enumerate().map(|(r, &t)| (t, r)).collect();
    let mut counts = vec![vec![0.0; groups.len()]; ids.len()];
    for (u, unit_ids) in terms.unit_terms.iter().enumerate() {
        for id in unit_ids {
            if let Some(&r) = row_of.get(id) {
                counts[r][group_of[u]] += 1.0;
            }
        }
    }
    GroupTable {
        terms: ids
            .iter()
            .map(|&t| terms.stats[t as usize].term.clone())
            .collect(),
        groups,
        group_units,
        counts,
    }
}

/// Units per term and group (see [`term_group_table`]).
#[derive(Debug, Clone)]
pub struct GroupTable {
    pub terms: Vec<String>,
    pub groups: Vec<String>,
    /// Units of each group.
    pub group_units: Vec<usize>,
    /// terms × groups: units of the group holding the term.
    pub counts: Vec<Vec<f64>>,
}

/// Ids of the `top` terms found in the most units (ties: higher termhood first, as ranked).
pub fn top_terms(terms: &Terms, top: usize) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..terms.stats.len() as u32).collect();
    ids.sort_by(|&a, &b| {
        terms.stats[b as usize]
            .units
            .cmp(&terms.stats[a as usize].units)
            .then(a.cmp(&b))
    });
    ids.truncate(top);
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    /// Greenacre's smoking table (staff groups × smoking categories), as in R's `ca`
    /// (`data(smoke)`), with the values `scripts/ca_reference.py` (numpy's LAPACK SVD) prints for it.
    #[test]
    fn matches_the_reference_on_the_smoke_table() {
        let table: Vec<Vec<f64>> = [
            [4.0, 2.0, 3.0, 2.0],
            [4.0, 3.0, 7.0, 4.0],
            [25.0, 10.0, 12.0, 4.0],
            [18.0, 24.0, 33.0, 13.0],
            [10.0, 6.0, 7.0, 2.0],
        ]
        .iter()
        .map(|r| r.to_vec())
        .collect();
        let ca = analyse(&labels("r", 5), &labels("c", 4), &table, 3).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-7;
        assert!(
            close(ca.total_inertia, 0.085_189_86),
            "{}",
            ca.total_inertia
        );
        let expected_inertias = [0.074_759_11, 0.010_017_18, 0.000_413_57];
        for (got, want) in ca.inertias.iter().zip(expected_inertias) {
            assert!(close(*got, want), "{:?}", ca.inertias);
        }
        assert!(close(ca.share(0), 0.877_558_73), "{}", ca.share(0));
        // Principal coordinates, signs included (the script flips as `svd` does).
        let rows1: Vec<f64> = ca.row_points.iter().map(|p| p.coords[0]).collect();
        let want = [
            0.065_768_38,
            -0.258_958_42,
            0.380_594_89,
            -0.232_951_91,
            0.201_089_12,
        ];
        assert!(
            rows1.iter().zip(want).all(|(g, w)| close(*g, w)),
            "{rows1:?}"
        );
        let cols2: Vec<f64> = ca.col_points.iter().map(|p| p.coords[1]).collect();
        let want = [0.030_492_07, -0.141_064_29, -0.007_359_11, 0.197_765_66];
        assert!(
            cols2.iter().zip(want).all(|(g, w)| close(*g, w)),
            "{cols2:?}"
        );
        let contrib = ca.row_points[2].contributions[0];
        assert!(close(contrib, 0.512_005_55), "{contrib}");
        // Contributions sum to one per dimension, over rows and over columns.
        for k in 0..3 {
            let rows: f64 = ca.row_points.iter().map(|p| p.contributions[k]).sum();
            let cols: f64 = ca.col_points.iter().map(|p| p.contributions[k]).sum();
            assert!(close(rows, 1.0) && close(cols, 1.0), "{rows} {cols}");
        }
    }

    #[test]
    fn empty_margins_are_left_out_and_tiny_tables_refused() {
        let table = vec![
            vec![1.0, 0.0, 3.0],
            vec![0.0, 0.0, 0.0],
            vec![2.0, 0.0, 1.0],
        ];
        let ca = analyse(&labels("r", 3), &labels("c", 3), &table, 2).unwrap();
        assert_eq!(ca.rows, ["r0", "r2"]);
        assert_eq!(ca.cols, ["c0", "c2"]);
        assert_eq!(ca.inertias.len(), 1, "a 2 × 2 table has one dimension");
        let err = analyse(&labels("r", 1), &labels("c", 2), &[vec![1.0, 2.0]], 2).unwrap_err();
        assert_eq!(err, CaError::TooSmall { rows: 1, cols: 2 });
    }

    #[test]
    fn svd_reconstructs_a_wide_matrix() {
        let a = vec![vec![1.0, 2.0, 3.0, 4.0], vec![2.0, 0.5, -1.0, 0.0]];
        let (u, s, v) = svd(&a);
        for i in 0..2 {
            for j in 0..4 {
                let x: f64 = (0..2).map(|k| u[i][k] * s[k] * v[j][k]).sum();
                assert!((x - a[i][j]).abs() < 1e-12, "{i},{j}: {x}");
            }
        }
        assert!(s[0] >= s[1]);
    }
}
