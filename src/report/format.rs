//! The one formatter for every number a reader sees: the report (HTML and Markdown),
//! the grading text, the plan report and the command line's text summaries. Full
//! precision stays in the JSON.
//!
//! Conventions, the same everywhere:
//! - true minus signs (U+2212), never a hyphen, and never a "−0";
//! - thousands separators from four digits on ("1,000", "12,345");
//! - no floating-point noise: a value within a few ulps of a round number is that
//!   number (`snap`), and an axis tick within a billionth of the axis span of zero
//!   is zero (`tick`), so "−1.11e-16" never reaches a reader;
//! - an estimate and its interval share one number of decimals (`EffectText`),
//!   chosen from the interval's half-width, so "−0.31 (−0.48 to −0.14)" and never
//!   "−0.31 (−0.48 to −0.139)";
//! - effects on the outcome's own scale (`Scale`): binary outcomes in percentage
//!   points, risk ratios named as such, continuous outcomes in the declared unit;
//! - solver output as the whole number to recruit (`whole_up`); the exact solution
//!   only where it is labelled as such.

use crate::spec::OutcomeType;

/// The minus sign readers see (U+2212).
pub const MINUS: char = '−';

/// Significant digits kept when removing floating-point noise: doubles carry
/// 15–17, and arithmetic noise lives in the last two or three.
const SNAP_DIGITS: i32 = 12;

/// `x` with floating-point noise removed: rounded to 12 significant digits, so
/// 0.30000000000000004 is 0.3 and 999.9999999999999 is 1000; −0 becomes 0.
pub fn snap(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return if x == 0.0 { 0.0 } else { x };
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = SNAP_DIGITS - 1 - magnitude;
    // Beyond ±300 decimals the power of ten overflows; such values have no noise
    // a reader could see at any significant-figure setting we use.
    if !(-300..=300).contains(&decimals) {
        return x;
    }
    let scaled = if decimals >= 0 {
        let f = 10f64.powi(decimals);
        (x * f).round() / f
    } else {
        let f = 10f64.powi(-decimals);
        (x / f).round() * f
    };
    if scaled.is_finite() && scaled != 0.0 {
        scaled
    } else {
        x
    }
}

/// An axis tick: `x` with values within a billionth of the axis `span` of zero shown
/// as 0 (plotters computes ticks as sums that leave "−1.11e-16" where 0 belongs).
pub fn tick(x: f64, span: f64, digits: usize) -> String {
    if x.abs() <= 1e-9 * span.abs() {
        return "0".into();
    }
    // Ticks are multiples of a round step far coarser than rounding error: snap to a
    // thousandth of the axis span's decade so 0.30000000000000004 reads 0.3.
    let step = 10f64.powf(span.abs().max(f64::MIN_POSITIVE).log10().floor() - 3.0);
    significant((x / step).round() * step, digits)
}

/// A tick on an axis of periods (years, or periods numbered from 1 or from the start
/// of treatment), without thousands separators: 2005 reads 2005, not "2,005". A tick
/// between periods (plotters may put them at halves on a short axis) keeps the
/// decimals its step needs (2019.5, not a rounded "2,020").
pub fn period_tick(x: f64, span: f64) -> String {
    if !x.is_finite() || x.abs() >= 1e15 {
        return tick(x, span, 4);
    }
    let whole = x.round();
    if (x - whole).abs() <= 1e-9 * span.abs().max(1.0) {
        // Exact: |whole| < 10¹⁵ < 2⁵³.
        return signed_whole(whole as i64);
    }
    // Two decimals below the span's decade, at least one.
    let decimals = (2 - span.abs().max(1e-9).log10().floor() as i32).clamp(1, 9) as usize;
    let text = trim_zeros(&format!("{:.decimals$}", x.abs()));
    if x < 0.0 { format!("−{text}") } else { text }
}

/// `x` to `digits` significant figures, trailing zeros dropped, with thousands
/// separators and a true minus sign; very large or very small magnitudes as
/// "1.2 × 10⁻⁵". Not-a-number reads "not estimable".
pub fn significant(x: f64, digits: usize) -> String {
    if let Some(text) = non_finite(x) {
        return text;
    }
    let x = snap(x);
    if x == 0.0 {
        return "0".into();
    }
    let digits = digits.max(1);
    let magnitude = rounded_magnitude(x, digits);
    if !(-4..15).contains(&magnitude) {
        return scientific(x, digits);
    }
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    trim_zeros(&fixed(x, decimals))
}

/// `x` with exactly `decimals` decimal places (trailing zeros kept, so the numbers
/// of one table or interval line up), thousands separators and a true minus sign.
/// A value that rounds to zero is "0" (with its decimals), never "−0".
pub fn fixed(x: f64, decimals: usize) -> String {
    if let Some(text) = non_finite(x) {
        return text;
    }
    let text = format!("{:.*}", decimals, snap(x));
    let negative_zero = text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.');
    let text = if negative_zero { &text[1..] } else { &text[..] };
    with_separators(text).replace('-', &MINUS.to_string())
}

/// `x` exactly as given (the shortest text that reads back as the same double), for
/// messages that quote an input: exponent notation outside 1e-5 to 1e16, so −1e308
/// reads "-1e308" and not 309 digits.
pub fn shortest(x: f64) -> String {
    let magnitude = x.abs();
    if x.is_finite() && x != 0.0 && !(1e-5..1e16).contains(&magnitude) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Two values shown side by side (the arms' means of a balance table) with one
/// number of decimals: the larger magnitude gets `digits` significant figures, so
/// "0.290 | 0.302", never "0.29 | 0.3017".
pub fn aligned(a: f64, b: f64, digits: usize) -> [String; 2] {
    let [a, b]: [String; 2] = aligned_all(&[a, b], digits)
        .try_into()
        .expect("two values in, two out");
    [a, b]
}

/// Values shown together (a table column, a mean beside its comparison and their
/// difference) with one number of decimals: the largest magnitude gets `digits`
/// significant figures and the rest the same decimals.
pub fn aligned_all(values: &[f64], digits: usize) -> Vec<String> {
    let largest = values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v != 0.0)
        .fold(0.0f64, |m, v| m.max(v.abs()));
    if largest == 0.0 || !(-4..15).contains(&rounded_magnitude(largest, digits)) {
        return values.iter().map(|v| significant(*v, digits)).collect();
    }
    let decimals = (digits as i32 - 1 - rounded_magnitude(largest, digits)).max(0) as usize;
    values.iter().map(|v| fixed(*v, decimals)).collect()
}

/// A whole count with thousands separators.
pub fn count(n: usize) -> String {
    with_separators(&n.to_string())
}

/// A signed whole number without separators (an event time, a period label such as
/// 2021), with a true minus sign.
pub fn signed_whole(n: i64) -> String {
    if n < 0 {
        format!("−{}", n.unsigned_abs())
    } else {
        n.to_string()
    }
}

/// A solved sample size as the whole number to recruit: rounded up, except that
/// floating-point dust just above a whole number (64.00000000001) is that number.
pub fn whole_up(x: f64) -> String {
    if let Some(text) = non_finite(x) {
        return text;
    }
    let nearest = x.round();
    let whole = if (x - nearest).abs() <= 1e-9 * nearest.abs().max(1.0) {
        nearest
    } else {
        x.ceil()
    };
    fixed(whole, 0)
}

/// A proportion as a percentage to `digits` significant figures.
pub fn percent(p: f64, digits: usize) -> String {
    if let Some(text) = non_finite(p) {
        return text;
    }
    format!("{}%", significant(100.0 * p, digits))
}

/// A p-value for prose and tables: "< 0.001" below a thousandth, "> 0.99" above
/// 0.99, else two significant figures with the trailing zero kept ("0.050"), so a
/// p-value near a threshold is not rounded onto it.
pub fn p_value(p: f64) -> String {
    if p.is_nan() {
        return "not estimable".into();
    }
    if p < 0.001 {
        return "< 0.001".into();
    }
    if p > 0.99 {
        return "> 0.99".into();
    }
    let magnitude = rounded_magnitude(p, 2);
    fixed(p, (1 - magnitude).max(0) as usize)
}

/// A p-value after "p": "= 0.042" or "< 0.001".
pub fn p_phrase(p: f64) -> String {
    let text = p_value(p);
    if text.starts_with('<') || text.starts_with('>') || p.is_nan() {
        text
    } else {
        format!("= {text}")
    }
}

/// A confidence interval as "low to high", each bound to `digits` significant
/// figures. Prefer `EffectText` when an estimate is shown beside the interval.
pub fn interval(low: f64, high: f64, digits: usize) -> String {
    format!(
        "{} to {}",
        significant(low, digits),
        significant(high, digits)
    )
}

/// The scale a reader sees an effect on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale<'a> {
    /// A difference of proportions, shown ×100 in percentage points.
    PercentagePoints,
    /// A ratio (risk ratio, odds ratio), named by the caller; no effect is 1.
    Ratio,
    /// A continuous outcome in its declared unit (or none).
    Unit(Option<&'a str>),
}

impl<'a> Scale<'a> {
    /// The scale of an outcome's differences: percentage points for a binary
    /// outcome, the declared unit (if any) for a continuous one. The summary of
    /// findings, the charts and the grading text all read effects through this.
    pub fn of_outcome(outcome_type: OutcomeType, unit: Option<&'a str>) -> Scale<'a> {
        match outcome_type {
            OutcomeType::Binary => Scale::PercentagePoints,
            OutcomeType::Continuous => Scale::Unit(unit),
        }
    }

    /// The scale of an analysed outcome's differences.
    pub fn of_result(outcome: &'a crate::analysis::OutcomeResult) -> Scale<'a> {
        Scale::of_outcome(outcome.outcome_type, outcome.unit.as_deref())
    }

    /// The scale of the analysed outcome named `name`; unitless when it is not
    /// among the analysis's outcomes.
    pub fn of_named(analysis: &'a crate::analysis::Analysis, name: &str) -> Scale<'a> {
        analysis
            .outcomes
            .iter()
            .find(|o| o.outcome == name)
            .map_or(Scale::Unit(None), Scale::of_result)
    }

    /// The factor from the stored value to the value shown.
    pub fn factor(self) -> f64 {
        match self {
            Scale::PercentagePoints => 100.0,
            _ => 1.0,
        }
    }

    /// The unit after a level: "%" or " minutes", or nothing.
    pub fn unit(self) -> String {
        match self {
            Scale::PercentagePoints | Scale::Unit(Some("%")) => "%".into(),
            Scale::Ratio | Scale::Unit(None) => String::new(),
            Scale::Unit(Some(u)) => format!(" {u}"),
        }
    }

    /// The unit after a difference: " percentage points" for proportions and for
    /// outcomes measured in percent (a difference of two percentages is not a
    /// percentage), else the outcome's unit.
    pub fn difference_unit(self) -> String {
        match self {
            Scale::PercentagePoints | Scale::Unit(Some("%")) => " percentage points".into(),
            other => other.unit(),
        }
    }

    /// The difference unit for tight places: " points" for percentage points.
    pub fn short_unit(self) -> String {
        match self {
            Scale::PercentagePoints | Scale::Unit(Some("%")) => " points".into(),
            other => other.unit(),
        }
    }
}

/// An estimate and its interval formatted together: one number of decimals for
/// all three, on the effect's scale.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectText {
    pub estimate: String,
    pub low: String,
    pub high: String,
    /// The decimals used (shared by `estimate`, `low` and `high`).
    pub decimals: usize,
}

impl EffectText {
    /// Formats `estimate` with its interval. The decimals give the interval's
    /// half-width two significant figures (at most 6 decimals), so the numbers carry
    /// the precision the data have and no more; a degenerate interval falls back to
    /// three significant figures of the estimate.
    pub fn new(scale: Scale, estimate: f64, low: f64, high: f64) -> EffectText {
        let f = scale.factor();
        let (estimate, low, high) = (f * estimate, f * low, f * high);
        let decimals = shared_decimals(estimate, low, high);
        EffectText {
            estimate: fixed(estimate, decimals),
            low: fixed(low, decimals),
            high: fixed(high, decimals),
            decimals,
        }
    }

    /// As [`EffectText::new`], with decimals added (up to 6) until no bound of the
    /// interval reads the same as a threshold it differs from, so that an interval
    /// judged against a margin never shows "−5.0" beside a margin of "−5.0".
    pub fn apart_from(
        scale: Scale,
        estimate: f64,
        low: f64,
        high: f64,
        thresholds: &[f64],
    ) -> EffectText {
        let mut text = EffectText::new(scale, estimate, low, high);
        let f = scale.factor();
        let clash = |text: &EffectText| {
            thresholds.iter().any(|&m| {
                let shown = fixed(f * m, text.decimals);
                (low != m && shown == text.low) || (high != m && shown == text.high)
            })
        };
        while clash(&text) && text.decimals < 6 {
            let decimals = text.decimals + 1;
            text = EffectText {
                estimate: fixed(f * estimate, decimals),
                low: fixed(f * low, decimals),
                high: fixed(f * high, decimals),
                decimals,
            };
        }
        text
    }

    /// "−1.5 (−9.1 to 6.0)".
    pub fn compact(&self) -> String {
        format!("{} ({} to {})", self.estimate, self.low, self.high)
    }

    /// Another quantity on the same scale and with the same decimals (a standard
    /// error beside its estimate).
    pub fn alongside(&self, scale: Scale, x: f64) -> String {
        fixed(scale.factor() * x, self.decimals)
    }

    /// "low to high".
    pub fn range(&self) -> String {
        format!("{} to {}", self.low, self.high)
    }
}

/// Decimals shared by an estimate and its interval (see `EffectText::new`).
pub fn shared_decimals(estimate: f64, low: f64, high: f64) -> usize {
    const MAX_DECIMALS: i32 = 6;
    let half_width = (high - low).abs() / 2.0;
    let reference = if half_width.is_finite() && half_width > 0.0 {
        half_width
    } else if estimate.is_finite() && estimate != 0.0 {
        // No usable interval: three significant figures of the estimate.
        return (2 - rounded_magnitude(estimate, 3)).clamp(0, MAX_DECIMALS) as usize;
    } else {
        return 0;
    };
    (1 - rounded_magnitude(reference, 2)).clamp(0, MAX_DECIMALS) as usize
}

/// A ratio with its interval: "0.95 (0.74 to 1.22)", two decimals below 10 (the
/// convention of Cochrane reviews), three significant figures above.
pub fn ratio(estimate: f64, low: f64, high: f64) -> EffectText {
    let largest = [estimate, low, high]
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let decimals = if largest < 10.0 {
        2
    } else {
        (2 - rounded_magnitude(largest, 3)).max(0) as usize
    };
    EffectText {
        estimate: fixed(estimate, decimals),
        low: fixed(low, decimals),
        high: fixed(high, decimals),
        decimals,
    }
}

/// A level on the effect's scale for sentences: "31.0%" for proportions (one
/// decimal from 1% up, so the two groups of a comparison line up), "8.16 minutes"
/// for continuous outcomes (to `digits` significant figures).
pub fn level(scale: Scale, x: f64, digits: usize) -> String {
    match scale {
        Scale::PercentagePoints if x.is_finite() && x.abs() >= 0.01 => {
            format!("{}%", fixed(100.0 * x, 1))
        }
        Scale::PercentagePoints => percent(x, digits),
        Scale::Ratio => significant(x, digits),
        Scale::Unit(_) => format!("{}{}", significant(x, digits), scale.unit()),
    }
}

/// The magnitude (power of ten) of `x` after rounding to `digits` significant
/// figures, so 999.95 at 4 digits has magnitude 3 (it shows as 1,000).
fn rounded_magnitude(x: f64, digits: usize) -> i32 {
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = digits as i32 - 1 - magnitude;
    let rounded = if (-300..=300).contains(&decimals) {
        let f = 10f64.powi(decimals);
        (x.abs() * f).round() / f
    } else {
        x.abs()
    };
    if rounded.is_finite() && rounded > 0.0 {
        rounded.log10().floor() as i32
    } else {
        magnitude
    }
}

fn non_finite(x: f64) -> Option<String> {
    if x.is_nan() {
        Some("not estimable".into())
    } else if x == f64::INFINITY {
        Some("∞".into())
    } else if x == f64::NEG_INFINITY {
        Some(format!("{MINUS}∞"))
    } else {
        None
    }
}

/// "1.2 × 10⁻⁵" for magnitudes a fixed-point number cannot show readably.
fn scientific(x: f64, digits: usize) -> String {
    let text = format!("{:.*e}", digits.saturating_sub(1), x);
    let (mantissa, exponent) = text.split_once('e').expect("{:e} has an exponent");
    let mantissa = trim_zeros(mantissa).replace('-', &MINUS.to_string());
    let superscript: String = exponent
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect();
    format!("{mantissa} × 10{superscript}")
}

fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

fn with_separators(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    if int.len() <= 3 {
        return text.to_string();
    }
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_ticks_are_whole_periods_without_separators() {
        assert_eq!(period_tick(2005.0, 23.0), "2005");
        assert_eq!(period_tick(2_004.999_999_999_999_5, 23.0), "2005");
        assert_eq!(period_tick(-3.0, 10.0), "−3");
        assert_eq!(period_tick(-1.1102230246251565e-16, 10.0), "0");
        assert_eq!(period_tick(12_000.0, 5_000.0), "12000");
        // Between periods (a chart can tick at halves): as any other tick.
        assert_eq!(period_tick(2.5, 10.0), "2.5");
        assert_eq!(period_tick(2012.5, 23.0), "2012.5");
        assert_eq!(period_tick(-0.25, 3.0), "−0.25");
    }

    #[test]
    fn signed_whole_uses_a_true_minus_and_no_separators() {
        assert_eq!(signed_whole(-8), "−8");
        assert_eq!(signed_whole(0), "0");
        assert_eq!(signed_whole(2021), "2021");
        assert_eq!(signed_whole(i64::MIN), "−9223372036854775808");
    }

    #[test]
    fn shortest_quotes_inputs_exactly_and_briefly() {
        assert_eq!(shortest(-1e308), "-1e308");
        assert_eq!(shortest(1.7976931348623157e308), "1.7976931348623157e308");
        assert_eq!(shortest(5e-324), "5e-324");
        assert_eq!(shortest(0.1), "0.1");
        assert_eq!(shortest(123456.5), "123456.5");
        assert_eq!(shortest(0.0), "0");
        assert_eq!(shortest(f64::INFINITY), "inf");
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(significant(0.123456, 3), "0.123");
        assert_eq!(significant(-12.3456, 3), "−12.3");
        assert_eq!(significant(31.0, 3), "31");
        assert_eq!(significant(1234567.0, 3), "1,234,567");
        assert_eq!(significant(0.00012345, 2), "0.00012");
        assert_eq!(significant(f64::NAN, 3), "not estimable");
        assert_eq!(count(12345), "12,345");
        assert_eq!(count(1234), "1,234");
        assert_eq!(count(999), "999");
        assert_eq!(p_value(0.0004), "< 0.001");
        assert_eq!(p_value(0.04567), "0.046");
        assert_eq!(interval(18.04, 44.4, 2), "18 to 44");
        assert_eq!(percent(0.3125, 3), "31.2%");
    }

    #[test]
    fn zero_and_negative_zero_read_zero() {
        assert_eq!(significant(0.0, 3), "0");
        assert_eq!(significant(-0.0, 3), "0");
        assert_eq!(fixed(-0.0, 2), "0.00");
        // Rounds to zero at the decimals shown: no "−0.00".
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-0.004, 0), "0");
    }

    #[test]
    fn floating_point_noise_never_reaches_a_reader() {
        assert_eq!(snap(0.1 + 0.2), 0.3);
        assert_eq!(snap(999.9999999999999), 1000.0);
        assert_eq!(significant(0.1 + 0.2, 15), "0.3");
        // A tick that should be zero, on an axis spanning −1 to 1.
        assert_eq!(tick(-1.1102230246251565e-16, 2.0, 3), "0");
        assert_eq!(tick(0.25, 2.0, 3), "0.25");
        assert_eq!(tick(-0.5, 2.0, 3), "−0.5");
        // On its own, a tiny value is a value, shown without e-notation.
        assert_eq!(significant(-1.11e-16, 3), "−1.11 × 10⁻¹⁶");
        assert_eq!(significant(0.000012345, 2), "1.2 × 10⁻⁵");
    }

    #[test]
    fn rounding_up_across_a_power_of_ten_gets_its_separator() {
        assert_eq!(significant(999.95, 4), "1,000");
        assert_eq!(significant(9.996, 3), "10");
        assert_eq!(significant(99_999.7, 3), "100,000");
        assert_eq!(fixed(999.95, 1), "1,000.0");
        assert_eq!(significant(1e6, 3), "1,000,000");
        assert_eq!(significant(-1e6, 3), "−1,000,000");
        assert_eq!(significant(1e15, 3), "1 × 10¹⁵");
    }

    #[test]
    fn non_finite_values_are_named() {
        assert_eq!(significant(f64::INFINITY, 3), "∞");
        assert_eq!(significant(f64::NEG_INFINITY, 3), "−∞");
        assert_eq!(fixed(f64::NAN, 2), "not estimable");
        assert_eq!(p_value(f64::NAN), "not estimable");
        assert_eq!(whole_up(f64::INFINITY), "∞");
    }

    #[test]
    fn p_values_at_the_extremes() {
        assert_eq!(p_value(1e-300), "< 0.001");
        assert_eq!(p_value(0.0), "< 0.001");
        assert_eq!(p_value(0.001), "0.0010");
        assert_eq!(p_value(0.0496), "0.050");
        assert_eq!(p_value(0.5), "0.50");
        assert_eq!(p_value(0.996), "> 0.99");
        assert_eq!(p_value(1.0), "> 0.99");
        assert_eq!(p_phrase(0.042), "= 0.042");
        assert_eq!(p_phrase(1e-300), "< 0.001");
    }

    #[test]
    fn an_estimate_and_its_interval_share_decimals() {
        // Half-width 0.17: two significant figures need two decimals.
        let e = EffectText::new(Scale::Unit(Some("minutes")), -0.31, -0.48, -0.139);
        assert_eq!(e.compact(), "−0.31 (−0.48 to −0.14)");
        // A binary difference in percentage points, straddling zero.
        let e = EffectText::new(Scale::PercentagePoints, -0.01534, -0.09064, 0.05996);
        assert_eq!(e.compact(), "−1.5 (−9.1 to 6.0)");
        // A negative interval.
        let e = EffectText::new(Scale::Unit(None), -12.345, -20.5, -4.19);
        assert_eq!(e.compact(), "−12.3 (−20.5 to −4.2)");
        // Large values keep their separators.
        let e = EffectText::new(Scale::Unit(None), 12_345.6, 10_000.0, 14_691.2);
        assert_eq!(e.compact(), "12,346 (10,000 to 14,691)");
        // A degenerate interval falls back to the estimate's figures.
        let e = EffectText::new(Scale::Unit(None), 2.3456, 2.3456, 2.3456);
        assert_eq!(e.compact(), "2.35 (2.35 to 2.35)");
    }

    #[test]
    fn values_side_by_side_share_decimals() {
        assert_eq!(aligned(0.29, 0.30167, 3), ["0.290", "0.302"]);
        assert_eq!(aligned(58.514, 58.118, 3), ["58.5", "58.1"]);
        assert_eq!(aligned(0.0, 1234.6, 3), ["0", "1,235"]);
        assert_eq!(aligned(-0.004, 0.25, 2), ["0.00", "0.25"]);
    }

    #[test]
    fn ratios_show_two_decimals() {
        assert_eq!(
            ratio(0.9501, 0.7419, 1.2167).compact(),
            "0.95 (0.74 to 1.22)"
        );
        assert_eq!(ratio(12.04, 3.1, 47.8).compact(), "12.0 (3.1 to 47.8)");
    }

    #[test]
    fn solver_output_becomes_the_number_to_recruit() {
        assert_eq!(whole_up(646.95402), "647");
        assert_eq!(whole_up(64.00000000001), "64");
        assert_eq!(whole_up(1234.2), "1,235");
    }

    #[test]
    fn levels_on_the_outcome_scale() {
        assert_eq!(level(Scale::PercentagePoints, 0.3155, 3), "31.6%");
        assert_eq!(level(Scale::PercentagePoints, 0.31, 3), "31.0%");
        assert_eq!(level(Scale::PercentagePoints, 0.0012, 2), "0.12%");
        assert_eq!(
            level(Scale::Unit(Some("minutes")), 8.1634, 3),
            "8.16 minutes"
        );
        assert_eq!(level(Scale::Unit(Some("%")), 85.24, 3), "85.2%");
        assert_eq!(
            Scale::Unit(Some("%")).difference_unit(),
            " percentage points"
        );
        assert_eq!(
            Scale::PercentagePoints.difference_unit(),
            " percentage points"
        );
    }
}
