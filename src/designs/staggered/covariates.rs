//! ATT(g, t) under conditional parallel trends: the 2×2 estimators R did and csdid
//! call for a balanced panel with covariates, DRDID's `reg_did_panel` (outcome
//! regression, Heckman, Ichimura and Todd 1997) and `drdid_panel` (the locally
//! efficient doubly robust estimator of Sant'Anna and Zhao 2020 with a logit
//! propensity score fitted by maximum likelihood, not the "improved" IPT variant:
//! did's `est_method = "dr"` calls `drdid_panel`), each with its influence function.
//!
//! A cell's sample is cohort g (D = 1) and its comparison units (D = 0), n₁ units; X
//! is an intercept and the covariates in the earlier of the two periods compared (the
//! base period of every post-treatment cell), ΔY the change in the outcome. Means
//! below are over the n₁ units, unit weights are 1.
//!
//! - reg: β̂ from OLS of ΔY on X among D = 0; ATT = mean(D(ΔY − Xβ̂))/mean(D).
//! - dr: p̂ from the logit of D on X; comparison weights p̂/(1 − p̂) (p̂ capped at
//!   1 − 10⁻⁶; comparison units with p̂ ≥ 0.995 get weight 0, as DRDID trims);
//!   ATT = mean(w₁(ΔY − Xβ̂))/mean(w₁) − mean(w₀(ΔY − Xβ̂))/mean(w₀).
//!
//! The influence functions are DRDID's (estimation effects of β̂ and, for dr, of the
//! logit), scaled by n/n₁ to the whole panel as did does, so the cell's analytic
//! standard error is sqrt(Σψ²)/n like the unconditional cells. A cell whose
//! comparison regression is singular, or (dr) whose propensity score reaches 0.999 for
//! some unit (did's overlap check), is not estimated and the reason is reported.

use nalgebra::{DMatrix, DVector};

use super::panel::Panel;
use crate::spec::staggered::Estimation;

/// Why a cell with covariates could not be estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellFailure {
    /// The comparison units' covariates are collinear (or too few units).
    SingularRegression,
    /// The propensity-score logit is singular, does not converge or separates.
    Overlap,
}

impl CellFailure {
    pub fn reason(self) -> &'static str {
        match self {
            CellFailure::SingularRegression => {
                "the comparison units' covariates are collinear or too few for the outcome regression"
            }
            CellFailure::Overlap => {
                "the propensity score reaches 0.999 (no overlap between the cohort and its comparison units on the covariates)"
            }
        }
    }
}

/// did's overlap threshold: a fitted propensity at or above it fails the cell.
const OVERLAP_LIMIT: f64 = 0.999;
/// DRDID's trimming of comparison units and cap of the propensity score.
const TRIM_LEVEL: f64 = 0.995;
const PS_CAP: f64 = 1.0 - 1e-6;
/// Smallest eigenvalue ratio of a matrix we invert (DRDID refuses rcond < ε).
const SINGULAR: f64 = 1e-12;

/// A cell's estimate and its influence function over the panel's units.
pub(crate) struct CellEstimate {
    pub att: f64,
    /// One value per panel unit (0 outside the cell).
    pub influence: Vec<f64>,
}

fn inverse_checked(m: &DMatrix<f64>) -> Option<DMatrix<f64>> {
    let eigen = m.clone().symmetric_eigen();
    let max = eigen
        .eigenvalues
        .iter()
        .fold(0.0f64, |a, &b| a.max(b.abs()));
    let min = eigen
        .eigenvalues
        .iter()
        .fold(f64::INFINITY, |a, &b| a.min(b));
    if max.is_nan() || max <= 0.0 || min <= SINGULAR * max {
        return None;
    }
    m.clone().cholesky().map(|c| c.inverse())
}

/// Logit of `d` on `x` by Newton-Raphson to convergence; `None` when the information
/// is singular or the fit does not converge.
fn logit(x: &DMatrix<f64>, d: &[f64]) -> Option<DVector<f64>> {
    let (n, k) = x.shape();
    let mut beta = DVector::<f64>::zeros(k);
    for _ in 0..100 {
        let eta = x * &beta;
        let mut score = DVector::<f64>::zeros(k);
        let mut info = DMatrix::<f64>::zeros(k, k);
        for i in 0..n {
            let p = 1.0 / (1.0 + (-eta[i]).exp());
            let row = x.row(i).transpose();
            score += &row * (d[i] - p);
            info += &row * row.transpose() * (p * (1.0 - p));
        }
        let step = inverse_checked(&info)? * score;
        beta += &step;
        if step.amax() < 1e-13 * (1.0 + beta.amax()) {
            return Some(beta);
        }
    }
    None
}

/// Estimates one cell: `members` are the cell's units (panel indices) with their
/// treatment indicator, `t` and `base` period indices.
pub(crate) fn estimate_cell(
    panel: &Panel,
    members: &[(usize, bool)],
    t: usize,
    base: usize,
    method: Estimation,
) -> Result<CellEstimate, CellFailure> {
    let n1 = members.len();
    let k = panel.covariates.len() + 1;
    let at = t.min(base);
    let n_periods = panel.n_periods();
    let x = DMatrix::<f64>::from_fn(n1, k, |i, j| {
        if j == 0 {
            1.0
        } else {
            panel.covariates[j - 1].values[members[i].0 * n_periods + at]
        }
    });
    let d: Vec<f64> = members.iter().map(|m| f64::from(u8::from(m.1))).collect();
    let dy: Vec<f64> = members
        .iter()
        .map(|&(u, _)| panel.y(u, t) - panel.y(u, base))
        .collect();
    let nf = n1 as f64;

    // Outcome regression of ΔY on X among the comparison units.
    let mut xtx = DMatrix::<f64>::zeros(k, k);
    let mut xty = DVector::<f64>::zeros(k);
    for i in (0..n1).filter(|&i| d[i] == 0.0) {
        let row = x.row(i).transpose();
        xtx += &row * row.transpose();
        xty += &row * dy[i];
    }
    let xtx_inv = inverse_checked(&xtx).ok_or(CellFailure::SingularRegression)?;
    let beta = &xtx_inv * xty;
    let fitted = &x * &beta;
    let resid: Vec<f64> = (0..n1).map(|i| dy[i] - fitted[i]).collect();
    // asy_lin_rep_wols_i = (1 − D_i) e_i x_i' (X'(1−D)X / n₁)⁻¹.
    let wols_inverse = &xtx_inv * nf;
    let wols = |i: usize| -> DVector<f64> {
        if d[i] == 0.0 {
            &wols_inverse * x.row(i).transpose() * resid[i]
        } else {
            DVector::zeros(k)
        }
    };
    let mean_rows = |weight: &dyn Fn(usize) -> f64| -> DVector<f64> {
        let mut m = DVector::<f64>::zeros(k);
        for i in 0..n1 {
            m += x.row(i).transpose() * weight(i);
        }
        m / nf
    };

    let (att, psi): (f64, Vec<f64>) = match method {
        Estimation::OutcomeRegression => {
            let mean_d = d.iter().sum::<f64>() / nf;
            let eta_treat = (0..n1).map(|i| d[i] * dy[i]).sum::<f64>() / nf / mean_d;
            let eta_cont = (0..n1).map(|i| d[i] * fitted[i]).sum::<f64>() / nf / mean_d;
            let moment = mean_rows(&|i| d[i]);
            let psi = (0..n1)
                .map(|i| {
                    let inf_treat = (d[i] * dy[i] - d[i] * eta_treat) / mean_d;
                    let inf_cont_1 = d[i] * fitted[i] - d[i] * eta_cont;
                    let inf_control = (inf_cont_1 + wols(i).dot(&moment)) / mean_d;
                    inf_treat - inf_control
                })
                .collect();
            (eta_treat - eta_cont, psi)
        }
        Estimation::DoublyRobust => {
            let gamma = logit(&x, &d).ok_or(CellFailure::Overlap)?;
            let eta = &x * &gamma;
            let raw: Vec<f64> = (0..n1).map(|i| 1.0 / (1.0 + (-eta[i]).exp())).collect();
            if raw.iter().any(|&p| p >= OVERLAP_LIMIT) {
                return Err(CellFailure::Overlap);
            }
            let ps: Vec<f64> = raw.iter().map(|&p| p.min(PS_CAP)).collect();
            let trim: Vec<f64> = (0..n1)
                .map(|i| f64::from(u8::from(d[i] == 1.0 || ps[i] < TRIM_LEVEL)))
                .collect();
            let w_treat: Vec<f64> = (0..n1).map(|i| trim[i] * d[i]).collect();
            let w_cont: Vec<f64> = (0..n1)
                .map(|i| trim[i] * ps[i] * (1.0 - d[i]) / (1.0 - ps[i]))
                .collect();
            let mean_wt = w_treat.iter().sum::<f64>() / nf;
            let mean_wc = w_cont.iter().sum::<f64>() / nf;
            let eta_treat = (0..n1).map(|i| w_treat[i] * resid[i]).sum::<f64>() / nf / mean_wt;
            let eta_cont = (0..n1).map(|i| w_cont[i] * resid[i]).sum::<f64>() / nf / mean_wc;
            // Logit information at the capped scores, times n₁ (DRDID's Hessian).
            let mut info = DMatrix::<f64>::zeros(k, k);
            for (i, p) in ps.iter().enumerate() {
                let row = x.row(i).transpose();
                info += &row * row.transpose() * (p * (1.0 - p));
            }
            let hessian = inverse_checked(&info).ok_or(CellFailure::Overlap)? * nf;
            let m1 = mean_rows(&|i| w_treat[i]);
            let m2 = mean_rows(&|i| w_cont[i] * (resid[i] - eta_cont));
            let m3 = mean_rows(&|i| w_cont[i]);
            let psi = (0..n1)
                .map(|i| {
                    let row = x.row(i).transpose();
                    let lin_wols = wols(i);
                    let lin_ps = &hessian * &row * (d[i] - ps[i]);
                    let inf_treat =
                        (w_treat[i] * resid[i] - w_treat[i] * eta_treat - lin_wols.dot(&m1))
                            / mean_wt;
                    let inf_control = (w_cont[i] * resid[i] - w_cont[i] * eta_cont
                        + lin_ps.dot(&m2)
                        - lin_wols.dot(&m3))
                        / mean_wc;
                    inf_treat - inf_control
                })
                .collect();
            (eta_treat - eta_cont, psi)
        }
    };
    Ok(finish(panel, members, att, psi))
}

/// Places the cell's influence function (scaled by n/n₁) on the panel's units.
fn finish(panel: &Panel, members: &[(usize, bool)], att: f64, psi: Vec<f64>) -> CellEstimate {
    let n = panel.n_units();
    let scale = n as f64 / members.len() as f64;
    let mut influence = vec![0.0; n];
    for (&(u, _), x) in members.iter().zip(psi) {
        influence[u] = scale * x;
    }
    CellEstimate { att, influence }
}
