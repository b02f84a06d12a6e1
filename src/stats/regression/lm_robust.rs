//! Least squares with robust standard errors: Evident's `estimatr::lm_robust()`.
//!
//! In: a [`Design`], the outcome, and [`LmRobustOptions`] (variance type, weights,
//! clusters, confidence level). Out: an [`LmRobust`] with one [`Estimate`] per
//! coefficient, serialisable for `--json` and printed like R's `summary()`.
//!
//! Defaults follow estimatr: HC2 without clusters, CR2 with clusters; df per
//! [`super::variance`].

use serde::Serialize;
use std::fmt;

use nalgebra::{DMatrix, DVector};

use super::ols::{OlsFit, fit_ols};
use super::variance::{SeType, variance};
use super::{Clusters, Design, RegressionError};
use crate::stats::distributions::f as f_dist;
use crate::stats::estimate::{Alternative, Estimate};

/// Options of [`lm_robust`].
#[derive(Debug, Clone, Copy)]
pub struct LmRobustOptions<'a> {
    /// `None` = HC2, or CR2 when clusters are given (estimatr's defaults).
    pub se_type: Option<SeType>,
    /// Observation weights (finite, > 0).
    pub weights: Option<&'a [f64]>,
    /// Cluster membership, one entry per row.
    pub clusters: Option<&'a Clusters>,
    /// Confidence level in (0, 1); estimatr's default is 0.95.
    pub conf_level: f64,
    pub alternative: Alternative,
}

impl Default for LmRobustOptions<'_> {
    fn default() -> Self {
        LmRobustOptions {
            se_type: None,
            weights: None,
            clusters: None,
            conf_level: 0.95,
            alternative: Alternative::TwoSided,
        }
    }
}

/// One coefficient of a fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    pub term: String,
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// The joint test that every coefficient but the intercept is zero.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FStatistic {
    pub value: f64,
    pub numdf: f64,
    pub dendf: f64,
    pub p_value: f64,
}

/// A fitted linear model with robust inference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LmRobust {
    pub coefficients: Vec<Coefficient>,
    pub se_type: SeType,
    pub nobs: usize,
    /// Number of clusters, for the CR types.
    pub nclusters: Option<usize>,
    /// n − k.
    pub df_residual: f64,
    /// Residual variance Σwe²/(n − k) (estimatr's `res_var`).
    pub res_var: f64,
    /// Residual standard error √res_var (summary.lm's `sigma`).
    pub sigma: f64,
    pub weighted: bool,
    /// 1 − Σwe²/Σw(y − ȳ_w)² (about 0 without an intercept: 1 − Σwe²/Σwy²).
    pub r_squared: f64,
    /// 1 − (1 − R²)(n − has_intercept)/(n − k).
    pub adj_r_squared: f64,
    /// `None` for an intercept-only model, or when the covariance matrix of the
    /// tested coefficients is not positive definite (estimatr reports NA).
    pub fstatistic: Option<FStatistic>,
    /// Coefficient covariance matrix, row-major, in the order of `coefficients`.
    pub vcov: Vec<Vec<f64>>,
}

impl LmRobust {
    /// The coefficient named `term`, if any.
    pub fn coefficient(&self, term: &str) -> Option<&Estimate> {
        self.coefficients
            .iter()
            .find(|c| c.term == term)
            .map(|c| &c.estimate)
    }
}

/// Checks a confidence level lies in (0, 1).
pub(crate) fn check_conf_level(conf_level: f64) -> Result<(), RegressionError> {
    if conf_level > 0.0 && conf_level < 1.0 {
        Ok(())
    } else {
        Err(RegressionError::ConfLevel(conf_level))
    }
}

/// Builds an [`Estimate`], refusing a non-finite estimate, a non-positive or
/// non-finite variance, or a non-positive df
/// rather than returning NaN.
pub(crate) fn checked_estimate(
    term: &str,
    estimate: f64,
    variance: f64,
    df: f64,
    conf_level: f64,
    alternative: Alternative,
) -> Result<Estimate, RegressionError> {
    if !estimate.is_finite() {
        return Err(RegressionError::DegenerateVariance {
            column: format!("the estimate of {term}"),
            value: estimate,
        });
    }
    if !(variance.is_finite() && variance > 0.0) {
        return Err(RegressionError::DegenerateVariance {
            column: format!("the variance of {term}"),
            value: variance,
        });
    }
    if df.is_nan() || df <= 0.0 {
        return Err(RegressionError::DegenerateVariance {
            column: format!("the degrees of freedom of {term}"),
            value: df,
        });
    }
    Ok(Estimate::from_t(
        estimate,
        variance.sqrt(),
        df,
        conf_level,
        alternative,
    ))
}

/// Fits `y ~ X` by least squares with the requested robust variance.
///
/// # Formula
/// β̂ by (weighted) QR least squares; V̂ and df per [`super::variance`]; t-based
/// p-values and intervals from [`Estimate::from_t`].
///
/// Matches `estimatr::lm_robust(y ~ ..., se_type = , weights = , clusters = ,
/// alpha = 1 − conf_level)` (estimatr 1.0.0).
///
/// # Errors
/// Input checks (lengths, NaN/infinite values, weights), n ≤ k, collinear columns,
/// a single cluster, clusters given with a non-cluster type or missing for one,
/// leverage 1 with HC2/HC3, a degenerate (zero) variance.
pub fn lm_robust(
    design: &Design,
    y: &[f64],
    options: &LmRobustOptions,
) -> Result<LmRobust, RegressionError> {
    check_conf_level(options.conf_level)?;
    let se_type = options.se_type.unwrap_or(if options.clusters.is_some() {
        SeType::CR2
    } else {
        SeType::HC2
    });
    let fit = fit_ols(design, y, options.weights)?;
    let var = variance(&fit, &design.x, se_type, options.clusters)?;
    let k = fit.k();
    let coefficients = (0..k)
        .map(|j| {
            Ok(Coefficient {
                term: design.names[j].clone(),
                estimate: checked_estimate(
                    &design.names[j],
                    fit.coef[j],
                    var.vcov[(j, j)],
                    var.df[j],
                    options.conf_level,
                    options.alternative,
                )?,
            })
        })
        .collect::<Result<Vec<_>, RegressionError>>()?;
    let has_intercept = design.names.iter().any(|n| n == "(Intercept)");
    let (r_squared, adj_r_squared) = r_squared(&fit, y, has_intercept);
    let dendf = match options.clusters {
        Some(c) if se_type.is_clustered() => c.count() as f64 - 1.0,
        _ => (fit.n() - k) as f64,
    };
    let fstatistic = f_statistic(
        &fit.coef,
        &var.vcov,
        has_intercept,
        se_type,
        r_squared,
        (fit.n() - k) as f64,
        dendf,
    );
    let res_var = fit.scaled_residuals.norm_squared() / (fit.n() - k) as f64;
    Ok(LmRobust {
        coefficients,
        res_var,
        sigma: res_var.sqrt(),
        se_type,
        r_squared,
        adj_r_squared,
        fstatistic,
        nobs: fit.n(),
        nclusters: options.clusters.map(Clusters::count),
        df_residual: (fit.n() - k) as f64,
        weighted: options.weights.is_some(),
        vcov: (0..k)
            .map(|r| (0..k).map(|c| var.vcov[(r, c)]).collect())
            .collect(),
    })
}

/// (R², adjusted R²) as estimatr computes them (weighted when weights are given).
pub(crate) fn r_squared(fit: &OlsFit, y: &[f64], has_intercept: bool) -> (f64, f64) {
    let n = fit.n() as f64;
    let k = fit.k() as f64;
    let ssr = fit.scaled_residuals.norm_squared();
    let w = |i: usize| fit.weights.as_ref().map_or(1.0, |w| w[i]);
    let tss = if has_intercept {
        let total: f64 = (0..y.len()).map(w).sum();
        let mean = y.iter().enumerate().map(|(i, v)| w(i) * v).sum::<f64>() / total;
        y.iter()
            .enumerate()
            .map(|(i, v)| w(i) * (v - mean) * (v - mean))
            .sum::<f64>()
    } else {
        y.iter().enumerate().map(|(i, v)| w(i) * v * v).sum::<f64>()
    };
    let r2 = 1.0 - ssr / tss;
    let adj = 1.0 - (1.0 - r2) * (n - f64::from(u8::from(has_intercept))) / (n - k);
    (r2, adj)
}

/// estimatr's F statistic: R²-based for classical SEs, else the Wald statistic
/// b'V⁻¹b/q on the non-intercept coefficients, referred to F(q, dendf).
pub(crate) fn f_statistic(
    coef: &DVector<f64>,
    vcov: &DMatrix<f64>,
    has_intercept: bool,
    se_type: SeType,
    r_squared: f64,
    df_residual: f64,
    dendf: f64,
) -> Option<FStatistic> {
    let k = coef.len();
    let first = usize::from(has_intercept);
    let q = k - first;
    if q == 0 {
        return None;
    }
    let numdf = q as f64;
    let value = if se_type == SeType::Classical {
        r_squared * df_residual / ((1.0 - r_squared) * numdf)
    } else {
        let b = coef.rows(first, q).into_owned();
        let v = vcov.view((first, first), (q, q)).into_owned();
        let chol = v.cholesky()?;
        b.dot(&chol.solve(&b)) / numdf
    };
    let p_value = f_dist::sf(value, numdf, dendf).ok()?;
    value.is_finite().then_some(FStatistic {
        value,
        numdf,
        dendf,
        p_value,
    })
}

/// Prints a coefficient table like `summary(lm_robust(...))`; with z inference
/// (infinite df, as in `summary(glm(...))`) the columns read `z value`, `Pr(>|z|)`
/// and the df column is left out.
pub(crate) fn write_table(f: &mut fmt::Formatter<'_>, rows: &[Coefficient]) -> fmt::Result {
    let width = rows.iter().map(|c| c.term.len()).max().unwrap_or(0).max(4);
    let level = rows.first().map(|c| c.estimate.conf_level).unwrap_or(0.95);
    let z = rows.iter().all(|c| c.estimate.df.is_infinite());
    let (stat, p) = if z {
        ("z value", "Pr(>|z|)")
    } else {
        ("t value", "Pr(>|t|)")
    };
    write!(
        f,
        "{:width$} {:>12} {:>12} {:>9} {:>10} {:>12} {:>12}",
        "", "Estimate", "Std. Error", stat, p, "CI Lower", "CI Upper",
    )?;
    if z {
        writeln!(f)?;
    } else {
        writeln!(f, " {:>9}", "DF")?;
    }
    for c in rows {
        let e = &c.estimate;
        write!(
            f,
            "{:width$} {:>12.6} {:>12.6} {:>9.3} {:>10.4e} {:>12.6} {:>12.6}",
            c.term, e.estimate, e.std_error, e.statistic, e.p_value, e.conf_low, e.conf_high,
        )?;
        if z {
            writeln!(f)?;
        } else {
            writeln!(f, " {:>9.2}", e.df)?;
        }
    }
    write!(f, "({:.0}% confidence intervals)", level * 100.0)
}

/// The coefficient table, the counts and the residual standard error, as every
/// least-squares fit prints them (R's summary layout).
pub(crate) fn write_coefficients_and_residuals(
    f: &mut fmt::Formatter<'_>,
    coefficients: &[Coefficient],
    nobs: usize,
    nclusters: Option<usize>,
    df_residual: f64,
    sigma: f64,
) -> fmt::Result {
    writeln!(f, "Coefficients:")?;
    write_table(f, coefficients)?;
    writeln!(f)?;
    writeln!(f)?;
    write!(f, "Observations: {nobs}")?;
    if let Some(j) = nclusters {
        write!(f, ", clusters: {j}")?;
    }
    writeln!(f, ", residual df: {df_residual}")?;
    writeln!(
        f,
        "Residual standard error: {sigma:.6} on {df_residual} degrees of freedom"
    )
}

impl fmt::Display for LmRobust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Standard error type:  {}", self.se_type)?;
        writeln!(f)?;
        write_coefficients_and_residuals(
            f,
            &self.coefficients,
            self.nobs,
            self.nclusters,
            self.df_residual,
            self.sigma,
        )?;
        writeln!(
            f,
            "Multiple R-squared:  {:.6},\tAdjusted R-squared:  {:.6}",
            self.r_squared, self.adj_r_squared
        )?;
        if let Some(fs) = &self.fstatistic {
            writeln!(
                f,
                "F-statistic: {:.4} on {} and {} DF,  p-value: {:.4e}",
                fs.value, fs.numdf, fs.dendf, fs.p_value
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::regression::{Covariate, build_design};

    fn small() -> (Design, Vec<f64>) {
        let x: Vec<f64> = (0..12).map(|i| i as f64).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|v| 1.0 + 0.5 * v + ((v * 7.0) % 3.0))
            .collect();
        let design = build_design(
            true,
            &[Covariate::Numeric {
                name: "x".into(),
                values: x.into(),
            }],
        )
        .unwrap();
        (design, y)
    }

    #[test]
    fn single_cluster_is_named() {
        let (design, y) = small();
        let clusters = Clusters::from_labels(&["only"; 12]);
        let err = lm_robust(
            &design,
            &y,
            &LmRobustOptions {
                clusters: Some(&clusters),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            RegressionError::SingleCluster {
                cluster: "only".into()
            }
        );
    }

    #[test]
    fn cluster_types_need_clusters_and_others_refuse_them() {
        let (design, y) = small();
        let err = lm_robust(
            &design,
            &y,
            &LmRobustOptions {
                se_type: Some(SeType::CR1),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, RegressionError::ClustersRequired { .. }));
        let clusters = Clusters::from_labels(&(0..12).map(|i| i % 3).collect::<Vec<_>>());
        let err = lm_robust(
            &design,
            &y,
            &LmRobustOptions {
                se_type: Some(SeType::HC2),
                clusters: Some(&clusters),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, RegressionError::ClustersNotAllowed { .. }));
    }

    #[test]
    fn bad_conf_level_is_refused() {
        let (design, y) = small();
        for level in [0.0, 1.0, f64::NAN] {
            let err = lm_robust(
                &design,
                &y,
                &LmRobustOptions {
                    conf_level: level,
                    ..Default::default()
                },
            )
            .unwrap_err();
            assert!(matches!(err, RegressionError::ConfLevel(_)));
        }
    }

    #[test]
    fn leverage_one_is_an_error_for_hc2_not_a_nan() {
        // A dummy marking a single row gives that row leverage 1.
        let mut d = vec![0.0; 12];
        d[5] = 1.0;
        let (_, y) = small();
        let design = build_design(
            true,
            &[
                Covariate::Numeric {
                    name: "x".into(),
                    values: (0..12).map(|i| i as f64).collect(),
                },
                Covariate::Numeric {
                    name: "d".into(),
                    values: d.into(),
                },
            ],
        )
        .unwrap();
        let err = lm_robust(&design, &y, &LmRobustOptions::default()).unwrap_err();
        assert_eq!(
            err,
            RegressionError::LeverageOne {
                row: 5,
                se_type: "HC2".into()
            }
        );
        let hc1 = lm_robust(
            &design,
            &y,
            &LmRobustOptions {
                se_type: Some(SeType::HC1),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(
            hc1.coefficients
                .iter()
                .all(|c| c.estimate.p_value.is_finite())
        );
    }

    #[test]
    fn display_and_json_name_every_term() {
        let (design, y) = small();
        let fit = lm_robust(&design, &y, &LmRobustOptions::default()).unwrap();
        let text = fit.to_string();
        assert!(text.contains("Standard error type:  HC2"), "{text}");
        assert!(
            text.contains("(Intercept)") && text.contains("Pr(>|t|)"),
            "{text}"
        );
        let json = serde_json::to_value(&fit).unwrap();
        assert_eq!(json["coefficients"][1]["term"], "x");
        assert_eq!(json["se_type"], "HC2");
        assert!(json["coefficients"][1]["std_error"].as_f64().unwrap() > 0.0);
    }
}

#[cfg(test)]
mod invariants {
    use super::*;
    use crate::stats::prec::close;
    use crate::stats::regression::Covariate;
    use crate::stats::regression::build_design;
    use proptest::prelude::*;

    fn fit(
        x: &[f64],
        y: &[f64],
        w: Option<&[f64]>,
        c: Option<&Clusters>,
        se_type: SeType,
    ) -> Result<LmRobust, RegressionError> {
        let design = build_design(
            true,
            &[Covariate::Numeric {
                name: "x".into(),
                values: x.to_vec().into(),
            }],
        )?;
        lm_robust(
            &design,
            y,
            &LmRobustOptions {
                se_type: Some(se_type),
                weights: w,
                clusters: c,
                ..Default::default()
            },
        )
    }

    fn same(a: &LmRobust, b: &LmRobust) -> bool {
        a.coefficients.iter().zip(&b.coefficients).all(|(p, q)| {
            close(p.estimate.estimate, q.estimate.estimate, 1e-8)
                && close(p.estimate.std_error, q.estimate.std_error, 1e-8)
                && close(p.estimate.df, q.estimate.df, 1e-8)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Row order, cluster label names and the scale of the weights do not change
        /// any estimate, SE or df (every se_type, weighted or not).
        #[test]
        fn results_ignore_row_order_labels_and_weight_scale(
            rows in prop::collection::vec((-5.0f64..5.0, -5.0f64..5.0, 0.2f64..3.0, 0u8..6), 14..40),
            shift in 1usize..13,
            scale in 0.01f64..100.0,
        ) {
            let x: Vec<f64> = rows.iter().map(|r| r.0).collect();
            let y: Vec<f64> = rows.iter().map(|r| r.1 + 0.3 * r.0).collect();
            let w: Vec<f64> = rows.iter().map(|r| r.2).collect();
            let labels: Vec<u8> = rows.iter().map(|r| r.3).collect();
            let n = rows.len();
            let perm: Vec<usize> = (0..n).map(|i| (i + shift) % n).collect();
            let px: Vec<f64> = perm.iter().map(|&i| x[i]).collect();
            let py: Vec<f64> = perm.iter().map(|&i| y[i]).collect();
            let pw: Vec<f64> = perm.iter().map(|&i| w[i] * scale).collect();
            let renamed: Vec<String> = perm.iter().map(|&i| format!("z{}", 9 - labels[i])).collect();
            let clusters = Clusters::from_labels(&labels);
            let pclusters = Clusters::from_labels(&renamed);
            prop_assume!(clusters.count() >= 2);
            for se_type in [SeType::Classical, SeType::HC0, SeType::HC1, SeType::HC2, SeType::HC3] {
                for weighted in [false, true] {
                    let a = fit(&x, &y, weighted.then_some(&w[..]), None, se_type);
                    let b = fit(&px, &py, weighted.then_some(&pw[..]), None, se_type);
                    match (a, b) {
                        (Ok(a), Ok(b)) => prop_assert!(same(&a, &b), "{se_type} weighted={weighted}"),
                        (Err(_), Err(_)) => {}
                        (a, b) => prop_assert!(false, "{se_type}: {a:?} vs {b:?}"),
                    }
                }
            }
            for se_type in [SeType::CR0, SeType::CR1, SeType::CR2] {
                for weighted in [false, true] {
                    let a = fit(&x, &y, weighted.then_some(&w[..]), Some(&clusters), se_type);
                    let b = fit(&px, &py, weighted.then_some(&pw[..]), Some(&pclusters), se_type);
                    match (a, b) {
                        (Ok(a), Ok(b)) => prop_assert!(same(&a, &b), "{se_type} weighted={weighted}"),
                        (Err(_), Err(_)) => {}
                        (a, b) => prop_assert!(false, "{se_type}: {a:?} vs {b:?}"),
                    }
                }
            }
        }

        /// p-values lie in [0, 1] and intervals contain the estimate.
        #[test]
        fn p_values_and_intervals_are_sane(
            rows in prop::collection::vec((-5.0f64..5.0, -5.0f64..5.0), 5..30),
        ) {
            let x: Vec<f64> = rows.iter().map(|r| r.0).collect();
            let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
            if let Ok(f) = fit(&x, &y, None, None, SeType::HC2) {
                for c in &f.coefficients {
                    let e = &c.estimate;
                    prop_assert!((0.0..=1.0).contains(&e.p_value));
                    prop_assert!(e.conf_low <= e.estimate && e.estimate <= e.conf_high);
                }
            }
        }
    }
}
