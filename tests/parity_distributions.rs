//! Parity of `evident::stats::distributions` with R 4.2.2 and, where R is not exact,
//! with 50-digit mpmath values.
//!
//! Fixtures live in `tests/reference/distributions/`: each `<case>.R` (or
//! `mpmath_reference.py`) writes the `<case>.json` beside it; this test reads only the
//! JSON, so CI needs neither R nor Python. See the README there for what each case
//! covers and which R values are excluded (and why).

use evident::stats::distributions::{
    beta, binomial, chi_squared, f, hypergeometric, noncentral_chi_squared, noncentral_f,
    noncentral_t, normal, t,
};
use evident::stats::prec::{PARITY, PARITY_SOLVED, relative_difference};
use serde_json::Value;

/// One fixture row: an R (or mpmath) function name, its positional arguments, the
/// tail, whether the value is a log, and the reference value.
struct Row {
    function: String,
    args: Vec<f64>,
    lower_tail: bool,
    log: bool,
    value: f64,
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("finite number"),
        Value::String(s) => match s.as_str() {
            "Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            other => other.parse().expect("numeric string"),
        },
        other => panic!("not a number: {other}"),
    }
}

fn load(case: &str) -> Vec<Row> {
    let path = format!(
        "{}/tests/reference/distributions/{case}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: Value = serde_json::from_str(&text).expect("valid JSON");
    let rows = json["rows"].as_array().expect("rows");
    assert!(!rows.is_empty(), "{case}: no rows");
    rows.iter()
        .map(|r| Row {
            function: r["fn"].as_str().expect("fn").to_string(),
            args: r["args"]
                .as_array()
                .expect("args")
                .iter()
                .map(number)
                .collect(),
            lower_tail: r["lower_tail"].as_bool().unwrap_or(true),
            log: r["log"].as_bool().unwrap_or(false),
            value: number(&r["value"]),
        })
        .collect()
}

/// Evaluates the engine's counterpart of one fixture row.
fn evaluate(row: &Row) -> f64 {
    let a = &row.args;
    let lower = row.lower_tail;
    let result = match row.function.as_str() {
        "pnorm" => {
            if lower {
                normal::cdf(a[0])
            } else {
                normal::sf(a[0])
            }
        }
        "qnorm" => {
            if lower {
                normal::quantile(a[0])
            } else {
                normal::upper_quantile(a[0])
            }
        }
        "pt" => {
            if lower {
                t::cdf(a[0], a[1])
            } else {
                t::sf(a[0], a[1])
            }
        }
        "qt" => {
            if lower {
                t::quantile(a[0], a[1])
            } else {
                t::upper_quantile(a[0], a[1])
            }
        }
        "pchisq" => {
            if lower {
                chi_squared::cdf(a[0], a[1])
            } else {
                chi_squared::sf(a[0], a[1])
            }
        }
        "qchisq" => {
            if lower {
                chi_squared::quantile(a[0], a[1])
            } else {
                chi_squared::upper_quantile(a[0], a[1])
            }
        }
        "pf" => {
            if lower {
                f::cdf(a[0], a[1], a[2])
            } else {
                f::sf(a[0], a[1], a[2])
            }
        }
        "qf" => {
            if lower {
                f::quantile(a[0], a[1], a[2])
            } else {
                f::upper_quantile(a[0], a[1], a[2])
            }
        }
        "pbeta" => {
            if lower {
                beta::cdf(a[0], a[1], a[2])
            } else {
                beta::sf(a[0], a[1], a[2])
            }
        }
        "qbeta" => {
            if lower {
                beta::quantile(a[0], a[1], a[2])
            } else {
                beta::upper_quantile(a[0], a[1], a[2])
            }
        }
        "dbinom" => {
            if row.log {
                binomial::ln_pmf(a[0], a[1], a[2])
            } else {
                binomial::pmf(a[0], a[1], a[2])
            }
        }
        "qbinom" => {
            if lower {
                binomial::quantile(a[0], a[1], a[2])
            } else {
                binomial::upper_quantile(a[0], a[1], a[2])
            }
        }
        "pbinom" => {
            if lower {
                binomial::cdf(a[0], a[1], a[2])
            } else {
                binomial::sf(a[0], a[1], a[2])
            }
        }
        "dhyper" => {
            if row.log {
                hypergeometric::ln_pmf(a[0], a[1], a[2], a[3])
            } else {
                hypergeometric::pmf(a[0], a[1], a[2], a[3])
            }
        }
        "phyper" => {
            if lower {
                hypergeometric::cdf(a[0], a[1], a[2], a[3])
            } else {
                hypergeometric::sf(a[0], a[1], a[2], a[3])
            }
        }
        "pnt" => {
            if lower {
                noncentral_t::cdf(a[0], a[1], a[2])
            } else {
                noncentral_t::sf(a[0], a[1], a[2])
            }
        }
        "qnt" => {
            if lower {
                noncentral_t::quantile(a[0], a[1], a[2])
            } else {
                noncentral_t::upper_quantile(a[0], a[1], a[2])
            }
        }
        "pnchisq" => {
            if lower {
                noncentral_chi_squared::cdf(a[0], a[1], a[2])
            } else {
                noncentral_chi_squared::sf(a[0], a[1], a[2])
            }
        }
        "qnchisq" => {
            if lower {
                noncentral_chi_squared::quantile(a[0], a[1], a[2])
            } else {
                noncentral_chi_squared::upper_quantile(a[0], a[1], a[2])
            }
        }
        "pnf" => {
            if lower {
                noncentral_f::cdf(a[0], a[1], a[2], a[3])
            } else {
                noncentral_f::sf(a[0], a[1], a[2], a[3])
            }
        }
        other => panic!("fixture names an unknown function {other}"),
    };
    result.unwrap_or_else(|e| panic!("{}({:?}, lower = {lower}): {e}", row.function, a))
}

/// Checks every row of a case at `tol` (relative; values below 1e-300 are compared
/// only when both sides are, since R flushes them to 0), reporting all failures at once.
fn check_case(case: &str, tol_for: impl Fn(&Row) -> f64) {
    let rows = load(case);
    let mut failures = Vec::new();
    let mut worst: f64 = 0.0;
    let mut skipped = 0usize;
    for row in &rows {
        let tol = tol_for(row);
        if tol == f64::INFINITY {
            skipped += 1;
            continue;
        }
        let got = evaluate(row);
        let (diff, tol) = if tol == ZERO_QUANTILE {
            ((got - row.value).abs(), 1e-14)
        } else {
            (relative_difference(got, row.value), tol)
        };
        worst = worst.max(diff);
        let both_tiny = row.value.abs() < 1e-300 && got.abs() < 1e-300;
        if diff > tol && !both_tiny {
            failures.push(format!(
                "{}({:?}, lower = {}, log = {}): got {got:e}, reference {:e}, rel diff {diff:e} > {tol:e}",
                row.function, row.args, row.lower_tail, row.log, row.value
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{case}: {} of {} rows differ:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    assert!(skipped < rows.len() / 2, "{case}: {skipped} rows excluded");
    eprintln!(
        "{case}: {} rows ({skipped} excluded as R-inexact), worst difference {worst:e}",
        rows.len()
    );
}

fn is_quantile(row: &Row) -> bool {
    row.function.starts_with('q')
}

/// Rows where R 4.2.2's own value is known to be inexact, with the reason. These
/// inputs are checked against 50-digit mpmath values instead (`mpmath_reference.json`,
/// test `r_inexact_rows_match_mpmath`).
fn r_inexact(row: &Row) -> Option<&'static str> {
    let a = &row.args;
    match row.function.as_str() {
        // R's qt polishes its tail approximations with a Newton step that stops early:
        // 7.5e-7 off at qt(1e-10, 0.5) (mpmath), so its quantiles beyond 1e15 are loose.
        "qt" if row.value.abs() > 1e15 => Some("qt far tail, small df"),
        // R's qf is (1/qbeta(p, d2/2, d1/2, !lower) - 1)·d2/d1, which cancels when
        // d1·f/d2 is small: relative error ≈ 2.2e-16·d2/(d1·f) (5e-2 at qf(1e-8, 1, 1)).
        "qf" if 2.2e-16 * a[2] / (a[1] * row.value) > 1e-11 => Some("qf cancellation"),
        // For d2 > 4e5 (and d1 <= d2) R's qf returns qchisq(p, d1)/d1: 4.6e-4 off at
        // qf(1e-200, 3, 1e6, lower.tail = FALSE) (mpmath).
        "qf" if a[2] > 4e5 && a[1] <= a[2] => Some("qf chi-square approximation"),
        _ => None,
    }
}

/// Closed-form cdfs and masses at PARITY. Quantiles too: R's qnorm, qchisq, qbeta and
/// (away from the rows in `r_inexact`) qt and qf are accurate to a few ulps, and so is
/// our root (Brent to ~1 ulp in a transformed variable), so no looser tolerance is
/// needed. A quantile whose true value is 0 (p = 0.5 of a symmetric law) is compared
/// in absolute terms: R returns rounding noise of ~4e-16 there.
#[test]
fn central_distributions_match_r() {
    check_case("central", |row| {
        if r_inexact(row).is_some() {
            f64::INFINITY
        } else if is_quantile(row) && row.value.abs() < 1e-14 {
            ZERO_QUANTILE
        } else {
            PARITY
        }
    });
}

/// Marker tolerance: compare |got − reference| ≤ 1e-14 instead of a relative error.
const ZERO_QUANTILE: f64 = -1.0;

/// dbinom, pbinom, qbinom, dhyper and phyper, both tails, n up to 1e9 (qbinom
/// values are whole numbers, so any difference is a real one). R's dbinom and dhyper
/// use Loader's algorithm (as we do), pbinom TOMS 708 (as we do) and phyper the
/// pdhyper ratio series (as we do), so every row is compared at PARITY.
#[test]
fn binomial_and_hypergeometric_match_r() {
    check_case("discrete", |_| PARITY);
}

/// Which R rows of `noncentral.json` are compared, and at what tolerance; `None`
/// excludes the row (R is not exact there; mpmath values cover these inputs).
fn noncentral_r_tolerance(row: &Row) -> Option<f64> {
    let a = &row.args;
    let v = row.value;
    // Smaller of the two tails, from R's value of this one.
    let tail = v.min(1.0 - v);
    match row.function.as_str() {
        // AS 243 is exact only for |ncp| <= 37.62 and df <= 4e5, stops at an absolute
        // error of 1e-12 and forms one tail as 1 - the other: compare where both tails
        // are at least 0.02. Its 1000-term cap also fails at large df with large ncp
        // (R's pt(39.33, 3e5, 37, lower = FALSE) is 9.3e-13; mpmath: 0.01), so df is
        // capped at 1000 here.
        "pnt" if a[2].abs() <= 37.62 && a[1] <= 1000.0 && tail >= 0.02 => Some(PARITY),
        // R's qt(ncp =) bisects pnt to 1e-13 relative: a solved root, same limits.
        "qnt" if a[2].abs() <= 37.62 && a[1] <= 1000.0 => Some(PARITY_SOLVED),
        // pnchisq sums at most 110 central terms for ncp < 80 and is exact there; for
        // ncp >= 80 it switches to an approximation accurate to ~1e-8 (mpmath covers it).
        "pnchisq" if a[2] < 80.0 => Some(PARITY),
        // qnchisq bisects to a relative 1e-11 on the same sums: a solved root.
        "qnchisq" if a[2] < 80.0 => Some(PARITY_SOLVED),
        // pnbeta (AS 226 + R84) stops at an absolute error of 1e-9, so a value v is
        // only good to ~1e-9/v: compare at 1e-8 where both tails are >= 0.1. The
        // PARITY check of the same law is against mpmath.
        "pnf" if tail >= 0.1 => Some(1e-8),
        _ => None,
    }
}

/// Non-central t, chi-square and F against R where R is exact (see
/// `noncentral_r_tolerance` for the rules and their reasons).
#[test]
fn noncentral_distributions_match_r_where_r_is_exact() {
    check_case("noncentral", |row| {
        noncentral_r_tolerance(row).unwrap_or(f64::INFINITY)
    });
}

/// Every mpmath row at PARITY: non-central t over df 1..1e9 and ncp -50..60 (R's
/// normal-approximation region included) and its deep tails to ~1e-300, non-central t
/// quantiles, non-central chi-square and F in both tails, t at df > 4e5, and the
/// qt/qf inputs where R's own quantile is loose (`r_inexact`).
#[test]
fn r_inexact_rows_match_mpmath() {
    check_case("mpmath_reference", |_| PARITY);
}

/// Tails near 1e-300, 1e-250 and 1e-150 for every law, both sides, against R (whose
/// p/d functions are exact there), at PARITY. Rows R flushes to 0 below 1e-300 are
/// compared only in that both sides are below 1e-300 (see `check_case`).
///
/// Excluded: R's non-central chi-square far upper tail. For ncp < 80 `pnchisq` stops
/// summing once the Poisson weights reach 1 − 1e-15, which drops the far terms that
/// dominate there: R gives 3.8e-275 for `pchisq(1400, 3, 5, lower.tail = FALSE)`,
/// mpmath (and the engine) 3.3264103208352e-270. These inputs are in the mpmath case.
#[test]
fn deep_tails_match_r() {
    check_case("deep_tails", |row| {
        if row.function == "pnchisq" {
            f64::INFINITY
        } else {
            PARITY
        }
    });
}

/// The functions exposed for scripting (tests/reference/distributions/exposed.R):
/// log-scale normal tails and quantile, log-scale t and chi-square tails, the exact Wilcoxon distributions (counts, so
/// exact), the non-central beta. R's `pnbeta` stops at an absolute error of 1e-9, so
/// the non-central beta is compared at 1e-9 absolute; R's `pwilcox` forms its upper
/// tail as 1 − lower, so upper tails below 1e-6 are compared at 1e-10 absolute.
#[test]
fn exposed_functions_match_r() {
    use evident::stats::distributions::{noncentral_beta, wilcoxon};
    let mut checked = 0;
    for row in load("exposed") {
        let a = &row.args;
        let lower = row.lower_tail;
        let ours = match row.function.as_str() {
            "lnpnorm" if lower => normal::ln_cdf(a[0]),
            "lnpnorm" => normal::ln_sf(a[0]),
            "qnorm_log" => normal::quantile_ln(a[0]),
            "lnpt" if lower => t::ln_cdf(a[0], a[1]),
            "lnpt" => t::ln_sf(a[0], a[1]),
            "lnpchisq" if lower => chi_squared::ln_cdf(a[0], a[1]),
            "lnpchisq" => chi_squared::ln_sf(a[0], a[1]),
            "dsignrank" => wilcoxon::signrank_pmf(a[0], a[1]),
            "psignrank" if lower => wilcoxon::signrank_cdf(a[0], a[1]),
            "psignrank" => wilcoxon::signrank_sf(a[0], a[1]),
            "qsignrank" => wilcoxon::signrank_quantile(a[0], a[1]),
            "dwilcox" => wilcoxon::ranksum_pmf(a[0], a[1], a[2]),
            "pwilcox" if lower => wilcoxon::ranksum_cdf(a[0], a[1], a[2]),
            "pwilcox" => wilcoxon::ranksum_sf(a[0], a[1], a[2]),
            "qwilcox" => wilcoxon::ranksum_quantile(a[0], a[1], a[2]),
            "pnbeta" if lower => noncentral_beta::cdf(a[0], a[1], a[2], a[3]),
            "pnbeta" => noncentral_beta::sf(a[0], a[1], a[2], a[3]),
            other => panic!("unknown function {other}"),
        }
        .unwrap_or_else(|e| panic!("{}{:?}: {e}", row.function, row.args));
        if row.function == "qnorm_log" {
            // The round trip is as good as z allows: near ln p = 0, ln Φ(z) ≈ −Q(z)
            // changes by a relative z·dz, so one ulp of z ≈ 9.3 (ln p = −1e-20) moves
            // it by ~1e-14; 1e-12 leaves room for that.
            let back = normal::ln_cdf(ours).unwrap();
            assert!(relative_difference(back, a[0]) <= 1e-12, "{a:?}: {back}");
        }
        let ok = match row.function.as_str() {
            "pnbeta" => (ours - row.value).abs() <= 1e-9,
            // R 4.2.2's qnorm(log.p = TRUE) loses digits far out (ln Φ of its answer at
            // ln p = −1e5 is −99999.82; R 4.3.0 made it accurate): there the reference
            // is mpmath's root of ln Φ(z) = ln p at 40 digits.
            "qnorm_log" if a[0] < -1000.0 => {
                let mpmath = if a[0] == -1e5 {
                    -447.197_893_678_525_1
                } else {
                    -99.944_748_174_841_1
                };
                relative_difference(ours, mpmath) <= PARITY
            }
            "pwilcox" | "psignrank" if !lower && row.value < 1e-6 => {
                (ours - row.value).abs() <= 1e-10
            }
            _ if ours == row.value => true,
            _ => relative_difference(ours, row.value) <= PARITY,
        };
        assert!(
            ok,
            "{}{:?} lower={}: ours {ours:e}, R {:e}",
            row.function, row.args, row.lower_tail, row.value
        );
        checked += 1;
    }
    assert!(checked > 250, "{checked} rows");
    // The example: pnorm(-40, log.p = TRUE) = -804.608..., not ln(0).
    assert!((normal::ln_cdf(-40.0).unwrap() + 804.608_442_013_753_8).abs() < 1e-10);
}
