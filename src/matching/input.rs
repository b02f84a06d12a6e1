//! Reads what the match stage works on from the analysis data: unit ids in byte
//! order, the group of each unit, the covariates (with the missing-value policy
//! applied), the exact strata and a supplied score.

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow_array::Array;
use rayon::prelude::*;

use crate::data::{RowLines, Table};
use crate::spec::matching::{Distance, MatchMissing, MatchingPlan};

use super::MatchError;
use crate::data::Values;

/// The pool, in unit-id (byte) order.
#[derive(Debug, Clone)]
pub struct MatchInput {
    pub path: PathBuf,
    pub ids: Vec<String>,
    /// The data row of each unit (in the table the stage read).
    pub rows: Vec<usize>,
    pub treated: Vec<bool>,
    /// The file line of each row of the table (for messages): see [`MatchInput::line`].
    row_lines: RowLines,
    /// Covariate values by column; filled where `missing: indicators` filled them
    /// (the table's own column, not a copy, where the units are the rows in order).
    pub columns: Vec<Values>,
    pub covariate_names: Vec<String>,
    /// Whether the unit has every covariate (false only under `missing: listwise`).
    pub complete: Vec<bool>,
    /// Exact stratum of each unit (0 when no exact columns), numbered in the
    /// sorted order of the stratum's values.
    pub stratum: Vec<usize>,
    /// The labels of each exact stratum.
    pub stratum_labels: Vec<Vec<String>>,
    /// The supplied score column, when the distance is one.
    score: Option<(String, Vec<Option<f64>>)>,
    pub notes: Vec<String>,
    treatment: String,
    treated_label: String,
    control_label: String,
}

/// Reads the analysis data for the match stage.
///
/// # Errors
/// A [`MatchError`] naming the file, line and column of the first value that cannot
/// be used: an unknown group, a missing covariate under `missing: error`.
pub fn read_input(plan: &MatchingPlan) -> Result<MatchInput, MatchError> {
    from_table(plan, &read_pool(plan, &[])?)
}

/// Reads the columns the match stage needs, and the `extra` ones a caller wants from
/// the same file (the balance printout's covariates), in one pass over the file.
///
/// # Errors
/// [`MatchError::Data`] when the file cannot be read or lacks a column.
pub fn read_pool(plan: &MatchingPlan, extra: &[&str]) -> Result<Table, MatchError> {
    let mut wanted: Vec<&str> = vec![plan.id.as_str(), plan.treatment.as_str()];
    wanted.extend(plan.covariates.iter().map(String::as_str));
    wanted.extend(plan.exact.iter().map(String::as_str));
    if let Some(Distance::Column(c)) = &plan.distance {
        wanted.push(c);
    }
    wanted.extend(extra);
    wanted.sort_unstable();
    wanted.dedup();
    Ok(Table::read_columns(&plan.data, &wanted)?)
}

/// The same from a table already read ([`read_pool`], tests, benchmarks).
pub(crate) fn from_table(plan: &MatchingPlan, table: &Table) -> Result<MatchInput, MatchError> {
    let mut raw_ids = table.identifiers(&plan.id)?;
    let mut order: Vec<usize> = (0..raw_ids.len()).collect();
    // Ids are unique (`identifiers` refuses a repeat): one order, sorted in parallel.
    order.par_sort_unstable_by(|&a, &b| raw_ids[a].as_bytes().cmp(raw_ids[b].as_bytes()));
    // Each field's text where the table holds it, copied only when formed.
    let groups = table.texts(&plan.treatment)?;
    let n = order.len();
    let mut treated = Vec::with_capacity(n);
    for &row in &order {
        let text = groups(row);
        let group = if crate::data::is_missing(&text) {
            ""
        } else {
            &text
        };
        let is_treated = if group == plan.treated_label {
            true
        } else if group == plan.control_label {
            false
        } else {
            return Err(MatchError::UnknownGroup {
                path: plan.data.clone(),
                line: table.line(row),
                column: plan.treatment.clone(),
                value: group.to_string(),
                treated: plan.treated_label.clone(),
                control: plan.control_label.clone(),
            });
        };
        treated.push(is_treated);
    }
    let ids: Vec<String> = order
        .iter()
        .map(|&r| std::mem::take(&mut raw_ids[r]))
        .collect();
    // Under `missing: "error"`: the first unit, in file order, missing `name`.
    let first_missing = |name: &str, is_missing: &dyn Fn(usize) -> bool| {
        let first = (0..n)
            .filter(|&i| is_missing(i))
            .min_by_key(|&i| order[i])
            .unwrap_or(0);
        MatchError::MissingCovariate {
            path: plan.data.clone(),
            line: table.line(order[first]),
            column: name.to_string(),
            unit: ids[first].clone(),
        }
    };
    let mut complete = vec![true; n];
    let mut notes = Vec::new();
    let mut columns = Vec::new();
    let mut covariate_names = Vec::new();
    let mut indicators = Vec::new();
    // The covariates that read as numbers without a missing value (the usual case):
    // the table's own columns when the file lists the units in id order, else put in
    // unit order in parallel; the others, and every error, below in turn.
    let in_order = order.iter().enumerate().all(|(i, &r)| i == r);
    let mut complete_columns: Vec<Option<Values>> = plan
        .covariates
        .par_iter()
        .map(|name| {
            let raw = table.numbers(name).ok()?;
            if in_order {
                Values::shared(&raw)
            } else {
                (raw.null_count() == 0).then(|| order.iter().map(|&r| raw.value(r)).collect())
            }
        })
        .collect();
    for (j, name) in plan.covariates.iter().enumerate() {
        if let Some(column) = complete_columns[j].take() {
            columns.push(column);
            covariate_names.push(name.clone());
            continue;
        }
        // The same values and the same first bad field as `Table::numeric`, without
        // a copy of the column.
        let raw = table.numbers(name)?;
        let mut values: Vec<Option<f64>> = order
            .iter()
            .map(|&r| raw.is_valid(r).then(|| raw.value(r)))
            .collect();
        let missing = values.iter().filter(|v| v.is_none()).count();
        if missing > 0 {
            match plan.missing {
                MatchMissing::Error => {
                    return Err(first_missing(name, &|i| values[i].is_none()));
                }
                MatchMissing::Listwise => {
                    for (c, v) in complete.iter_mut().zip(&values) {
                        if v.is_none() {
                            *c = false;
                        }
                    }
                }
                MatchMissing::Indicators => {
                    let observed: Vec<f64> = values.iter().flatten().copied().collect();
                    let fill = if observed.is_empty() {
                        0.0
                    } else {
                        crate::stats::summary::mean_and_variance(&observed).0
                    };
                    notes.push(format!(
                        "`{name}` is missing for {missing} units: they are matched on `{name}_missing` = 1 with `{name}` filled with the observed mean {}",
                        crate::report::format::shortest(fill)
                    ));
                    indicators.push((
                        format!("{name}_missing"),
                        values
                            .iter()
                            .map(|v| if v.is_none() { 1.0 } else { 0.0 })
                            .collect::<Vec<f64>>(),
                    ));
                    for v in &mut values {
                        v.get_or_insert(fill);
                    }
                }
            }
        }
        columns.push(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect());
        covariate_names.push(name.clone());
    }
    for (name, column) in indicators {
        covariate_names.push(name);
        columns.push(column.into());
    }
    let mut stratum = vec![0; n];
    let mut stratum_labels = vec![Vec::new()];
    if !plan.exact.is_empty() {
        let mut raw_columns = Vec::new();
        for name in &plan.exact {
            let raw = table.categorical(name)?;
            let values: Vec<Option<String>> = order.iter().map(|&r| raw[r].clone()).collect();
            if values.iter().any(Option::is_none) {
                match plan.missing {
                    MatchMissing::Error => {
                        return Err(first_missing(name, &|i| values[i].is_none()));
                    }
                    MatchMissing::Listwise => {
                        for (c, v) in complete.iter_mut().zip(&values) {
                            if v.is_none() {
                                *c = false;
                            }
                        }
                    }
                    MatchMissing::Indicators => notes.push(format!(
                        "`{name}` is missing for some units: missing is matched exactly as a level of its own"
                    )),
                }
            }
            raw_columns.push(values);
        }
        let keys: Vec<Vec<String>> = (0..n)
            .map(|i| {
                raw_columns
                    .iter()
                    .map(|c| c[i].clone().unwrap_or_else(|| "(missing)".into()))
                    .collect()
            })
            .collect();
        let mut index: BTreeMap<&Vec<String>, usize> = keys.iter().map(|k| (k, 0)).collect();
        stratum_labels = index.keys().map(|k| (*k).clone()).collect();
        for (i, slot) in index.values_mut().enumerate() {
            *slot = i;
        }
        for i in 0..n {
            stratum[i] = index[&keys[i]];
        }
    }
    let score = match &plan.distance {
        Some(Distance::Column(c)) => {
            let raw = table.numeric(c)?;
            Some((c.clone(), order.iter().map(|&r| raw[r]).collect()))
        }
        _ => None,
    };
    let dropped = complete.iter().filter(|c| !**c).count();
    if dropped > 0 {
        notes.push(format!(
            "{dropped} units with a missing covariate are left out (missing: listwise)"
        ));
    }
    Ok(MatchInput {
        path: plan.data.clone(),
        ids,
        rows: order,
        treated,
        row_lines: table.row_lines().clone(),
        columns,
        covariate_names,
        complete,
        stratum,
        stratum_labels,
        score,
        notes,
        treatment: plan.treatment.clone(),
        treated_label: plan.treated_label.clone(),
        control_label: plan.control_label.clone(),
    })
}

impl MatchInput {
    /// Refuses a pool with no treated or no untreated units (with every covariate).
    pub fn check_groups(&self) -> Result<(), MatchError> {
        for (is_treated, label, group, what) in [
            (
                true,
                &self.treated_label,
                "treated",
                "find a comparison for",
            ),
            (false, &self.control_label, "untreated", "match to"),
        ] {
            let any =
                (0..self.ids.len()).any(|i| self.treated[i] == is_treated && self.complete[i]);
            if !any {
                return Err(MatchError::EmptyGroup {
                    path: self.path.clone(),
                    column: self.treatment.clone(),
                    label: label.clone(),
                    group,
                    what,
                });
            }
        }
        Ok(())
    }

    /// The file line of unit `i`.
    pub fn line(&self, i: usize) -> u64 {
        self.row_lines.line(self.rows[i])
    }

    /// Units usable for matching: complete, in id order.
    pub fn usable(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.ids.len()).filter(|&i| self.complete[i])
    }

    /// The supplied score, checked finite for every usable unit.
    pub fn score_column(&self, column: &str) -> Result<Vec<f64>, MatchError> {
        let Some((_, values)) = &self.score else {
            return Err(MatchError::BadScore {
                path: self.path.clone(),
                line: 1,
                column: column.to_string(),
                value: "absent".into(),
            });
        };
        let mut out = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(x) if x.is_finite() => out.push(*x),
                _ if !self.complete[i] => out.push(f64::NAN),
                other => {
                    return Err(MatchError::BadScore {
                        path: self.path.clone(),
                        line: self.line(i),
                        column: column.to_string(),
                        value: other.map_or("missing".into(), crate::report::format::shortest),
                    });
                }
            }
        }
        Ok(out)
    }

    /// The covariate row of unit `i`.
    pub fn row(&self, i: usize) -> Vec<f64> {
        self.columns.iter().map(|c| c[i]).collect()
    }

    /// Refuses a covariate with one value over the usable units.
    pub fn check_variance(&self) -> Result<(), MatchError> {
        for (name, column) in self.covariate_names.iter().zip(&self.columns) {
            let mut values = self.usable().map(|i| column[i]);
            let Some(first) = values.next() else { continue };
            if values.all(|v| v == first) {
                return Err(MatchError::NoVariance {
                    column: name.clone(),
                    value: crate::report::format::shortest(first),
                });
            }
        }
        Ok(())
    }
}
