//! Newey–West heteroscedasticity and autocorrelation consistent (HAC) covariance.
//!
//! V̂ = M (Σ_{l=−L}^{L} w_l Γ̂_l) M · c, with M = (XᵀX)⁻¹, Γ̂_l = Σ_t u_t u_{t−l}ᵀ,
//! u_t = x_t e_t, Bartlett weights w_l = 1 − |l|/(L + 1), a fixed lag L and no
//! prewhitening; c = n/(n − k) with the small-sample adjustment, else 1.
//! Equals `sandwich::NeweyWest(fit, lag = L, prewhite = FALSE, adjust = )` and, with
//! c = 1, statsmodels' `cov_type = "HAC"` with `use_correction = False`
//! (tests/reference/its). Rows are taken as consecutive periods: gaps are refused
//! before this is reached.

use nalgebra::{DMatrix, DVector};

/// The Newey and West (1994) plug-in lag for the Bartlett kernel without pre-whitening:
/// ⌊4 (T/100)^(2/9)⌋ (as Stata's and many textbooks' default). T = 60 gives 3.
pub fn default_lag(t: usize) -> usize {
    (4.0 * (t as f64 / 100.0).powf(2.0 / 9.0)).floor() as usize
}

/// V̂ as in the module docs.
pub fn newey_west(
    x: &DMatrix<f64>,
    residuals: &DVector<f64>,
    xtx_inv: &DMatrix<f64>,
    lag: usize,
    adjust: bool,
) -> DMatrix<f64> {
    let (n, k) = x.shape();
    let mut u = x.clone();
    for (mut col, _) in u.column_iter_mut().zip(0..k) {
        for (v, e) in col.iter_mut().zip(residuals.iter()) {
            *v *= e;
        }
    }
    let mut meat = u.tr_mul(&u);
    for l in 1..=lag.min(n.saturating_sub(1)) {
        let w = 1.0 - l as f64 / (lag as f64 + 1.0);
        let lead = u.rows(l, n - l);
        let lagged = u.rows(0, n - l);
        let gamma = lead.tr_mul(&lagged);
        meat += (&gamma + gamma.transpose()) * w;
    }
    let mut v = xtx_inv * meat * xtx_inv;
    if adjust {
        v *= n as f64 / (n - k) as f64;
    }
    v
}
