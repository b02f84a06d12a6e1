//! Economic evaluation (`analysis.economics`): for each treated arm against the
//! control, the incremental cost ΔC (declared costs per unit), the incremental effect
//! ΔE (the headline comparison of the monetised outcome, pointed so that positive is
//! better), the ICER ΔC/ΔE with Fieller's interval, the net monetary benefit
//! NMB(λ) = λ·ΔE − ΔC with its interval, the cost-effectiveness acceptability curve
//! P(NMB > 0) over λ, a seeded bootstrap, Green Book discounting and cost sensitivity.
//!
//! In: the outcome's headline comparisons and analysed rows, and the checked plan.
//! Out: an [`Economics`] per treated arm. The formulas are in docs/statistics.md,
//! "Economic evaluation"; R reproduces them in tests/reference/analysis/economics.R.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::OutcomeResult;
use crate::assign::rng::Stream;
use crate::spec::{Direction, EconomicsPlan};
use crate::stats::distributions::{normal, t};

/// HM Treasury Green Book discount rate for years 0–30.
pub const GREEN_BOOK_RATE: f64 = 0.035;
/// The Green Book's rate for years 31–75.
pub const GREEN_BOOK_RATE_LATER: f64 = 0.030;
/// The last year the discount schedule covers (the spec refuses more).
pub const GREEN_BOOK_LAST_YEAR: u32 = 75;
/// Points on the cost-effectiveness acceptability curve.
pub const CEAC_POINTS: usize = 41;

/// The economic evaluation of one treated arm against the control.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Economics {
    pub outcome: String,
    pub treated: String,
    pub control: String,
    pub currency: String,
    /// A unit in words ("household").
    pub unit: String,
    /// One unit of the outcome in words, when declared.
    pub outcome_unit: Option<String>,
    /// Cost per unit in each of the two arms, as declared (undiscounted, one year),
    /// with any per-cluster cost spread over the arm's units.
    pub cost_control: f64,
    pub cost_treated: f64,
    /// Discount totals: Σ of the Green Book factors over the cost years and the
    /// benefit years (1 for a single year).
    pub cost_factor: f64,
    pub benefit_factor: f64,
    /// Years the costs recur and the effect lasts (from year 0).
    pub cost_years: u32,
    pub benefit_years: u32,
    /// Incremental cost per unit, discounted: (cost_treated − cost_control)·cost_factor.
    pub delta_cost: f64,
    /// Incremental effect per unit, discounted, pointed so that positive is better:
    /// the headline estimate (times −1 when lower is better) times benefit_factor.
    pub delta_effect: f64,
    pub delta_effect_se: f64,
    /// Degrees of freedom of the headline estimate (`null`: normal).
    #[serde(serialize_with = "serialize_df")]
    #[schemars(with = "Option<f64>")]
    pub df: f64,
    pub effect_conf_low: f64,
    pub effect_conf_high: f64,
    pub conf_level: f64,
    /// ΔC / ΔE; `None` when ΔE is zero.
    pub icer: Option<f64>,
    pub quadrant: Quadrant,
    /// Fieller's confidence set for the ICER.
    pub fieller: FiellerSet,
    /// Net monetary benefit at the declared value.
    pub net_benefit: Option<NetBenefit>,
    /// P(NMB > 0) over the range of values: normal approximation and bootstrap.
    pub ceac: Vec<CeacPoint>,
    pub bootstrap: Option<BootstrapSummary>,
    /// The ICER and NMB under the declared cost variations.
    pub sensitivity: Vec<SensitivityRow>,
}

/// Where (ΔE, ΔC) lies on the cost-effectiveness plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Quadrant {
    /// Better and cheaper.
    Dominant,
    /// Worse and dearer.
    Dominated,
    /// Better and dearer: ΔC/ΔE is the cost of each extra unit of outcome.
    MoreEffectiveMoreCostly,
    /// Worse and cheaper: ΔC/ΔE is the saving per unit of outcome given up.
    LessEffectiveLessCostly,
    /// No difference in effect (ΔE = 0).
    NoEffectDifference,
}

/// Fieller's set {R : (ΔC − R·ΔE)² ≤ t²·(V_C − 2R·C + R²·V_E)}.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FiellerSet {
    /// ΔE differs from zero at the level: a bounded interval.
    Interval { low: f64, high: f64 },
    /// ΔE's interval spans zero: two rays, (−∞, low] and [high, ∞).
    Exclusive { low: f64, high: f64 },
    /// Every ratio is consistent with the data.
    Unbounded,
}

/// NMB = λ·ΔE − ΔC with its normal-theory (t) interval.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct NetBenefit {
    pub value: f64,
    pub estimate: f64,
    pub std_error: f64,
    pub conf_low: f64,
    pub conf_high: f64,
    /// P(NMB > 0) from the normal approximation.
    pub probability_positive: f64,
}

/// One point of the acceptability curve.
#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
pub struct CeacPoint {
    pub value: f64,
    /// Φ(NMB(λ)/se(NMB(λ))).
    pub normal: f64,
    /// Share of bootstrap resamples with NMB(λ) > 0.
    pub bootstrap: Option<f64>,
}

/// The bootstrap of ΔE: units resampled with replacement within each arm, the
/// unadjusted difference in means recomputed (costs per unit are fixed).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BootstrapSummary {
    pub draws: u32,
    pub seed: u64,
    /// Standard deviation of the resampled ΔE (discounted).
    pub effect_se: f64,
    /// Percentile interval of ΔE.
    pub effect_conf_low: f64,
    pub effect_conf_high: f64,
    /// Percentile interval of the ICER, when every resample's ΔE has ΔE's sign
    /// (otherwise the ratio's distribution has no bounded interval).
    pub icer_conf_low: Option<f64>,
    pub icer_conf_high: Option<f64>,
    /// Percentile interval of the NMB at the declared value.
    pub net_benefit_conf_low: Option<f64>,
    pub net_benefit_conf_high: Option<f64>,
    /// Resamples whose ΔE has the opposite sign to the estimate's (or is zero).
    pub sign_changes: u32,
}

/// The ICER and NMB under one cost scenario.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SensitivityRow {
    pub label: String,
    pub cost_control: f64,
    pub cost_treated: f64,
    pub delta_cost: f64,
    pub icer: Option<f64>,
    pub net_benefit: Option<f64>,
}

fn serialize_df<S: serde::Serializer>(df: &f64, s: S) -> Result<S::Ok, S::Error> {
    if df.is_finite() {
        s.serialize_f64(*df)
    } else {
        s.serialize_none()
    }
}

/// Green Book discount factor of year `t` (year 0 undiscounted): 1/1.035^t up to
/// year 30, then a further 1/1.03 a year.
pub fn discount_factor(year: u32) -> f64 {
    if year <= 30 {
        (1.0 + GREEN_BOOK_RATE).powi(-(year as i32))
    } else {
        (1.0 + GREEN_BOOK_RATE).powi(-30) * (1.0 + GREEN_BOOK_RATE_LATER).powi(-(year as i32 - 30))
    }
}

/// Σ of the discount factors of years 0 .. years − 1.
pub fn discount_total(years: u32) -> f64 {
    (0..years).map(discount_factor).sum()
}

/// The critical value of a two-sided interval at `conf_level` with `df` (∞: normal).
pub fn critical(conf_level: f64, df: f64) -> f64 {
    let p = 1.0 - (1.0 - conf_level) / 2.0;
    if df.is_finite() {
        t::quantile(p, df).expect("df validated positive by the estimator")
    } else {
        normal::quantile(p).expect("probability inside (0, 1)")
    }
}

/// Fieller's confidence set for the ratio ΔC/ΔE: the R with
/// (ΔC − R·ΔE)² ≤ crit²·(var_c − 2R·cov + R²·var_e), solved as the quadratic
/// A·R² − 2B·R + C ≤ 0 with A = ΔE² − crit²·var_e, B = ΔC·ΔE − crit²·cov,
/// C = ΔC² − crit²·var_c.
pub fn fieller(
    delta_cost: f64,
    delta_effect: f64,
    var_c: f64,
    var_e: f64,
    cov: f64,
    crit: f64,
) -> FiellerSet {
    let k = crit * crit;
    let a = delta_effect * delta_effect - k * var_e;
    let b = delta_cost * delta_effect - k * cov;
    let c = delta_cost * delta_cost - k * var_c;
    let disc = b * b - a * c;
    if a > 0.0 {
        let root = disc.max(0.0).sqrt();
        FiellerSet::Interval {
            low: (b - root) / a,
            high: (b + root) / a,
        }
    } else if a < 0.0 && disc > 0.0 {
        let root = disc.sqrt();
        // a < 0: the roots in increasing order are (b + root)/a, (b − root)/a.
        FiellerSet::Exclusive {
            low: (b + root) / a,
            high: (b - root) / a,
        }
    } else {
        FiellerSet::Unbounded
    }
}

/// The net monetary benefit at `value` with its interval (ΔC fixed: var_c = cov = 0
/// in the declared-cost case; kept general).
pub fn net_benefit(
    value: f64,
    delta_cost: f64,
    delta_effect: f64,
    var_e: f64,
    crit: f64,
) -> NetBenefit {
    let estimate = value * delta_effect - delta_cost;
    let std_error = value.abs() * var_e.sqrt();
    NetBenefit {
        value,
        estimate,
        std_error,
        conf_low: estimate - crit * std_error,
        conf_high: estimate + crit * std_error,
        probability_positive: probability_positive(estimate, std_error),
    }
}

/// Φ(estimate / se), with a known NMB (se 0) giving 1, ½ or 0.
fn probability_positive(estimate: f64, std_error: f64) -> f64 {
    if std_error > 0.0 {
        normal::cdf(estimate / std_error).expect("finite ratio")
    } else if estimate > 0.0 {
        1.0
    } else if estimate < 0.0 {
        0.0
    } else {
        0.5
    }
}

fn quadrant(delta_cost: f64, delta_effect: f64) -> Quadrant {
    if delta_effect == 0.0 {
        Quadrant::NoEffectDifference
    } else if delta_effect > 0.0 {
        if delta_cost <= 0.0 {
            Quadrant::Dominant
        } else {
            Quadrant::MoreEffectiveMoreCostly
        }
    } else if delta_cost >= 0.0 {
        Quadrant::Dominated
    } else {
        Quadrant::LessEffectiveLessCostly
    }
}

/// Everything one treated arm's evaluation needs.
pub(super) struct EconomicsInput<'a> {
    pub plan: &'a EconomicsPlan,
    pub outcome: &'a OutcomeResult,
    /// The headline comparisons of the outcome, in treated-arm order.
    pub arm_names: &'a [String],
    pub control: usize,
    /// The headline estimator's analysed outcome values and arms.
    pub y: &'a [f64],
    pub arm: &'a [usize],
    /// Clusters per unit of each arm (0 without clusters), which spreads the
    /// per-cluster costs over the units.
    pub clusters_per_unit: &'a [f64],
}

/// The evaluation of every treated arm.
pub(super) fn evaluate(input: &EconomicsInput) -> Vec<Economics> {
    let plan = input.plan;
    let sign = match input.outcome.better {
        Direction::Higher => 1.0,
        Direction::Lower => -1.0,
    };
    let cost_factor = discount_total(plan.cost_years);
    let benefit_factor = discount_total(plan.benefit_years);
    let control_name = &input.arm_names[input.control];
    let mut out = Vec::new();
    let headline = input.outcome.comparisons.first().map(|c| c.estimator);
    for comparison in input
        .outcome
        .comparisons
        .iter()
        .filter(|c| Some(c.estimator) == headline)
    {
        let Some(treated_name) = comparison.groups.get(1).map(|g| g.name.clone()) else {
            continue;
        };
        let Some(treated) = input.arm_names.iter().position(|a| *a == treated_name) else {
            continue;
        };
        let e = &comparison.estimate;
        // Per-unit cost of an arm: the unit cost plus its per-cluster cost spread over
        // the units (clusters per unit of the arm).
        let per_unit = |unit: &[f64], arm: usize| {
            unit[arm]
                + plan.cluster_costs[arm] * input.clusters_per_unit.get(arm).copied().unwrap_or(0.0)
        };
        let cost_control = per_unit(&plan.costs, input.control);
        let cost_treated = per_unit(&plan.costs, treated);
        let delta_cost = (cost_treated - cost_control) * cost_factor;
        let delta_effect = sign * e.estimate * benefit_factor;
        let se = e.std_error * benefit_factor;
        let var_e = se * se;
        let crit = critical(e.conf_level, e.df);
        let (low, high) = (delta_effect - crit * se, delta_effect + crit * se);
        let icer = (delta_effect != 0.0).then(|| delta_cost / delta_effect);
        let fieller = fieller(delta_cost, delta_effect, 0.0, var_e, 0.0, crit);
        let net = plan
            .value
            .map(|v| net_benefit(v, delta_cost, delta_effect, var_e, crit));
        let boot = (plan.bootstrap_draws > 0).then(|| {
            bootstrap_effects(
                input.y,
                input.arm,
                input.control,
                treated,
                plan.bootstrap_draws,
                plan.bootstrap_seed,
            )
            .into_iter()
            .map(|d| sign * d * benefit_factor)
            .collect::<Vec<_>>()
        });
        let range = plan.values.unwrap_or_else(|| {
            let top = match (plan.value, icer) {
                (Some(v), _) if v > 0.0 => 2.0 * v,
                (_, Some(r)) if r.is_finite() && r.abs() > 0.0 => 2.0 * r.abs(),
                _ => 1.0,
            };
            [0.0, top]
        });
        let ceac = (0..CEAC_POINTS)
            .map(|i| {
                let value = range[0] + (range[1] - range[0]) * i as f64 / (CEAC_POINTS - 1) as f64;
                let nmb = value * delta_effect - delta_cost;
                CeacPoint {
                    value,
                    normal: probability_positive(nmb, value.abs() * se),
                    bootstrap: boot.as_ref().map(|draws| {
                        draws
                            .iter()
                            .filter(|d| value * **d - delta_cost > 0.0)
                            .count() as f64
                            / draws.len() as f64
                    }),
                }
            })
            .collect();
        let bootstrap = boot
            .map(|draws| summarise_bootstrap(&draws, plan, delta_cost, delta_effect, e.conf_level));
        let mut sensitivity = Vec::new();
        let mut scenario = |label: String, c0: f64, c1: f64| {
            let dc = (c1 - c0) * cost_factor;
            sensitivity.push(SensitivityRow {
                label,
                cost_control: c0,
                cost_treated: c1,
                delta_cost: dc,
                icer: (delta_effect != 0.0).then(|| dc / delta_effect),
                net_benefit: plan.value.map(|v| v * delta_effect - dc),
            });
        };
        if let Some(p) = plan.percent {
            let up = 1.0 + p / 100.0;
            let down = 1.0 - p / 100.0;
            scenario(
                format!("{treated_name} +{p}%, {control_name} −{p}%"),
                cost_control * down,
                cost_treated * up,
            );
            scenario(
                format!("{treated_name} −{p}%, {control_name} +{p}%"),
                cost_control * up,
                cost_treated * down,
            );
        }
        for alternative in &plan.alternatives {
            scenario(
                alternative.label.clone(),
                per_unit(&alternative.costs, input.control),
                per_unit(&alternative.costs, treated),
            );
        }
        out.push(Economics {
            outcome: input.outcome.outcome.clone(),
            treated: treated_name,
            control: control_name.clone(),
            currency: plan.currency.clone(),
            unit: plan.unit.clone(),
            outcome_unit: plan.outcome_unit.clone(),
            cost_control,
            cost_treated,
            cost_factor,
            benefit_factor,
            cost_years: plan.cost_years,
            benefit_years: plan.benefit_years,
            delta_cost,
            delta_effect,
            delta_effect_se: se,
            df: e.df,
            effect_conf_low: low,
            effect_conf_high: high,
            conf_level: e.conf_level,
            icer,
            quadrant: quadrant(delta_cost, delta_effect),
            fieller,
            net_benefit: net,
            ceac,
            bootstrap,
            sensitivity,
        });
    }
    out
}

/// The resampling stream of one comparison: the assign stage's documented ChaCha20
/// stream and bounded draw (`assign::rng`), keyed by SHA-256 of the tag
/// `evident-economics-bootstrap-v1`, the seed and the treated arm (8 bytes each,
/// little-endian), so every run gives the same draws.
fn rng(seed: u64, treated: usize) -> Stream {
    let mut hasher = Sha256::new();
    hasher.update(b"evident-economics-bootstrap-v1");
    hasher.update(seed.to_le_bytes());
    hasher.update((treated as u64).to_le_bytes());
    Stream::from_key(hasher.finalize().into())
}

/// `draws` resampled differences in means (treated − control, raw scale): each arm's
/// analysed units drawn with replacement to the arm's own size.
pub fn bootstrap_effects(
    y: &[f64],
    arm: &[usize],
    control: usize,
    treated: usize,
    draws: u32,
    seed: u64,
) -> Vec<f64> {
    let of = |a: usize| -> Vec<f64> {
        y.iter()
            .zip(arm)
            .filter(|(_, r)| **r == a)
            .map(|(v, _)| *v)
            .collect()
    };
    let (yc, yt) = (of(control), of(treated));
    if yc.is_empty() || yt.is_empty() {
        return Vec::new();
    }
    let mut rng = rng(seed, treated);
    let mut mean = |values: &[f64]| {
        let n = values.len();
        let mut sum = 0.0;
        for _ in 0..n {
            sum += values[rng.below(n as u64) as usize];
        }
        sum / n as f64
    };
    (0..draws).map(|_| mean(&yt) - mean(&yc)).collect()
}

/// Type-7 quantile (R's default) of sorted values.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn summarise_bootstrap(
    draws: &[f64],
    plan: &EconomicsPlan,
    delta_cost: f64,
    delta_effect: f64,
    conf_level: f64,
) -> BootstrapSummary {
    let n = draws.len() as f64;
    let mean = draws.iter().sum::<f64>() / n;
    let sd = (draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let tail = (1.0 - conf_level) / 2.0;
    let interval = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        (
            quantile_sorted(&values, tail),
            quantile_sorted(&values, 1.0 - tail),
        )
    };
    let (effect_conf_low, effect_conf_high) = interval(draws.to_vec());
    let sign_changes = draws
        .iter()
        .filter(|d| **d == 0.0 || d.signum() != delta_effect.signum())
        .count() as u32;
    let (icer_conf_low, icer_conf_high) = if sign_changes == 0 && delta_effect != 0.0 {
        let (l, h) = interval(draws.iter().map(|d| delta_cost / d).collect());
        (Some(l), Some(h))
    } else {
        (None, None)
    };
    let (net_benefit_conf_low, net_benefit_conf_high) = match plan.value {
        Some(v) => {
            let (l, h) = interval(draws.iter().map(|d| v * d - delta_cost).collect());
            (Some(l), Some(h))
        }
        None => (None, None),
    };
    BootstrapSummary {
        draws: plan.bootstrap_draws,
        seed: plan.bootstrap_seed,
        effect_se: sd,
        effect_conf_low,
        effect_conf_high,
        icer_conf_low,
        icer_conf_high,
        net_benefit_conf_low,
        net_benefit_conf_high,
        sign_changes,
    }
}
