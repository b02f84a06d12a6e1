//! Matching by strata: exact matching, coarsened exact matching (Iacus, King and
//! Porro 2012) and subclassification on the propensity score, with MatchIt's
//! stratum weights (`weights.subclass`).
//!
//! CEM bins each covariate into equal-width bins between its minimum and maximum
//! (Sturges' number, `ceil(log2 n) + 1`, unless declared), or at declared cut points;
//! a value on a cut point goes to the upper bin (R's `findInterval`). Subclasses are
//! cut at the quantiles (type 7) of the focal group's propensity score; a unit outside
//! them joins the first or last subclass. Strata without units of both groups are
//! left out (status no_exact_match; unmatched for subclasses, where MatchIt would
//! instead move units between subclasses).

use std::collections::{BTreeMap, HashMap};

use super::{MatchError, MatchInput, MatchStatus, SetsOutcome, rescale_group};
use crate::spec::matching::{Cutpoints, Estimand, MatchMethod, MatchingPlan};

/// Runs cem, exact or subclass.
pub(crate) fn run(
    plan: &MatchingPlan,
    input: &MatchInput,
    score: Option<&[f64]>,
    status: &mut [MatchStatus],
) -> Result<SetsOutcome, MatchError> {
    let n = input.ids.len();
    let usable: Vec<usize> = (0..n)
        .filter(|&i| status[i] == MatchStatus::Unmatched)
        .collect();
    let mut notes = Vec::new();
    // A key per unit: the codes that define its stratum.
    let mut keys: Vec<Vec<i64>> = vec![Vec::new(); n];
    for &i in &usable {
        keys[i].push(input.stratum[i] as i64);
    }
    match plan.method {
        MatchMethod::Cem => {
            for (j, name) in input.covariate_names.iter().enumerate() {
                let column = &input.columns[j];
                let values: Vec<f64> = usable.iter().map(|&i| column[i]).collect();
                let cuts = cem_cuts(plan.cutpoints.get(name), &values);
                for &i in &usable {
                    keys[i].push(cuts.partition_point(|&c| c <= column[i]) as i64);
                }
            }
        }
        MatchMethod::Exact => {
            for column in &input.columns {
                for &i in &usable {
                    // + 0.0 turns −0 into +0, so the two zeros share a stratum.
                    keys[i].push((column[i] + 0.0).to_bits() as i64);
                }
            }
        }
        MatchMethod::Subclass => {
            let score = score.expect("validation gives subclass a propensity score");
            let reference: Vec<f64> = usable
                .iter()
                .filter(|&&i| match plan.estimand {
                    Estimand::Att => input.treated[i],
                    Estimand::Atc => !input.treated[i],
                    _ => true,
                })
                .map(|&i| score[i])
                .collect();
            let probs: Vec<f64> = (0..=plan.subclasses)
                .map(|k| k as f64 / plan.subclasses as f64)
                .collect();
            let q = quantiles_type7(&reference, &probs);
            let s = plan.subclasses as i64;
            for &i in &usable {
                let below = q.partition_point(|&c| c <= score[i]) as i64;
                keys[i].push(below.clamp(1, s));
            }
        }
        _ => unreachable!("strata::run handles cem, exact and subclass"),
    }
    // Count both groups per stratum.
    let mut counts: HashMap<&[i64], (usize, usize)> = HashMap::new();
    for &i in &usable {
        let c = counts.entry(keys[i].as_slice()).or_default();
        if input.treated[i] {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    // Stratum ids in the order of their first treated unit id (units are in id order).
    let mut set_of: HashMap<&[i64], u64> = HashMap::new();
    for &i in &usable {
        let (t, c) = counts[keys[i].as_slice()];
        if input.treated[i] && t > 0 && c > 0 {
            let next = set_of.len() as u64 + 1;
            set_of.entry(keys[i].as_slice()).or_insert(next);
        }
    }
    let mut weights = vec![0.0; n];
    let mut sets = vec![None; n];
    let lost = if plan.method == MatchMethod::Subclass {
        MatchStatus::Unmatched
    } else {
        MatchStatus::NoExactMatch
    };
    for &i in &usable {
        let key = keys[i].as_slice();
        let (t, c) = counts[key];
        if t == 0 || c == 0 {
            status[i] = lost;
            continue;
        }
        let (t, c) = (t as f64, c as f64);
        status[i] = MatchStatus::Matched;
        sets[i] = set_of.get(key).copied();
        weights[i] = match (plan.estimand, input.treated[i]) {
            (Estimand::Att, true) | (Estimand::Atc, false) => 1.0,
            (Estimand::Att, false) => t / c,
            (Estimand::Atc, true) => c / t,
            (_, true) => (t + c) / t,
            (_, false) => (t + c) / c,
        };
    }
    match plan.estimand {
        Estimand::Att => rescale_group(input, &mut weights, false),
        Estimand::Atc => rescale_group(input, &mut weights, true),
        _ => {
            rescale_group(input, &mut weights, true);
            rescale_group(input, &mut weights, false);
        }
    }
    let retained = set_of.len();
    let total: BTreeMap<&[i64], ()> = counts.keys().map(|k| (*k, ())).collect();
    notes.push(format!(
        "{retained} of {} strata hold units of both groups and are kept",
        total.len()
    ));
    Ok(SetsOutcome {
        weights,
        sets,
        caliper_width: None,
        notes,
    })
}

/// The interior cut points of one CEM covariate (bin = number of cuts ≤ value).
pub(crate) fn cem_cuts(rule: Option<&Cutpoints>, values: &[f64]) -> Vec<f64> {
    let equal_width = |bins: usize| -> Vec<f64> {
        let (lo, hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        // R's seq(lo, hi, length = bins + 1) without its two ends.
        let by = (hi - lo) / bins as f64;
        (1..bins).map(|k| lo + k as f64 * by).collect()
    };
    match rule {
        None | Some(Cutpoints::Sturges) => {
            let bins = ((values.len() as f64).log2() + 1.0).ceil() as usize;
            equal_width(bins.max(1))
        }
        Some(Cutpoints::Bins(b)) => equal_width(*b),
        Some(Cutpoints::Points(p)) => {
            let mut p = p.clone();
            p.dedup();
            p
        }
    }
}

/// R's `quantile(x, probs, type = 7)`.
pub(crate) fn quantiles_type7(values: &[f64], probs: &[f64]) -> Vec<f64> {
    let mut x = values.to_vec();
    x.sort_by(f64::total_cmp);
    let n = x.len();
    probs
        .iter()
        .map(|&p| {
            let index = 1.0 + (n.saturating_sub(1)) as f64 * p;
            let lo = index.floor() as usize;
            let hi = index.ceil() as usize;
            let q = x[lo - 1];
            let h = index - lo as f64;
            if index > lo as f64 && x[hi - 1] != q {
                (1.0 - h) * q + h * x[hi - 1]
            } else {
                q
            }
        })
        .collect()
}
