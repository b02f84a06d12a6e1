//! Checks of `analysis.received`: only for randomised trials (the assignment is the
//! instrument), a column of the analysis data other than the outcomes, covariates and
//! treatment (when that file exists yet). Its values (0/1) are checked when the data are
//! read (`analysis::compliance`).

use super::Checker;
use crate::spec::{AnalysisSpec, DesignKind};

impl Checker<'_> {
    pub(super) fn check_received(
        &mut self,
        spec: &AnalysisSpec,
        kind: DesignKind,
        header: Option<&Vec<String>>,
        data: &std::path::Path,
    ) -> Option<String> {
        let column = spec.received.as_ref()?;
        if !matches!(kind, DesignKind::Rct | DesignKind::ClusterRct) {
            self.problem(
                "analysis.received",
                format!(
                    "receipt of the intervention is analysed with the random assignment as instrument, which a {} does not have; analysis.received is for rct and cluster_rct designs",
                    kind.label()
                ),
            );
            return None;
        }
        let taken = self
            .file
            .spec
            .outcomes
            .iter()
            .map(|o| ("an outcome", &o.name))
            .chain(spec.covariates.iter().map(|c| ("a covariate", c)))
            .chain(spec.treatment.iter().map(|t| ("the treatment column", t)))
            .find(|(_, name)| *name == column);
        if let Some((what, _)) = taken {
            self.problem(
                "analysis.received",
                format!("`{column}` is {what}; receipt must be its own 0/1 column"),
            );
            return None;
        }
        if let Some(header) = header {
            self.require_column(header, column, data, "analysis.received");
        }
        Some(column.clone())
    }
}
