//! Checks of `design.synthetic_control`: the block is present exactly when the design
//! is a synthetic control, its panel file has the named columns, and the settings are
//! in range. The data themselves (one row per unit-period, enough pre-periods and
//! donors) are checked when the panel is read (src/designs/synth/panel.rs).

use super::{Checker, Design};
use crate::spec::DesignKind;
use crate::spec::synth::SynthFitKind;

impl Checker<'_> {
    /// The synthetic-control design, or `None` (with problems) when its block is
    /// missing or wrong. Called for every design; only speaks for synthetic control.
    pub(super) fn check_synth(&mut self) -> Option<Design> {
        let design = &self.file.spec.design;
        let Some(synth) = &design.synthetic_control else {
            if design.kind == DesignKind::SyntheticControl {
                self.problem(
                    "design",
                    "a synthetic_control needs design.synthetic_control: the panel file, its unit, period and outcome columns, the treated unit and the treatment period",
                );
            }
            return None;
        };
        if design.kind != DesignKind::SyntheticControl {
            self.problem(
                "design.synthetic_control",
                format!(
                    "design.synthetic_control is only for synthetic_control, not for a {}",
                    design.kind.label()
                ),
            );
            return None;
        }
        let before = self.problems.len();
        if self.file.spec.analysis.is_some() {
            self.problem(
                "analysis",
                "a synthetic_control is analysed from design.synthetic_control; remove the analysis block",
            );
        }
        let outcome = synth.outcome.clone().or_else(|| {
            self.file
                .spec
                .outcomes
                .iter()
                .find(|o| o.role == crate::spec::OutcomeRole::Primary)
                .map(|o| o.name.clone())
        });
        let file = self.file.resolve(&synth.file);
        if let Some(header) = self.read_header(&file, "design.synthetic_control.file") {
            let mut wanted = vec![
                (
                    "design.synthetic_control.unit".to_string(),
                    synth.unit.clone(),
                ),
                (
                    "design.synthetic_control.period".to_string(),
                    synth.period.clone(),
                ),
            ];
            if let Some(outcome) = &outcome {
                wanted.push(("design.synthetic_control.outcome".into(), outcome.clone()));
            }
            for (i, p) in synth.predictors.iter().enumerate() {
                wanted.push((
                    format!("design.synthetic_control.predictors[{i}].column"),
                    p.column.clone(),
                ));
            }
            for (json_path, column) in wanted {
                self.require_column(&header, &column, &file, &json_path);
            }
        }
        if synth.fit == SynthFitKind::Nested
            && synth.predictors.is_empty()
            && synth.outcome_periods.is_empty()
        {
            self.problem(
                "design.synthetic_control.fit",
                "the nested fit chooses weights for predictors: declare predictors or outcome_periods (or use fit: outcome_only)",
            );
        }
        if let Some(lambda) = synth.lambda {
            if synth.fit != SynthFitKind::Augmented {
                self.problem(
                    "design.synthetic_control.lambda",
                    "lambda is the ridge penalty of the augmented fit; remove it or set fit: augmented",
                );
            } else if !(lambda > 0.0 && lambda.is_finite()) {
                self.problem(
                    "design.synthetic_control.lambda",
                    format!("lambda {lambda} must be a positive number"),
                );
            }
        }
        if synth.starts == 0 {
            self.problem(
                "design.synthetic_control.starts",
                "starts must be at least 1",
            );
        }
        if let Some(k) = synth.drop_placebos_over
            && !(k >= 1.0 && k.is_finite())
        {
            self.problem(
                "design.synthetic_control.drop_placebos_over",
                format!("drop_placebos_over {k} must be at least 1 (a multiple of the treated unit's pre-period RMSPE)"),
            );
        }
        if !(synth.good_fit_ratio > 0.0 && synth.good_fit_ratio.is_finite()) {
            self.problem(
                "design.synthetic_control.good_fit_ratio",
                "good_fit_ratio must be a positive number",
            );
        }
        if self.problems.len() > before {
            return None;
        }
        Some(Design::SyntheticControl {
            settings: Box::new(synth.clone()),
            panel: file,
            outcome: outcome.unwrap_or_default(),
        })
    }
}
