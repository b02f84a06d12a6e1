//! Checks of `design.difference_in_differences`: the block is present exactly when the
//! design is a difference-in-differences, the pre-trend level is a probability, and
//! the columns it names are in `analysis.data`.

use super::Checker;
use crate::spec::DesignKind;
use crate::spec::did::DidSpec;

impl Checker<'_> {
    pub(super) fn check_did(&mut self) -> Option<DidSpec> {
        let spec = &self.file.spec;
        let kind = spec.design.kind;
        let settings = spec.design.difference_in_differences.clone();
        match (&settings, kind == DesignKind::DifferenceInDifferences) {
            (None, true) => {
                self.problem(
                    "design.kind",
                    "a difference_in_differences needs design.difference_in_differences: at least the period column (period) and the treatment column (treated, 1 when the unit is treated in that period)",
                );
                return None;
            }
            (Some(_), false) => {
                self.problem(
                    "design.difference_in_differences",
                    format!(
                        "design.difference_in_differences is only for difference_in_differences, not for a {}",
                        kind.label()
                    ),
                );
                return None;
            }
            (None, false) => return None,
            (Some(_), true) => {}
        }
        let settings = settings?;
        if let Some(alpha) = settings.pretrend_alpha
            && !(alpha > 0.0 && alpha < 1.0)
        {
            self.problem(
                "design.difference_in_differences.pretrend_alpha",
                format!("the pre-trend test level {alpha} is outside (0, 1)"),
            );
        }
        match &spec.analysis {
            None => self.problem(
                "design.kind",
                "a difference_in_differences needs analysis.data, the panel with one row per unit and period",
            ),
            Some(analysis) => {
                let data = self.file.resolve(&analysis.data);
                // A missing or unreadable data file is reported once, by check_analysis.
                if let Ok(header) = crate::data::read_header(&data) {
                    for (path, column) in settings.columns() {
                        self.require_column(&header, column, &data, &path);
                    }
                }
            }
        }
        Some(settings)
    }
}
