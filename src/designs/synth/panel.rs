//! The outcome panel of a synthetic-control study, read through `crate::data` and
//! checked: one row per unit and period, every donor observed in every period, enough
//! pre-periods and donors, the treated unit present.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::SynthError;
use crate::data::Table;
use crate::spec::synth::SynthSpec;

/// Fewest pre-periods and donors a synthetic control is fitted with.
pub const MIN_PRE_PERIODS: usize = 5;
pub const MIN_DONORS: usize = 2;

/// The panel as the fit needs it: units in order (treated first, then donors in
/// panel order), periods ascending, outcome and predictors per unit.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Treated unit first, then the donors.
    pub units: Vec<String>,
    pub periods: Vec<f64>,
    /// `outcome[unit][period]`.
    pub outcome: Vec<Vec<f64>>,
    /// Number of periods before the treatment period.
    pub n_pre: usize,
    /// Predictor names and each unit's value, `predictors[p].1[unit]`.
    pub predictors: Vec<(String, Vec<f64>)>,
    /// Units of the file left out of the donor pool (not listed in `donors`).
    pub not_donors: Vec<String>,
}

impl Panel {
    pub fn n_donors(&self) -> usize {
        self.units.len() - 1
    }
}

pub fn read(path: &Path, spec: &SynthSpec, outcome: &str) -> Result<Panel, SynthError> {
    let mut columns: Vec<&str> = vec![spec.unit.as_str(), spec.period.as_str(), outcome];
    for p in &spec.predictors {
        if !columns.contains(&p.column.as_str()) {
            columns.push(p.column.as_str());
        }
    }
    let table = Table::read_columns(path, &columns)?;
    let units = table.categorical(&spec.unit)?;
    let periods = table.numeric(&spec.period)?;
    let outcomes = table.numeric(outcome)?;
    let covariates: Vec<Vec<Option<f64>>> = spec
        .predictors
        .iter()
        .map(|p| table.numeric(&p.column))
        .collect::<Result<_, _>>()?;
    let mut cells: HashMap<(String, u64), usize> = HashMap::new();
    let mut all_units: Vec<String> = Vec::new();
    let mut seen_units: BTreeSet<String> = BTreeSet::new();
    let mut all_periods: BTreeSet<u64> = BTreeSet::new();
    for row in 0..table.n_rows() {
        let line = table.line(row);
        let unit = units[row].clone().ok_or_else(|| SynthError::MissingCell {
            path: path.to_path_buf(),
            line,
            column: spec.unit.clone(),
        })?;
        let period = periods[row].ok_or_else(|| SynthError::MissingCell {
            path: path.to_path_buf(),
            line,
            column: spec.period.clone(),
        })?;
        if let Some(first) = cells.insert((unit.clone(), period.to_bits()), row) {
            return Err(SynthError::DuplicateUnitPeriod {
                path: path.to_path_buf(),
                line,
                first_line: table.line(first),
                unit,
                period,
            });
        }
        all_periods.insert(period.to_bits());
        if seen_units.insert(unit.clone()) {
            all_units.push(unit);
        }
    }
    let mut period_values: Vec<f64> = all_periods.iter().map(|b| f64::from_bits(*b)).collect();
    period_values.sort_by(f64::total_cmp);
    if !seen_units.contains(&spec.treated) {
        return Err(SynthError::TreatedNotInPanel {
            path: path.to_path_buf(),
            treated: spec.treated.clone(),
            column: spec.unit.clone(),
            suggestion: crate::spec::did_you_mean(&spec.treated, &all_units),
        });
    }
    let donors: Vec<String> = if spec.donors.is_empty() {
        all_units
            .iter()
            .filter(|u| **u != spec.treated)
            .cloned()
            .collect()
    } else {
        for donor in &spec.donors {
            if !seen_units.contains(donor) {
                return Err(SynthError::DonorNotInPanel {
                    path: path.to_path_buf(),
                    donor: donor.clone(),
                });
            }
            if *donor == spec.treated {
                return Err(SynthError::TreatedIsDonor {
                    treated: donor.clone(),
                });
            }
        }
        spec.donors.clone()
    };
    if donors.len() < MIN_DONORS {
        return Err(SynthError::TooFewDonors {
            donors: donors.len(),
            minimum: MIN_DONORS,
        });
    }
    let n_pre = period_values
        .iter()
        .filter(|p| **p < spec.treatment_period)
        .count();
    let n_post = period_values.len() - n_pre;
    if n_pre < MIN_PRE_PERIODS {
        return Err(SynthError::TooFewPrePeriods {
            pre_periods: n_pre,
            minimum: MIN_PRE_PERIODS,
            treatment_period: spec.treatment_period,
        });
    }
    if n_post == 0 {
        return Err(SynthError::NoPostPeriod {
            treatment_period: spec.treatment_period,
            last: *period_values.last().expect("rows exist"),
        });
    }
    let order: Vec<String> = std::iter::once(spec.treated.clone())
        .chain(donors.iter().cloned())
        .collect();
    let mut outcome_rows = Vec::with_capacity(order.len());
    for unit in &order {
        let mut series = Vec::with_capacity(period_values.len());
        let mut missing = Vec::new();
        for period in &period_values {
            match cells.get(&(unit.clone(), period.to_bits())) {
                Some(&row) => match outcomes[row] {
                    Some(y) => series.push(y),
                    None => {
                        missing.push(*period);
                        series.push(f64::NAN);
                    }
                },
                None => {
                    missing.push(*period);
                    series.push(f64::NAN);
                }
            }
        }
        if !missing.is_empty() {
            return Err(SynthError::MissingOutcomes {
                path: path.to_path_buf(),
                unit: unit.clone(),
                role: if *unit == spec.treated {
                    "the treated unit"
                } else {
                    "donor"
                },
                column: outcome.to_string(),
                periods: missing
                    .iter()
                    .map(|p| crate::report::format::shortest(*p))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        outcome_rows.push(series);
    }
    let pre_first = period_values[0];
    let pre_last = period_values[n_pre - 1];
    let mut predictors = Vec::new();
    for (p, values) in spec.predictors.iter().zip(&covariates) {
        let from = p.from.unwrap_or(pre_first);
        let to = p.to.unwrap_or(pre_last);
        if to >= spec.treatment_period || from > to {
            return Err(SynthError::PredictorWindow {
                column: p.column.clone(),
                from,
                to,
                treatment_period: spec.treatment_period,
            });
        }
        let mut per_unit = Vec::with_capacity(order.len());
        for unit in &order {
            let mut sum = 0.0;
            let mut n = 0usize;
            for period in period_values.iter().filter(|t| **t >= from && **t <= to) {
                if let Some(&row) = cells.get(&(unit.clone(), period.to_bits()))
                    && let Some(x) = values[row]
                {
                    sum += x;
                    n += 1;
                }
            }
            if n == 0 {
                return Err(SynthError::PredictorMissing {
                    column: p.column.clone(),
                    unit: unit.clone(),
                    from,
                    to,
                });
            }
            per_unit.push(sum / n as f64);
        }
        let name = format!(
            "{} (mean {}–{})",
            p.column,
            crate::report::format::shortest(from),
            crate::report::format::shortest(to)
        );
        predictors.push((name, per_unit));
    }
    for period in &spec.outcome_periods {
        let Some(index) = period_values[..n_pre].iter().position(|t| t == period) else {
            return Err(SynthError::OutcomePeriod {
                period: *period,
                treatment_period: spec.treatment_period,
            });
        };
        predictors.push((
            format!("{outcome} in {}", crate::report::format::shortest(*period)),
            outcome_rows.iter().map(|series| series[index]).collect(),
        ));
    }
    let listed: BTreeMap<&str, ()> = order.iter().map(|u| (u.as_str(), ())).collect();
    let not_donors = all_units
        .iter()
        .filter(|u| !listed.contains_key(u.as_str()))
        .cloned()
        .collect();
    Ok(Panel {
        units: order,
        periods: period_values,
        outcome: outcome_rows,
        n_pre,
        predictors,
        not_donors,
    })
}
