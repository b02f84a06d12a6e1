//! Staggered roll-out (and the analysis of a stepped-wedge trial): Callaway and
//! Sant'Anna (2021) group-time effects ATT(g, t) under unconditional parallel trends,
//! their event-time, cohort, calendar and overall aggregations with analytic standard
//! errors and seeded multiplier-bootstrap simultaneous bands, a pre-trend test, and the
//! two-way fixed-effects estimate beside it with its Goodman-Bacon decomposition.
//!
//! Input is a balanced long panel ([`Panel`]); the spec's settings are
//! [`crate::spec::staggered::StaggeredSpec`]. Parallel trends are unconditional, or
//! conditional on covariates fixed per unit ([`covariates`]: outcome regression or
//! doubly robust, as R did and csdid).

pub mod aggregate;
pub mod att_gt;
pub mod bootstrap;
pub mod covariates;
pub mod error;
pub mod panel;
pub mod twfe;

pub use aggregate::{Aggregated, Family, Overall};
pub use att_gt::{Cell, Settings};
pub use error::StaggeredError;
pub use panel::{Covariate, Panel, TimeVarying, Timing};
pub use twfe::{BaconTerm, ComparisonKind, Twfe};

use crate::spec::staggered::BootstrapSpec;

/// How the inference is done.
#[derive(Debug, Clone)]
pub struct Inference {
    /// Significance level of the intervals and bands.
    pub alpha: f64,
    pub bootstrap: BootstrapSpec,
    /// Each unit's cluster index (0-based), when coarser than units.
    pub cluster_of_unit: Option<Vec<usize>>,
}

/// An aggregated effect with its pointwise interval and simultaneous band.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub key: i64,
    pub estimate: f64,
    /// Analytic standard error.
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Simultaneous band over the family (estimate ± critical value × bootstrap SE);
    /// `None` for calendar effects, which are not bootstrapped.
    pub band: Option<(f64, f64)>,
}

/// The joint test that every pre-treatment event-time effect is zero.
#[derive(Debug, Clone, PartialEq)]
pub struct PreTrend {
    /// Wald statistic θ'V⁻¹θ over the pre-treatment event times.
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
}

/// Everything the staggered analysis reports.
#[derive(Debug, Clone, PartialEq)]
pub struct StaggeredAnalysis {
    pub settings: Settings,
    /// Covariates of conditional parallel trends (empty: unconditional).
    pub covariates: Vec<String>,
    pub n_units: usize,
    pub n_periods: usize,
    pub n_never_treated: usize,
    /// (cohort, units).
    pub cohorts: Vec<(i64, usize)>,
    pub cells: Vec<Cell>,
    pub event_time: Vec<Effect>,
    pub by_cohort: Vec<Effect>,
    pub calendar: Vec<Effect>,
    pub overall: Overall,
    /// Uniform critical values of the event-time and cohort bands.
    pub event_time_critical_value: f64,
    pub cohort_critical_value: f64,
    /// `None` when there is no pre-treatment event time to test.
    pub pre_trend: Option<PreTrend>,
    pub twfe: Twfe,
    /// Plain statements about what was done that a reader must know.
    pub notes: Vec<String>,
}

/// The Callaway–Sant'Anna part of the analysis: every ATT(g, t), the aggregations
/// with their analytic standard errors, the bootstrap bands and the pre-trend test
/// (everything [`analyse`] reports except the TWFE comparison).
#[derive(Debug, Clone, PartialEq)]
pub struct CallawaySantAnna {
    pub cells: Vec<Cell>,
    pub event_time: Vec<Effect>,
    pub by_cohort: Vec<Effect>,
    pub calendar: Vec<Effect>,
    pub overall: Overall,
    pub event_time_critical_value: f64,
    pub cohort_critical_value: f64,
    pub pre_trend: Option<PreTrend>,
}

fn check_alpha(inference: &Inference) -> Result<(), StaggeredError> {
    if !(inference.alpha > 0.0 && inference.alpha < 1.0) {
        return Err(StaggeredError::Setting {
            name: "alpha",
            rule: format!("in (0, 1), got {}", inference.alpha),
        });
    }
    Ok(())
}

/// Runs the whole staggered analysis: the Callaway–Sant'Anna part and the TWFE
/// comparison, side by side on the rayon pool (each is deterministic, so running
/// them together changes no number).
///
/// # Errors
/// See [`att_gt::check_design`].
pub fn analyse(
    panel: &Panel,
    settings: &Settings,
    inference: &Inference,
) -> Result<StaggeredAnalysis, StaggeredError> {
    check_alpha(inference)?;
    att_gt::check_design(panel, settings)?;
    let clusters = inference.cluster_of_unit.as_deref();
    let (cs, twfe) = rayon::join(
        || callaway_santanna(panel, settings, inference),
        || twfe_with_inference(panel, clusters, 1.0 - inference.alpha),
    );
    let CallawaySantAnna {
        cells,
        event_time,
        by_cohort,
        calendar,
        overall,
        event_time_critical_value,
        cohort_critical_value,
        pre_trend,
    } = cs?;
    let mut notes = Vec::new();
    let failed: Vec<String> = cells
        .iter()
        .filter_map(|c| {
            c.unestimated
                .map(|why| format!("(g = {}, t = {}): {why}", c.group, c.time))
        })
        .collect();
    if !failed.is_empty() {
        notes.push(format!(
            "{} group-time cell(s) with covariates could not be estimated and are left out of every aggregate: {}.",
            failed.len(),
            error::list_some(&failed)
        ));
    }
    let missing: Vec<String> = cells
        .iter()
        .filter(|c| c.att.is_none() && c.unestimated.is_none())
        .map(|c| format!("(g = {}, t = {})", c.group, c.time))
        .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "{} group-time cell(s) have no not-yet-treated comparison units left and are not estimated (they are left out of every aggregate, not filled from a smaller comparison): {}.",
            missing.len(),
            error::list_some(&missing)
        ));
    }
    if panel.treated_after_panel > 0 {
        notes.push(format!(
            "{} unit(s) are first treated after the last period and count as never treated within the panel.",
            panel.treated_after_panel
        ));
    }
    Ok(StaggeredAnalysis {
        settings: *settings,
        covariates: panel.covariates.iter().map(|c| c.name.clone()).collect(),
        n_units: panel.n_units(),
        n_periods: panel.n_periods(),
        n_never_treated: panel.n_never_treated(),
        cohorts: panel.cohorts(),
        cells,
        event_time,
        by_cohort,
        calendar,
        overall,
        event_time_critical_value,
        cohort_critical_value,
        pre_trend,
        twfe,
        notes,
    })
}

/// The Callaway–Sant'Anna part alone (see [`CallawaySantAnna`]).
///
/// # Errors
/// See [`att_gt::check_design`].
pub fn callaway_santanna(
    panel: &Panel,
    settings: &Settings,
    inference: &Inference,
) -> Result<CallawaySantAnna, StaggeredError> {
    check_alpha(inference)?;
    let clusters = inference.cluster_of_unit.as_deref();
    let cells = att_gt::estimate_cells(panel, settings, clusters)?;
    let (aggregated, overall) = aggregate::aggregate(panel, &cells, clusters);
    let z = crate::stats::distributions::normal::quantile(1.0 - inference.alpha / 2.0)
        .expect("alpha checked");

    let family =
        |f: Family| -> Vec<&Aggregated> { aggregated.iter().filter(|a| a.family == f).collect() };
    let boot = &inference.bootstrap;
    // One set of draws for the event-time and cohort families (did bootstraps each
    // family separately; sharing the multipliers halves the random numbers and
    // leaves each family's critical value a valid uniform one).
    let banded = [family(Family::EventTime), family(Family::Cohort)];
    let influence: Vec<Vec<&[f64]>> = banded
        .iter()
        .map(|members| members.iter().map(|a| a.influence.as_slice()).collect())
        .collect();
    let bands = bootstrap::bands(
        &influence,
        clusters,
        boot.draws as usize,
        boot.seed,
        boot.weights,
        inference.alpha,
    );
    let effects = |members: &[&Aggregated], bands: &bootstrap::Bands| -> Vec<Effect> {
        members
            .iter()
            .zip(&bands.se)
            .map(|(a, bse)| Effect {
                key: a.key,
                estimate: a.estimate,
                se: a.se,
                ci_low: a.estimate - z * a.se,
                ci_high: a.estimate + z * a.se,
                band: (bands.critical_value * bse).is_finite().then(|| {
                    (
                        a.estimate - bands.critical_value * bse,
                        a.estimate + bands.critical_value * bse,
                    )
                }),
            })
            .collect()
    };
    let event_time = effects(&banded[0], &bands[0]);
    let by_cohort = effects(&banded[1], &bands[1]);
    let (event_time_critical_value, cohort_critical_value) =
        (bands[0].critical_value, bands[1].critical_value);
    let calendar = family(Family::Calendar)
        .iter()
        .map(|a| Effect {
            key: a.key,
            estimate: a.estimate,
            se: a.se,
            ci_low: a.estimate - z * a.se,
            ci_high: a.estimate + z * a.se,
            band: None,
        })
        .collect();
    let pre: Vec<&Aggregated> = family(Family::EventTime)
        .into_iter()
        .filter(|a| a.key < 0 && a.se > 0.0)
        .collect();
    let pre_trend = pre_trend_test(panel, &pre, clusters);

    Ok(CallawaySantAnna {
        cells,
        event_time,
        by_cohort,
        calendar,
        overall,
        event_time_critical_value,
        cohort_critical_value,
        pre_trend,
    })
}

/// The TWFE coefficient, its decomposition and its CR2 inference (a regression that
/// cannot give CR2, such as a cluster too large for it, keeps the point estimate and
/// says why).
fn twfe_with_inference(panel: &Panel, clusters: Option<&[usize]>, conf_level: f64) -> Twfe {
    let mut result = twfe::twfe(panel);
    match twfe::twfe_cr2(panel, clusters, conf_level) {
        Ok(estimate) => result.inference = Some(estimate),
        Err(error) => {
            result.inference_note = Some(format!(
                "The TWFE coefficient has no CR2 standard error: {error}."
            ))
        }
    }
    result
}

/// Wald test of the pre-treatment event-time effects with the influence-function
/// covariance V = Σ_c ψ_c ψ_c' / n² (clusters c).
fn pre_trend_test(
    panel: &Panel,
    pre: &[&Aggregated],
    cluster_of_unit: Option<&[usize]>,
) -> Option<PreTrend> {
    let k = pre.len();
    if k == 0 {
        return None;
    }
    let n = panel.n_units() as f64;
    let m = cluster_of_unit.map_or(panel.n_units(), |c| c.iter().max().map_or(0, |x| x + 1));
    let mut sums = nalgebra::DMatrix::<f64>::zeros(m, k);
    for (j, a) in pre.iter().enumerate() {
        for (i, x) in a.influence.iter().enumerate() {
            let c = cluster_of_unit.map_or(i, |c| c[i]);
            sums[(c, j)] += x;
        }
    }
    let v = sums.transpose() * &sums / (n * n);
    let theta = nalgebra::DVector::from_iterator(k, pre.iter().map(|a| a.estimate));
    let inverse = v.clone().cholesky()?.inverse();
    let statistic = (theta.transpose() * inverse * &theta)[(0, 0)];
    let p_value = crate::stats::distributions::chi_squared::sf(statistic, k as f64).ok()?;
    Some(PreTrend {
        statistic,
        df: k,
        p_value,
    })
}
