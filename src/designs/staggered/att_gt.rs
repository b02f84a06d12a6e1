//! Callaway and Sant'Anna (2021) group-time average treatment effects ATT(g, t)
//! under unconditional parallel trends, with their influence functions.
//!
//! Each cell is a 2×2 difference in differences on the balanced panel: the change in
//! the outcome of cohort g from the base period to period t, minus the same change in
//! the comparison units. The cell's influence function for unit i is
//! `n·(D_i(ΔY_i − μ_g)/n_g − C_i(ΔY_i − μ_c)/n_c)`, which is what R did 2.x (and
//! csdid) compute with `xformla = ~1` (the doubly robust estimator with only an
//! intercept reduces to it). The influence functions are never stored as an
//! n × cells matrix (290 MB at 100,000 units × 20 periods): a cell keeps its means
//! and counts and the value for a unit is recomputed in O(1).
//!
//! Cell selection follows did's `compute.att_gt`: with a varying base period, a
//! pre-treatment cell compares period t with the period just before it, and a
//! post-treatment cell (t ≥ g − anticipation) compares t with the last period before
//! g − anticipation; with a universal base every cell uses that last period, whose
//! own cell is the zero reference. Not-yet-treated comparisons are units never
//! treated or first treated after max(t, base) + anticipation, other than cohort g.

use super::covariates;
use super::error::{StaggeredError, list_some};
use super::panel::Panel;
use crate::spec::staggered::{BasePeriod, Comparison, Estimation};

/// What the analysis estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub comparison: Comparison,
    pub anticipation: u32,
    pub base_period: BasePeriod,
    /// The 2×2 estimator when the panel has covariates (ignored without them).
    pub method: Estimation,
}

/// One ATT(g, t).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Cohort: the first-treatment period.
    pub group: i64,
    /// Period t.
    pub time: i64,
    /// The base period the change is measured from.
    pub base: i64,
    /// Event time t − g.
    pub event_time: i64,
    /// Whether t ≥ g (post-treatment).
    pub post: bool,
    /// The estimate; `None` when no comparison unit exists for the cell
    /// (not-yet-treated comparisons after the last cohort is treated).
    pub att: Option<f64>,
    /// Analytic standard error, sqrt(Σ ψ_i²)/n (clustered by unit or cluster).
    pub se: Option<f64>,
    /// Units of cohort g.
    pub n_treated: usize,
    /// Comparison units.
    pub n_comparison: usize,
    /// The universal base period's own cell: zero by construction, no SE.
    pub reference: bool,
    /// Why a cell with comparison units was still not estimated (covariates only:
    /// a singular regression or no overlap).
    pub unestimated: Option<&'static str>,
    /// The influence function over units when it cannot be recomputed from the
    /// cell's means (covariates).
    pub(crate) stored_influence: Option<Vec<f64>>,
    pub(crate) time_index: usize,
    pub(crate) base_index: usize,
    /// Comparison units are never treated, or first treated after this period.
    pub(crate) comparison_after: Option<i64>,
    pub(crate) mean_treated: f64,
    pub(crate) mean_comparison: f64,
}

impl Cell {
    /// Whether unit `u` is in cohort g for this cell.
    #[inline]
    pub(crate) fn is_treated(&self, first_treated: Option<i64>) -> bool {
        first_treated == Some(self.group)
    }

    /// Whether a unit with this first-treatment period is a comparison unit here.
    #[inline]
    pub(crate) fn is_comparison(&self, first_treated: Option<i64>) -> bool {
        match (first_treated, self.comparison_after) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(g), Some(after)) => g > after && g != self.group,
        }
    }

    /// Unit `u`'s influence-function value for this cell (0 for a reference or
    /// unidentified cell and for units outside it).
    #[inline]
    pub(crate) fn influence(&self, panel: &Panel, u: usize) -> f64 {
        if self.reference || self.att.is_none() {
            return 0.0;
        }
        if let Some(stored) = &self.stored_influence {
            return stored[u];
        }
        let g = panel.first_treated[u];
        if self.is_treated(g) || self.is_comparison(g) {
            let dy = panel.y(u, self.time_index) - panel.y(u, self.base_index);
            self.influence_of_change(panel.n_units() as f64, self.is_treated(g), dy)
        } else {
            0.0
        }
    }

    /// The influence-function value of a unit of the cell (treated or comparison)
    /// whose outcome changed by `dy` from the base period, n units in the panel.
    #[inline]
    pub(crate) fn influence_of_change(&self, n: f64, treated: bool, dy: f64) -> f64 {
        if treated {
            n * (dy - self.mean_treated) / self.n_treated as f64
        } else {
            -n * (dy - self.mean_comparison) / self.n_comparison as f64
        }
    }
}

/// Which cells each unit enters and in which role. Units with the same
/// first-treatment period (a *class*: a cohort, or never treated) enter the same
/// cells, so a pass over the units in order can do the work of every cell at once:
/// one read of each unit's outcome row instead of one pass over all units per cell,
/// with each cell's sums still accumulated over its units in unit order.
pub(crate) struct Membership {
    /// Each unit's class.
    pub(crate) class_of_unit: Vec<usize>,
    /// For each class, (cell index, treated) of the cells its units enter (as
    /// treated or as comparison units), in cell order.
    pub(crate) cells_of_class: Vec<Vec<(usize, bool)>>,
}

impl Membership {
    pub(crate) fn of(panel: &Panel, cells: &[Cell]) -> Membership {
        let mut classes: Vec<Option<i64>> =
            panel.cohorts().into_iter().map(|(g, _)| Some(g)).collect();
        classes.push(None);
        let class_of_unit = panel
            .first_treated
            .iter()
            .map(|f| {
                classes
                    .iter()
                    .position(|c| c == f)
                    .expect("every first-treatment period is a cohort or never treated")
            })
            .collect();
        let cells_of_class = classes
            .iter()
            .map(|&f| {
                cells
                    .iter()
                    .enumerate()
                    .filter_map(|(i, cell)| {
                        if cell.is_treated(f) {
                            Some((i, true))
                        } else if cell.is_comparison(f) {
                            Some((i, false))
                        } else {
                            None
                        }
                    })
                    .collect()
            })
            .collect();
        Membership {
            class_of_unit,
            cells_of_class,
        }
    }

    /// Unit `u`'s classes' cells.
    #[inline]
    pub(crate) fn cells_of_unit(&self, u: usize) -> &[(usize, bool)] {
        &self.cells_of_class[self.class_of_unit[u]]
    }
}

/// Index of the last period before g − anticipation, if any.
fn last_pre_index(periods: &[i64], group: i64, anticipation: u32) -> Option<usize> {
    periods
        .iter()
        .rposition(|&p| p + i64::from(anticipation) < group)
}

/// Checks the panel can answer the question asked, before any estimate.
///
/// # Errors
/// No treated units, every unit treated at once, no never-treated units when they are
/// the comparison, a cohort without a pre-treatment period.
pub fn check_design(panel: &Panel, settings: &Settings) -> Result<(), StaggeredError> {
    let cohorts = panel.cohorts();
    let never = panel.n_never_treated();
    if cohorts.is_empty() {
        return Err(StaggeredError::NoTreatedUnits);
    }
    if cohorts.len() == 1 && never == 0 {
        return Err(StaggeredError::AllTreatedAtOnce {
            period: cohorts[0].0.into(),
        });
    }
    if settings.comparison == Comparison::NeverTreated && never == 0 {
        return Err(StaggeredError::NoNeverTreated {
            last: (*panel.periods.last().unwrap_or(&0)).into(),
        });
    }
    for &(g, _) in &cohorts {
        if last_pre_index(&panel.periods, g, settings.anticipation).is_none() {
            let units: Vec<&str> = panel
                .first_treated
                .iter()
                .zip(&panel.unit_ids)
                .filter(|(f, _)| **f == Some(g))
                .map(|(_, id)| id.as_str())
                .collect();
            return Err(StaggeredError::NoPrePeriod {
                cohort: g.into(),
                anticipation: if settings.anticipation > 0 {
                    format!(
                        " before the {} anticipation period(s)",
                        settings.anticipation
                    )
                } else {
                    String::new()
                },
                count: units.len(),
                units: list_some(&units),
            });
        }
    }
    Ok(())
}

/// Every ATT(g, t) with its analytic standard error.
///
/// `cluster_of_unit` (optional) gives each unit's cluster index for the standard
/// errors; without it they are clustered by unit.
///
/// # Errors
/// See [`check_design`].
pub fn estimate_cells(
    panel: &Panel,
    settings: &Settings,
    cluster_of_unit: Option<&[usize]>,
) -> Result<Vec<Cell>, StaggeredError> {
    check_design(panel, settings)?;
    let periods = &panel.periods;
    let n_periods = periods.len();
    let universal = settings.base_period == BasePeriod::Universal;
    let anticipation = i64::from(settings.anticipation);
    let mut cells = Vec::new();
    for (g, _) in panel.cohorts() {
        let last_pre = last_pre_index(periods, g, settings.anticipation)
            .expect("check_design guarantees a pre-period");
        let time_indices = if universal {
            0..n_periods
        } else {
            1..n_periods
        };
        for t in time_indices {
            let tn = periods[t];
            let base = if universal || g - anticipation <= tn {
                last_pre
            } else {
                t - 1
            };
            let reference = universal && base == t;
            let later = periods[t.max(base)];
            let comparison_after = match settings.comparison {
                Comparison::NeverTreated => None,
                Comparison::NotYetTreated => Some(later + anticipation),
            };
            let cell = Cell {
                group: g,
                time: tn,
                base: periods[base],
                event_time: tn - g,
                post: tn >= g,
                att: None,
                se: None,
                n_treated: 0,
                n_comparison: 0,
                reference,
                unestimated: None,
                stored_influence: None,
                time_index: t,
                base_index: base,
                comparison_after,
                mean_treated: 0.0,
                mean_comparison: 0.0,
            };
            cells.push(cell);
        }
    }

    // Counts and sums of the outcome changes of every cell, in one pass over the
    // units (each cell's sums in unit order).
    let membership = Membership::of(panel, &cells);
    let (mut sum_t, mut sum_c) = (vec![0.0; cells.len()], vec![0.0; cells.len()]);
    for u in 0..panel.n_units() {
        let row = panel.row(u);
        for &(i, treated) in membership.cells_of_unit(u) {
            let cell = &mut cells[i];
            let dy = row[cell.time_index] - row[cell.base_index];
            if treated {
                cell.n_treated += 1;
                sum_t[i] += dy;
            } else {
                cell.n_comparison += 1;
                sum_c[i] += dy;
            }
        }
    }
    for (i, cell) in cells.iter_mut().enumerate() {
        let (t, base) = (cell.time_index, cell.base_index);
        if cell.reference {
            cell.att = Some(0.0);
        } else if cell.n_comparison > 0 && !panel.covariates.is_empty() {
            let members: Vec<(usize, bool)> = panel
                .first_treated
                .iter()
                .enumerate()
                .filter_map(|(u, &f)| {
                    if cell.is_treated(f) {
                        Some((u, true))
                    } else if cell.is_comparison(f) {
                        Some((u, false))
                    } else {
                        None
                    }
                })
                .collect();
            match covariates::estimate_cell(panel, &members, t, base, settings.method) {
                Ok(estimate) => {
                    cell.se = Some(standard_error(
                        panel,
                        cluster_of_unit,
                        estimate.influence.iter().copied(),
                    ));
                    cell.att = Some(estimate.att);
                    cell.stored_influence = Some(estimate.influence);
                }
                Err(failure) => cell.unestimated = Some(failure.reason()),
            }
        } else if cell.n_comparison > 0 {
            cell.mean_treated = sum_t[i] / cell.n_treated as f64;
            cell.mean_comparison = sum_c[i] / cell.n_comparison as f64;
            cell.att = Some(cell.mean_treated - cell.mean_comparison);
        }
    }

    // Analytic standard errors of the cells estimated from their means.
    let from_means =
        |cell: &Cell| !cell.reference && cell.att.is_some() && cell.stored_influence.is_none();
    match cluster_of_unit {
        None => {
            // Σ ψ² over each cell's units in unit order (units outside a cell add 0).
            let n = panel.n_units() as f64;
            let mut squares = vec![0.0; cells.len()];
            for u in 0..panel.n_units() {
                let row = panel.row(u);
                for &(i, treated) in membership.cells_of_unit(u) {
                    let cell = &cells[i];
                    if from_means(cell) {
                        let dy = row[cell.time_index] - row[cell.base_index];
                        let psi = cell.influence_of_change(n, treated, dy);
                        squares[i] += psi * psi;
                    }
                }
            }
            for (cell, square) in cells.iter_mut().zip(squares) {
                if from_means(cell) {
                    cell.se = Some(square.sqrt() / n);
                }
            }
        }
        Some(_) => {
            for cell in cells.iter_mut() {
                if from_means(cell) {
                    let se = standard_error(
                        panel,
                        cluster_of_unit,
                        (0..panel.n_units()).map(|u| cell.influence(panel, u)),
                    );
                    cell.se = Some(se);
                }
            }
        }
    }
    Ok(cells)
}

/// sqrt(Σ_c (Σ_{i∈c} ψ_i)²)/n: did's analytic standard error (clusters = units when
/// none are given).
pub(crate) fn standard_error(
    panel: &Panel,
    cluster_of_unit: Option<&[usize]>,
    influence: impl Iterator<Item = f64>,
) -> f64 {
    let n = panel.n_units() as f64;
    match cluster_of_unit {
        None => influence.map(|x| x * x).sum::<f64>().sqrt() / n,
        Some(cluster) => {
            let k = cluster.iter().copied().max().map_or(0, |m| m + 1);
            let mut sums = vec![0.0; k];
            for (u, x) in influence.enumerate() {
                sums[cluster[u]] += x;
            }
            sums.iter().map(|s| s * s).sum::<f64>().sqrt() / n
        }
    }
}
