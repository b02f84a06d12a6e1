//! Re-draws of an allocation for randomisation inference: "allocation number k" of a
//! prepared design, drawn with exactly the assign stage's procedure (same method,
//! blocks, clusters, pairs, shares or counts) and, with rerandomisation, kept only
//! when it passes the same acceptance rule. Also the exact alternative: every
//! possible allocation of a two-arm design, each with its probability.
//!
//! # Re-draw streams (version `evident-ri-v1`)
//! Re-draw `k` (k = 1, 2, …) reads its own ChaCha20 stream keyed by SHA-256 of the
//! 13 ASCII bytes `evident-ri-v1`, then the allocation seed as 8 bytes little-endian,
//! then `k` as 8 bytes little-endian (otherwise as `rng.rs`: zero nonce, 64-bit words).
//! On that stream the allocation procedure runs as in `super::Prepared::draw`: the
//! groups in canonical order, and with rerandomisation whole allocations one after
//! another until one has M ≤ the threshold (at most `max_draws`). Re-draw `k` depends
//! only on the units, the design, the seed and `k`: not on the thread count or on
//! which other re-draws were made. The allocation itself (the stream keyed by
//! `evident-assign-v1`) is never one of the re-draws' streams.
//!
//! # Exact enumeration
//! For two arms and every method but `simple`, the allocations are the product over
//! groups of the ways to choose the treated entities. Under the remainder rule a
//! group of `n` gets `floor(n·p)` or `floor(n·p) + 1` treated entities with
//! probabilities `1 − f` and `f` (`f` the fractional part of `n·p` for the first arm,
//! `complete.rs`); every choice of that many entities is equally likely. An
//! allocation's probability is the product over groups of P(count) / C(n, count).
//! With rerandomisation only accepted allocations are visited; their probabilities,
//! renormalised over the accepted set, are the design's conditional probabilities.

use sha2::{Digest, Sha256};

use super::rerandomise::Acceptance;
use super::rng::Stream;
use super::{AssignError, Prepared};
use crate::spec::{AcceptanceRule, AssignmentMethod, AssignmentPlan};

/// Name and version of the re-draw stream derivation.
pub const REDRAW_PROCEDURE: &str = "evident-ri-v1";

/// The stream of re-draw `k` for allocation seed `seed`.
pub fn redraw_stream(seed: u64, k: u64) -> Stream {
    let mut hasher = Sha256::new();
    hasher.update(REDRAW_PROCEDURE.as_bytes());
    hasher.update(seed.to_le_bytes());
    hasher.update(k.to_le_bytes());
    Stream::from_key(hasher.finalize().into())
}

/// Working buffers for one thread of re-draws.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    entity_arm: Vec<u8>,
    labels: Vec<u8>,
    /// Each unit row's arm after a re-draw (rows in identifier order).
    pub unit_arm: Vec<u8>,
}

/// What one re-draw took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Redraw {
    /// Allocations drawn (1 without rerandomisation).
    pub draws: u64,
    /// M of the kept allocation, with rerandomisation.
    pub statistic: Option<f64>,
}

/// The summary of an exact enumeration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enumeration {
    /// Possible allocations.
    pub allocations: u64,
    /// Those passing the acceptance rule (all of them without rerandomisation).
    pub accepted: u64,
    /// Whether every allocation has the same probability (then p-values are counts).
    pub equally_likely: bool,
}

/// Draws allocation number `k` of a prepared design (see the module docs).
pub struct Redrawer<'a, 'p> {
    prepared: &'a Prepared<'p>,
    seed: u64,
    rule: Option<Acceptance<'a>>,
}

impl<'a, 'p> Redrawer<'a, 'p> {
    /// Re-draws for the allocation made with `seed`. With rerandomisation the balance
    /// criterion is prepared once here.
    pub fn new(prepared: &'a Prepared<'p>, seed: u64) -> Result<Self, AssignError> {
        let rule = prepared.acceptance()?;
        Ok(Redrawer {
            prepared,
            seed,
            rule,
        })
    }

    /// Whether re-draws are kept only when they pass a rerandomisation rule.
    pub fn restricted(&self) -> bool {
        self.rule.is_some()
    }

    /// The acceptance rule, with rerandomisation.
    pub fn acceptance_rule(&self) -> Option<&AcceptanceRule> {
        self.rule.as_ref().map(|r| r.rule)
    }

    /// M of an allocation (each unit row's arm), with rerandomisation.
    pub fn balance_statistic(&self, unit_arm: &[u8]) -> Option<f64> {
        self.rule.as_ref().map(|r| r.criterion.statistic(unit_arm))
    }

    /// Number of units (rows of `Scratch::unit_arm`).
    pub fn n_units(&self) -> usize {
        self.prepared.units.n_rows()
    }

    /// Identifier of unit row `row` (rows in identifier order).
    pub fn unit_id(&self, row: usize) -> &[u8] {
        self.prepared.units.id(row)
    }

    /// Arm names, in spec order (the arm indices of `unit_arm`).
    pub fn arm_names(&self) -> &[String] {
        &self.prepared.arm_names
    }

    /// Re-draw number `k` (k ≥ 1) into `scratch.unit_arm`.
    ///
    /// # Errors
    /// [`AssignError::RedrawNotAccepted`] when rerandomisation accepts none of
    /// `max_draws` allocations on this re-draw's stream.
    pub fn draw(&self, k: u64, scratch: &mut Scratch) -> Result<Redraw, AssignError> {
        let mut stream = redraw_stream(self.seed, k);
        self.prepared
            .draw_accepted(
                &mut stream,
                self.rule.as_ref(),
                &mut scratch.entity_arm,
                &mut scratch.labels,
                &mut scratch.unit_arm,
            )
            .map(|(draws, statistic)| Redraw { draws, statistic })
            .map_err(|_| {
                let rule = self
                    .rule
                    .as_ref()
                    .expect("only a rule can refuse an allocation");
                AssignError::RedrawNotAccepted {
                    redraw: k,
                    draws: rule.max_draws,
                    threshold: rule.rule.max_mahalanobis,
                }
            })
    }

    /// Per group, the treated counts possible and their probabilities; `None` when
    /// the design cannot be enumerated (simple randomisation, more than two arms).
    fn count_options(&self) -> Option<Vec<Vec<(usize, f64)>>> {
        let p = self.prepared;
        if p.arm_names.len() != 2 || p.plan.method == AssignmentMethod::Simple {
            return None;
        }
        let treatment = usize::from(p.control == 0);
        let mut options = Vec::with_capacity(p.groups.len());
        for g in 0..p.groups.len() {
            let n = p.groups.members(g).len();
            let group = match &p.plan.counts {
                Some(counts) => vec![(counts[treatment] as usize, 1.0)],
                None => {
                    // The remainder rule for two arms (`complete::remainder_counts`):
                    // arm 0 takes the one remainder unit with probability f_0.
                    let total = n as f64;
                    let floors: Vec<f64> = p.shares.iter().map(|s| (total * s).floor()).collect();
                    let assigned = floors[0] as usize + floors[1] as usize;
                    let base = floors[treatment] as usize;
                    if assigned >= n {
                        vec![(base, 1.0)]
                    } else {
                        let f0 = total * p.shares[0] - floors[0];
                        let (first_extra, second_extra) = if treatment == 0 {
                            ((base + 1, f0), (base, 1.0 - f0))
                        } else {
                            ((base, f0), (base + 1, 1.0 - f0))
                        };
                        [first_extra, second_extra]
                            .into_iter()
                            .filter(|(_, prob)| *prob > 0.0)
                            .collect()
                    }
                }
            };
            options.push(group);
        }
        Some(options)
    }

    /// Number of possible allocations of a two-arm, non-simple design (saturating);
    /// `None` when the design cannot be enumerated.
    pub fn count_allocations(&self) -> Option<u128> {
        let options = self.count_options()?;
        let mut total: u128 = 1;
        for (g, group) in options.iter().enumerate() {
            let n = self.prepared.groups.members(g).len();
            let ways = group
                .iter()
                .map(|(c, _)| binomial(n, *c))
                .fold(0u128, u128::saturating_add);
            total = total.saturating_mul(ways);
        }
        Some(total)
    }

    /// Visits every possible allocation (passing the acceptance rule, with
    /// rerandomisation) as `visit(unit_arm, probability)`, in a fixed order, when
    /// the design can be enumerated and has at most `limit` allocations; otherwise
    /// returns `None` and visits nothing. Probabilities are the design's
    /// (unconditional) ones; renormalise over the accepted set.
    pub fn enumerate(&self, limit: u64, mut visit: impl FnMut(&[u8], f64)) -> Option<Enumeration> {
        let total = self.count_allocations()?;
        if total > u128::from(limit) || total == 0 {
            return None;
        }
        let options = self.count_options()?;
        let p = self.prepared;
        let treatment = usize::from(p.control == 0) as u8;
        let control = p.control as u8;
        // Per group: every treated subset (as positions within the group) and its
        // probability P(count) / C(n, count).
        let mut per_group: Vec<Vec<(Vec<u32>, f64)>> = Vec::with_capacity(options.len());
        for (g, group) in options.iter().enumerate() {
            let n = p.groups.members(g).len();
            let mut choices = Vec::new();
            for &(count, prob) in group {
                let weight = prob / binomial(n, count) as f64;
                for_each_combination(n, count, |chosen| choices.push((chosen.to_vec(), weight)));
            }
            per_group.push(choices);
        }
        let equally_likely = {
            let first = per_group.iter().map(|c| c[0].1).collect::<Vec<_>>();
            per_group
                .iter()
                .zip(&first)
                .all(|(c, w)| c.iter().all(|(_, x)| x == w))
        };
        let mut entity_arm = vec![control; p.n_entities];
        let mut unit_arm = Vec::with_capacity(p.units.n_rows());
        let mut index = vec![0usize; per_group.len()];
        let mut allocations = 0u64;
        let mut accepted = 0u64;
        loop {
            let mut probability = 1.0;
            for (g, choices) in per_group.iter().enumerate() {
                let members = p.groups.members(g);
                for e in members {
                    entity_arm[*e as usize] = control;
                }
                let (chosen, weight) = &choices[index[g]];
                for position in chosen {
                    entity_arm[members[*position as usize] as usize] = treatment;
                }
                probability *= weight;
            }
            p.unit_arms(&entity_arm, &mut unit_arm);
            allocations += 1;
            let keep = self
                .rule
                .as_ref()
                .is_none_or(|r| r.rule.accepts(r.criterion.statistic(&unit_arm)));
            if keep {
                accepted += 1;
                visit(&unit_arm, probability);
            }
            // Odometer over the groups, last group fastest.
            let mut g = per_group.len();
            loop {
                if g == 0 {
                    return Some(Enumeration {
                        allocations,
                        accepted,
                        equally_likely,
                    });
                }
                g -= 1;
                index[g] += 1;
                if index[g] < per_group[g].len() {
                    break;
                }
                index[g] = 0;
            }
        }
    }
}

/// The groups the assign stage randomised independently (blocks, pairs, or blocks of
/// clusters), for analysing the allocation as it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitGroups {
    /// Each unit's identifier and group index, units in identifier order.
    pub unit_group: Vec<(String, u32)>,
    /// Each group's label (a block, a pair such as `north / pair 3`, ...).
    pub labels: Vec<String>,
}

impl super::Prepared<'_> {
    /// Whether the allocation was randomised within groups that the analysis must
    /// respect: blocked, blocked_cluster and matched_pairs allocations.
    pub fn randomised_within_groups(&self) -> bool {
        self.plan.method.randomises_within_groups()
    }

    /// Each unit's group (its block, pair, or its cluster's block).
    pub fn unit_groups(&self) -> UnitGroups {
        let mut entity_group = vec![0u32; self.n_entities];
        for g in 0..self.groups.len() {
            for e in self.groups.members(g) {
                entity_group[*e as usize] = g as u32;
            }
        }
        let unit_group = (0..self.units.n_rows())
            .map(|row| {
                let entity = self.unit_entity.as_ref().map_or(row, |m| m[row] as usize);
                (
                    String::from_utf8_lossy(self.units.id(row)).into_owned(),
                    entity_group[entity],
                )
            })
            .collect();
        let labels = (0..self.groups.len())
            .map(|g| match self.groups.labels[g].as_str() {
                "" => format!("group {}", g + 1),
                label => label.to_string(),
            })
            .collect();
        UnitGroups { unit_group, labels }
    }

    /// The assignment method.
    pub fn method(&self) -> AssignmentMethod {
        self.plan.method
    }
}

/// The seed the allocation on disk was drawn with: the manifest's (which records a
/// drawn seed too), checked against the spec's when the spec gives one.
///
/// # Errors
/// [`AssignError::Manifest`] when there is no readable manifest, or its seed is not
/// the spec's; [`AssignError::AssignmentsChanged`] when assignments.csv is not the
/// file the manifest records.
pub fn allocation_seed(assignment: &AssignmentPlan) -> Result<u64, AssignError> {
    let path = assignment.manifest_path();
    let Some((manifest, _)) = super::read_manifest(&path)? else {
        return Err(AssignError::Manifest {
            path,
            message: "no such file; randomisation inference re-draws the recorded allocation"
                .into(),
        });
    };
    // The arms analysed come from assignments.csv; the re-draws from the manifest's
    // seed. They belong together only while the file is the one recorded.
    let csv = assignment.assignments_path();
    match super::file_sha256(&csv)? {
        Some(found) if found == manifest.assignments_sha256 => {}
        found => {
            return Err(AssignError::AssignmentsChanged {
                path: csv,
                recorded: manifest.assignments_sha256,
                found: found.unwrap_or_else(|| "no file".into()),
            });
        }
    }
    if let Some(seed) = assignment.seed
        && seed != manifest.seed
    {
        return Err(AssignError::Manifest {
            path,
            message: format!("it records seed {} but the spec says {seed}", manifest.seed),
        });
    }
    Ok(manifest.seed)
}

/// C(n, k), saturating at u128::MAX.
pub fn binomial(n: usize, k: usize) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut result: u128 = 1;
    for i in 0..k {
        // result · (n − i) / (i + 1) stays an integer at every step.
        result = match result.checked_mul((n - i) as u128) {
            Some(x) => x / (i as u128 + 1),
            None => return u128::MAX,
        };
    }
    result
}

/// Calls `visit` with every k-subset of 0..n, in lexicographic order.
pub fn for_each_combination(n: usize, k: usize, mut visit: impl FnMut(&[u32])) {
    let mut chosen: Vec<u32> = (0..k as u32).collect();
    if k > n {
        return;
    }
    loop {
        visit(&chosen);
        // Find the rightmost position that can move right.
        let mut i = k;
        loop {
            if i == 0 {
                return;
            }
            i -= 1;
            if (chosen[i] as usize) < n - k + i {
                break;
            }
            if i == 0 {
                return;
            }
        }
        chosen[i] += 1;
        for j in i + 1..k {
            chosen[j] = chosen[j - 1] + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomials_and_combinations_agree() {
        assert_eq!(binomial(10, 5), 252);
        assert_eq!(binomial(12, 0), 1);
        assert_eq!(binomial(3, 4), 0);
        assert_eq!(binomial(200, 100), u128::MAX);
        let mut seen = Vec::new();
        for_each_combination(5, 2, |c| seen.push(c.to_vec()));
        assert_eq!(seen.len(), 10);
        assert_eq!(seen[0], [0, 1]);
        assert_eq!(seen[9], [3, 4]);
        let mut empty = 0;
        for_each_combination(4, 0, |c| {
            assert!(c.is_empty());
            empty += 1;
        });
        assert_eq!(empty, 1);
    }

    #[test]
    fn redraw_streams_differ_by_k_and_from_the_allocation_stream() {
        let a = redraw_stream(7, 1).next_u64();
        let b = redraw_stream(7, 2).next_u64();
        let c = Stream::new(7).next_u64();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, redraw_stream(7, 1).next_u64());
    }
}
