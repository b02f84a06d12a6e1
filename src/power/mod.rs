//! Planning: power, sample size and minimum detectable effects.
//!
//! One file per family; each answers a question with exactly one unknown (sample size,
//! effect, power or alpha) by Brent's method ([`solve`]) and returns a [`PowerAnswer`]
//! with the exact and the rounded-up sample, or a [`PowerError`] saying why no answer
//! exists.
//!
//! | file | question | R reference |
//! | --- | --- | --- |
//! | [`t`] | two-sample (any allocation ratio), one-sample, paired t | pwr.t.test, pwr.t2n.test, power.t.test |
//! | [`prop`] | two proportions, Cohen's h and pooled | pwr.2p.test, pwr.2p2n.test, power.prop.test |
//! | [`chisq`] | chi-square, Cohen's w | pwr.chisq.test |
//! | [`mdes`] | individually randomised with covariates | PowerUp! IRA |
//! | [`cluster`] | two- and three-level cluster-randomised | PowerUp! cra2, cra3 |
//! | [`rdd`] | regression discontinuity (design effect 1/(1 − ρ²)) | Schochet (2009) |
//! | [`bands`] | EEF-style MDES bands | evidence-rules.md |
//! | [`simulate`] | simulation-based design diagnosis | DeclareDesign's diagnose_design |
//! | [`stepped_wedge`] | cross-sectional stepped-wedge cluster trial | Hussey and Hughes (2007), swCRTdesign |
//!
//! This file also holds the MDES of an achieved sample, which the evidence grade uses
//! to judge whether a sample was "sufficiently large".

pub mod answer;
pub mod bands;
pub mod budget;
pub mod chisq;
pub mod cluster;
mod error;
pub mod mdes;
pub mod plan;
pub mod prop;
pub mod rdd;
pub mod recruitment;
pub mod second_group;
pub mod sequential;
pub mod simulate;
pub mod solve;
pub mod stepped_wedge;
pub mod t;
pub mod tost;

pub use answer::{Adjustments, GroupSize, PowerAnswer, Unknown};
pub use error::PowerError;

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Minimum detectable effect size, in standard deviations of the outcome, of a
/// two-group comparison with `n_treatment` and `n_control` units.
///
/// # Formula
/// MDES = (t(1 − α/2, df) + t(power, df)) · sqrt(1/n_t + 1/n_c), df = n_t + n_c − 2
/// (Bloom 1995, "Minimum detectable effects", Evaluation Review 19(5); PowerUp!'s
/// individual random assignment MDES with no covariates, Dong and Maynard 2013).
/// Returns `None` when there are fewer than three units in all.
pub fn mdes_two_group(n_treatment: usize, n_control: usize, alpha: f64, power: f64) -> Option<f64> {
    let (n_t, n_c) = (n_treatment as f64, n_control as f64);
    let df = n_t + n_c - 2.0;
    if n_treatment == 0 || n_control == 0 || df < 1.0 {
        return None;
    }
    Some(multiplier(df, alpha, power)? * (1.0 / n_t + 1.0 / n_c).sqrt())
}

/// MDES of a one-group (paired or single-sample) design with `n` units, in standard
/// deviations of the analysed quantity (for paired data, of the change).
///
/// # Formula
/// MDES = (t(1 − α/2, n − 1) + t(power, n − 1)) / sqrt(n).
pub fn mdes_one_group(n: usize, alpha: f64, power: f64) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let n = n as f64;
    Some(multiplier(n - 1.0, alpha, power)? / n.sqrt())
}

/// Minimum detectable effect, in the units of the estimate, of an analysis whose
/// standard error and degrees of freedom are known (any estimator: clustered,
/// covariate-adjusted or paired). Infinite `df` means a normal reference.
///
/// # Formula
/// MDE = (t(1 − α/2, df) + t(power, df)) · SE (Bloom 1995). Divide by the outcome's SD
/// for the MDES in SD units.
pub fn mdes_from_standard_error(std_error: f64, df: f64, alpha: f64, power: f64) -> Option<f64> {
    if !(std_error.is_finite() && std_error >= 0.0) {
        return None;
    }
    if df.is_infinite() {
        let z = statrs::distribution::Normal::standard();
        return Some((z.inverse_cdf(1.0 - alpha / 2.0) + z.inverse_cdf(power)) * std_error);
    }
    Some(multiplier(df, alpha, power)? * std_error)
}

fn multiplier(df: f64, alpha: f64, power: f64) -> Option<f64> {
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(t.inverse_cdf(1.0 - alpha / 2.0) + t.inverse_cdf(power))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    /// R 4.2.2: `(qt(0.975, 98) + qt(0.8, 98)) * sqrt(1/50 + 1/50)`.
    #[test]
    fn two_group_mdes_matches_r() {
        assert_close(
            mdes_two_group(50, 50, 0.05, 0.8).unwrap(),
            0.565_954_368_826_379_2,
            1e-12,
            "mdes",
        );
    }

    /// R 4.2.2: `(qt(0.975, 29) + qt(0.8, 29)) / sqrt(30)`.
    #[test]
    fn one_group_mdes_matches_r() {
        assert_close(
            mdes_one_group(30, 0.05, 0.8).unwrap(),
            0.529_359_543_127_309,
            1e-12,
            "mdes",
        );
    }

    /// R 4.2.2: `(qt(0.975, 29) + qt(0.8, 29)) * 0.25`.
    #[test]
    fn mdes_from_a_standard_error_matches_r() {
        let expected = 0.529_359_543_127_309 * 30f64.sqrt() * 0.25;
        assert_close(
            mdes_from_standard_error(0.25, 29.0, 0.05, 0.8).unwrap(),
            expected,
            1e-12,
            "mde",
        );
        assert_eq!(mdes_from_standard_error(f64::NAN, 29.0, 0.05, 0.8), None);
    }

    #[test]
    fn too_small_samples_have_no_mdes() {
        assert_eq!(mdes_two_group(1, 0, 0.05, 0.8), None);
        assert_eq!(mdes_one_group(1, 0.05, 0.8), None);
    }
}
