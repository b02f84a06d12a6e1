//! Lin's (2013) covariate adjustment for experiments: Evident's `estimatr::lm_lin()`.
//!
//! In: the outcome, a 0/1 treatment column, covariates and [`LmRobustOptions`]. Out:
//! the [`LmRobust`] fit of y on treatment, centred covariates and their interactions
//! with treatment; the treatment coefficient is the adjusted average effect.
//!
//! # Formula
//! Covariates are expanded as in `model.matrix(~ Z + x1 + ...)` (factors with
//! treatment contrasts), centred at their full-sample means (weighted means when
//! weights are given, as estimatr does), named `<column>_c`, and interacted with the
//! treatment (`Z:<column>_c`). Columns: `(Intercept)`, `Z`, `x_c`..., `Z:x_c`....
//! Variance: HC2 by default (CR2 with clusters), like `lm_robust`.
//!
//! # References
//! Lin, W. (2013). Agnostic notes on regression adjustments to experimental data:
//! Reexamining Freedman's critique. Annals of Applied Statistics 7(1), 295–318.
//! doi:10.1214/12-AOAS583. Matches `estimatr::lm_lin(y ~ Z, covariates = ~ ...)`.

use nalgebra::DMatrix;

use super::ols::check_weights;
use super::{
    Covariate, Design, LmRobust, LmRobustOptions, RegressionError, build_design, lm_robust,
};

/// Fits Lin's interacted regression. `treatment` must be 0/1 and named
/// `treatment_name` (the name of its coefficient).
///
/// # Errors
/// [`RegressionError::BadTreatment`] for values other than 0 and 1;
/// [`RegressionError::Unsupported`] without covariates; the errors of
/// [`build_design`] and [`lm_robust()`] (for example a covariate constant within the
/// sample, which becomes collinear once centred).
pub fn lm_lin(
    y: &[f64],
    treatment_name: &str,
    treatment: &[f64],
    covariates: &[Covariate],
    options: &LmRobustOptions,
) -> Result<LmRobust, RegressionError> {
    lm_lin_with_fixed_effects(y, treatment_name, treatment, covariates, None, options)
}

/// Lin's regression with additive fixed effects for a factor (blocks or pairs):
/// the factor's dummies (treatment contrasts, first level the reference) are
/// appended uncentred and not interacted, as
/// `lm_robust(y ~ Z * (x_c...) + factor(block))`. The Lin covariates are centred as
/// in [`lm_lin`]. Used for blocked designs, where interacting the blocks would leave a
/// matched pair's residuals at zero.
///
/// # Errors
/// As [`lm_lin`]; a fixed-effect factor of the wrong length.
pub fn lm_lin_with_fixed_effects(
    y: &[f64],
    treatment_name: &str,
    treatment: &[f64],
    covariates: &[Covariate],
    fixed_effects: Option<&Covariate>,
    options: &LmRobustOptions,
) -> Result<LmRobust, RegressionError> {
    let n = y.len();
    if treatment.len() != n {
        return Err(RegressionError::LengthMismatch {
            column: treatment_name.to_string(),
            expected: n,
            found: treatment.len(),
        });
    }
    for (row, &value) in treatment.iter().enumerate() {
        if value != 0.0 && value != 1.0 {
            return Err(RegressionError::BadTreatment { row, value });
        }
    }
    let treatments = [(treatment_name.to_string(), treatment.to_vec())];
    lin_fit(y, &treatments, covariates, fixed_effects, options)
}

/// Lin's regression for a multi-arm trial, as `estimatr::lm_lin(y ~ arm, covariates =
/// ~ ...)` with `arm` a factor: one fit with a 0/1 column `<factor_name><level>` per
/// arm other than `reference` (levels in byte order; `None`: the first, R's default),
/// every centred covariate, and every arm column times every centred covariate
/// (`<arm>:<x>_c`, grouped by covariate). Each arm's coefficient is its adjusted
/// effect against the reference, all with the covariates centred at the means of the
/// whole trial. `fixed_effects` as in [`lm_lin_with_fixed_effects`].
///
/// # Errors
/// [`RegressionError::Unsupported`] for fewer than two arms or a `reference` that is
/// not one of them; otherwise as [`lm_lin_with_fixed_effects`].
pub fn lm_lin_arms(
    y: &[f64],
    factor_name: &str,
    arms: &[String],
    reference: Option<&str>,
    covariates: &[Covariate],
    fixed_effects: Option<&Covariate>,
    options: &LmRobustOptions,
) -> Result<LmRobust, RegressionError> {
    let n = y.len();
    if arms.len() != n {
        return Err(RegressionError::LengthMismatch {
            column: factor_name.to_string(),
            expected: n,
            found: arms.len(),
        });
    }
    let levels: std::collections::BTreeSet<&str> = arms.iter().map(String::as_str).collect();
    if levels.len() < 2 {
        return Err(RegressionError::Unsupported(
            "Lin's regression needs at least two arms in the treatment column",
        ));
    }
    let reference = match reference {
        Some(r) if levels.contains(r) => r,
        Some(_) => {
            return Err(RegressionError::Unsupported(
                "the reference arm is not a value of the treatment column",
            ));
        }
        None => levels.first().copied().unwrap_or_default(),
    };
    let treatments: Vec<(String, Vec<f64>)> = levels
        .iter()
        .filter(|&&level| level != reference)
        .map(|&level| {
            (
                format!("{factor_name}{level}"),
                arms.iter()
                    .map(|a| f64::from(u8::from(a == level)))
                    .collect(),
            )
        })
        .collect();
    lin_fit(y, &treatments, covariates, fixed_effects, options)
}

/// The fit behind both: `(Intercept)`, the treatment columns, the centred covariates,
/// their interactions with each treatment column (grouped by covariate), then the
/// fixed-effect dummies.
fn lin_fit(
    y: &[f64],
    treatments: &[(String, Vec<f64>)],
    covariates: &[Covariate],
    fixed_effects: Option<&Covariate>,
    options: &LmRobustOptions,
) -> Result<LmRobust, RegressionError> {
    if covariates.is_empty() {
        return Err(RegressionError::Unsupported(
            "lm_lin needs at least one covariate; use difference_in_means without covariates",
        ));
    }
    let n = y.len();
    if let Some(w) = options.weights {
        check_weights(w, n)?;
    }
    let covs = build_design(true, covariates)?;
    if covs.nrows() != n {
        return Err(RegressionError::LengthMismatch {
            column: covariates[0].name().to_string(),
            expected: n,
            found: covs.nrows(),
        });
    }
    let p = covs.ncols() - 1;
    let total_weight: f64 = options.weights.map_or(n as f64, |w| w.iter().sum());
    let mut centred = Vec::with_capacity(p);
    for j in 1..=p {
        let col = covs.x.column(j);
        let mean = match options.weights {
            Some(w) => col.iter().zip(w).map(|(v, wi)| v * wi).sum::<f64>() / total_weight,
            None => col.sum() / n as f64,
        };
        centred.push(col.iter().map(|v| v - mean).collect::<Vec<f64>>());
    }
    let fixed = match fixed_effects {
        Some(factor) => {
            let dummies = build_design(true, std::slice::from_ref(factor))?;
            if dummies.nrows() != n {
                return Err(RegressionError::LengthMismatch {
                    column: factor.name().to_string(),
                    expected: n,
                    found: dummies.nrows(),
                });
            }
            Some(dummies)
        }
        None => None,
    };
    let n_fixed = fixed.as_ref().map_or(0, |d| d.ncols() - 1);
    let m = treatments.len();
    let k = 1 + m + p + m * p + n_fixed;
    let mut x = DMatrix::zeros(n, k);
    x.column_mut(0).fill(1.0);
    let mut names = vec!["(Intercept)".to_string()];
    for (t, (name, values)) in treatments.iter().enumerate() {
        x.column_mut(1 + t).copy_from_slice(values);
        names.push(name.clone());
    }
    let mut interactions = Vec::with_capacity(m * p);
    for (j, col) in centred.iter().enumerate() {
        let name = &covs.names[j + 1];
        let label = if name.contains(':') || name.contains('(') {
            format!("({name})_c")
        } else {
            format!("{name}_c")
        };
        x.column_mut(1 + m + j).copy_from_slice(col);
        for (t, (treatment_name, treatment)) in treatments.iter().enumerate() {
            let at = 1 + m + p + j * m + t;
            for i in 0..n {
                x[(i, at)] = treatment[i] * col[i];
            }
            interactions.push(format!("{treatment_name}:{label}"));
        }
        names.push(label);
    }
    names.extend(interactions);
    if let Some(dummies) = &fixed {
        for j in 0..n_fixed {
            x.column_mut(1 + m + p + m * p + j)
                .copy_from(&dummies.x.column(j + 1));
            names.push(dummies.names[j + 1].clone());
        }
    }
    let design = Design::from_matrix(names, x)?;
    lm_robust(&design, y, options)
}
