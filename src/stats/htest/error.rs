//! Errors of the hypothesis tests: one variant per rule, each message states the rule and
//! the offending input.

use thiserror::Error;

/// Why a hypothesis test could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TestError {
    /// A sample has too few observations for the test.
    #[error("not enough observations in `{name}`: the test needs at least {needed}, got {got}")]
    TooFewObservations {
        name: &'static str,
        needed: usize,
        got: usize,
    },
    /// A value is NaN or infinite (R would drop `NA`; remove missing values first).
    #[error(
        "`{name}[{index}]` is {value}: observations must be finite (remove missing values first)"
    )]
    NonFinite {
        name: &'static str,
        index: usize,
        value: f64,
    },
    /// Paired samples of different lengths.
    #[error(
        "`{x}` has {x_len} values and `{y}` has {y_len}: paired samples must have the same length"
    )]
    LengthMismatch {
        x: &'static str,
        y: &'static str,
        x_len: usize,
        y_len: usize,
    },
    /// The standard error is zero (or negligible against the mean), so the statistic is
    /// undefined; R stops with the same message.
    #[error(
        "data are essentially constant: the standard error is {std_error:e}, so the {what} is undefined"
    )]
    EssentiallyConstant { what: &'static str, std_error: f64 },
    /// An argument outside its domain.
    #[error("`{name}` = {value} is invalid: it {rule}")]
    InvalidArgument {
        name: &'static str,
        rule: &'static str,
        value: f64,
    },
    /// A table smaller than the test needs.
    #[error("the table is {rows}×{cols}: {rule} ({min_rows}×{min_cols})")]
    TableShape {
        rule: &'static str,
        min_rows: usize,
        min_cols: usize,
        rows: usize,
        cols: usize,
    },
    /// Rows of different lengths.
    #[error(
        "row {row} of the table has {len} entries, but row 0 has {expected}: a table must be rectangular"
    )]
    RaggedTable {
        row: usize,
        len: usize,
        expected: usize,
    },
    /// A negative, NaN or infinite count.
    #[error("count [{row}][{col}] = {value} is invalid: counts must be finite and non-negative")]
    InvalidCount { row: usize, col: usize, value: f64 },
    /// An exact test needs whole-number counts.
    #[error(
        "count [{row}][{col}] = {value} is not a whole number: the exact test needs integer counts"
    )]
    NonIntegerCount { row: usize, col: usize, value: f64 },
    /// A row or column of the table sums to zero, so expected counts are zero.
    #[error(
        "{margin} {index} of the table sums to zero: every row and column needs at least one count"
    )]
    ZeroMargin { margin: &'static str, index: usize },
    /// A quantity that cannot be estimated from these data (for example a log odds ratio
    /// with a zero cell); the message says which and why.
    #[error("{what} is not estimable: {reason}")]
    NotEstimable {
        what: &'static str,
        reason: &'static str,
    },
    /// The exact r×c computation would take too many steps.
    #[error(
        "the exact r×c test would need more than {limit} network steps: use the chi-squared test or collapse categories"
    )]
    TooLarge { limit: u64 },
}
