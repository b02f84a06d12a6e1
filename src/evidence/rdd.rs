//! Grading a regression discontinuity (evidence-rules.md, "Designs beyond RCT"): an RD
//! can reach Nesta level 3 (SMS 4) when the running variable shows no manipulation at
//! the cut-off (density test), the covariates are continuous there, and the estimate is
//! stable across reasonable bandwidths. Each check that fails, or could not be run,
//! holds the grade at level 2 (SMS 2) and is named, so the report can say which
//! diagnostic held the grade down. The effect is local to the cut-off whatever the grade.

use crate::designs::rdd::diagnostics::SensitivityRow;
use crate::designs::rdd::{DensityTest, RdError, RdEstimate};
use crate::report::format::{p_phrase, significant};

/// The rule as the report states it.
pub const RD_RULE: &str = "A regression discontinuity can reach Nesta level 3 (Maryland SMS 4) when the density test finds no manipulation of the running variable at the cut-off, no covariate jumps at the cut-off, and the estimate keeps its sign and stays inside the main robust confidence interval at 0.75 to 1.5 times the chosen bandwidth; otherwise it is held at level 2 (SMS 2). The effect is local to units near the cut-off.";

/// The highest grade the diagnostics allow and the reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct RdGrade {
    pub max_nesta_level: u8,
    pub max_sms: u8,
    /// Checks that passed, one sentence each.
    pub passed: Vec<String>,
    /// Checks that held the grade down, one sentence each (empty when none did).
    pub held_down_by: Vec<String>,
}

/// Grade an RD from its diagnostics. `alpha` is the significance level of the density
/// and continuity tests (0.05 by default in the spec).
pub fn grade_rd(
    main: &RdEstimate,
    density: &Result<DensityTest, RdError>,
    covariates: &[(String, Result<RdEstimate, RdError>)],
    sensitivity: &[SensitivityRow],
    alpha: f64,
) -> RdGrade {
    let mut passed = Vec::new();
    let mut held = Vec::new();
    match density {
        Ok(d) if d.p_value >= alpha => passed.push(format!(
            "density test: no evidence of manipulation at the cut-off (T = {}, p {})",
            significant(d.t, 3),
            p_phrase(d.p_value)
        )),
        Ok(d) => held.push(format!(
            "density test: the running variable's density jumps at the cut-off (T = {}, p {}), so units may have sorted themselves across it",
            significant(d.t, 3),
            p_phrase(d.p_value)
        )),
        Err(e) => held.push(format!("density test could not be run: {e}")),
    }
    if covariates.is_empty() {
        held.push(
            "covariate continuity: no covariates were declared, so continuity at the cut-off is not shown"
                .to_string(),
        );
    }
    let mut all_continuous = !covariates.is_empty();
    for (name, result) in covariates {
        match result {
            Ok(e) if e.robust.p_value >= alpha => {}
            Ok(e) => {
                all_continuous = false;
                held.push(format!(
                    "covariate continuity: {name} jumps at the cut-off (robust p {})",
                    p_phrase(e.robust.p_value)
                ));
            }
            Err(err) => {
                all_continuous = false;
                held.push(format!(
                    "covariate continuity of {name} could not be estimated: {err}"
                ));
            }
        }
    }
    if all_continuous {
        passed.push(format!(
            "covariate continuity: none of the {} covariates jumps at the cut-off",
            covariates.len()
        ));
    }
    let reference = main.conventional.estimate;
    let (lo, hi) = (main.robust.ci_lower, main.robust.ci_upper);
    let mut unstable = Vec::new();
    let mut checked = 0;
    for row in sensitivity
        .iter()
        .filter(|r| (0.75..=1.5).contains(&r.multiple))
    {
        checked += 1;
        match &row.result {
            Ok((conv, _)) => {
                let same_sign = conv.estimate.signum() == reference.signum();
                if !same_sign || conv.estimate < lo || conv.estimate > hi {
                    unstable.push(format!("{}×h", significant(row.multiple, 2)));
                }
            }
            Err(_) => unstable.push(format!(
                "{}×h (not estimable)",
                significant(row.multiple, 2)
            )),
        }
    }
    if checked == 0 {
        held.push("bandwidth sensitivity was not computed".to_string());
    } else if unstable.is_empty() {
        passed.push(
            "bandwidth sensitivity: the estimate keeps its sign and stays inside the robust interval from 0.75 to 1.5 times h"
                .to_string(),
        );
    } else {
        held.push(format!(
            "bandwidth sensitivity: the estimate moves outside the robust interval or changes sign at {}",
            unstable.join(", ")
        ));
    }
    let ok = held.is_empty();
    RdGrade {
        max_nesta_level: if ok { 3 } else { 2 },
        max_sms: if ok { 4 } else { 2 },
        passed,
        held_down_by: held,
    }
}

/// The RD's criteria before its data are analysed (plan and protocol reports): the
/// comparison either side of the cut-off and the diagnostics, both waiting for the data.
pub fn apply_rd_prospect(grade: &mut super::Grade) {
    use super::{Criterion, Status};
    let waiting = "no outcome data are analysed yet (analysis.data)".to_string();
    let comparison = Criterion {
        level: 2,
        id: "rd_comparison",
        title: "Comparison either side of the cut-off",
        status: Status::NotAssessed,
        observed: waiting.clone(),
        rule: RD_COMPARISON_RULE.into(),
    };
    let diagnostics = Criterion {
        level: 3,
        id: "rd_diagnostics",
        title: "Regression discontinuity diagnostics",
        status: Status::NotAssessed,
        observed: waiting,
        rule: RD_RULE.into(),
    };
    replace_levels_two_and_three(grade, [comparison, diagnostics]);
}

const RD_COMPARISON_RULE: &str = "Level 2 needs outcome data compared with a group that did not receive the intervention: a regression discontinuity compares units just either side of the cut-off.";

/// Puts the RD's own criteria in place of the comparison-group criteria of levels 2
/// and 3, and recomputes the level reached.
fn replace_levels_two_and_three(grade: &mut super::Grade, own: [super::Criterion; 2]) {
    grade.criteria.retain(|c| !(2..=3).contains(&c.level));
    let at = grade
        .criteria
        .iter()
        .position(|c| c.level > 3)
        .unwrap_or(grade.criteria.len());
    grade.criteria.splice(at..at, own);
    let (level, summary, next) = super::reached(&grade.criteria);
    grade.level = level;
    grade.summary = summary;
    grade.next_level_needs = next;
}

/// Grades an analysed regression discontinuity: the theory-of-change criteria (level 1)
/// and the later levels' (4, 5) stay; the comparison-group criteria of levels 2 and 3
/// are replaced by the RD's own: units either side of the cut-off compared (level 2) and
/// the diagnostics of `grade_rd` (level 3). The Maryland rating is the RD's.
pub fn apply_rd_grade(grade: &mut super::Grade, rd: &crate::analysis::rdd::RdAnalysis) {
    use super::{Criterion, Status};
    let comparison = Criterion {
        level: 2,
        id: "rd_comparison",
        title: "Comparison either side of the cut-off",
        status: Status::Met,
        observed: format!(
            "{} units below and {} above the cut-off {} of {} inside the bandwidth, outcome data analysed",
            crate::report::format::count(rd.n_h_left),
            crate::report::format::count(rd.n_h_right),
            significant(rd.cutoff, 4),
            rd.running
        ),
        rule: RD_COMPARISON_RULE.into(),
    };
    let diagnostics = Criterion {
        level: 3,
        id: "rd_diagnostics",
        title: "Regression discontinuity diagnostics",
        status: if rd.max_nesta_level >= 3 {
            Status::Met
        } else {
            Status::NotMet
        },
        observed: if rd.held_down_by.is_empty() {
            rd.passed.join("; ")
        } else {
            rd.held_down_by.join("; ")
        },
        rule: RD_RULE.into(),
    };
    replace_levels_two_and_three(grade, [comparison, diagnostics]);
    grade.sms.level = rd.max_sms;
    grade.sms.rule = if rd.max_sms >= 4 {
        "SMS 4: a regression discontinuity whose diagnostics (density, covariate continuity, bandwidth stability) pass".to_string()
    } else {
        format!(
            "SMS 2: a regression discontinuity held down by its diagnostics: {}",
            rd.held_down_by.join("; ")
        )
    };
}
