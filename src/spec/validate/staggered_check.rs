//! Checks of `design.staggered`: present exactly when the design is a
//! staggered_rollout, one way of giving the timing, sensible bootstrap settings, and
//! every named column present in the analysis data. Problems are located at
//! `design.staggered.<key>`.

use std::path::Path;

use super::Checker;
use crate::spec::DesignKind;
use crate::spec::staggered::StaggeredSpec;

impl Checker<'_> {
    pub(super) fn check_staggered_settings(&mut self, kind: DesignKind) {
        let design = &self.file.spec.design;
        let Some(staggered) = &design.staggered else {
            if kind == DesignKind::StaggeredRollout {
                self.problem(
                    "design.kind",
                    "a staggered_rollout needs design.staggered: the panel's unit and period columns, first_treated (or treated) and the comparison (never_treated or not_yet_treated)",
                );
            }
            return;
        };
        if kind != DesignKind::StaggeredRollout {
            self.problem(
                "design.staggered",
                format!(
                    "design.staggered is only for staggered_rollout, not for a {}",
                    kind.label()
                ),
            );
            return;
        }
        match (&staggered.first_treated, &staggered.treated) {
            (Some(_), Some(_)) => self.problem(
                "design.staggered.treated",
                "give the timing once: first_treated (each unit's first-treatment period) or treated (a 0/1 column), not both",
            ),
            (None, None) => self.problem(
                "design.staggered",
                "say when each unit was first treated: set first_treated (a column of first-treatment periods, 0 or empty for never) or treated (an absorbing 0/1 column)",
            ),
            _ => {}
        }
        if staggered.bootstrap.draws < 99 {
            self.problem(
                "design.staggered.bootstrap.draws",
                format!(
                    "{} bootstrap draws are too few for a simultaneous band's 95% critical value; use at least 99 (default 999)",
                    staggered.bootstrap.draws
                ),
            );
        }
        if design.power.is_some() {
            self.problem(
                "design.power",
                "design.power plans arm comparisons, not a staggered_rollout: remove design.power (a randomised roll-out is planned as design.kind stepped_wedge, with Hussey and Hughes power)",
            );
        }
        if self.file.spec.analysis.is_none() {
            self.problem(
                "design.staggered",
                "a staggered_rollout is analysed from a long panel: set analysis.data to the panel file",
            );
        }
    }

    /// Every column `design.staggered` names must be in the panel (the analysis data).
    pub(super) fn check_staggered_columns(
        &mut self,
        staggered: &StaggeredSpec,
        header: &[String],
        data: &Path,
    ) {
        let columns = [
            ("unit", Some(&staggered.unit)),
            ("period", Some(&staggered.period)),
            ("first_treated", staggered.first_treated.as_ref()),
            ("treated", staggered.treated.as_ref()),
            ("cluster", staggered.cluster.as_ref()),
        ];
        for (key, column) in columns {
            if let Some(column) = column {
                self.require_column(header, column, data, &format!("design.staggered.{key}"));
            }
        }
        for (i, column) in staggered.covariates.iter().enumerate() {
            self.require_column(
                header,
                column,
                data,
                &format!("design.staggered.covariates[{i}]"),
            );
        }
    }
}
