//! Registers the `design.matching` check (src/spec/matching.rs) with the validator:
//! gathers what it needs from the analysis plan and reports its problems at their
//! JSON paths.

use super::{AnalysisPlan, Checker, Design, ReportPlan, TreatmentSource};
use crate::data;
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
