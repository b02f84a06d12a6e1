//! The shape every analytic planning answer takes: what was solved for, the effect,
//! alpha and power, and the sample (exact and rounded up, per group and in total).

use serde::{Deserialize, Serialize};

use crate::report::format;

/// The quantity a planning question leaves unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unknown {
    /// The sample size (units, pairs or, for cluster trials, clusters).
    SampleSize,
    /// The cluster size (units per cluster) of a cluster-randomised trial.
    ClusterSize,
    /// The (minimum detectable) effect.
    Effect,
    /// The power.
    Power,
    /// The significance level.
    Alpha,
}

impl Unknown {
    pub fn label(self) -> &'static str {
        match self {
            Unknown::SampleSize => "sample size",
            Unknown::ClusterSize => "cluster size",
            Unknown::Effect => "effect",
            Unknown::Power => "power",
            Unknown::Alpha => "significance level",
        }
    }
}

/// One group's size: the exact solution and the whole number to recruit.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct GroupSize {
    /// What is counted, e.g. "control", "treatment", "pairs", "clusters per arm".
    pub label: String,
    /// Units analysed (exact, possibly fractional when solved for).
    pub analysed: f64,
    /// Units to recruit or randomise (exact): analysed / (1 − attrition).
    pub randomised: f64,
    /// `randomised` rounded up to a whole number.
    pub rounded: u64,
}

/// An answered planning question.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PowerAnswer {
    /// The test or design, e.g. "two-sample t test".
    pub family: String,
    /// The method and convention used, in words, e.g. "pwr.t.test (two-sided power counts both tails)".
    pub method: String,
    /// Which quantity was solved for.
    pub solved_for: Unknown,
    /// The effect in the family's standardised units (d, h, w or SD units).
    pub effect: f64,
    /// Name of the effect measure, e.g. "d", "h", "w", "MDES (SD)".
    pub effect_measure: String,
    pub alpha: f64,
    /// Power at the exact sample size (the target when solving for n).
    pub power: f64,
    /// Power at the rounded-up sample size (≥ the target when solving for n).
    pub power_at_rounded: f64,
    /// Group sizes.
    pub groups: Vec<GroupSize>,
    /// Units analysed in total (exact).
    pub total_analysed: f64,
    /// Units to recruit in total, after rounding each group up.
    pub total_rounded: u64,
    /// Whether the smallest allowed sample already reaches the target.
    pub at_minimum: bool,
    /// Remarks in words (conventions, approximations, adjustments applied).
    pub notes: Vec<String>,
}

/// Adjustments to a sample: expected attrition and a baseline measure.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Adjustments {
    /// Expected share of randomised units lost before analysis, in [0, 1).
    pub attrition: f64,
    /// Correlation between the baseline and the outcome, in (−1, 1): ANCOVA on the
    /// baseline multiplies the outcome variance by (1 − r²) (Borm, Fransen & Lemmens
    /// 2007, J Clin Epidemiol 60(12):1234).
    pub baseline_r: f64,
}

impl Adjustments {
    pub fn check(&self) -> Result<(), super::PowerError> {
        super::error::check_unit_interval("attrition", self.attrition)?;
        if !(self.baseline_r.is_finite() && self.baseline_r.abs() < 1.0) {
            return Err(super::PowerError::Invalid {
                name: "baseline correlation",
                value: self.baseline_r,
                rule: "in (-1, 1)",
            });
        }
        Ok(())
    }

    /// Variance factor 1 − r².
    pub fn variance_factor(&self) -> f64 {
        1.0 - self.baseline_r * self.baseline_r
    }

    /// Units to randomise for `analysed` analysed units.
    pub fn randomised(&self, analysed: f64) -> f64 {
        analysed / (1.0 - self.attrition)
    }

    /// Units analysed out of `randomised`.
    pub fn analysed(&self, randomised: f64) -> f64 {
        randomised * (1.0 - self.attrition)
    }

    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.baseline_r != 0.0 {
            notes.push(format!(
                "adjusting for a baseline measure correlated r = {} with the outcome multiplies the outcome variance by 1 − r² = {}",
                format::significant(self.baseline_r, 6),
                format::significant(self.variance_factor(), 4)
            ));
        }
        if self.attrition > 0.0 {
            notes.push(format!(
                "sizes to randomise allow for {} attrition (analysed / (1 − attrition))",
                format::percent(self.attrition, 6)
            ));
        }
        notes
    }
}

/// Rounds a solved sample size up, ignoring floating-point dust just above a whole number.
pub fn round_up(x: f64) -> u64 {
    let nearest = x.round();
    if (x - nearest).abs() <= 1e-9 * nearest.max(1.0) {
        nearest as u64
    } else {
        x.ceil() as u64
    }
}

/// Exactly one of `values` must be `None`; returns its index.
pub(crate) fn one_unknown(
    names: &'static str,
    labels: &[&str],
    values: &[Option<f64>],
) -> Result<usize, super::PowerError> {
    let unknown: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_none()).collect();
    if unknown.len() == 1 {
        Ok(unknown[0])
    } else {
        Err(super::PowerError::Unknowns {
            names,
            count: unknown.len(),
            unknown: if unknown.is_empty() {
                "none".into()
            } else {
                unknown
                    .iter()
                    .map(|&i| labels[i])
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
    }
}

/// Groups of a two-arm design: `n1` analysed in control, `ratio · n1` in treatment.
pub(crate) fn two_groups(n1: f64, ratio: f64, adjustments: &Adjustments) -> Vec<GroupSize> {
    [("control", 1.0), ("treatment", ratio)]
        .iter()
        .map(|&(label, k)| group(label, k * n1, adjustments))
        .collect()
}

/// One group with `analysed` units analysed.
pub(crate) fn group(label: &str, analysed: f64, adjustments: &Adjustments) -> GroupSize {
    let randomised = adjustments.randomised(analysed);
    GroupSize {
        label: label.into(),
        analysed,
        randomised,
        rounded: round_up(randomised),
    }
}

/// Formats a number for people: up to `sig` significant figures, no trailing zeros
/// (kept for callers of the plan stage; it is `report::format::significant`).
pub fn human(x: f64, sig: usize) -> String {
    format::significant(x, sig)
}

/// The family name of a regression discontinuity's answer, whose units are not
/// recruited but found inside the bandwidth.
pub const RD_FAMILY: &str = "regression discontinuity";

impl PowerAnswer {
    /// What the plan asks of each group's size: units to recruit, or for a regression
    /// discontinuity units to have inside the bandwidth.
    fn size_words(&self) -> (&'static str, &'static str) {
        if self.family == RD_FAMILY {
            ("inside the bandwidth", "have")
        } else {
            ("to recruit", "recruit")
        }
    }

    /// One sentence in words, e.g. "To detect d = 0.5 with 80% power at alpha = 0.05,
    /// recruit 64 control and 64 treatment (128 in all)."
    pub fn sentence(&self) -> String {
        let sizes = self
            .groups
            .iter()
            .map(|g| format!("{} {}", format::count(whole(g.rounded)), g.label))
            .collect::<Vec<_>>()
            .join(" and ");
        let effect = if self.effect_measure.starts_with("p2") {
            format!(
                "a treatment proportion of {}",
                format::significant(self.effect, 4)
            )
        } else if self.effect_measure.contains("SD units") {
            // "an effect of 0.3 SD", not "an effect of 0.3 (MDES (SD units))".
            format!("an effect of {} SD", format::significant(self.effect, 4))
        } else {
            format!(
                "an effect of {} ({})",
                format::significant(self.effect, 4),
                self.effect_measure
            )
        };
        let power = format::percent(self.power, 3);
        let alpha = format::significant(self.alpha, 3);
        let (_, recruit) = self.size_words();
        // Equivalence and non-inferiority (power::tost): the effect is the true
        // difference the claim is to be shown at, not an effect to detect.
        let goal = if self.family.starts_with("TOST") {
            Some("equivalence")
        } else if self.family.starts_with("non-inferiority") {
            Some("non-inferiority")
        } else {
            None
        };
        if let Some(goal) = goal {
            let truth = format!(
                "when the true difference is {} SD",
                format::significant(self.effect, 4)
            );
            let all = format::count(whole(self.total_rounded));
            return match self.solved_for {
                Unknown::Power => format!(
                    "With {sizes} ({}), the power to show {goal} at alpha = {alpha} {truth} is {power}.",
                    self.family
                ),
                _ => format!(
                    "To show {goal} with {power} power at alpha = {alpha} {truth} ({}), {recruit} {sizes} ({all} in all).",
                    self.family
                ),
            };
        }
        match self.solved_for {
            Unknown::SampleSize | Unknown::ClusterSize => format!(
                "To detect {effect} with {power} power at alpha = {alpha} ({}), {recruit} {sizes} ({} in all).",
                self.family,
                format::count(whole(self.total_rounded))
            ),
            Unknown::Effect => format!(
                "With {sizes} ({}), the smallest effect detectable with {power} power at alpha = {alpha} is {effect}.",
                self.family
            ),
            Unknown::Power => format!(
                "With {sizes} ({}), the power to detect {effect} at alpha = {alpha} is {power}.",
                self.family
            ),
            Unknown::Alpha => format!(
                "With {sizes} ({}), {power} power to detect {effect} needs a significance level of {}.",
                self.family,
                format::significant(self.alpha, 4)
            ),
        }
    }

    /// The answer as label–value rows for tables: whole numbers to recruit, and the
    /// solver's exact solution only in rows labelled as such.
    pub fn rows(&self) -> Vec<(String, String)> {
        let solved_size = matches!(self.solved_for, Unknown::SampleSize | Unknown::ClusterSize);
        let (to_recruit, _) = self.size_words();
        let mut rows = vec![
            ("Test or design".to_string(), self.family.clone()),
            ("Method".into(), self.method.clone()),
            ("Solved for".into(), self.solved_for.label().into()),
            (
                format!("Effect: {}", self.effect_measure),
                format::significant(self.effect, 4),
            ),
            (
                "Significance level (alpha)".into(),
                format::significant(self.alpha, 4),
            ),
            ("Power".into(), format::percent(self.power, 3)),
        ];
        let attrition = self
            .groups
            .iter()
            .any(|g| (g.randomised - g.analysed).abs() > 1e-12 * g.analysed.abs().max(1.0));
        for g in &self.groups {
            let value = if attrition && !solved_size {
                format!(
                    "{} {to_recruit} for {} analysed",
                    format::count(whole(g.rounded)),
                    format::significant(g.analysed, 6)
                )
            } else {
                format!("{} {to_recruit}", format::count(whole(g.rounded)))
            };
            rows.push((format!("Size: {}", g.label), value));
        }
        rows.push((
            format!("Total {to_recruit}"),
            format::count(whole(self.total_rounded)),
        ));
        if solved_size {
            rows.push((
                format!("Power at the sizes {to_recruit}"),
                format::percent(self.power_at_rounded, 3),
            ));
            for g in &self.groups {
                let value = if attrition {
                    format!(
                        "{} analysed; {} {to_recruit} before rounding up",
                        format::significant(g.analysed, 6),
                        format::significant(g.randomised, 6)
                    )
                } else {
                    format!("{} analysed", format::significant(g.analysed, 6))
                };
                rows.push((format!("Exact solution (unrounded): {}", g.label), value));
            }
        }
        for note in &self.notes {
            rows.push(("Note".into(), note.clone()));
        }
        rows
    }
}

/// A whole count for the formatter.
fn whole(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod text_tests {
    use super::*;

    fn answer(solved_for: Unknown, analysed: f64, attrition: f64) -> PowerAnswer {
        let adjustments = Adjustments {
            attrition,
            baseline_r: 0.0,
        };
        let groups = two_groups(analysed, 1.0, &adjustments);
        let total_rounded = groups.iter().map(|g| g.rounded).sum();
        PowerAnswer {
            family: "two-sample t test".into(),
            method: "pwr.t.test".into(),
            solved_for,
            effect: 0.5,
            effect_measure: "d".into(),
            alpha: 0.05,
            power: 0.8,
            power_at_rounded: 0.801_460_6,
            total_analysed: 2.0 * analysed,
            groups,
            total_rounded,
            at_minimum: false,
            notes: Vec::new(),
        }
    }

    #[test]
    fn solver_output_is_shown_as_whole_numbers_to_recruit() {
        // 595.2 analysed per group with 8% attrition: 646.95652... to recruit, so 647.
        let a = answer(Unknown::SampleSize, 595.2, 0.08);
        let rows = a.rows();
        let value = |label: &str| {
            rows.iter()
                .find(|(l, _)| l == label)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(value("Size: control"), "647 to recruit");
        assert_eq!(value("Total to recruit"), "1,294");
        assert_eq!(
            value("Exact solution (unrounded): control"),
            "595.2 analysed; 646.957 to recruit before rounding up"
        );
        // The unrounded solver output appears only in rows labelled as exact.
        for (label, v) in &rows {
            if v.contains("646.9") {
                assert!(label.starts_with("Exact solution"), "{label}: {v}");
            }
        }
        assert_eq!(
            a.sentence(),
            "To detect an effect of 0.5 (d) with 80% power at alpha = 0.05 (two-sample t test), recruit 647 control and 647 treatment (1,294 in all)."
        );
    }
}
