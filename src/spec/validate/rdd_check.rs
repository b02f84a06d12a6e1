//! Checks of `design.regression_discontinuity`: present exactly when the design is a
//! regression discontinuity, its settings make a valid rdrobust call, and the columns it
//! names exist in the analysis data (when that file exists yet).

use super::Checker;
use crate::spec::DesignKind;

impl Checker<'_> {
    pub(super) fn check_rd_settings(&mut self, kind: DesignKind) {
        let spec = &self.file.spec;
        let Some(rd) = spec.design.regression_discontinuity.clone() else {
            if kind == DesignKind::RegressionDiscontinuity {
                self.problem(
                    "design",
                    "a regression_discontinuity needs design.regression_discontinuity with at least running, cutoff and treated (see docs/rdd.md)",
                );
            }
            return;
        };
        if kind != DesignKind::RegressionDiscontinuity {
            self.problem(
                "design.regression_discontinuity",
                format!(
                    "design.regression_discontinuity is only for regression_discontinuity, not for a {}",
                    kind.label()
                ),
            );
            return;
        }
        if let Err(rule) = rd.options() {
            self.problem("design.regression_discontinuity", rule);
        }
        if spec.analysis.is_none() {
            self.problem(
                "analysis",
                "a regression_discontinuity needs analysis.data, the file holding the running variable and the outcomes",
            );
        }
        let Some(data) = spec.analysis.as_ref().map(|a| self.file.resolve(&a.data)) else {
            return;
        };
        if !data.exists() {
            return;
        }
        let Some(header) = self.read_header(&data, "analysis.data") else {
            return;
        };
        let base = "design.regression_discontinuity";
        let mut wanted = vec![(format!("{base}.running"), rd.running.clone())];
        if let Some(t) = &rd.treatment_received {
            wanted.push((format!("{base}.treatment_received"), t.clone()));
        }
        if let Some(c) = &rd.cluster {
            wanted.push((format!("{base}.cluster"), c.clone()));
        }
        for (i, c) in rd.covariates.iter().enumerate() {
            wanted.push((format!("{base}.covariates[{i}]"), c.clone()));
        }
        for (json_path, column) in wanted {
            self.require_column(&header, &column, &data, &json_path);
        }
    }
}
