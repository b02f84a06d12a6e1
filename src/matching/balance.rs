//! Covariate balance before and after matching or weighting, with MatchIt's
//! `summary()` conventions (MatchIt 4.5.1 `bal1var`; docs/statistics.md):
//!
//! - Means are weighted means; "before" gives every unit of the pool weight 1.
//! - The standardised mean difference (SMD) divides the weighted difference in means
//!   by one denominator, computed on the pool before matching and used before and
//!   after: the treated group's SD for the ATT, the control group's for the ATC, the
//!   square root of the mean of the two groups' variances for the ATE. A variable
//!   coded 0/1 uses p(1 − p) as its variance. When the difference is at most √eps
//!   (about 1.5e-8) the raw difference is reported instead (MatchIt's rule; exact
//!   balance from entropy balancing lands there).
//! - The variance ratio (treated over control) uses weighted variances
//!   Σw(x − x̄)²/(1 − Σw²) with weights normalised to sum 1; not for 0/1 variables.
//! - eCDF mean and max: the mean and largest absolute difference between the two
//!   groups' weighted empirical CDFs over the distinct values of the whole pool; for
//!   a 0/1 variable both equal the absolute difference in proportions.
//!
//! Flags: |SMD| above 0.1 (the usual matching target), and the What Works
//! Clearinghouse bands (Procedures and Standards Handbook v5.0): at most 0.05
//! satisfies baseline equivalence, above 0.05 up to 0.25 needs the variable in the
//! effect model, above 0.25 does not satisfy it. The grade reads `balanced`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Estimand, MatchStatus};
use crate::data::Column;

/// MatchIt's threshold below which a difference in means is reported raw.
const RAW_DIFFERENCE: f64 = 1.490_116_119_384_765_6e-8; // sqrt(f64::EPSILON)
/// The usual target for |SMD| after matching.
pub const SMD_FLAG: f64 = 0.1;
/// WWC: |SMD| at or below this satisfies baseline equivalence.
pub const WWC_SATISFIED: f64 = 0.05;
/// WWC: |SMD| above this does not satisfy baseline equivalence, adjusted or not.
pub const WWC_LIMIT: f64 = 0.25;

/// One variable (or one level of a categorical one) to balance.
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceVariable {
    pub name: String,
    pub level: Option<String>,
    /// One value per unit of the pool, in the order of `BalanceInput::treated`.
    pub values: crate::data::Values,
}

/// What `balance_table` needs: the pool, its weights after matching, the variables.
#[derive(Debug, Clone)]
pub struct BalanceInput<'a> {
    pub treated: &'a [bool],
    /// Weights after matching or weighting (0 for units not used).
    pub weights: &'a [f64],
    pub variables: &'a [BalanceVariable],
    /// The propensity score or distance, shown first and never graded.
    pub distance: Option<&'a [f64]>,
    pub estimand: Estimand,
    /// Each unit's status in the matched file, for the counts.
    pub status: &'a [MatchStatus],
    /// Variables the effect model adjusts for (WWC: 0.05 < |SMD| ≤ 0.25 then passes).
    pub adjusted: &'a [String],
}

/// Balance statistics of one variable in one sample (before or after).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BalanceStats {
    pub mean_treated: f64,
    pub mean_control: f64,
    /// Standardised mean difference (treated − control over the denominator), or the
    /// raw difference when `raw_difference`; `null` when fewer than two units with
    /// weight in both groups, or the denominator is zero.
    pub smd: Option<f64>,
    /// The difference is at most √eps, so `smd` holds it unstandardised (MatchIt).
    pub raw_difference: bool,
    /// Weighted variance ratio, treated over control; `null` for 0/1 variables.
    pub variance_ratio: Option<f64>,
    pub ecdf_mean: Option<f64>,
    pub ecdf_max: Option<f64>,
}

/// WWC baseline-equivalence band of an |SMD|.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WwcBand {
    /// |SMD| ≤ 0.05.
    Satisfied,
    /// 0.05 < |SMD| ≤ 0.25: satisfied only when the effect model adjusts for it.
    NeedsAdjustment,
    /// |SMD| > 0.25 (or not computable).
    NotSatisfied,
}

impl WwcBand {
    pub fn of(smd: Option<f64>) -> WwcBand {
        match smd.map(f64::abs) {
            Some(d) if d <= WWC_SATISFIED => WwcBand::Satisfied,
            Some(d) if d <= WWC_LIMIT => WwcBand::NeedsAdjustment,
            _ => WwcBand::NotSatisfied,
        }
    }
}

/// One row of the balance table.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CovariateBalance {
    pub variable: String,
    pub level: Option<String>,
    /// Coded 0/1 in the whole pool (SD² = p(1 − p); no variance ratio).
    pub binary: bool,
    /// The distance (propensity score) row: shown, never graded.
    pub is_distance: bool,
    pub before: BalanceStats,
    pub after: BalanceStats,
    /// |SMD| after matching above 0.1.
    pub above_0_1: bool,
    pub wwc: WwcBand,
    /// Whether the effect model adjusts for the variable.
    pub adjusted: bool,
    /// Balanced under the WWC rule: satisfied, or needing adjustment and adjusted.
    pub balanced: bool,
}

/// Units per group and status, with the effective sample size after weighting.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct GroupCounts {
    pub all: usize,
    /// Units with a positive weight.
    pub matched: usize,
    /// Kish's effective sample size (Σw)²/Σw² of the matched units.
    pub effective: f64,
    /// Units per status (every status listed, zeros included).
    pub by_status: BTreeMap<MatchStatus, usize>,
}

/// The balance table: the rows, the convention used, and the counts.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BalanceTable {
    pub estimand: Estimand,
    /// The SMD's denominator in words.
    pub denominator: String,
    pub rows: Vec<CovariateBalance>,
    pub treated: GroupCounts,
    pub control: GroupCounts,
    /// Every graded row is balanced under the WWC rule.
    pub all_balanced: bool,
    /// The graded rows that are not (variable, or variable = level), worst first.
    pub held_back_by: Vec<String>,
}

impl CovariateBalance {
    /// The variable's name with its level, for tables and sentences.
    pub fn label(&self) -> String {
        match &self.level {
            Some(level) => format!("{} = {}", self.variable, level),
            None => self.variable.clone(),
        }
    }
}

/// The SMD denominator convention for an estimand, in words.
pub fn denominator_words(estimand: Estimand) -> &'static str {
    match estimand {
        Estimand::Att => "the SD of the treated group before matching",
        Estimand::Atc => "the SD of the comparison group before matching",
        Estimand::Ate | Estimand::Ato => {
            "the pooled SD (root mean of the two groups' variances) before matching"
        }
    }
}

/// Balance of every variable (and the distance, first) before and after matching.
///
/// # Panics
/// When the slices' lengths differ (a programming error: the caller aligns them).
pub fn balance_table(input: &BalanceInput) -> BalanceTable {
    use rayon::prelude::*;
    let n = input.treated.len();
    assert!(
        input.weights.len() == n && input.status.len() == n,
        "balance input columns must align"
    );
    let pool = Pool::of(input);
    let mut wanted: Vec<(&str, Option<String>, &[f64], bool)> =
        Vec::with_capacity(input.variables.len() + 1);
    if let Some(distance) = input.distance {
        wanted.push(("distance", None, distance, true));
    }
    for v in input.variables {
        assert_eq!(
            v.values.len(),
            n,
            "balance variable `{}` must align",
            v.name
        );
        wanted.push((&v.name, v.level.clone(), &v.values, false));
    }
    // Rows are independent: computed in parallel, collected in order. Their
    // column-sized buffers are shared out from one stack for the whole table (at
    // most one set per thread), not made afresh for each task rayon splits off:
    // a buffer above glibc's 32 MiB mmap ceiling is a fresh mapping each time,
    // zeroed page by page (at 10,000,000 units a quarter of the run's page faults).
    let spares: std::sync::Mutex<Vec<Scratch>> = std::sync::Mutex::new(Vec::new());
    let rows: Vec<CovariateBalance> = wanted
        .into_par_iter()
        .map(|(name, level, x, is_distance)| {
            let mut scratch = spares
                .lock()
                .map(|mut s| s.pop())
                .ok()
                .flatten()
                .unwrap_or_default();
            let made = row(name, level, x, is_distance, input, &pool, &mut scratch);
            if let Ok(mut s) = spares.lock() {
                s.push(scratch);
            }
            made
        })
        .collect();
    let mut held: Vec<&CovariateBalance> = rows
        .iter()
        .filter(|r| !r.is_distance && !r.balanced)
        .collect();
    held.sort_by(|a, b| {
        let size = |r: &CovariateBalance| r.after.smd.map_or(f64::INFINITY, f64::abs);
        size(b)
            .total_cmp(&size(a))
            .then_with(|| a.label().cmp(&b.label()))
    });
    let held_back_by: Vec<String> = held.iter().map(|r| r.label()).collect();
    BalanceTable {
        estimand: input.estimand,
        denominator: denominator_words(input.estimand).into(),
        all_balanced: held_back_by.is_empty(),
        held_back_by,
        treated: counts(input, true),
        control: counts(input, false),
        rows,
    }
}

/// What every row shares: the two groups' units (in pool order) and their weights
/// before (1) and after, gathered group by group so that a row's sums run over
/// contiguous values (the same terms in the same order as over the units).
struct Pool {
    treated: Vec<usize>,
    control: Vec<usize>,
    weights_treated: Vec<f64>,
    weights_control: Vec<f64>,
}

impl Pool {
    fn of(input: &BalanceInput) -> Pool {
        let (treated, control): (Vec<usize>, Vec<usize>) =
            (0..input.treated.len()).partition(|&i| input.treated[i]);
        let gather = |group: &[usize]| group.iter().map(|&i| input.weights[i]).collect();
        Pool {
            weights_treated: gather(&treated),
            weights_control: gather(&control),
            treated,
            control,
        }
    }
}

fn counts(input: &BalanceInput, treated: bool) -> GroupCounts {
    let mut by_status: BTreeMap<MatchStatus, usize> =
        MatchStatus::ALL.iter().map(|s| (*s, 0)).collect();
    let (mut all, mut matched, mut sum, mut sum_sq) = (0, 0, 0.0, 0.0);
    for i in (0..input.treated.len()).filter(|&i| input.treated[i] == treated) {
        all += 1;
        *by_status.entry(input.status[i]).or_insert(0) += 1;
        let w = input.weights[i];
        if w > 0.0 {
            matched += 1;
            sum += w;
            sum_sq += w * w;
        }
    }
    GroupCounts {
        all,
        matched,
        effective: if sum_sq > 0.0 {
            sum * sum / sum_sq
        } else {
            0.0
        },
        by_status,
    }
}

/// Buffers a task reuses from one row to the next (column-sized: allocating them
/// afresh for every row maps and zeroes new pages each time).
#[derive(Default)]
struct Scratch {
    xt: Vec<f64>,
    xc: Vec<f64>,
    keyed: Vec<(u64, u64)>,
    spare: Vec<(u64, u64)>,
}

fn row(
    name: &str,
    level: Option<String>,
    x: &[f64],
    is_distance: bool,
    input: &BalanceInput,
    pool: &Pool,
    scratch: &mut Scratch,
) -> CovariateBalance {
    let binary = x.iter().all(|&v| v == 0.0 || v == 1.0);
    let mut xt = std::mem::take(&mut scratch.xt);
    let mut xc = std::mem::take(&mut scratch.xc);
    xt.clear();
    xt.extend(pool.treated.iter().map(|&i| x[i]));
    xc.clear();
    xc.extend(pool.control.iter().map(|&i| x[i]));
    let std = denominator(&xt, &xc, binary, input.estimand);
    // One sort of the values serves the eCDFs before and after, walked once.
    let ecdf = (!binary).then(|| ecdf_differences(x, input.treated, input.weights, pool, scratch));
    let before = stats(
        (&xt, Weights::Ones(xt.len())),
        (&xc, Weights::Ones(xc.len())),
        binary,
        std,
        ecdf.map(|e| e.0),
    );
    let after = stats(
        (&xt, Weights::Given(&pool.weights_treated)),
        (&xc, Weights::Given(&pool.weights_control)),
        binary,
        std,
        ecdf.map(|e| e.1),
    );
    scratch.xt = xt;
    scratch.xc = xc;
    let adjusted = input.adjusted.iter().any(|a| a.as_str() == name);
    let wwc = WwcBand::of(after.smd);
    let balanced = match wwc {
        WwcBand::Satisfied => true,
        WwcBand::NeedsAdjustment => adjusted,
        WwcBand::NotSatisfied => false,
    };
    CovariateBalance {
        variable: name.to_string(),
        level,
        binary,
        is_distance,
        above_0_1: after.smd.is_none_or(|d| d.abs() > SMD_FLAG),
        wwc,
        adjusted,
        balanced,
        before,
        after,
    }
}

/// The units in ascending order of `x` (`f64::total_cmp`), ties by position, each
/// with its value's [`total_order_key`]: the order of a stable sort by value.
#[cfg(test)]
fn sorted_keys(x: &[f64]) -> Vec<(u64, u64)> {
    let mut keyed: Vec<(u64, u64)> = x
        .iter()
        .enumerate()
        .map(|(i, &v)| (total_order_key(v), i as u64))
        .collect();
    radix_sort_by_key(&mut keyed, &mut Vec::new());
    keyed
}

/// Bits of the key sorted on in each pass of [`radix_sort_by_key`]: eight passes
/// of 256 buckets, whose scatter writes to few enough places at once to stay in
/// the cache and the TLB (six passes of 2,048 buckets took about a quarter longer
/// on 1,000,000 keys). The order is the stable sort's whatever the width.
const DIGIT_BITS: usize = 8;

/// Sorts (key, payload) pairs by key, ties in the order given (a stable sort):
/// least-significant-digit radix sort, `spare` the second buffer (both keep their
/// room for the next call). A pass whose digit is the same for every key moves
/// nothing and is skipped.
fn radix_sort_by_key(items: &mut Vec<(u64, u64)>, spare: &mut Vec<(u64, u64)>) {
    const BUCKETS: usize = 1 << DIGIT_BITS;
    const PASSES: usize = 64_usize.div_ceil(DIGIT_BITS);
    let n = items.len();
    if n < 1024 {
        items.sort_by_key(|item| item.0);
        return;
    }
    let digit = |key: u64, pass: usize| ((key >> (pass * DIGIT_BITS)) as usize) & (BUCKETS - 1);
    let mut counts = vec![[0usize; BUCKETS]; PASSES];
    for &(key, _) in items.iter() {
        for (pass, count) in counts.iter_mut().enumerate() {
            count[digit(key, pass)] += 1;
        }
    }
    // Every pass writes each of the n slots before any is read: a spare of the
    // right length from the last call is used as it is (zeroing it again would
    // be a pass over the whole buffer for nothing).
    if spare.len() != n {
        spare.clear();
        spare.resize(n, (0, 0));
    }
    for (pass, count) in counts.iter().enumerate() {
        if count.contains(&n) {
            continue;
        }
        let mut next = [0usize; BUCKETS];
        let mut start = 0;
        for (slot, &c) in next.iter_mut().zip(count) {
            *slot = start;
            start += c;
        }
        for &item in items.iter() {
            let d = digit(item.0, pass);
            spare[next[d]] = item;
            next[d] += 1;
        }
        std::mem::swap(items, spare);
    }
}

/// An unsigned key whose order is `f64::total_cmp`'s (its bit trick, then the sign
/// bit flipped so that negatives come first as unsigned numbers).
fn total_order_key(v: f64) -> u64 {
    let bits = v.to_bits() as i64;
    let ordered = bits ^ ((((bits >> 63) as u64) >> 1) as i64);
    (ordered as u64) ^ (1 << 63)
}

/// The value whose [`total_order_key`] is `key` (the bit trick undoes itself).
fn value_of_key(key: u64) -> f64 {
    let ordered = (key ^ (1 << 63)) as i64;
    let bits = ordered ^ ((((ordered >> 63) as u64) >> 1) as i64);
    f64::from_bits(bits as u64)
}

/// Weighted mean of the values `x` of one group with weights `w` (aligned).
fn weighted_mean(x: &[f64], w: Weights<'_>) -> f64 {
    let total: f64 = w.iter().sum();
    w.iter().zip(x).map(|(w, &x)| w * x).sum::<f64>() / total
}

/// The weights of one group's values: each 1 (the pool before matching, without
/// a column of ones the size of the group) or given. Sums over either take the
/// same terms in the same order.
#[derive(Debug, Clone, Copy)]
enum Weights<'a> {
    Ones(usize),
    Given(&'a [f64]),
}

impl<'a> Weights<'a> {
    fn iter(self) -> impl Iterator<Item = f64> + 'a {
        let (len, given) = match self {
            Weights::Ones(len) => (len, None),
            Weights::Given(w) => (w.len(), Some(w)),
        };
        (0..len).map(move |i| given.map_or(1.0, |w| w[i]))
    }
}

/// MatchIt's `wvar`: p(1 − p) for 0/1 variables, else Σw(x − x̄)²/(1 − Σw²) with the
/// weights normalised to sum 1 (the unbiased variance when the weights are equal).
fn weighted_variance(x: &[f64], w: Weights<'_>, binary: bool) -> f64 {
    let total: f64 = w.iter().sum();
    let mean: f64 = w.iter().zip(x).map(|(w, &x)| w / total * x).sum();
    if binary {
        return mean * (1.0 - mean);
    }
    let mut ss = 0.0;
    let mut sum_sq_w = 0.0;
    for (w, &x) in w.iter().zip(x) {
        let wi = w / total;
        ss += wi * (x - mean).powi(2);
        sum_sq_w += wi * wi;
    }
    ss / (1.0 - sum_sq_w)
}

/// The SMD denominator on the pool before matching (unit weights), with MatchIt's
/// fallback to the pooled SD when it is not finite or below √eps; `xt` and `xc` are
/// the values of the treated and the control units.
fn denominator(xt: &[f64], xc: &[f64], binary: bool, estimand: Estimand) -> f64 {
    let (ones_t, ones_c) = (Weights::Ones(xt.len()), Weights::Ones(xc.len()));
    let sd = match estimand {
        Estimand::Att => weighted_variance(xt, ones_t, binary).sqrt(),
        Estimand::Atc => weighted_variance(xc, ones_c, binary).sqrt(),
        Estimand::Ate | Estimand::Ato => {
            ((weighted_variance(xt, ones_t, binary) + weighted_variance(xc, ones_c, binary)) / 2.0)
                .sqrt()
        }
    };
    if sd.is_finite() && sd >= RAW_DIFFERENCE {
        return sd;
    }
    // pooled_sd(contribution = "proportional"), unweighted.
    let n = (xt.len() + xc.len()) as f64;
    let pooled_var = if binary {
        [xt, xc]
            .iter()
            .map(|g| {
                let s: f64 = g.iter().sum();
                s * (1.0 - s / g.len() as f64) / n
            })
            .sum::<f64>()
    } else {
        let centred: f64 = [(xt, ones_t), (xc, ones_c)]
            .iter()
            .map(|(g, ones)| {
                let m = weighted_mean(g, *ones);
                g.iter().map(|&v| (v - m).powi(2)).sum::<f64>()
            })
            .sum();
        centred / (n - 2.0)
    };
    pooled_var.sqrt()
}

/// The statistics of one sample: each group's values with their weights, and the
/// eCDF mean and max of that sample (`None` for 0/1 variables).
fn stats(
    (xt, wt): (&[f64], Weights<'_>),
    (xc, wc): (&[f64], Weights<'_>),
    binary: bool,
    std: f64,
    ecdf: Option<(f64, f64)>,
) -> BalanceStats {
    let nonzero = |w: Weights<'_>| w.iter().filter(|&v| v != 0.0).count();
    let too_small = nonzero(wt) < 2 && nonzero(wc) < 2;
    let mean_treated = weighted_mean(xt, wt);
    let mean_control = weighted_mean(xc, wc);
    let diff = mean_treated - mean_control;
    let raw_difference = diff.abs() <= RAW_DIFFERENCE;
    let smd = if raw_difference {
        Some(diff)
    } else if too_small || !(std > 0.0 && std.is_finite()) {
        None
    } else {
        Some(diff / std)
    };
    let (variance_ratio, ecdf_mean, ecdf_max) = match ecdf {
        _ if binary => (None, Some(diff.abs()), Some(diff.abs())),
        Some((mean, max)) if !too_small => {
            let ratio = weighted_variance(xt, wt, false) / weighted_variance(xc, wc, false);
            (Some(ratio), Some(mean), Some(max))
        }
        _ => (None, None, None),
    };
    BalanceStats {
        mean_treated,
        mean_control,
        smd,
        raw_difference,
        variance_ratio,
        ecdf_mean,
        ecdf_max,
    }
}

/// Mean and largest |F_treated − F_control| over the distinct values of the pool,
/// each group's weights normalised to sum 1 (MatchIt's `qqsum(standardize = TRUE)`),
/// before (unit weights) and after (`w`), in one walk of the sorted values.
fn ecdf_differences(
    x: &[f64],
    treated: &[bool],
    w: &[f64],
    pool: &Pool,
    scratch: &mut Scratch,
) -> ((f64, f64), (f64, f64)) {
    let total_t: f64 = pool.weights_treated.iter().sum();
    let total_c: f64 = pool.weights_control.iter().sum();
    let ones_t: f64 = Weights::Ones(pool.treated.len()).iter().sum();
    let ones_c: f64 = Weights::Ones(pool.control.len()).iter().sum();
    // A unit weight's step, as w / total with w = 1.
    let (step_t, step_c) = (1.0 / ones_t, -1.0 / ones_c);
    // Each unit's step after, w / total (treated) or −w / total (control), is sorted
    // with its value, so the walk reads memory in order. With weights that are not
    // negative and positive finite totals its sign bit tells the groups apart (a
    // control unit's is set even at weight 0: −0 / total = −0); otherwise the unit's
    // position is sorted instead and the step formed in the walk, the same number.
    let signed = total_t > 0.0
        && total_c > 0.0
        && total_t.is_finite()
        && total_c.is_finite()
        && w.iter().all(|&v| v >= 0.0);
    let keyed = &mut scratch.keyed;
    keyed.clear();
    if signed {
        keyed.extend(x.iter().zip(treated).zip(w).map(|((&v, &t), &wi)| {
            let step = if t { wi / total_t } else { -wi / total_c };
            (total_order_key(v), step.to_bits())
        }));
    } else {
        keyed.extend(
            x.iter()
                .enumerate()
                .map(|(i, &v)| (total_order_key(v), i as u64)),
        );
    }
    radix_sort_by_key(keyed, &mut scratch.spare);
    let (mut before, mut after) = (0.0, 0.0);
    let (mut sum_before, mut max_before) = (0.0, 0.0f64);
    let (mut sum_after, mut max_after) = (0.0, 0.0f64);
    let mut count = 0usize;
    for (k, &(key, payload)) in keyed.iter().enumerate() {
        let (is_treated, step) = if signed {
            let step = f64::from_bits(payload);
            (!step.is_sign_negative(), step)
        } else {
            let i = payload as usize;
            if treated[i] {
                (true, w[i] / total_t)
            } else {
                (false, -w[i] / total_c)
            }
        };
        before += if is_treated { step_t } else { step_c };
        after += step;
        let last_of_value = keyed
            .get(k + 1)
            .is_none_or(|&(next, _)| value_of_key(next) != value_of_key(key));
        if last_of_value {
            sum_before += before.abs();
            max_before = max_before.max(before.abs());
            sum_after += after.abs();
            max_after = max_after.max(after.abs());
            count += 1;
        }
    }
    (
        (sum_before / count as f64, max_before),
        (sum_after / count as f64, max_after),
    )
}

/// The variables of one data column: a numeric column as it is, a categorical one
/// as one 0/1 indicator per level (every level, sorted, as MatchIt expands
/// factors). `rows` selects and orders the data rows of the pool; every value
/// must be present (the caller applies the missing-value rule first).
pub fn variables_of(name: &str, column: &Column, rows: &[usize]) -> Vec<BalanceVariable> {
    match column {
        Column::Numeric(values) => vec![BalanceVariable {
            name: name.to_string(),
            level: None,
            values: rows
                .iter()
                .map(|&r| values[r].unwrap_or(f64::NAN))
                .collect(),
        }],
        Column::Categorical(labels) => {
            let mut levels: Vec<&String> =
                rows.iter().filter_map(|&r| labels[r].as_ref()).collect();
            levels.sort();
            levels.dedup();
            levels
                .into_iter()
                .map(|level| BalanceVariable {
                    name: name.to_string(),
                    level: Some(level.clone()),
                    values: rows
                        .iter()
                        .map(|&r| f64::from(u8::from(labels[r].as_ref() == Some(level))))
                        .collect(),
                })
                .collect()
        }
        Column::Identifier(labels) => {
            let column = Column::Categorical(labels.iter().cloned().map(Some).collect());
            variables_of(name, &column, rows)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{sorted_keys, total_order_key, value_of_key};

    #[test]
    fn sorted_order_is_the_stable_sort_by_total_cmp() {
        let x = [
            2.5,
            -0.0,
            0.0,
            -3.0,
            2.5,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e-310,
            -1e-310,
            -3.0,
            0.0,
        ];
        let mut stable: Vec<usize> = (0..x.len()).collect();
        stable.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
        let order: Vec<usize> = sorted_keys(&x)
            .into_iter()
            .map(|(_, i)| i as usize)
            .collect();
        assert_eq!(order, stable);
        for v in x {
            assert_eq!(value_of_key(total_order_key(v)).to_bits(), v.to_bits());
        }
    }

    #[test]
    fn radix_order_is_the_stable_sort_on_large_inputs() {
        // Beyond the small-input cutoff: many ties, both signs, both zeros, and
        // values agreeing in their high bits (passes that are skipped).
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [1024, 5000, 70_000] {
            let x: Vec<f64> = (0..n)
                .map(|i| match next() % 5 {
                    0 => (next() % 50) as f64 - 25.0,
                    1 => {
                        if i % 2 == 0 {
                            0.0
                        } else {
                            -0.0
                        }
                    }
                    2 => 1.0 + (next() % 1000) as f64 * f64::EPSILON,
                    _ => (next() as f64 / u64::MAX as f64 - 0.5) * 1e3,
                })
                .collect();
            let mut stable: Vec<usize> = (0..x.len()).collect();
            stable.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
            let order: Vec<usize> = sorted_keys(&x)
                .into_iter()
                .map(|(_, i)| i as usize)
                .collect();
            assert_eq!(order, stable, "n = {n}");
        }
    }
}
