//! Rerandomisation (Morgan and Rubin 2012): draw whole allocations from the seeded
//! stream, one after another, until one has a Mahalanobis balance statistic at most
//! the threshold; the number of draws is recorded. Randomisation inference must
//! redraw under the same acceptance rule (it is on the `Plan` and in the manifest).
//!
//! The statistic is M = (n_T·n_C / n) · d′ S⁻¹ d over the units (`balance.rs`), with
//! S the covariance over all units, which does not change between draws. With an
//! acceptance probability `p_a` the threshold is the chi-square(k) quantile at `p_a`
//! (M's asymptotic distribution under complete randomisation, Morgan and Rubin 2012,
//! Theorem 3.1), so about a share `p_a` of draws is accepted.
//!
//! # References
//! Morgan, K. L. and Rubin, D. B. (2012). Rerandomization to improve covariate
//! balance in experiments. Annals of Statistics 40(2), 1263–1282. doi:10.1214/12-AOS1008

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::AssignError;
use super::balance::{inverse_covariance, mahalanobis};
use crate::spec::AcceptanceRule;

/// A rerandomisation rule ready to judge allocations: the balance criterion, the
/// acceptance threshold and how many allocations may be drawn.
pub struct Acceptance<'a> {
    pub criterion: Criterion<'a>,
    pub rule: &'a AcceptanceRule,
    pub max_draws: u64,
}

/// The balance criterion, prepared once for every draw.
pub struct Criterion<'a> {
    columns: Vec<&'a [f64]>,
    inverse: DMatrix<f64>,
    treatment: u8,
    control: u8,
}

impl<'a> Criterion<'a> {
    pub fn new(
        names: &[String],
        columns: Vec<&'a [f64]>,
        treatment: usize,
        control: usize,
    ) -> Result<Criterion<'a>, AssignError> {
        let inverse = inverse_covariance(&columns, |_| true).ok_or_else(|| {
            AssignError::SingularCovariates {
                covariates: names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })?;
        Ok(Criterion {
            columns,
            inverse,
            treatment: treatment as u8,
            control: control as u8,
        })
    }

    /// M for an allocation given as each unit row's arm.
    pub fn statistic(&self, unit_arm: &[u8]) -> f64 {
        let k = self.columns.len();
        let (mut sum_t, mut sum_c) = (vec![0.0; k], vec![0.0; k]);
        let (mut n_t, mut n_c) = (0usize, 0usize);
        for (row, arm) in unit_arm.iter().enumerate() {
            let sums = if *arm == self.treatment {
                n_t += 1;
                &mut sum_t
            } else if *arm == self.control {
                n_c += 1;
                &mut sum_c
            } else {
                continue;
            };
            for (s, column) in sums.iter_mut().zip(&self.columns) {
                *s += column[row];
            }
        }
        if n_t == 0 || n_c == 0 {
            return f64::INFINITY;
        }
        let difference: Vec<f64> = sum_t
            .iter()
            .zip(&sum_c)
            .map(|(t, c)| t / n_t as f64 - c / n_c as f64)
            .collect();
        mahalanobis(&self.inverse, &difference, n_t, n_c)
    }
}

/// What rerandomisation did, for the manifest and the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RerandomisationRecord {
    pub covariates: Vec<String>,
    /// The acceptance rule: accept when M ≤ max_mahalanobis.
    pub max_mahalanobis: f64,
    pub acceptance_probability: Option<f64>,
    pub max_draws: u64,
    /// Allocations drawn, the accepted one included.
    pub draws: u64,
    /// M of the accepted allocation.
    pub statistic: f64,
}
