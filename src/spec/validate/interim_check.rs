//! Checks of `analysis.interim`: a randomised trial whose plan declares interim looks
//! (`design.power.interim`), a look among the planned ones, and declared information
//! fractions that are one per look so far, increasing in (0, 1], and 1 exactly at the
//! final look. What needs the data (the analysed sample against the plan's maximum) is
//! checked by the analyse stage (`analysis::interim`).

use super::{AnalysisPlan, Checker, Design};
use crate::power::plan::PowerPlan;
use crate::spec::DesignKind;

/// `analysis.interim`, checked against the plan's looks.
#[derive(Debug, Clone, PartialEq)]
pub struct InterimLookPlan {
    /// 1 to the planned number of looks.
    pub look: usize,
    /// The declared information fractions of looks 1 to `look`; empty when not given.
    pub information: Vec<f64>,
}

impl Checker<'_> {
    pub(super) fn check_interim(
        &mut self,
        design: Option<&Design>,
        power: Option<&PowerPlan>,
        analysis: &AnalysisPlan,
    ) -> Option<InterimLookPlan> {
        let spec = self.file.spec.analysis.as_ref()?.interim.as_ref()?;
        let kind = design.map(Design::kind)?;
        if !matches!(kind, DesignKind::Rct | DesignKind::ClusterRct) {
            self.problem(
                "analysis.interim",
                format!(
                    "interim looks judge a randomised trial's comparison of arms against a group-sequential boundary, which a {} does not have; analysis.interim is for rct and cluster_rct designs",
                    kind.label()
                ),
            );
            return None;
        }
        let planned = match power {
            Some(power) => power.interim.as_ref(),
            // design.power is declared but has problems of its own, reported there.
            None if self.file.spec.design.power.is_some() => return None,
            None => None,
        };
        let Some(planned) = planned else {
            self.problem(
                "analysis.interim",
                "an interim analysis applies the boundary the trial planned: declare the looks in design.power.interim (the number of looks, their information fractions and the boundary)",
            );
            return None;
        };
        let primary = self.file.spec.outcomes.iter().find(|o| {
            o.role == crate::spec::OutcomeRole::Primary && analysis.margins.contains_key(&o.name)
        });
        if let Some(primary) = primary {
            self.problem(
                "analysis.interim",
                format!(
                    "the primary outcome `{}` has an equivalence or non-inferiority margin, but the planned boundaries stop early for efficacy (a difference from no effect); remove the margin or analysis.interim",
                    primary.name
                ),
            );
            return None;
        }
        let looks = planned.fractions.len();
        if !(1..=looks).contains(&spec.look) {
            self.problem(
                "analysis.interim.look",
                format!(
                    "look {} is not one of the {looks} looks design.power.interim plans: give 1 to {looks} ({looks} is the final analysis)",
                    spec.look
                ),
            );
            return None;
        }
        let information = &spec.information;
        if !information.is_empty() {
            let key = "analysis.interim.information";
            if information.len() != spec.look {
                self.problem(
                    key,
                    format!(
                        "give the information fraction of every look so far, this one included: look {} needs {} fractions, got {}",
                        spec.look,
                        spec.look,
                        information.len()
                    ),
                );
                return None;
            }
            let mut previous = 0.0;
            for (i, &t) in information.iter().enumerate() {
                if !(t.is_finite() && t > previous && t <= 1.0) {
                    self.problem(
                        format!("{key}[{i}]"),
                        format!(
                            "the information fractions must increase from look to look, above 0 and at most 1; got {t} after {previous}"
                        ),
                    );
                    return None;
                }
                previous = t;
            }
            let last = information[information.len() - 1];
            if spec.look == looks && last != 1.0 {
                self.problem(
                    format!("{key}[{}]", spec.look - 1),
                    format!(
                        "look {} is the final analysis, whose information fraction is 1 (it spends what is left of alpha); got {last}",
                        spec.look
                    ),
                );
                return None;
            }
            if spec.look < looks && last >= 1.0 {
                self.problem(
                    format!("{key}[{}]", spec.look - 1),
                    format!(
                        "look {} reaches the maximum information while {} more look(s) are planned: more looks than the information allows; analyse this as the final look ({looks})",
                        spec.look,
                        looks - spec.look
                    ),
                );
                return None;
            }
        }
        Some(InterimLookPlan {
            look: spec.look,
            information: information.clone(),
        })
    }
}
