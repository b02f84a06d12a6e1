//! Number formatting for people: significant figures, thousands separators,
//! intervals as "18 to 44", p-values as R prints them in prose. Full precision
//! stays in the JSON report.

/// `x` to `digits` significant figures, without exponent notation for ordinary
/// magnitudes, and with thousands separators for large numbers.
pub fn significant(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "not estimable".into()
        } else if x > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..15).contains(&magnitude) {
        return format!("{:.*e}", digits.saturating_sub(1), x);
    }
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    let text = format!("{:.*}", decimals, x);
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    let text = if text == "-0" { "0".into() } else { text };
    with_separators(&text).replace('-', "−")
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

/// A whole count with thousands separators.
pub fn count(n: usize) -> String {
    with_separators(&n.to_string())
}

/// A proportion as a percentage to `digits` significant figures.
pub fn percent(p: f64, digits: usize) -> String {
    format!("{}%", significant(100.0 * p, digits))
}

/// A p-value: "< 0.001" below a thousandth, else two significant figures.
pub fn p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        significant(p, 2)
    }
}

/// A confidence interval as "low to high".
pub fn interval(low: f64, high: f64, digits: usize) -> String {
    format!(
        "{} to {}",
        significant(low, digits),
        significant(high, digits)
    )
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
    if int.len() <= 4 {
        return text.to_string();
    }
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
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
        assert_eq!(significant(0.000012345, 2), "1.2e-5");
        assert_eq!(significant(f64::NAN, 3), "not estimable");
        assert_eq!(count(12345), "12,345");
        assert_eq!(count(1234), "1234");
        assert_eq!(p_value(0.0004), "< 0.001");
        assert_eq!(p_value(0.04567), "0.046");
        assert_eq!(interval(18.04, 44.4, 2), "18 to 44");
        assert_eq!(percent(0.3125, 3), "31.2%");
    }
}
