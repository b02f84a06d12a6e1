//! What can stop the match stage, each with the fact a user needs to fix it.

use std::path::PathBuf;

use thiserror::Error;

use crate::data::DataError;
use crate::stats::regression::RegressionError;

#[derive(Debug, Error)]
pub enum MatchError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(
        "{path}: no {group} units (column `{column}` has no `{label}`): there is nobody to {what}"
    )]
    EmptyGroup {
        path: PathBuf,
        column: String,
        label: String,
        group: &'static str,
        what: &'static str,
    },
    #[error(
        "{path}:{line}: column `{column}` is `{value}`, which is neither arm ({treated} or {control})"
    )]
    UnknownGroup {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
        treated: String,
        control: String,
    },
    #[error("{path}:{line}: covariate `{column}` is missing for unit {unit}")]
    MissingCovariate {
        path: PathBuf,
        line: u64,
        column: String,
        unit: String,
    },
    #[error(
        "covariate `{column}` has the same value for every unit used ({value}): it cannot be matched or weighted on"
    )]
    NoVariance { column: String, value: String },
    #[error("the propensity model cannot be fitted: {source}")]
    PropensityModel {
        #[source]
        source: RegressionError,
    },
    #[error("{path}:{line}: score column `{column}` is {value}, not a finite number")]
    BadScore {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    #[error(
        "no treated unit lies inside the common support: treated scores span [{}, {}], untreated [{}, {}]",
        crate::report::format::shortest(treated.0), crate::report::format::shortest(treated.1),
        crate::report::format::shortest(control.0), crate::report::format::shortest(control.1)
    )]
    NoCommonSupport {
        treated: (f64, f64),
        control: (f64, f64),
    },
    #[error(
        "{method} matching left an empty comparison: treated not used: {treated_unused}; untreated not used: {control_unused}"
    )]
    NothingMatched {
        method: &'static str,
        treated_unused: String,
        control_unused: String,
    },
    #[error(
        "ratio {ratio} without replacement needs {needed} untreated units for {focal} units to match, but the pool has {pool}"
    )]
    PoolTooSmall {
        ratio: usize,
        focal: usize,
        needed: usize,
        pool: usize,
    },
    #[error("the covariates are collinear (the pooled covariance is singular): {columns}")]
    SingularCovariance { columns: String },
    #[error("entropy balancing cannot meet the treated means: {reason}")]
    EntropyInfeasible { reason: String },
    #[error(
        "{path} was made from other inputs (the analysis data or design.matching changed) or edited since: it is not replaced silently"
    )]
    DifferentInputs { path: PathBuf },
    #[error("cannot read {path}: {message}")]
    Manifest { path: PathBuf, message: String },
}

impl MatchError {
    pub fn is_invalid_input(&self) -> bool {
        !matches!(
            self,
            MatchError::DifferentInputs { .. } | MatchError::Manifest { .. }
        )
    }

    pub fn hint(&self) -> String {
        match self {
            MatchError::Data(e) => e.hint(),
            MatchError::EmptyGroup { .. } | MatchError::UnknownGroup { .. } => {
                "analysis.treatment must hold the two design.arms names, and both must occur".into()
            }
            MatchError::MissingCovariate { .. } => {
                "set design.matching.missing to listwise (drop the unit) or indicators (match on a missingness indicator too)".into()
            }
            MatchError::NoVariance { .. } => "remove the covariate from design.matching.covariates".into(),
            MatchError::PropensityModel { .. } => {
                "a covariate that separates the groups means the groups do not overlap on it: drop it, match exactly on it (design.matching.exact), or restrict the pool".into()
            }
            MatchError::BadScore { .. } => "the score column must hold a number for every unit".into(),
            MatchError::NoCommonSupport { .. } => {
                "the pool does not resemble the treated units; find a pool that does, or set design.matching.discard to control or none".into()
            }
            MatchError::NothingMatched { .. } => {
                "widen or remove the caliper, drop exact columns, or use a larger pool".into()
            }
            MatchError::PoolTooSmall { .. } => {
                "lower design.matching.ratio, or set replacement to true".into()
            }
            MatchError::SingularCovariance { .. } => {
                "remove a covariate that is a combination of the others".into()
            }
            MatchError::EntropyInfeasible { .. } => {
                "the treated means lie outside what the pool can reach: drop that covariate or use ipw with trim".into()
            }
            MatchError::DifferentInputs { .. } => {
                "run `evident match SPEC --force` to rebuild it, or restore the inputs".into()
            }
            MatchError::Manifest { .. } => {
                "delete the broken manifest and run `evident match SPEC --force`".into()
            }
        }
    }
}
