//! Recruitment time: how long eligible units take to arrive in the numbers the plan
//! needs, and what a plan can detect with the units that arrive by a date.
//!
//! # Formulas
//! With R eligible units arriving per period (week or month) across the trial — the
//! declared rate, times the number of clusters or blocks when it is given per cluster
//! or block — recruiting N units takes N/R periods. A month is 365.25/12 = 30.4375
//! days, a week 7, so dates are start + ⌈periods × days per period⌉ days. By a given
//! date (or after a given number of periods) ⌊R × periods⌋ units have arrived; the
//! MDES at that sample is the plan family's own at its α and power (for a cluster
//! trial: the planned clusters with the units that arrived spread over them).
//!
//! Dates are proleptic Gregorian days (Hinnant's `days_from_civil`).

/// Days per period.
pub fn days_per(period_is_month: bool) -> f64 {
    if period_is_month { 365.25 / 12.0 } else { 7.0 }
}

/// Days since 1970-01-01 of a date "YYYY-MM-DD"; `None` when it is not one.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month[(m - 1) as usize] {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    crate::data::periods::days_from_civil(y, i64::from(m), i64::from(d))
}

/// The date "YYYY-MM-DD" of a day count since 1970-01-01.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = crate::data::periods::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(
            parse_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("26-01-01"), None);
        for day in [-1000, 0, 19_000, 20_454, 60_000] {
            assert_eq!(parse_date(&format_date(day)), Some(day));
        }
    }
}
