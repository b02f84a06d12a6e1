//! The two-way fixed-effects (TWFE) estimate of a staggered roll-out and its
//! Goodman-Bacon (2021) decomposition into 2×2 comparisons.
//!
//! On a balanced panel the TWFE coefficient on D_it = 1{t ≥ g_i} is
//! Σ D̈_it y_it / Σ D̈_it², with D̈ the treatment after removing unit and period means
//! (the within transformation). Goodman-Bacon's theorem 1 writes it as a weighted
//! average of every 2×2 difference in differences: each cohort against the
//! never-treated, earlier against later cohorts (before the later one is treated),
//! and later against earlier cohorts (after the earlier one is treated: the
//! "forbidden" comparison whose control is already treated, which biases TWFE when
//! effects change over time). The weights (his equations 10a–c) sum to one and the
//! weighted sum equals the TWFE coefficient exactly.
//!
//! The coefficient's inference is estimatr's `lm_robust(y ~ d, fixed_effects =
//! ~ unit + period, clusters = unit, se_type = "CR2")` through
//! [`crate::stats::regression::lm_robust_fe`] (clustered by the staggered spec's
//! cluster column when one is given): CR2 standard error, Satterthwaite degrees of
//! freedom and the t interval, so the reader can see whether the TWFE interval even
//! covers the Callaway-Sant'Anna estimate.

use super::panel::Panel;
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::regression::{
    AbsorbedFactor, Clusters, Design, FixedEffectsOptions, RegressionError, SeType, lm_robust_fe,
};

/// Which 2×2 comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonKind {
    /// A cohort against the never-treated units, over all periods.
    TreatedVsNever,
    /// An earlier cohort against a later one, before the later one is treated.
    EarlierVsLater,
    /// A later cohort against an earlier, already-treated one (the forbidden comparison).
    LaterVsEarlier,
}

impl ComparisonKind {
    pub fn label(self) -> &'static str {
        match self {
            ComparisonKind::TreatedVsNever => "treated vs never treated",
            ComparisonKind::EarlierVsLater => "earlier vs later treated",
            ComparisonKind::LaterVsEarlier => {
                "later vs earlier treated (already-treated comparison)"
            }
        }
    }
}

/// One 2×2 comparison of the decomposition.
#[derive(Debug, Clone, PartialEq)]
pub struct BaconTerm {
    pub kind: ComparisonKind,
    /// The cohort whose change is the "treated" side.
    pub treated: i64,
    /// The comparison cohort (`None` for never treated).
    pub comparison: Option<i64>,
    /// The 2×2 difference in differences.
    pub estimate: f64,
    /// Its weight in the TWFE coefficient.
    pub weight: f64,
}

/// TWFE coefficient and its decomposition.
#[derive(Debug, Clone, PartialEq)]
pub struct Twfe {
    pub estimate: f64,
    pub decomposition: Vec<BaconTerm>,
    /// CR2 inference of the coefficient (clustered by unit or the given clusters);
    /// `None` when the regression could not give it (the reason is in
    /// `inference_note`).
    pub inference: Option<Estimate>,
    pub inference_note: Option<String>,
}

impl Twfe {
    /// Weight carried by the forbidden (later vs earlier) comparisons.
    pub fn forbidden_weight(&self) -> f64 {
        self.decomposition
            .iter()
            .filter(|t| t.kind == ComparisonKind::LaterVsEarlier)
            .map(|t| t.weight)
            .sum()
    }
}

fn treated(panel: &Panel, u: usize, t: usize) -> f64 {
    match panel.first_treated[u] {
        Some(g) if panel.periods[t] >= g => 1.0,
        _ => 0.0,
    }
}

/// The TWFE coefficient by the within transformation, and its decomposition.
pub fn twfe(panel: &Panel) -> Twfe {
    let (n, periods) = (panel.n_units(), panel.n_periods());
    let unit_mean: Vec<f64> = (0..n)
        .map(|u| (0..periods).map(|t| treated(panel, u, t)).sum::<f64>() / periods as f64)
        .collect();
    let period_mean: Vec<f64> = (0..periods)
        .map(|t| (0..n).map(|u| treated(panel, u, t)).sum::<f64>() / n as f64)
        .collect();
    let grand = unit_mean.iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (u, unit) in unit_mean.iter().enumerate() {
        for (t, period) in period_mean.iter().enumerate() {
            let d = treated(panel, u, t) - unit - period + grand;
            sxy += d * panel.y(u, t);
            sxx += d * d;
        }
    }
    let estimate = sxy / sxx;
    let variance_d = sxx / (n * periods) as f64;
    Twfe {
        estimate,
        decomposition: decompose(panel, variance_d),
        inference: None,
        inference_note: None,
    }
}

/// The TWFE coefficient with its cluster-robust CR2 inference, estimatr's
/// `lm_robust(y ~ d, fixed_effects = ~ unit + period, clusters = , se_type = "CR2")`.
/// `cluster_of_unit` gives each unit's cluster (default: the unit).
///
/// # Errors
/// Those of [`lm_robust_fe`] (for example a cluster with more than
/// [`crate::stats::regression::fixed_effects::MAX_CR2_CLUSTER_ROWS`] rows).
pub fn twfe_cr2(
    panel: &Panel,
    cluster_of_unit: Option<&[usize]>,
    conf_level: f64,
) -> Result<Estimate, RegressionError> {
    let (n, periods) = (panel.n_units(), panel.n_periods());
    let rows = n * periods;
    let unit_of_row: Vec<usize> = (0..rows).map(|r| r / periods).collect();
    let period_of_row: Vec<usize> = (0..rows).map(|r| r % periods).collect();
    let units = Clusters::from_indices(&unit_of_row);
    let period_levels = Clusters::from_indices(&period_of_row);
    let clusters = cluster_of_unit.map(|c| {
        let of_row: Vec<usize> = unit_of_row.iter().map(|&u| c[u]).collect();
        Clusters::from_indices(&of_row)
    });
    let design = Design {
        names: vec!["treated".to_string()],
        x: nalgebra::DMatrix::from_fn(rows, 1, |r, _| treated(panel, r / periods, r % periods)),
    };
    let factors = [
        AbsorbedFactor {
            name: "unit",
            levels: &units,
        },
        AbsorbedFactor {
            name: "period",
            levels: &period_levels,
        },
    ];
    let options = FixedEffectsOptions {
        se_type: Some(SeType::CR2),
        clusters: Some(clusters.as_ref().unwrap_or(&units)),
        conf_level,
        alternative: Alternative::TwoSided,
    };
    let fit = lm_robust_fe(&design, &panel.outcome, &factors, &options)?;
    Ok(fit.coefficients[0].estimate.clone())
}

/// Mean outcome of `units` (ascending) over period indices `range`.
fn cohort_mean(panel: &Panel, units: &[usize], range: std::ops::Range<usize>) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for &u in units {
        for t in range.clone() {
            sum += panel.y(u, t);
            count += 1;
        }
    }
    sum / count as f64
}

fn decompose(panel: &Panel, variance_d: f64) -> Vec<BaconTerm> {
    let n = panel.n_units() as f64;
    let periods = panel.n_periods();
    let cohorts = panel.cohorts();
    let n_u = panel.n_never_treated() as f64 / n;
    // First period index at or after g.
    let start = |g: i64| {
        panel
            .periods
            .iter()
            .position(|&p| p >= g)
            .unwrap_or(periods)
    };
    let share_treated = |g: i64| (periods - start(g)) as f64 / periods as f64;
    // Units of each cohort (and of the never treated), ascending.
    let mut units_of: std::collections::BTreeMap<Option<i64>, Vec<usize>> = Default::default();
    for (u, &g) in panel.first_treated.iter().enumerate() {
        units_of.entry(g).or_default().push(u);
    }
    let did = |a: Option<i64>,
               b: Option<i64>,
               pre: std::ops::Range<usize>,
               post: std::ops::Range<usize>| {
        let (a, b) = (&units_of[&a], &units_of[&b]);
        (cohort_mean(panel, a, post.clone()) - cohort_mean(panel, a, pre.clone()))
            - (cohort_mean(panel, b, post) - cohort_mean(panel, b, pre))
    };
    let mut terms = Vec::new();
    for (i, &(k, size_k)) in cohorts.iter().enumerate() {
        let n_k = size_k as f64 / n;
        let d_k = share_treated(k);
        if n_u > 0.0 {
            let n_ku = n_k / (n_k + n_u);
            let weight = (n_k + n_u).powi(2) * n_ku * (1.0 - n_ku) * d_k * (1.0 - d_k) / variance_d;
            terms.push(BaconTerm {
                kind: ComparisonKind::TreatedVsNever,
                treated: k,
                comparison: None,
                estimate: did(Some(k), None, 0..start(k), start(k)..periods),
                weight,
            });
        }
        for &(l, size_l) in &cohorts[i + 1..] {
            if start(l) == start(k) {
                // Two cohorts first treated between the same two observed periods
                // have the same treatment path: TWFE cannot compare them.
                continue;
            }
            let n_l = size_l as f64 / n;
            let d_l = share_treated(l);
            let n_kl = n_k / (n_k + n_l);
            let early = ((n_k + n_l) * (1.0 - d_l)).powi(2)
                * n_kl
                * (1.0 - n_kl)
                * ((d_k - d_l) / (1.0 - d_l))
                * ((1.0 - d_k) / (1.0 - d_l))
                / variance_d;
            terms.push(BaconTerm {
                kind: ComparisonKind::EarlierVsLater,
                treated: k,
                comparison: Some(l),
                estimate: did(Some(k), Some(l), 0..start(k), start(k)..start(l)),
                weight: early,
            });
            let late = ((n_k + n_l) * d_k).powi(2)
                * n_kl
                * (1.0 - n_kl)
                * (d_l / d_k)
                * ((d_k - d_l) / d_k)
                / variance_d;
            terms.push(BaconTerm {
                kind: ComparisonKind::LaterVsEarlier,
                treated: l,
                comparison: Some(k),
                estimate: did(Some(l), Some(k), start(k)..start(l), start(l)..periods),
                weight: late,
            });
        }
    }
    terms
}
