//! Checks of `evidence` that concern the grade: the evidence significance level, the
//! graded arm of a multi-arm trial, and warnings that say when the target level
//! cannot be reached, each agreeing with the rule of the grade stage that would stop it
//! (src/evidence). Problems and warnings are located at `evidence.<key>`.

use super::{Checker, Design};
use crate::spec::{DesignKind, Direction, OutcomeRole};
use crate::stats::estimate::Alternative;

impl Checker<'_> {
    pub(super) fn check_grading(&mut self, design: Option<&Design>) {
        let spec = &self.file.spec;
        let evidence = &spec.evidence;
        let alpha = evidence.thresholds.alpha;
        if !(alpha > 0.0 && alpha <= 0.5) {
            self.problem(
                "evidence.thresholds.alpha",
                format!("the evidence significance level {alpha} is outside (0, 0.5]"),
            );
        }
        let Some(design) = design else { return };
        self.check_graded_arm(design);
        if let Some(analysis) = &spec.analysis {
            if (analysis.alpha - alpha).abs() > 1e-12 {
                self.warn(
                    "analysis.alpha",
                    format!(
                        "analysis.alpha is {} but the grade judges significance two-sided at evidence.thresholds.alpha = {alpha}: the report's intervals and the grade use different levels",
                        analysis.alpha
                    ),
                );
            }
            if analysis.alternative != Alternative::TwoSided {
                let primary = spec
                    .outcomes
                    .iter()
                    .find(|o| o.role == OutcomeRole::Primary);
                let against = primary.is_some_and(|o| {
                    matches!(
                        (analysis.alternative, o.better),
                        (Alternative::Less, Direction::Higher)
                            | (Alternative::Greater, Direction::Lower)
                    )
                });
                if against {
                    self.warn(
                        "analysis.alternative",
                        "the one-sided alternative points against the primary outcome's `better` direction: it tests for harm, not benefit",
                    );
                } else {
                    self.warn(
                        "analysis.alternative",
                        "the analysis is one-sided; the grade recomputes the primary p-value two-sided (evidence.thresholds.alpha)",
                    );
                }
            }
        }
        let target = evidence.target_level;
        if !(1..=5).contains(&target) {
            return;
        }
        let kind = design.kind();
        // A synthetic control reads its panel from design.synthetic_control.file.
        let without_data = spec.analysis.is_none() && kind != DesignKind::SyntheticControl;
        let ceiling = if without_data {
            1
        } else {
            match kind {
                DesignKind::Descriptive => 1,
                DesignKind::BeforeAfter => 2,
                DesignKind::InterruptedTimeSeries
                    if spec
                        .design
                        .interrupted_time_series
                        .as_ref()
                        .is_some_and(|s| s.control.is_some()) =>
                {
                    3
                }
                DesignKind::InterruptedTimeSeries => 2,
                DesignKind::DifferenceInDifferences => 3,
                DesignKind::StaggeredRollout => 3,
                _ => 5,
            }
        };
        if target > ceiling {
            let why = if without_data {
                "without analysis data only level 1 (a convincing account of why it should work) can be assessed".to_string()
            } else if kind == DesignKind::Descriptive {
                "a descriptive design measures participants once, so it cannot show change (level 2) or cause (level 3); measure the outcome before as well, or add a comparison group".to_string()
            } else if kind == DesignKind::StaggeredRollout {
                "a staggered roll-out compares cohorts over time, which supports cause (level 3) when pre-trends are parallel, but levels 4 and 5 need a randomised design or replication".to_string()
            } else {
                format!(
                    "a {} has no comparison group, so it can show change (level 2) but not cause",
                    kind.label()
                )
            };
            self.warn(
                "evidence.target_level",
                format!("target level {target} cannot be reached: {why}"),
            );
            return;
        }
        if target >= 3 && kind.is_randomised() {
            let counted = spec.design.units.as_ref().is_some_and(|u| u.arm.is_some())
                || spec.design.assignment.is_some();
            if !counted {
                self.warn(
                    "evidence.target_level",
                    format!(
                        "target level {target} cannot be reached: without allocation counts (design.units with its arm column, or design.assignment) attrition cannot be assessed, and level 3 needs it"
                    ),
                );
            }
        }
        if target >= 3 && kind == DesignKind::MatchedComparison {
            let baseline = spec
                .analysis
                .as_ref()
                .is_some_and(|a| !a.covariates.is_empty())
                || spec.outcomes.iter().any(|o| o.baseline.is_some());
            if !baseline {
                self.warn(
                    "evidence.target_level",
                    format!(
                        "target level {target} cannot be reached: a matched comparison must show baseline equivalence, and no baseline covariate is declared (analysis.covariates, or an outcome's baseline)"
                    ),
                );
            }
        }
        if target >= 4 && evidence.independent_evaluations.is_empty() {
            self.warn(
                "evidence.target_level",
                format!("target level {target} needs at least one independent evaluation in evidence.independent_evaluations"),
            );
        }
    }

    fn check_graded_arm(&mut self, design: &Design) {
        let graded = self.file.spec.evidence.graded_arm.as_ref();
        let Some((arms, control)) = design.arms() else {
            if graded.is_some() {
                self.problem(
                    "evidence.graded_arm",
                    format!("a {} has no arms to grade", design.kind().label()),
                );
            }
            return;
        };
        match graded {
            Some(name) => match arms.iter().position(|a| &a.name == name) {
                None => {
                    let names: Vec<String> = arms.iter().map(|a| a.name.clone()).collect();
                    let hint = crate::spec::did_you_mean(name, &names)
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    self.problem(
                        "evidence.graded_arm",
                        format!("`{name}` is not one of the arms{hint}"),
                    );
                }
                Some(i) if i == control => self.problem(
                    "evidence.graded_arm",
                    format!("`{name}` is the control arm; name the treatment arm whose contrast with it is graded"),
                ),
                Some(_) => {}
            },
            None if arms.len() > 2 && self.file.spec.analysis.is_some() => self.warn(
                "evidence.graded_arm",
                "several treatment arms and no evidence.graded_arm: every treatment-versus-control contrast is graded and the lowest level is reported",
            ),
            None => {}
        }
    }
}
