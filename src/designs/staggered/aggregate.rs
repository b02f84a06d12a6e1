//! Aggregations of ATT(g, t) (did's `aggte`): by event time (dynamic), by cohort
//! (group), by calendar period, and overall (simple, and the cohort-weighted "group"
//! overall), each with its influence function and analytic standard error.
//!
//! Weights are cohort shares p_g = n_g / n. Because they are estimated, the
//! simple, event-time and calendar influence functions gain did's `wif` term
//! (the influence of the estimated shares); the cohort effects average a cohort's
//! post-treatment cells with equal weights and have none. Overall effects of the
//! event-time and calendar families are plain means of their post-treatment
//! members, as in did.

use std::collections::BTreeMap;

use super::att_gt::{Cell, Membership, standard_error};
use super::panel::Panel;

/// Which family an aggregated effect belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// By event time e = t − g (pre-treatment event times included).
    EventTime,
    /// By cohort g, over its post-treatment periods.
    Cohort,
    /// By calendar period t, over cohorts already treated.
    Calendar,
}

/// One aggregated effect and its unit-level influence function (length n).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregated {
    pub family: Family,
    /// Event time, cohort or calendar period.
    pub key: i64,
    pub estimate: f64,
    pub se: f64,
    pub(crate) influence: Vec<f64>,
}

/// The overall effects.
#[derive(Debug, Clone, PartialEq)]
pub struct Overall {
    /// did's "simple": post-treatment cells weighted by cohort size.
    pub simple: (f64, f64),
    /// did's "group" overall: cohort effects weighted by cohort size (the headline).
    pub cohort_weighted: (f64, f64),
    /// Mean of the post-treatment event-time effects (did's dynamic overall).
    pub event_time_mean: (f64, f64),
    /// Mean of the calendar-period effects (did's calendar overall).
    pub calendar_mean: (f64, f64),
    pub(crate) cohort_weighted_influence: Vec<f64>,
}

/// Cohort share and index of every unit's cohort among the panel's cohorts.
struct Shares {
    /// (cohort, p_g) ascending.
    cohorts: Vec<(i64, f64)>,
    /// Each unit's cohort index, `None` for never treated.
    unit_cohort: Vec<Option<usize>>,
}

impl Shares {
    fn of(panel: &Panel) -> Shares {
        let n = panel.n_units() as f64;
        let cohorts: Vec<(i64, f64)> = panel
            .cohorts()
            .into_iter()
            .map(|(g, k)| (g, k as f64 / n))
            .collect();
        let index: BTreeMap<i64, usize> = cohorts
            .iter()
            .enumerate()
            .map(|(i, (g, _))| (*g, i))
            .collect();
        let unit_cohort = panel
            .first_treated
            .iter()
            .map(|g| g.map(|g| index[&g]))
            .collect();
        Shares {
            cohorts,
            unit_cohort,
        }
    }

    fn share(&self, group: i64) -> f64 {
        self.cohorts
            .iter()
            .find(|(g, _)| *g == group)
            .map_or(0.0, |(_, p)| *p)
    }

    /// Adds did's `wif · att` for estimated shares over `keepers` (cohort, att) to
    /// `influence`: ((A_i − P)/S − P (C_i − S)/S²), where for unit i in cohort G_i,
    /// A_i sums the keepers' att of cohort G_i, C_i counts them, S = Σ p_k and
    /// P = Σ p_k att_k.
    fn add_weight_influence(&self, keepers: &[(i64, f64)], influence: &mut [f64]) {
        let s: f64 = keepers.iter().map(|(g, _)| self.share(*g)).sum();
        let p: f64 = keepers.iter().map(|(g, a)| self.share(*g) * a).sum();
        let mut a_by = vec![0.0; self.cohorts.len()];
        let mut c_by = vec![0.0; self.cohorts.len()];
        for (g, att) in keepers {
            if let Some(k) = self.cohorts.iter().position(|(c, _)| c == g) {
                a_by[k] += att;
                c_by[k] += 1.0;
            }
        }
        let never = -p / s - p * (0.0 - s) / (s * s);
        let by: Vec<f64> = (0..self.cohorts.len())
            .map(|k| (a_by[k] - p) / s - p * (c_by[k] - s) / (s * s))
            .collect();
        for (x, k) in influence.iter_mut().zip(&self.unit_cohort) {
            *x += k.map_or(never, |k| by[k]);
        }
    }
}

/// Σ_c w_c ψ_ic for several weighted combinations of cells at once: `uses[c]` lists
/// (output index, weight) for cell c. One pass over the units, each unit's outcome
/// row read once for all the cells it enters; every output value still adds its
/// cells' terms in cell order.
fn combine(
    panel: &Panel,
    cells: &[Cell],
    uses: &[Vec<(usize, f64)>],
    outputs: usize,
) -> Vec<Vec<f64>> {
    let n = panel.n_units();
    let membership = Membership::of(panel, cells);
    let mut out = vec![vec![0.0; n]; outputs];
    for u in 0..n {
        let row = panel.row(u);
        for &(i, treated) in membership.cells_of_unit(u) {
            let (cell, targets) = (&cells[i], &uses[i]);
            if targets.is_empty() || cell.att.is_none() || cell.reference {
                continue;
            }
            let psi = match &cell.stored_influence {
                Some(stored) => stored[u],
                None => {
                    let dy = row[cell.time_index] - row[cell.base_index];
                    cell.influence_of_change(n as f64, treated, dy)
                }
            };
            for &(k, w) in targets {
                out[k][u] += w * psi;
            }
        }
    }
    out
}

/// All aggregations of `cells` (cells without an estimate are left out, and said so
/// by the caller).
pub fn aggregate(
    panel: &Panel,
    cells: &[Cell],
    cluster_of_unit: Option<&[usize]>,
) -> (Vec<Aggregated>, Overall) {
    let shares = Shares::of(panel);
    let usable: Vec<bool> = cells.iter().map(|c| c.att.is_some()).collect();
    let att = |c: &Cell| c.att.unwrap_or(f64::NAN);

    // Families and their members: (cell index) per key.
    let mut event: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    let mut cohort: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    let mut calendar: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    let mut simple: Vec<usize> = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        if !usable[i] {
            continue;
        }
        event.entry(c.event_time).or_default().push(i);
        if c.post {
            cohort.entry(c.group).or_default().push(i);
            calendar.entry(c.time).or_default().push(i);
            simple.push(i);
        }
    }

    // Output slots: event times, cohorts, calendar periods, then simple.
    let mut specs: Vec<(Family, i64, Vec<usize>, bool)> = Vec::new();
    for (e, m) in &event {
        specs.push((Family::EventTime, *e, m.clone(), true));
    }
    for (g, m) in &cohort {
        specs.push((Family::Cohort, *g, m.clone(), false));
    }
    for (t, m) in &calendar {
        specs.push((Family::Calendar, *t, m.clone(), true));
    }
    let simple_slot = specs.len();
    let mut uses: Vec<Vec<(usize, f64)>> = vec![Vec::new(); cells.len()];
    let mut estimates = Vec::with_capacity(specs.len() + 1);
    let weights_of = |members: &[usize], share_weighted: bool| -> Vec<f64> {
        if share_weighted {
            let total: f64 = members.iter().map(|&i| shares.share(cells[i].group)).sum();
            members
                .iter()
                .map(|&i| shares.share(cells[i].group) / total)
                .collect()
        } else {
            vec![1.0 / members.len() as f64; members.len()]
        }
    };
    for (slot, (_, _, members, share_weighted)) in specs.iter().enumerate() {
        let w = weights_of(members, *share_weighted);
        estimates.push(
            members
                .iter()
                .zip(&w)
                .map(|(&i, w)| w * att(&cells[i]))
                .sum::<f64>(),
        );
        for (&i, &w) in members.iter().zip(&w) {
            uses[i].push((slot, w));
        }
    }
    let w = weights_of(&simple, true);
    estimates.push(
        simple
            .iter()
            .zip(&w)
            .map(|(&i, w)| w * att(&cells[i]))
            .sum::<f64>(),
    );
    for (&i, &w) in simple.iter().zip(&w) {
        uses[i].push((simple_slot, w));
    }
    let mut influence = combine(panel, cells, &uses, specs.len() + 1);
    for (slot, (_, _, members, share_weighted)) in specs.iter().enumerate() {
        if *share_weighted {
            let keepers: Vec<(i64, f64)> = members
                .iter()
                .map(|&i| (cells[i].group, att(&cells[i])))
                .collect();
            shares.add_weight_influence(&keepers, &mut influence[slot]);
        }
    }
    let keepers: Vec<(i64, f64)> = simple
        .iter()
        .map(|&i| (cells[i].group, att(&cells[i])))
        .collect();
    shares.add_weight_influence(&keepers, &mut influence[simple_slot]);

    let se = |psi: &[f64]| standard_error(panel, cluster_of_unit, psi.iter().copied());
    let simple_influence = influence.pop().expect("simple slot");
    let simple_estimate = estimates.pop().expect("simple slot");
    let aggregated: Vec<Aggregated> = specs
        .into_iter()
        .zip(estimates)
        .zip(influence)
        .map(|(((family, key, _, _), estimate), psi)| Aggregated {
            family,
            key,
            estimate,
            se: se(&psi),
            influence: psi,
        })
        .collect();

    let mean_of = |members: Vec<&Aggregated>| -> (f64, f64) {
        let k = members.len() as f64;
        let estimate = members.iter().map(|a| a.estimate).sum::<f64>() / k;
        let mut psi = vec![0.0; panel.n_units()];
        for a in &members {
            for (x, y) in psi.iter_mut().zip(&a.influence) {
                *x += y / k;
            }
        }
        (estimate, se(&psi))
    };
    let event_time_mean = mean_of(
        aggregated
            .iter()
            .filter(|a| a.family == Family::EventTime && a.key >= 0)
            .collect(),
    );
    let calendar_mean = mean_of(
        aggregated
            .iter()
            .filter(|a| a.family == Family::Calendar)
            .collect(),
    );

    // did's group overall: cohort effects weighted by p_g, plus wif over cohorts.
    let cohort_effects: Vec<&Aggregated> = aggregated
        .iter()
        .filter(|a| a.family == Family::Cohort)
        .collect();
    let total: f64 = cohort_effects.iter().map(|a| shares.share(a.key)).sum();
    let mut psi = vec![0.0; panel.n_units()];
    let mut estimate = 0.0;
    for a in &cohort_effects {
        let w = shares.share(a.key) / total;
        estimate += w * a.estimate;
        for (x, y) in psi.iter_mut().zip(&a.influence) {
            *x += w * y;
        }
    }
    let keepers: Vec<(i64, f64)> = cohort_effects.iter().map(|a| (a.key, a.estimate)).collect();
    shares.add_weight_influence(&keepers, &mut psi);
    let overall = Overall {
        simple: (simple_estimate, se(&simple_influence)),
        cohort_weighted: (estimate, se(&psi)),
        event_time_mean,
        calendar_mean,
        cohort_weighted_influence: psi,
    };
    (aggregated, overall)
}
