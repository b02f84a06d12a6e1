//! Registers the `design.matching` check (src/spec/matching.rs) with the validator:
//! gathers what it needs from the analysis plan and reports its problems at their
//! JSON paths.

use super::{AnalysisPlan, Checker, Design, ReportPlan, TreatmentSource};
use crate::data;
use crate::spec::matched_analysis::MatchedAnalysisPlan;
use crate::spec::matching::{self, MatchingContext, MatchingPlan};

impl Checker<'_> {
    pub(super) fn check_matching(
        &mut self,
        design: Option<&Design>,
        analysis: Option<&AnalysisPlan>,
        report: Option<&ReportPlan>,
    ) -> Option<MatchingPlan> {
        let spec = self.file.spec.design.matching.as_ref()?;
        let design = design?;
        let Some(analysis) = analysis else {
            self.problem(
                "design.matching",
                "the match stage reads the treated units and the pool from analysis.data: declare analysis (data, id, treatment)",
            );
            return None;
        };
        let (treated_label, control_label) = match design.arms() {
            Some((arms, control)) if arms.len() == 2 => (
                Some(arms[1 - control].name.clone()),
                Some(arms[control].name.clone()),
            ),
            _ => (None, None),
        };
        let treatment = match &analysis.treatment {
            Some(TreatmentSource::DataColumn(c)) => Some(c.clone()),
            _ => None,
        };
        let header = data::read_header(&analysis.data).ok();
        let output_dir = match &spec.output {
            Some(dir) if !dir.trim().is_empty() => Some(self.file.resolve(dir)),
            _ => report.map(|r| r.dir.clone()),
        };
        let context = MatchingContext {
            data: analysis.data.clone(),
            header: header.as_deref(),
            id: analysis.id.clone(),
            treatment,
            treated_label,
            control_label,
            analysis_covariates: &analysis.covariates,
            output_dir,
        };
        let mut problems = Vec::new();
        let plan = matching::check(spec, &context, &mut problems);
        for (path, message) in problems {
            self.problem(path, message);
        }
        plan
    }
}

impl Checker<'_> {
    /// With `design.matching`, the analysis reads the matched sample the match stage
    /// writes (its matched.csv and estimand) unless `analysis.matched.file` names
    /// another; an `analysis.matched.estimand` that contradicts the match stage's is
    /// refused.
    pub(super) fn imply_matched_analysis(
        &mut self,
        mut analysis: AnalysisPlan,
        matching: Option<&MatchingPlan>,
    ) -> AnalysisPlan {
        let Some(matching) = matching else {
            return analysis;
        };
        let spec = self
            .file
            .spec
            .analysis
            .as_ref()
            .and_then(|a| a.matched.as_ref());
        if let Some(declared) = spec.and_then(|s| s.estimand)
            && declared != matching.estimand
        {
            self.problem(
                "analysis.matched.estimand",
                format!(
                    "`{}` differs from the match stage's estimand `{}` (design.matching.estimand); leave it out or make them agree",
                    declared.name(),
                    matching.estimand.name()
                ),
            );
        }
        match &mut analysis.matched {
            Some(explicit) => explicit.estimand = matching.estimand,
            None => {
                analysis.matched = Some(MatchedAnalysisPlan::from_match_stage(spec, matching));
            }
        }
        analysis
    }
}
