//! The intraclass correlation observed in a cluster trial's analysed data, to set
//! against the ICC its power calculation assumed.
//!
//! # Estimator
//! The one-way analysis-of-variance estimator (Fisher; Donner 1986, "A review of
//! inference procedures for the intraclass correlation coefficient in the one-way
//! random effects model", Int Stat Rev 54(1):67–82), the estimator of R's
//! `ICC::ICCest` and of the ICC tables PowerUpR's users plan with, with clusters
//! nested in arms so that the treatment effect is not counted as between-cluster
//! variance:
//!
//! ICC = (MSB − MSW) / (MSB + (n₀ − 1)·MSW), where
//! MSB = Σ_c n_c (ȳ_c − ȳ_arm(c))² / (K − A), MSW = Σ_i (y_i − ȳ_c(i))² / (N − K),
//! n₀ = (N − Σ_arms Σ_{c in arm} n_c² / N_arm) / (K − A)
//!
//! with N units in K clusters in A arms (n₀ is the average cluster size adjusted for
//! unequal sizes). With one arm it is exactly `ICC::ICCest`. The estimate can be
//! negative (less variation between clusters than chance gives); it is reported as
//! computed.
//!
//! # Interval
//! The 95% interval is Searle's (1971) F-based interval with n₀ for the cluster size
//! (Donner 1986), exact for equal clusters and an approximation otherwise: with
//! F = MSB/MSW on (K − A, N − K) df,
//! F_L = F / F(0.975), F_U = F / F(0.025), and the limits (F_x − 1)/(F_x + n₀ − 1).

use std::collections::HashMap;

use serde::Serialize;

use super::AnalysisError;
use super::sample::AnalyticData;
use crate::spec::Plan;

/// The observed ICC and the quantities behind it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct IccEstimate {
    pub icc: f64,
    /// Mean square between clusters within arms.
    pub ms_between: f64,
    /// Mean square within clusters.
    pub ms_within: f64,
    /// Size-adjusted average cluster size n₀.
    pub n0: f64,
    /// 95% interval (Searle's F-based interval, see the module notes).
    pub conf_low: f64,
    pub conf_high: f64,
    pub units: usize,
    pub clusters: usize,
    /// The estimator in words.
    pub method: &'static str,
}

/// The estimator's name for reports.
pub const ICC_METHOD: &str = "one-way ANOVA estimator with clusters nested in arms (as ICC::ICCest; Donner 1986), on the primary outcome's analysed units";

/// The one-way ANOVA ICC of `y` with clusters nested in arms. `cluster[i]` and
/// `arm[i]` label unit i; a cluster must lie in one arm (a cluster trial's rule).
/// `None` when there are not enough clusters or units (K − A < 1 or N − K < 1) or
/// the outcome does not vary.
pub fn one_way_anova_icc(y: &[f64], cluster: &[&str], arm: &[usize]) -> Option<IccEstimate> {
    let n = y.len();
    if n == 0 || cluster.len() != n || arm.len() != n {
        return None;
    }
    // Clusters in order of first appearance, so sums run in a fixed order.
    let mut index: HashMap<(usize, &str), usize> = HashMap::new();
    let mut cluster_arm: Vec<usize> = Vec::new();
    let mut of_unit = Vec::with_capacity(n);
    for i in 0..n {
        let next = index.len();
        let c = *index.entry((arm[i], cluster[i])).or_insert(next);
        if c == cluster_arm.len() {
            cluster_arm.push(arm[i]);
        }
        of_unit.push(c);
    }
    let k = cluster_arm.len();
    let arms = cluster_arm.iter().copied().max()? + 1;
    let mut size = vec![0usize; k];
    let mut sum = vec![0.0; k];
    let mut arm_size = vec![0usize; arms];
    let mut arm_sum = vec![0.0; arms];
    for i in 0..n {
        size[of_unit[i]] += 1;
        sum[of_unit[i]] += y[i];
        arm_size[arm[i]] += 1;
        arm_sum[arm[i]] += y[i];
    }
    let a = arm_size.iter().filter(|&&s| s > 0).count();
    if k <= a || n <= k {
        return None;
    }
    let mean: Vec<f64> = sum.iter().zip(&size).map(|(s, m)| s / *m as f64).collect();
    let arm_mean: Vec<f64> = arm_sum
        .iter()
        .zip(&arm_size)
        .map(|(s, m)| if *m > 0 { s / *m as f64 } else { 0.0 })
        .collect();
    let ss_between: f64 = (0..k)
        .map(|c| size[c] as f64 * (mean[c] - arm_mean[cluster_arm[c]]).powi(2))
        .sum();
    let ss_within: f64 = (0..n).map(|i| (y[i] - mean[of_unit[i]]).powi(2)).sum();
    let df_between = (k - a) as f64;
    let df_within = (n - k) as f64;
    let ms_between = ss_between / df_between;
    let ms_within = ss_within / df_within;
    let mut squares = vec![0.0; arms];
    for c in 0..k {
        squares[cluster_arm[c]] += (size[c] * size[c]) as f64;
    }
    let adjustment: f64 = (0..arms)
        .filter(|&g| arm_size[g] > 0)
        .map(|g| squares[g] / arm_size[g] as f64)
        .sum();
    let n0 = (n as f64 - adjustment) / df_between;
    let denominator = ms_between + (n0 - 1.0) * ms_within;
    if !(denominator.is_finite() && denominator > 0.0) {
        return None;
    }
    let f = ms_between / ms_within;
    let limit = |quantile: f64| {
        let fx = f / quantile;
        (fx - 1.0) / (fx + n0 - 1.0)
    };
    let upper = crate::stats::distributions::f::quantile(0.975, df_between, df_within).ok()?;
    let lower = crate::stats::distributions::f::quantile(0.025, df_between, df_within).ok()?;
    Some(IccEstimate {
        icc: (ms_between - ms_within) / denominator,
        ms_between,
        ms_within,
        n0,
        conf_low: limit(upper),
        conf_high: limit(lower),
        units: n,
        clusters: k,
        method: ICC_METHOD,
    })
}

/// The ICC of the primary outcome on its analysed units, for a plan whose units carry
/// clusters (a cluster trial); `None` for other designs or too few clusters.
///
/// # Errors
/// The analysis data cannot be read or joined (as the analyse stage reports it).
pub fn observed_icc(plan: &Plan) -> Result<Option<IccEstimate>, AnalysisError> {
    let Some(analysis) = &plan.analysis else {
        return Ok(None);
    };
    let sample = AnalyticData::load(plan, analysis)?;
    let Some(labels) = &sample.clusters else {
        return Ok(None);
    };
    // The headline estimator's sample, the one the flow and the grade describe.
    let used = super::sample::ColumnsUsed::of(analysis.estimators[0]);
    let primary = &plan.outcomes[0].spec;
    let rows = sample.outcome_rows(primary, analysis.missing, used)?;
    let clusters: Vec<&str> = rows.rows.iter().map(|&r| labels[r].as_str()).collect();
    Ok(one_way_anova_icc(&rows.y, &clusters, &rows.arm))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-worked: clusters {1, 3} and {5, 7} in one arm: cluster means 2 and 6,
    /// grand mean 4; SSB = 2·4 + 2·4 = 16 (df 1), SSW = 4 · 1 = 4 (df 2); n₀ = (4 −
    /// 8/4)/1 = 2; ICC = (16 − 2)/(16 + 2) = 7/9.
    #[test]
    fn a_hand_worked_one_arm_icc() {
        let e = one_way_anova_icc(&[1.0, 3.0, 5.0, 7.0], &["a", "a", "b", "b"], &[0; 4]).unwrap();
        assert!((e.ms_between - 16.0).abs() < 1e-12);
        assert!((e.ms_within - 2.0).abs() < 1e-12);
        assert!((e.n0 - 2.0).abs() < 1e-12);
        assert!((e.icc - 7.0 / 9.0).abs() < 1e-12);
    }

    /// A shift of one arm (the treatment effect) leaves the nested ICC unchanged.
    #[test]
    fn the_treatment_effect_is_not_between_cluster_variance() {
        let y = [1.0, 3.0, 5.0, 7.0, 2.0, 2.5, 4.0, 6.5];
        let c = ["a", "a", "b", "b", "c", "c", "d", "d"];
        let arm = [0, 0, 0, 0, 1, 1, 1, 1];
        let base = one_way_anova_icc(&y, &c, &arm).unwrap();
        let shifted: Vec<f64> = y
            .iter()
            .zip(&arm)
            .map(|(v, a)| v + 100.0 * *a as f64)
            .collect();
        let moved = one_way_anova_icc(&shifted, &c, &arm).unwrap();
        assert!((base.icc - moved.icc).abs() < 1e-9);
    }

    #[test]
    fn too_few_clusters_give_none() {
        assert!(one_way_anova_icc(&[1.0, 2.0], &["a", "a"], &[0, 0]).is_none());
        assert!(one_way_anova_icc(&[1.0, 2.0], &["a", "b"], &[0, 1]).is_none());
    }
}
