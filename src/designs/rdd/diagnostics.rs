//! The checks an RD estimate is read with: the estimate at other bandwidths, placebo
//! cut-offs where no jump should be, and the continuity of each covariate at the
//! cut-off. Each runs the same engine (`estimate`) with the analysis's settings.
//!
//! Each check has a `_sorted` form that takes the running variable already sorted
//! (`SortedRunning`), so an analysis sorts once; the estimates of a check are
//! independent and run in parallel, collected in their fixed order.

use rayon::prelude::*;

use super::estimate::{Prepared, estimate_prepared, sample_sd};
use super::sorted::SortedRunning;
use super::{BandwidthChoice, RdData, RdError, RdEstimate, RdOptions, RdRow, estimate_sorted};

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
    bandwidth_sensitivity_sorted(
        data,
        &SortedRunning::new(data.running),
        opts,
        base,
        multiples,
    )
}

/// [`bandwidth_sensitivity`] with the running variable already sorted: the data are
/// prepared once and the multiples estimated in parallel. `base` must be the estimate
/// of `data` with `opts`: its rows are the row of multiple 1.
pub fn bandwidth_sensitivity_sorted(
    data: RdData,
    sorted: &SortedRunning,
    opts: &RdOptions,
    base: &RdEstimate,
    multiples: &[f64],
) -> Vec<SensitivityRow> {
    let prepared = Prepared::from_sorted(data, opts, &sorted.order, &sorted.x, None);
    multiples
        .par_iter()
        .map(|&m| {
            let mut o = opts.clone();
            o.bandwidth = BandwidthChoice::Fixed {
                h_left: base.h_left * m,
                h_right: base.h_right * m,
                b_left: base.b_left * m,
                b_right: base.b_right * m,
            };
            // At the chosen bandwidths the estimate is `base` itself (the same fits on
            // the same data), so it is not computed again.
            let result = match &prepared {
                _ if m == 1.0 => Ok(base.clone()),
                Ok(prep) => estimate_prepared(prep, &o),
                Err(e) => Err(e.clone()),
            };
            SensitivityRow {
                multiple: m,
                h_left: base.h_left * m,
                h_right: base.h_right * m,
                result: result.map(|e| (e.conventional, e.robust)),
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
    placebo_cutoffs_sorted(data, &SortedRunning::new(data.running), opts, declared)
}

/// [`placebo_cutoffs`] with the running variable already sorted: each side's rows are
/// a contiguous stretch of the sorted order, in the order a stable sort of that side
/// alone gives, so nothing is copied or sorted again.
pub fn placebo_cutoffs_sorted(
    data: RdData,
    sorted: &SortedRunning,
    opts: &RdOptions,
    declared: &[f64],
) -> Vec<PlaceboRow> {
    let c = opts.cutoff;
    let split = sorted.x.partition_point(|&x| x < c);
    let cutoffs: Vec<f64> = if declared.is_empty() {
        let median = |v: &[f64]| -> Option<f64> {
            if v.is_empty() {
                return None;
            }
            let n = v.len();
            Some(if n % 2 == 1 {
                v[n / 2]
            } else {
                0.5 * (v[n / 2 - 1] + v[n / 2])
            })
        };
        [median(&sorted.x[..split]), median(&sorted.x[split..])]
            .into_iter()
            .flatten()
            .collect()
    } else {
        declared.to_vec()
    };
    // Each side's outcome standard deviation, over its rows in row order as the
    // selector standardises it.
    let side_sd = |below: bool| {
        let y: Vec<f64> = data
            .running
            .iter()
            .zip(data.outcome)
            .filter(|(x, _)| (**x < c) == below)
            .map(|(_, y)| *y)
            .collect();
        sample_sd(&y)
    };
    let sides: Vec<bool> = cutoffs.iter().map(|&pc| pc < c).collect();
    let sd_below = sides.contains(&true).then(|| side_sd(true));
    let sd_above = sides.contains(&false).then(|| side_sd(false));
    cutoffs
        .par_iter()
        .map(|&pc| {
            let below = pc < c;
            let range = if below { 0..split } else { split..sorted.len() };
            let sub = RdData {
                treatment: None,
                ..data
            };
            let mut o = opts.clone();
            o.cutoff = pc;
            if matches!(o.bandwidth, BandwidthChoice::Fixed { .. }) {
                o.bandwidth = BandwidthChoice::Select(super::Selector::Mserd);
            }
            let y_sd = if below { sd_below } else { sd_above };
            let result = Prepared::from_sorted(
                sub,
                &o,
                &sorted.order[range.clone()],
                &sorted.x[range],
                y_sd,
            )
            .and_then(|prep| estimate_prepared(&prep, &o));
            PlaceboRow {
                cutoff: pc,
                side: if below { "below" } else { "above" },
                result,
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
    covariate_continuity_sorted(data, &SortedRunning::new(data.running), opts)
}

/// [`covariate_continuity`] with the running variable already sorted; the covariates
/// are estimated in parallel.
pub fn covariate_continuity_sorted(
    data: RdData,
    sorted: &SortedRunning,
    opts: &RdOptions,
) -> Vec<CovariateRow> {
    let mut o = opts.clone();
    if matches!(o.bandwidth, BandwidthChoice::Fixed { .. }) {
        o.bandwidth = BandwidthChoice::Select(super::Selector::Mserd);
    }
    data.covariates
        .par_iter()
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
                result: estimate_sorted(sub, sorted, &o),
            }
        })
        .collect()
}
