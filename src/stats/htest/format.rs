//! Text layout shared by the `Display` implementations: the shape of R's `print.htest`
//! (method title, statistic line, alternative, interval, estimates).

use std::fmt;

use serde::Serialize;

use crate::stats::estimate::Alternative;

/// `x` with `digits` significant digits, trailing zeros dropped (R's `format(x, digits)`
/// for a single number, approximately).
pub(crate) fn sig(x: f64, digits: usize) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf" } else { "-Inf" }.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let exponent = x.abs().log10().floor() as i32;
    if !(-5..15).contains(&exponent) {
        return format!("{:.*e}", digits.saturating_sub(1), x);
    }
    let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// R's `format.pval(p, digits = 4)` in `print.htest`: tiny values as `< 2.2e-16`.
pub(crate) fn pval(p: f64) -> String {
    if p < 2.220446049250313e-16 {
        "< 2.2e-16".to_string()
    } else {
        format!("= {}", sig(p, 4))
    }
}

/// The words R prints for the alternative.
pub(crate) fn alternative_words(alternative: Alternative) -> &'static str {
    match alternative {
        Alternative::TwoSided => "not equal to",
        Alternative::Less => "less than",
        Alternative::Greater => "greater than",
    }
}

/// Writes the title line of an htest print.
pub(crate) fn title(f: &mut fmt::Formatter<'_>, method: &str) -> fmt::Result {
    writeln!(f)?;
    writeln!(f, "\t{method}")?;
    writeln!(f)
}

/// Writes `alternative hypothesis: true <what> is <words> <null>`.
pub(crate) fn alternative_line(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    alternative: Alternative,
    null: f64,
) -> fmt::Result {
    writeln!(
        f,
        "alternative hypothesis: true {what} is {} {}",
        alternative_words(alternative),
        sig(null, 7)
    )
}

/// Writes the confidence interval block.
pub(crate) fn interval(
    f: &mut fmt::Formatter<'_>,
    conf_level: f64,
    low: f64,
    high: f64,
) -> fmt::Result {
    writeln!(
        f,
        "{} percent confidence interval:",
        sig(100.0 * conf_level, 7)
    )?;
    writeln!(f, " {} {}", sig(low, 7), sig(high, 7))
}

/// Writes the `sample estimates:` block.
pub(crate) fn estimates(f: &mut fmt::Formatter<'_>, items: &[(&str, f64)]) -> fmt::Result {
    writeln!(f, "sample estimates:")?;
    let names: Vec<String> = items.iter().map(|(n, _)| n.to_string()).collect();
    let values: Vec<String> = items.iter().map(|(_, v)| sig(*v, 7)).collect();
    let widths: Vec<usize> = names
        .iter()
        .zip(&values)
        .map(|(n, v)| n.len().max(v.len()))
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    writeln!(f, "{}", line(&names))?;
    writeln!(f, "{}", line(&values))
}

/// Writes an infinite value as the string "Inf" (JSON has no infinities).
fn extended(v: f64) -> serde_json::Value {
    if v.is_finite() {
        serde_json::json!(v)
    } else if v > 0.0 {
        serde_json::json!("Inf")
    } else {
        serde_json::json!("-Inf")
    }
}

/// Serialises an f64 that may be infinite (a one-sided interval limit) as a number or
/// the string "Inf"/"-Inf"; serde_json would otherwise write `null`.
pub(crate) fn serialize_f64<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    extended(*v).serialize(s)
}

/// As [`serialize_f64`], for an optional value.
pub(crate) fn serialize_extended<S: serde::Serializer>(
    v: &Option<f64>,
    s: S,
) -> Result<S::Ok, S::Error> {
    v.map(extended).serialize(s)
}

pub(crate) fn serialize_interval<S: serde::Serializer>(
    v: &Option<(f64, f64)>,
    s: S,
) -> Result<S::Ok, S::Error> {
    v.map(|(a, b)| (extended(a), extended(b))).serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits_like_r() {
        assert_eq!(sig(2.728241002747405, 5), "2.7282");
        assert_eq!(sig(0.052538171638274914, 4), "0.05254");
        assert_eq!(sig(4.0, 7), "4");
        assert_eq!(sig(1234567.0, 3), "1234567");
        assert_eq!(sig(1.5e-20, 3), "1.50e-20");
        assert_eq!(pval(1e-300), "< 2.2e-16");
    }
}
