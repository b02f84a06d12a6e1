//! The one result schema of the standalone commands (`evident test`, `evident
//! regress`, `evident power`): what `--json` prints, versioned and described by a JSON
//! Schema (`evident schema --output test|regress|power`, documented in docs/json.md).
//!
//! Estimates are rows of `term, estimate, std_error, statistic, df, p_value, conf_low,
//! conf_high` (broom's and estimatr's names) for tests and regressions alike; the
//! method is named in one field; counts and whole degrees of freedom print as JSON
//! integers; a vector is a list and a table a list of rows. Infinite interval limits are
//! the strings "Inf"/"-Inf" (JSON has no infinities); a missing quantity is `null`.
//!
//! The output types are separate from the result types of the routines on purpose:
//! those serve the library and the report, these are a contract for scripts, changed
//! only with a bump of [`RESULT_SCHEMA_VERSION`] and a line in docs/json.md.
//! Every type here also deserialises (rejecting unknown fields), so a script, or a
//! test, can read an output back into the documented shape.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::power::PowerAnswer;
use crate::power::answer::Unknown;
use crate::power::bands::MdesBand;
use crate::stats::estimate::{Alternative, Estimate};
use crate::stats::htest::{
    ChisqTest, FisherTest, McNemarTest, OneSided, PAdjustMethod, PropTest, TTest, TTestKind, Tost,
    TostKind, WilcoxonTest,
};
use crate::stats::regression::{
    DifferenceInMeans, FixedEffectsFit, IvRobust, LmRobust, LogisticFit,
};

/// Version of the `--json` output of `test`, `regress` and `power`. Version 1 was the
/// untyped output of engine 0.1.0 before this schema (see docs/json.md for the renames).
pub const RESULT_SCHEMA_VERSION: u32 = 2;

/// A number that may be infinite: a JSON number, or the string "Inf" or "-Inf".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Real(pub f64);

impl Serialize for Real {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            v if v.is_finite() => s.serialize_f64(v),
            v if v > 0.0 => s.serialize_str("Inf"),
            v if v < 0.0 => s.serialize_str("-Inf"),
            _ => s.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for Real {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Number(f64),
            Text(String),
        }
        match Wire::deserialize(d)? {
            Wire::Number(v) => Ok(Real(v)),
            Wire::Text(t) if t == "Inf" => Ok(Real(f64::INFINITY)),
            Wire::Text(t) if t == "-Inf" => Ok(Real(f64::NEG_INFINITY)),
            Wire::Text(t) => Err(serde::de::Error::custom(format!(
                "`{t}` is not a number, \"Inf\" or \"-Inf\""
            ))),
        }
    }
}

impl JsonSchema for Real {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Real".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number, or \"Inf\" / \"-Inf\" for an infinite limit.",
            "anyOf": [{ "type": "number" }, { "enum": ["Inf", "-Inf"] }]
        })
    }
}

/// Writes a whole-numbered value as a JSON integer, any other finite value as a number,
/// and an infinite or absent one as `null`.
fn whole<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 => {
            s.serialize_i64(*x as i64)
        }
        Some(x) if x.is_finite() => s.serialize_f64(*x),
        _ => s.serialize_none(),
    }
}

/// The serde name of a unit enum variant (`non_inferior`).
fn snake<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        other => unreachable!("a unit variant serialises to a string, not {other:?}"),
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// One estimated quantity (broom's `tidy()` row). Fields a method does not give are
/// `null`; `df` is `null` for a normal (z) reference distribution too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub term: String,
    pub estimate: Real,
    pub std_error: Option<f64>,
    pub statistic: Option<f64>,
    #[serde(serialize_with = "whole")]
    pub df: Option<f64>,
    pub p_value: Option<f64>,
    pub conf_low: Option<Real>,
    pub conf_high: Option<Real>,
}

impl Row {
    /// A row with the estimate only (a group mean or proportion beside the contrast).
    pub fn point(term: impl Into<String>, estimate: f64) -> Row {
        Row {
            term: term.into(),
            estimate: Real(estimate),
            std_error: None,
            statistic: None,
            df: None,
            p_value: None,
            conf_low: None,
            conf_high: None,
        }
    }

    /// A row from an [`Estimate`] with full inference.
    pub fn from_estimate(term: impl Into<String>, e: &Estimate) -> Row {
        Row {
            term: term.into(),
            estimate: Real(e.estimate),
            std_error: Some(e.std_error),
            statistic: Some(e.statistic),
            df: finite(e.df),
            p_value: Some(e.p_value),
            conf_low: Some(Real(e.conf_low)),
            conf_high: Some(Real(e.conf_high)),
        }
    }
}

/// The test statistic of a hypothesis test (broom's `statistic` and `parameter`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Statistic {
    /// R's name for it: "t", "V", "W", "X-squared", "McNemar's chi-squared".
    pub name: String,
    pub value: f64,
    #[serde(serialize_with = "whole")]
    pub df: Option<f64>,
}

/// A vector (goodness of fit) or a table (contingency tables) of cell values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Cells {
    Vector(Vec<f64>),
    Table(Vec<Vec<f64>>),
}

/// One null value (t, Wilcoxon, Fisher) or one per group (prop.test).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NullValue {
    One(f64),
    PerGroup(Vec<f64>),
}

/// An adjusted p-value beside the one it came from (`null` for a missing one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Adjusted {
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
}

/// Units behind a difference in means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DimSample {
    /// estimatr's design name, e.g. "Blocked", "Matched-pair".
    pub design: String,
    pub nobs: u64,
    pub n_treated: u64,
    pub n_control: u64,
    pub nblocks: Option<u64>,
    pub nclusters: Option<u64>,
}

/// `evident test ... --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestOutput {
    pub schema_version: u32,
    /// The command that produced it, e.g. "test t".
    pub command: String,
    /// The method in R's words, e.g. "Welch Two Sample t-test".
    pub method: String,
    /// Spelled as the `--alternative` flag takes it; `null` where a test has none.
    pub alternative: Option<Alternative>,
    /// The level of the confidence intervals in `estimates` (the level achieved, for
    /// Wilcoxon's exact intervals).
    pub conf_level: Option<f64>,
    pub null_value: Option<NullValue>,
    pub statistic: Option<Statistic>,
    /// The test's p-value (`null` for `test adjust`, whose p-values are in `adjusted`).
    pub p_value: Option<f64>,
    pub estimates: Vec<Row>,
    /// Whether the p-value comes from an exact distribution (Wilcoxon).
    pub exact: Option<bool>,
    /// The continuity correction applied (0 when none), for chi-squared-based tests.
    pub continuity_correction: Option<f64>,
    /// Expected counts (chisq): a list for goodness of fit, rows for a table.
    pub expected: Option<Cells>,
    /// Pearson residuals (O − E)/√E, shaped as `expected`.
    pub residuals: Option<Cells>,
    /// Standardised residuals, shaped as `expected`.
    pub stdres: Option<Cells>,
    /// `test adjust`: the p-values and their adjusted values, in input order.
    pub adjusted: Option<Vec<Adjusted>>,
    /// `test adjust`: the number of comparisons adjusted for (p.adjust's n).
    pub n: Option<u64>,
    /// `test dim`: the units behind the estimate.
    pub sample: Option<DimSample>,
    /// `test tost`: the margins, each one-sided test and the verdict (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equivalence: Option<EquivalenceOutput>,
    /// R's warnings, in words.
    pub warnings: Vec<String>,
}

/// One of the two one-sided tests of `test tost`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OneSidedOutput {
    /// The bound tested: `null_value` + the margin.
    pub bound: f64,
    /// t (means) or z (proportions) for H0: estimate ≤ bound (lower) or ≥ bound (upper).
    pub statistic: f64,
    pub p_value: f64,
}

/// `test tost`: what was to be shown and whether it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EquivalenceOutput {
    /// `equivalence`, `non_inferiority_lower` (only a lower margin: higher is better) or
    /// `non_inferiority_upper` (only an upper margin: lower is better).
    pub hypothesis: String,
    /// The margins, relative to `null_value` (`null` when absent).
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Level of each one-sided test; `conf_level` is 1 − 2·alpha.
    pub alpha: f64,
    /// H0: estimate ≤ `null_value` + low (`null` without a lower margin).
    pub lower: Option<OneSidedOutput>,
    /// H0: estimate ≥ `null_value` + high (`null` without an upper margin).
    pub upper: Option<OneSidedOutput>,
    /// `equivalent`, `non_inferior` or `not_shown`.
    pub verdict: String,
    /// The verdict in words, e.g. "equivalent within ±2 minutes".
    pub conclusion: String,
}

impl TestOutput {
    fn new(command: &str, method: impl Into<String>) -> TestOutput {
        TestOutput {
            schema_version: RESULT_SCHEMA_VERSION,
            command: command.into(),
            method: method.into(),
            alternative: None,
            conf_level: None,
            null_value: None,
            statistic: None,
            p_value: None,
            estimates: Vec::new(),
            exact: None,
            continuity_correction: None,
            expected: None,
            residuals: None,
            stdres: None,
            adjusted: None,
            n: None,
            sample: None,
            equivalence: None,
            warnings: Vec::new(),
        }
    }

    /// `test tost`: the estimate with its 1 − 2α interval, the group means or
    /// proportions, and the two one-sided tests in `equivalence`; `statistic` and
    /// `p_value` are those of the one-sided test with the larger p-value (the TOST p).
    pub fn from_tost(t: &Tost) -> TestOutput {
        let mut out = TestOutput::new("test tost", t.method);
        out.conf_level = Some(t.conf_level);
        out.null_value = Some(NullValue::One(t.null_value));
        let binding = [t.lower, t.upper]
            .into_iter()
            .flatten()
            .find(|s| s.p_value == t.p_value)
            .expect("a TOST has at least one one-sided test");
        let name = if t.df.is_some() { "t" } else { "z" };
        out.statistic = Some(Statistic {
            name: name.into(),
            value: binding.statistic,
            df: t.df,
        });
        out.p_value = Some(t.p_value);
        out.estimates.push(Row {
            term: t.kind.term().into(),
            estimate: Real(t.estimate),
            std_error: Some(t.std_error),
            statistic: None,
            df: t.df,
            p_value: None,
            conf_low: Some(Real(t.conf_low)),
            conf_high: Some(Real(t.conf_high)),
        });
        let groups: &[&str] = match t.kind {
            TostKind::Welch | TostKind::Student => &["mean of x", "mean of y"],
            TostKind::TwoProportions => &["prop 1", "prop 2"],
            TostKind::OneSample | TostKind::Paired | TostKind::Estimate => &[],
        };
        for (term, value) in groups.iter().zip(&t.groups) {
            out.estimates.push(Row::point(*term, *value));
        }
        let one_sided = |s: Option<OneSided>| {
            s.map(|s| OneSidedOutput {
                bound: s.bound,
                statistic: s.statistic,
                p_value: s.p_value,
            })
        };
        out.equivalence = Some(EquivalenceOutput {
            hypothesis: snake(&t.hypothesis),
            low: t.margins.low,
            high: t.margins.high,
            alpha: t.alpha,
            lower: one_sided(t.lower),
            upper: one_sided(t.upper),
            verdict: snake(&t.verdict),
            conclusion: t.conclusion.clone(),
        });
        out
    }

    /// `t.test`: the mean, mean difference or difference in means with its inference,
    /// then the group means (two-sample tests).
    pub fn from_t(t: &TTest) -> TestOutput {
        let mut out = TestOutput::new("test t", t.method);
        out.alternative = Some(t.alternative);
        out.conf_level = Some(t.conf_level);
        out.null_value = Some(NullValue::One(t.null_value));
        out.statistic = Some(Statistic {
            name: "t".into(),
            value: t.statistic,
            df: Some(t.df),
        });
        out.p_value = Some(t.p_value);
        let term = match (t.kind, t.mean_y) {
            (TTestKind::Paired, _) => "mean difference",
            (_, Some(_)) => "mean of x - mean of y",
            (_, None) => "mean of x",
        };
        out.estimates.push(Row {
            term: term.into(),
            estimate: Real(t.estimate),
            std_error: Some(t.std_error),
            statistic: Some(t.statistic),
            df: Some(t.df),
            p_value: Some(t.p_value),
            conf_low: Some(Real(t.conf_low)),
            conf_high: Some(Real(t.conf_high)),
        });
        if let Some(mean_y) = t.mean_y {
            out.estimates.push(Row::point("mean of x", t.mean_x));
            out.estimates.push(Row::point("mean of y", mean_y));
        }
        out
    }

    /// `wilcox.test`: the Hodges–Lehmann estimate and interval when asked for.
    pub fn from_wilcoxon(w: &WilcoxonTest) -> TestOutput {
        let mut out = TestOutput::new("test wilcoxon", w.method.clone());
        out.alternative = Some(w.alternative);
        out.conf_level = w.conf_level;
        out.null_value = Some(NullValue::One(w.null_value));
        out.statistic = Some(Statistic {
            name: w.statistic_name.into(),
            value: w.statistic,
            df: None,
        });
        out.p_value = Some(w.p_value);
        out.exact = Some(w.exact);
        if let Some(estimate) = w.estimate {
            let term = if w.null_name == "location" {
                "(pseudo)median"
            } else {
                "difference in location"
            };
            out.estimates.push(Row {
                term: term.into(),
                estimate: Real(estimate),
                std_error: None,
                statistic: Some(w.statistic),
                df: None,
                p_value: Some(w.p_value),
                conf_low: w.conf_int.map(|c| Real(c.0)),
                conf_high: w.conf_int.map(|c| Real(c.1)),
            });
        }
        out.warnings = w.warnings.clone();
        out
    }

    /// `prop.test`: one row per group proportion; with two groups and no null
    /// proportions, a row for the difference p1 − p2 with its interval.
    pub fn from_prop(p: &PropTest) -> TestOutput {
        let mut out = TestOutput::new("test prop", p.method.clone());
        out.alternative = Some(p.alternative);
        out.conf_level = Some(p.conf_level);
        out.null_value = p.null_value.clone().map(|v| match v.as_slice() {
            [one] => NullValue::One(*one),
            _ => NullValue::PerGroup(v),
        });
        out.statistic = Some(Statistic {
            name: "X-squared".into(),
            value: p.statistic,
            df: Some(p.df),
        });
        out.p_value = Some(p.p_value);
        out.continuity_correction = Some(p.yates);
        let interval = |term: String, estimate: f64| Row {
            term,
            estimate: Real(estimate),
            std_error: None,
            statistic: Some(p.statistic),
            df: Some(p.df),
            p_value: Some(p.p_value),
            conf_low: p.conf_int.map(|c| Real(c.0)),
            conf_high: p.conf_int.map(|c| Real(c.1)),
        };
        match (p.estimates.as_slice(), p.conf_int) {
            ([one], _) => out.estimates.push(interval("p".into(), *one)),
            ([a, b], Some(_)) => {
                out.estimates
                    .push(interval("prop 1 - prop 2".into(), a - b));
                out.estimates.push(Row::point("prop 1", *a));
                out.estimates.push(Row::point("prop 2", *b));
            }
            (all, _) => out.estimates.extend(
                all.iter()
                    .enumerate()
                    .map(|(i, v)| Row::point(format!("prop {}", i + 1), *v)),
            ),
        }
        out
    }

    /// `chisq.test`; `goodness_of_fit` makes the expected counts and residuals lists.
    pub fn from_chisq(c: &ChisqTest, goodness_of_fit: bool) -> TestOutput {
        let mut out = TestOutput::new("test chisq", c.method.clone());
        out.statistic = Some(Statistic {
            name: "X-squared".into(),
            value: c.statistic,
            df: Some(c.df),
        });
        out.p_value = Some(c.p_value);
        out.continuity_correction = Some(c.yates);
        let cells = |m: &Vec<Vec<f64>>| match (goodness_of_fit, m.as_slice()) {
            (true, [row]) => Cells::Vector(row.clone()),
            _ => Cells::Table(m.clone()),
        };
        out.expected = Some(cells(&c.expected));
        out.residuals = Some(cells(&c.residuals));
        out.stdres = Some(cells(&c.stdres));
        if c.small_expected {
            out.warnings
                .push("Chi-squared approximation may be incorrect".into());
        }
        out
    }

    /// `fisher.test`: the conditional MLE of the odds ratio and its exact interval (2×2).
    pub fn from_fisher(f: &FisherTest) -> TestOutput {
        let mut out = TestOutput::new("test fisher", f.method);
        out.alternative = Some(f.alternative);
        out.conf_level = f.conf_int.map(|_| f.conf_level);
        out.null_value = f.null_value.map(NullValue::One);
        out.p_value = Some(f.p_value);
        if let Some(estimate) = f.estimate {
            out.estimates.push(Row {
                term: "odds ratio".into(),
                estimate: Real(estimate),
                std_error: None,
                statistic: None,
                df: None,
                p_value: Some(f.p_value),
                conf_low: f.conf_int.map(|c| Real(c.0)),
                conf_high: f.conf_int.map(|c| Real(c.1)),
            });
        }
        out
    }

    /// `mcnemar.test`.
    pub fn from_mcnemar(m: &McNemarTest) -> TestOutput {
        let mut out = TestOutput::new("test mcnemar", m.method);
        out.statistic = Some(Statistic {
            name: "McNemar's chi-squared".into(),
            value: m.statistic,
            df: Some(m.df),
        });
        out.p_value = Some(m.p_value);
        out.continuity_correction = Some(if m.corrected { 1.0 } else { 0.0 });
        out
    }

    /// `p.adjust(p, method, n)`.
    pub fn from_adjust(
        method: PAdjustMethod,
        p: &[Option<f64>],
        adjusted: &[Option<f64>],
        n: usize,
    ) -> TestOutput {
        let name = serde_json::to_value(method)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut out = TestOutput::new("test adjust", name);
        out.adjusted = Some(
            p.iter()
                .zip(adjusted)
                .map(|(&p_value, &p_adjusted)| Adjusted {
                    p_value,
                    p_adjusted,
                })
                .collect(),
        );
        out.n = Some(n as u64);
        out
    }

    /// `estimatr::difference_in_means`, the estimate named after the treatment column.
    pub fn from_dim(d: &DifferenceInMeans, treatment: &str) -> TestOutput {
        let design = serde_json::to_value(d.design)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut out = TestOutput::new("test dim", "Difference in means (estimatr)");
        let e = &d.estimate;
        out.alternative = Some(e.alternative);
        out.conf_level = Some(e.conf_level);
        out.null_value = Some(NullValue::One(0.0));
        out.statistic = Some(Statistic {
            name: "t".into(),
            value: e.statistic,
            df: finite(e.df),
        });
        out.p_value = Some(e.p_value);
        out.estimates.push(Row::from_estimate(treatment, e));
        out.sample = Some(DimSample {
            design,
            nobs: d.nobs as u64,
            n_treated: d.n_treated as u64,
            n_control: d.n_control as u64,
            nblocks: d.nblocks.map(|n| n as u64),
            nclusters: d.nclusters.map(|n| n as u64),
        });
        if d.mixed_block_sizes {
            out.warnings.push(
                "blocks of two units mixed with larger blocks: the matched-pair variance is used, as estimatr does".into(),
            );
        }
        out
    }
}

/// F statistic of a regression with its two degrees of freedom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FStatistic {
    pub value: f64,
    #[serde(serialize_with = "whole")]
    pub numdf: Option<f64>,
    #[serde(serialize_with = "whole")]
    pub dendf: Option<f64>,
    pub p_value: f64,
}

/// What R users read from a fit (`summary.lm`, `glance()`); `null` where the model
/// has no such quantity (no R² for a logistic regression, no deviance for OLS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fit {
    pub nobs: u64,
    /// Rows dropped for a missing value (`--drop-missing`).
    pub n_dropped: u64,
    pub nclusters: Option<u64>,
    pub weighted: bool,
    /// Residual degrees of freedom, n − k.
    #[serde(serialize_with = "whole")]
    pub df_residual: Option<f64>,
    /// Degrees of freedom of the null (intercept-only, or empty) model.
    #[serde(serialize_with = "whole")]
    pub df_null: Option<f64>,
    /// Residual standard error (summary.lm's sigma; weighted when weights are given).
    pub sigma: Option<f64>,
    /// Residual variance, sigma² (estimatr's res_var).
    pub residual_variance: Option<f64>,
    pub r_squared: Option<f64>,
    pub adj_r_squared: Option<f64>,
    pub fstatistic: Option<FStatistic>,
    pub deviance: Option<f64>,
    pub null_deviance: Option<f64>,
    pub aic: Option<f64>,
    /// Logistic regression: whether Newton/IRLS converged, and in how many iterations.
    pub converged: Option<bool>,
    pub iterations: Option<u64>,
}

/// `evident regress ... --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegressOutput {
    pub schema_version: u32,
    pub command: String,
    /// The estimator, e.g. "lm_robust" , "lm_lin", "logistic regression (glm, binomial)".
    pub method: String,
    /// The variance estimator (estimatr's se_type), `null` for logistic regression,
    /// whose standard errors are model-based.
    pub se_type: Option<String>,
    pub alternative: Alternative,
    pub conf_level: f64,
    pub estimates: Vec<Row>,
    pub fit: Fit,
    /// Coefficient covariance matrix, rows and columns in the order of `estimates`.
    pub vcov: Option<Vec<Vec<f64>>>,
    /// `regress --iv`: the first stage and the Anderson–Rubin set (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iv: Option<IvOutput>,
    /// `regress --fixed-effects`: the factors absorbed and their levels (absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_effects: Vec<AbsorbedOutput>,
}

/// One absorbed factor of `regress --fixed-effects --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AbsorbedOutput {
    pub name: String,
    pub levels: u64,
}

/// The instrumental-variables part of `regress --iv --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IvOutput {
    /// The instrumented column (receipt) and the instrument (assignment).
    pub endogenous: String,
    pub instrument: String,
    /// The instrument's coefficient in the first stage (endogenous on instrument and
    /// covariates), with the fit's se_type.
    pub first_stage: Row,
    /// estimatr's first-stage F: the Wald test of the instrument with the fit's se_type.
    pub first_stage_f: FStatistic,
    /// The classical first-stage F (AER's "Weak instruments" test).
    pub first_stage_f_classical: FStatistic,
    /// `first_stage_f` below 10.
    pub weak_instrument: bool,
    pub anderson_rubin: ConfidenceSet,
}

/// A confidence set that may be unbounded or a union of intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfidenceSet {
    pub conf_level: f64,
    /// `bounded`, `two_rays` (the values between the two intervals are excluded),
    /// `whole_line` or `half_line`.
    pub shape: String,
    /// Disjoint intervals in increasing order; unbounded ends are "-Inf"/"Inf".
    pub intervals: Vec<SetInterval>,
    /// df and critical value of the t test inverted.
    #[serde(serialize_with = "whole")]
    pub df: Option<f64>,
    pub critical_value: f64,
}

/// One interval of a [`ConfidenceSet`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetInterval {
    pub conf_low: Real,
    pub conf_high: Real,
}

fn f_output(f: &crate::stats::regression::FStatistic) -> FStatistic {
    FStatistic {
        value: f.value,
        numdf: Some(f.numdf),
        dendf: Some(f.dendf),
        p_value: f.p_value,
    }
}

impl RegressOutput {
    /// An lm_robust (or lm_lin) fit.
    pub fn from_lm_robust(method: &str, fit: &LmRobust, n_dropped: usize) -> RegressOutput {
        let has_intercept = fit.coefficients.iter().any(|c| c.term == "(Intercept)");
        let first = fit.coefficients.first().map(|c| &c.estimate);
        RegressOutput {
            schema_version: RESULT_SCHEMA_VERSION,
            command: "regress".into(),
            method: method.into(),
            se_type: Some(fit.se_type.to_string()),
            alternative: first.map_or(Alternative::TwoSided, |e| e.alternative),
            conf_level: first.map_or(0.95, |e| e.conf_level),
            estimates: fit
                .coefficients
                .iter()
                .map(|c| Row::from_estimate(c.term.clone(), &c.estimate))
                .collect(),
            fit: Fit {
                nobs: fit.nobs as u64,
                n_dropped: n_dropped as u64,
                nclusters: fit.nclusters.map(|n| n as u64),
                weighted: fit.weighted,
                df_residual: Some(fit.df_residual),
                df_null: Some(fit.nobs as f64 - f64::from(u8::from(has_intercept))),
                sigma: Some(fit.sigma),
                residual_variance: Some(fit.res_var),
                r_squared: Some(fit.r_squared),
                adj_r_squared: Some(fit.adj_r_squared),
                fstatistic: fit.fstatistic.as_ref().map(|f| FStatistic {
                    value: f.value,
                    numdf: Some(f.numdf),
                    dendf: Some(f.dendf),
                    p_value: f.p_value,
                }),
                deviance: None,
                null_deviance: None,
                aic: None,
                converged: None,
                iterations: None,
            },
            vcov: Some(fit.vcov.clone()),
            iv: None,
            fixed_effects: Vec::new(),
        }
    }

    /// An instrumental-variables fit (`regress --iv`).
    pub fn from_iv(fit: &IvRobust, n_dropped: usize) -> RegressOutput {
        let mut out = RegressOutput::from_lm_robust("iv_robust", &fit.fit, n_dropped);
        let ar = &fit.anderson_rubin;
        let shape = serde_json::to_value(ar.shape)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.iv = Some(IvOutput {
            endogenous: fit.endogenous.clone(),
            instrument: fit.instrument.clone(),
            first_stage: Row::from_estimate(fit.instrument.clone(), &fit.first_stage.coefficient),
            first_stage_f: f_output(&fit.first_stage.f_robust),
            first_stage_f_classical: f_output(&fit.first_stage.f_classical),
            weak_instrument: fit.first_stage.weak,
            anderson_rubin: ConfidenceSet {
                conf_level: ar.conf_level,
                shape,
                intervals: ar
                    .intervals
                    .iter()
                    .map(|i| SetInterval {
                        conf_low: i.lower,
                        conf_high: i.upper,
                    })
                    .collect(),
                df: finite(ar.df),
                critical_value: ar.critical_value,
            },
        });
        out
    }

    /// A least-squares fit with absorbed fixed effects (estimatr's lm_robust with
    /// `fixed_effects`): no R² or F statistic, which estimatr reports on the demeaned
    /// data; the residual df counts the fixed effects.
    pub fn from_fixed_effects(fit: &FixedEffectsFit, n_dropped: usize) -> RegressOutput {
        let first = fit.coefficients.first().map(|c| &c.estimate);
        RegressOutput {
            schema_version: RESULT_SCHEMA_VERSION,
            command: "regress".into(),
            method: "lm_robust (fixed effects absorbed)".into(),
            se_type: Some(fit.se_type.to_string()),
            alternative: first.map_or(Alternative::TwoSided, |e| e.alternative),
            conf_level: first.map_or(0.95, |e| e.conf_level),
            estimates: fit
                .coefficients
                .iter()
                .map(|c| Row::from_estimate(c.term.clone(), &c.estimate))
                .collect(),
            fit: Fit {
                nobs: fit.nobs as u64,
                n_dropped: n_dropped as u64,
                nclusters: fit.nclusters.map(|n| n as u64),
                weighted: false,
                df_residual: Some(fit.df_residual),
                df_null: None,
                sigma: Some(fit.sigma),
                residual_variance: Some(fit.sigma * fit.sigma),
                r_squared: None,
                adj_r_squared: None,
                fstatistic: None,
                deviance: None,
                null_deviance: None,
                aic: None,
                converged: None,
                iterations: None,
            },
            vcov: Some(fit.vcov.clone()),
            iv: None,
            fixed_effects: fit
                .fixed_effects
                .iter()
                .map(|f| AbsorbedOutput {
                    name: f.name.clone(),
                    levels: f.levels as u64,
                })
                .collect(),
        }
    }

    /// A logistic regression (z inference: `df` is `null` in every row).
    pub fn from_logistic(fit: &LogisticFit, n_dropped: usize) -> RegressOutput {
        let has_intercept = fit.coefficients.iter().any(|c| c.term == "(Intercept)");
        let k = fit.coefficients.len() as f64;
        let first = fit.coefficients.first().map(|c| &c.estimate);
        RegressOutput {
            schema_version: RESULT_SCHEMA_VERSION,
            command: "regress".into(),
            method: "logistic regression (glm, binomial, logit link)".into(),
            se_type: Some(fit.se_type.to_string()),
            alternative: first.map_or(Alternative::TwoSided, |e| e.alternative),
            conf_level: first.map_or(0.95, |e| e.conf_level),
            estimates: fit
                .coefficients
                .iter()
                .map(|c| Row::from_estimate(c.term.clone(), &c.estimate))
                .collect(),
            fit: Fit {
                nobs: fit.nobs as u64,
                n_dropped: n_dropped as u64,
                nclusters: fit.nclusters.map(|g| g as u64),
                weighted: fit.weighted,
                df_residual: Some(fit.nobs as f64 - k),
                df_null: Some(fit.nobs as f64 - f64::from(u8::from(has_intercept))),
                sigma: None,
                residual_variance: None,
                r_squared: None,
                adj_r_squared: None,
                fstatistic: None,
                deviance: Some(fit.deviance),
                null_deviance: Some(fit.null_deviance),
                aic: Some(fit.aic),
                // The fit errors out rather than return an unconverged answer.
                converged: Some(true),
                iterations: Some(fit.iterations as u64),
            },
            vcov: None,
            iv: None,
            fixed_effects: Vec::new(),
        }
    }
}

/// One group's size in a power answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerGroup {
    pub label: String,
    /// Units analysed (exact, possibly fractional when solved for).
    pub analysed: f64,
    /// Units to recruit: analysed / (1 − attrition).
    pub randomised: f64,
    /// `randomised` rounded up.
    pub rounded: u64,
}

/// Where an MDES falls in the EEF-style padlock bands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerBand {
    pub mdes: f64,
    pub padlocks: u8,
    pub description: String,
    pub next_limit: Option<f64>,
}

/// `evident power ... --json`: one answer to one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerOutput {
    pub schema_version: u32,
    /// e.g. "power t".
    pub command: String,
    /// The method and convention used, in words.
    pub method: String,
    /// The test or design, e.g. "two-sample t test".
    pub family: String,
    pub solved_for: Unknown,
    /// The effect in the family's standardised units.
    pub effect: f64,
    pub effect_measure: String,
    /// The raw difference (effect × sd) when the question gave `--sd`.
    pub delta: Option<f64>,
    pub sd: Option<f64>,
    pub alpha: f64,
    pub power: f64,
    pub power_at_rounded: f64,
    pub groups: Vec<PowerGroup>,
    pub total_analysed: f64,
    pub total_rounded: u64,
    pub at_minimum: bool,
    pub eef_band: Option<PowerBand>,
    pub notes: Vec<String>,
    /// `power sequential`: the group-sequential boundaries, and the maximum and
    /// expected sample over the fixed design answered above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential: Option<crate::power::plan::InterimPlan>,
}

impl PowerOutput {
    pub fn from_answer(command: &str, a: &PowerAnswer, band: Option<&MdesBand>) -> PowerOutput {
        PowerOutput {
            schema_version: RESULT_SCHEMA_VERSION,
            command: command.into(),
            method: a.method.clone(),
            family: a.family.clone(),
            solved_for: a.solved_for,
            effect: a.effect,
            effect_measure: a.effect_measure.clone(),
            delta: None,
            sd: None,
            alpha: a.alpha,
            power: a.power,
            power_at_rounded: a.power_at_rounded,
            groups: a
                .groups
                .iter()
                .map(|g| PowerGroup {
                    label: g.label.clone(),
                    analysed: g.analysed,
                    randomised: g.randomised,
                    rounded: g.rounded,
                })
                .collect(),
            total_analysed: a.total_analysed,
            total_rounded: a.total_rounded,
            at_minimum: a.at_minimum,
            eef_band: band.map(|b| PowerBand {
                mdes: b.mdes,
                padlocks: b.padlocks,
                description: b.description.clone(),
                next_limit: b.next_limit,
            }),
            notes: a.notes.clone(),
            sequential: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_round_trip_with_infinities() {
        for v in [1.5, f64::INFINITY, f64::NEG_INFINITY] {
            let text = serde_json::to_string(&Real(v)).unwrap();
            let back: Real = serde_json::from_str(&text).unwrap();
            assert_eq!(back.0, v, "{text}");
        }
        assert_eq!(
            serde_json::to_string(&Real(f64::INFINITY)).unwrap(),
            "\"Inf\""
        );
        assert!(serde_json::from_str::<Real>("\"inf\"").is_err());
    }

    #[test]
    fn whole_degrees_of_freedom_print_as_integers() {
        let mut row = Row::point("x", 1.0);
        row.df = Some(3.0);
        assert!(serde_json::to_string(&row).unwrap().contains("\"df\":3,"));
        row.df = Some(6.9426);
        assert!(
            serde_json::to_string(&row)
                .unwrap()
                .contains("\"df\":6.9426,")
        );
        row.df = Some(f64::INFINITY);
        assert!(
            serde_json::to_string(&row)
                .unwrap()
                .contains("\"df\":null,")
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = r#"{"term":"x","estimate":1,"std_error":null,"statistic":null,"df":null,
            "p_value":null,"conf_low":null,"conf_high":null,"extra":1}"#;
        assert!(serde_json::from_str::<Row>(text).is_err());
    }
}
