//! Calendar periods: ISO dates (`YYYY-MM-DD`, or `YYYY-MM` for monthly, quarterly and
//! yearly data) turned into whole-number period indices under a declared
//! [`Frequency`], so that the time designs (interrupted time series,
//! difference in differences, staggered roll-out) check gaps and duplicates and fit
//! on consecutive integers, and back into labels for messages and reports.
//!
//! Index rules: daily = days since 1970-01-01; weekly = weeks since Monday
//! 1970-01-05 (ISO weeks start on Monday; every date of a week maps to the same
//! index); monthly = 12·year + month − 1; quarterly = 4·year + (month − 1)/3;
//! yearly = the year. Two dates in the same period are duplicates and a missing period
//! is a gap, both reported with their rows by the design's own checks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How often a dated series is observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl Frequency {
    pub fn label(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Yearly => "yearly",
        }
    }
}

/// A period as a spec gives it: a whole number, or an ISO date when the data's
/// periods are dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PeriodValue {
    Index(i64),
    Date(String),
}

impl PeriodValue {
    /// The period index: the number itself, or the date under `frequency`.
    ///
    /// # Errors
    /// A date without a frequency, a number with one, or a malformed date.
    pub fn index(&self, frequency: Option<Frequency>) -> Result<i64, String> {
        match (self, frequency) {
            (PeriodValue::Index(i), None) => Ok(*i),
            (PeriodValue::Index(i), Some(f)) => Err(format!(
                "{i} is a number but the periods are {} dates: give the date (YYYY-MM-DD{})",
                f.label(),
                if matches!(f, Frequency::Daily | Frequency::Weekly) {
                    ""
                } else {
                    " or YYYY-MM"
                }
            )),
            (PeriodValue::Date(d), None) => Err(format!(
                "\"{d}\" is a date: set frequency (daily, weekly, monthly, quarterly or yearly) to read the periods as dates"
            )),
            (PeriodValue::Date(d), Some(f)) => parse(d, f),
        }
    }
}

/// Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day number (inverse of [`days_from_civil`]).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    days_from_civil(year + i64::from(month == 12), month % 12 + 1, 1)
        - days_from_civil(year, month, 1)
}

/// Day number of Monday 1970-01-05, the start of weekly period 0.
const FIRST_MONDAY: i64 = 4;

/// The period index of an ISO date under `frequency`.
///
/// # Errors
/// Text that is not `YYYY-MM-DD` (or `YYYY-MM` for monthly, quarterly and yearly
/// data), or an impossible date.
pub fn parse(text: &str, frequency: Frequency) -> Result<i64, String> {
    let text = text.trim();
    let bad = || {
        format!(
            "\"{text}\" is not a {} date (YYYY-MM-DD{})",
            frequency.label(),
            if matches!(frequency, Frequency::Daily | Frequency::Weekly) {
                ""
            } else {
                " or YYYY-MM"
            }
        )
    };
    let parts: Vec<&str> = text.split('-').collect();
    let number = |s: &str, len: usize| -> Option<i64> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, month, day) = match parts.as_slice() {
        [y, m] if !matches!(frequency, Frequency::Daily | Frequency::Weekly) => {
            (number(y, 4), number(m, 2), Some(1))
        }
        [y, m, d] => (number(y, 4), number(m, 2), number(d, 2)),
        _ => return Err(bad()),
    };
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(bad());
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(format!("\"{text}\" is not a calendar date"));
    }
    Ok(match frequency {
        Frequency::Daily => days_from_civil(year, month, day),
        Frequency::Weekly => (days_from_civil(year, month, day) - FIRST_MONDAY).div_euclid(7),
        Frequency::Monthly => year * 12 + month - 1,
        Frequency::Quarterly => year * 4 + (month - 1) / 3,
        Frequency::Yearly => year,
    })
}

/// The label of a period index: `2024-03-31` (daily), the week's Monday (weekly),
/// `2024-03` (monthly), `2024 Q1` (quarterly), `2024` (yearly).
pub fn label(index: i64, frequency: Frequency) -> String {
    match frequency {
        Frequency::Daily => {
            let (y, m, d) = civil_from_days(index);
            format!("{y:04}-{m:02}-{d:02}")
        }
        Frequency::Weekly => {
            let (y, m, d) = civil_from_days(index * 7 + FIRST_MONDAY);
            format!("week of {y:04}-{m:02}-{d:02}")
        }
        Frequency::Monthly => format!(
            "{:04}-{:02}",
            index.div_euclid(12),
            index.rem_euclid(12) + 1
        ),
        Frequency::Quarterly => format!("{} Q{}", index.div_euclid(4), index.rem_euclid(4) + 1),
        Frequency::Yearly => index.to_string(),
    }
}

/// A period as a message names it: "period 5" for whole-number periods, the date
/// ("2019-05", "2024 Q1") when the data's periods are dates. The designs number dated
/// periods 1, 2, ... from the first date and raise their errors with those numbers;
/// the analysis that read the dates gives them back ([`PeriodName::dated`]) so a reader
/// sees the dates of their own data, not numbers they never wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodName {
    pub number: i64,
    pub date: Option<String>,
}

impl PeriodName {
    pub fn number(number: i64) -> PeriodName {
        PeriodName { number, date: None }
    }

    /// Name period `number` by its date: periods are numbered so that index − `offset`
    /// = number (see [`label`]).
    pub fn dated(&mut self, offset: i64, frequency: Frequency) {
        self.date = Some(label(self.number + offset, frequency));
    }
}

impl From<i64> for PeriodName {
    fn from(number: i64) -> Self {
        PeriodName::number(number)
    }
}

impl std::fmt::Display for PeriodName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.date {
            Some(date) => f.write_str(date),
            None => write!(f, "period {}", self.number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_map_to_consecutive_periods_and_back() {
        assert_eq!(parse("1970-01-01", Frequency::Daily), Ok(0));
        assert_eq!(parse("2000-03-01", Frequency::Daily), Ok(11_017));
        assert_eq!(parse("2024-02-29", Frequency::Daily), Ok(19_782));
        assert_eq!(label(19_782, Frequency::Daily), "2024-02-29");
        // 2024-01-01 was a Monday; the Sunday after is in the same week.
        let monday = parse("2024-01-01", Frequency::Weekly).unwrap();
        assert_eq!(parse("2024-01-07", Frequency::Weekly), Ok(monday));
        assert_eq!(parse("2024-01-08", Frequency::Weekly), Ok(monday + 1));
        assert_eq!(label(monday, Frequency::Weekly), "week of 2024-01-01");
        assert_eq!(parse("2023-12", Frequency::Monthly), Ok(2023 * 12 + 11));
        assert_eq!(parse("2024-01-15", Frequency::Monthly), Ok(2024 * 12));
        assert_eq!(label(2024 * 12 + 2, Frequency::Monthly), "2024-03");
        assert_eq!(parse("2024-06-30", Frequency::Quarterly), Ok(2024 * 4 + 1));
        assert_eq!(label(2024 * 4 + 1, Frequency::Quarterly), "2024 Q2");
        assert_eq!(parse("2024-07", Frequency::Yearly), Ok(2024));
        for days in [-800_000, -1, 0, 59, 10_957, 19_782, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn malformed_dates_are_refused_in_words() {
        assert_eq!(
            parse("2024-02-30", Frequency::Daily),
            Err("\"2024-02-30\" is not a calendar date".into())
        );
        assert_eq!(
            parse("2023-02-29", Frequency::Monthly),
            Err("\"2023-02-29\" is not a calendar date".into())
        );
        assert_eq!(
            parse("2024-03", Frequency::Daily),
            Err("\"2024-03\" is not a daily date (YYYY-MM-DD)".into())
        );
        assert_eq!(
            parse("3/1/2024", Frequency::Monthly),
            Err("\"3/1/2024\" is not a monthly date (YYYY-MM-DD or YYYY-MM)".into())
        );
        assert!(PeriodValue::Date("2024-01".into()).index(None).is_err());
        assert!(
            PeriodValue::Index(3)
                .index(Some(Frequency::Monthly))
                .is_err()
        );
        assert_eq!(
            PeriodValue::Date("2024-01".into()).index(Some(Frequency::Monthly)),
            Ok(2024 * 12)
        );
    }
}
