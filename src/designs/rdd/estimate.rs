//! The RD estimate itself, a port of rdrobust 2.1.1: local polynomials of order p with
//! the main bandwidth h either side, the bias of order q with bandwidth b, and the three
//! rows rdrobust prints (conventional; bias-corrected with the conventional standard
//! error; bias-corrected with the robust standard error, whose interval is centred on
//! the bias-corrected estimate). Fuzzy designs give the ratio of the outcome jump to the
//! treatment-receipt jump with its linearised variance, as rdrobust.

use std::collections::BTreeMap;

use nalgebra::DMatrix;

use super::bandwidth::select;
use super::linalg::{distinct_sorted, meat, powers};
use super::residuals::{nearest_neighbour, plug_in};
use super::side::{LocalFit, Side, covariate_blocks, solve_gamma, weighted_dd};
use super::sorted::SortedRunning;
use super::{BandwidthChoice, Kernel, RdData, RdError, RdOptions, Vce};
use crate::report::format::count;
use crate::stats::distributions::normal;

/// One of the three rows of an RD estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RdRow {
    pub estimate: f64,
    pub std_error: f64,
    pub z: f64,
    pub p_value: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
}

/// The first stage of a fuzzy design: the jump in treatment receipt at the cut-off.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstStage {
    pub conventional: RdRow,
    pub bias_corrected: RdRow,
    pub robust: RdRow,
    /// Squared conventional z of the jump: the first-stage F of a just-identified IV.
    pub f_statistic: f64,
}

/// An RD estimate with everything a report needs to show how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct RdEstimate {
    pub cutoff: f64,
    pub p: usize,
    pub q: usize,
    pub kernel: Kernel,
    /// "NN", "HC0"–"HC3" or "CR1", as rdrobust labels its variance.
    pub vce: &'static str,
    /// Selector name, or "manual" for declared bandwidths.
    pub bandwidth_method: &'static str,
    pub h_left: f64,
    pub h_right: f64,
    pub b_left: f64,
    pub b_right: f64,
    pub n_left: usize,
    pub n_right: usize,
    pub n_h_left: usize,
    pub n_h_right: usize,
    pub n_b_left: usize,
    pub n_b_right: usize,
    pub distinct_left: usize,
    pub distinct_right: usize,
    pub conventional: RdRow,
    pub bias_corrected: RdRow,
    pub robust: RdRow,
    /// Estimated bias of the conventional estimate either side.
    pub bias_left: f64,
    pub bias_right: f64,
    /// Conventional order-p coefficients of the outcome either side (intercept first, in
    /// powers of x − c): the fitted lines of the RD plot.
    pub coef_left: Vec<f64>,
    pub coef_right: Vec<f64>,
    pub first_stage: Option<FirstStage>,
    /// Coefficients of the covariates in the outcome equation.
    pub covariate_coefficients: Vec<f64>,
    /// Clusters with observations inside the window, when clustered.
    pub clusters: Option<usize>,
    /// Conditions a reader must know about (mass points, few clusters, weak first stage).
    pub warnings: Vec<String>,
}

/// The data sorted, split at the cut-off and described, shared by selection and fitting.
pub(crate) struct Prepared {
    pub cutoff: f64,
    pub left: Side,
    pub right: Side,
    pub x_min: f64,
    pub x_max: f64,
    pub x_sd: f64,
    pub y_sd: f64,
    pub x_iqr: f64,
    pub distinct_left: usize,
    pub distinct_right: usize,
    pub bwcheck: Option<usize>,
    pub clustered: bool,
    pub clusters_per_side: Option<(usize, usize)>,
    pub treatment_varies_left: bool,
    pub treatment_varies_right: bool,
    pub warnings: Vec<String>,
}

pub(crate) fn sample_sd(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / (n - 1.0)).sqrt()
}

fn population_variance(v: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = v.clone().count() as f64;
    let mean = v.clone().sum::<f64>() / n;
    (v.map(|a| (a - mean) * (a - mean)).sum::<f64>() / n, mean)
}

/// R's quantile type 2 on sorted data (as rdrobust's `quantile_type2`).
fn quantile_type2(sorted: &[f64], prob: f64) -> f64 {
    let n = sorted.len();
    let h = n as f64 * prob;
    let j = h.floor() as usize;
    if h == j as f64 {
        0.5 * (sorted[j - 1] + sorted[j])
    } else {
        sorted[j]
    }
}

fn check_options(opts: &RdOptions) -> Result<(), RdError> {
    if opts.p > 2 {
        return Err(RdError::Settings(format!(
            "polynomial order p = {} is not offered; use 1 (the default) or 2",
            opts.p
        )));
    }
    if opts.q <= opts.p || opts.q > 3 {
        return Err(RdError::Settings(format!(
            "bias order q = {} must exceed p = {} and be at most 3",
            opts.q, opts.p
        )));
    }
    if !(opts.level > 0.0 && opts.level < 1.0) {
        return Err(RdError::Settings(format!(
            "confidence level {} must lie strictly between 0 and 1",
            opts.level
        )));
    }
    if opts.nnmatch < 1 {
        return Err(RdError::Settings("nnmatch must be at least 1".to_string()));
    }
    if let BandwidthChoice::Fixed {
        h_left,
        h_right,
        b_left,
        b_right,
    } = opts.bandwidth
        && ![h_left, h_right, b_left, b_right]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0)
    {
        return Err(RdError::Settings(
            "declared bandwidths must be positive finite numbers".to_string(),
        ));
    }
    Ok(())
}

impl Prepared {
    pub fn new(data: RdData, opts: &RdOptions) -> Result<Prepared, RdError> {
        let sorted = SortedRunning::new(data.running);
        Prepared::from_sorted(data, opts, &sorted.order, &sorted.x, None)
    }

    /// The rows `order` of `data` (sorted by the running variable, `x_sorted` their
    /// running values): all rows, or one side's for a placebo cut-off. `y_sd` is the
    /// outcome's standard deviation over those rows in row order when they are not all
    /// the rows (`None`: computed from `data.outcome`).
    pub fn from_sorted(
        data: RdData,
        opts: &RdOptions,
        order: &[usize],
        x_sorted: &[f64],
        y_sd: Option<f64>,
    ) -> Result<Prepared, RdError> {
        check_options(opts)?;
        let n = data.running.len();
        let check_len = |what: &str, got: usize| {
            if got != n {
                Err(RdError::LengthMismatch {
                    what: what.to_string(),
                    got,
                    expected: n,
                })
            } else {
                Ok(())
            }
        };
        check_len("outcome", data.outcome.len())?;
        if let Some(t) = data.treatment {
            check_len("treatment receipt", t.len())?;
        }
        for z in data.covariates {
            check_len("covariate", z.len())?;
        }
        if let Some(c) = data.cluster {
            check_len("cluster", c.len())?;
        }
        let check_finite = |what: &str, v: &[f64]| match v.iter().position(|a| !a.is_finite()) {
            Some(row) => Err(RdError::NotFinite {
                what: what.to_string(),
                row: row + 1,
            }),
            None => Ok(()),
        };
        check_finite("running variable", data.running)?;
        check_finite("outcome", data.outcome)?;
        if let Some(t) = data.treatment {
            check_finite("treatment receipt", t)?;
        }
        for z in data.covariates {
            check_finite("covariate", z)?;
        }
        let c = opts.cutoff;
        let n = order.len();
        if n == 0 {
            return Err(RdError::CutoffOutsideRange {
                cutoff: opts.cutoff,
                min: f64::NAN,
                max: f64::NAN,
            });
        }
        let x_min = x_sorted[0];
        let x_max = x_sorted[n - 1];
        if c <= x_min || c >= x_max {
            return Err(RdError::CutoffOutsideRange {
                cutoff: c,
                min: x_min,
                max: x_max,
            });
        }
        let dt = usize::from(data.treatment.is_some());
        let dz = data.covariates.len();
        let dd = 1 + dt + dz;
        let dense_clusters: Option<Vec<u32>> = data.cluster.map(|ids| {
            let mut map = BTreeMap::new();
            for &i in order {
                map.entry(ids[i]).or_insert(0u32);
            }
            for (i, v) in map.values_mut().enumerate() {
                *v = i as u32;
            }
            order.iter().map(|&i| map[&ids[i]]).collect()
        });
        let split = x_sorted.partition_point(|&v| v < c);
        let build = |range: std::ops::Range<usize>| -> Side {
            let mut d = Vec::with_capacity(range.len() * dd);
            for &i in &order[range.clone()] {
                d.push(data.outcome[i]);
                if let Some(t) = data.treatment {
                    d.push(t[i]);
                }
                for z in data.covariates {
                    d.push(z[i]);
                }
            }
            Side {
                x: x_sorted[range.clone()].to_vec(),
                d,
                dd,
                dt,
                dz,
                cluster: dense_clusters.as_ref().map(|c| c[range].to_vec()),
            }
        };
        let left = build(0..split);
        let right = build(split..n);
        let distinct_left = distinct_sorted(&left.x);
        let distinct_right = distinct_sorted(&right.x);
        let needed = opts.q + 1;
        if distinct_left.min(distinct_right) < needed {
            let (side, distinct) = if distinct_left < needed {
                ("below", distinct_left)
            } else {
                ("at or above", distinct_right)
            };
            return Err(RdError::TooFewMassPoints {
                side,
                distinct,
                order: opts.q,
                needed,
            });
        }
        let mut treatment_varies_left = true;
        let mut treatment_varies_right = true;
        if dt == 1 {
            let col = |s: &Side| {
                let dd = s.dd;
                (0..s.len())
                    .map(move |i| s.d[i * dd + 1])
                    .collect::<Vec<f64>>()
            };
            let tl = col(&left);
            let tr = col(&right);
            let (vl, ml) = population_variance(tl.iter().copied());
            let (vr, mr) = population_variance(tr.iter().copied());
            treatment_varies_left = vl != 0.0;
            treatment_varies_right = vr != 0.0;
            if vl == 0.0 && vr == 0.0 && (ml - mr).abs() < f64::EPSILON.sqrt() {
                return Err(RdError::NoFirstStage);
            }
        }
        let mut warnings = Vec::new();
        let mass_l = 1.0 - distinct_left as f64 / left.len() as f64;
        let mass_r = 1.0 - distinct_right as f64 / right.len() as f64;
        let mut bwcheck = None;
        if mass_l >= 0.2 || mass_r >= 0.2 {
            warnings.push(format!(
                "mass points in the running variable: {} distinct values among {} observations below the cut-off and {} among {} at or above it; the bandwidths are widened to hold at least 10 distinct values either side (rdrobust's masspoints = \"adjust\") and inference treats the running variable as continuous",
                count(distinct_left),
                count(left.len()),
                count(distinct_right),
                count(right.len())
            ));
            bwcheck = Some(10);
        }
        let clusters_per_side = left.cluster.as_ref().map(|cl| {
            let count = |v: &[u32]| {
                let mut s = v.to_vec();
                s.sort_unstable();
                s.dedup();
                s.len()
            };
            (count(cl), count(right.cluster.as_ref().unwrap()))
        });
        let x_sd = sample_sd(x_sorted);
        let y_sd = y_sd.unwrap_or_else(|| sample_sd(data.outcome));
        let x_iqr = quantile_type2(x_sorted, 0.75) - quantile_type2(x_sorted, 0.25);
        Ok(Prepared {
            cutoff: c,
            left,
            right,
            x_min,
            x_max,
            x_sd,
            y_sd,
            x_iqr,
            distinct_left,
            distinct_right,
            bwcheck,
            clustered: data.cluster.is_some(),
            clusters_per_side,
            treatment_varies_left,
            treatment_varies_right,
            warnings,
        })
    }
}

/// The fits of one side at the final bandwidths.
struct SideFit {
    x: Vec<f64>,
    d: Vec<f64>,
    cluster: Option<Vec<u32>>,
    fit_p: LocalFit,
    fit_q: LocalFit,
    /// Row-major n×(p+1): rdrobust's Q_q, the bias-corrected score rows.
    q_rows: Vec<f64>,
    beta_bc: DMatrix<f64>,
    dwd_h: Option<DMatrix<f64>>,
    n_h: usize,
    n_b: usize,
}

fn fit_side(
    side: &Side,
    c: f64,
    h: f64,
    b: f64,
    opts: &RdOptions,
) -> Result<Option<SideFit>, RdError> {
    let (p, q, kernel) = (opts.p, opts.q, opts.kernel);
    let dd = side.dd;
    let win = side.window(c, h.max(b), kernel);
    let x = side.x[win.clone()].to_vec();
    let d = side.d_rows(win.clone()).to_vec();
    let w_h: Vec<f64> = x.iter().map(|&v| kernel.weight(v, c, h)).collect();
    let w_b: Vec<f64> = x.iter().map(|&v| kernel.weight(v, c, b)).collect();
    // Observations with positive weight and their distinct values (x is sorted).
    let positive = |w: &[f64]| -> (usize, usize) {
        let (mut n, mut distinct, mut last) = (0, 0, None);
        for (v, wi) in x.iter().zip(w) {
            if *wi > 0.0 {
                n += 1;
                if last != Some(*v) {
                    distinct += 1;
                    last = Some(*v);
                }
            }
        }
        (n, distinct)
    };
    let (n_h, distinct_h) = positive(&w_h);
    let (n_b, distinct_b) = positive(&w_b);
    if distinct_h < p + 1 || distinct_b < q + 1 {
        return Ok(None);
    }
    let fit_q = LocalFit::new(&x, &d, dd, &w_b, c, q, false)?;
    let fit_p = LocalFit::new(&x, &d, dd, &w_h, c, p, false)?;
    let kp = p + 1;
    let kq = q + 1;
    let n = x.len();
    let mut l = vec![0.0; kp];
    let mut r = vec![0.0; kq];
    for i in 0..n {
        powers(x[i] - c, &mut r);
        let u = ((x[i] - c) / h).powi(p as i32 + 1);
        for a in 0..kp {
            l[a] += r[a] * w_h[i] * u;
        }
    }
    let hp = h.powi(p as i32 + 1);
    let mut q_rows = vec![0.0; n * kp];
    let mut qd = DMatrix::<f64>::zeros(kp, dd);
    for i in 0..n {
        powers(x[i] - c, &mut r);
        let mut m: f64 = r
            .iter()
            .enumerate()
            .map(|(a, ra)| ra * fit_q.inv_gram[(p + 1, a)])
            .sum();
        m *= w_b[i];
        for a in 0..kp {
            let v = r[a] * w_h[i] - hp * m * l[a];
            q_rows[i * kp + a] = v;
            for col in 0..dd {
                qd[(a, col)] += v * d[i * dd + col];
            }
        }
    }
    let beta_bc = &fit_p.inv_gram * qd;
    let dwd_h = (side.dz > 0).then(|| weighted_dd(&d, dd, &w_h));
    Ok(Some(SideFit {
        cluster: side.clusters(win).map(|c| c.to_vec()),
        x,
        d,
        fit_p,
        fit_q,
        q_rows,
        beta_bc,
        dwd_h,
        n_h,
        n_b,
    }))
}

fn row(estimate: f64, se: f64, quant: f64) -> RdRow {
    let z = estimate / se;
    let p_value = 2.0 * normal::cdf(-z.abs()).unwrap_or(f64::NAN);
    RdRow {
        estimate,
        std_error: se,
        z,
        p_value,
        ci_lower: estimate - quant * se,
        ci_upper: estimate + quant * se,
    }
}

fn dot(a: &[f64], b: impl Iterator<Item = f64>) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Estimate the jump at the cut-off as rdrobust does (right side minus left side).
pub fn estimate(data: RdData, opts: &RdOptions) -> Result<RdEstimate, RdError> {
    estimate_sorted(data, &SortedRunning::new(data.running), opts)
}

/// [`estimate`] with the running variable already sorted (`sorted` from `data.running`).
pub fn estimate_sorted(
    data: RdData,
    sorted: &SortedRunning,
    opts: &RdOptions,
) -> Result<RdEstimate, RdError> {
    let prep = Prepared::from_sorted(data, opts, &sorted.order, &sorted.x, None)?;
    estimate_prepared(&prep, opts)
}

/// The estimate on data already prepared (sorted and split at `opts.cutoff`): the
/// bandwidth sensitivity re-estimates on one preparation. `prep` must have been made
/// with `opts` apart from the bandwidths, which are checked here.
pub(crate) fn estimate_prepared(prep: &Prepared, opts: &RdOptions) -> Result<RdEstimate, RdError> {
    check_options(opts)?;
    let mut warnings = prep.warnings.clone();
    let c = prep.cutoff;
    let n_total = prep.left.len() + prep.right.len();
    let (h_l, h_r, b_l, b_r, method) = match opts.bandwidth {
        BandwidthChoice::Fixed {
            h_left,
            h_right,
            b_left,
            b_right,
        } => (h_left, h_right, b_left, b_right, "manual"),
        BandwidthChoice::Select(_) if n_total < 20 => {
            let h = (c - prep.x_min).abs().max((prep.x_max - c).abs());
            warnings.push(
                "fewer than 20 observations: no bandwidth can be selected, so h is the whole range of the running variable"
                    .to_string(),
            );
            (h, h, h, h, "manual")
        }
        BandwidthChoice::Select(selector) => {
            let bw = select(prep, opts, selector)?;
            (
                bw.h_left,
                bw.h_right,
                bw.b_left,
                bw.b_right,
                selector.name(),
            )
        }
    };
    let not_identified = RdError::WindowNotIdentified {
        h_left: h_l,
        h_right: h_r,
        b_left: b_l,
        b_right: b_r,
    };
    // The two sides are fitted side by side: each side's arithmetic is its own.
    let (fl, fr) = rayon::join(
        || fit_side(&prep.left, c, h_l, b_l, opts),
        || fit_side(&prep.right, c, h_r, b_r, opts),
    );
    let fl = fl?.ok_or(not_identified.clone())?;
    let fr = fr?.ok_or(not_identified)?;
    if fl.n_h < 10 || fr.n_h < 10 {
        return Err(RdError::TooFewInBandwidth {
            left: fl.n_h,
            right: fr.n_h,
        });
    }
    let dt = prep.left.dt;
    let dz = prep.left.dz;
    let dd = prep.left.dd;
    let beta_p = &fr.fit_p.beta - &fl.fit_p.beta;
    let beta_bc = &fr.beta_bc - &fl.beta_bc;
    let fuzzy = dt == 1;

    // s_y weights the D columns into the outcome (sharp) or the ratio (fuzzy) score;
    // s_t does the same for the first stage.
    let (tau_cl, tau_bc, bias_l, bias_r, s_y, first_stage_parts, gamma_y);
    if dz == 0 {
        gamma_y = Vec::new();
        if !fuzzy {
            tau_cl = beta_p[(0, 0)];
            tau_bc = beta_bc[(0, 0)];
            bias_l = fl.fit_p.beta[(0, 0)] - fl.beta_bc[(0, 0)];
            bias_r = fr.fit_p.beta[(0, 0)] - fr.beta_bc[(0, 0)];
            s_y = vec![1.0];
            first_stage_parts = None;
        } else {
            let (ty_cl, ty_bc) = (beta_p[(0, 0)], beta_bc[(0, 0)]);
            let (tt_cl, tt_bc) = (beta_p[(0, 1)], beta_bc[(0, 1)]);
            tau_cl = ty_cl / tt_cl;
            let s = [1.0 / tt_cl, -(ty_cl / (tt_cl * tt_cl))];
            tau_bc = tau_cl - (s[0] * (ty_cl - ty_bc) + s[1] * (tt_cl - tt_bc));
            let side_bias = |f: &SideFit| {
                s[0] * (f.fit_p.beta[(0, 0)] - f.beta_bc[(0, 0)])
                    + s[1] * (f.fit_p.beta[(0, 1)] - f.beta_bc[(0, 1)])
            };
            bias_l = side_bias(&fl);
            bias_r = side_bias(&fr);
            s_y = s.to_vec();
            first_stage_parts = Some((tt_cl, tt_bc, vec![0.0, 1.0]));
        }
    } else {
        let (zwz_l, zwy_l) = covariate_blocks(
            &fl.fit_p.rwd,
            fl.dwd_h.as_ref().unwrap(),
            &fl.fit_p.inv_gram,
            dt,
        );
        let (zwz_r, zwy_r) = covariate_blocks(
            &fr.fit_p.rwd,
            fr.dwd_h.as_ref().unwrap(),
            &fr.fit_p.inv_gram,
            dt,
        );
        let gamma = solve_gamma(&(zwz_l + zwz_r), &(zwy_l + zwy_r))?;
        let first_z = 1 + dt;
        let s_outcome: Vec<f64> = std::iter::once(1.0)
            .chain(gamma.column(0).iter().map(|v| -v))
            .collect();
        // The outcome (col) combined with the covariate columns of a coefficient row.
        let combine = |m: &DMatrix<f64>, col: usize, s: &[f64]| -> f64 {
            dot(
                s,
                std::iter::once(m[(0, col)]).chain((0..dz).map(|j| m[(0, first_z + j)])),
            )
        };
        gamma_y = gamma.column(0).iter().copied().collect();
        if !fuzzy {
            tau_cl = combine(&beta_p, 0, &s_outcome);
            tau_bc = combine(&beta_bc, 0, &s_outcome);
            bias_l = combine(&fl.fit_p.beta, 0, &s_outcome) - combine(&fl.beta_bc, 0, &s_outcome);
            bias_r = combine(&fr.fit_p.beta, 0, &s_outcome) - combine(&fr.beta_bc, 0, &s_outcome);
            s_y = s_outcome;
            first_stage_parts = None;
        } else {
            let s_t: Vec<f64> = std::iter::once(1.0)
                .chain(gamma.column(1).iter().map(|v| -v))
                .collect();
            let ty_cl = combine(&beta_p, 0, &s_outcome);
            let tt_cl = combine(&beta_p, 1, &s_t);
            let ty_bc = combine(&beta_bc, 0, &s_outcome);
            let tt_bc = combine(&beta_bc, 1, &s_t);
            tau_cl = ty_cl / tt_cl;
            let s = [1.0 / tt_cl, -(ty_cl / (tt_cl * tt_cl))];
            tau_bc = tau_cl - (s[0] * (ty_cl - ty_bc) + s[1] * (tt_cl - tt_bc));
            let side_bias = |f: &SideFit| {
                s[0] * (combine(&f.fit_p.beta, 0, &s_outcome) - combine(&f.beta_bc, 0, &s_outcome))
                    + s[1] * (combine(&f.fit_p.beta, 1, &s_t) - combine(&f.beta_bc, 1, &s_t))
            };
            bias_l = side_bias(&fl);
            bias_r = side_bias(&fr);
            let mut full = s.to_vec();
            for j in 0..dz {
                full.push(
                    -(1.0 / tt_cl) * gamma[(j, 0)] + (ty_cl / (tt_cl * tt_cl)) * gamma[(j, 1)],
                );
            }
            s_y = full;
            let mut sv_t = vec![0.0, 1.0];
            sv_t.extend(gamma.column(1).iter().map(|v| -v));
            first_stage_parts = Some((tt_cl, tt_bc, sv_t));
        }
    }

    let vce = if prep.clustered { Vce::Hc1 } else { opts.vce };
    let vce_label = if prep.clustered {
        "CR1"
    } else {
        match vce {
            Vce::Nn => "NN",
            Vce::Hc0 => "HC0",
            Vce::Hc1 => "HC1",
            Vce::Hc2 => "HC2",
            Vce::Hc3 => "HC3",
        }
    };
    let residuals = |f: &SideFit| -> (Vec<f64>, Vec<f64>) {
        if vce == Vce::Nn {
            let r = nearest_neighbour(&f.x, &f.d, dd, opts.nnmatch);
            (r.clone(), r)
        } else {
            let lev = matches!(vce, Vce::Hc2 | Vce::Hc3);
            let (fp, hp) = f.fit_p.fitted_and_leverage(&f.x, c, dd, lev);
            let (fq, hq) = f.fit_q.fitted_and_leverage(&f.x, c, dd, lev);
            (
                plug_in(&f.d, &fp, &hp, dd, vce, opts.p + 1, prep.clustered),
                plug_in(&f.d, &fq, &hq, dd, vce, opts.q + 1, prep.clustered),
            )
        }
    };
    let ((res_h_l, res_b_l), (res_h_r, res_b_r)) =
        rayon::join(|| residuals(&fl), || residuals(&fr));
    let hb_match = h_l == b_l && h_r == b_r;
    let (kp, kq) = (opts.p + 1, opts.q + 1);
    let variance = |s: &[f64]| -> (f64, f64) {
        let side = |f: &SideFit, res_h: &[f64], res_b: &[f64]| -> (f64, f64) {
            let cl = f.cluster.as_deref();
            let m_cl = meat(&f.fit_p.rw, kp, res_h, dd, s, cl, kp);
            let v_cl = (&f.fit_p.inv_gram * m_cl * &f.fit_p.inv_gram)[(0, 0)];
            let v_rb = if hb_match && prep.clustered {
                let m = meat(&f.fit_q.rw, kq, res_b, dd, s, cl, kq);
                (&f.fit_q.inv_gram * m * &f.fit_q.inv_gram)[(0, 0)]
            } else {
                let m = meat(&f.q_rows, kp, res_b, dd, s, cl, kq);
                (&f.fit_p.inv_gram * m * &f.fit_p.inv_gram)[(0, 0)]
            };
            (v_cl, v_rb)
        };
        let (cl_l, rb_l) = side(&fl, &res_h_l, &res_b_l);
        let (cl_r, rb_r) = side(&fr, &res_h_r, &res_b_r);
        ((cl_l + cl_r).sqrt(), (rb_l + rb_r).sqrt())
    };
    let quant = -normal::quantile((1.0 - opts.level) / 2.0).unwrap_or(f64::NAN);
    let (se_cl, se_rb) = variance(&s_y);
    let first_stage = first_stage_parts.map(|(tt_cl, tt_bc, sv_t)| {
        let (se_t_cl, se_t_rb) = variance(&sv_t);
        let conventional = row(tt_cl, se_t_cl, quant);
        FirstStage {
            conventional,
            bias_corrected: row(tt_bc, se_t_cl, quant),
            robust: row(tt_bc, se_t_rb, quant),
            f_statistic: conventional.z * conventional.z,
        }
    });
    if let Some(fs) = &first_stage
        && fs.f_statistic < 10.0
    {
        warnings.push(format!(
            "weak first stage: the jump in treatment receipt at the cut-off has F = {} (below 10), so the fuzzy estimate and its interval are unreliable",
            crate::report::format::significant(fs.f_statistic, 3)
        ));
    }
    let clusters = fl.cluster.as_ref().map(|cl| {
        let mut all: Vec<u32> = cl.clone();
        all.extend(fr.cluster.as_ref().unwrap());
        all.sort_unstable();
        all.dedup();
        all.len()
    });
    if let (Some(cl_l), Some(cl_r)) = (&fl.cluster, &fr.cluster) {
        let count = |v: &[u32], w: &[f64]| {
            let mut s: Vec<u32> = v
                .iter()
                .zip(w)
                .filter(|(_, wi)| **wi > 0.0)
                .map(|(c, _)| *c)
                .collect();
            s.sort_unstable();
            s.dedup();
            s.len()
        };
        let wl: Vec<f64> =
            fl.x.iter()
                .map(|&v| opts.kernel.weight(v, c, h_l))
                .collect();
        let wr: Vec<f64> =
            fr.x.iter()
                .map(|&v| opts.kernel.weight(v, c, h_r))
                .collect();
        let (gl, gr) = (count(cl_l, &wl), count(cl_r, &wr));
        if gl.min(gr) < 10 {
            warnings.push(format!(
                "only {gl} (left) and {gr} (right) clusters within the bandwidth: cluster-robust standard errors are unreliable with fewer than 10 clusters on a side"
            ));
        }
    }
    let coef = |f: &SideFit| -> Vec<f64> { (0..kp).map(|a| f.fit_p.beta[(a, 0)]).collect() };
    Ok(RdEstimate {
        cutoff: c,
        p: opts.p,
        q: opts.q,
        kernel: opts.kernel,
        vce: vce_label,
        bandwidth_method: method,
        h_left: h_l,
        h_right: h_r,
        b_left: b_l,
        b_right: b_r,
        n_left: prep.left.len(),
        n_right: prep.right.len(),
        n_h_left: fl.n_h,
        n_h_right: fr.n_h,
        n_b_left: fl.n_b,
        n_b_right: fr.n_b,
        distinct_left: prep.distinct_left,
        distinct_right: prep.distinct_right,
        conventional: row(tau_cl, se_cl, quant),
        bias_corrected: row(tau_bc, se_cl, quant),
        robust: row(tau_bc, se_rb, quant),
        bias_left: bias_l,
        bias_right: bias_r,
        coef_left: coef(&fl),
        coef_right: coef(&fr),
        first_stage,
        covariate_coefficients: gamma_y,
        clusters,
        warnings,
    })
}

impl RdRow {
    fn negated(self) -> RdRow {
        RdRow {
            estimate: -self.estimate,
            std_error: self.std_error,
            z: -self.z,
            p_value: self.p_value,
            ci_lower: -self.ci_upper,
            ci_upper: -self.ci_lower,
        }
    }
}

impl RdEstimate {
    /// The estimate oriented for a design whose treated side is *below* the cut-off.
    /// rdrobust reports right minus left; with treatment below, the sharp effect is left
    /// minus right, so its rows change sign (intervals mirrored, p-values unchanged).
    /// In a fuzzy design the outcome and take-up jumps both change sign and the ratio
    /// does not; only the first stage is mirrored.
    pub fn treated_below(mut self) -> RdEstimate {
        match &mut self.first_stage {
            None => {
                self.conventional = self.conventional.negated();
                self.bias_corrected = self.bias_corrected.negated();
                self.robust = self.robust.negated();
                self.bias_left = -self.bias_left;
                self.bias_right = -self.bias_right;
            }
            Some(fs) => {
                fs.conventional = fs.conventional.negated();
                fs.bias_corrected = fs.bias_corrected.negated();
                fs.robust = fs.robust.negated();
            }
        }
        self
    }
}
