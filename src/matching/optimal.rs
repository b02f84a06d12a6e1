//! Optimal pair matching: the 1:1 matching of every focal unit to a distinct unit of
//! the other group with the least total |score difference| (MatchIt's `optimal`
//! with ratio 1), solved exactly as a rectangular assignment problem.
//!
//! The solver is the shortest-augmenting-path Hungarian algorithm with potentials
//! (Kuhn 1955; Jonker and Volgenant 1987), O(n²m) for n focal and m other units, on
//! f64 costs: every cost is an exact |difference| of two scores and the algorithm
//! only adds and compares them, so the total it reaches is the minimum up to the
//! rounding of those sums (checked against scipy's `linear_sum_assignment`).
//! No maintained crate offered f64 costs without a rescaling to integers, which
//! would change which matching is optimal when scores differ below the scale.

use super::{MatchError, MatchInput, MatchStatus, SetsOutcome, weights_from_sets};
use crate::spec::matching::{Estimand, MatchingPlan};

/// Minimum-cost assignment of each of `n` rows to a distinct column of an n × m cost
/// matrix (n ≤ m), given by `cost(row, column)`; returns each row's column.
pub fn min_cost_assignment(n: usize, m: usize, cost: impl Fn(usize, usize) -> f64) -> Vec<usize> {
    assert!(n <= m, "more rows than columns");
    // 1-based arrays with a virtual column 0 (e-maxx formulation).
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; m + 1];
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut assignment = vec![0; n];
    for j in 1..=m {
        if p[j] != 0 {
            assignment[p[j] - 1] = j - 1;
        }
    }
    assignment
}

/// Runs the `optimal` method of the plan (within exact strata).
pub(crate) fn run(
    plan: &MatchingPlan,
    input: &MatchInput,
    score: Option<&[f64]>,
    status: &mut [MatchStatus],
) -> Result<SetsOutcome, MatchError> {
    let score = score.expect("validation gives optimal matching a score");
    let focal_treated = plan.estimand != Estimand::Atc;
    let n_strata = input.stratum_labels.len();
    let mut focal: Vec<Vec<usize>> = vec![Vec::new(); n_strata];
    let mut others: Vec<Vec<usize>> = vec![Vec::new(); n_strata];
    for i in 0..input.ids.len() {
        if status[i] != MatchStatus::Unmatched {
            continue;
        }
        if input.treated[i] == focal_treated {
            focal[input.stratum[i]].push(i);
        } else {
            others[input.stratum[i]].push(i);
        }
    }
    let mut sets = Vec::new();
    for (f, o) in focal.iter().zip(&others) {
        if f.is_empty() {
            continue;
        }
        if o.is_empty() && !plan.exact.is_empty() {
            for &i in f {
                status[i] = MatchStatus::NoExactMatch;
            }
            continue;
        }
        if f.len() > o.len() {
            return Err(MatchError::PoolTooSmall {
                ratio: 1,
                focal: f.len(),
                needed: f.len(),
                pool: o.len(),
            });
        }
        let assignment =
            min_cost_assignment(f.len(), o.len(), |r, c| (score[f[r]] - score[o[c]]).abs());
        for (r, c) in assignment.into_iter().enumerate() {
            sets.push((f[r], vec![o[c]]));
        }
    }
    let (weights, sets) = weights_from_sets(input, &sets, false, focal_treated, status);
    Ok(SetsOutcome {
        weights,
        sets,
        caliper_width: None,
        notes: Vec::new(),
    })
}
