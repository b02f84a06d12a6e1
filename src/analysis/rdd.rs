//! The analyse stage of a regression discontinuity (`design.kind:
//! regression_discontinuity`): reads the running variable, the primary outcome and the
//! declared columns through `data`, drops rows with a missing value in any of them
//! (counted), and runs `designs::rdd` with its diagnostics and the grading rule of
//! `evidence::rdd`. The serialised part is `analysis.regression_discontinuity` in
//! report.json (docs/json.md); the engine's own results ride along unserialised for the
//! report's charts and tables.

use serde::Serialize;

use super::AnalysisError;
use crate::data::Table;
use crate::designs::rdd::diagnostics::{
    CovariateRow, PlaceboRow, SENSITIVITY_MULTIPLES, SensitivityRow, bandwidth_sensitivity_sorted,
    covariate_continuity_sorted, placebo_cutoffs_sorted,
};
use crate::designs::rdd::{
    BinRule, DensityTest, RdBins, RdData, RdError, RdEstimate, RdRow, SortedRunning,
    density_test_sorted, estimate_sorted, rd_bins_sorted,
};
use crate::evidence::rdd::{RdGrade, grade_rd};
use crate::spec::rdd::{RdSpec, TreatedSide};

/// One row of an RD estimate as report.json shows it.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct RdRowSummary {
    pub estimate: f64,
    pub std_error: f64,
    pub p_value: f64,
    pub conf_low: f64,
    pub conf_high: f64,
}

impl From<&RdRow> for RdRowSummary {
    fn from(r: &RdRow) -> Self {
        RdRowSummary {
            estimate: r.estimate,
            std_error: r.std_error,
            p_value: r.p_value,
            conf_low: r.ci_lower,
            conf_high: r.ci_upper,
        }
    }
}

/// A diagnostic estimate (covariate, placebo cut-off, bandwidth multiple): its robust
/// row, or why it could not be estimated.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RdCheck {
    /// Covariate name, placebo cut-off or bandwidth multiple, in words.
    pub at: String,
    /// The conventional estimate (`null` when not estimated).
    pub estimate: Option<f64>,
    pub robust: Option<RdRowSummary>,
    pub error: Option<String>,
}

/// The regression discontinuity results of report.json.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RdAnalysis {
    pub outcome: String,
    pub running: String,
    pub cutoff: f64,
    /// `above` or `below`: the treated side.
    pub treated: String,
    /// `sharp`, or `fuzzy` (with `treatment_received`).
    pub design: &'static str,
    pub order: usize,
    pub bias_order: usize,
    pub kernel: &'static str,
    pub vce: &'static str,
    pub bandwidth_method: &'static str,
    pub h_left: f64,
    pub h_right: f64,
    pub b_left: f64,
    pub b_right: f64,
    /// Rows used either side of the cut-off, and those inside h.
    pub n_left: usize,
    pub n_right: usize,
    pub n_h_left: usize,
    pub n_h_right: usize,
    /// Rows dropped for a missing value in a column the RD uses.
    pub excluded_missing: usize,
    pub conventional: RdRowSummary,
    pub bias_corrected: RdRowSummary,
    /// The row to report: bias-corrected estimate with the robust standard error.
    pub robust: RdRowSummary,
    /// Fuzzy designs: the jump in treatment received (robust row) and its F.
    pub first_stage: Option<RdRowSummary>,
    pub first_stage_f: Option<f64>,
    /// Density (manipulation) test T and p, or why it could not be run.
    pub density_t: Option<f64>,
    pub density_p: Option<f64>,
    pub density_error: Option<String>,
    pub covariate_continuity: Vec<RdCheck>,
    pub placebo_cutoffs: Vec<RdCheck>,
    pub bandwidth_sensitivity: Vec<RdCheck>,
    /// The highest grade the diagnostics allow and why (evidence::rdd).
    pub max_nesta_level: u8,
    pub max_sms: u8,
    pub passed: Vec<String>,
    pub held_down_by: Vec<String>,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub raw: RdRaw,
}

/// The engine's results behind the summary, for charts and tables.
#[derive(Debug, Clone)]
pub struct RdRaw {
    pub estimate: RdEstimate,
    pub density: Result<DensityTest, RdError>,
    pub placebos: Vec<PlaceboRow>,
    pub sensitivity: Vec<SensitivityRow>,
    pub grade: RdGrade,
    pub bins: Option<RdBins>,
    pub running_values: Vec<f64>,
    pub outcome_label: String,
}

fn check(at: String, result: &Result<RdEstimate, RdError>) -> RdCheck {
    match result {
        Ok(e) => RdCheck {
            at,
            estimate: Some(e.conventional.estimate),
            robust: Some((&e.robust).into()),
            error: None,
        },
        Err(e) => RdCheck {
            at,
            estimate: None,
            robust: None,
            error: Some(e.to_string()),
        },
    }
}

fn rd_failed(what: &str, e: impl std::fmt::Display) -> AnalysisError {
    AnalysisError::RegressionDiscontinuity(format!("{what}: {e}"))
}

/// Runs the RD of `outcome` (column `outcome`, shown as `label`) read from `table`.
pub fn analyse_rd(
    table: &Table,
    spec: &RdSpec,
    outcome: &str,
    label: &str,
    alpha: f64,
) -> Result<RdAnalysis, AnalysisError> {
    let opts = spec.options().map_err(|e| rd_failed("settings", e))?;
    let numeric = |column: &str| table.numeric(column).map_err(AnalysisError::from);
    let running = numeric(&spec.running)?;
    let y = numeric(outcome)?;
    let received = match &spec.treatment_received {
        Some(c) => Some(numeric(c)?),
        None => None,
    };
    let covariates: Vec<Vec<Option<f64>>> = spec
        .covariates
        .iter()
        .map(|c| numeric(c))
        .collect::<Result<_, _>>()?;
    let clusters = match &spec.cluster {
        Some(c) => Some(table.categorical(c)?),
        None => None,
    };
    let complete: Vec<usize> = (0..running.len())
        .filter(|&i| {
            running[i].is_some()
                && y[i].is_some()
                && received.as_ref().is_none_or(|t| t[i].is_some())
                && covariates.iter().all(|c| c[i].is_some())
                && clusters.as_ref().is_none_or(|c| c[i].is_some())
        })
        .collect();
    let take =
        |v: &[Option<f64>]| -> Vec<f64> { complete.iter().map(|&i| v[i].unwrap_or(0.0)).collect() };
    let x = take(&running);
    let yv = take(&y);
    let t = received.as_deref().map(take);
    let covs: Vec<Vec<f64>> = covariates.iter().map(|c| take(c)).collect();
    let cov_refs: Vec<&[f64]> = covs.iter().map(Vec::as_slice).collect();
    let cluster_ids: Option<Vec<u64>> = clusters.as_ref().map(|c| {
        let mut names: Vec<&str> = complete.iter().filter_map(|&i| c[i].as_deref()).collect();
        names.sort_unstable();
        names.dedup();
        complete
            .iter()
            .map(|&i| {
                let name = c[i].as_deref().unwrap_or_default();
                names.binary_search(&name).unwrap_or(0) as u64
            })
            .collect()
    });
    let data = RdData {
        running: &x,
        outcome: &yv,
        treatment: t.as_deref(),
        covariates: &cov_refs,
        cluster: cluster_ids.as_deref(),
    };
    // Sorted once for the estimate and every check. The checks are independent of one
    // another (the sensitivity needs only the main bandwidths), so they run side by
    // side; each result lands in its own place, so the report does not depend on the
    // number of threads.
    let _reuse = crate::data::ReuseFreedBlocks::new();
    let sorted = SortedRunning::new(&x);
    let (main, density) = rayon::join(
        || estimate_sorted(data, &sorted, &opts),
        || density_test_sorted(&sorted, spec.cutoff, opts.kernel),
    );
    let mut main = main.map_err(|e| rd_failed("the estimate", e))?;
    let ((sensitivity, placebos), (continuity, bins)) = rayon::join(
        || {
            rayon::join(
                || {
                    bandwidth_sensitivity_sorted(
                        data,
                        &sorted,
                        &opts,
                        &main,
                        &SENSITIVITY_MULTIPLES,
                    )
                },
                || placebo_cutoffs_sorted(data, &sorted, &opts, &spec.placebo_cutoffs),
            )
        },
        || {
            rayon::join(
                || covariate_continuity_sorted(data, &sorted, &opts),
                || rd_bins_sorted(&sorted, &yv, spec.cutoff, BinRule::ImseOptimal),
            )
        },
    );
    let continuity: Vec<CovariateRow> = continuity;
    let named: Vec<(String, Result<RdEstimate, RdError>)> = continuity
        .iter()
        .map(|r| (spec.covariates[r.index].clone(), r.result.clone()))
        .collect();
    let grade = grade_rd(&main, &density, &named, &sensitivity, alpha);
    if spec.treated == TreatedSide::Below {
        main = main.treated_below();
    }
    let fs = main.first_stage.as_ref();
    Ok(RdAnalysis {
        outcome: outcome.to_string(),
        running: spec.running.clone(),
        cutoff: spec.cutoff,
        treated: match spec.treated {
            TreatedSide::Above => "above",
            TreatedSide::Below => "below",
        }
        .to_string(),
        design: if spec.treatment_received.is_some() {
            "fuzzy"
        } else {
            "sharp"
        },
        order: main.p,
        bias_order: main.q,
        kernel: main.kernel.name(),
        vce: main.vce,
        bandwidth_method: main.bandwidth_method,
        h_left: main.h_left,
        h_right: main.h_right,
        b_left: main.b_left,
        b_right: main.b_right,
        n_left: main.n_left,
        n_right: main.n_right,
        n_h_left: main.n_h_left,
        n_h_right: main.n_h_right,
        excluded_missing: running.len() - complete.len(),
        conventional: (&main.conventional).into(),
        bias_corrected: (&main.bias_corrected).into(),
        robust: (&main.robust).into(),
        first_stage: fs.map(|f| (&f.robust).into()),
        first_stage_f: fs.map(|f| f.f_statistic),
        density_t: density.as_ref().ok().map(|d| d.t),
        density_p: density.as_ref().ok().map(|d| d.p_value),
        density_error: density.as_ref().err().map(ToString::to_string),
        covariate_continuity: named.iter().map(|(n, r)| check(n.clone(), r)).collect(),
        placebo_cutoffs: placebos
            .iter()
            .map(|p| check(format!("{} ({})", p.cutoff, p.side), &p.result))
            .collect(),
        bandwidth_sensitivity: sensitivity
            .iter()
            .map(|s| RdCheck {
                at: format!("{}×h", s.multiple),
                estimate: s.result.as_ref().ok().map(|(c, _)| c.estimate),
                robust: s.result.as_ref().ok().map(|(_, r)| r.into()),
                error: s.result.as_ref().err().map(ToString::to_string),
            })
            .collect(),
        max_nesta_level: grade.max_nesta_level,
        max_sms: grade.max_sms,
        passed: grade.passed.clone(),
        held_down_by: grade.held_down_by.clone(),
        warnings: main.warnings.clone(),
        raw: RdRaw {
            estimate: main,
            density,
            placebos,
            sensitivity,
            grade,
            bins,
            running_values: x,
            outcome_label: label.to_string(),
        },
    })
}
