//! Checks of `design.interrupted_time_series`: the block is present exactly when the
//! design is an interrupted time series, its horizons lie after the transition, and
//! the columns it names are in `analysis.data`.

use super::Checker;
use crate::spec::DesignKind;
use crate::spec::its::ItsSpec;

impl Checker<'_> {
    pub(super) fn check_its(&mut self) -> Option<ItsSpec> {
        let spec = &self.file.spec;
        let kind = spec.design.kind;
        let settings = spec.design.interrupted_time_series.clone();
        match (&settings, kind == DesignKind::InterruptedTimeSeries) {
            (None, true) => {
                self.problem(
                    "design.kind",
                    "an interrupted_time_series needs design.interrupted_time_series: at least the period column (period) and the first period of the intervention (intervention)",
                );
                return None;
            }
            (Some(_), false) => {
                self.problem(
                    "design.interrupted_time_series",
                    format!(
                        "design.interrupted_time_series is only for interrupted_time_series, not for a {}",
                        kind.label()
                    ),
                );
                return None;
            }
            (None, false) => return None,
            (Some(_), true) => {}
        }
        let settings = settings?;
        if let Err(why) = settings.intervention_index() {
            self.problem("design.interrupted_time_series.intervention", why);
        }
        for (i, &h) in settings.horizons.iter().enumerate() {
            if h < settings.transition {
                self.problem(
                    format!("design.interrupted_time_series.horizons[{i}]"),
                    format!(
                        "horizon {h} falls inside the {} transition periods; horizons count periods after the intervention date",
                        settings.transition
                    ),
                );
            }
        }
        if settings.lag.is_some()
            && settings.error_model == crate::designs::its::ErrorModel::PraisWinsten
        {
            self.warn(
                "design.interrupted_time_series.lag",
                "lag is the Newey–West lag and is not used by prais_winsten",
            );
        }
        let secondary: Vec<&str> = spec
            .outcomes
            .iter()
            .filter(|o| o.role != crate::spec::OutcomeRole::Primary)
            .map(|o| o.name.as_str())
            .collect();
        for name in settings.secondary_controls.keys() {
            if !secondary.contains(&name.as_str()) {
                self.problem(
                    "design.interrupted_time_series.secondary_controls",
                    format!("`{name}` is not a secondary outcome; secondary_controls names each secondary outcome's control series"),
                );
            }
        }
        if settings.series.is_some() && !secondary.is_empty() {
            self.problem(
                "design.interrupted_time_series.series",
                format!("with series, each series' primary outcome gets its own segmented regression; secondary outcomes ({}) are not fitted per series: remove them or run them as their own spec", secondary.join(", ")),
            );
        }
        if settings.control.is_some() {
            for name in secondary
                .iter()
                .filter(|n| !settings.secondary_controls.contains_key(**n))
            {
                self.problem(
                    "design.interrupted_time_series.secondary_controls",
                    format!("secondary outcome `{name}` has no control series: a comparative ITS compares every outcome with its own control series (add it to secondary_controls)"),
                );
            }
        }
        match &spec.analysis {
            None => self.problem(
                "design.kind",
                "an interrupted_time_series needs analysis.data, the file with one row per period",
            ),
            Some(analysis) => {
                let data = self.file.resolve(&analysis.data);
                // A missing or unreadable data file is reported once, by check_analysis.
                if let Ok(header) = crate::data::read_header(&data) {
                    for (path, column) in settings.columns() {
                        self.require_column(&header, column, &data, path);
                    }
                }
            }
        }
        Some(settings)
    }
}
