//! Why a staggered roll-out cannot be analysed as given. Every message names the
//! rows, units or cohorts at fault and says what to change, so nothing is estimated
//! silently from a smaller comparison than the one asked for.

use crate::data::periods::{Frequency, PeriodName};

/// A panel or setting the staggered analysis refuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StaggeredError {
    #[error("the panel is empty: no rows to analyse")]
    Empty,
    #[error("the panel columns have different lengths ({what})")]
    LengthMismatch { what: String },
    #[error(
        "unit {unit} appears more than once in {period} (rows {rows}); each unit-period must be one row"
    )]
    DuplicateUnitPeriod {
        unit: String,
        period: PeriodName,
        rows: String,
    },
    #[error(
        "the panel is not balanced: {missing} unit-periods are missing, first unit {unit} in {period}; every unit needs a row in every period"
    )]
    Unbalanced {
        missing: usize,
        unit: String,
        period: PeriodName,
    },
    #[error("the outcome is missing or not finite for unit {unit} in {period} (row {row})")]
    MissingOutcome {
        unit: String,
        period: PeriodName,
        row: usize,
    },
    #[error(
        "the first-treatment period changes over time within {count} unit(s) ({units}); it must be constant per unit"
    )]
    InconsistentTiming { count: usize, units: String },
    #[error(
        "treatment switches off again in {count} unit(s) ({units}): staggered roll-out needs absorbing treatment (once treated, always treated), which is not what these data show"
    )]
    SwitchesOff { count: usize, units: String },
    #[error("the treatment indicator must be 0 or 1, got {value} for unit {unit} in {period}")]
    NotZeroOne {
        unit: String,
        period: PeriodName,
        value: f64,
    },
    #[error(
        "every unit is treated from the same period ({period}) and no unit is left untreated: there is no comparison, so no effect can be estimated"
    )]
    AllTreatedAtOnce { period: PeriodName },
    #[error("no unit is ever treated: there is no roll-out to analyse")]
    NoTreatedUnits,
    #[error(
        "the comparison group is never_treated but no unit is untreated through the last period ({last}); R did and csdid would silently compare against the last cohort instead. Use comparison: not_yet_treated, or add untreated units"
    )]
    NoNeverTreated { last: PeriodName },
    #[error(
        "cohort first treated in {cohort} has no pre-treatment period{anticipation} ({count} unit(s): {units}); its effect cannot be separated from where it started. Remove these units or start the panel earlier"
    )]
    NoPrePeriod {
        cohort: PeriodName,
        anticipation: String,
        count: usize,
        units: String,
    },
    #[error("{name} must be {rule}")]
    Setting { name: &'static str, rule: String },
    #[error("covariate {name} is missing or not finite for unit {unit} in {period} (row {row})")]
    MissingCovariate {
        name: String,
        unit: String,
        period: PeriodName,
        row: usize,
    },
    #[error(
        "covariate {name} changes over time within {count} unit(s) (first: unit {unit}, {rows}); Callaway-Sant'Anna conditions on each unit's covariates in the base period, so a covariate that moves after roll-out would be ignored or, if treatment moves it, bias the comparison (R did uses the base-period value without saying so: did issue #71). Give a value fixed per unit (for example before roll-out), or set design.staggered.time_varying_covariates to base_period to use the base-period value knowingly"
    )]
    TimeVaryingCovariate {
        name: String,
        count: usize,
        unit: String,
        rows: String,
    },
}

impl StaggeredError {
    /// The error with its periods named by their dates (periods numbered so that
    /// date index − `offset` = period number).
    pub fn dated(mut self, offset: i64, frequency: Frequency) -> StaggeredError {
        match &mut self {
            StaggeredError::DuplicateUnitPeriod { period, .. }
            | StaggeredError::Unbalanced { period, .. }
            | StaggeredError::MissingOutcome { period, .. }
            | StaggeredError::NotZeroOne { period, .. }
            | StaggeredError::AllTreatedAtOnce { period }
            | StaggeredError::MissingCovariate { period, .. }
            | StaggeredError::NoNeverTreated { last: period }
            | StaggeredError::NoPrePeriod { cohort: period, .. } => period.dated(offset, frequency),
            _ => {}
        }
        self
    }
}

/// Up to five names, then "and N more", so a message stays one line.
pub(crate) fn list_some<T: std::fmt::Display>(items: &[T]) -> String {
    const SHOWN: usize = 5;
    let mut text = items
        .iter()
        .take(SHOWN)
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}
