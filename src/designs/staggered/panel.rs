//! The balanced panel a staggered analysis runs on: units by periods, an outcome per
//! unit-period and each unit's first-treatment period, built from long rows with every
//! refusal the design needs (duplicates, gaps, treatment switching off, inconsistent
//! timing).

use std::collections::{BTreeMap, HashMap};

use super::error::{StaggeredError, list_some};

/// How the long rows say when each unit was first treated.
#[derive(Debug, Clone, Copy)]
pub enum Timing<'a> {
    /// A first-treatment period per row (constant within a unit); `None` (or a value
    /// of 0, as in R did and csdid) means never treated.
    FirstTreated(&'a [Option<i64>]),
    /// A 0/1 treatment indicator per row; the first period with 1 is the cohort.
    /// Treatment must be absorbing.
    Indicator(&'a [f64]),
}

/// A balanced panel, units in the order first seen, periods ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub unit_ids: Vec<String>,
    pub periods: Vec<i64>,
    /// Outcome, unit-major: `outcome[unit * periods.len() + period_index]`.
    pub outcome: Vec<f64>,
    /// Each unit's first-treatment period; `None` for never treated within the panel.
    pub first_treated: Vec<Option<i64>>,
    /// Units whose first-treatment period lies after the last period: treated as
    /// never treated within the panel (as R did does), and reported.
    pub treated_after_panel: usize,
    /// Covariates of conditional parallel trends (empty: unconditional), each unit-major
    /// like `outcome`. Set by [`Panel::set_covariates`].
    pub covariates: Vec<Covariate>,
}

/// One covariate's values on the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariate {
    pub name: String,
    /// `values[unit * periods.len() + period_index]`.
    pub values: Vec<f64>,
}

/// A covariate that is not constant within units.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeVarying {
    pub name: String,
    /// Units in which it changes.
    pub units: usize,
    /// The first such unit and two of its rows (0-based) with different values.
    pub unit: String,
    pub rows: (usize, usize),
}

impl Panel {
    /// Number of units.
    pub fn n_units(&self) -> usize {
        self.unit_ids.len()
    }

    /// Number of periods.
    pub fn n_periods(&self) -> usize {
        self.periods.len()
    }

    /// Outcome of unit `u` in period index `t`.
    #[inline]
    pub fn y(&self, u: usize, t: usize) -> f64 {
        self.outcome[u * self.periods.len() + t]
    }

    /// Unit `u`'s outcomes, one per period.
    #[inline]
    pub fn row(&self, u: usize) -> &[f64] {
        let periods = self.periods.len();
        &self.outcome[u * periods..(u + 1) * periods]
    }

    /// The cohorts (first-treatment periods) present, ascending, with their sizes.
    pub fn cohorts(&self) -> Vec<(i64, usize)> {
        let mut sizes: BTreeMap<i64, usize> = BTreeMap::new();
        for g in self.first_treated.iter().flatten() {
            *sizes.entry(*g).or_default() += 1;
        }
        sizes.into_iter().collect()
    }

    /// Number of never-treated units.
    pub fn n_never_treated(&self) -> usize {
        self.first_treated.iter().filter(|g| g.is_none()).count()
    }

    /// Builds the panel from long rows (one per unit-period).
    ///
    /// # Errors
    /// Mismatched lengths, an empty panel, duplicated unit-periods, a non-finite
    /// outcome, an unbalanced panel, timing that changes within a unit, an indicator
    /// that is not 0/1 or switches off.
    pub fn from_long(
        unit: &[String],
        period: &[i64],
        outcome: &[f64],
        timing: Timing<'_>,
    ) -> Result<Panel, StaggeredError> {
        let rows = unit.len();
        let timing_len = match timing {
            Timing::FirstTreated(g) => g.len(),
            Timing::Indicator(d) => d.len(),
        };
        if period.len() != rows || outcome.len() != rows || timing_len != rows {
            return Err(StaggeredError::LengthMismatch {
                what: format!(
                    "unit {rows}, period {}, outcome {}, timing {timing_len}",
                    period.len(),
                    outcome.len()
                ),
            });
        }
        if rows == 0 {
            return Err(StaggeredError::Empty);
        }
        let mut unit_index: HashMap<&str, usize> = HashMap::new();
        let mut unit_ids = Vec::new();
        let unit_of_row: Vec<usize> = unit
            .iter()
            .map(|id| {
                *unit_index.entry(id.as_str()).or_insert_with(|| {
                    unit_ids.push(id.clone());
                    unit_ids.len() - 1
                })
            })
            .collect();
        let mut periods: Vec<i64> = period.to_vec();
        periods.sort_unstable();
        periods.dedup();
        let n_units = unit_ids.len();
        let n_periods = periods.len();
        let period_index: HashMap<i64, usize> =
            periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();

        // Row of each unit-period, 1-based in messages (the CSV's data rows).
        let mut row_of = vec![usize::MAX; n_units * n_periods];
        for r in 0..rows {
            let cell = unit_of_row[r] * n_periods + period_index[&period[r]];
            if row_of[cell] != usize::MAX {
                let first = row_of[cell];
                let all: Vec<usize> = (0..rows)
                    .filter(|&q| unit_of_row[q] == unit_of_row[r] && period[q] == period[r])
                    .map(|q| q + 1)
                    .collect();
                debug_assert!(all.contains(&(first + 1)));
                return Err(StaggeredError::DuplicateUnitPeriod {
                    unit: unit[r].clone(),
                    period: period[r].into(),
                    rows: list_some(&all),
                });
            }
            row_of[cell] = r;
        }
        let missing = row_of.iter().filter(|&&r| r == usize::MAX).count();
        if missing > 0 {
            let first = row_of.iter().position(|&r| r == usize::MAX).unwrap_or(0);
            return Err(StaggeredError::Unbalanced {
                missing,
                unit: unit_ids[first / n_periods].clone(),
                period: periods[first % n_periods].into(),
            });
        }
        let mut y = vec![0.0; n_units * n_periods];
        for (cell, &r) in row_of.iter().enumerate() {
            if !outcome[r].is_finite() {
                return Err(StaggeredError::MissingOutcome {
                    unit: unit[r].clone(),
                    period: period[r].into(),
                    row: r + 1,
                });
            }
            y[cell] = outcome[r];
        }

        let first_treated = match timing {
            Timing::FirstTreated(g) => first_treated_from_column(&unit_ids, &row_of, g)?,
            Timing::Indicator(d) => {
                first_treated_from_indicator(&unit_ids, &periods, &row_of, period, d)?
            }
        };
        let last = periods[n_periods - 1];
        let mut treated_after_panel = 0;
        let first_treated = first_treated
            .into_iter()
            .map(|g| match g {
                Some(g) if g > last => {
                    treated_after_panel += 1;
                    None
                }
                other => other,
            })
            .collect();
        Ok(Panel {
            unit_ids,
            periods,
            outcome: y,
            first_treated,
            treated_after_panel,
            covariates: Vec::new(),
        })
    }

    /// Attaches covariates given on the same long rows the panel was built from
    /// (`unit`, `period` as for [`Panel::from_long`]), and reports each covariate that
    /// changes within a unit (the caller refuses it or uses base-period values).
    ///
    /// # Errors
    /// A missing or non-finite value (row named), or lengths that differ.
    pub fn set_covariates(
        &mut self,
        unit: &[String],
        period: &[i64],
        columns: &[(String, Vec<f64>)],
    ) -> Result<Vec<TimeVarying>, StaggeredError> {
        let n_periods = self.n_periods();
        let unit_index: HashMap<&str, usize> = self
            .unit_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let period_index: HashMap<i64, usize> = self
            .periods
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, i))
            .collect();
        let mut row_of = vec![0usize; self.outcome.len()];
        for (r, (u, p)) in unit.iter().zip(period).enumerate() {
            row_of[unit_index[u.as_str()] * n_periods + period_index[p]] = r;
        }
        let mut varying = Vec::new();
        self.covariates.clear();
        for (name, column) in columns {
            if column.len() != unit.len() {
                return Err(StaggeredError::LengthMismatch {
                    what: format!("covariate {name}"),
                });
            }
            let mut values = vec![0.0; self.outcome.len()];
            let (mut changing, mut first) = (0usize, None);
            for (u, id) in self.unit_ids.iter().enumerate() {
                let cells = &row_of[u * n_periods..(u + 1) * n_periods];
                for (t, &r) in cells.iter().enumerate() {
                    let x = column[r];
                    if !x.is_finite() {
                        return Err(StaggeredError::MissingCovariate {
                            name: name.clone(),
                            unit: id.clone(),
                            period: self.periods[t].into(),
                            row: r + 1,
                        });
                    }
                    values[u * n_periods + t] = x;
                }
                if let Some(&r) = cells.iter().find(|&&r| column[r] != column[cells[0]]) {
                    changing += 1;
                    first.get_or_insert((id.clone(), (cells[0], r)));
                }
            }
            if let Some((unit, rows)) = first {
                varying.push(TimeVarying {
                    name: name.clone(),
                    units: changing,
                    unit,
                    rows,
                });
            }
            self.covariates.push(Covariate {
                name: name.clone(),
                values,
            });
        }
        Ok(varying)
    }
}

fn first_treated_from_column(
    unit_ids: &[String],
    row_of: &[usize],
    g: &[Option<i64>],
) -> Result<Vec<Option<i64>>, StaggeredError> {
    let n_periods = row_of.len() / unit_ids.len();
    let normalise = |v: Option<i64>| v.filter(|&x| x != 0);
    let mut out = Vec::with_capacity(unit_ids.len());
    let mut inconsistent = Vec::new();
    for (u, id) in unit_ids.iter().enumerate() {
        let cells = &row_of[u * n_periods..(u + 1) * n_periods];
        let first = normalise(g[cells[0]]);
        if cells.iter().any(|&r| normalise(g[r]) != first) {
            inconsistent.push(id.clone());
        }
        out.push(first);
    }
    if !inconsistent.is_empty() {
        return Err(StaggeredError::InconsistentTiming {
            count: inconsistent.len(),
            units: list_some(&inconsistent),
        });
    }
    Ok(out)
}

fn first_treated_from_indicator(
    unit_ids: &[String],
    periods: &[i64],
    row_of: &[usize],
    period: &[i64],
    d: &[f64],
) -> Result<Vec<Option<i64>>, StaggeredError> {
    let n_periods = periods.len();
    let mut out = Vec::with_capacity(unit_ids.len());
    let mut switching = Vec::new();
    for (u, id) in unit_ids.iter().enumerate() {
        let mut first = None;
        let mut switched_off = false;
        for (t, &r) in row_of[u * n_periods..(u + 1) * n_periods]
            .iter()
            .enumerate()
        {
            let value = d[r];
            if value != 0.0 && value != 1.0 {
                return Err(StaggeredError::NotZeroOne {
                    unit: id.clone(),
                    period: period[r].into(),
                    value,
                });
            }
            match (first, value == 1.0) {
                (None, true) => first = Some(periods[t]),
                (Some(_), false) => switched_off = true,
                _ => {}
            }
        }
        if switched_off {
            switching.push(id.clone());
        }
        out.push(first);
    }
    if !switching.is_empty() {
        return Err(StaggeredError::SwitchesOff {
            count: switching.len(),
            units: list_some(&switching),
        });
    }
    Ok(out)
}
