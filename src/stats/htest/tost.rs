//! Two one-sided tests (TOST) for equivalence, and the one-sided test for
//! non-inferiority, on a mean, a mean difference, a difference in means (Welch or
//! Student) or a difference of two proportions (Wald z).
//!
//! In: the samples (or the counts), the margins as a [`Margins`] relative to the null
//! value μ₀ and [`TostOptions`]. Out: a [`Tost`] with each one-sided test, the TOST
//! p-value, the 1 − 2α interval and the verdict in words.
//!
//! # Formula
//! With θ̂ the estimate, se its standard error and the bounds L = μ₀ + low,
//! U = μ₀ + high:
//! - lower test, H0: θ ≤ L against θ > L: t_L = (θ̂ − L)/se, p_L = P(T ≥ t_L);
//! - upper test, H0: θ ≥ U against θ < U: t_U = (θ̂ − U)/se, p_U = P(T ≤ t_U);
//! - equivalence (both bounds): p = max(p_L, p_U), shown when p < α, which is the same as
//!   the 1 − 2α interval θ̂ ± q·se (q = qt(1 − α, df)) lying strictly inside (L, U)
//!   (Schuirmann 1987). Non-inferiority (one bound) is that bound's one-sided test at α.
//! - Means: the t statistics, df and se of [`super::t_test`] (one-sample, paired = one
//!   sample on x − y, Welch with the Welch–Satterthwaite df, Student with the pooled
//!   variance); each one-sided test is R's `t.test(…, mu = bound, alternative =
//!   "greater" | "less")`, reproduced operation for operation, and the interval
//!   `t.test(…, conf.level = 1 − 2α)`'s.
//! - Two proportions: the Wald (unpooled) variance se² = p̂₁(1 − p̂₁)/n₁ + p̂₂(1 − p̂₂)/n₂,
//!   z = (p̂₁ − p̂₂ − bound)/se against the standard normal, and the interval
//!   p̂₁ − p̂₂ ± z₁₋α·se, no continuity correction (Chow, Shao & Wang 2008, §4.2;
//!   TOSTER's `twoprop_test`, R/two_proportions.R at commit 0864b42: the same se, z,
//!   p-values (the larger for equivalence) and 1 − 2α interval).
//!
//! # References
//! - Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the
//!   power approach for assessing the equivalence of average bioavailability. *Journal of
//!   Pharmacokinetics and Biopharmaceutics* 15(6), 657–680. doi:10.1007/BF01068419
//! - Lakens, D. (2017). Equivalence tests: a practical primer for t tests, correlations,
//!   and meta-analyses. *Social Psychological and Personality Science* 8(4), 355–362.
//!   doi:10.1177/1948550617697177 (R package TOSTER: `t_TOST`, `tsum_TOST`).
//! - Chow, S.-C., Shao, J. & Wang, H. (2008). *Sample Size Calculations in Clinical
//!   Research*, 2nd ed., Chapman & Hall/CRC, §3.2 (means) and §4.2 (two proportions).

use std::fmt;

use serde::Serialize;

use super::dist::{pnorm, pnorm_upper, qnorm};
use super::error::TestError;
use super::format;
use super::t_test::{TTest, TTestKind, TTestOptions};
use super::{check_finite, t_test_one_sample, t_test_paired, t_test_student, t_test_welch};
use crate::stats::estimate::{Alternative, Estimate};

/// Equivalence margins relative to the null value: the interval (μ₀ + low, μ₀ + high)
/// for equivalence; one bound alone for non-inferiority.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Margins {
    /// The difference must be shown above μ₀ + low (`None`: no lower test).
    pub low: Option<f64>,
    /// The difference must be shown below μ₀ + high (`None`: no upper test).
    pub high: Option<f64>,
}

impl Margins {
    /// Symmetric equivalence margins (−margin, margin).
    pub fn symmetric(margin: f64) -> Margins {
        Margins {
            low: Some(-margin),
            high: Some(margin),
        }
    }

    /// Which hypothesis the margins state, after checking them: finite; low < high;
    /// a lone lower bound below 0 and a lone upper bound above 0 (a non-inferiority
    /// margin allows the new arm to be a little worse, never requires it to be better).
    ///
    /// # Errors
    /// [`TestError::InvalidArgument`] naming `low` or `high` and the rule.
    pub fn hypothesis(&self) -> Result<TostHypothesis, TestError> {
        for (name, value) in [("low", self.low), ("high", self.high)] {
            if let Some(v) = value
                && !v.is_finite()
            {
                return Err(TestError::InvalidArgument {
                    name,
                    rule: "must be a finite number",
                    value: v,
                });
            }
        }
        match (self.low, self.high) {
            (Some(low), Some(high)) if low < high => Ok(TostHypothesis::Equivalence),
            (Some(low), Some(_)) => Err(TestError::InvalidArgument {
                name: "low",
                rule: "must be below `high`: the equivalence interval is (low, high)",
                value: low,
            }),
            (Some(low), None) if low < 0.0 => Ok(TostHypothesis::NonInferiorityLower),
            (Some(low), None) => Err(TestError::InvalidArgument {
                name: "low",
                rule: "must be below 0: a non-inferiority bound alone is how much lower the difference may be",
                value: low,
            }),
            (None, Some(high)) if high > 0.0 => Ok(TostHypothesis::NonInferiorityUpper),
            (None, Some(high)) => Err(TestError::InvalidArgument {
                name: "high",
                rule: "must be above 0: a non-inferiority bound alone is how much higher the difference may be",
                value: high,
            }),
            (None, None) => Err(TestError::InvalidArgument {
                name: "low",
                rule: "or `high` must be given: a TOST needs at least one margin",
                value: f64::NAN,
            }),
        }
    }
}

/// What the margins ask to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TostHypothesis {
    /// low < θ − μ₀ < high (two one-sided tests).
    Equivalence,
    /// θ − μ₀ > low: higher is better, the new arm no worse by more than −low.
    NonInferiorityLower,
    /// θ − μ₀ < high: lower is better, the new arm no worse by more than high.
    NonInferiorityUpper,
}

/// Options of a TOST.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TostOptions {
    pub margins: Margins,
    /// Level of each one-sided test; the interval's level is 1 − 2α.
    pub alpha: f64,
    /// The null value the margins are relative to (0 for a difference).
    pub mu: f64,
    /// Unit of the outcome for the verdict in words ("minutes"), if any.
    pub unit: Option<String>,
}

impl Default for TostOptions {
    fn default() -> Self {
        TostOptions {
            margins: Margins {
                low: None,
                high: None,
            },
            alpha: 0.05,
            mu: 0.0,
            unit: None,
        }
    }
}

/// Which estimate was tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TostKind {
    OneSample,
    Paired,
    Welch,
    Student,
    TwoProportions,
    /// The estimate, standard error and degrees of freedom of a design's estimator
    /// (the analysis stage's headline comparison).
    Estimate,
}

impl TostKind {
    /// The method's title.
    pub fn method(self) -> &'static str {
        match self {
            TostKind::OneSample => "One Sample t-test TOST",
            TostKind::Paired => "Paired t-test TOST",
            TostKind::Welch => "Welch Two Sample t-test TOST",
            TostKind::Student => "Two Sample t-test TOST",
            TostKind::TwoProportions => "Two proportions Wald z-test TOST",
            TostKind::Estimate => "TOST on the analysis estimate",
        }
    }

    /// The name of the estimate.
    pub fn term(self) -> &'static str {
        match self {
            TostKind::OneSample => "mean of x",
            TostKind::Paired => "mean difference",
            TostKind::Welch | TostKind::Student => "mean of x - mean of y",
            TostKind::TwoProportions => "prop 1 - prop 2",
            TostKind::Estimate => "effect",
        }
    }
}

/// One of the two one-sided tests.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OneSided {
    /// The bound tested (μ₀ + margin).
    pub bound: f64,
    /// t (means) or z (proportions).
    pub statistic: f64,
    pub p_value: f64,
}

/// Whether the hypothesis was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Equivalent,
    NonInferior,
    NotShown,
}

/// Result of a TOST or non-inferiority test.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Tost {
    pub kind: TostKind,
    pub method: &'static str,
    pub hypothesis: TostHypothesis,
    pub estimate: f64,
    pub std_error: f64,
    /// Degrees of freedom of the t tests; `None` for the z tests of proportions.
    pub df: Option<f64>,
    /// Group means or proportions (x then y; the one mean for one sample).
    pub groups: Vec<f64>,
    pub null_value: f64,
    pub margins: Margins,
    /// H0: θ ≤ μ₀ + low (absent without a lower margin).
    pub lower: Option<OneSided>,
    /// H0: θ ≥ μ₀ + high (absent without an upper margin).
    pub upper: Option<OneSided>,
    /// The larger of the one-sided p-values (the only one for non-inferiority).
    pub p_value: f64,
    pub alpha: f64,
    /// 1 − 2α.
    pub conf_level: f64,
    pub conf_low: f64,
    pub conf_high: f64,
    pub verdict: Verdict,
    /// The verdict in words, e.g. "equivalent within ±2 minutes".
    pub conclusion: String,
}

fn check_alpha(alpha: f64) -> Result<(), TestError> {
    if alpha.is_finite() && alpha > 0.0 && alpha < 0.5 {
        Ok(())
    } else {
        Err(TestError::InvalidArgument {
            name: "alpha",
            rule: "must be in (0, 0.5): each one-sided test is at level alpha and the interval at 1 − 2·alpha",
            value: alpha,
        })
    }
}

fn check_options(options: &TostOptions) -> Result<TostHypothesis, TestError> {
    check_alpha(options.alpha)?;
    if !options.mu.is_finite() {
        return Err(TestError::InvalidArgument {
            name: "mu",
            rule: "must be a finite number",
            value: options.mu,
        });
    }
    options.margins.hypothesis()
}

/// How the samples are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeansDesign {
    /// One sample (`y` must be `None`).
    OneSample,
    /// Paired: the one-sample test on x − y.
    Paired,
    /// Two samples, unequal variances.
    Welch,
    /// Two samples, pooled variance.
    Student,
}

/// TOST for a mean, a mean difference or a difference in means.
///
/// # Errors
/// Invalid margins, alpha or μ₀; and every error of the t test (too few observations,
/// non-finite values, constant data, paired samples of different lengths).
pub fn tost_means(
    x: &[f64],
    y: Option<&[f64]>,
    design: MeansDesign,
    options: &TostOptions,
) -> Result<Tost, TestError> {
    let hypothesis = check_options(options)?;
    let run = |alternative: Alternative, mu: f64, conf_level: f64| {
        let o = TTestOptions {
            alternative,
            mu,
            conf_level,
        };
        match (design, y) {
            (MeansDesign::OneSample, _) => t_test_one_sample(x, &o),
            (MeansDesign::Paired, Some(y)) => t_test_paired(x, y, &o),
            (MeansDesign::Welch, Some(y)) => t_test_welch(x, y, &o),
            (MeansDesign::Student, Some(y)) => t_test_student(x, y, &o),
            (_, None) => Err(TestError::TooFewObservations {
                name: "y",
                needed: 2,
                got: 0,
            }),
        }
    };
    let conf_level = 1.0 - 2.0 * options.alpha;
    let interval: TTest = run(Alternative::TwoSided, options.mu, conf_level)?;
    let one_sided = |margin: Option<f64>, alternative| -> Result<Option<OneSided>, TestError> {
        margin
            .map(|m| {
                let bound = options.mu + m;
                run(alternative, bound, conf_level).map(|t| OneSided {
                    bound,
                    statistic: t.statistic,
                    p_value: t.p_value,
                })
            })
            .transpose()
    };
    let lower = one_sided(options.margins.low, Alternative::Greater)?;
    let upper = one_sided(options.margins.high, Alternative::Less)?;
    let kind = match interval.kind {
        TTestKind::OneSample => TostKind::OneSample,
        TTestKind::Paired => TostKind::Paired,
        TTestKind::Welch => TostKind::Welch,
        TTestKind::Student => TostKind::Student,
    };
    let mut groups = vec![interval.mean_x];
    groups.extend(interval.mean_y);
    Ok(finish(
        kind,
        hypothesis,
        interval.estimate,
        interval.std_error,
        Some(interval.df),
        groups,
        (lower, upper),
        (interval.conf_low, interval.conf_high),
        options,
    ))
}

/// TOST for the difference of two proportions p₁ − p₂ by the Wald z test with the
/// unpooled variance.
///
/// # Errors
/// Invalid margins or alpha; counts that are negative, non-finite, not whole, or with
/// more successes than trials; a zero standard error (both proportions 0 or 1).
pub fn tost_two_proportions(
    successes: [f64; 2],
    trials: [f64; 2],
    options: &TostOptions,
) -> Result<Tost, TestError> {
    let hypothesis = check_options(options)?;
    check_finite("successes", &successes)?;
    check_finite("trials", &trials)?;
    for i in 0..2 {
        let (x, n) = (successes[i], trials[i]);
        if n < 1.0 || n.fract() != 0.0 {
            return Err(TestError::InvalidArgument {
                name: "trials",
                rule: "must be whole numbers of at least 1",
                value: n,
            });
        }
        if x < 0.0 || x > n || x.fract() != 0.0 {
            return Err(TestError::InvalidArgument {
                name: "successes",
                rule: "must be whole numbers between 0 and the trials",
                value: x,
            });
        }
    }
    let p1 = successes[0] / trials[0];
    let p2 = successes[1] / trials[1];
    let estimate = p1 - p2;
    let std_error = (p1 * (1.0 - p1) / trials[0] + p2 * (1.0 - p2) / trials[1]).sqrt();
    if std_error == 0.0 {
        return Err(TestError::EssentiallyConstant {
            what: "z statistic",
            std_error,
        });
    }
    let z = |bound: f64| (estimate - bound) / std_error;
    let lower = options.margins.low.map(|m| {
        let bound = options.mu + m;
        OneSided {
            bound,
            statistic: z(bound),
            p_value: pnorm_upper(z(bound)),
        }
    });
    let upper = options.margins.high.map(|m| {
        let bound = options.mu + m;
        OneSided {
            bound,
            statistic: z(bound),
            p_value: pnorm(z(bound)),
        }
    });
    let q = qnorm(1.0 - options.alpha);
    Ok(finish(
        TostKind::TwoProportions,
        hypothesis,
        estimate,
        std_error,
        None,
        vec![p1, p2],
        (lower, upper),
        (estimate - q * std_error, estimate + q * std_error),
        options,
    ))
}

/// TOST on an estimate already made by a design's estimator, from its standard error
/// and degrees of freedom (`f64::INFINITY` for a normal reference): the analysis
/// stage's test of `analysis.equivalence` and `analysis.non_inferiority`, which so
/// follows the design (blocks, clusters, covariates) as the estimate does. For an
/// unadjusted two-arm difference in means this is Welch's TOST, since estimatr's
/// standard difference in means has Welch's standard error and degrees of freedom.
///
/// # Errors
/// Invalid margins, alpha or μ₀; a non-finite estimate; a standard error that is not
/// positive and finite; degrees of freedom that are not positive.
pub fn tost_estimate(
    estimate: f64,
    std_error: f64,
    df: f64,
    options: &TostOptions,
) -> Result<Tost, TestError> {
    let hypothesis = check_options(options)?;
    check_finite("estimate", &[estimate])?;
    if !(std_error.is_finite() && std_error > 0.0) {
        return Err(TestError::EssentiallyConstant {
            what: "TOST statistic",
            std_error,
        });
    }
    if df.is_nan() || df <= 0.0 {
        return Err(TestError::InvalidArgument {
            name: "df",
            rule: "must be positive",
            value: df,
        });
    }
    let one_sided = |margin: Option<f64>, alternative| {
        margin.map(|m| {
            let bound = options.mu + m;
            let t = Estimate::from_t(estimate - bound, std_error, df, 0.95, alternative);
            OneSided {
                bound,
                statistic: t.statistic,
                p_value: t.p_value,
            }
        })
    };
    let lower = one_sided(options.margins.low, Alternative::Greater);
    let upper = one_sided(options.margins.high, Alternative::Less);
    let interval = Estimate::from_t(
        estimate,
        std_error,
        df,
        1.0 - 2.0 * options.alpha,
        Alternative::TwoSided,
    );
    Ok(finish(
        TostKind::Estimate,
        hypothesis,
        estimate,
        std_error,
        df.is_finite().then_some(df),
        Vec::new(),
        (lower, upper),
        (interval.conf_low, interval.conf_high),
        options,
    ))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    kind: TostKind,
    hypothesis: TostHypothesis,
    estimate: f64,
    std_error: f64,
    df: Option<f64>,
    groups: Vec<f64>,
    (lower, upper): (Option<OneSided>, Option<OneSided>),
    (conf_low, conf_high): (f64, f64),
    options: &TostOptions,
) -> Tost {
    let p_value = lower
        .iter()
        .chain(upper.iter())
        .map(|t| t.p_value)
        .fold(f64::NEG_INFINITY, f64::max);
    let shown = p_value < options.alpha;
    let verdict = match (shown, hypothesis) {
        (false, _) => Verdict::NotShown,
        (true, TostHypothesis::Equivalence) => Verdict::Equivalent,
        (true, _) => Verdict::NonInferior,
    };
    Tost {
        kind,
        method: kind.method(),
        hypothesis,
        estimate,
        std_error,
        df,
        groups,
        null_value: options.mu,
        margins: options.margins,
        lower,
        upper,
        p_value,
        alpha: options.alpha,
        conf_level: 1.0 - 2.0 * options.alpha,
        conf_low,
        conf_high,
        verdict,
        conclusion: conclusion(hypothesis, options.margins, shown, options.unit.as_deref()),
    }
}

/// The verdict in words: "equivalent within ±2 minutes", "equivalent within (−1, 3)",
/// "no worse than by more than 2 minutes", or "not shown: …" with what was not shown.
pub fn conclusion(
    hypothesis: TostHypothesis,
    margins: Margins,
    shown: bool,
    unit: Option<&str>,
) -> String {
    let unit = unit.map(|u| format!(" {u}")).unwrap_or_default();
    let claim = match (hypothesis, margins.low, margins.high) {
        (TostHypothesis::Equivalence, Some(low), Some(high)) if low == -high => {
            format!("equivalent within ±{}{unit}", format::sig(high, 7))
        }
        (TostHypothesis::Equivalence, Some(low), Some(high)) => format!(
            "equivalent within ({}, {}){unit}",
            format::sig(low, 7),
            format::sig(high, 7)
        ),
        (TostHypothesis::NonInferiorityLower, Some(low), _) => format!(
            "no worse than by more than {}{unit} (higher is better)",
            format::sig(-low, 7)
        ),
        (_, _, Some(high)) => format!(
            "no worse than by more than {}{unit} (lower is better)",
            format::sig(high, 7)
        ),
        _ => unreachable!("margins checked by Margins::hypothesis"),
    };
    if shown {
        claim
    } else {
        format!("not shown ({claim} was not established)")
    }
}

impl fmt::Display for Tost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format::title(f, self.method)?;
        let name = if self.df.is_some() { "t" } else { "z" };
        let df = self
            .df
            .map(|df| format!(", df = {}", format::sig(df, 5)))
            .unwrap_or_default();
        let what = self.kind.term();
        for (test, h0) in [(self.lower, "<="), (self.upper, ">=")] {
            if let Some(t) = test {
                writeln!(
                    f,
                    "H0: {what} {h0} {}: {name} = {}{df}, p-value {}",
                    format::sig(t.bound, 7),
                    format::sig(t.statistic, 5),
                    format::pval(t.p_value)
                )?;
            }
        }
        if self.lower.is_some() && self.upper.is_some() {
            writeln!(f, "TOST p-value {}", format::pval(self.p_value))?;
        }
        format::interval(f, self.conf_level, self.conf_low, self.conf_high)?;
        let mut items = vec![(what, self.estimate)];
        match self.kind {
            TostKind::Welch | TostKind::Student => {
                items.push(("mean of x", self.groups[0]));
                items.push(("mean of y", self.groups[1]));
            }
            TostKind::TwoProportions => {
                items.push(("prop 1", self.groups[0]));
                items.push(("prop 2", self.groups[1]));
            }
            TostKind::OneSample | TostKind::Paired | TostKind::Estimate => {}
        }
        format::estimates(f, &items)?;
        writeln!(
            f,
            "verdict (alpha = {}): {}",
            format::sig(self.alpha, 7),
            self.conclusion
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prec::assert_close;

    fn options(low: Option<f64>, high: Option<f64>) -> TostOptions {
        TostOptions {
            margins: Margins { low, high },
            ..TostOptions::default()
        }
    }

    #[test]
    fn margins_of_the_wrong_sign_are_refused() {
        let bad = [
            (Some(1.0), Some(1.0), "low"),
            (Some(2.0), Some(-2.0), "low"),
            (Some(0.5), None, "low"),
            (None, Some(-0.5), "high"),
            (None, None, "low"),
        ];
        for (low, high, name) in bad {
            match (Margins { low, high }).hypothesis() {
                Err(TestError::InvalidArgument { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{low:?} {high:?}: {other:?}"),
            }
        }
    }

    /// The TOST p-value is below α exactly when the 1 − 2α interval lies inside the
    /// bounds (Schuirmann's equivalence of the two procedures).
    #[test]
    fn verdict_agrees_with_the_interval() {
        let x = [3.1, 4.2, 5.0, 4.4, 3.9, 4.8, 5.3, 4.1];
        let y = [4.0, 4.6, 3.8, 4.9, 5.2, 4.3, 4.7];
        for margin in [0.2, 0.5, 0.8, 1.0, 1.5, 2.0] {
            let r = tost_means(
                &x,
                Some(&y),
                MeansDesign::Welch,
                &TostOptions {
                    margins: Margins::symmetric(margin),
                    ..TostOptions::default()
                },
            )
            .unwrap();
            let inside = r.conf_low > -margin && r.conf_high < margin;
            assert_eq!(inside, r.verdict == Verdict::Equivalent, "margin {margin}");
        }
    }

    /// On Welch's standard error and degrees of freedom the estimate's TOST is Welch's.
    #[test]
    fn the_estimate_form_equals_welch_on_welch_inputs() {
        let x = [3.1, 4.2, 5.0, 4.4, 3.9, 4.8, 5.3, 4.1];
        let y = [4.0, 4.6, 3.8, 4.9, 5.2, 4.3, 4.7];
        for margins in [
            Margins::symmetric(0.9),
            Margins {
                low: Some(-0.4),
                high: None,
            },
            Margins {
                low: None,
                high: Some(0.3),
            },
        ] {
            let o = TostOptions {
                margins,
                alpha: 0.1,
                ..TostOptions::default()
            };
            let welch = tost_means(&x, Some(&y), MeansDesign::Welch, &o).unwrap();
            let df = welch.df.unwrap();
            let r = tost_estimate(welch.estimate, welch.std_error, df, &o).unwrap();
            for (a, b) in [(r.lower, welch.lower), (r.upper, welch.upper)] {
                assert_eq!(a.is_some(), b.is_some());
                if let (Some(a), Some(b)) = (a, b) {
                    assert_close(a.statistic, b.statistic, 1e-13, "statistic");
                    assert_close(a.p_value, b.p_value, 1e-12, "p");
                }
            }
            assert_close(r.conf_low, welch.conf_low, 1e-13, "low");
            assert_close(r.conf_high, welch.conf_high, 1e-13, "high");
            assert_eq!(r.verdict, welch.verdict);
        }
        let z = tost_estimate(0.1, 0.05, f64::INFINITY, &options(Some(-0.05), None)).unwrap();
        assert_close(z.lower.unwrap().p_value, pnorm_upper(3.0), 1e-14, "normal");
        assert_eq!(z.df, None);
        assert!(tost_estimate(0.1, 0.0, 10.0, &options(Some(-0.05), None)).is_err());
    }

    #[test]
    fn proportions_by_the_wald_formula() {
        let r =
            tost_two_proportions([45.0, 40.0], [50.0, 50.0], &options(Some(-0.1), None)).unwrap();
        let se = (0.9f64 * 0.1 / 50.0 + 0.8 * 0.2 / 50.0).sqrt();
        assert_close(r.std_error, se, 1e-15, "se");
        let lower = r.lower.unwrap();
        assert_close(lower.statistic, (0.1 + 0.1) / se, 1e-14, "z");
        assert_eq!(r.upper, None);
        assert_eq!(r.verdict, Verdict::NonInferior);
        assert_eq!(
            r.conclusion,
            "no worse than by more than 0.1 (higher is better)"
        );
    }

    #[test]
    fn words_of_the_verdicts() {
        let m = Margins::symmetric(2.0);
        assert_eq!(
            conclusion(TostHypothesis::Equivalence, m, true, Some("minutes")),
            "equivalent within ±2 minutes"
        );
        assert_eq!(
            conclusion(
                TostHypothesis::NonInferiorityUpper,
                Margins {
                    low: None,
                    high: Some(2.0)
                },
                false,
                Some("minutes")
            ),
            "not shown (no worse than by more than 2 minutes (lower is better) was not established)"
        );
    }
}
