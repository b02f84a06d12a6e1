//! Errors of the regression routines: one variant per rule, each message states the
//! rule and names the offending column, row, cluster or block.

use thiserror::Error;

/// Everything that can make a regression, difference in means or logistic fit refuse
/// its input. No routine in `stats::regression` panics on user input or returns a
/// silent NaN: it returns one of these.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RegressionError {
    #[error("no observations: a regression needs at least one row")]
    Empty,
    #[error(
        "column '{column}' has {found} values but the outcome has {expected}; every column needs one value per row"
    )]
    LengthMismatch {
        column: String,
        expected: usize,
        found: usize,
    },
    #[error(
        "column '{column}' has a non-finite value ({value}) at row {row}; drop or impute missing values before fitting"
    )]
    NonFinite {
        column: String,
        row: usize,
        value: f64,
    },
    #[error("weight at row {row} is {value}; weights must be finite and strictly positive")]
    BadWeight { row: usize, value: f64 },
    #[error(
        "factor '{column}' has a single level ('{level}'); a factor needs at least two levels to be contrasted"
    )]
    SingleLevelFactor { column: String, level: String },
    #[error("duplicate column name '{column}' in the design matrix")]
    DuplicateColumn { column: String },
    #[error(
        "{n} observations for {k} coefficients: the fit needs more observations than coefficients (n > k)"
    )]
    TooFewObservations { n: usize, k: usize },
    #[error("the design matrix is singular: {} {} a linear combination of the columns before {} (collinear columns are refused, not dropped)", .columns.join(", "), if .columns.len() == 1 { "is" } else { "are" }, if .columns.len() == 1 { "it" } else { "them" })]
    Collinear { columns: Vec<String> },
    #[error(
        "{column} is constant (every value is {}): a column with one value carries no information beside the intercept",
        crate::report::format::shortest(*value)
    )]
    ConstantColumn { column: String, value: f64 },
    #[error("only one cluster ('{cluster}'): cluster-robust variance needs at least two clusters")]
    SingleCluster { cluster: String },
    #[error("cluster-robust variance type {se_type} was requested without clusters")]
    ClustersRequired { se_type: String },
    #[error("variance type {se_type} ignores clusters; use CR0, CR1 (stata) or CR2 with clusters")]
    ClustersNotAllowed { se_type: String },
    #[error("confidence level {0} is outside (0, 1)")]
    ConfLevel(f64),
    #[error("treatment indicator at row {row} is {value}; it must be 0 (control) or 1 (treated)")]
    BadTreatment { row: usize, value: f64 },
    #[error(
        "{group} has {n} units; the difference in means needs at least {needed} in each condition ({rule})"
    )]
    TooFewInCondition {
        group: String,
        n: usize,
        needed: usize,
        rule: &'static str,
    },
    #[error("block '{block}' has a single unit (or cluster); every block needs at least two")]
    SingletonBlock { block: String },
    #[error(
        "cluster '{cluster}' contains both treated and control units; treatment must be constant within a cluster"
    )]
    MixedCluster { cluster: String },
    #[error(
        "cluster '{cluster}' spans more than one block; every cluster must lie within a single block"
    )]
    ClusterAcrossBlocks { cluster: String },
    #[error(
        "row {row} has leverage 1 (it alone determines a coefficient), so {se_type} is undefined; use HC1 or drop the row"
    )]
    LeverageOne { row: usize, se_type: String },
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("the outcome at row {row} is {value}; logistic regression needs a 0/1 outcome")]
    NonBinaryOutcome { row: usize, value: f64 },
    #[error("{kind} separation: the outcome is perfectly predicted by {}; the maximum-likelihood estimate does not exist (coefficients diverge)", .columns.join(", "))]
    Separation {
        kind: &'static str,
        columns: Vec<String>,
    },
    #[error(
        "logistic regression did not converge in {iterations} Newton iterations (last relative change in deviance {change:e})"
    )]
    NotConverged { iterations: usize, change: f64 },
    #[error(
        "{column} is {value}: the fit is numerically degenerate (a perfect fit, an overflow or a constant outcome); estimates must be finite, variances and df positive and finite"
    )]
    DegenerateVariance { column: String, value: f64 },
    #[error(
        "the instrument {column} is constant (every value is {}): instrumental variables need an instrument that varies",
        crate::report::format::shortest(*value)
    )]
    ConstantInstrument { column: String, value: f64 },
    #[error(
        "the instrument {instrument} does not move {endogenous} at all (first-stage coefficient 0, e.g. the same take-up in both arms): the instrumental-variables effect is not identified"
    )]
    NoFirstStage {
        endogenous: String,
        instrument: String,
    },
}
