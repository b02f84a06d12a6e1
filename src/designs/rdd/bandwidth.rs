//! Bandwidth selection as rdbwselect 2.1.1: the MSE-optimal bandwidths (common or either
//! side) of Calonico, Cattaneo and Titiunik (2014) and Calonico, Cattaneo and Farrell
//! (2020), and their coverage-error-optimal rescaling. Running variable and outcome are
//! standardised by their standard deviations first (rdrobust's `stdvars = TRUE`).
//!
//! The cascade: a rule-of-thumb pilot `c_bw`; a pilot `d` for the (q+1)-th derivative;
//! the bias bandwidth `b` from a regularised ratio of variance to squared bias; then the
//! main bandwidth `h` from the same ratio at order p.

use super::estimate::Prepared;
use super::kernel::Kernel;
use super::linalg::{distinct_sorted, meat, powers};
use super::residuals::{nearest_neighbour, plug_in};
use super::side::{LocalFit, Side, covariate_blocks, solve_gamma};
use super::{RdData, RdError, RdOptions, Selector, Vce};

/// Bandwidths chosen by a selector, in the running variable's own units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectedBandwidths {
    pub selector: Selector,
    pub h_left: f64,
    pub h_right: f64,
    pub b_left: f64,
    pub b_right: f64,
}

/// Select bandwidths for `data` with the selector in `opts` (mserd if the bandwidths are
/// fixed there).
pub fn select_bandwidths(data: RdData, opts: &RdOptions) -> Result<SelectedBandwidths, RdError> {
    let prepared = Prepared::new(data, opts)?;
    let selector = match opts.bandwidth {
        super::BandwidthChoice::Select(s) => s,
        super::BandwidthChoice::Fixed { .. } => Selector::Mserd,
    };
    select(&prepared, opts, selector)
}

/// rdrobust_bw's four numbers: variance V, bias B, regularisation R and the rate.
#[derive(Debug, Clone, Copy)]
struct Terms {
    v: f64,
    b: f64,
    r: f64,
    rate: f64,
}

impl Terms {
    fn not_identified(o: usize) -> Terms {
        Terms {
            v: f64::NAN,
            b: f64::NAN,
            r: f64::NAN,
            rate: 1.0 / (2.0 * o as f64 + 3.0),
        }
    }
}

struct Pilot<'a> {
    kernel: Kernel,
    vce: Vce,
    nnmatch: usize,
    clustered: bool,
    c: f64,
    side: &'a Side,
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|v| v as f64).product()
}

impl Pilot<'_> {
    fn residuals(&self, fit: &LocalFit, x: &[f64], d: &[f64]) -> Vec<f64> {
        let dd = self.side.dd;
        if self.vce == Vce::Nn {
            return nearest_neighbour(x, d, dd, self.nnmatch);
        }
        let leverage = matches!(self.vce, Vce::Hc2 | Vce::Hc3);
        let (fitted, hii) = fit.fitted_and_leverage(x, self.c, dd, leverage);
        plug_in(d, &fitted, &hii, dd, self.vce, fit.k, self.clustered)
    }

    /// A port of rdrobust_bw (with its V-fit): the pilot at `h_v` of order `o` for the
    /// `nu`-th derivative and the bias fit of order `o_b` at `h_b`.
    #[allow(clippy::too_many_arguments)]
    fn terms(
        &self,
        o: usize,
        nu: usize,
        o_b: usize,
        h_v: f64,
        h_b: f64,
        scale: f64,
    ) -> Result<Terms, RdError> {
        let side = self.side;
        let (dd, dt, dz) = (side.dd, side.dt, side.dz);
        let c = self.c;
        let win = side.window(c, h_v, self.kernel);
        let x = &side.x[win.clone()];
        if distinct_sorted(x) < o + 1 {
            return Ok(Terms::not_identified(o));
        }
        let d = side.d_rows(win.clone());
        let w: Vec<f64> = x.iter().map(|&xi| self.kernel.weight(xi, c, h_v)).collect();
        let fit = LocalFit::new(x, d, dd, &w, c, o, true)?;
        let mut s = vec![1.0];
        let mut gamma = None;
        if dz > 0 {
            let dwd = super::side::weighted_dd(d, dd, &w);
            let (zwz, zwy) = covariate_blocks(&fit.rwd, &dwd, &fit.inv_gram, dt);
            let g = solve_gamma(&zwz, &zwy)?;
            s = std::iter::once(1.0)
                .chain(g.column(0).iter().map(|v| -v))
                .collect();
            gamma = Some(g);
        }
        if dt == 1 {
            let fac = factorial(nu);
            let (tau_y, tau_t);
            match &gamma {
                None => {
                    tau_y = fac * fit.beta[(nu, 0)];
                    tau_t = fac * fit.beta[(nu, 1)];
                    s = vec![1.0 / tau_t, -(tau_y / (tau_t * tau_t))];
                }
                Some(g) => {
                    let mut ty = fit.beta[(nu, 0)];
                    let mut tt = fit.beta[(nu, 1)];
                    for j in 0..dz {
                        ty += s[1 + j] * fit.beta[(nu, 2 + j)];
                        tt += -g[(j, 1)] * fit.beta[(nu, 2 + j)];
                    }
                    tau_y = fac * ty;
                    tau_t = fac * tt;
                    let mut full = vec![1.0 / tau_t, -(tau_y / (tau_t * tau_t))];
                    for j in 0..dz {
                        full.push(
                            -(1.0 / tau_t) * g[(j, 0)] + (tau_y / (tau_t * tau_t)) * g[(j, 1)],
                        );
                    }
                    s = full;
                }
            }
        }
        let res = self.residuals(&fit, x, d);
        let k = fit.k;
        let aux = meat(&fit.rw, k, &res, dd, &s, side.clusters(win.clone()), k);
        let v_full = &fit.inv_gram * aux * &fit.inv_gram;
        let v_v = v_full[(nu, nu)];
        if !v_v.is_finite() {
            return Ok(Terms::not_identified(o));
        }
        let mut vvec = vec![0.0; k];
        let mut r = vec![0.0; k];
        for (i, &xi) in x.iter().enumerate() {
            powers(xi - c, &mut r);
            let u = ((xi - c) / h_v).powi(o as i32 + 1);
            for a in 0..k {
                vvec[a] += r[a] * w[i] * u;
            }
        }
        let ginv_v: f64 = vvec
            .iter()
            .enumerate()
            .map(|(a, v)| fit.inv_gram[(nu, a)] * v)
            .sum();
        let b_const = h_v.powi(nu as i32) * ginv_v;

        if !(h_b.is_finite() && h_b > 0.0) {
            return Ok(Terms::not_identified(o));
        }
        let win_b = side.window(c, h_b, self.kernel);
        let xb = &side.x[win_b.clone()];
        if distinct_sorted(xb) < o_b + 1 {
            return Ok(Terms::not_identified(o));
        }
        let db = side.d_rows(win_b.clone());
        let wb: Vec<f64> = xb
            .iter()
            .map(|&xi| self.kernel.weight(xi, c, h_b))
            .collect();
        // Without regularisation (scale 0) only the bias fit's coefficients are used.
        let fit_b = if scale > 0.0 {
            LocalFit::new(xb, db, dd, &wb, c, o_b, true)?
        } else {
            LocalFit::coefficients_only(xb, db, dd, &wb, c, o_b, true)?
        };
        let mut bw_reg = 0.0;
        if scale > 0.0 {
            let res_b = self.residuals(&fit_b, xb, db);
            let aux_b = meat(
                &fit_b.rw,
                fit_b.k,
                &res_b,
                dd,
                &s,
                side.clusters(win_b.clone()),
                fit_b.k,
            );
            let vb = &fit_b.inv_gram * aux_b * &fit_b.inv_gram;
            let v_b = vb[(o_b, o_b)];
            bw_reg = 3.0 * b_const * b_const * v_b;
        }
        let mut sb = 0.0;
        for (j, sj) in s.iter().enumerate() {
            sb += sj * fit_b.beta[(o_b, j)];
        }
        let b = (2.0 * (o + 1 - nu) as f64).sqrt() * b_const * sb;
        let v = (2 * nu + 1) as f64 * h_v.powi(2 * nu as i32 + 1) * v_v;
        let r = scale * (2 * (o + 1 - nu)) as f64 * bw_reg;
        Ok(Terms {
            v,
            b,
            r,
            rate: 1.0 / (2.0 * o as f64 + 3.0),
        })
    }
}

/// The two sides' terms, computed side by side (each side's arithmetic is its own, so
/// the result does not depend on the threads); the left side's error first.
fn both(
    left: impl FnOnce() -> Result<Terms, RdError> + Send,
    right: impl FnOnce() -> Result<Terms, RdError> + Send,
) -> Result<(Terms, Terms), RdError> {
    let (l, r) = rayon::join(left, right);
    Ok((l?, r?))
}

/// Run the selector on prepared (sorted, split) data: a port of `_rdbwselect_compute`
/// for mserd, msetwo, cerrd and certwo with rdrobust's defaults (scaleregul = 1,
/// bwrestrict, masspoints = "adjust", stdvars).
pub(crate) fn select(
    prep: &Prepared,
    opts: &RdOptions,
    selector: Selector,
) -> Result<SelectedBandwidths, RdError> {
    let x_sd = prep.x_sd;
    let y_sd = prep.y_sd;
    let standardise = |side: &Side| -> Side {
        let mut s = side.clone();
        for v in s.x.iter_mut() {
            *v /= x_sd;
        }
        for i in 0..s.len() {
            s.d[i * s.dd] /= y_sd;
        }
        s
    };
    let mut left = standardise(&prep.left);
    let mut right = standardise(&prep.right);
    // rdbwselect uses the treatment column only when it varies on both sides.
    if left.dt == 1 && !(prep.treatment_varies_left && prep.treatment_varies_right) {
        for s in [&mut left, &mut right] {
            let mut d = Vec::with_capacity(s.len() * (s.dd - 1));
            for i in 0..s.len() {
                let row = &s.d[i * s.dd..(i + 1) * s.dd];
                d.push(row[0]);
                d.extend_from_slice(&row[2..]);
            }
            s.d = d;
            s.dd -= 1;
            s.dt = 0;
        }
    }
    let c = prep.cutoff / x_sd;
    let x_min = prep.x_min / x_sd;
    let x_max = prep.x_max / x_sd;
    let range_l = (prep.cutoff - prep.left.x[0]).abs() / x_sd;
    let range_r = (prep.cutoff - prep.right.x[prep.right.len() - 1]).abs() / x_sd;
    let bw_max_l = (c - x_min).abs();
    let bw_max_r = (c - x_max).abs();
    let bw_max = bw_max_l.max(bw_max_r);
    let bwp = 1.0_f64.min((prep.x_iqr / x_sd) / 1.349);
    let m_total = (prep.distinct_left + prep.distinct_right) as f64;
    let mut c_bw = opts.kernel.pilot_constant() * bwp * m_total.powf(-0.2);
    c_bw = c_bw.min(bw_max);
    let eps_up = 1.0 + f64::EPSILON.sqrt();
    let bw_min = prep.bwcheck.map(|check| {
        let nearest = |side: &Side, from_right_end: bool| -> f64 {
            // The `check`-th distinct value nearest the cut-off.
            let mut uniq: Vec<f64> = side.x.clone();
            uniq.dedup();
            let m = uniq.len();
            let idx = check.min(m) - 1;
            let v = if from_right_end {
                uniq[m - 1 - idx]
            } else {
                uniq[idx]
            };
            (v / x_sd - c).abs() * eps_up
        };
        (nearest(&prep.left, true), nearest(&prep.right, false))
    });
    if let Some((l, r)) = bw_min {
        c_bw = c_bw.max(l).max(r);
    }

    let vce = if prep.clustered { Vce::Hc1 } else { opts.vce };
    let pilot = |side| Pilot {
        kernel: opts.kernel,
        vce,
        nnmatch: opts.nnmatch,
        clustered: prep.clustered,
        c,
        side,
    };
    let pl = pilot(&left);
    let pr = pilot(&right);
    let (p, q) = (opts.p, opts.q);
    let (cd_l, cd_r) = both(
        || pl.terms(q + 1, q + 1, q + 2, c_bw, range_l * eps_up, 0.0),
        || pr.terms(q + 1, q + 1, q + 2, c_bw, range_r * eps_up, 0.0),
    )?;

    let (h_l, h_r, b_l, b_r) = if selector.is_two_sided() {
        let mut d_l = (cd_l.v / (cd_l.b * cd_l.b)).powf(cd_l.rate).min(bw_max_l);
        let mut d_r = (cd_r.v / (cd_r.b * cd_r.b)).powf(cd_r.rate).min(bw_max_r);
        if let Some((l, r)) = bw_min {
            d_l = d_l.max(l);
            d_r = d_r.max(r);
        }
        let (cb_l, cb_r) = both(
            || pl.terms(q, p + 1, q + 1, c_bw, d_l, 1.0),
            || pr.terms(q, p + 1, q + 1, c_bw, d_r, 1.0),
        )?;
        let b_l = (cb_l.v / (cb_l.b * cb_l.b + cb_l.r))
            .powf(cb_l.rate)
            .min(bw_max_l);
        let b_r = (cb_r.v / (cb_r.b * cb_r.b + cb_r.r))
            .powf(cb_r.rate)
            .min(bw_max_r);
        let (ch_l, ch_r) = both(
            || pl.terms(p, 0, q, c_bw, b_l, 1.0),
            || pr.terms(p, 0, q, c_bw, b_r, 1.0),
        )?;
        let h_l = (ch_l.v / (ch_l.b * ch_l.b + ch_l.r))
            .powf(ch_l.rate)
            .min(bw_max_l);
        let h_r = (ch_r.v / (ch_r.b * ch_r.b + ch_r.r))
            .powf(ch_r.rate)
            .min(bw_max_r);
        (x_sd * h_l, x_sd * h_r, x_sd * b_l, x_sd * b_r)
    } else {
        let diff_sq = |l: &Terms, r: &Terms| (r.b - l.b) * (r.b - l.b);
        let mut d = ((cd_l.v + cd_r.v) / diff_sq(&cd_l, &cd_r))
            .powf(cd_l.rate)
            .min(bw_max);
        if let Some((l, r)) = bw_min {
            d = d.max(l).max(r);
        }
        let (cb_l, cb_r) = both(
            || pl.terms(q, p + 1, q + 1, c_bw, d, 1.0),
            || pr.terms(q, p + 1, q + 1, c_bw, d, 1.0),
        )?;
        let b = ((cb_l.v + cb_r.v) / (diff_sq(&cb_l, &cb_r) + (cb_r.r + cb_l.r)))
            .powf(cb_l.rate)
            .min(bw_max);
        let (ch_l, ch_r) = both(
            || pl.terms(p, 0, q, c_bw, b, 1.0),
            || pr.terms(p, 0, q, c_bw, b, 1.0),
        )?;
        let h = ((ch_l.v + ch_r.v) / (diff_sq(&ch_l, &ch_r) + (ch_r.r + ch_l.r)))
            .powf(ch_l.rate)
            .min(bw_max);
        (x_sd * h, x_sd * h, x_sd * b, x_sd * b)
    };
    let (h_l, h_r) = if selector.is_cer() {
        let pf = p as f64;
        let exponent = -(pf / ((3.0 + pf) * (3.0 + 2.0 * pf)));
        let base = match prep.clusters_per_side {
            Some((gl, gr)) => (gl + gr) as f64,
            None => (prep.left.len() + prep.right.len()) as f64,
        };
        let cer = base.powf(exponent);
        (h_l * cer, h_r * cer)
    } else {
        (h_l, h_r)
    };
    let all = [h_l, h_r, b_l, b_r];
    if !all.iter().all(|v| v.is_finite() && *v > 0.0) {
        return Err(RdError::BandwidthDegenerate);
    }
    Ok(SelectedBandwidths {
        selector,
        h_left: h_l,
        h_right: h_r,
        b_left: b_l,
        b_right: b_r,
    })
}
