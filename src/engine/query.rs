//! The aggregate queries of an engine fit, in DataFusion's DataFrame API: the same
//! logical plans run in a local `SessionContext` or are shipped to a Ballista
//! scheduler, which splits them into partial and final aggregates over its
//! executors. Literals (column means, β̃, R̃⁻¹) travel as exact f64 values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast as cast_array;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::execution::SessionStateBuilder;
use datafusion::functions_aggregate::expr_fn::{count, count_distinct, max, min, sum};
use datafusion::prelude::{
    DataFrame, Expr, ParquetReadOptions, SessionConfig, SessionContext, cast, ident, lit, when,
};
use nalgebra::DVector;

use super::sums::{self, Moments, Residuals, Variance};
use super::{
    ArmLabels, ArmProfile, ColumnSummary, DimRequest, Engine, EngineDim, EngineError, EngineFit,
    Profile, ProfileRequest, RegressionRequest,
};
use crate::stats::regression::diff_in_means::ArmMeans;
use crate::stats::regression::lm_robust::checked_estimate;
use crate::stats::regression::{
    DifferenceInMeans, DimDesign, LmRobust, RegressionError, SeType, symmetric_from_packed_upper,
};

/// How many times a Ballista query is submitted when the executor holding its
/// result is lost before the result is fetched (all within the engine's timeout).
const BALLISTA_ATTEMPTS: usize = 3;

/// Whether a failed Ballista query failed because the client could not reach the
/// executor holding the finished job's result. Ballista reports this only as text:
/// its client wraps the connection error as `GrpcConnectionError` in an execution
/// error, and reaches executors (never the scheduler) through that client.
fn result_executor_lost(error: &datafusion::error::DataFusionError) -> bool {
    error.to_string().contains("GrpcConnectionError")
}

/// Leverage at or above 1 − this makes HC2/HC3 undefined (as in memory).
const LEVERAGE_ONE: f64 = 1e-12;

/// A Parquet file opened on an engine, with rows holding a missing value in a used
/// column filtered out (or refused).
struct Table {
    engine: Engine,
    path: PathBuf,
    frame: DataFrame,
    dropped: usize,
}

/// What a column is for, which decides the types it may hold.
#[derive(Clone, Copy)]
enum Role {
    Number(&'static str),
    Label,
}

pub(super) fn lm_robust_on(
    engine: &Engine,
    request: &RegressionRequest,
) -> Result<EngineFit, EngineError> {
    block_on(async {
        let mut columns: Vec<(&str, Role)> = vec![(request.outcome, Role::Number("the outcome"))];
        columns.extend(
            request
                .covariates
                .iter()
                .map(|c| (c.as_str(), Role::Number("covariates"))),
        );
        columns.extend(request.clusters.map(|c| (c, Role::Label)));
        let table = Table::open(
            engine,
            request.data,
            &columns,
            request.labels,
            request.drop_missing,
        )
        .await?;
        let se_type = request.se_type.unwrap_or(if request.clusters.is_some() {
            SeType::CR2
        } else {
            SeType::HC2
        });
        let fit = table
            .fit(
                request.outcome,
                request.covariates,
                request.clusters,
                request.intercept,
                Variance {
                    se_type,
                    clustered: request.clusters.is_some(),
                    conf_level: request.conf_level,
                    alternative: request.alternative,
                },
            )
            .await?;
        Ok(EngineFit {
            fit,
            dropped: table.dropped,
        })
    })
}

pub(super) fn difference_in_means_on(
    engine: &Engine,
    request: &DimRequest,
) -> Result<EngineDim, EngineError> {
    block_on(async {
        let mut columns: Vec<(&str, Role)> = vec![
            (request.outcome, Role::Number("the outcome")),
            (request.treatment, Role::Number("the treatment")),
        ];
        columns.extend(request.clusters.map(|c| (c, Role::Label)));
        let labels = request.labels.map(|(control, treated)| ArmLabels {
            column: request.treatment,
            control,
            treated,
        });
        let table =
            Table::open(engine, request.data, &columns, labels, request.drop_missing).await?;
        let treatment = as_f64(request.treatment);
        let counts = table
            .scalars(aggregate(
                table.frame.clone(),
                vec![],
                vec![
                    count(lit(1)),
                    sum(cast(treatment.clone().eq(lit(1.0)), DataType::Float64)),
                    sum(cast(treatment.clone().eq(lit(0.0)), DataType::Float64)),
                ],
            ))
            .await?;
        let (n, n_treated, n_control) = (counts[0], counts[1], counts[2]);
        if n_treated + n_control != n {
            return Err(EngineError::BadTreatment {
                path: table.path.clone(),
                column: request.treatment.to_string(),
            });
        }
        let (n_treated, n_control) = (n_treated as usize, n_control as usize);
        for (label, count) in [("treated", n_treated), ("control", n_control)] {
            if count < 2 {
                return Err(RegressionError::TooFewInCondition {
                    group: format!("the {label} group of the whole sample"),
                    n: count,
                    needed: 2,
                    rule: "a within-condition variance needs two units",
                }
                .into());
            }
        }
        if let Some(clusters) = request.clusters {
            let spans = table
                .grouped(aggregate(
                    table.frame.clone(),
                    vec![label_expr(clusters).alias("g")],
                    vec![min(treatment.clone()), max(treatment.clone())],
                ))
                .await?;
            if let Some((cluster, _)) = spans.iter().find(|(_, v)| v[0] != v[1]) {
                return Err(RegressionError::MixedCluster {
                    cluster: cluster.clone(),
                }
                .into());
            }
        }
        let se_type = if request.clusters.is_some() {
            SeType::CR2
        } else {
            SeType::HC2
        };
        let fit = table
            .fit(
                request.outcome,
                &[request.treatment.to_string()],
                request.clusters,
                true,
                Variance {
                    se_type,
                    clustered: request.clusters.is_some(),
                    conf_level: request.conf_level,
                    alternative: request.alternative,
                },
            )
            .await?;
        let (b0, b1) = (
            fit.coefficients[0].estimate.estimate,
            fit.coefficients[1].estimate.estimate,
        );
        let regression_means = ArmMeans::from_regression(b0, b1, &fit.vcov);
        let (design, estimate, arm_means) = if request.clusters.is_some() {
            (
                DimDesign::Clustered,
                fit.coefficients[1].estimate.clone(),
                regression_means,
            )
        } else {
            // HC2 on a treatment dummy is the Neyman variance: its arm variances
            // are s₁²/n₁ and s₀²/n₀ and their covariance is zero; the df is Welch's.
            let (a, b) = (regression_means.var_treated, regression_means.var_control);
            let var = a + b;
            let (n1, n0) = (n_treated as f64, n_control as f64);
            let df = var * var / (a * a / (n1 - 1.0) + b * b / (n0 - 1.0));
            let estimate = checked_estimate(
                "difference in means",
                b1,
                var,
                df,
                request.conf_level,
                request.alternative,
            )?;
            (
                DimDesign::Standard,
                estimate,
                ArmMeans {
                    covariance: 0.0,
                    ..regression_means
                },
            )
        };
        Ok(EngineDim {
            result: DifferenceInMeans {
                design,
                estimate,
                nobs: fit.nobs,
                n_treated,
                n_control,
                nblocks: None,
                nclusters: fit.nclusters,
                mixed_block_sizes: false,
                arm_means,
            },
            dropped: table.dropped,
        })
    })
}

pub(super) fn arm_profile(
    engine: &Engine,
    request: &ProfileRequest,
) -> Result<Profile, EngineError> {
    block_on(async {
        let mut columns: Vec<(&str, Role)> = vec![(request.arm_column, Role::Label)];
        columns.extend(request.id.map(|c| (c, Role::Label)));
        columns.extend(
            request
                .required
                .iter()
                .chain(request.summarised)
                .map(|c| (c.as_str(), Role::Number("analysed columns"))),
        );
        columns.extend(request.clusters.map(|c| (c, Role::Label)));
        let table = Table::open_unfiltered(engine, request.data, &columns, None).await?;
        let present = |j: usize| ident(request.required[j].as_str()).is_not_null();
        let analysed = || {
            (0..request.required.len())
                .map(present)
                .reduce(Expr::and)
                .unwrap_or(lit(true))
        };
        let flag = |condition: Expr| sum(cast(condition, DataType::Float64));
        let on_analysed = |column: &str| when(analysed(), as_f64(column)).end();
        let arm = || label_expr(request.arm_column).alias("g");

        // Query 1: rows, exclusions by first missing column, analysed rows, the
        // summarised columns' counts and sums, clusters.
        let mut first = vec![count(lit(1))];
        for j in 0..request.required.len() {
            let missing_here = (0..j)
                .map(present)
                .chain([ident(request.required[j].as_str()).is_null()])
                .reduce(Expr::and)
                .expect("one condition at least");
            first.push(flag(missing_here));
        }
        first.push(flag(analysed()));
        for column in request.summarised {
            let value = on_analysed(column).map_err(|e| table.failed(e))?;
            first.push(count(value.clone()));
            first.push(sum(value.clone()));
            first.push(min(value.clone()));
            first.push(max(value));
        }
        if request.binary_outcome {
            let y = || as_f64(&request.required[0]);
            first.push(flag(
                analysed()
                    .and(y().not_eq(lit(0.0)))
                    .and(y().not_eq(lit(1.0))),
            ));
        }
        if let Some(clusters) = request.clusters {
            first.push(count_distinct(label_expr(clusters)));
            let analysed_cluster = when(analysed(), label_expr(clusters))
                .end()
                .map_err(|e| table.failed(e))?;
            first.push(count_distinct(analysed_cluster));
        }
        let groups = table
            .grouped_labels(aggregate(table.frame.clone(), vec![arm()], first))
            .await?;
        let required = request.required.len();
        let mut profiles: Vec<ArmProfile> = groups
            .iter()
            .map(|(label, values)| {
                let mut next = 1 + required + 1;
                let summaries = request
                    .summarised
                    .iter()
                    .map(|_| {
                        let (n, total) = (values[next], values[next + 1]);
                        let (low, high) = (values[next + 2], values[next + 3]);
                        next += 4;
                        ColumnSummary {
                            n: n as usize,
                            sum: total,
                            mean: if n > 0.0 { total / n } else { f64::NAN },
                            variance: 0.0,
                            min: low,
                            max: high,
                            inside: 0,
                        }
                    })
                    .collect();
                let not_binary = if request.binary_outcome {
                    next += 1;
                    values[next - 1] as usize
                } else {
                    0
                };
                let (clusters_with_data, clusters_analysed) = if request.clusters.is_some() {
                    (Some(values[next] as usize), Some(values[next + 1] as usize))
                } else {
                    (None, None)
                };
                ArmProfile {
                    label: label.clone(),
                    rows: values[0] as usize,
                    excluded: values[1..1 + required]
                        .iter()
                        .map(|&v| v as usize)
                        .collect(),
                    analysed: values[1 + required] as usize,
                    summaries,
                    not_binary,
                    clusters_with_data,
                    clusters_analysed,
                }
            })
            .collect();
        let rows = profiles.iter().map(|p| p.rows).sum();
        let distinct_ids = match request.id {
            Some(id) => Some(
                table
                    .scalars(aggregate(
                        table.frame.clone(),
                        vec![],
                        vec![count_distinct(label_expr(id))],
                    ))
                    .await?[0] as usize,
            ),
            None => None,
        };
        let mixed_cluster = match (request.id, request.clusters) {
            (Some(_), Some(clusters)) => table
                .grouped(aggregate(
                    table.frame.clone(),
                    vec![label_expr(clusters).alias("g")],
                    vec![count_distinct(arm())],
                ))
                .await?
                .into_iter()
                .find(|(_, arms)| arms[0] > 1.0)
                .map(|(cluster, _)| cluster),
            _ => None,
        };
        if request.summarised.is_empty() || profiles.is_empty() {
            return Ok(Profile {
                arms: profiles,
                rows,
                distinct_ids,
                mixed_cluster,
            });
        }

        // Query 2: the sums of deviations from each arm's mean and of their
        // squares, as `stats::summary::mean_and_variance` forms the variance.
        let mut second = Vec::new();
        for (s, column) in request.summarised.iter().enumerate() {
            let mut arms = profiles.iter();
            let mean_of = |p: &ArmProfile| {
                let mean = p.summaries[s].mean;
                lit(if mean.is_finite() { mean } else { 0.0 })
            };
            let is_arm = |p: &ArmProfile| match &p.label {
                Some(label) => label_expr(request.arm_column).eq(lit(label.clone())),
                None => ident(request.arm_column).is_null(),
            };
            let first_arm = arms.next().expect("not empty");
            let mut mean = when(is_arm(first_arm), mean_of(first_arm));
            for p in arms {
                mean = mean.when(is_arm(p), mean_of(p));
            }
            let mean = mean.end().map_err(|e| table.failed(e))?;
            let value = on_analysed(column).map_err(|e| table.failed(e))?;
            second.push((value.clone() - mean).alias(format!("d{s}")));
            // The column's range over every arm (NaN when no arm has a value).
            let low = profiles
                .iter()
                .map(|p| p.summaries[s].min)
                .fold(f64::NAN, f64::min);
            let high = profiles
                .iter()
                .map(|p| p.summaries[s].max)
                .fold(f64::NAN, f64::max);
            let inside = if low.is_finite() && high.is_finite() {
                cast(
                    value.clone().gt(lit(low)).and(value.lt(lit(high))),
                    DataType::Float64,
                )
            } else {
                lit(0.0)
            };
            second.push(inside.alias(format!("i{s}")));
        }
        second.push(arm());
        let deviations = table
            .frame
            .clone()
            .select(second)
            .map_err(|e| table.failed(e))?;
        let mut sums = Vec::new();
        for s in 0..request.summarised.len() {
            let d = || ident(format!("d{s}"));
            sums.push(sum(d() * d()));
            sums.push(sum(d()));
            sums.push(sum(ident(format!("i{s}"))));
        }
        let groups = table
            .grouped_labels(aggregate(deviations, vec![ident("g")], sums))
            .await?;
        for profile in &mut profiles {
            let values = &groups[&profile.label];
            for (s, summary) in profile.summaries.iter_mut().enumerate() {
                let n = summary.n as f64;
                let (squares, total, inside) =
                    (values[3 * s], values[3 * s + 1], values[3 * s + 2]);
                if summary.n >= 2 {
                    summary.variance = (squares - total * total / n) / (n - 1.0);
                }
                summary.inside = if inside.is_finite() {
                    inside as usize
                } else {
                    0
                };
            }
        }
        Ok(Profile {
            arms: profiles,
            rows,
            distinct_ids,
            mixed_cluster,
        })
    })
}

/// Runs `work` on a runtime of its own (the library is synchronous).
fn block_on<T>(work: impl Future<Output = Result<T, EngineError>>) -> Result<T, EngineError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| EngineError::Unsupported {
            engine: "this machine".into(),
            what: format!("an async runtime ({e})"),
        })?;
    runtime.block_on(work)
}

/// `frame` aggregated by `groups`; the values are named a0, a1, … so that
/// repeated expressions (a column used twice) stay distinct.
fn aggregate(
    frame: DataFrame,
    groups: Vec<Expr>,
    values: Vec<Expr>,
) -> datafusion::error::Result<DataFrame> {
    let values = values
        .into_iter()
        .enumerate()
        .map(|(i, value)| value.alias(format!("a{i}")))
        .collect();
    frame.aggregate(groups, values)
}

/// A column as f64.
fn as_f64(name: &str) -> Expr {
    cast(ident(name), DataType::Float64)
}

/// A cluster column as text labels.
fn label_expr(name: &str) -> Expr {
    cast(ident(name), DataType::Utf8)
}

/// The first line of an engine's message, trimmed to a readable length.
fn one_line(error: impl std::fmt::Display) -> String {
    let text = error.to_string();
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut short: String = line.chars().take(300).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

fn is_numeric(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float16
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..)
    )
}

impl Table {
    /// Opens `path` on `engine`, checks the columns' presence and types, and
    /// filters (with `drop_missing`) or refuses rows with missing values.
    async fn open(
        engine: &Engine,
        path: &Path,
        columns: &[(&str, Role)],
        labels: Option<ArmLabels<'_>>,
        drop_missing: bool,
    ) -> Result<Table, EngineError> {
        let mut table = Table::open_unfiltered(engine, path, columns, labels).await?;
        let mut counts = vec![count(lit(1))];
        counts.extend(columns.iter().map(|(name, _)| count(ident(*name))));
        let counted = table
            .scalars(aggregate(table.frame.clone(), vec![], counts))
            .await?;
        let rows = counted[0] as usize;
        let missing: Vec<(&str, usize)> = columns
            .iter()
            .zip(&counted[1..])
            .map(|((name, _), &present)| (*name, rows - present as usize))
            .filter(|(_, missing)| *missing > 0)
            .collect();
        if let Some(&(column, missing_count)) = missing.first() {
            if !drop_missing {
                return Err(EngineError::MissingValues {
                    path: path.to_path_buf(),
                    column: column.to_string(),
                    count: missing_count,
                });
            }
            let present = columns
                .iter()
                .map(|(name, _)| ident(*name).is_not_null())
                .reduce(Expr::and)
                .expect("at least the outcome");
            let filtered = table
                .frame
                .clone()
                .filter(present)
                .map_err(|e| table.failed(e))?;
            table.frame = filtered;
            let kept = table
                .scalars(aggregate(table.frame.clone(), vec![], vec![count(lit(1))]))
                .await?[0] as usize;
            table.dropped = rows - kept;
        }
        Ok(table)
    }

    /// Opens `path` on `engine` and checks the columns' presence and types, with
    /// the arm labels' column (if any) read as 0/1.
    async fn open_unfiltered(
        engine: &Engine,
        path: &Path,
        columns: &[(&str, Role)],
        labels: Option<ArmLabels<'_>>,
    ) -> Result<Table, EngineError> {
        let is_parquet = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        if !is_parquet {
            return Err(EngineError::NotParquet {
                path: path.to_path_buf(),
                engine: engine.to_string(),
            });
        }
        if !path.is_file() {
            return Err(EngineError::NoFile {
                path: path.to_path_buf(),
            });
        }
        // Executors resolve the path themselves: hand them an absolute one.
        let absolute = path.canonicalize().map_err(|_| EngineError::NoFile {
            path: path.to_path_buf(),
        })?;
        let context = match engine {
            Engine::Ballista { endpoint, .. } => {
                // Ballista's adaptive planner (its default) cannot yet recover a job
                // that loses an executor: the stages it rolls back stay unfinished and
                // the job runs forever. The static planner re-runs them; these plans
                // are single aggregates, which adaptive planning would not change.
                let state = SessionStateBuilder::new()
                    .with_default_features()
                    .with_config(
                        SessionConfig::new_with_ballista()
                            .with_ballista_adaptive_query_planner(false),
                    )
                    .build();
                SessionContext::remote_with_state(&format!("df://{endpoint}"), state)
                    .await
                    .map_err(|e| EngineError::Cluster {
                        endpoint: endpoint.clone(),
                        message: one_line(e),
                    })?
            }
            // One partition: partial sums are then added in one order, so the
            // same file gives the same bytes on every run.
            _ => SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1)),
        };
        let frame = context
            .read_parquet(
                absolute.to_string_lossy().into_owned(),
                ParquetReadOptions::default(),
            )
            .await
            .map_err(|e| EngineError::Read {
                path: path.to_path_buf(),
                message: one_line(e),
            })?;
        let mut frame = frame;
        if let Some(labels) = labels
            && frame
                .schema()
                .field_with_unqualified_name(labels.column)
                .is_ok()
        {
            // The arm names become the 0/1 treatment under the same column name.
            let arm = || label_expr(labels.column);
            frame = when(arm().eq(lit(labels.treated)), lit(1.0))
                .when(arm().eq(lit(labels.control)), lit(0.0))
                .end()
                .and_then(|indicator| frame.clone().with_column(labels.column, indicator))
                .map_err(|e| EngineError::Query {
                    path: path.to_path_buf(),
                    message: one_line(e),
                })?;
        }
        let schema = frame.schema().clone();
        for &(name, role) in columns {
            let field = schema.field_with_unqualified_name(name).map_err(|_| {
                EngineError::MissingColumn {
                    path: path.to_path_buf(),
                    column: name.to_string(),
                    available: schema.fields().iter().map(|f| f.name().clone()).collect(),
                }
            })?;
            if let Role::Number(role) = role
                && !is_numeric(field.data_type())
            {
                return Err(EngineError::ColumnType {
                    path: path.to_path_buf(),
                    column: name.to_string(),
                    found: format!("{}", field.data_type()),
                    role,
                });
            }
        }
        Ok(Table {
            engine: engine.clone(),
            path: path.to_path_buf(),
            frame,
            dropped: 0,
        })
    }

    /// The three aggregate queries of `sums` and the fit they give.
    async fn fit(
        &self,
        outcome: &str,
        covariates: &[String],
        clusters: Option<&str>,
        intercept: bool,
        options: Variance,
    ) -> Result<LmRobust, EngineError> {
        let mut names: Vec<String> = Vec::new();
        if intercept {
            names.push("(Intercept)".into());
        }
        names.extend(covariates.iter().cloned());
        let k = names.len();
        let se_type = options.se_type;
        se_type.check_clustering(options.clustered)?;
        // Column j of the design as an expression over the file.
        let column = |j: usize| -> Expr {
            if intercept && j == 0 {
                lit(1.0)
            } else {
                as_f64(&covariates[j - usize::from(intercept)])
            }
        };

        // Query 1: n and the means.
        let mut first = vec![count(lit(1)), sum(as_f64(outcome))];
        first.extend((0..k).map(|j| sum(column(j))));
        let totals = self
            .scalars(aggregate(self.frame.clone(), vec![], first))
            .await?;
        let n = totals[0] as usize;
        if n == 0 {
            return Err(RegressionError::Empty.into());
        }
        if n <= k {
            return Err(RegressionError::TooFewObservations { n, k }.into());
        }
        let nf = n as f64;
        if !totals[1].is_finite() {
            return Err(self.non_finite(outcome));
        }
        if let Some(j) = (0..k).find(|&j| !totals[2 + j].is_finite()) {
            return Err(self.non_finite(&names[j]));
        }
        let mean_y = totals[1] / nf;
        let centre: Vec<f64> = (0..k)
            .map(|j| {
                if intercept && j > 0 {
                    totals[2 + j] / nf
                } else {
                    0.0
                }
            })
            .collect();
        let y_centre = if intercept { mean_y } else { 0.0 };

        // The centred design x̃ (aliased x0..), ỹ, y − ȳ and the cluster labels.
        let x_name = |j: usize| format!("x{j}");
        let mut centred: Vec<Expr> = (0..k)
            .map(|j| {
                let expr = if intercept && j == 0 {
                    lit(1.0)
                } else {
                    column(j) - lit(centre[j])
                };
                expr.alias(x_name(j))
            })
            .collect();
        centred.push((as_f64(outcome) - lit(y_centre)).alias("yt"));
        centred.push((as_f64(outcome) - lit(mean_y)).alias("yc"));
        if let Some(c) = clusters {
            centred.push(label_expr(c).alias("g"));
        }
        let centred_frame = self
            .frame
            .clone()
            .select(centred)
            .map_err(|e| self.failed(e))?;
        let x = |j: usize| ident(x_name(j));

        // Query 2: X̃ᵀX̃ and X̃ᵀỹ.
        let mut second = Vec::new();
        for a in 0..k {
            for b in a..k {
                second.push(sum(x(a) * x(b)));
            }
        }
        second.extend((0..k).map(|a| sum(x(a) * ident("yt"))));
        let products = self
            .scalars(aggregate(centred_frame.clone(), vec![], second))
            .await?;
        let gram = symmetric_from_packed_upper(k, &products);
        let next = k * (k + 1) / 2;
        let cross = DVector::from_column_slice(&products[next..next + k]);
        let moments = Moments {
            n,
            names: names.clone(),
            intercept,
            centre,
            y_centre,
            mean_y,
            gram,
            cross,
        };
        let solved = sums::solve(&moments)?;

        // Query 3: residuals and the variance type's sums.
        let fitted = (0..k)
            .map(|j| lit(solved.coef_centred[j]) * x(j))
            .reduce(|a, b| a + b)
            .expect("k ≥ 1");
        let mut with_residual: Vec<Expr> = (0..k).map(x).collect();
        with_residual.push((ident("yt") - fitted).alias("e"));
        with_residual.push(ident("yc"));
        if clusters.is_some() {
            with_residual.push(ident("g"));
        }
        let residual_frame = centred_frame
            .select(with_residual)
            .map_err(|e| self.failed(e))?;
        let e = || ident("e");
        let mut residuals = Residuals::default();
        if options.clustered {
            let mut per_cluster = vec![sum(e() * e()), sum(ident("yc") * ident("yc"))];
            per_cluster.extend((0..k).map(|a| sum(x(a) * e())));
            let cr2 = se_type == SeType::CR2;
            if cr2 {
                for a in 0..k {
                    for b in a..k {
                        per_cluster.push(sum(x(a) * x(b)));
                    }
                }
            }
            let groups = self
                .grouped(aggregate(residual_frame, vec![ident("g")], per_cluster))
                .await?;
            for (label, values) in groups {
                residuals.ssr += values[0];
                residuals.tss += values[1];
                let score = DVector::from_column_slice(&values[2..2 + k]);
                let gram = cr2.then(|| symmetric_from_packed_upper(k, &values[2 + k..]));
                residuals.clusters.insert(label, (gram, score));
            }
        } else {
            let hc = !matches!(se_type, SeType::Classical);
            let leverage = matches!(se_type, SeType::HC2 | SeType::HC3);
            let z = |a: usize| ident(format!("z{a}"));
            let mut frame = residual_frame;
            let mut aggregates = vec![sum(e() * e()), sum(ident("yc") * ident("yc"))];
            if hc {
                // z = L̃ᵀx̃ (L̃ upper triangular), h = ‖z‖², then ω from e and h.
                let mut step: Vec<Expr> = vec![e(), ident("yc")];
                for a in 0..k {
                    let za = (0..=a)
                        .map(|j| lit(solved.l_centred[(j, a)]) * x(j))
                        .reduce(|p, q| p + q)
                        .expect("a ≥ 0");
                    step.push(za.alias(format!("z{a}")));
                }
                frame = frame.select(step).map_err(|e| self.failed(e))?;
                let h = (0..k)
                    .map(|a| z(a) * z(a))
                    .reduce(|p, q| p + q)
                    .expect("k ≥ 1");
                let mut step: Vec<Expr> = vec![e(), ident("yc"), h.alias("h")];
                step.extend((0..k).map(z));
                frame = frame.select(step).map_err(|e| self.failed(e))?;
                let one_minus_h = || lit(1.0) - ident("h");
                let omega = match se_type {
                    SeType::HC2 => e() * e() / one_minus_h(),
                    SeType::HC3 => e() * e() / (one_minus_h() * one_minus_h()),
                    _ => e() * e(),
                };
                let mut step: Vec<Expr> = vec![e(), ident("yc"), ident("h"), omega.alias("w")];
                step.extend((0..k).map(z));
                frame = frame.select(step).map_err(|e| self.failed(e))?;
                for a in 0..k {
                    for b in a..k {
                        aggregates.push(sum(ident("w") * z(a) * z(b)));
                    }
                }
                aggregates.push(min(one_minus_h()));
            }
            let values = self.scalars(aggregate(frame, vec![], aggregates)).await?;
            residuals.ssr = values[0];
            residuals.tss = values[1];
            if hc {
                let meat = symmetric_from_packed_upper(k, &values[2..]);
                let next = 2 + k * (k + 1) / 2;
                if leverage && values[next] <= LEVERAGE_ONE {
                    return Err(EngineError::LeverageOne {
                        path: self.path.clone(),
                        se_type: se_type.to_string(),
                    });
                }
                residuals.meat = Some(meat);
            }
        }
        Ok(sums::assemble(&moments, &solved, &residuals, options)?)
    }

    /// The error of a failed query, naming the endpoint (Ballista) or the file.
    fn failed(&self, error: impl std::fmt::Display) -> EngineError {
        match &self.engine {
            Engine::Ballista { endpoint, .. } => EngineError::Cluster {
                endpoint: endpoint.clone(),
                message: one_line(error),
            },
            _ => EngineError::Query {
                path: self.path.clone(),
                message: one_line(error),
            },
        }
    }

    fn non_finite(&self, column: &str) -> EngineError {
        EngineError::NonFinite {
            path: self.path.clone(),
            column: column.to_string(),
        }
    }

    /// Runs a planned query and collects its batches (on Ballista, within the
    /// engine's timeout).
    async fn collect(
        &self,
        planned: datafusion::error::Result<DataFrame>,
    ) -> Result<Vec<RecordBatch>, EngineError> {
        let frame = planned.map_err(|e| self.failed(e))?;
        match &self.engine {
            Engine::Ballista {
                endpoint,
                timeout_seconds,
            } => {
                let deadline = Instant::now() + Duration::from_secs(*timeout_seconds);
                let mut attempt = 1;
                loop {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match tokio::time::timeout(left, frame.clone().collect()).await {
                        Ok(Ok(batches)) => return Ok(batches),
                        // The job finished but the executor holding its result died
                        // before the result was fetched: only running it again on
                        // the executors left can bring the result back.
                        Ok(Err(error))
                            if attempt < BALLISTA_ATTEMPTS && result_executor_lost(&error) =>
                        {
                            attempt += 1;
                        }
                        Ok(Err(error)) => return Err(self.failed(error)),
                        Err(_) => {
                            return Err(EngineError::Timeout {
                                endpoint: endpoint.clone(),
                                seconds: *timeout_seconds,
                            });
                        }
                    }
                }
            }
            _ => frame.collect().await.map_err(|e| self.failed(e)),
        }
    }

    /// The one row of an aggregate without groups, as f64 (NULL → NaN).
    async fn scalars(
        &self,
        planned: datafusion::error::Result<DataFrame>,
    ) -> Result<Vec<f64>, EngineError> {
        let batches = self.collect(planned).await?;
        let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
            return Err(self.failed("the aggregate query returned no row"));
        };
        batch
            .columns()
            .iter()
            .map(|column| Ok(self.numbers(column)?[0]))
            .collect()
    }

    /// The rows of an aggregate grouped by a label (column 0), sorted by label; a
    /// missing label counts as the empty one.
    async fn grouped(
        &self,
        planned: datafusion::error::Result<DataFrame>,
    ) -> Result<BTreeMap<String, Vec<f64>>, EngineError> {
        Ok(self
            .grouped_labels(planned)
            .await?
            .into_iter()
            .map(|(label, values)| (label.unwrap_or_default(), values))
            .collect())
    }

    /// The rows of an aggregate grouped by a label (column 0), sorted by label, a
    /// missing label (`None`) first.
    async fn grouped_labels(
        &self,
        planned: datafusion::error::Result<DataFrame>,
    ) -> Result<BTreeMap<Option<String>, Vec<f64>>, EngineError> {
        let batches = self.collect(planned).await?;
        let mut groups = BTreeMap::new();
        for batch in &batches {
            let labels =
                cast_array(batch.column(0), &DataType::Utf8).map_err(|e| self.failed(e))?;
            let labels = labels.as_string::<i32>();
            let columns = batch.columns()[1..]
                .iter()
                .map(|c| self.numbers(c))
                .collect::<Result<Vec<_>, _>>()?;
            for row in 0..batch.num_rows() {
                let label = (!labels.is_null(row)).then(|| labels.value(row).to_string());
                groups.insert(label, columns.iter().map(|c| c[row]).collect());
            }
        }
        Ok(groups)
    }

    fn numbers(&self, column: &ArrayRef) -> Result<Vec<f64>, EngineError> {
        let values = cast_array(column, &DataType::Float64).map_err(|e| self.failed(e))?;
        let values = values.as_primitive::<Float64Type>();
        Ok((0..values.len())
            .map(|i| {
                if values.is_null(i) {
                    f64::NAN
                } else {
                    values.value(i)
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::result_executor_lost;
    use ballista_core::error::BallistaError;
    use datafusion::error::DataFusionError;

    #[test]
    fn only_an_unreachable_result_executor_is_worth_a_second_submission() {
        // As Ballista's client reports an executor it cannot connect to when
        // fetching a finished job's result (distributed_query.rs, fetch_partition).
        let lost = DataFusionError::Execution(format!(
            "{:?}",
            BallistaError::GrpcConnectionError(
                "Error connecting to Ballista scheduler or executor at http://localhost:35105"
                    .into()
            )
        ));
        assert!(result_executor_lost(&lost));
        // A job the scheduler failed, and a bad file, are not retried.
        let failed = DataFusionError::Execution(
            "Job 038HV3EN0W000 failed: no executor left to run its tasks".into(),
        );
        assert!(!result_executor_lost(&failed));
        let bad_file = DataFusionError::Execution("Parquet error: EOF".into());
        assert!(!result_executor_lost(&bad_file));
    }
}
