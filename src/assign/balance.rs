//! Balance of an allocation on baseline covariates (numeric units-file columns):
//! per covariate and treatment arm, the standardised mean difference and the variance
//! ratio against the control arm; per treatment arm, an omnibus test of joint balance.
//!
//! # Formula
//! - SMD = (mean_T − mean_C) / sqrt((s²_T + s²_C) / 2), sample variances with n − 1
//!   (cobalt's default pooled denominator for an allocation, where no group is the target).
//! - Variance ratio = s²_T / s²_C.
//! - Omnibus: Morgan and Rubin's Mahalanobis distance between the arm means,
//!   M = (n_T·n_C / n) · d′ S⁻¹ d, with d the difference of covariate means and S the
//!   sample covariance of the covariates over the units of both arms. Under complete
//!   randomisation M is approximately chi-square with k (number of covariates)
//!   degrees of freedom (the Hotelling T² limit); the p-value is its upper tail.
//!   Without rerandomisation p is roughly uniform; a small p flags a chance imbalance.
//!   With rerandomisation M is at most the acceptance threshold by construction.
//!
//! # References
//! Morgan, K. L. and Rubin, D. B. (2012). Rerandomization to improve covariate
//! balance in experiments. Annals of Statistics 40(2), 1263–1282. doi:10.1214/12-AOS1008

use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// One covariate's balance between a treatment arm and the control arm.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BalanceRow {
    pub covariate: String,
    pub arm: String,
    pub control: String,
    pub mean_control: f64,
    pub mean_treatment: f64,
    /// Standardised mean difference (pooled SD).
    pub smd: f64,
    /// Treatment variance over control variance.
    pub variance_ratio: f64,
}

/// Joint balance of all covariates between a treatment arm and the control arm.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct OmnibusTest {
    pub arm: String,
    pub control: String,
    /// Mahalanobis distance M between the arm means.
    pub statistic: f64,
    pub df: usize,
    /// Upper tail of chi-square(df) at M; `None` when M is undefined (collinear covariates).
    pub p_value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Default, schemars::JsonSchema)]
pub struct Balance {
    pub rows: Vec<BalanceRow>,
    pub omnibus: Vec<OmnibusTest>,
}

/// Inverse sample covariance of `columns` over the units where `include` holds;
/// `None` when it is singular.
pub fn inverse_covariance(
    columns: &[&[f64]],
    include: impl Fn(usize) -> bool,
) -> Option<DMatrix<f64>> {
    let k = columns.len();
    let n_rows = columns.first().map_or(0, |c| c.len());
    let mut n = 0usize;
    let mut means = vec![0.0; k];
    for row in (0..n_rows).filter(|r| include(*r)) {
        n += 1;
        for (j, column) in columns.iter().enumerate() {
            means[j] += (column[row] - means[j]) / n as f64;
        }
    }
    if n < 2 {
        return None;
    }
    let mut s = DMatrix::<f64>::zeros(k, k);
    for row in (0..n_rows).filter(|r| include(*r)) {
        for a in 0..k {
            let da = columns[a][row] - means[a];
            for b in 0..=a {
                s[(a, b)] += da * (columns[b][row] - means[b]);
            }
        }
    }
    for a in 0..k {
        for b in 0..=a {
            let v = s[(a, b)] / (n - 1) as f64;
            s[(a, b)] = v;
            s[(b, a)] = v;
        }
    }
    let cholesky = s.clone().cholesky()?;
    // Reject near-singular matrices: a pivot tiny relative to the variance.
    let l = cholesky.l();
    for a in 0..k {
        if (l[(a, a)] * l[(a, a)]).partial_cmp(&(1e-10 * s[(a, a)]))
            != Some(std::cmp::Ordering::Greater)
        {
            return None;
        }
    }
    Some(cholesky.inverse())
}

/// M = (n_T·n_C / n) · d′ S⁻¹ d.
pub fn mahalanobis(inverse: &DMatrix<f64>, difference: &[f64], n_t: usize, n_c: usize) -> f64 {
    let d = DVector::from_column_slice(difference);
    let n = (n_t + n_c) as f64;
    (n_t as f64 * n_c as f64 / n) * (d.transpose() * inverse * &d)[(0, 0)]
}

fn mean_var(values: impl Iterator<Item = f64>) -> (usize, f64, f64) {
    let (mut n, mut mean, mut m2) = (0usize, 0.0, 0.0);
    for x in values {
        n += 1;
        let delta = x - mean;
        mean += delta / n as f64;
        m2 += delta * (x - mean);
    }
    let var = if n > 1 { m2 / (n - 1) as f64 } else { f64::NAN };
    (n, mean, var)
}

/// Balance of every covariate, each treatment arm against `control`. `unit_arm` is
/// each unit row's arm index.
pub fn balance(
    covariates: &[(String, &[f64])],
    unit_arm: &[u8],
    arms: &[String],
    control: usize,
) -> Balance {
    let mut out = Balance::default();
    if covariates.is_empty() {
        return out;
    }
    for (t, arm) in arms.iter().enumerate().filter(|(t, _)| *t != control) {
        let in_arm = |a: usize| move |row: &usize| unit_arm[*row] as usize == a;
        let rows = 0..unit_arm.len();
        let mut difference = Vec::with_capacity(covariates.len());
        let (mut n_t, mut n_c) = (0, 0);
        for (name, values) in covariates {
            let (nc, mc, vc) = mean_var(rows.clone().filter(in_arm(control)).map(|r| values[r]));
            let (nt, mt, vt) = mean_var(rows.clone().filter(in_arm(t)).map(|r| values[r]));
            n_t = nt;
            n_c = nc;
            difference.push(mt - mc);
            out.rows.push(BalanceRow {
                covariate: name.clone(),
                arm: arm.clone(),
                control: arms[control].clone(),
                mean_control: mc,
                mean_treatment: mt,
                smd: (mt - mc) / ((vt + vc) / 2.0).sqrt(),
                variance_ratio: vt / vc,
            });
        }
        let columns: Vec<&[f64]> = covariates.iter().map(|(_, v)| *v).collect();
        let inverse = inverse_covariance(&columns, |r| {
            let a = unit_arm[r] as usize;
            a == t || a == control
        });
        let k = covariates.len();
        let (statistic, p_value) = match inverse {
            Some(inv) if n_t > 0 && n_c > 0 => {
                let m = mahalanobis(&inv, &difference, n_t, n_c);
                let p = ChiSquared::new(k as f64).ok().map(|chi| chi.sf(m));
                (m, p)
            }
            _ => (f64::NAN, None),
        };
        out.omnibus.push(OmnibusTest {
            arm: arm.clone(),
            control: arms[control].clone(),
            statistic,
            df: k,
            p_value,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_covariate_mahalanobis_is_the_squared_t_with_pooled_total_variance() {
        // Two arms of 3: x = 1,2,3 | 4,5,6. d = 3, S = var(1..6) = 3.5,
        // M = (3·3/6) · 9 / 3.5 = 3.857142857...
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let arm = [0u8, 0, 0, 1, 1, 1];
        let b = balance(&[("x".into(), &x)], &arm, &["c".into(), "t".into()], 0);
        assert!((b.omnibus[0].statistic - 1.5 * 9.0 / 3.5).abs() < 1e-12);
        assert!((b.rows[0].smd - 3.0).abs() < 1e-12); // sd 1 in each arm
        assert!((b.rows[0].variance_ratio - 1.0).abs() < 1e-12);
    }

    #[test]
    fn collinear_covariates_have_no_inverse() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [2.0, 4.0, 6.0, 8.0];
        assert!(inverse_covariance(&[&x, &y], |_| true).is_none());
    }
}
