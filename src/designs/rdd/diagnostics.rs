//! The checks an RD estimate is read with: the estimate at other bandwidths, placebo
//! cut-offs where no jump should be, and the continuity of each covariate at the
//! cut-off. Each runs the same engine (`estimate`) with the analysis's settings.

use super::{BandwidthChoice, RdData, RdError, RdEstimate, RdOptions, RdRow, estimate};

/// The multiples of the chosen bandwidth at which the sensitivity table re-estimates.
pub const SENSITIVITY_MULTIPLES: [f64; 5] = [0.5, 0.75, 1.0, 1.5, 2.0];

/// The estimate at a multiple of the chosen bandwidths.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    pub multiple: f64,
    pub h_left: f64,
    pub h_right: f64,
    /// Conventional and robust rows, or why the estimate could not be made.
    pub result: Result<(RdRow, RdRow), RdError>,
}

/// Re-estimate at each multiple of `base`'s bandwidths. Both h and b are scaled, so the
/// ratio h/b of the main analysis is kept.
pub fn bandwidth_sensitivity(
    data: RdData,
    opts: &RdOptions,
    base: &RdEstimate,
    multiples: &[f64],
) -> Vec<SensitivityRow> {
    multiples
        .iter()
        .map(|&m| {
            let mut o = opts.clone();
            o.bandwidth = BandwidthChoice::Fixed {
                h_left: base.h_left * m,
                h_right: base.h_right * m,
                b_left: base.b_left * m,
                b_right: base.b_right * m,
            };
            SensitivityRow {
                multiple: m,
                h_left: base.h_left * m,
                h_right: base.h_right * m,
                result: estimate(data, &o).map(|e| (e.conventional, e.robust)),
            }
        })
        .collect()
}

/// An RD estimate at a cut-off where the design says there is no jump.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceboRow {
    pub cutoff: f64,
    /// "below" or "above" the true cut-off: only that side's observations are used.
    pub side: &'static str,
    pub result: Result<RdEstimate, RdError>,
}

/// Placebo cut-offs: by default the median of the running variable on each side of the
/// true cut-off (the usual choice, e.g. Cattaneo, Idrobo and Titiunik 2020, §3.3), or
/// the declared ones. Each uses only the observations on its side of the true cut-off,
/// so the true jump cannot leak in, and estimates the outcome's jump as a sharp design
/// (for a fuzzy design, its reduced form).
pub fn placebo_cutoffs(data: RdData, opts: &RdOptions, declared: &[f64]) -> Vec<PlaceboRow> {
    let c = opts.cutoff;
    let cutoffs: Vec<f64> = if declared.is_empty() {
        let median = |mut v: Vec<f64>| -> Option<f64> {
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            let n = v.len();
            Some(if n % 2 == 1 {
                v[n / 2]
            } else {
                0.5 * (v[n / 2 - 1] + v[n / 2])
            })
        };
        let below = data.running.iter().copied().filter(|&x| x < c).collect();
        let above = data.running.iter().copied().filter(|&x| x >= c).collect();
        [median(below), median(above)]
            .into_iter()
            .flatten()
            .collect()
    } else {
        declared.to_vec()
    };
    cutoffs
        .into_iter()
        .map(|pc| {
            let below = pc < c;
            let keep: Vec<usize> = (0..data.running.len())
                .filter(|&i| (data.running[i] < c) == below)
                .collect();
            let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
            let x = pick(data.running);
            let y = pick(data.outcome);
            let covs: Vec<Vec<f64>> = data.covariates.iter().map(|z| pick(z)).collect();
            let cov_refs: Vec<&[f64]> = covs.iter().map(|z| z.as_slice()).collect();
            let cluster: Option<Vec<u64>> =
                data.cluster.map(|cl| keep.iter().map(|&i| cl[i]).collect());
            let sub = RdData {
                running: &x,
                outcome: &y,
                treatment: None,
                covariates: &cov_refs,
                cluster: cluster.as_deref(),
            };
            let mut o = opts.clone();
            o.cutoff = pc;
            if matches!(o.bandwidth, BandwidthChoice::Fixed { .. }) {
                o.bandwidth = BandwidthChoice::Select(super::Selector::Mserd);
            }
            PlaceboRow {
                cutoff: pc,
                side: if below { "below" } else { "above" },
                result: estimate(sub, &o),
            }
        })
        .collect()
}

/// A covariate's own jump at the cut-off.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateRow {
    pub index: usize,
    pub result: Result<RdEstimate, RdError>,
}

/// rdrobust with each covariate as the outcome (sharp, no further covariates, the
/// analysis's kernel, orders, selector, variance and clusters): a covariate that jumps
/// at the cut-off undermines the design.
pub fn covariate_continuity(data: RdData, opts: &RdOptions) -> Vec<CovariateRow> {
    let mut o = opts.clone();
    if matches!(o.bandwidth, BandwidthChoice::Fixed { .. }) {
        o.bandwidth = BandwidthChoice::Select(super::Selector::Mserd);
    }
    data.covariates
        .iter()
        .enumerate()
        .map(|(index, z)| {
            let sub = RdData {
                running: data.running,
                outcome: z,
                treatment: None,
                covariates: &[],
                cluster: data.cluster,
            };
            CovariateRow {
                index,
                result: estimate(sub, &o),
            }
        })
        .collect()
}
