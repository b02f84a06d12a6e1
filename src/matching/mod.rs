//! The match stage: builds a comparison group for the treated units from a pool of
//! untreated units (MatchIt / WeightIt semantics, docs/statistics.md) and writes it
//! as `matched.csv`, the interface to the analysis (one row per unit of the pool).
//! The analysis side reads it back (`matched_file.rs`), checks covariate balance
//! (`balance.rs`, MatchIt's `summary()` conventions) and sensitivity to unmeasured
//! confounding (`sensitivity.rs`); the effect itself is in `analysis::matched`.
//!
//! Every unit is put in unit-id (byte) order as soon as it is read, and every rule
//! that picks between equals breaks the tie by unit id, so the file's row order and
//! the number of threads change nothing in the result.

mod distance;
mod error;
mod file;
mod input;
mod nearest;
mod neighbours;
mod optimal;
mod stage;
mod strata;
mod weighting;

pub mod balance;
pub mod matched_file;
pub mod sensitivity;

use serde::{Deserialize, Serialize};

pub use crate::spec::matching::Estimand;
use crate::spec::matching::{Distance, MatchMethod, MatchingPlan};
pub use distance::{PropensityModel, mahalanobis_whitener, propensity_scores, rank_transform};
pub use error::MatchError;
pub use file::{
    MATCHED_FILE, MATCHED_MANIFEST_FILE, matched_parts_one_by_one, render_matched_csv,
    render_matched_parts,
};
pub use input::{MatchInput, read_input};
pub use matched_file::{MatchedFileError, read_matched_sample};
pub use nearest::{NearestOptions, nearest_neighbour};
pub use optimal::min_cost_assignment;
pub use stage::{
    MatchManifest, MatchStageOutput, StageData, run_stage, run_stage_keeping,
    run_stage_keeping_with,
};
pub use weighting::{effective_sample_size, entropy_balance};

/// One unit of the pool and what the match stage made of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedUnit {
    pub unit: String,
    pub treated: bool,
    /// 1-based matched-set id, numbered in the order of treated unit ids; `None` for
    /// weighting methods, for matching with replacement, and for units not used.
    pub matched_set: Option<u64>,
    pub weight: f64,
    /// The unit's propensity score (or the score column); `None` without one.
    pub distance: Option<f64>,
    pub status: MatchStatus,
}

/// Why a unit is or is not in the comparison: one reason per unit.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Used (weight > 0).
    Matched,
    /// A treated unit left without a control, or a control no treated unit chose.
    Unmatched,
    /// Outside the common support of the propensity score (`discard`).
    DiscardedCommonSupport,
    /// Treated unit whose candidates were all outside the caliper.
    OutsideCaliper,
    /// No unit of the other group in its exact stratum (exact, cem, `exact`).
    NoExactMatch,
    /// A covariate value is missing (`missing: listwise`).
    MissingCovariate,
}

impl MatchStatus {
    pub const ALL: [MatchStatus; 6] = [
        MatchStatus::Matched,
        MatchStatus::Unmatched,
        MatchStatus::DiscardedCommonSupport,
        MatchStatus::OutsideCaliper,
        MatchStatus::NoExactMatch,
        MatchStatus::MissingCovariate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MatchStatus::Matched => "matched",
            MatchStatus::Unmatched => "unmatched",
            MatchStatus::DiscardedCommonSupport => "discarded_common_support",
            MatchStatus::OutsideCaliper => "outside_caliper",
            MatchStatus::NoExactMatch => "no_exact_match",
            MatchStatus::MissingCovariate => "missing_covariate",
        }
    }

    /// The reason in words, for the report.
    pub fn words(self) -> &'static str {
        match self {
            MatchStatus::Matched => "matched",
            MatchStatus::Unmatched => "not needed as a match",
            MatchStatus::DiscardedCommonSupport => "outside common support",
            MatchStatus::OutsideCaliper => "no match within the caliper",
            MatchStatus::NoExactMatch => "no exact match",
            MatchStatus::MissingCovariate => "a covariate is missing",
        }
    }

    pub fn from_name(name: &str) -> Option<MatchStatus> {
        MatchStatus::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Units of one group by status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupCounts {
    pub total: usize,
    pub matched: usize,
    pub unmatched: usize,
    pub discarded_common_support: usize,
    pub outside_caliper: usize,
    pub no_exact_match: usize,
    pub missing_covariate: usize,
    /// Kish's effective sample size of the weights, (Σw)²/Σw².
    pub effective_sample_size: f64,
}

/// What the match stage built.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchResult {
    /// Every unit of the pool, in unit-id (byte) order.
    pub units: Vec<MatchedUnit>,
    pub method: String,
    pub estimand: Estimand,
    pub with_replacement: bool,
    /// What `distance` holds; `None` for exact, cem and entropy.
    pub distance: Option<String>,
    /// The columns matched or weighted on, with `<column>_missing` indicators.
    pub covariates: Vec<String>,
    /// The caliper on the distance, in the distance's own units.
    pub caliper_width: Option<f64>,
    /// The propensity model, when one was fitted.
    pub propensity_model: Option<PropensityModel>,
    /// Counts per group (the JSON output carries them once, in the balance table).
    #[serde(skip)]
    pub treated: GroupCounts,
    #[serde(skip)]
    pub control: GroupCounts,
    /// Plain statements of what was done that a reader should know.
    pub notes: Vec<String>,
}

impl MatchResult {
    fn count(units: &[MatchedUnit], treated: bool) -> GroupCounts {
        let mut c = GroupCounts::default();
        let (mut sum, mut sum_sq) = (0.0, 0.0);
        for u in units.iter().filter(|u| u.treated == treated) {
            c.total += 1;
            match u.status {
                MatchStatus::Matched => c.matched += 1,
                MatchStatus::Unmatched => c.unmatched += 1,
                MatchStatus::DiscardedCommonSupport => c.discarded_common_support += 1,
                MatchStatus::OutsideCaliper => c.outside_caliper += 1,
                MatchStatus::NoExactMatch => c.no_exact_match += 1,
                MatchStatus::MissingCovariate => c.missing_covariate += 1,
            }
            sum += u.weight;
            sum_sq += u.weight * u.weight;
        }
        c.effective_sample_size = if sum_sq > 0.0 {
            sum * sum / sum_sq
        } else {
            0.0
        };
        c
    }

    /// One line per group: how many were matched, and why the others were not.
    pub fn count_lines(&self, treated_label: &str, control_label: &str) -> Vec<String> {
        [
            (treated_label, &self.treated),
            (control_label, &self.control),
        ]
        .into_iter()
        .map(|(label, c)| {
            let mut reasons = Vec::new();
            for (n, why) in [
                (c.unmatched, "unmatched"),
                (c.discarded_common_support, "outside the common support"),
                (c.outside_caliper, "no match within the caliper"),
                (c.no_exact_match, "no exact match"),
                (c.missing_covariate, "a missing covariate"),
            ] {
                if n > 0 {
                    reasons.push(format!("{n} {why}"));
                }
            }
            let rest = if reasons.is_empty() {
                String::new()
            } else {
                format!("; not used: {}", reasons.join(", "))
            };
            format!(
                "{label}: {} of {} used (effective sample size {}){rest}",
                c.matched,
                c.total,
                crate::report::format::shortest((c.effective_sample_size * 10.0).round() / 10.0)
            )
        })
        .collect()
    }
}

/// Builds the comparison group the plan asks for from the input.
///
/// # Errors
/// [`MatchError`] for every way the input cannot give a comparison group: no treated
/// or no untreated units, a propensity model that separates the groups, a caliper or
/// common support that leaves no treated unit matched, too small a pool for the ratio.
pub fn build(plan: &MatchingPlan, input: &MatchInput) -> Result<MatchResult, MatchError> {
    let built = match_units(plan, input)?;
    assemble(plan, input, built, |i| input.ids[i].clone())
}

/// [`build`], moving the unit ids out of `input` into the result (`input.ids` is
/// left empty) rather than copying them: a million strings fewer to allocate,
/// copy and free.
///
/// # Errors
/// As [`build`].
pub fn build_taking_ids(
    plan: &MatchingPlan,
    input: &mut MatchInput,
) -> Result<MatchResult, MatchError> {
    let built = match_units(plan, input)?;
    let mut ids = std::mem::take(&mut input.ids);
    assemble(plan, input, built, |i| std::mem::take(&mut ids[i]))
}

/// What the method decided for each unit, before the units are put together.
struct Built {
    status: Vec<MatchStatus>,
    matched_set: Vec<Option<u64>>,
    weight: Vec<f64>,
    score: Option<Vec<f64>>,
    caliper_width: Option<f64>,
    propensity_model: Option<PropensityModel>,
    notes: Vec<String>,
}

fn match_units(plan: &MatchingPlan, input: &MatchInput) -> Result<Built, MatchError> {
    input.check_groups()?;
    let n = input.ids.len();
    let mut status: Vec<MatchStatus> = input
        .complete
        .iter()
        .map(|&ok| {
            if ok {
                MatchStatus::Unmatched
            } else {
                MatchStatus::MissingCovariate
            }
        })
        .collect();
    let mut notes = input.notes.clone();
    // The distance (score) of each unit, where one is used.
    let mut propensity_model = None;
    let score: Option<Vec<f64>> = match &plan.distance {
        Some(Distance::PropensityScore { logit }) => {
            let (scores, model) = propensity_scores(input, *logit)?;
            propensity_model = Some(model);
            Some(scores)
        }
        Some(Distance::Column(column)) => Some(input.score_column(column)?),
        _ => None,
    };
    if let Some(score) = &score {
        discard_outside_support(plan, input, score, &mut status)?;
    }
    let mut matched_set = vec![None; n];
    let mut weight = vec![0.0; n];
    let mut caliper_width = None;
    match plan.method {
        MatchMethod::Nearest | MatchMethod::Optimal => {
            let outcome = if plan.method == MatchMethod::Nearest {
                nearest::run(plan, input, score.as_deref(), &mut status)?
            } else {
                optimal::run(plan, input, score.as_deref(), &mut status)?
            };
            caliper_width = outcome.caliper_width;
            weight = outcome.weights;
            matched_set = outcome.sets;
        }
        MatchMethod::Cem | MatchMethod::Exact | MatchMethod::Subclass => {
            let outcome = strata::run(plan, input, score.as_deref(), &mut status)?;
            weight = outcome.weights;
            matched_set = outcome.sets;
            notes.extend(outcome.notes);
        }
        MatchMethod::Ipw | MatchMethod::Overlap | MatchMethod::Entropy => {
            weight = weighting::run(plan, input, score.as_deref(), &mut status, &mut notes)?;
        }
    }
    Ok(Built {
        status,
        matched_set,
        weight,
        score,
        caliper_width,
        propensity_model,
        notes,
    })
}

/// The result from the method's decisions, each unit named by `unit_id(i)`
/// (`input.ids` is not read: the caller may have taken it).
fn assemble(
    plan: &MatchingPlan,
    input: &MatchInput,
    built: Built,
    mut unit_id: impl FnMut(usize) -> String,
) -> Result<MatchResult, MatchError> {
    let Built {
        status,
        matched_set,
        weight,
        score,
        caliper_width,
        propensity_model,
        notes,
    } = built;
    let units: Vec<MatchedUnit> = (0..status.len())
        .map(|i| MatchedUnit {
            unit: unit_id(i),
            treated: input.treated[i],
            matched_set: matched_set[i],
            weight: weight[i],
            distance: score.as_ref().map(|s| s[i]).filter(|s| s.is_finite()),
            status: status[i],
        })
        .collect();
    let treated = MatchResult::count(&units, true);
    let control = MatchResult::count(&units, false);
    if treated.matched == 0 || control.matched == 0 {
        return Err(MatchError::NothingMatched {
            method: plan.method.name(),
            treated_unused: explain_unused(&treated),
            control_unused: explain_unused(&control),
        });
    }
    Ok(MatchResult {
        units,
        method: plan.method.name().to_string(),
        estimand: plan.estimand,
        with_replacement: plan.replacement,
        distance: plan.distance.as_ref().map(Distance::label),
        covariates: input.covariate_names.clone(),
        caliper_width,
        propensity_model,
        treated,
        control,
        notes,
    })
}

fn explain_unused(c: &GroupCounts) -> String {
    let parts: Vec<String> = [
        (c.unmatched, "unmatched"),
        (c.discarded_common_support, "outside the common support"),
        (c.outside_caliper, "outside the caliper"),
        (c.no_exact_match, "without an exact match"),
        (c.missing_covariate, "with a missing covariate"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, why)| format!("{n} {why}"))
    .collect();
    format!(
        "{} of {} ({})",
        c.total - c.matched,
        c.total,
        parts.join(", ")
    )
}

/// MatchIt's `discard`: units whose score lies outside the other group's range.
fn discard_outside_support(
    plan: &MatchingPlan,
    input: &MatchInput,
    score: &[f64],
    status: &mut [MatchStatus],
) -> Result<(), MatchError> {
    use crate::spec::matching::Discard;
    if plan.discard == Discard::None {
        return Ok(());
    }
    let range = |treated: bool| {
        (0..score.len())
            .filter(|&i| input.treated[i] == treated && status[i] != MatchStatus::MissingCovariate)
            .map(|i| score[i])
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
                (lo.min(s), hi.max(s))
            })
    };
    let (t_lo, t_hi) = range(true);
    let (c_lo, c_hi) = range(false);
    let (drop_treated, drop_control) = match plan.discard {
        Discard::Treated => (true, false),
        Discard::Control => (false, true),
        Discard::Both => (true, true),
        Discard::None => (false, false),
    };
    for i in 0..score.len() {
        if status[i] == MatchStatus::MissingCovariate {
            continue;
        }
        let s = score[i];
        let outside = if input.treated[i] {
            drop_treated && (s < c_lo || s > c_hi)
        } else {
            drop_control && (s < t_lo || s > t_hi)
        };
        if outside {
            status[i] = MatchStatus::DiscardedCommonSupport;
        }
    }
    let treated_left =
        (0..score.len()).any(|i| input.treated[i] && status[i] == MatchStatus::Unmatched);
    if !treated_left {
        return Err(MatchError::NoCommonSupport {
            treated: (t_lo, t_hi),
            control: (c_lo, c_hi),
        });
    }
    Ok(())
}

/// The per-method result of the matching methods.
pub(crate) struct SetsOutcome {
    pub weights: Vec<f64>,
    pub sets: Vec<Option<u64>>,
    pub caliper_width: Option<f64>,
    pub notes: Vec<String>,
}

/// MatchIt's weights for matched sets: focal units (treated for the ATT) 1; a unit
/// of the other group 1/k for each set of k it serves (summed), then rescaled to
/// mean 1 among the units of that group used. Set ids are numbered in the order of
/// focal unit ids (units are in id order already), and left empty when a unit can
/// serve several sets.
pub(crate) fn weights_from_sets(
    input: &MatchInput,
    focal_sets: &[(usize, Vec<usize>)],
    with_replacement: bool,
    focal_treated: bool,
    status: &mut [MatchStatus],
) -> (Vec<f64>, Vec<Option<u64>>) {
    let n = input.ids.len();
    let mut weights = vec![0.0; n];
    let mut sets = vec![None; n];
    let mut ordered: Vec<&(usize, Vec<usize>)> =
        focal_sets.iter().filter(|(_, c)| !c.is_empty()).collect();
    ordered.sort_by_key(|(t, _)| *t);
    for (set, (t, members)) in ordered.into_iter().enumerate() {
        let id = set as u64 + 1;
        weights[*t] = 1.0;
        sets[*t] = Some(id);
        status[*t] = MatchStatus::Matched;
        let share = 1.0 / members.len() as f64;
        for &c in members {
            weights[c] += share;
            status[c] = MatchStatus::Matched;
            if !with_replacement {
                sets[c] = Some(id);
            }
        }
    }
    rescale_group(input, &mut weights, !focal_treated);
    (weights, sets)
}

/// Rescales the weights of `group` so that they have mean 1 among its units with a
/// positive weight (MatchIt's convention).
pub(crate) fn rescale_group(input: &MatchInput, weights: &mut [f64], treated: bool) {
    let (sum, count) = weights
        .iter()
        .zip(&input.treated)
        .filter(|(w, t)| **t == treated && **w > 0.0)
        .fold((0.0, 0usize), |(s, c), (w, _)| (s + w, c + 1));
    if count > 0 && sum > 0.0 {
        let factor = count as f64 / sum;
        for (w, t) in weights.iter_mut().zip(&input.treated) {
            if *t == treated {
                *w *= factor;
            }
        }
    }
}

#[cfg(test)]
mod tests;

/// The matched (or weighted) pool as the analysis reads it back from matched.csv.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchedSample {
    pub units: Vec<MatchedUnit>,
    /// The method that formed it (`"nearest"`, `"ipw"`, ...), or `"file"` when read
    /// from a matched.csv made elsewhere.
    pub method: String,
    pub estimand: Estimand,
    /// Matching with replacement, or weights: a control can serve several treated
    /// units, so standard errors cluster by unit rather than by matched set.
    pub with_replacement: bool,
}

impl MatchedSample {
    /// Whether every used unit belongs to a matched set (pairs or 1:k sets
    /// without replacement): the effect's standard error then clusters by set.
    pub fn has_matched_sets(&self) -> bool {
        !self.with_replacement
            && self
                .units
                .iter()
                .filter(|u| u.weight > 0.0)
                .all(|u| u.matched_set.is_some())
            && self.units.iter().any(|u| u.weight > 0.0)
    }

    /// 1:1 pairs: every matched set holds one treated and one untreated unit, all
    /// with weight 1 (Rosenbaum bounds need them).
    pub fn pairs(&self) -> Option<Vec<(usize, usize)>> {
        if !self.has_matched_sets() {
            return None;
        }
        let mut sets: std::collections::BTreeMap<u64, (Vec<usize>, Vec<usize>)> =
            std::collections::BTreeMap::new();
        for (i, u) in self.units.iter().enumerate() {
            if let (Some(set), true) = (u.matched_set, u.weight > 0.0) {
                let entry = sets.entry(set).or_default();
                if u.treated {
                    entry.0.push(i)
                } else {
                    entry.1.push(i)
                }
            }
        }
        sets.into_values()
            .map(|(t, c)| (t.len() == 1 && c.len() == 1).then(|| (t[0], c[0])))
            .collect()
    }
}
