//! Where the linear estimators run: in memory (the default), as aggregate queries in
//! Apache DataFusion over a Parquet file on this machine, or on an Apache Ballista
//! cluster (a scheduler and its executors) for data that outgrow one machine.
//!
//! In: an [`Engine`] (parsed from `memory`, `datafusion` or `ballista://host:port`,
//! the values of `regress --engine`, `test dim --engine` and `analysis.engine`) and a
//! [`RegressionRequest`] or [`DimRequest`] naming a Parquet file and its columns.
//! Out: the same [`LmRobust`] / [`DifferenceInMeans`] as the in-memory path, to
//! rounding (tests/engine_cluster.rs: 1e-10 relative). For the analyse stage,
//! [`arm_profile`] adds the per-arm counts, means and variances its report needs, and
//! a column of arm names can stand for the 0/1 treatment ([`ArmLabels`]).
//!
//! The engines compute sufficient statistics only (see `sums` for the algebra), so
//! nothing but k × k sums and one k-vector (and k × k block) per cluster leaves the
//! engine. Supported: lm_robust with classical, HC0–HC3 and CR0–CR2 standard errors,
//! numeric covariates, with or without an intercept; the difference in means of the
//! standard and clustered designs. Refused with a message: weights, factor (text)
//! covariates, blocks, Lin's estimator and logistic regression (they need the rows
//! in memory or a pass the engines do not make).
//!
//! The engines are compiled only with the cargo feature `cluster`; without it every
//! engine but `memory` is refused with [`EngineError::NotBuilt`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use thiserror::Error;

use crate::stats::estimate::Alternative;
use crate::stats::regression::{DifferenceInMeans, LmRobust, RegressionError, SeType};

#[cfg(feature = "cluster")]
mod query;
#[cfg(feature = "cluster")]
mod sums;

/// The scheduler port Ballista listens on unless told otherwise.
pub const BALLISTA_DEFAULT_PORT: u16 = 50050;

/// How long one Ballista query may take unless `?timeout=SECONDS` says otherwise.
pub const BALLISTA_DEFAULT_TIMEOUT_SECONDS: u64 = 3600;

/// Where the estimators run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Engine {
    /// Evident's own in-memory (or `--stream`) path.
    #[default]
    Memory,
    /// Apache DataFusion on this machine, over a Parquet file.
    DataFusion,
    /// An Apache Ballista cluster; `endpoint` is the scheduler's `host:port`;
    /// a query that has not finished after `timeout_seconds` is abandoned (a
    /// scheduler whose executors died may never answer).
    Ballista {
        endpoint: String,
        timeout_seconds: u64,
    },
}

impl Engine {
    /// Whether the estimators run outside Evident's own memory.
    pub fn is_external(&self) -> bool {
        !matches!(self, Engine::Memory)
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Engine::Memory => write!(f, "memory"),
            Engine::DataFusion => write!(f, "datafusion"),
            Engine::Ballista {
                endpoint,
                timeout_seconds,
            } => {
                write!(f, "ballista://{endpoint}")?;
                if *timeout_seconds != BALLISTA_DEFAULT_TIMEOUT_SECONDS {
                    write!(f, "?timeout={timeout_seconds}")?;
                }
                Ok(())
            }
        }
    }
}

impl FromStr for Engine {
    type Err = EngineError;

    fn from_str(given: &str) -> Result<Engine, EngineError> {
        let bad = || EngineError::BadEngine {
            given: given.to_string(),
        };
        match given {
            "memory" => return Ok(Engine::Memory),
            "datafusion" => return Ok(Engine::DataFusion),
            _ => {}
        }
        let rest = given.strip_prefix("ballista://").ok_or_else(bad)?;
        let (rest, timeout_seconds) = match rest.split_once('?') {
            Some((rest, query)) => {
                let seconds = query
                    .strip_prefix("timeout=")
                    .and_then(|s| s.parse::<u64>().ok())
                    .filter(|&s| s > 0)
                    .ok_or_else(bad)?;
                (rest, seconds)
            }
            None => (rest, BALLISTA_DEFAULT_TIMEOUT_SECONDS),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad())?),
            None => (rest, BALLISTA_DEFAULT_PORT),
        };
        if host.is_empty() || host.contains(['/', '@', '?', '#', ' ']) || port == 0 {
            return Err(bad());
        }
        Ok(Engine::Ballista {
            endpoint: format!("{host}:{port}"),
            timeout_seconds,
        })
    }
}

/// A `y ~ X` fit with robust standard errors on an engine.
#[derive(Debug, Clone)]
pub struct RegressionRequest<'a> {
    /// A Parquet file (a local path; for Ballista, one the executors can read too).
    pub data: &'a Path,
    pub outcome: &'a str,
    /// Numeric columns, in the order of the coefficients after the intercept.
    pub covariates: &'a [String],
    pub clusters: Option<&'a str>,
    pub intercept: bool,
    /// Drop rows with a missing value in a used column (else they are an error).
    pub drop_missing: bool,
    /// `None` = HC2, or CR2 with clusters (estimatr's defaults).
    pub se_type: Option<SeType>,
    pub conf_level: f64,
    pub alternative: Alternative,
    /// A covariate that names each row's arm, read as a 0/1 treatment (the analyse
    /// stage's `analysis.treatment`); `None` when every covariate holds numbers.
    pub labels: Option<ArmLabels<'a>>,
}

/// A column naming each row's arm, read as the treatment indicator: 1 in the
/// `treated` arm, 0 in the `control` arm, missing for any other value (the analyse
/// stage checks the labels first, with [`arm_profile`]).
#[derive(Debug, Clone, Copy)]
pub struct ArmLabels<'a> {
    pub column: &'a str,
    pub control: &'a str,
    pub treated: &'a str,
}

/// What the analyse stage reports besides the estimates, per arm label, from
/// aggregate queries (`analysis.engine`).
#[derive(Debug, Clone)]
pub struct ProfileRequest<'a> {
    pub data: &'a Path,
    /// The column naming each row's arm.
    pub arm_column: &'a str,
    /// The columns a row needs to be analysed, in the order a missing value is
    /// charged to them (the outcome, then the covariates an estimator adjusts for).
    pub required: &'a [String],
    /// Numeric columns summarised per arm on the analysed rows.
    pub summarised: &'a [String],
    /// Count the analysed rows whose `required[0]` is neither 0 nor 1.
    pub binary_outcome: bool,
    pub clusters: Option<&'a str>,
    /// The identifier column: with it the file-level checks are made (distinct
    /// identifiers, and clusters holding more than one arm label).
    pub id: Option<&'a str>,
}

/// The rows of a Parquet file per arm label, and its identifiers ([`arm_profile`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Sorted by label, a missing label first.
    pub arms: Vec<ArmProfile>,
    /// Rows of the file, and distinct identifiers among them (missing ones not
    /// counted), when `id` was given.
    pub rows: usize,
    pub distinct_ids: Option<usize>,
    /// With `id` and `clusters`: the first cluster (by label) whose rows hold more
    /// than one arm label.
    pub mixed_cluster: Option<String>,
}

/// One arm label's rows ([`arm_profile`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ArmProfile {
    /// The label as text; `None` for rows whose arm is missing.
    pub label: Option<String>,
    /// Rows with this label.
    pub rows: usize,
    /// Rows left out for a missing value, by the first missing column of `required`.
    pub excluded: Vec<usize>,
    /// Rows with every required column present.
    pub analysed: usize,
    /// Each summarised column on the analysed rows.
    pub summaries: Vec<ColumnSummary>,
    /// Analysed rows whose outcome is neither 0 nor 1 (with `binary_outcome`).
    pub not_binary: usize,
    /// Distinct clusters among all rows, and among the analysed rows.
    pub clusters_with_data: Option<usize>,
    pub clusters_analysed: Option<usize>,
}

/// One numeric column on one arm's analysed rows ([`ArmProfile`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnSummary {
    /// Values present.
    pub n: usize,
    pub sum: f64,
    pub mean: f64,
    /// n − 1 denominator, as `stats::summary::mean_and_variance`; 0 with fewer than
    /// two values.
    pub variance: f64,
    pub min: f64,
    pub max: f64,
    /// Values strictly between the column's smallest and largest value over every
    /// arm (none: the column has at most two distinct values).
    pub inside: usize,
}

/// The fit and the number of rows dropped for missing values.
#[derive(Debug, Clone)]
pub struct EngineFit {
    pub fit: LmRobust,
    pub dropped: usize,
}

/// A difference in means (standard or clustered design) on an engine.
#[derive(Debug, Clone)]
pub struct DimRequest<'a> {
    pub data: &'a Path,
    pub outcome: &'a str,
    /// The 0/1 treatment column.
    pub treatment: &'a str,
    pub clusters: Option<&'a str>,
    pub drop_missing: bool,
    pub conf_level: f64,
    pub alternative: Alternative,
    /// When given, `treatment` names arms (read as in [`ArmLabels`]) rather than
    /// holding 0/1: (control, treated).
    pub labels: Option<(&'a str, &'a str)>,
}

/// The difference in means and the number of rows dropped for missing values.
#[derive(Debug, Clone)]
pub struct EngineDim {
    pub result: DifferenceInMeans,
    pub dropped: usize,
}

/// Why an engine could not produce a result.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error(
        "unknown engine `{given}`: expected `memory`, `datafusion` or `ballista://host:port[?timeout=SECONDS]`"
    )]
    BadEngine { given: String },
    #[error(
        "the {engine} engine is not in this build of evident (it was built without the `cluster` feature)"
    )]
    NotBuilt { engine: String },
    #[error("{engine} does not support {what}")]
    Unsupported { engine: String, what: String },
    #[error("{}: the {engine} engine reads Parquet files only", path.display())]
    NotParquet { path: PathBuf, engine: String },
    #[error("{}: no such file", path.display())]
    NoFile { path: PathBuf },
    #[error("{}: cannot read it as Parquet: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("{}: no column `{column}` (columns: {})", path.display(), available.join(", "))]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: Vec<String>,
    },
    #[error("{}: column `{column}` holds {found}, but {role} must be numbers", path.display())]
    ColumnType {
        path: PathBuf,
        column: String,
        found: String,
        role: &'static str,
    },
    #[error("{}: column `{column}` has {count} missing values", path.display())]
    MissingValues {
        path: PathBuf,
        column: String,
        count: usize,
    },
    #[error("{}: column `{column}` holds a value that is not finite (NaN or infinite)", path.display())]
    NonFinite { path: PathBuf, column: String },
    #[error("{}: column `{column}` holds a value other than 0 and 1; the treatment must be 0/1", path.display())]
    BadTreatment { path: PathBuf, column: String },
    #[error("{}: column `{column}` is a binary outcome but {count} analysed value(s) are neither 0 nor 1", path.display())]
    NotBinary {
        path: PathBuf,
        column: String,
        count: usize,
    },
    #[error("{}: a row has leverage 1, so {se_type} standard errors are undefined", path.display())]
    LeverageOne { path: PathBuf, se_type: String },
    #[error("the Ballista cluster at {endpoint} failed the query: {message}")]
    Cluster { endpoint: String, message: String },
    #[error("the Ballista cluster at {endpoint} did not answer within {seconds} s")]
    Timeout { endpoint: String, seconds: u64 },
    #[error("DataFusion failed on {}: {message}", path.display())]
    Query { path: PathBuf, message: String },
    #[error(transparent)]
    Regression(#[from] RegressionError),
}

impl EngineError {
    /// A suggested next step for the user.
    pub fn hint(&self) -> String {
        match self {
            EngineError::BadEngine { .. } => {
                "write --engine datafusion, or --engine ballista://HOST:PORT for a Ballista scheduler".into()
            }
            EngineError::NotBuilt { .. } => {
                "build evident with `cargo build --release --features cluster` (docs/data.md, \"Running on DataFusion or Ballista\"), or leave out the engine".into()
            }
            EngineError::Unsupported { .. } => {
                "leave out --engine (or analysis.engine) to fit in memory".into()
            }
            EngineError::NotParquet { .. } => {
                "write the data as Parquet, or leave out the engine to read CSV and Arrow files in memory".into()
            }
            EngineError::NoFile { .. } => "check the path".into(),
            EngineError::Read { .. } => {
                "the file is not a complete Parquet file; write it again".into()
            }
            EngineError::MissingColumn { .. } => "check the column names (they are case-sensitive)".into(),
            EngineError::ColumnType { .. } => {
                "text covariates (factors) need the in-memory path: leave out the engine, or store the column as numbers".into()
            }
            EngineError::MissingValues { .. } => {
                "pass --drop-missing to drop rows with a missing value in a used column".into()
            }
            EngineError::NonFinite { .. } => "replace NaN and infinite values, or mark them missing".into(),
            EngineError::BadTreatment { .. } => "code the treatment as 1 (treated) and 0 (control)".into(),
            EngineError::NotBinary { .. } => "recode the outcome as 0/1, or declare it continuous".into(),
            EngineError::LeverageOne { .. } => {
                "a row fits its own coefficient exactly; use HC0/HC1 or drop that row".into()
            }
            EngineError::Cluster { endpoint, .. } | EngineError::Timeout { endpoint, .. } => format!(
                "check that a Ballista scheduler listens at {endpoint}, that its executors are up, and that they can read the data file at the same path"
            ),
            EngineError::Query { .. } => "check the file and the column names".into(),
            EngineError::Regression(_) => {
                "check the outcome and covariate columns; docs/statistics.md describes `evident regress`".into()
            }
        }
    }

    /// Whether the input (rather than the engine) is at fault: exit code 2.
    pub fn is_invalid_input(&self) -> bool {
        !matches!(
            self,
            EngineError::Cluster { .. } | EngineError::Timeout { .. } | EngineError::Query { .. }
        )
    }
}

/// Per arm label of `request.arm_column` (sorted by label, a missing label first):
/// rows, rows left out for missing values by column, analysed rows, the mean and
/// variance of each summarised column on them, and clusters; from two aggregate
/// queries grouped by the label, and one counting the distinct identifiers.
///
/// # Errors
/// [`EngineError::NotBuilt`] without the `cluster` feature; a file that is not
/// Parquet, a missing or non-numeric column, and a failed or unreachable cluster.
pub fn arm_profile(engine: &Engine, request: &ProfileRequest) -> Result<Profile, EngineError> {
    #[cfg(feature = "cluster")]
    {
        query::arm_profile(engine, request)
    }
    #[cfg(not(feature = "cluster"))]
    {
        let _ = request;
        Err(EngineError::NotBuilt {
            engine: engine.to_string(),
        })
    }
}

/// Fits lm_robust on `engine` from aggregate queries; see the module docs.
///
/// # Errors
/// [`EngineError::NotBuilt`] without the `cluster` feature; those of the in-memory
/// fit (collinear columns, n ≤ k, a single cluster, …); a file that is not Parquet,
/// a missing or non-numeric column, missing values without `drop_missing`, and a
/// failed or unreachable cluster, each naming the file, column or endpoint.
pub fn lm_robust_on(
    engine: &Engine,
    request: &RegressionRequest,
) -> Result<EngineFit, EngineError> {
    #[cfg(feature = "cluster")]
    {
        query::lm_robust_on(engine, request)
    }
    #[cfg(not(feature = "cluster"))]
    {
        let _ = request;
        Err(EngineError::NotBuilt {
            engine: engine.to_string(),
        })
    }
}

/// The difference in means on `engine`: the standard design (Neyman variance,
/// Welch df, from lm_robust HC2 on the treatment dummy) or, with clusters, lm_robust
/// CR2 on the dummy, as [`crate::stats::regression::difference_in_means`] does.
///
/// # Errors
/// Those of [`lm_robust_on`], a treatment other than 0/1, fewer than two units in
/// an arm, a cluster with both arms.
pub fn difference_in_means_on(
    engine: &Engine,
    request: &DimRequest,
) -> Result<EngineDim, EngineError> {
    #[cfg(feature = "cluster")]
    {
        query::difference_in_means_on(engine, request)
    }
    #[cfg(not(feature = "cluster"))]
    {
        let _ = request;
        Err(EngineError::NotBuilt {
            engine: engine.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_parse_and_print() {
        assert_eq!("memory".parse::<Engine>().unwrap(), Engine::Memory);
        assert_eq!("datafusion".parse::<Engine>().unwrap(), Engine::DataFusion);
        let remote: Engine = "ballista://scheduler.local:50051".parse().unwrap();
        assert_eq!(
            remote,
            Engine::Ballista {
                endpoint: "scheduler.local:50051".into(),
                timeout_seconds: BALLISTA_DEFAULT_TIMEOUT_SECONDS,
            }
        );
        assert_eq!(remote.to_string(), "ballista://scheduler.local:50051");
        let patient: Engine = "ballista://h:1?timeout=30".parse().unwrap();
        assert_eq!(
            patient,
            Engine::Ballista {
                endpoint: "h:1".into(),
                timeout_seconds: 30
            }
        );
        assert_eq!(patient.to_string(), "ballista://h:1?timeout=30");
        assert_eq!(
            "ballista://10.0.0.7".parse::<Engine>().unwrap().to_string(),
            "ballista://10.0.0.7:50050"
        );
    }

    #[test]
    fn bad_engines_are_refused() {
        for given in [
            "spark",
            "ballista://",
            "ballista://host:0",
            "ballista://host:99999",
            "ballista://host:port",
            "df://host:50050",
            "ballista://host:1?timeout=0",
            "ballista://host:1?wait=5",
        ] {
            let error = given.parse::<Engine>().unwrap_err();
            assert!(
                error.to_string().contains(given),
                "{given}: {error} should name the value"
            );
        }
    }
}
