//! Group-sequential designs: efficacy boundaries for a declared number of interim
//! looks, the alpha spent by each look, and the inflation of the maximum sample size
//! over a fixed design with the same power.
//!
//! # Model
//! The standardised statistic at look k is Z_k ~ N(θ·√t_k, 1), t_k the information
//! fraction (t_K = 1), with the canonical joint distribution of Jennison and Turnbull
//! (2000, §3.1): the score Z_k·√t_k has independent increments of variance
//! t_k − t_(k−1). θ is the drift, the mean of Z at full information.
//!
//! # Boundaries
//! - O'Brien–Fleming: b_k = C/√t_k; Pocock: b_k = C; C solves P₀(cross some b_k) = α.
//! - Lan–DeMets alpha spending: the look-k boundary spends α(t_k) − α(t_(k−1)) with
//!   α(t) = 2 − 2Φ(z_(1−α/2)/√t) (O'Brien–Fleming-like), α·ln(1 + (e − 1)t)
//!   (Pocock-like), or α(1 − e^(−γt))/(1 − e^(−γ)) (Hwang–Shih–DeCani; α·t at γ = 0).
//!
//! A two-sided design rejects when |Z_k| ≥ b_k, and spends α/2 on each side (the
//! one-sided function at level α/2, doubled: rpact's convention). A one-sided design has
//! no lower boundary (no stopping for futility). Power counts rejections on either side.
//!
//! # Numerical integration
//! The recursion of Armitage, McPherson and Rowe (1969) in the form of Jennison and
//! Turnbull (2000, ch. 19): the sub-density of Z_k on the continuation region,
//! h_k(z) = ∫ h_(k−1)(u)·(√t_k/√Δ)·φ((z√t_k − u√t_(k−1) − θΔ)/√Δ) du, Δ = t_k − t_(k−1),
//! and the probability of crossing at look k, ∫ h_(k−1)(u)·Φ̄((b_k√t_k − u√t_(k−1) −
//! θΔ)/√Δ) du. Each integral runs over the continuation interval cut to 10 SD either
//! side of the mean of Z_(k−1) (φ(10) ≈ 8e-23), in panels at most 1 SD wide with
//! 20-point Gauss–Legendre in each, instead of J&T's Simpson grid: the integrands are
//! smooth and Gaussian-tailed, so this reaches about 1e-13 where Simpson on their grid
//! with r = 16 gives about 1e-6. Boundaries, the O'Brien–Fleming and Pocock constants and
//! the drift are roots by Brent's method.
//!
//! # Sample size
//! The fixed design of the same α and power needs drift z_(1−α/s) + z_(power) (s = 1 or
//! 2 sides); the group-sequential design needs the θ with power P_θ(reject) = the
//! target. The inflation factor is (θ/(z_(1−α/s) + z_(power)))², the maximum sample
//! over the fixed one (any test whose statistic is approximately normal, its information
//! proportional to the sample), and the expected sample under H1 is that times
//! Σ_k t_k·P_θ(stop at look k), stopping at the last look when no boundary was crossed.
//!
//! # References
//! - Armitage, P., McPherson, C. K. and Rowe, B. C. (1969). Repeated significance tests
//!   on accumulating data. *JRSS A* 132, 235–244.
//! - O'Brien, P. C. and Fleming, T. R. (1979). A multiple testing procedure for clinical
//!   trials. *Biometrics* 35, 549–556.
//! - Pocock, S. J. (1977). Group sequential methods in the design and analysis of
//!   clinical trials. *Biometrika* 64, 191–199.
//! - Lan, K. K. G. and DeMets, D. L. (1983). Discrete sequential boundaries for clinical
//!   trials. *Biometrika* 70, 659–663.
//! - Hwang, I. K., Shih, W. J. and DeCani, J. S. (1990). Group sequential designs using
//!   a family of type I error probability spending functions. *Stat Med* 9, 1439–1445.
//! - Jennison, C. and Turnbull, B. W. (2000). *Group Sequential Methods with
//!   Applications to Clinical Trials*. Chapman & Hall/CRC. Tables 2.1 and 2.3; ch. 19.
//! - R: rpact `getDesignGroupSequential`, `getDesignCharacteristics`,
//!   `getGroupSequentialProbabilities` (tests/reference/power/sequential.R).

use serde::{Deserialize, Serialize};

use super::error::PowerError;
use crate::stats::distributions::normal;
use crate::stats::distributions::special::gauss_legendre_20;
use crate::stats::root::{Tolerance, brent};

/// The boundary family.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// O'Brien and Fleming (1979): b_k = C/√t_k, strict early, close to the fixed
    /// design's critical value at the end.
    ObrienFleming,
    /// Pocock (1977): the same critical value at every look.
    Pocock,
    /// Lan and DeMets (1983) alpha spending with a spending function.
    LanDemets(Spending),
}

/// A Lan–DeMets alpha-spending function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "function")]
pub enum Spending {
    /// α(t) = 2 − 2Φ(z_(1−α/2)/√t).
    ObrienFleming,
    /// α(t) = α·ln(1 + (e − 1)t).
    Pocock,
    /// α(t) = α(1 − e^(−γt))/(1 − e^(−γ)); γ = −4 is close to O'Brien–Fleming, γ = 1
    /// to Pocock.
    HwangShihDecani { gamma: f64 },
}

impl Spending {
    /// The alpha spent by information fraction `t` at one-sided level `alpha`.
    pub fn spent(self, alpha: f64, t: f64) -> f64 {
        if t >= 1.0 {
            return alpha;
        }
        match self {
            Spending::ObrienFleming => {
                let z = upper_quantile(alpha / 2.0);
                2.0 * upper(z / t.sqrt())
            }
            Spending::Pocock => alpha * (1.0 + (std::f64::consts::E - 1.0) * t).ln(),
            Spending::HwangShihDecani { gamma } => {
                if gamma == 0.0 {
                    alpha * t
                } else {
                    alpha * (-gamma * t).exp_m1() / (-gamma).exp_m1()
                }
            }
        }
    }
}

impl Boundary {
    /// The boundary in words, e.g. "Lan–DeMets alpha spending, O'Brien–Fleming-like".
    pub fn label(self) -> String {
        match self {
            Boundary::ObrienFleming => "O'Brien–Fleming".into(),
            Boundary::Pocock => "Pocock".into(),
            Boundary::LanDemets(Spending::ObrienFleming) => {
                "Lan–DeMets alpha spending, O'Brien–Fleming-like function".into()
            }
            Boundary::LanDemets(Spending::Pocock) => {
                "Lan–DeMets alpha spending, Pocock-like function".into()
            }
            Boundary::LanDemets(Spending::HwangShihDecani { gamma }) => format!(
                "Lan–DeMets alpha spending, Hwang–Shih–DeCani function with γ = {}",
                crate::report::format::shortest(gamma)
            ),
        }
    }
}

/// A group-sequential design question.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialQuestion {
    /// Information fractions of the looks, increasing, the last 1.
    pub fractions: Vec<f64>,
    pub boundary: Boundary,
    /// Overall significance level (two-sided when `two_sided`).
    pub alpha: f64,
    /// Power the maximum sample is sized for.
    pub power: f64,
    pub two_sided: bool,
}

/// One look of a group-sequential design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Look {
    /// 1, 2, …
    pub look: usize,
    /// Share of the maximum information (sample) analysed at this look.
    pub information_fraction: f64,
    /// Stop for efficacy when |z| (two-sided) or z (one-sided) reaches this.
    pub critical_z: f64,
    /// The nominal p-value that crosses the boundary: two-sided when the design is.
    pub nominal_p: f64,
    /// Type I error spent up to and including this look (both sides when two-sided).
    pub cumulative_alpha: f64,
    /// Probability of stopping for efficacy at this look when the effect is the one
    /// the design is powered for.
    pub stop_probability_h1: f64,
    /// Probability of having stopped for efficacy by this look under that effect.
    pub cumulative_power: f64,
}

/// A group-sequential design: the boundaries and what they cost in sample size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SequentialDesign {
    /// The boundary family in words.
    pub boundary: String,
    pub two_sided: bool,
    pub alpha: f64,
    pub power: f64,
    pub looks: Vec<Look>,
    /// Mean of the final z statistic under the effect the design is powered for.
    pub drift: f64,
    /// Maximum sample over the fixed design's sample for the same α and power.
    pub inflation_factor: f64,
    /// Expected sample under that effect over the fixed design's sample.
    pub expected_sample_h1: f64,
}

const REACH: f64 = 10.0;
/// The widest quadrature panel, in SD of the statistic.
const PANEL: f64 = 1.0;
/// The largest critical value searched (Φ̄ underflows beyond about 38).
const Z_MAX: f64 = 38.0;

fn upper(z: f64) -> f64 {
    normal::sf(z).unwrap_or(f64::NAN)
}

fn lower(z: f64) -> f64 {
    normal::cdf(z).unwrap_or(f64::NAN)
}

fn density(z: f64) -> f64 {
    normal::pdf(z).unwrap_or(f64::NAN)
}

fn upper_quantile(p: f64) -> f64 {
    normal::upper_quantile(p).unwrap_or(f64::NAN)
}

/// Composite 20-point Gauss–Legendre nodes and weights on [a, b], panels at most
/// `panel` wide.
fn nodes(a: f64, b: f64, panel: f64) -> Vec<(f64, f64)> {
    if b <= a {
        return Vec::new();
    }
    let panels = ((b - a) / panel).ceil().max(1.0) as usize;
    let width = (b - a) / panels as f64;
    let rule = gauss_legendre_20();
    let mut out = Vec::with_capacity(panels * rule.len());
    for p in 0..panels {
        let mid = a + width * (p as f64 + 0.5);
        for &(x, w) in rule {
            out.push((mid + 0.5 * width * x, 0.5 * width * w));
        }
    }
    out
}

/// The recursion over looks: the weighted sub-density of the statistic at the last
/// look passed, on its continuation region.
struct Walk<'a> {
    t: &'a [f64],
    drift: f64,
    /// Looks passed so far.
    k: usize,
    /// (z, weight × sub-density) at look k − 1 (k ≥ 1).
    grid: Vec<(f64, f64)>,
    /// Quadrature panel width.
    panel: f64,
}

impl<'a> Walk<'a> {
    fn new(t: &'a [f64], drift: f64) -> Self {
        Walk {
            t,
            drift,
            k: 0,
            grid: Vec::new(),
            panel: PANEL,
        }
    }

    /// Probabilities of crossing the upper boundary `b` and (two-sided) the lower `−b`
    /// at the next look, having continued so far.
    fn cross(&self, b: f64, two_sided: bool) -> (f64, f64) {
        let t = self.t[self.k];
        if self.k == 0 {
            let mean = self.drift * t.sqrt();
            let low = if two_sided { lower(-b - mean) } else { 0.0 };
            return (upper(b - mean), low);
        }
        let (s_prev, s) = (self.t[self.k - 1].sqrt(), t.sqrt());
        let step = t - self.t[self.k - 1];
        let sd = step.sqrt();
        let shift = self.drift * step;
        let (mut up, mut low) = (0.0, 0.0);
        for &(u, g) in &self.grid {
            let centre = u * s_prev + shift;
            up += g * upper((b * s - centre) / sd);
            if two_sided {
                low += g * lower((-b * s - centre) / sd);
            }
        }
        (up, low)
    }

    /// Continues past the next look with boundary `b`.
    fn pass(&mut self, b: f64, two_sided: bool) {
        let t = self.t[self.k];
        let mean = self.drift * t.sqrt();
        let a = if two_sided { -b } else { f64::NEG_INFINITY };
        let grid = nodes(a.max(mean - REACH), b.min(mean + REACH), self.panel);
        self.grid = if self.k == 0 {
            grid.into_iter()
                .map(|(z, w)| (z, w * density(z - mean)))
                .collect()
        } else {
            let (s_prev, s) = (self.t[self.k - 1].sqrt(), t.sqrt());
            let step = t - self.t[self.k - 1];
            let sd = step.sqrt();
            let shift = self.drift * step;
            grid.into_iter()
                .map(|(z, w)| {
                    let h: f64 = self
                        .grid
                        .iter()
                        .map(|&(u, g)| g * density((z * s - u * s_prev - shift) / sd))
                        .sum();
                    (z, w * h * s / sd)
                })
                .collect()
        };
        self.k += 1;
    }
}

/// Probabilities of stopping at each look (upper, lower) with boundaries `b` and
/// drift θ.
pub fn stopping(t: &[f64], b: &[f64], drift: f64, two_sided: bool) -> Vec<(f64, f64)> {
    let mut walk = Walk::new(t, drift);
    let mut out = Vec::with_capacity(t.len());
    for (k, &bk) in b.iter().enumerate() {
        out.push(walk.cross(bk, two_sided));
        if k + 1 < t.len() {
            walk.pass(bk, two_sided);
        }
    }
    out
}

fn tolerance() -> Tolerance {
    Tolerance {
        relative: 4.0 * f64::EPSILON,
        absolute: 1e-14,
        max_iterations: 300,
    }
}

fn root(g: impl Fn(f64) -> f64, a: f64, b: f64) -> Result<f64, PowerError> {
    let g = |x: f64| -> Result<f64, PowerError> { Ok(g(x)) };
    let (fa, fb) = (g(a)?, g(b)?);
    if fa * fb > 0.0 {
        return Err(PowerError::NoSolution {
            what: "boundary",
            target: "the declared alpha".into(),
            reason: "the crossing probability does not reach it in the searched range".into(),
        });
    }
    Ok(brent(&g, (a, fa), (b, fb), tolerance())?.x)
}

/// Checks the information fractions: increasing in (0, 1], the last 1.
///
/// # Errors
/// [`PowerError::Invalid`] naming the rule broken.
pub fn check_fractions(t: &[f64]) -> Result<(), PowerError> {
    let invalid = |value: f64, rule: &'static str| PowerError::Invalid {
        name: "information fraction",
        value,
        rule,
    };
    if t.is_empty() {
        return Err(invalid(0.0, "given for at least one look"));
    }
    let mut previous = 0.0;
    for &x in t {
        if !(x.is_finite() && x > previous && x <= 1.0) {
            return Err(invalid(
                x,
                "increasing from look to look, above 0 and at most 1",
            ));
        }
        previous = x;
    }
    if (previous - 1.0).abs() > 1e-12 {
        return Err(invalid(
            previous,
            "1 at the last look (the maximum information)",
        ));
    }
    Ok(())
}

/// The critical values of a design at level `alpha` (two-sided when `two_sided`).
///
/// # Errors
/// Invalid fractions or alpha; a boundary that cannot be found.
pub fn critical_values(
    t: &[f64],
    boundary: Boundary,
    alpha: f64,
    two_sided: bool,
) -> Result<Vec<f64>, PowerError> {
    check_fractions(t)?;
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(PowerError::ShareOutOfRange {
            name: "alpha",
            value: alpha,
        });
    }
    let sides = if two_sided { 2.0 } else { 1.0 };
    let shape: Vec<f64> = match boundary {
        Boundary::ObrienFleming => t.iter().map(|x| 1.0 / x.sqrt()).collect(),
        Boundary::Pocock => vec![1.0; t.len()],
        Boundary::LanDemets(spending) => {
            if let Spending::HwangShihDecani { gamma } = spending
                && !gamma.is_finite()
            {
                return Err(PowerError::Invalid {
                    name: "gamma",
                    value: gamma,
                    rule: "a finite number",
                });
            }
            let mut walk = Walk::new(t, 0.0);
            let mut b = Vec::with_capacity(t.len());
            let mut spent = 0.0;
            for (k, &x) in t.iter().enumerate() {
                let cumulative = sides * spending.spent(alpha / sides, x);
                let target = cumulative - spent;
                let bk = if k == 0 {
                    upper_quantile(target / sides)
                } else {
                    let crossing = |z: f64| {
                        let (u, l) = walk.cross(z, two_sided);
                        u + l - target
                    };
                    if crossing(Z_MAX) >= 0.0 {
                        Z_MAX
                    } else {
                        root(crossing, 0.0, Z_MAX)?
                    }
                };
                let bk = bk.min(Z_MAX);
                let (u, l) = walk.cross(bk, two_sided);
                spent += u + l;
                b.push(bk);
                if k + 1 < t.len() {
                    walk.pass(bk, two_sided);
                }
            }
            return Ok(b);
        }
    };
    let total = |c: f64| -> f64 {
        let b: Vec<f64> = shape.iter().map(|s| c * s).collect();
        stopping(t, &b, 0.0, two_sided)
            .iter()
            .map(|(u, l)| u + l)
            .sum::<f64>()
            - alpha
    };
    let c = root(total, 0.0, Z_MAX)?;
    Ok(shape.iter().map(|s| c * s).collect())
}

/// Designs a group-sequential trial: boundaries, alpha spent, the drift reaching the
/// power, the inflation factor and the expected sample under H1.
///
/// # Errors
/// Invalid fractions, alpha or power; a boundary that cannot be found.
pub fn design(q: &SequentialQuestion) -> Result<SequentialDesign, PowerError> {
    if !(q.power > q.alpha / if q.two_sided { 2.0 } else { 1.0 } && q.power < 1.0) {
        return Err(PowerError::PowerNotAboveAlpha {
            power: q.power,
            alpha: q.alpha,
        });
    }
    let t = &q.fractions;
    let b = critical_values(t, q.boundary, q.alpha, q.two_sided)?;
    let h0 = stopping(t, &b, 0.0, q.two_sided);
    let power_at = |drift: f64| -> f64 {
        stopping(t, &b, drift, q.two_sided)
            .iter()
            .map(|(u, l)| u + l)
            .sum::<f64>()
    };
    let sides = if q.two_sided { 2.0 } else { 1.0 };
    let fixed = upper_quantile(q.alpha / sides) + upper_quantile(1.0 - q.power);
    let drift = root(|d| power_at(d) - q.power, 0.0, 3.0 * fixed + 5.0)?;
    let h1 = stopping(t, &b, drift, q.two_sided);
    let last = t.len() - 1;
    let mut expected = 0.0;
    let mut stopped = 0.0;
    let (mut cumulative_alpha, mut cumulative_power) = (0.0, 0.0);
    let mut looks = Vec::with_capacity(t.len());
    for (k, &x) in t.iter().enumerate() {
        let stop = h1[k].0 + h1[k].1;
        if k < last {
            expected += x * stop;
            stopped += stop;
        } else {
            expected += x * (1.0 - stopped);
        }
        cumulative_alpha += h0[k].0 + h0[k].1;
        cumulative_power += stop;
        looks.push(Look {
            look: k + 1,
            information_fraction: x,
            critical_z: b[k],
            nominal_p: sides * upper(b[k]),
            cumulative_alpha,
            stop_probability_h1: stop,
            cumulative_power,
        });
    }
    let inflation_factor = (drift / fixed).powi(2);
    Ok(SequentialDesign {
        boundary: q.boundary.label(),
        two_sided: q.two_sided,
        alpha: q.alpha,
        power: q.power,
        looks,
        drift,
        inflation_factor,
        expected_sample_h1: inflation_factor * expected,
    })
}

/// Information fractions of `looks` equally spaced looks: k/K.
pub fn equally_spaced(looks: usize) -> Vec<f64> {
    (1..=looks).map(|k| k as f64 / looks as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jennison and Turnbull (2000) Table 2.1 (Pocock C_P) and Table 2.3
    /// (O'Brien–Fleming C_B), two-sided α = 0.05, equally spaced looks, to the three
    /// decimals printed.
    #[test]
    fn published_constants() {
        let pocock = [(2, 2.178), (3, 2.289), (4, 2.361), (5, 2.413), (10, 2.555)];
        for (k, c) in pocock {
            let b = critical_values(&equally_spaced(k), Boundary::Pocock, 0.05, true).unwrap();
            assert!((b[0] - c).abs() < 5e-4, "Pocock K = {k}: {}", b[0]);
        }
        let obf = [(2, 1.977), (3, 2.004), (4, 2.024), (5, 2.040), (10, 2.087)];
        for (k, c) in obf {
            let b =
                critical_values(&equally_spaced(k), Boundary::ObrienFleming, 0.05, true).unwrap();
            assert!((b[k - 1] - c).abs() < 5e-4, "OBF K = {k}: {}", b[k - 1]);
        }
    }

    /// One look is the fixed design: z_(1 − α/2), inflation 1.
    #[test]
    fn one_look_is_the_fixed_design() {
        let d = design(&SequentialQuestion {
            fractions: vec![1.0],
            boundary: Boundary::ObrienFleming,
            alpha: 0.05,
            power: 0.8,
            two_sided: true,
        })
        .unwrap();
        assert!((d.looks[0].critical_z - 1.959_963_984_540_054).abs() < 1e-10);
        // Power counts both sides, so the drift is a hair below z_(0.975) + z_(0.8):
        // Φ̄(1.96 − θ) + Φ(−1.96 − θ) = 0.8.
        let z = 1.959_963_984_540_054;
        let power = upper(z - d.drift) + lower(-z - d.drift);
        assert!((power - 0.8).abs() < 1e-13, "{power}");
        assert!(d.inflation_factor < 1.0 && d.inflation_factor > 1.0 - 1e-5);
        assert!((d.expected_sample_h1 - d.inflation_factor).abs() < 1e-15);
    }

    /// Halving the quadrature panels changes the stopping
    /// probabilities by less than 1e-12 (one- and two-sided, under H0 and H1).
    #[test]
    fn integration_has_converged() {
        let t = [0.2, 0.45, 0.7, 1.0];
        let b = [3.2, 2.6, 2.3, 2.05];
        for two_sided in [false, true] {
            for drift in [0.0, 2.9] {
                let coarse = stopping(&t, &b, drift, two_sided);
                let mut walk = Walk::new(&t, drift);
                walk.panel = PANEL / 2.0;
                let mut fine = Vec::new();
                for (k, &bk) in b.iter().enumerate() {
                    fine.push(walk.cross(bk, two_sided));
                    if k + 1 < t.len() {
                        walk.pass(bk, two_sided);
                    }
                }
                for (c, f) in coarse.iter().zip(&fine) {
                    assert!(
                        (c.0 - f.0).abs() < 1e-12 && (c.1 - f.1).abs() < 1e-12,
                        "{c:?} {f:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn bad_fractions_are_named() {
        for t in [vec![0.5, 0.4, 1.0], vec![0.5, 0.9], vec![0.0, 1.0]] {
            let e = critical_values(&t, Boundary::Pocock, 0.05, true).unwrap_err();
            assert!(e.to_string().contains("information fraction"), "{e}");
        }
    }
}
