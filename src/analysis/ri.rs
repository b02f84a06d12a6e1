//! Randomisation inference (RI): for randomised designs, a p-value for each
//! treatment-vs-control estimate under the sharp null of no effect for any unit, from
//! the allocation's own randomisation distribution: the assign stage's procedure when
//! Evident made the allocation, otherwise the procedure the spec declares
//! (`declared.rs`: complete, blocked or cluster randomisation with the observed arm
//! sizes, as ri2's `declare_ra`).
//!
//! # Procedure
//! 1. The test statistic T is the estimate the analysis reports for the comparison
//!    (difference in means; the treatment coefficient of the covariate-adjusted or
//!    Lin regression), recomputed for any allocation of the analysed units.
//! 2. Under the sharp null every unit's outcome is what was observed whatever its
//!    arm, so T under another allocation is T on the same outcomes with that
//!    allocation's arms. Units without analysed outcome data (attrition, missing
//!    values) stay out, as in the observed analysis: RI conditions on who was analysed.
//! 3. The reference allocations come from the assign stage itself (or, for a trial
//!    allocated outside Evident, from the declared procedure, `declared.rs`)
//!    (`assign::Redrawer`): the same method, blocks, clusters, pairs, shares or
//!    counts, and with rerandomisation only allocations that pass the same
//!    acceptance rule (M ≤ threshold). Ignoring the rule would make the test
//!    conservative (Morgan and Rubin 2012, section 2.4).
//! 4. Exact when possible: a two-arm design (any method but `simple`) with at most
//!    `exact_limit` possible allocations is enumerated, each allocation weighted by its
//!    design probability (equal in the usual case; renormalised over accepted
//!    allocations under rerandomisation). Otherwise `draws` re-draws are sampled,
//!    re-draw k from its own stream derived from the allocation seed
//!    (`assign::redraw`), so the result does not depend on the thread count.
//! 5. p-value (ri2's convention): the share of reference allocations with
//!    |T_sim| ≥ |T_obs| (two-sided), T_sim ≥ T_obs (greater), T_sim ≤ T_obs (less).
//!    Sampled re-draws do not add the observed allocation. Ties within a tolerance
//!    count as extreme: ri2 rounds both to 10 decimal places; Evident counts T_sim
//!    as tied when it is within 1e-10·max(1, |T_obs|) of the boundary, the same for
//!    |T_obs| ≤ 1 and scale-free above. When sampled, the p-value's Monte Carlo
//!    standard error sqrt(p(1 − p)/R) and a 95 % Clopper–Pearson interval for the
//!    exact p-value are reported.
//! 6. A re-draw in which the statistic is undefined (an arm with no analysed unit,
//!    or a singular regression) is left out and counted.
//!
//! # References
//! - Fisher, R. A. (1935). The Design of Experiments. Oliver and Boyd.
//! - Morgan, K. L. and Rubin, D. B. (2012). Rerandomization to improve covariate
//!   balance in experiments. Annals of Statistics 40(2), 1263–1282. doi:10.1214/12-AOS1008
//! - Gerber, A. S. and Green, D. P. (2012). Field Experiments, chapter 3. Norton.
//! - Coppock, A. (2022). ri2: Randomization Inference for Randomized Experiments,
//!   R package version 0.4.0 (`conduct_ri`, `summary.ri`).

use std::collections::HashMap;

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::Serialize;

use super::declared::Declared;
use crate::assign::{AssignError, Enumeration, Redraw, Redrawer, Scratch};
use crate::report::format::count;
use crate::stats::distributions::beta;
use crate::stats::estimate::Alternative;

/// Re-draws handed to one rayon task at a time (results are combined in order).
const CHUNK: u64 = 64;
/// Relative tolerance below which T_sim and T_obs count as tied.
pub const TIE_TOLERANCE: f64 = 1e-10;

/// How the reference distribution was formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiMethod {
    /// Every possible allocation enumerated.
    Exact,
    /// Allocations sampled by re-drawing.
    Sampled,
}

/// What randomisation inference did, once for the whole analysis.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RiSummary {
    pub method: RiMethod,
    /// Reference allocations: re-draws kept (sampled) or allocations enumerated that
    /// pass the acceptance rule (exact).
    pub reference_allocations: u64,
    /// Exact: every possible allocation, accepted or not.
    pub possible_allocations: Option<u64>,
    /// Sampled: allocations drawn in all, rejected ones included (equal to the
    /// re-draws without rerandomisation).
    pub allocations_drawn: Option<u64>,
    /// Whether only allocations passing the rerandomisation rule were kept.
    pub acceptance_rule_applied: bool,
    pub max_mahalanobis: Option<f64>,
    /// Largest M among the reference allocations (at most max_mahalanobis).
    pub largest_statistic: Option<f64>,
    /// Allocation seed the re-draw streams are derived from, and the derivation.
    pub seed: u64,
    pub stream: &'static str,
    pub alternative: Alternative,
    /// The method in plain words.
    pub explanation: String,
    /// For a trial allocated outside Evident: the randomisation procedure assumed
    /// (`analysis.randomisation_inference.procedure`). `None` when the assign
    /// stage's own procedure was re-drawn.
    pub assumed_procedure: Option<AssumedProcedure>,
}

/// The procedure assumed for a trial allocated outside Evident.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AssumedProcedure {
    pub procedure: crate::spec::RiProcedure,
    /// The procedure in words, with the arm sizes kept.
    pub description: String,
}

/// One comparison's randomisation-inference result.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RiResult {
    /// T for the observed allocation (equals the reported estimate).
    pub statistic: f64,
    pub p_value: f64,
    /// Reference allocations at least as extreme (a weight when they are not
    /// equally likely).
    pub extreme: f64,
    /// Reference allocations used (those where T is defined).
    pub allocations: u64,
    /// Reference allocations where T was undefined and left out.
    pub undefined: u64,
    /// Sampled: Monte Carlo standard error of the p-value.
    pub monte_carlo_se: Option<f64>,
    /// Sampled: 95 % Clopper–Pearson interval for the exact p-value.
    pub conf_low: Option<f64>,
    pub conf_high: Option<f64>,
}

impl RiResult {
    /// Sampled with no re-draw as extreme: the p-value is below one in the number
    /// of re-draws (returned), and its standard error of zero says nothing.
    pub fn below_resolution(&self) -> Option<f64> {
        (self.monte_carlo_se.is_some() && self.extreme == 0.0)
            .then(|| 1.0 / self.allocations.max(1) as f64)
    }
}

/// The statistic of one comparison, computable for any allocation.
pub(crate) struct Statistic {
    /// Each analysed row's unit row (identifier order of the units file).
    unit_row: Vec<u32>,
    y: Vec<f64>,
    treated: u8,
    control: u8,
    /// Regression columns (no intercept; dummies for factors), or none for the
    /// difference in means.
    columns: Vec<Vec<f64>>,
    /// Lin (2013): covariates centred within the compared rows and interacted.
    lin: bool,
    /// Fixed-effect columns (block dummies) entering additively, never interacted.
    fixed: Vec<Vec<f64>>,
    /// Each row's block (0-based, dense), for the blocked difference in means.
    blocks: Option<Vec<u32>>,
}

impl Statistic {
    pub(crate) fn difference_in_means(
        unit_row: Vec<u32>,
        y: Vec<f64>,
        treated: usize,
        control: usize,
    ) -> Statistic {
        Statistic {
            unit_row,
            y,
            treated: treated as u8,
            control: control as u8,
            columns: Vec::new(),
            lin: false,
            fixed: Vec::new(),
            blocks: None,
        }
    }

    /// The blocked difference in means: each row's block given densely (0..B).
    pub(crate) fn blocked_difference_in_means(
        unit_row: Vec<u32>,
        y: Vec<f64>,
        treated: usize,
        control: usize,
        blocks: Vec<u32>,
    ) -> Statistic {
        Statistic {
            blocks: Some(blocks),
            ..Statistic::difference_in_means(unit_row, y, treated, control)
        }
    }

    pub(crate) fn regression(
        unit_row: Vec<u32>,
        y: Vec<f64>,
        treated: usize,
        control: usize,
        columns: Vec<Vec<f64>>,
        lin: bool,
        fixed: Vec<Vec<f64>>,
    ) -> Statistic {
        Statistic {
            unit_row,
            y,
            treated: treated as u8,
            control: control as u8,
            columns,
            lin,
            fixed,
            blocks: None,
        }
    }

    /// T for an allocation given as each unit row's arm; `None` when undefined.
    pub(crate) fn evaluate(&self, unit_arm: &[u8]) -> Option<f64> {
        if !self.columns.is_empty() || !self.fixed.is_empty() {
            self.regression_coefficient(unit_arm)
        } else if let Some(blocks) = &self.blocks {
            self.blocked_mean_difference(unit_arm, blocks)
        } else {
            self.mean_difference(unit_arm)
        }
    }

    /// # Formula
    /// T = Σ_b (N_b/N)(ȳ₁_b − ȳ₀_b) over the blocks with rows in the compared arms,
    /// N_b those rows (estimatr's blocked estimate); undefined when such a block
    /// lacks one of the two arms.
    fn blocked_mean_difference(&self, unit_arm: &[u8], blocks: &[u32]) -> Option<f64> {
        let n_blocks = blocks.iter().max().map_or(0, |b| *b as usize + 1);
        // Per block: treated sum and count, control sum and count.
        let mut acc = vec![(0.0, 0usize, 0.0, 0usize); n_blocks];
        for ((row, y), b) in self.unit_row.iter().zip(&self.y).zip(blocks) {
            let arm = unit_arm[*row as usize];
            let a = &mut acc[*b as usize];
            if arm == self.treated {
                a.0 += y;
                a.1 += 1;
            } else if arm == self.control {
                a.2 += y;
                a.3 += 1;
            }
        }
        let n: usize = acc.iter().map(|a| a.1 + a.3).sum();
        let mut total = 0.0;
        for (sum_t, n_t, sum_c, n_c) in acc {
            match (n_t, n_c) {
                (0, 0) => {}
                (0, _) | (_, 0) => return None,
                _ => {
                    let weight = (n_t + n_c) as f64 / n as f64;
                    total += weight * (sum_t / n_t as f64 - sum_c / n_c as f64);
                }
            }
        }
        (n > 0).then_some(total)
    }

    /// # Formula
    /// T = mean of y among treated − mean of y among control.
    fn mean_difference(&self, unit_arm: &[u8]) -> Option<f64> {
        let (mut sum_t, mut sum_c, mut n_t, mut n_c) = (0.0, 0.0, 0usize, 0usize);
        for (row, y) in self.unit_row.iter().zip(&self.y) {
            let arm = unit_arm[*row as usize];
            if arm == self.treated {
                sum_t += y;
                n_t += 1;
            } else if arm == self.control {
                sum_c += y;
                n_c += 1;
            }
        }
        (n_t > 0 && n_c > 0).then(|| sum_t / n_t as f64 - sum_c / n_c as f64)
    }

    /// # Formula
    /// OLS of y on [1, T, X, F] (regression adjusted) or [1, T, X_c, T·X_c, F] with
    /// X_c centred at the compared rows' means (Lin 2013) and F the block
    /// fixed-effect dummies (blocked designs), over the rows in the two compared
    /// arms; T is the treatment coefficient, solved from the normal equations
    /// (Cholesky) on centred columns.
    fn regression_coefficient(&self, unit_arm: &[u8]) -> Option<f64> {
        let k = self.columns.len();
        let f = self.fixed.len();
        let p = if self.lin { 2 + 2 * k } else { 2 + k } + f;
        let mut n = 0usize;
        let mut means = vec![0.0; k];
        let mut fixed_means = vec![0.0; f];
        let mut y_mean = 0.0;
        for (i, row) in self.unit_row.iter().enumerate() {
            let arm = unit_arm[*row as usize];
            if arm == self.treated || arm == self.control {
                n += 1;
                for (m, column) in means.iter_mut().zip(&self.columns) {
                    *m += column[i];
                }
                for (m, column) in fixed_means.iter_mut().zip(&self.fixed) {
                    *m += column[i];
                }
                y_mean += self.y[i];
            }
        }
        if n <= p {
            return None;
        }
        means.iter_mut().for_each(|m| *m /= n as f64);
        fixed_means.iter_mut().for_each(|m| *m /= n as f64);
        y_mean /= n as f64;
        let first_fixed = p - f;
        let mut xtx = DMatrix::<f64>::zeros(p, p);
        let mut xty = DVector::<f64>::zeros(p);
        let mut z = vec![0.0; p];
        for (i, row) in self.unit_row.iter().enumerate() {
            let arm = unit_arm[*row as usize];
            if arm != self.treated && arm != self.control {
                continue;
            }
            let t = f64::from(u8::from(arm == self.treated));
            z[0] = 1.0;
            z[1] = t;
            for j in 0..k {
                let centred = self.columns[j][i] - means[j];
                z[2 + j] = centred;
                if self.lin {
                    z[2 + k + j] = t * centred;
                }
            }
            for j in 0..f {
                z[first_fixed + j] = self.fixed[j][i] - fixed_means[j];
            }
            let y = self.y[i] - y_mean;
            for a in 0..p {
                xty[a] += z[a] * y;
                for b in 0..=a {
                    xtx[(a, b)] += z[a] * z[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                xtx[(b, a)] = xtx[(a, b)];
            }
        }
        let beta = xtx.cholesky()?.solve(&xty);
        beta[1].is_finite().then_some(beta[1])
    }
}

/// Whether `simulated` is at least as extreme as `observed`.
fn extreme(simulated: f64, observed: f64, alternative: Alternative) -> bool {
    let tolerance = TIE_TOLERANCE * observed.abs().max(1.0);
    match alternative {
        Alternative::TwoSided => simulated.abs() >= observed.abs() - tolerance,
        Alternative::Greater => simulated >= observed - tolerance,
        Alternative::Less => simulated <= observed + tolerance,
    }
}

/// Counts (and probability weights) per statistic over a run of reference
/// allocations. Counts are integers, so combining chunks in any grouping gives the
/// same totals.
#[derive(Clone)]
struct Tally {
    alternative: Alternative,
    extreme: Vec<u64>,
    used: Vec<u64>,
    extreme_weight: Vec<f64>,
    used_weight: Vec<f64>,
    undefined: Vec<u64>,
    drawn: u64,
    largest_m: Option<f64>,
}

impl Tally {
    fn new(statistics: usize, alternative: Alternative) -> Tally {
        Tally {
            alternative,
            extreme: vec![0; statistics],
            used: vec![0; statistics],
            extreme_weight: vec![0.0; statistics],
            used_weight: vec![0.0; statistics],
            undefined: vec![0; statistics],
            drawn: 0,
            largest_m: None,
        }
    }

    /// Adds one reference allocation: each statistic's value there, against its
    /// observed value.
    fn add(
        &mut self,
        statistics: &[Statistic],
        observed: &[Option<f64>],
        unit_arm: &[u8],
        weight: f64,
    ) {
        for (s, statistic) in statistics.iter().enumerate() {
            match (statistic.evaluate(unit_arm), observed[s]) {
                (Some(v), Some(o)) => {
                    self.used[s] += 1;
                    self.used_weight[s] += weight;
                    if extreme(v, o, self.alternative) {
                        self.extreme[s] += 1;
                        self.extreme_weight[s] += weight;
                    }
                }
                _ => self.undefined[s] += 1,
            }
        }
    }

    fn merge(&mut self, other: &Tally) {
        for s in 0..self.extreme.len() {
            self.extreme[s] += other.extreme[s];
            self.used[s] += other.used[s];
            self.extreme_weight[s] += other.extreme_weight[s];
            self.used_weight[s] += other.used_weight[s];
            self.undefined[s] += other.undefined[s];
        }
        self.drawn += other.drawn;
        self.largest_m = max_option(self.largest_m, other.largest_m);
    }
}

fn max_option(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Where the reference allocations come from.
pub(crate) enum Reference<'r, 'a, 'p> {
    /// The assign stage's own procedure.
    Assign(&'r Redrawer<'a, 'p>),
    /// A procedure declared for a trial allocated outside Evident.
    Declared(&'r Declared),
}

impl Reference<'_, '_, '_> {
    pub(crate) fn n_units(&self) -> usize {
        match self {
            Reference::Assign(r) => r.n_units(),
            Reference::Declared(d) => d.n_units(),
        }
    }

    fn enumerate(&self, limit: u64, mut visit: impl FnMut(&[u8], f64)) -> Option<Enumeration> {
        match self {
            Reference::Assign(r) => r.enumerate(limit, visit),
            Reference::Declared(d) => {
                let n = d.enumerate(limit, |unit_arm| visit(unit_arm, 1.0))?;
                Some(Enumeration {
                    allocations: n,
                    accepted: n,
                    equally_likely: true,
                })
            }
        }
    }

    fn draw(
        &self,
        k: u64,
        scratch: &mut Scratch,
        entity_arm: &mut Vec<u8>,
    ) -> Result<Redraw, AssignError> {
        match self {
            Reference::Assign(r) => r.draw(k, scratch),
            Reference::Declared(d) => {
                d.draw(k, scratch, entity_arm);
                Ok(Redraw {
                    draws: 1,
                    statistic: None,
                })
            }
        }
    }

    fn balance_statistic(&self, unit_arm: &[u8]) -> Option<f64> {
        match self {
            Reference::Assign(r) => r.balance_statistic(unit_arm),
            Reference::Declared(_) => None,
        }
    }

    fn acceptance_rule(&self) -> Option<&crate::spec::AcceptanceRule> {
        match self {
            Reference::Assign(r) => r.acceptance_rule(),
            Reference::Declared(_) => None,
        }
    }
}

/// Settings of one run.
pub(crate) struct RiRun<'r, 'a, 'p> {
    pub reference: Reference<'r, 'a, 'p>,
    pub seed: u64,
    pub draws: u64,
    pub exact_limit: u64,
    pub alternative: Alternative,
}

/// The observed allocation as each unit row's arm (units without analysed data get
/// an arm index that matches no arm).
pub(crate) fn unit_rows(redrawer: &Redrawer<'_, '_>, ids: &[String]) -> Result<Vec<u32>, RiError> {
    let index: HashMap<&[u8], u32> = (0..redrawer.n_units())
        .map(|row| (redrawer.unit_id(row), row as u32))
        .collect();
    ids.iter()
        .map(|id| {
            index
                .get(id.as_bytes())
                .copied()
                .ok_or_else(|| RiError::NotAllocated { id: id.clone() })
        })
        .collect()
}

/// Problems of randomisation inference.
#[derive(Debug, thiserror::Error)]
pub enum RiError {
    #[error(
        "randomisation inference: unit `{id}` of the analysis data is not in the units file the allocation was drawn from"
    )]
    NotAllocated { id: String },
    #[error(transparent)]
    Assign(#[from] AssignError),
    #[error(transparent)]
    Declared(#[from] super::declared::DeclaredError),
}

/// Runs randomisation inference for every statistic; `observed_arm` is each unit
/// row's observed arm.
pub(crate) fn run(
    settings: &RiRun<'_, '_, '_>,
    statistics: &[Statistic],
    observed_arm: &[u8],
) -> Result<(RiSummary, Vec<Option<RiResult>>), RiError> {
    let redrawer = &settings.reference;
    let observed: Vec<Option<f64>> = statistics
        .iter()
        .map(|s| s.evaluate(observed_arm))
        .collect();
    let alternative = settings.alternative;
    let mut exact_tally = Tally::new(statistics.len(), alternative);
    let enumeration = redrawer.enumerate(settings.exact_limit, |unit_arm, probability| {
        exact_tally.add(statistics, &observed, unit_arm, probability);
        exact_tally.largest_m =
            max_option(exact_tally.largest_m, redrawer.balance_statistic(unit_arm));
    });
    let mut equally_likely = true;
    let (method, tally, reference, possible, drawn) = match enumeration {
        Some(e) => {
            equally_likely = e.equally_likely;
            (
                RiMethod::Exact,
                exact_tally,
                e.accepted,
                Some(e.allocations),
                None,
            )
        }
        None => {
            let progress = crate::progress::task("randomisation inference", settings.draws);
            let chunks: Vec<(u64, u64)> = (0..settings.draws.div_ceil(CHUNK))
                .map(|c| (c * CHUNK + 1, ((c + 1) * CHUNK).min(settings.draws)))
                .collect();
            let tallies: Vec<Result<Tally, AssignError>> = chunks
                .par_iter()
                .map(|&(first, last)| {
                    let mut scratch = Scratch::default();
                    let mut entity_arm = Vec::new();
                    let mut tally = Tally::new(statistics.len(), alternative);
                    for k in first..=last {
                        let redraw = redrawer.draw(k, &mut scratch, &mut entity_arm)?;
                        tally.drawn += redraw.draws;
                        tally.largest_m = max_option(tally.largest_m, redraw.statistic);
                        tally.add(statistics, &observed, &scratch.unit_arm, 1.0);
                    }
                    progress.advance(last + 1 - first);
                    Ok(tally)
                })
                .collect();
            // Combined in chunk order; the first failing re-draw is reported.
            let mut total = Tally::new(statistics.len(), alternative);
            for tally in tallies {
                total.merge(&tally?);
            }
            let drawn = total.drawn;
            (RiMethod::Sampled, total, settings.draws, None, Some(drawn))
        }
    };
    let results = observed
        .iter()
        .enumerate()
        .map(|(s, obs)| {
            let statistic = (*obs)?;
            let used = tally.used[s];
            if used == 0 {
                return None;
            }
            // Equally likely allocations (and sampled re-draws): a ratio of counts;
            // otherwise of probabilities.
            let (extreme, p_value) = if equally_likely {
                let x = tally.extreme[s] as f64;
                (x, x / used as f64)
            } else {
                let x = tally.extreme_weight[s];
                (x, (x / tally.used_weight[s]).clamp(0.0, 1.0))
            };
            let allocations = used;
            let (monte_carlo_se, conf_low, conf_high) = match method {
                RiMethod::Exact => (None, None, None),
                RiMethod::Sampled => {
                    let r = used as f64;
                    let x = extreme;
                    let low = if x > 0.0 {
                        beta::quantile(0.025, x, r - x + 1.0).ok()
                    } else {
                        Some(0.0)
                    };
                    let high = if x < r {
                        beta::quantile(0.975, x + 1.0, r - x).ok()
                    } else {
                        Some(1.0)
                    };
                    (Some((p_value * (1.0 - p_value) / r).sqrt()), low, high)
                }
            };
            Some(RiResult {
                statistic,
                p_value,
                extreme,
                allocations,
                undefined: tally.undefined[s],
                monte_carlo_se,
                conf_low,
                conf_high,
            })
        })
        .collect();
    let rule = redrawer.acceptance_rule();
    let (stream, assumed_procedure) = match redrawer {
        Reference::Assign(_) => (crate::assign::redraw::REDRAW_PROCEDURE, None),
        Reference::Declared(d) => (
            super::declared::DECLARED_PROCEDURE,
            Some(AssumedProcedure {
                procedure: d.procedure,
                description: d.description.clone(),
            }),
        ),
    };
    let mut explanation = explanation(method, reference, possible, rule.is_some(), equally_likely);
    if assumed_procedure.is_some() {
        explanation = explanation.replace(
            "with the same seeded procedure as the real one",
            "with a seeded procedure of the assumed kind",
        );
    }
    if let Some(assumed) = &assumed_procedure {
        explanation.push_str(&format!(
            " The units were allocated outside Evident, so the allocation procedure is assumed, not known: {}. If the real procedure differed (other blocks, clusters or arm sizes), so would this p-value.",
            assumed.description
        ));
    }
    let summary = RiSummary {
        method,
        reference_allocations: reference,
        possible_allocations: possible,
        allocations_drawn: drawn,
        acceptance_rule_applied: rule.is_some(),
        max_mahalanobis: rule.map(|r| r.max_mahalanobis),
        largest_statistic: tally.largest_m,
        seed: settings.seed,
        stream,
        alternative,
        explanation,
        assumed_procedure,
    };
    Ok((summary, results))
}

fn explanation(
    method: RiMethod,
    reference: u64,
    possible: Option<u64>,
    restricted: bool,
    equally_likely: bool,
) -> String {
    let mut text = String::from(
        "The randomisation-inference p-value asks: if the intervention had made no difference to any unit, how often would the way units happened to be allocated alone produce an estimate at least as extreme as the one observed (as far from zero, for a two-sided test)? ",
    );
    match method {
        RiMethod::Exact => text.push_str(&format!(
            "Every one of the {} possible allocations of this design was considered{}, so the p-value is exact.",
            count(possible.unwrap_or(reference) as usize),
            if equally_likely {
                ""
            } else {
                ", each weighted by its probability"
            }
        )),
        RiMethod::Sampled => text.push_str(&format!(
            "The allocation was re-drawn {} times with the same seeded procedure as the real one, so the p-value carries a small simulation error (shown).",
            count(reference as usize)
        )),
    }
    if restricted {
        text.push_str(&format!(
            " Because the allocation was rerandomised for balance, only allocations that pass the same balance rule were used{}; including unbalanced ones would make the test too cautious.",
            match (method, possible) {
                (RiMethod::Exact, Some(p)) => {
                    format!(" ({} of {})", count(reference as usize), count(p as usize))
                }
                _ => String::new(),
            }
        ));
    }
    text.push_str(" Unlike the analytic p-value it needs no assumption about the distribution of the outcome.");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_count_as_extreme_within_the_tolerance() {
        assert!(extreme(-0.5, 0.5, Alternative::TwoSided));
        assert!(extreme(0.5 - 1e-12, 0.5, Alternative::TwoSided));
        assert!(!extreme(0.49, 0.5, Alternative::TwoSided));
        assert!(extreme(1000.0 - 1e-8, 1000.0, Alternative::Greater));
        assert!(!extreme(1000.0 - 1e-6, 1000.0, Alternative::Greater));
        assert!(extreme(-2.0, -1.0, Alternative::Less));
        assert!(!extreme(-2.0, -1.0, Alternative::Greater));
    }

    #[test]
    fn regression_statistic_without_covariate_signal_is_close_to_the_mean_difference() {
        // One covariate uncorrelated with treatment within this allocation: the
        // adjusted coefficient equals the difference in means.
        let y = vec![1.0, 2.0, 3.0, 4.0, 6.0, 8.0];
        let x = vec![1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        let rows: Vec<u32> = (0..6).collect();
        let arm = [0u8, 0, 0, 1, 1, 1];
        let dim = Statistic::difference_in_means(rows.clone(), y.clone(), 1, 0);
        let reg = Statistic::regression(rows, y, 1, 0, vec![x], false, Vec::new());
        let d = dim.evaluate(&arm).unwrap();
        assert!((d - 4.0).abs() < 1e-12);
        // x sums: control 1 (−1+1+... ) — adjusted differs by the covariate's slope
        // times the mean difference of x: x̄_T − x̄_C = (−1+1−1)/3 − (1−1+1)/3 = −2/3.
        let r = reg.evaluate(&arm).unwrap();
        assert!(r.is_finite());
    }
}
