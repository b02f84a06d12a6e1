//! Equivalence and non-inferiority (`analysis.equivalence`, `analysis.non_inferiority`):
//! beside each treated arm's headline comparison, two one-sided tests of the declared
//! margins on that comparison's own estimate, standard error and degrees of freedom
//! (`stats::htest::tost_estimate`), so the test follows the design as the estimate does:
//! Welch's TOST for an unadjusted two-arm difference in means, the blocked or CR2
//! variance where the design has blocks or clusters, the adjusted estimate when
//! covariates are declared.
//!
//! In: the outcomes' comparisons, the margins by outcome, the headline estimator and
//! alpha. Out: an [`EquivalenceTest`] per treated arm in each outcome with a margin.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{AnalysisError, OutcomeResult};
use crate::report::format::{Scale, significant};
use crate::spec::EstimatorKind;
use crate::stats::htest::{Margins, Tost, TostHypothesis, TostOptions, Verdict, tost_estimate};

/// The equivalence or non-inferiority test of one treated arm against the control.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EquivalenceTest {
    /// "treatment vs control", as the comparison it reads.
    pub contrast: String,
    /// The headline estimator whose estimate is tested.
    pub estimator: EstimatorKind,
    pub treated: String,
    pub control: String,
    /// The one-sided tests, the TOST p-value, the 1 − 2α interval and the verdict.
    pub test: Tost,
    /// The verdict in a sentence, e.g. "treatment is no worse than control by more
    /// than 2 minutes".
    pub sentence: String,
}

/// Adds the tests of every outcome with a margin.
///
/// # Errors
/// [`AnalysisError::Equivalence`] when a comparison's standard error is zero or not
/// finite (an outcome constant in both arms), naming the outcome.
pub(super) fn test_outcomes(
    outcomes: &mut [OutcomeResult],
    margins: &BTreeMap<String, Margins>,
    headline: EstimatorKind,
    alpha: f64,
) -> Result<(), AnalysisError> {
    for outcome in outcomes {
        let Some(&margins) = margins.get(&outcome.outcome) else {
            continue;
        };
        let options = TostOptions {
            margins,
            alpha,
            mu: 0.0,
            unit: outcome.unit.clone(),
        };
        let mut tests = Vec::new();
        for c in outcome
            .comparisons
            .iter()
            .filter(|c| c.estimator == headline)
        {
            let e = &c.estimate;
            let test =
                tost_estimate(e.estimate, e.std_error, e.df, &options).map_err(|source| {
                    AnalysisError::Equivalence {
                        outcome: outcome.outcome.clone(),
                        contrast: c.contrast.clone(),
                        source,
                    }
                })?;
            let control = c.groups.first().map(|g| g.name.clone()).unwrap_or_default();
            let treated = c.groups.get(1).map(|g| g.name.clone()).unwrap_or_default();
            let scale = Scale::of_result(outcome);
            let sentence = sentence(&test, &treated, &control, scale);
            tests.push(EquivalenceTest {
                contrast: c.contrast.clone(),
                estimator: c.estimator,
                treated,
                control,
                test,
                sentence,
            });
        }
        outcome.equivalence = tests;
    }
    Ok(())
}

/// "treatment is no worse than control by more than 2 minutes", "treatment and
/// control are equivalent within ±2 minutes", or what was not shown; margins of a
/// binary outcome in percentage points.
pub(crate) fn sentence(test: &Tost, treated: &str, control: &str, scale: Scale) -> String {
    let unit = scale.difference_unit();
    let number = |x: f64| significant(scale.factor() * x, 4);
    let shown = test.verdict != Verdict::NotShown;
    match (test.hypothesis, test.margins.low, test.margins.high) {
        (TostHypothesis::Equivalence, Some(low), Some(high)) => {
            let within = if low == -high {
                format!("within ±{}{unit}", number(high))
            } else {
                format!(
                    "within {}{unit} to {}{unit} (a difference between those bounds counts as none)",
                    number(low),
                    number(high)
                )
            };
            if shown {
                format!("{treated} and {control} are equivalent {within}")
            } else {
                format!("equivalence of {treated} and {control} {within} is not shown")
            }
        }
        (_, low, high) => {
            let by = low.map(|l| -l).or(high).unwrap_or(f64::NAN);
            let claim = format!(
                "{treated} is no worse than {control} by more than {}{unit}",
                number(by)
            );
            if shown {
                claim
            } else {
                format!("that {claim} is not shown")
            }
        }
    }
}
