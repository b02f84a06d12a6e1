//! Checks of `analysis.economics`: a randomised trial, a declared outcome, a cost of
//! at least zero for every arm (and no unknown arm), a finite value and range, years
//! the Green Book schedule covers, and a sensitivity percent below 100. Turned into an
//! [`EconomicsPlan`] with the costs in arm order.

use std::collections::BTreeMap;

use super::Checker;
use crate::analysis::economics::GREEN_BOOK_LAST_YEAR;
use crate::spec::{AnalysisSpec, DesignKind};

/// `analysis.economics`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct EconomicsPlan {
    /// The monetised outcome (the primary unless named).
    pub outcome: String,
    /// Cost per unit of each arm, in `design.arms` order.
    pub costs: Vec<f64>,
    /// Cost per cluster of each arm (0 where none is declared), in arm order.
    pub cluster_costs: Vec<f64>,
    pub currency: String,
    /// A unit in words ("household"); "unit" unless declared.
    pub unit: String,
    /// One unit of the outcome in words, when declared.
    pub outcome_unit: Option<String>,
    pub value: Option<f64>,
    pub values: Option<[f64; 2]>,
    pub cost_years: u32,
    pub benefit_years: u32,
    pub percent: Option<f64>,
    pub alternatives: Vec<AlternativePlan>,
    pub bootstrap_draws: u32,
    pub bootstrap_seed: u64,
}

/// An alternative cost scenario with a cost for every arm, in arm order.
#[derive(Debug, Clone, PartialEq)]
pub struct AlternativePlan {
    pub label: String,
    pub costs: Vec<f64>,
}

impl Checker<'_> {
    pub(super) fn check_economics(
        &mut self,
        spec: &AnalysisSpec,
        kind: DesignKind,
    ) -> Option<EconomicsPlan> {
        let economics = spec.economics.as_ref()?;
        if !matches!(kind, DesignKind::Rct | DesignKind::ClusterRct) {
            self.problem(
                "analysis.economics",
                format!(
                    "the economic evaluation prices a randomised trial's comparison of arms, which a {} does not have; analysis.economics is for rct and cluster_rct designs",
                    kind.label()
                ),
            );
            return None;
        }
        let before = self.problems.len();
        let outcomes = &self.file.spec.outcomes;
        let outcome = match &economics.outcome {
            Some(name) => {
                if !outcomes.iter().any(|o| &o.name == name) {
                    let names: Vec<&str> = outcomes.iter().map(|o| o.name.as_str()).collect();
                    self.problem(
                        "analysis.economics.outcome",
                        format!(
                            "`{name}` is not a declared outcome; the outcomes are {}",
                            names.join(", ")
                        ),
                    );
                }
                name.clone()
            }
            None => outcomes
                .iter()
                .find(|o| o.role == crate::spec::OutcomeRole::Primary)
                .map(|o| o.name.clone())
                .unwrap_or_default(),
        };
        let arms: Vec<String> = self
            .file
            .spec
            .design
            .arms
            .iter()
            .map(|a| a.name.clone())
            .collect();
        let costs = self.arm_costs(&economics.costs, &arms, "analysis.economics.costs", None);
        let zeros = vec![0.0; arms.len()];
        let cluster_costs = self.arm_costs(
            &economics.cluster_costs,
            &arms,
            "analysis.economics.cluster_costs",
            Some(zeros.as_slice()),
        );
        if !economics.cluster_costs.is_empty() && kind != DesignKind::ClusterRct {
            self.problem(
                "analysis.economics.cluster_costs",
                "costs per cluster are spread over a cluster trial's units; this design has no clusters: fold them into analysis.economics.costs",
            );
        }
        let mut alternatives = Vec::new();
        if let Some(sensitivity) = &economics.sensitivity {
            if let Some(p) = sensitivity.percent
                && !(p.is_finite() && p > 0.0 && p < 100.0)
            {
                self.problem(
                    "analysis.economics.sensitivity.percent",
                    format!("{p} is not a percent above 0 and below 100"),
                );
            }
            for (i, alternative) in sensitivity.alternatives.iter().enumerate() {
                let key = format!("analysis.economics.sensitivity.alternatives[{i}].costs");
                let costs = self.arm_costs(&alternative.costs, &arms, &key, Some(costs.as_slice()));
                alternatives.push(AlternativePlan {
                    label: alternative.label.clone(),
                    costs,
                });
            }
        }
        if let Some(v) = economics.value
            && !(v.is_finite() && v >= 0.0)
        {
            self.problem(
                "analysis.economics.value",
                format!("{v} is not a value of at least 0 per unit of outcome"),
            );
        }
        if let Some([low, high]) = economics.values
            && !(low.is_finite() && high.is_finite() && low >= 0.0 && high > low)
        {
            self.problem(
                "analysis.economics.values",
                format!("[{low}, {high}] is not a range [low, high] with 0 ≤ low < high"),
            );
        }
        for (key, years) in [
            ("analysis.economics.cost_years", economics.cost_years),
            ("analysis.economics.benefit_years", economics.benefit_years),
        ] {
            if years == 0 || years > GREEN_BOOK_LAST_YEAR + 1 {
                self.problem(
                    key,
                    format!(
                        "{years} years: give 1 to {} (the Green Book's discount schedule runs to year {GREEN_BOOK_LAST_YEAR}, counting from year 0)",
                        GREEN_BOOK_LAST_YEAR + 1
                    ),
                );
            }
        }
        if economics.currency.trim().is_empty() {
            self.problem(
                "analysis.economics.currency",
                "give a currency symbol, e.g. \"£\"",
            );
        }
        (self.problems.len() == before).then(|| EconomicsPlan {
            outcome,
            costs,
            cluster_costs,
            currency: economics.currency.clone(),
            unit: economics.unit.clone().unwrap_or_else(|| "unit".into()),
            outcome_unit: economics.outcome_unit.clone(),
            value: economics.value,
            values: economics.values,
            cost_years: economics.cost_years,
            benefit_years: economics.benefit_years,
            percent: economics.sensitivity.as_ref().and_then(|s| s.percent),
            alternatives,
            bootstrap_draws: economics.bootstrap.draws,
            bootstrap_seed: economics.bootstrap.seed,
        })
    }

    /// Costs by arm name in arm order: every arm named (unless `base` fills the
    /// rest), no unknown arm, every cost finite and at least 0.
    fn arm_costs(
        &mut self,
        declared: &BTreeMap<String, f64>,
        arms: &[String],
        key: &str,
        base: Option<&[f64]>,
    ) -> Vec<f64> {
        for (name, cost) in declared {
            if !arms.contains(name) {
                self.problem(
                    format!("{key}.{name}"),
                    format!("`{name}` is not an arm; the arms are {}", arms.join(", ")),
                );
            } else if !(cost.is_finite() && *cost >= 0.0) {
                self.problem(
                    format!("{key}.{name}"),
                    format!("{cost} is not a cost per unit of at least 0"),
                );
            }
        }
        arms.iter()
            .enumerate()
            .map(|(i, arm)| match (declared.get(arm), base) {
                (Some(c), _) => *c,
                (None, Some(base)) => base.get(i).copied().unwrap_or(0.0),
                (None, None) => {
                    self.problem(
                        key,
                        format!("no cost per unit for arm `{arm}`; give every arm's cost (0 if it costs nothing)"),
                    );
                    0.0
                }
            })
            .collect()
    }
}
