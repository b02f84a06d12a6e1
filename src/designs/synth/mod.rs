//! Synthetic control: one treated unit, a donor pool and an outcome panel. The
//! treated unit's path without the intervention is estimated as a weighted average
//! of donors (weights non-negative, summing to one), and judged by placebo runs:
//! every donor in turn as if treated (in space), a fake date in the pre-period (in
//! time), and each donor with positive weight left out.

pub mod fit;
pub mod panel;
pub mod qp;

use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

pub use fit::{Fit, LambdaError, Method, Problem};
pub use panel::{MIN_DONORS, MIN_PRE_PERIODS, Panel};

use crate::data::DataError;
use crate::spec::synth::{SynthFitKind, SynthSpec};

/// A donor counts as used (and is left out in turn) when its weight exceeds this.
pub const POSITIVE_WEIGHT: f64 = 1e-6;

#[derive(Debug, Error)]
pub enum SynthError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("{path}:{line}: column `{column}` is empty; every row needs a unit and a period")]
    MissingCell {
        path: PathBuf,
        line: u64,
        column: String,
    },
    #[error(
        "{path}:{line}: unit `{unit}` has a second row for period {period} (the first is on line {first_line}); the panel needs one row per unit and period"
    )]
    DuplicateUnitPeriod {
        path: PathBuf,
        line: u64,
        first_line: u64,
        unit: String,
        period: f64,
    },
    #[error("{path}: the treated unit `{treated}` is not in column `{column}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    TreatedNotInPanel {
        path: PathBuf,
        treated: String,
        column: String,
        suggestion: Option<String>,
    },
    #[error("{path}: donor `{donor}` is not in the panel")]
    DonorNotInPanel { path: PathBuf, donor: String },
    #[error("`{treated}` is both the treated unit and a donor")]
    TreatedIsDonor { treated: String },
    #[error(
        "the donor pool has {donors} unit(s); a synthetic control needs at least {minimum} donors"
    )]
    TooFewDonors { donors: usize, minimum: usize },
    #[error(
        "only {pre_periods} period(s) come before the treatment period {treatment_period}; a synthetic control needs at least {minimum} pre-periods to be fitted and judged"
    )]
    TooFewPrePeriods {
        pre_periods: usize,
        minimum: usize,
        treatment_period: f64,
    },
    #[error(
        "no period on or after the treatment period {treatment_period} (the panel ends at {last}): there is no effect to estimate"
    )]
    NoPostPeriod { treatment_period: f64, last: f64 },
    #[error(
        "{path}: {role} `{unit}` has no `{column}` value for period(s) {periods}; a synthetic control needs every unit observed in every period (drop the unit from the donor pool, or fill the gaps in the data)"
    )]
    MissingOutcomes {
        path: PathBuf,
        unit: String,
        role: &'static str,
        column: String,
        periods: String,
    },
    #[error(
        "predictor `{column}`: the window {from} to {to} must lie inside the pre-period (before {treatment_period})"
    )]
    PredictorWindow {
        column: String,
        from: f64,
        to: f64,
        treatment_period: f64,
    },
    #[error("predictor `{column}`: unit `{unit}` has no value between {from} and {to}")]
    PredictorMissing {
        column: String,
        unit: String,
        from: f64,
        to: f64,
    },
    #[error(
        "outcome_periods: {period} is not a period of the panel before the treatment period {treatment_period}"
    )]
    OutcomePeriod { period: f64, treatment_period: f64 },
    #[error(
        "the nested fit needs predictors (design.synthetic_control.predictors or outcome_periods)"
    )]
    NoPredictors,
    #[error(
        "the placebo period {period} must be a pre-period with at least {minimum} periods before it"
    )]
    PlaceboPeriod { period: f64, minimum: usize },
    #[error("the QP solver failed: {0}")]
    Solver(String),
}

impl SynthError {
    pub fn hint(&self) -> String {
        match self {
            SynthError::Data(e) => e.hint(),
            SynthError::TooFewDonors { .. } | SynthError::DonorNotInPanel { .. } => {
                "list at least two donor units of the panel in design.synthetic_control.donors, or leave it out to use every other unit".into()
            }
            SynthError::TooFewPrePeriods { .. } => {
                "move design.synthetic_control.treatment_period later or add earlier periods to the panel".into()
            }
            SynthError::MissingOutcomes { .. } => {
                "list only fully observed donors in design.synthetic_control.donors".into()
            }
            SynthError::TreatedNotInPanel { .. } => {
                "design.synthetic_control.treated must be a value of the unit column".into()
            }
            _ => "see docs/spec.md, section \"Synthetic control\"".into(),
        }
    }
}

/// Everything the synthetic-control analysis found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SynthResult {
    pub method: &'static str,
    pub treated: String,
    pub donors: Vec<String>,
    pub periods: Vec<f64>,
    pub treatment_period: f64,
    pub n_pre: usize,
    pub outcome: String,
    /// The treated unit's observed series.
    pub treated_series: Vec<f64>,
    pub fit: Fit,
    /// Treated minus synthetic, every period.
    pub gaps: Vec<f64>,
    /// The estimated effect: the mean post-period gap.
    pub effect: f64,
    pub pre_rmspe: f64,
    pub post_rmspe: f64,
    /// The treated unit's pre-period outcome standard deviation (population).
    pub pre_sd: f64,
    /// Pre-period RMSPE over the pre-period SD: the grade's fit measure.
    pub fit_ratio: f64,
    pub convex_hull: HullCheck,
    pub balance: Vec<BalanceRow>,
    pub placebo_space: PlaceboSpace,
    pub placebo_time: Option<PlaceboTime>,
    pub leave_one_out: Vec<LeaveOneOut>,
    /// Augmented fit with cross-validated lambda: the cross-validation table.
    pub lambda_table: Vec<LambdaError>,
    /// Units of the panel outside the donor pool.
    pub not_donors: Vec<String>,
    /// How the report names things: the outcome's label and unit, and the period
    /// column (set from the spec by the report; the column names otherwise).
    #[serde(skip)]
    pub words: SynthWords,
}

/// The words a report uses for a synthetic control's outcome and periods.
#[derive(Debug, Clone, Default)]
pub struct SynthWords {
    /// The outcome's label, e.g. "Accidental dwelling fires per 100,000 people".
    pub outcome_label: String,
    /// The outcome's unit, e.g. "fires per 100,000".
    pub unit: Option<String>,
    /// The period column's name, e.g. "year".
    pub period: String,
}

/// Whether the treated unit can be reproduced by a convex combination of donors.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HullCheck {
    /// Pre-periods where the treated unit is above every donor.
    pub periods_above_all: usize,
    /// Pre-periods where it is below every donor.
    pub periods_below_all: usize,
    /// Judged outside the hull: some pre-period outside the donors' range, or a pre-
    /// period fit that is not good (`fit_ratio` above the rule).
    pub outside: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BalanceRow {
    pub predictor: String,
    pub treated: f64,
    pub synthetic: f64,
    pub donor_mean: f64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlaceboUnit {
    pub unit: String,
    pub pre_rmspe: f64,
    pub post_rmspe: f64,
    pub ratio: f64,
    pub gaps: Vec<f64>,
    /// Whether it counts towards the p-value (pre-RMSPE within the declared multiple).
    pub kept: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlaceboSpace {
    pub treated_ratio: f64,
    pub placebos: Vec<PlaceboUnit>,
    /// (1 + placebos with a ratio at least the treated's) / (1 + placebos kept).
    pub p_value: f64,
    /// The smallest p-value the kept placebos allow: 1 / (1 + kept).
    pub min_p_value: f64,
    /// The treated unit's rank among kept placebos and itself (1 = largest ratio).
    pub rank: usize,
    pub kept: usize,
    pub drop_over: Option<f64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PlaceboTime {
    pub period: f64,
    /// Mean gap between the fake date and the real one (should be near zero).
    pub mean_gap: f64,
    /// RMSPE after the fake date over RMSPE before it.
    pub ratio: f64,
    pub synthetic: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LeaveOneOut {
    pub dropped: String,
    pub effect: f64,
    pub pre_rmspe: f64,
    pub synthetic: Vec<f64>,
}

pub fn method_of(spec: &SynthSpec) -> Method {
    match spec.fit {
        SynthFitKind::OutcomeOnly => Method::OutcomeOnly,
        SynthFitKind::Nested => Method::Nested {
            starts: spec.starts,
            seed: spec.seed,
        },
        SynthFitKind::Augmented => Method::Augmented {
            lambda: spec.lambda,
        },
    }
}

/// Fits unit `treated` (an index into the panel) to the donors `donors`.
fn fit_unit(
    panel: &Panel,
    treated: usize,
    donors: &[usize],
    n_pre: usize,
    method: &Method,
) -> Result<Fit, SynthError> {
    let problem = Problem {
        treated: &panel.outcome[treated],
        donors: donors
            .iter()
            .map(|&d| panel.outcome[d].as_slice())
            .collect(),
        n_pre,
        treated_predictors: panel.predictors.iter().map(|(_, v)| v[treated]).collect(),
        donor_predictors: donors
            .iter()
            .map(|&d| panel.predictors.iter().map(|(_, v)| v[d]).collect())
            .collect(),
    };
    fit::fit(&problem, method)
}

fn rms(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), x| (s + x * x, n + 1));
    (sum / n as f64).sqrt()
}

fn gaps(series: &[f64], synthetic: &[f64]) -> Vec<f64> {
    series.iter().zip(synthetic).map(|(y, s)| y - s).collect()
}

/// Runs the fit and the three placebo analyses.
pub fn analyse(panel: &Panel, spec: &SynthSpec, outcome: &str) -> Result<SynthResult, SynthError> {
    let method = method_of(spec);
    let n_pre = panel.n_pre;
    let donors: Vec<usize> = (1..panel.units.len()).collect();
    let fit = fit_unit(panel, 0, &donors, n_pre, &method)?;
    let treated = &panel.outcome[0];
    let gap = gaps(treated, &fit.synthetic);
    let pre_rmspe = rms(gap[..n_pre].iter().copied());
    let post_rmspe = rms(gap[n_pre..].iter().copied());
    let effect = gap[n_pre..].iter().sum::<f64>() / (gap.len() - n_pre) as f64;
    let pre_mean = treated[..n_pre].iter().sum::<f64>() / n_pre as f64;
    let pre_sd = rms(treated[..n_pre].iter().map(|y| y - pre_mean));
    let fit_ratio = pre_rmspe / pre_sd;

    let mut above = 0;
    let mut below = 0;
    for (t, y) in treated.iter().enumerate().take(n_pre) {
        let donor_values = donors.iter().map(|&d| panel.outcome[d][t]);
        let max = donor_values.clone().fold(f64::NEG_INFINITY, f64::max);
        let min = donor_values.fold(f64::INFINITY, f64::min);
        if *y > max {
            above += 1;
        }
        if *y < min {
            below += 1;
        }
    }
    let convex_hull = HullCheck {
        periods_above_all: above,
        periods_below_all: below,
        outside: above + below > 0 || fit_ratio > spec.good_fit_ratio,
    };

    let weights = fit.augmented_weights.as_ref().unwrap_or(&fit.weights);
    let mut balance: Vec<BalanceRow> = panel
        .predictors
        .iter()
        .map(|(name, values)| BalanceRow {
            predictor: name.clone(),
            treated: values[0],
            synthetic: donors
                .iter()
                .zip(weights)
                .map(|(&d, w)| w * values[d])
                .sum(),
            donor_mean: donors.iter().map(|&d| values[d]).sum::<f64>() / donors.len() as f64,
        })
        .collect();
    let pre_means: Vec<f64> = panel
        .outcome
        .iter()
        .map(|s| s[..n_pre].iter().sum::<f64>() / n_pre as f64)
        .collect();
    balance.push(BalanceRow {
        predictor: format!("{outcome}, pre-period mean"),
        treated: pre_means[0],
        synthetic: donors
            .iter()
            .zip(weights)
            .map(|(&d, w)| w * pre_means[d])
            .sum(),
        donor_mean: donors.iter().map(|&d| pre_means[d]).sum::<f64>() / donors.len() as f64,
    });

    let placebo_space = placebo_in_space(panel, &method, pre_rmspe, post_rmspe, spec)?;
    let placebo_time = placebo_in_time(panel, &method, spec)?;
    let leave_one_out = leave_one_out(panel, &method, &fit)?;
    let lambda_table = match (&method, fit.lambda_cross_validated) {
        (Method::Augmented { .. }, true) => {
            let problem = Problem {
                treated,
                donors: donors
                    .iter()
                    .map(|&d| panel.outcome[d].as_slice())
                    .collect(),
                n_pre,
                treated_predictors: Vec::new(),
                donor_predictors: Vec::new(),
            };
            fit::cross_validated_lambda(&problem)?.1
        }
        _ => Vec::new(),
    };
    Ok(SynthResult {
        method: method.name(),
        treated: panel.units[0].clone(),
        donors: panel.units[1..].to_vec(),
        periods: panel.periods.clone(),
        treatment_period: spec.treatment_period,
        n_pre,
        outcome: outcome.to_string(),
        words: SynthWords {
            outcome_label: outcome.to_string(),
            unit: None,
            period: spec.period.clone(),
        },
        treated_series: treated.clone(),
        fit,
        gaps: gap,
        effect,
        pre_rmspe,
        post_rmspe,
        pre_sd,
        fit_ratio,
        convex_hull,
        balance,
        placebo_space,
        placebo_time,
        leave_one_out,
        lambda_table,
        not_donors: panel.not_donors.clone(),
    })
}

/// Each donor in turn treated as if it had adopted the intervention, fitted to the
/// other donors (the treated unit never enters a placebo's pool), in parallel.
fn placebo_in_space(
    panel: &Panel,
    method: &Method,
    pre_rmspe: f64,
    post_rmspe: f64,
    spec: &SynthSpec,
) -> Result<PlaceboSpace, SynthError> {
    let n_pre = panel.n_pre;
    let units = panel.units.len();
    let mut placebos: Vec<PlaceboUnit> = (1..units)
        .into_par_iter()
        .map(|placebo| {
            let pool: Vec<usize> = (1..units).filter(|&d| d != placebo).collect();
            let fit = fit_unit(panel, placebo, &pool, n_pre, method)?;
            let gap = gaps(&panel.outcome[placebo], &fit.synthetic);
            let pre = rms(gap[..n_pre].iter().copied());
            let post = rms(gap[n_pre..].iter().copied());
            Ok(PlaceboUnit {
                unit: panel.units[placebo].clone(),
                pre_rmspe: pre,
                post_rmspe: post,
                ratio: post / pre,
                gaps: gap,
                kept: true,
            })
        })
        .collect::<Result<_, SynthError>>()?;
    if let Some(k) = spec.drop_placebos_over {
        for p in &mut placebos {
            p.kept = p.pre_rmspe <= k * pre_rmspe;
        }
    }
    let treated_ratio = post_rmspe / pre_rmspe;
    let kept = placebos.iter().filter(|p| p.kept).count();
    let as_extreme = placebos
        .iter()
        .filter(|p| p.kept && p.ratio >= treated_ratio)
        .count();
    Ok(PlaceboSpace {
        treated_ratio,
        p_value: (1 + as_extreme) as f64 / (1 + kept) as f64,
        min_p_value: 1.0 / (1 + kept) as f64,
        rank: 1 + as_extreme,
        kept,
        drop_over: spec.drop_placebos_over,
        placebos,
    })
}

/// The fit repeated as if the intervention had started at a pre-period date, using
/// only the periods before the real one: a good design shows no gap at the fake date.
/// Predictors averaged over periods after the fake date would leak, so the nested
/// fit's placebo in time is an outcome-only fit; the others keep their method.
fn placebo_in_time(
    panel: &Panel,
    method: &Method,
    spec: &SynthSpec,
) -> Result<Option<PlaceboTime>, SynthError> {
    let n_pre = panel.n_pre;
    let fake = match spec.placebo_period {
        Some(period) => {
            let index = panel.periods[..n_pre].iter().position(|t| *t == period);
            match index {
                Some(i) if i >= MIN_PRE_PERIODS - 2 && i < n_pre => i,
                _ => {
                    return Err(SynthError::PlaceboPeriod {
                        period,
                        minimum: MIN_PRE_PERIODS - 2,
                    });
                }
            }
        }
        None => n_pre / 2,
    };
    if fake < 3 {
        return Ok(None);
    }
    let method = match method {
        Method::Nested { .. } => Method::OutcomeOnly,
        other => other.clone(),
    };
    let truncated = Panel {
        units: panel.units.clone(),
        periods: panel.periods[..n_pre].to_vec(),
        outcome: panel.outcome.iter().map(|s| s[..n_pre].to_vec()).collect(),
        n_pre: fake,
        predictors: Vec::new(),
        not_donors: Vec::new(),
    };
    let donors: Vec<usize> = (1..panel.units.len()).collect();
    let fit = fit_unit(&truncated, 0, &donors, fake, &method)?;
    let gap = gaps(&truncated.outcome[0], &fit.synthetic);
    let before = rms(gap[..fake].iter().copied());
    let after = rms(gap[fake..].iter().copied());
    Ok(Some(PlaceboTime {
        period: panel.periods[fake],
        mean_gap: gap[fake..].iter().sum::<f64>() / (n_pre - fake) as f64,
        ratio: after / before,
        synthetic: fit.synthetic,
    }))
}

/// The fit repeated without each donor whose weight is positive.
fn leave_one_out(
    panel: &Panel,
    method: &Method,
    fit: &Fit,
) -> Result<Vec<LeaveOneOut>, SynthError> {
    let n_pre = panel.n_pre;
    let units = panel.units.len();
    if units - 1 <= MIN_DONORS {
        return Ok(Vec::new());
    }
    let used: Vec<usize> = fit
        .weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > POSITIVE_WEIGHT)
        .map(|(i, _)| i + 1)
        .collect();
    used.into_par_iter()
        .map(|dropped| {
            let pool: Vec<usize> = (1..units).filter(|&d| d != dropped).collect();
            let refit = fit_unit(panel, 0, &pool, n_pre, method)?;
            let gap = gaps(&panel.outcome[0], &refit.synthetic);
            Ok(LeaveOneOut {
                dropped: panel.units[dropped].clone(),
                effect: gap[n_pre..].iter().sum::<f64>() / (gap.len() - n_pre) as f64,
                pre_rmspe: rms(gap[..n_pre].iter().copied()),
                synthetic: refit.synthetic,
            })
        })
        .collect()
}

/// The analyse stage of a synthetic-control spec: reads and checks the panel, then
/// fits and runs the placebos. `None` for other designs.
pub fn analyse_plan(plan: &crate::spec::Plan) -> Result<Option<SynthResult>, SynthError> {
    let crate::spec::Design::SyntheticControl {
        settings,
        panel,
        outcome,
    } = &plan.design
    else {
        return Ok(None);
    };
    let data = panel::read(panel, settings, outcome)?;
    analyse(&data, settings, outcome).map(Some)
}
