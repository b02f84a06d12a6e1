//! Checks of `design.power`: the block resolves into one analytic question whose
//! quantities fit together, and that question has an answer. Problems are located at
//! `design.power.<key>`.

use super::{Checker, Design};
use crate::power::plan::{PowerPlan, answer, resolve};
use crate::spec::EstimatorKind;

impl Checker<'_> {
    pub(super) fn check_power(
        &mut self,
        design: Option<&Design>,
        estimator: Option<EstimatorKind>,
    ) -> Option<PowerPlan> {
        let spec = self.file.spec.design.power.as_ref()?;
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
                if let Err(e) = answer(&plan.question) {
                    self.problem(
                        "design.power",
                        format!("the planning question has no answer: {e}"),
                    );
                    return None;
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
