//! Greedy nearest-neighbour matching (MatchIt's `nearest`): focal units (treated for
//! the ATT) choose in turn, in the declared order, the closest eligible unit of the
//! other group; with `ratio` k the choices are made in k rounds, a unit left without
//! a match in a round taking no part in the later ones.
//!
//! Tie rule (independent of row order): among candidates at the same distance the
//! one with the smaller unit id (byte order) is taken; focal units with equal scores
//! choose in unit-id order.
//!
//! On a one-dimensional score the candidates sit in a sorted array; used ones are
//! skipped by two path-compressed "next alive" links, so each choice costs
//! O(log n) amortised instead of a scan of the pool. A Mahalanobis distance searches
//! a k-d tree of the pool in whitened coordinates (see `neighbours`), with the same
//! answer as a scan; batches of focal units search in parallel and then choose in
//! turn, searching again only when their guess was taken by an earlier unit.

use rayon::prelude::*;

use super::distance::mahalanobis_whitener;
use super::neighbours::WhitenedSearch;
use super::{MatchError, MatchInput, MatchStatus, SetsOutcome, weights_from_sets};
use crate::spec::matching::{Distance, Estimand, MatchOrder, MatchingPlan};

/// Focal units whose Mahalanobis searches run in parallel before their choices are
/// made in turn (see `run`): small enough that few guesses are taken by an earlier
/// unit of the batch, large enough to share between threads.
const GUESS_BATCH: usize = 256;

/// Settings of [`nearest_neighbour`] on scores alone (benchmarks, tests).
#[derive(Debug, Clone)]
pub struct NearestOptions {
    pub ratio: usize,
    pub replacement: bool,
    /// Largest |score difference| allowed, in score units.
    pub caliper: Option<f64>,
    pub order: MatchOrder,
    pub seed: Option<u64>,
}

/// Matches focal units to others on a score; returns, per focal unit (in focal
/// order of the input), the chosen others (indices into `others`).
pub fn nearest_neighbour(
    focal_scores: &[f64],
    other_scores: &[f64],
    options: &NearestOptions,
) -> Vec<Vec<usize>> {
    let focal: Vec<usize> = (0..focal_scores.len()).collect();
    let others: Vec<usize> = (0..other_scores.len()).collect();
    let order = focal_order(&focal, focal_scores, options.order, options.seed);
    let mut search = ScoreSearch::new(&others, other_scores);
    let mut chosen = vec![Vec::new(); focal_scores.len()];
    let mut failed = vec![false; focal_scores.len()];
    for _ in 0..options.ratio {
        for &f in &order {
            if failed[f] {
                continue;
            }
            let taken = &chosen[f];
            match search.closest(
                focal_scores[f],
                options.caliper.unwrap_or(f64::INFINITY),
                |o| !taken.contains(&o),
            ) {
                Search::Found(o, position) => {
                    if !options.replacement {
                        search.remove(position);
                    }
                    chosen[f].push(o);
                }
                _ => failed[f] = true,
            }
        }
    }
    chosen
}

/// Runs the `nearest` method of the plan.
pub(crate) fn run(
    plan: &MatchingPlan,
    input: &MatchInput,
    score: Option<&[f64]>,
    status: &mut [MatchStatus],
) -> Result<SetsOutcome, MatchError> {
    let focal_treated = plan.estimand != Estimand::Atc;
    let eligible: Vec<usize> = (0..input.ids.len())
        .filter(|&i| status[i] == MatchStatus::Unmatched)
        .collect();
    let focal: Vec<usize> = eligible
        .iter()
        .copied()
        .filter(|&i| input.treated[i] == focal_treated)
        .collect();
    let others: Vec<usize> = eligible
        .iter()
        .copied()
        .filter(|&i| input.treated[i] != focal_treated)
        .collect();
    if !plan.replacement && plan.ratio * focal.len() > others.len() {
        return Err(MatchError::PoolTooSmall {
            ratio: plan.ratio,
            focal: focal.len(),
            needed: plan.ratio * focal.len(),
            pool: others.len(),
        });
    }
    let caliper_width = match (plan.caliper, score) {
        (Some(c), Some(s)) if plan.std_caliper => {
            Some(c * sd(&eligible.iter().map(|&i| s[i]).collect::<Vec<_>>()))
        }
        (Some(c), _) => Some(c),
        _ => None,
    };
    let covariate_widths: Vec<(usize, f64)> = plan
        .covariate_calipers
        .iter()
        .filter_map(|(name, c)| {
            let j = input.covariate_names.iter().position(|n| n == name)?;
            let width = if plan.std_caliper {
                c * sd(&eligible
                    .iter()
                    .map(|&i| input.columns[j][i])
                    .collect::<Vec<_>>())
            } else {
                *c
            };
            Some((j, width))
        })
        .collect();
    let within_calipers = |f: usize, o: usize| {
        covariate_widths
            .iter()
            .all(|&(j, w)| (input.columns[j][f] - input.columns[j][o]).abs() <= w)
    };
    let order_scores: Vec<f64> = match score {
        Some(s) => focal.iter().map(|&i| s[i]).collect(),
        None => vec![0.0; focal.len()],
    };
    let order: Vec<usize> = focal_order(
        &(0..focal.len()).collect::<Vec<_>>(),
        &order_scores,
        plan.order,
        plan.seed,
    )
    .into_iter()
    .map(|k| focal[k])
    .collect();
    let n_strata = input.stratum_labels.len();
    let mut by_stratum: Vec<Vec<usize>> = vec![Vec::new(); n_strata];
    for &o in &others {
        by_stratum[input.stratum[o]].push(o);
    }
    let mut chosen: Vec<Vec<usize>> = vec![Vec::new(); input.ids.len()];
    let mut failed = vec![false; input.ids.len()];
    match (&plan.distance, score) {
        (Some(Distance::Mahalanobis | Distance::RobustMahalanobis), _) => {
            let robust = matches!(plan.distance, Some(Distance::RobustMahalanobis));
            let whitened = mahalanobis_whitener(input, &eligible, robust)?;
            let mut row_of = vec![usize::MAX; input.ids.len()];
            for (r, &i) in eligible.iter().enumerate() {
                row_of[i] = r;
            }
            let mut searches: Vec<WhitenedSearch> = by_stratum
                .iter()
                .map(|members| WhitenedSearch::new(members, &whitened, &row_of))
                .collect();
            for round in 0..plan.ratio {
                for batch in order.chunks(GUESS_BATCH) {
                    // Each focal unit's nearest in the trees as they stand before the
                    // batch, searched in parallel. Removals only shrink the candidates,
                    // so a guess still alive at its unit's turn is what the search then
                    // would give (none stays none); a guess taken in between is searched
                    // again. The same choices as one search after another, bit for bit.
                    let guesses: Vec<Option<(usize, usize)>> = batch
                        .par_iter()
                        .map(|&f| {
                            if failed[f] {
                                return None;
                            }
                            let taken = &chosen[f];
                            searches[input.stratum[f]].nearest(&whitened[row_of[f]], |o| {
                                !taken.contains(&o) && within_calipers(f, o)
                            })
                        })
                        .collect();
                    for (&f, guess) in batch.iter().zip(guesses) {
                        if failed[f] {
                            continue;
                        }
                        let search = &mut searches[input.stratum[f]];
                        let taken = &chosen[f];
                        let found = match guess {
                            Some((_, position)) if search.is_removed(position) => search
                                .nearest(&whitened[row_of[f]], |o| {
                                    !taken.contains(&o) && within_calipers(f, o)
                                }),
                            guess => guess,
                        };
                        match found {
                            Some((o, position)) => {
                                if !plan.replacement {
                                    search.remove(position);
                                }
                                chosen[f].push(o);
                            }
                            None => {
                                failed[f] = true;
                                if round == 0 {
                                    // Candidates remained, but none within the calipers.
                                    let any = search.alive() > taken.len();
                                    status[f] = failure_status(
                                        &by_stratum[input.stratum[f]],
                                        any,
                                        !plan.exact.is_empty(),
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        (_, Some(s)) => {
            let mut searches: Vec<ScoreSearch> = by_stratum
                .iter()
                .map(|members| ScoreSearch::new(members, s))
                .collect();
            let max_d = caliper_width.unwrap_or(f64::INFINITY);
            for round in 0..plan.ratio {
                for &f in &order {
                    if failed[f] {
                        continue;
                    }
                    let taken = &chosen[f];
                    let search = &mut searches[input.stratum[f]];
                    match search.closest(s[f], max_d, |o| {
                        !taken.contains(&o) && within_calipers(f, o)
                    }) {
                        Search::Found(o, position) => {
                            if !plan.replacement {
                                search.remove(position);
                            }
                            chosen[f].push(o);
                        }
                        other => {
                            failed[f] = true;
                            if round == 0 {
                                status[f] = failure_status(
                                    &by_stratum[input.stratum[f]],
                                    other == Search::OutsideCaliper,
                                    !plan.exact.is_empty(),
                                );
                            }
                        }
                    }
                }
            }
        }
        _ => unreachable!("validation gives nearest matching a distance"),
    }
    let sets: Vec<(usize, Vec<usize>)> = focal
        .iter()
        .map(|&f| (f, std::mem::take(&mut chosen[f])))
        .collect();
    let (weights, sets) = weights_from_sets(input, &sets, plan.replacement, focal_treated, status);
    Ok(SetsOutcome {
        weights,
        sets,
        caliper_width,
        notes: Vec::new(),
    })
}

fn failure_status(stratum_others: &[usize], outside_caliper: bool, exact: bool) -> MatchStatus {
    if exact && stratum_others.is_empty() {
        MatchStatus::NoExactMatch
    } else if outside_caliper {
        MatchStatus::OutsideCaliper
    } else {
        MatchStatus::Unmatched
    }
}

/// Sample standard deviation (n − 1), as MatchIt's caliper uses.
fn sd(values: &[f64]) -> f64 {
    crate::stats::summary::mean_and_variance(values).1.sqrt()
}

/// The order in which focal units choose; `units` are in id order.
fn focal_order(
    units: &[usize],
    scores: &[f64],
    order: MatchOrder,
    seed: Option<u64>,
) -> Vec<usize> {
    let mut out = units.to_vec();
    match order {
        MatchOrder::Data => {}
        // Stable sorts keep id order among equal scores.
        MatchOrder::Largest => out.sort_by(|&a, &b| scores[b].total_cmp(&scores[a])),
        MatchOrder::Smallest => out.sort_by(|&a, &b| scores[a].total_cmp(&scores[b])),
        MatchOrder::Random => {
            let mut stream = crate::assign::rng::Stream::new(seed.unwrap_or(0));
            stream.shuffle(&mut out);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Search {
    /// The unit and its position in the search.
    Found(usize, usize),
    /// Candidates remain but none is within the calipers.
    OutsideCaliper,
    /// No candidate remains.
    Exhausted,
}

/// Units sorted by (score, id) with O(α(n)) skipping of removed ones.
struct ScoreSearch {
    /// (score, unit), sorted.
    sorted: Vec<(f64, usize)>,
    /// `next[p]`: the first alive position ≥ p (path-compressed); len + 1 entries.
    next: Vec<usize>,
    /// `prev[p + 1]`: one plus the last alive position ≤ p; 0 when none.
    prev: Vec<usize>,
}

impl ScoreSearch {
    fn new(units: &[usize], scores: &[f64]) -> ScoreSearch {
        let mut sorted: Vec<(f64, usize)> = units.iter().map(|&u| (scores[u], u)).collect();
        // Units are distinct, so the order is total: one result, sorted in parallel.
        sorted.par_sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let m = sorted.len();
        ScoreSearch {
            sorted,
            next: (0..=m).collect(),
            prev: (0..=m).collect(),
        }
    }

    fn find_next(&mut self, p: usize) -> usize {
        let mut root = p;
        while self.next[root] != root {
            root = self.next[root];
        }
        let mut q = p;
        while self.next[q] != root {
            let up = self.next[q];
            self.next[q] = root;
            q = up;
        }
        root
    }

    /// The last alive position < `p` (as position + 1; 0 when none).
    fn find_prev(&mut self, p: usize) -> usize {
        let mut root = p;
        while self.prev[root] != root {
            root = self.prev[root];
        }
        let mut q = p;
        while self.prev[q] != root {
            let up = self.prev[q];
            self.prev[q] = root;
            q = up;
        }
        root
    }

    fn remove(&mut self, p: usize) {
        self.next[p] = p + 1;
        self.prev[p + 1] = p;
    }

    /// The closest alive unit to `s` within `max_d` that `accept`s, ties to the
    /// smaller unit id; distance levels are visited outwards.
    fn closest(&mut self, s: f64, max_d: f64, accept: impl Fn(usize) -> bool) -> Search {
        let m = self.sorted.len();
        let start = self.sorted.partition_point(|&(v, _)| v < s);
        let mut right = self.find_next(start);
        let mut left = self.find_prev(start); // position + 1 of the alive one before
        let mut seen = false;
        loop {
            let dr = (right < m).then(|| self.sorted[right].0 - s);
            let dl = (left > 0).then(|| s - self.sorted[left - 1].0);
            let d = match (dl, dr) {
                (None, None) => {
                    return if seen {
                        Search::OutsideCaliper
                    } else {
                        Search::Exhausted
                    };
                }
                (Some(a), None) | (None, Some(a)) => a,
                (Some(a), Some(b)) => a.min(b),
            };
            if d > max_d {
                return Search::OutsideCaliper;
            }
            seen = true;
            let mut best: Option<(usize, usize)> = None;
            while right < m && self.sorted[right].0 - s == d {
                let unit = self.sorted[right].1;
                if accept(unit) && best.is_none_or(|(b, _)| unit < b) {
                    best = Some((unit, right));
                }
                right = self.find_next(right + 1);
            }
            while left > 0 && s - self.sorted[left - 1].0 == d {
                let unit = self.sorted[left - 1].1;
                if accept(unit) && best.is_none_or(|(b, _)| unit < b) {
                    best = Some((unit, left - 1));
                }
                left = self.find_prev(left - 1);
            }
            if let Some((unit, position)) = best {
                return Search::Found(unit, position);
            }
        }
    }
}
