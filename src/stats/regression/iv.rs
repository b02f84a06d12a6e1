//! Instrumental variables: two-stage least squares with one endogenous regressor and
//! one instrument, with robust standard errors, the first-stage F statistic and the
//! Anderson–Rubin confidence set. Evident's `estimatr::iv_robust()`.
//!
//! In: the outcome, the endogenous column (in a trial, receipt of the intervention),
//! the instrument (the random assignment), the exogenous design (intercept and
//! covariates, in both stages) and [`IvOptions`]. Out: an [`IvRobust`].
//!
//! In a trial with non-compliance, the coefficient of receipt is the complier average
//! causal effect (Angrist, Imbens & Rubin 1996): the effect among those who take up the
//! service when offered and not otherwise, under the exclusion restriction (assignment
//! acts only through receipt) and monotonicity (nobody takes it up only when not offered).
//!
//! # Formula
//! X = [exogenous, d], Z = [exogenous, z]. First stage: d = Zπ + v by least squares,
//! d̂ = Zπ̂; X̂ = [exogenous, d̂]. Second stage: β̂ = (X̂ᵀX̂)⁻¹X̂ᵀy; the structural residuals
//! e = y − Xβ̂ (not y − X̂β̂) enter the sandwich, and the bread and the leverages come
//! from X̂, exactly as estimatr does: every [`SeType`] of [`super::variance`] applies
//! with X̂ as the design and e as the residuals (HC2 leverage hᵢ = x̂ᵢᵀ(X̂ᵀX̂)⁻¹x̂ᵢ; CR2
//! adjustment matrices and Satterthwaite df from X̂). df as for lm_robust: n − k, J − 1
//! (CR0, CR1) or Satterthwaite (CR2). R² = 1 − Σe²/TSS. The F statistic of the fit is
//! the Wald test of the non-intercept coefficients (robust types) or estimatr's
//! classical one, ((TSS − Σ(y − X̂β̂)²)/q)/σ̂².
//!
//! **First-stage F.** `f_robust` is estimatr's `diagnostic_first_stage_fstatistic`:
//! π̂_z² / V̂(π̂_z) with the fit's own variance type, on (1, n − k) df, or (1, J − 1) with
//! clusters. `f_classical` is AER's "Weak instruments" test (the classical F). The weak-
//! instrument warning uses `f_robust` < 10: with one instrument it is the effective F
//! of Montiel Olea & Pflueger (2013), the robust analogue of the Staiger–Stock rule of
//! thumb.
//!
//! **Anderson–Rubin set.** For a value b the AR test regresses y − b·d on Z (same
//! variance type and clusters) and rejects when |t| of z exceeds c = t(1 − α/2, df_z).
//! The coefficient of z in that regression is π̂_y − bπ̂_d (reduced form minus b times
//! first stage) and its variance, a sandwich quadratic in the residuals e_y − b·e_d, is
//! V_yy − 2bV_yd + b²V_dd, with V_yd obtained by polarisation. CR2's df depends on Z
//! only, so c does not depend on b. The set {b : (π̂_y − bπ̂_d)² ≤ c²(V_yy − 2bV_yd +
//! b²V_dd)} solves the quadratic inequality A b² + B b + C ≤ 0,
//! A = π̂_d² − c²V_dd, B = −2(π̂_yπ̂_d − c²V_yd), C = π̂_y² − c²V_yy:
//!
//! | case | set |
//! |------|-----|
//! | A > 0 (first-stage robust F > c²) | a bounded interval between the roots |
//! | A < 0, B² − 4AC > 0 | two rays, (−∞, r₁] ∪ [r₂, ∞) |
//! | A < 0, B² − 4AC ≤ 0 | the whole real line |
//! | A = 0 | a half-line |
//!
//! The set is never empty: it contains β̂ = π̂_y/π̂_d. Unlike the Wald interval
//! β̂ ± c·se its coverage does not depend on the strength of the instrument.
//!
//! # References
//! Angrist, J. D., Imbens, G. W. & Rubin, D. B. (1996). Identification of causal
//! effects using instrumental variables. JASA 91(434), 444–455. doi:10.1080/01621459.1996.10476902
//! Anderson, T. W. & Rubin, H. (1949). Estimation of the parameters of a single equation
//! in a complete system of stochastic equations. Ann. Math. Stat. 20(1), 46–63.
//! doi:10.1214/aoms/1177730090
//! Staiger, D. & Stock, J. H. (1997). Instrumental variables regression with weak
//! instruments. Econometrica 65(3), 557–586. doi:10.2307/2171753
//! Montiel Olea, J. L. & Pflueger, C. (2013). A robust test for weak instruments.
//! JBES 31(3), 358–369. doi:10.1080/00401706.2013.806694
//!
//! Matches `estimatr::iv_robust(y ~ d + x | z + x, se_type =, clusters =, alpha =,
//! diagnostics = TRUE)` 1.0.0 and `AER::ivreg()` 1.2-10 (classical); the AR set matches
//! inverting `lm_robust(y − b·d ~ z + x)` numerically (tests/reference/regression/iv_robust.R).
//! Weights and fixed effects are not supported (refused).

use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use std::fmt;

use super::lm_robust::{
    Coefficient, FStatistic, LmRobust, check_conf_level, checked_estimate, f_statistic, r_squared,
    write_table,
};
use super::ols::{OlsFit, check_constant_columns, fit_ols};
use super::variance::{SeType, variance};
use super::{Clusters, Design, RegressionError};
use crate::stats::distributions::{f as f_dist, t as t_dist};
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::tidy::Real;

/// The first-stage F below which the instrument is called weak (Staiger & Stock 1997).
pub const WEAK_INSTRUMENT_F: f64 = 10.0;

/// A named numeric column.
#[derive(Debug, Clone, Copy)]
pub struct NamedColumn<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
}

/// The variables of an IV fit.
#[derive(Debug, Clone, Copy)]
pub struct IvData<'a> {
    pub outcome: &'a [f64],
    /// The endogenous regressor (receipt of the intervention).
    pub endogenous: NamedColumn<'a>,
    /// The instrument (the random assignment).
    pub instrument: NamedColumn<'a>,
    /// Exogenous columns (intercept, covariates), in both stages.
    pub exogenous: &'a Design,
}

/// Options of [`iv_robust`].
#[derive(Debug, Clone, Copy)]
pub struct IvOptions<'a> {
    /// `None` = HC2, or CR2 when clusters are given (estimatr's defaults).
    pub se_type: Option<SeType>,
    pub clusters: Option<&'a Clusters>,
    /// Confidence level of the Wald and Anderson–Rubin intervals, in (0, 1).
    pub conf_level: f64,
}

impl Default for IvOptions<'_> {
    fn default() -> Self {
        IvOptions {
            se_type: None,
            clusters: None,
            conf_level: 0.95,
        }
    }
}

/// The first stage: how strongly the instrument moves the endogenous regressor.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FirstStage {
    /// The instrument's coefficient in the regression of the endogenous column on the
    /// instrument and the exogenous columns (in a trial: the share of compliers, net of
    /// always-takers), with the fit's variance type.
    pub coefficient: Estimate,
    /// π̂_z²/V̂(π̂_z) with the fit's variance type (estimatr's first-stage F).
    pub f_robust: FStatistic,
    /// The classical first-stage F (AER's "Weak instruments" test).
    pub f_classical: FStatistic,
    /// `f_robust` < [`WEAK_INSTRUMENT_F`].
    pub weak: bool,
}

/// The shape of an Anderson–Rubin confidence set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArShape {
    /// One bounded interval.
    Bounded,
    /// Two unbounded intervals, (−∞, a] ∪ [b, ∞): the values between are rejected.
    TwoRays,
    /// Every value: the data cannot rule out any effect.
    WholeLine,
    /// One unbounded interval.
    HalfLine,
}

/// One interval of a confidence set; an unbounded end is infinite ("-Inf"/"Inf" in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Interval {
    pub lower: Real,
    pub upper: Real,
}

/// The Anderson–Rubin confidence set for the coefficient of the endogenous regressor.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AndersonRubin {
    pub conf_level: f64,
    pub shape: ArShape,
    /// Disjoint intervals in increasing order; their union is the set.
    pub intervals: Vec<Interval>,
    /// df of the AR t test (n − k, J − 1, or CR2's Satterthwaite df of the instrument).
    pub df: f64,
    /// t(1 − α/2, df).
    pub critical_value: f64,
    /// The AR statistic t² at an effect of 0 (the reduced form's test) and its p-value.
    pub statistic_at_zero: f64,
    pub p_value_at_zero: f64,
}

impl AndersonRubin {
    /// Whether the set contains `b`.
    pub fn contains(&self, b: f64) -> bool {
        self.intervals
            .iter()
            .any(|i| i.lower.0 <= b && b <= i.upper.0)
    }
}

/// An IV fit: the second stage as an lm_robust table, plus the diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IvRobust {
    /// Coefficients, variance and fit statistics of the 2SLS fit.
    pub fit: LmRobust,
    pub endogenous: String,
    pub instrument: String,
    pub first_stage: FirstStage,
    pub anderson_rubin: AndersonRubin,
}

impl IvRobust {
    /// The 2SLS estimate of the endogenous regressor's coefficient.
    pub fn effect(&self) -> &Estimate {
        self.fit
            .coefficient(&self.endogenous)
            .expect("the endogenous column is a coefficient")
    }
}

/// Inserts `column` after the intercept (or first) into the exogenous design, so that
/// terms read as in `y ~ d + x`.
fn with_column(
    exogenous: &Design,
    column: &NamedColumn,
    position: usize,
) -> Result<Design, RegressionError> {
    let n = exogenous.nrows();
    if column.values.len() != n {
        return Err(RegressionError::LengthMismatch {
            column: column.name.to_string(),
            expected: n,
            found: column.values.len(),
        });
    }
    if let Some(row) = column.values.iter().position(|v| !v.is_finite()) {
        return Err(RegressionError::NonFinite {
            column: column.name.to_string(),
            row,
            value: column.values[row],
        });
    }
    let x = exogenous
        .x
        .clone()
        .insert_column(position, 0.0)
        .set_column_from(position, column.values);
    let mut names = exogenous.names.clone();
    names.insert(position, column.name.to_string());
    Design::from_matrix(names, x)
}

trait SetColumn {
    fn set_column_from(self, j: usize, values: &[f64]) -> Self;
}

impl SetColumn for DMatrix<f64> {
    fn set_column_from(mut self, j: usize, values: &[f64]) -> Self {
        self.column_mut(j).copy_from_slice(values);
        self
    }
}

/// `fit` with its residuals replaced by `e` (the variance estimators read both).
fn with_residuals<'a>(fit: &OlsFit<'a>, e: DVector<f64>) -> OlsFit<'a> {
    let mut out = fit.clone();
    out.residuals = e.clone();
    out.scaled_residuals = e;
    out
}

/// Fits 2SLS with robust standard errors, the first-stage F and the Anderson–Rubin set.
///
/// # Formula
/// See the module documentation.
///
/// # Errors
/// Input checks as for [`super::lm_robust()`]; [`RegressionError::ConstantInstrument`]
/// when the instrument does not vary; [`RegressionError::NoFirstStage`] when the
/// instrument does not move the endogenous column (a first-stage coefficient of 0, so
/// X̂ is collinear); a degenerate variance.
pub fn iv_robust(data: &IvData, options: &IvOptions) -> Result<IvRobust, RegressionError> {
    check_conf_level(options.conf_level)?;
    let exogenous = data.exogenous;
    let n = exogenous.nrows();
    let position = usize::from(exogenous.names.first().is_some_and(|n| n == "(Intercept)"));
    let x = with_column(exogenous, &data.endogenous, position)?;
    let z = with_column(exogenous, &data.instrument, position)?;
    if let Some(&first) = data.instrument.values.first()
        && data.instrument.values.iter().all(|&v| v == first)
    {
        return Err(RegressionError::ConstantInstrument {
            column: data.instrument.name.to_string(),
            value: first,
        });
    }
    check_constant_columns(&x)?;
    let se_type = options.se_type.unwrap_or(if options.clusters.is_some() {
        SeType::CR2
    } else {
        SeType::HC2
    });
    let level = options.conf_level;
    let d = data.endogenous.values;
    let y = data.outcome;

    // First stage and reduced form share Z.
    let first = fit_ols(&z, d, None)?;
    let reduced = fit_ols(&z, y, None)?;
    let fitted_d = DVector::from_column_slice(d) - &first.residuals;
    let xhat = Design {
        names: x.names.clone(),
        x: x.x.clone().set_column_from(position, fitted_d.as_slice()),
    };
    let second = match fit_ols(&xhat, y, None) {
        Err(RegressionError::Collinear { columns })
            if columns.iter().any(|c| c == data.endogenous.name) =>
        {
            return Err(RegressionError::NoFirstStage {
                endogenous: data.endogenous.name.to_string(),
                instrument: data.instrument.name.to_string(),
            });
        }
        Err(RegressionError::ConstantColumn { column, .. }) if column == data.endogenous.name => {
            return Err(RegressionError::NoFirstStage {
                endogenous: data.endogenous.name.to_string(),
                instrument: data.instrument.name.to_string(),
            });
        }
        other => other?,
    };
    let y_vec = DVector::from_column_slice(y);
    let structural = &y_vec - &x.x * &second.coef;
    let second_stage_rss = second.scaled_residuals.norm_squared();
    let second = with_residuals(&second, structural);
    let var = variance(&second, &xhat.x, se_type, options.clusters)?;
    let k = second.k();
    let coefficients = (0..k)
        .map(|j| {
            Ok(Coefficient {
                term: x.names[j].clone(),
                estimate: checked_estimate(
                    &x.names[j],
                    second.coef[j],
                    var.vcov[(j, j)],
                    var.df[j],
                    level,
                    Alternative::TwoSided,
                )?,
            })
        })
        .collect::<Result<Vec<_>, RegressionError>>()?;
    let has_intercept = position == 1;
    let (r2, adj_r2) = r_squared(&second, y, has_intercept);
    let df_residual = (n - k) as f64;
    let res_var = second.scaled_residuals.norm_squared() / df_residual;
    let dendf = match options.clusters {
        Some(c) if se_type.is_clustered() => c.count() as f64 - 1.0,
        _ => df_residual,
    };
    let fstatistic = if se_type == SeType::Classical {
        classical_iv_f(y, has_intercept, second_stage_rss, res_var, k, df_residual)
    } else {
        f_statistic(
            &second.coef,
            &var.vcov,
            has_intercept,
            se_type,
            r2,
            df_residual,
            dendf,
        )
    };
    let fit = LmRobust {
        coefficients,
        se_type,
        nobs: n,
        nclusters: options.clusters.map(Clusters::count),
        df_residual,
        res_var,
        sigma: res_var.sqrt(),
        weighted: false,
        r_squared: r2,
        adj_r_squared: adj_r2,
        fstatistic,
        vcov: (0..k)
            .map(|r| (0..k).map(|c| var.vcov[(r, c)]).collect())
            .collect(),
    };

    // First-stage strength.
    let first_var = variance(&first, &z.x, se_type, options.clusters)?;
    let pi_d = first.coef[position];
    let v_dd = first_var.vcov[(position, position)];
    let coefficient = checked_estimate(
        data.instrument.name,
        pi_d,
        v_dd,
        first_var.df[position],
        level,
        Alternative::TwoSided,
    )?;
    let f_robust = wald_f(pi_d * pi_d / v_dd, dendf)?;
    let classical = variance(&first, &z.x, SeType::Classical, None)?;
    let f_classical = wald_f(
        pi_d * pi_d / classical.vcov[(position, position)],
        df_residual,
    )?;
    let first_stage = FirstStage {
        coefficient,
        weak: f_robust.value < WEAK_INSTRUMENT_F,
        f_robust,
        f_classical,
    };

    // Anderson–Rubin: the variance of π̂_y − bπ̂_d is quadratic in b.
    let pi_y = reduced.coef[position];
    let reduced_var = variance(&reduced, &z.x, se_type, options.clusters)?;
    let v_yy = reduced_var.vcov[(position, position)];
    let scale = (v_yy / v_dd).sqrt();
    let cross = |sign: f64| -> Result<f64, RegressionError> {
        let e = &reduced.residuals + &first.residuals * (sign * scale);
        let v = variance(&with_residuals(&first, e), &z.x, se_type, options.clusters)?;
        Ok(v.vcov[(position, position)])
    };
    let v_yd = (cross(1.0)? - cross(-1.0)?) / (4.0 * scale);
    let df_ar = first_var.df[position];
    let anderson_rubin = anderson_rubin_set(
        Reduced {
            pi_y,
            pi_d,
            v_yy,
            v_yd,
            v_dd,
        },
        df_ar,
        level,
    )?;
    Ok(IvRobust {
        fit,
        endogenous: data.endogenous.name.to_string(),
        instrument: data.instrument.name.to_string(),
        first_stage,
        anderson_rubin,
    })
}

/// estimatr's classical F for 2SLS: ((TSS − Σ(y − X̂β̂)²)/q)/σ̂².
fn classical_iv_f(
    y: &[f64],
    has_intercept: bool,
    second_stage_rss: f64,
    res_var: f64,
    k: usize,
    df_residual: f64,
) -> Option<FStatistic> {
    let q = k - usize::from(has_intercept);
    if q == 0 {
        return None;
    }
    let mean = if has_intercept {
        y.iter().sum::<f64>() / y.len() as f64
    } else {
        0.0
    };
    let tss: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
    let numdf = q as f64;
    let value = (tss - second_stage_rss) / numdf / res_var;
    let p_value = f_dist::sf(value, numdf, df_residual).ok()?;
    value.is_finite().then_some(FStatistic {
        value,
        numdf,
        dendf: df_residual,
        p_value,
    })
}

/// An F(1, dendf) statistic with its p-value.
fn wald_f(value: f64, dendf: f64) -> Result<FStatistic, RegressionError> {
    if !value.is_finite() {
        return Err(RegressionError::DegenerateVariance {
            column: "the first-stage F statistic".into(),
            value,
        });
    }
    let p_value =
        f_dist::sf(value, 1.0, dendf).map_err(|_| RegressionError::DegenerateVariance {
            column: "the first-stage F statistic's df".into(),
            value: dendf,
        })?;
    Ok(FStatistic {
        value,
        numdf: 1.0,
        dendf,
        p_value,
    })
}

/// Reduced-form and first-stage coefficients of the instrument with their variances.
#[derive(Debug, Clone, Copy)]
struct Reduced {
    pi_y: f64,
    pi_d: f64,
    v_yy: f64,
    v_yd: f64,
    v_dd: f64,
}

/// Solves (π_y − bπ_d)² ≤ c²(V_yy − 2bV_yd + b²V_dd) for b (see the module table).
fn anderson_rubin_set(
    r: Reduced,
    df: f64,
    conf_level: f64,
) -> Result<AndersonRubin, RegressionError> {
    let critical_value = t_dist::quantile(1.0 - (1.0 - conf_level) / 2.0, df).map_err(|_| {
        RegressionError::DegenerateVariance {
            column: "the Anderson–Rubin degrees of freedom".into(),
            value: df,
        }
    })?;
    let c2 = critical_value * critical_value;
    let a = r.pi_d * r.pi_d - c2 * r.v_dd;
    let b = -2.0 * (r.pi_y * r.pi_d - c2 * r.v_yd);
    let c = r.pi_y * r.pi_y - c2 * r.v_yy;
    let interval = |lower: f64, upper: f64| Interval {
        lower: Real(lower),
        upper: Real(upper),
    };
    let disc = b * b - 4.0 * a * c;
    let (shape, intervals) = if a == 0.0 {
        // Linear: b·x + c ≤ 0.
        let root = -c / b;
        if b > 0.0 {
            (ArShape::HalfLine, vec![interval(f64::NEG_INFINITY, root)])
        } else {
            (ArShape::HalfLine, vec![interval(root, f64::INFINITY)])
        }
    } else if a < 0.0 && disc <= 0.0 {
        (
            ArShape::WholeLine,
            vec![interval(f64::NEG_INFINITY, f64::INFINITY)],
        )
    } else {
        // Roots without cancellation: q = −(B + sign(B)√D)/2, r = q/A and C/q.
        let q = -0.5 * (b + b.signum() * disc.max(0.0).sqrt());
        let (r1, r2) = if q == 0.0 { (0.0, 0.0) } else { (q / a, c / q) };
        let (low, high) = (r1.min(r2), r1.max(r2));
        if a > 0.0 {
            (ArShape::Bounded, vec![interval(low, high)])
        } else {
            (
                ArShape::TwoRays,
                vec![
                    interval(f64::NEG_INFINITY, low),
                    interval(high, f64::INFINITY),
                ],
            )
        }
    };
    let statistic_at_zero = r.pi_y * r.pi_y / r.v_yy;
    let p_value_at_zero = f_dist::sf(statistic_at_zero, 1.0, df).unwrap_or(f64::NAN);
    Ok(AndersonRubin {
        conf_level,
        shape,
        intervals,
        df,
        critical_value,
        statistic_at_zero,
        p_value_at_zero,
    })
}

impl fmt::Display for AndersonRubin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = |v: f64| {
            if v.is_finite() {
                format!("{v:.6}")
            } else if v > 0.0 {
                "Inf".to_string()
            } else {
                "-Inf".to_string()
            }
        };
        let parts: Vec<String> = self
            .intervals
            .iter()
            .map(|i| {
                let open = if i.lower.0.is_finite() { '[' } else { '(' };
                let close = if i.upper.0.is_finite() { ']' } else { ')' };
                format!("{open}{}, {}{close}", end(i.lower.0), end(i.upper.0))
            })
            .collect();
        write!(f, "{}", parts.join(" U "))
    }
}

impl fmt::Display for IvRobust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fit = &self.fit;
        writeln!(
            f,
            "Two-stage least squares: {} instrumented by {}",
            self.endogenous, self.instrument
        )?;
        writeln!(f, "Standard error type:  {}", fit.se_type)?;
        writeln!(f)?;
        writeln!(f, "Coefficients:")?;
        write_table(f, &fit.coefficients)?;
        writeln!(f)?;
        writeln!(f)?;
        write!(f, "Observations: {}", fit.nobs)?;
        if let Some(j) = fit.nclusters {
            write!(f, ", clusters: {j}")?;
        }
        writeln!(f, ", residual df: {}", fit.df_residual)?;
        writeln!(
            f,
            "Multiple R-squared:  {:.6},\tAdjusted R-squared:  {:.6}",
            fit.r_squared, fit.adj_r_squared
        )?;
        if let Some(fs) = &fit.fstatistic {
            writeln!(
                f,
                "F-statistic: {:.4} on {} and {} DF,  p-value: {:.4e}",
                fs.value, fs.numdf, fs.dendf, fs.p_value
            )?;
        }
        writeln!(f)?;
        let fs = &self.first_stage;
        writeln!(
            f,
            "First stage: {} on {}: {:.6} (SE {:.6})",
            self.endogenous, self.instrument, fs.coefficient.estimate, fs.coefficient.std_error
        )?;
        writeln!(
            f,
            "First-stage F ({}): {:.4} on {} and {} DF,  p-value: {:.4e}",
            fit.se_type,
            fs.f_robust.value,
            fs.f_robust.numdf,
            fs.f_robust.dendf,
            fs.f_robust.p_value
        )?;
        writeln!(
            f,
            "First-stage F (classical): {:.4} on {} and {} DF,  p-value: {:.4e}",
            fs.f_classical.value,
            fs.f_classical.numdf,
            fs.f_classical.dendf,
            fs.f_classical.p_value
        )?;
        if fs.weak {
            writeln!(
                f,
                "Warning: weak instrument (first-stage F {:.2} < {WEAK_INSTRUMENT_F}): the 2SLS estimate and its interval are unreliable; use the Anderson-Rubin set",
                fs.f_robust.value
            )?;
        }
        writeln!(
            f,
            "Anderson-Rubin {:.0}% confidence set for {}: {}",
            self.anderson_rubin.conf_level * 100.0,
            self.endogenous,
            self.anderson_rubin
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pi_y: f64, pi_d: f64, v_yy: f64, v_yd: f64, v_dd: f64) -> AndersonRubin {
        anderson_rubin_set(
            Reduced {
                pi_y,
                pi_d,
                v_yy,
                v_yd,
                v_dd,
            },
            f64::INFINITY,
            0.95,
        )
        .unwrap()
    }

    /// t² of the AR test at b, from the same pieces.
    fn t2(b: f64, r: (f64, f64, f64, f64, f64)) -> f64 {
        let (pi_y, pi_d, v_yy, v_yd, v_dd) = r;
        (pi_y - b * pi_d).powi(2) / (v_yy - 2.0 * b * v_yd + b * b * v_dd)
    }

    #[test]
    fn every_shape_is_the_set_where_the_test_does_not_reject() {
        let z = 1.959963984540054_f64;
        // (π_y, π_d, V_yy, V_yd, V_dd): strong, two rays, whole line, and A = 0.
        let cases = [
            ((1.0, 0.5, 0.01, 0.001, 0.004), ArShape::Bounded),
            ((1.0, 0.1, 0.04, 0.018, 0.01), ArShape::TwoRays),
            ((0.01, 0.01, 0.04, 0.0, 0.01), ArShape::WholeLine),
            ((1.0, z * 0.1, 0.04, 0.01, 0.01), ArShape::HalfLine),
        ];
        for (r, shape) in cases {
            let ar = set(r.0, r.1, r.2, r.3, r.4);
            assert_eq!(ar.shape, shape, "{r:?}: {ar}");
            assert!(ar.contains(r.0 / r.1), "{r:?}: the 2SLS estimate is inside");
            for interval in &ar.intervals {
                for end in [interval.lower.0, interval.upper.0] {
                    if end.is_finite() {
                        let crit = t2(end, r) / (z * z);
                        assert!((crit - 1.0).abs() < 1e-9, "{r:?}: {end} gives {crit}");
                    }
                }
            }
            // Points just outside every interval are rejected.
            for interval in &ar.intervals {
                for (end, step) in [(interval.lower.0, -1e-6), (interval.upper.0, 1e-6)] {
                    if end.is_finite() && !ar.contains(end + step) {
                        assert!(t2(end + step, r) > z * z, "{r:?}: {end}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_set_prints_open_ends_as_r_would_read_them() {
        let ar = set(1.0, 0.1, 0.04, 0.018, 0.01);
        let text = ar.to_string();
        assert!(
            text.starts_with("(-Inf, ") && text.ends_with(", Inf)"),
            "{text}"
        );
        assert!(text.contains("] U ["), "{text}");
    }
}
