//! Checks of `analysis.equivalence` and `analysis.non_inferiority`: margins of the
//! right sign on declared outcomes of a randomised trial, each outcome under at most
//! one of the two; turned into the two one-sided tests' margins (`stats::htest::Margins`)
//! with a non-inferiority margin pointed by the outcome's `better`. And of
//! `analysis.attrition_bounds`, the other declared addition to a trial's comparisons.

use std::collections::BTreeMap;

use super::Checker;
use crate::spec::{
    AnalysisSpec, BoundsWhen, DesignKind, Direction, EquivalenceMargin, OutcomeType, SubgroupSpec,
};
use crate::stats::htest::Margins;

impl Checker<'_> {
    pub(super) fn check_margins(
        &mut self,
        spec: &AnalysisSpec,
        kind: DesignKind,
    ) -> BTreeMap<String, Margins> {
        let mut margins = BTreeMap::new();
        if spec.equivalence.is_empty() && spec.non_inferiority.is_empty() {
            return margins;
        }
        if !matches!(kind, DesignKind::Rct | DesignKind::ClusterRct) {
            let key = if spec.equivalence.is_empty() {
                "analysis.non_inferiority"
            } else {
                "analysis.equivalence"
            };
            self.problem(
                key,
                format!(
                    "equivalence and non-inferiority are tested on a randomised trial's comparison of arms, which a {} does not have; they are for rct and cluster_rct designs",
                    kind.label()
                ),
            );
            return margins;
        }
        let outcome_of = |name: &str| {
            self.file
                .spec
                .outcomes
                .iter()
                .find(|o| o.name == name)
                .map(|o| (o.better, o.outcome_type))
        };
        let better = |name: &str| outcome_of(name).map(|(better, _)| better);
        let binary = |name: &str| matches!(outcome_of(name), Some((_, OutcomeType::Binary)));
        let mut checked = Vec::new();
        for (outcome, margin) in &spec.equivalence {
            let path = format!("analysis.equivalence.{outcome}");
            if better(outcome).is_none() {
                checked.push((outcome, path, Err(unknown_outcome(outcome))));
                continue;
            }
            let largest = match *margin {
                EquivalenceMargin::Symmetric(m) => m.abs(),
                EquivalenceMargin::Bounds { low, high } => low.abs().max(high.abs()),
            };
            if binary(outcome) && largest >= 1.0 {
                checked.push((outcome, path, Err(binary_scale(largest))));
                continue;
            }
            let result = match *margin {
                EquivalenceMargin::Symmetric(m) if m.is_finite() && m > 0.0 => {
                    Ok(Margins::symmetric(m))
                }
                EquivalenceMargin::Symmetric(m) => Err(format!(
                    "the margin is {m}; it must be a positive number m, for the interval (−m, m)"
                )),
                EquivalenceMargin::Bounds { low, high }
                    if low.is_finite() && high.is_finite() && low < 0.0 && high > 0.0 =>
                {
                    Ok(Margins {
                        low: Some(low),
                        high: Some(high),
                    })
                }
                EquivalenceMargin::Bounds { low, high } => Err(format!(
                    "the bounds are ({low}, {high}); an equivalence interval must hold no difference: low below 0 and high above 0"
                )),
            };
            checked.push((outcome, path, result));
        }
        for (outcome, &m) in &spec.non_inferiority {
            let path = format!("analysis.non_inferiority.{outcome}");
            let result = match better(outcome) {
                None => Err(unknown_outcome(outcome)),
                Some(_) if spec.equivalence.contains_key(outcome) => Err(format!(
                    "`{outcome}` has an equivalence margin too; an outcome is tested for one of the two"
                )),
                Some(_) if !(m.is_finite() && m > 0.0) => Err(format!(
                    "the margin is {m}; it must be a positive number: how much worse than the control the treated arm may be"
                )),
                Some(_) if binary(outcome) && m >= 1.0 => Err(binary_scale(m)),
                Some(Direction::Higher) => Ok(Margins {
                    low: Some(-m),
                    high: None,
                }),
                Some(Direction::Lower) => Ok(Margins {
                    low: None,
                    high: Some(m),
                }),
            };
            checked.push((outcome, path, result));
        }
        for (outcome, path, result) in checked {
            match result {
                Ok(m) => {
                    margins.insert(outcome.clone(), m);
                }
                Err(message) => self.problem(path, message),
            }
        }
        margins
    }
}

impl Checker<'_> {
    /// `analysis.attrition_bounds`: for randomised trials of individuals; ranges on
    /// declared continuous outcomes, low below high. Absent: the default (bounds when
    /// attrition is high) on an rct, nothing on other designs.
    pub(super) fn check_attrition_bounds(
        &mut self,
        spec: &AnalysisSpec,
        kind: DesignKind,
    ) -> Option<AttritionBoundsPlan> {
        let declared = spec.attrition_bounds.as_ref();
        if kind != DesignKind::Rct {
            if declared.is_some_and(|d| d.when != BoundsWhen::Never) {
                self.problem(
                    "analysis.attrition_bounds",
                    format!(
                        "attrition bounds trim or fill in the missing outcomes of a randomised trial of individuals, not a {}; they are for rct designs",
                        kind.label()
                    ),
                );
            }
            return None;
        }
        let declared = declared.cloned().unwrap_or_default();
        if declared.when == BoundsWhen::Never {
            return None;
        }
        let mut ranges = BTreeMap::new();
        for (outcome, &[low, high]) in &declared.ranges {
            let path = format!("analysis.attrition_bounds.ranges.{outcome}");
            match self.file.spec.outcomes.iter().find(|o| &o.name == outcome) {
                None => self.problem(path, unknown_outcome(outcome)),
                Some(o) if o.outcome_type == OutcomeType::Binary => self.problem(
                    path,
                    format!("`{outcome}` is binary: its range is 0 to 1 without declaring it"),
                ),
                Some(_) if !(low.is_finite() && high.is_finite() && low < high) => self.problem(
                    path,
                    format!("the range is [{low}, {high}]; give [low, high] with low below high"),
                ),
                Some(_) => {
                    ranges.insert(outcome.clone(), [low, high]);
                }
            }
        }
        Some(AttritionBoundsPlan {
            always: declared.when == BoundsWhen::Always,
            ranges,
        })
    }
}

impl Checker<'_> {
    /// `analysis.subgroups`: randomised trials only; columns of the analysis data
    /// (when it exists yet) other than the outcomes and the treatment, each once.
    pub(super) fn check_subgroups(
        &mut self,
        spec: &AnalysisSpec,
        kind: DesignKind,
        header: Option<&Vec<String>>,
        data: &std::path::Path,
    ) -> Vec<crate::analysis::subgroups::SubgroupPlan> {
        if spec.subgroups.is_empty() {
            return Vec::new();
        }
        if !matches!(kind, DesignKind::Rct | DesignKind::ClusterRct) {
            self.problem(
                "analysis.subgroups",
                format!(
                    "subgroup effects compare the arms of a randomised trial within each subgroup, which a {} does not have; they are for rct and cluster_rct designs",
                    kind.label()
                ),
            );
            return Vec::new();
        }
        let mut plans: Vec<crate::analysis::subgroups::SubgroupPlan> = Vec::new();
        for (i, subgroup) in spec.subgroups.iter().enumerate() {
            let (column, preregistered) = match subgroup {
                SubgroupSpec::Column(c) => (c, false),
                SubgroupSpec::Declared {
                    column,
                    preregistered,
                } => (column, *preregistered),
            };
            let path = format!("analysis.subgroups[{i}]");
            if self.file.spec.outcomes.iter().any(|o| &o.name == column)
                || spec.treatment.as_ref() == Some(column)
            {
                self.problem(
                    path,
                    format!("`{column}` is an outcome or the treatment column; a subgroup is a baseline characteristic"),
                );
                continue;
            }
            if plans.iter().any(|p| &p.column == column) {
                self.problem(path, format!("`{column}` is listed twice"));
                continue;
            }
            if let Some(header) = header {
                self.require_column(header, column, data, &path);
            }
            plans.push(crate::analysis::subgroups::SubgroupPlan {
                column: column.clone(),
                preregistered,
            });
        }
        plans
    }
}

impl Checker<'_> {
    /// `analysis.fixed_effects`: randomised trials whose estimators include
    /// `regression_adjusted` (not `lin`, not with `received`); columns of the analysis
    /// data other than the outcomes, covariates and treatment, each once.
    pub(super) fn check_fixed_effects(
        &mut self,
        spec: &AnalysisSpec,
        kind: DesignKind,
        estimators: &[crate::spec::EstimatorKind],
        header: Option<&Vec<String>>,
        data: &std::path::Path,
    ) -> Vec<String> {
        use crate::spec::EstimatorKind;
        if spec.fixed_effects.is_empty() {
            return Vec::new();
        }
        let refuse = |checker: &mut Self, message: String| {
            checker.problem("analysis.fixed_effects", message);
            Vec::new()
        };
        if !matches!(kind, DesignKind::Rct | DesignKind::ClusterRct) {
            return refuse(
                self,
                format!(
                    "absorbed fixed effects are for the regression estimators of rct and cluster_rct designs, not a {}",
                    kind.label()
                ),
            );
        }
        if estimators.contains(&EstimatorKind::Lin) {
            return refuse(
                self,
                "Lin's estimator with absorbed fixed effects is not supported: use regression_adjusted".into(),
            );
        }
        if !estimators.contains(&EstimatorKind::RegressionAdjusted) {
            return refuse(
                self,
                "fixed effects are absorbed by the regression_adjusted estimator: add it to analysis.estimators".into(),
            );
        }
        if spec.received.is_some() {
            return refuse(
                self,
                "the complier effect (analysis.received) does not absorb fixed effects yet: remove one of the two".into(),
            );
        }
        let mut columns: Vec<String> = Vec::new();
        for (i, column) in spec.fixed_effects.iter().enumerate() {
            let path = format!("analysis.fixed_effects[{i}]");
            let taken = self.file.spec.outcomes.iter().any(|o| &o.name == column)
                || spec.covariates.contains(column)
                || spec.treatment.as_ref() == Some(column);
            if taken {
                self.problem(
                    path,
                    format!("`{column}` is an outcome, a covariate or the treatment column; fixed effects need a column of their own"),
                );
                continue;
            }
            if columns.contains(column) {
                self.problem(path, format!("`{column}` is listed twice"));
                continue;
            }
            if let Some(header) = header {
                self.require_column(header, column, data, &path);
            }
            columns.push(column.clone());
        }
        columns
    }
}

/// `analysis.attrition_bounds`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct AttritionBoundsPlan {
    /// Computed for every comparison, not only those whose attrition is high.
    pub always: bool,
    /// Declared ranges of continuous outcomes, for Horowitz–Manski bounds.
    pub ranges: BTreeMap<String, [f64; 2]>,
}

fn binary_scale(margin: f64) -> String {
    format!(
        "the margin is {margin}; a binary outcome's margin is a difference of proportions, below 1 (0.05 for 5 percentage points)"
    )
}

fn unknown_outcome(outcome: &str) -> String {
    format!("`{outcome}` is not one of the spec's outcomes (outcomes[].name)")
}
