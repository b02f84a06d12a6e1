//! Checks of `design.power`: the block resolves into one analytic question whose
//! quantities fit together, and that question has an answer. Problems are located at
//! `design.power.<key>`.

use super::{Checker, Design};
use crate::power::Unknown;
use crate::power::plan::{PowerPlan, answer, budget_plan, interim_plan, resolve};
use crate::spec::{DesignKind, EstimatorKind, PowerFamily};

impl Checker<'_> {
    pub(super) fn check_power(
        &mut self,
        design: Option<&Design>,
        estimator: Option<EstimatorKind>,
    ) -> Option<PowerPlan> {
        let spec = self.file.spec.design.power.as_ref()?;
        if !self.power_family_fits_design(spec.test) {
            return None;
        }
        let arm_shares = design
            .and_then(|d| d.arms())
            .filter(|(arms, _)| arms.len() == 2)
            .map(|(arms, control)| (arms[control].share, arms[1 - control].share));
        let steps = match design {
            Some(Design::SteppedWedge(settings)) => Some(settings.steps),
            _ => None,
        };
        match resolve(spec, arm_shares, estimator, steps) {
            Ok(plan) => {
                let answers = match answer(&plan.question) {
                    Ok(answers) => answers,
                    Err(e) => {
                        self.problem(
                            "design.power",
                            format!("the planning question has no answer: {e}"),
                        );
                        return None;
                    }
                };
                if let Some(looks) = &plan.interim
                    && let Err(e) = interim_plan(&plan.question, &answers[0], looks)
                {
                    self.problem("design.power.interim.looks", e.to_string());
                    return None;
                }
                if let Some((total, costs)) = plan.budget {
                    let first = &answers[0];
                    let power = if first.solved_for == Unknown::Power {
                        0.8
                    } else {
                        first.power
                    };
                    if let Err(e) = budget_plan(&plan.question, first, total, costs, power) {
                        self.problem("design.power.budget.total", e.to_string());
                        return None;
                    }
                }
                if let Some(sim) = &plan.simulation
                    && sim.design.estimator.adjusts()
                    && sim.design.covariate_r == 0.0
                {
                    self.warn(
                        "design.power.simulation.covariate_correlation",
                        "the simulated covariate is unrelated to the outcome (correlation 0), so adjusting for it cannot gain precision",
                    );
                }
                Some(plan)
            }
            Err(problems) => {
                for (field, message) in problems {
                    self.problem(format!("design.power.{field}"), message);
                }
                None
            }
        }
    }
}

impl Checker<'_> {
    /// A regression discontinuity is planned with its own family and only it: a
    /// randomised family would understate the variance by the design effect.
    fn power_family_fits_design(&mut self, family: PowerFamily) -> bool {
        let kind = self.file.spec.design.kind;
        let rd_design = kind == DesignKind::RegressionDiscontinuity;
        let rd_family = family == PowerFamily::RegressionDiscontinuity;
        if rd_design && !rd_family {
            self.problem(
                "design.power.test",
                "a regression_discontinuity is planned with test \"regression_discontinuity\" (a randomised trial's answer inflated by the design effect 1/(1 − ρ²)); a randomised family would overstate its power",
            );
            return false;
        }
        if rd_family && !rd_design {
            self.problem(
                "design.power.test",
                format!(
                    "test \"regression_discontinuity\" plans a regression_discontinuity design, not a {}",
                    kind.label()
                ),
            );
            return false;
        }
        true
    }
}
