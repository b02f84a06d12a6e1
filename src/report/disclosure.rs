//! Statistical disclosure control for published reports: counts of units below a
//! threshold are withheld ("[c]") in every table and chart label, and further counts
//! are withheld where a withheld one could otherwise be worked back from the totals
//! and differences the report publishes (secondary suppression).
//!
//! The rules follow the Handbook on Statistical Disclosure Control for Outputs
//! (Griffiths et al. 2019), on which ONS's Secure Research Service and the UK Data
//! Service base theirs:
//! - a count of units in a cell (an arm, a block, a subgroup, an outcome value, an
//!   exclusion reason) from 1 to threshold − 1 is withheld; zero is shown, since a
//!   structural zero tells nothing about a person the row label does not;
//! - a complement the report implies but does not print (those *without* a binary
//!   outcome, n minus those with it) is protected in the same way;
//! - a statistic of a group smaller than the threshold (a share, mean, SD or a
//!   subgroup's effect) is withheld with its count;
//! - secondary suppression: the report's counts are tied by the sums it implies
//!   (allocated = lost + with data, a margin = the sum of its cells, the same count
//!   shown in two tables). A withheld count must not be the only unknown left in
//!   any of them after every other one is solved (an attacker "peels" the system);
//!   when it would be, one more count of that sum is withheld, the one that appears
//!   in the fewest sums, then the smallest.
//!
//! report.json keeps exact counts (CI compares them); its `disclosure` block says
//! whether suppression applied to the published formats and lists what was withheld.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::format::count;

/// Default threshold: counts from 1 to 9 are withheld.
pub const DEFAULT_THRESHOLD: usize = 10;

/// The symbol a withheld figure is printed as (the GSS's symbol for confidential).
pub const WITHHELD: &str = "[c]";

/// The spec's `report.disclosure`, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// False for an internal report that may show every count.
    pub apply: bool,
    pub threshold: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            apply: true,
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

/// Why a count is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Fewer units than the threshold.
    BelowThreshold,
    /// Shown, it would let a withheld count be worked out from the report's sums.
    WouldRevealAnother,
}

/// One withheld count: where it is shown, and why it is withheld. Its value stays
/// in report.json's own fields.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Withheld {
    /// The count in words ("usual: excluded from the analysis").
    pub count: String,
    pub reason: Reason,
}

/// The outcome of disclosure control for one report.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Disclosure {
    /// Whether the published formats (Markdown, HTML, Word, spreadsheet) withhold
    /// small counts. report.json itself always keeps exact counts.
    pub applied: bool,
    pub threshold: usize,
    /// Counts withheld from the published formats, in the order the report shows them.
    pub withheld: Vec<Withheld>,
    /// Counts below the threshold that the report still implies: an arm or a whole
    /// analysis smaller than the threshold, whose effect estimate is itself a
    /// statistic of so few units.
    pub cautions: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    hidden: BTreeSet<String>,
}

impl Disclosure {
    /// Nothing withheld: a report rendered without a policy (tests, tools).
    pub fn none() -> Self {
        Disclosure::default()
    }

    /// Whether the count with this key is withheld.
    pub fn withholds(&self, key: &str) -> bool {
        self.applied && self.hidden.contains(key)
    }

    /// A count as the published formats show it: the number, or `[c]`.
    pub fn count(&self, key: &str, n: usize) -> String {
        if self.withholds(key) {
            WITHHELD.to_string()
        } else {
            count(n)
        }
    }

    /// A figure derived from the count with this key (a share, a mean, an effect of
    /// that group): itself, or `[c]` when the count is withheld.
    pub fn derived(&self, key: &str, shown: String) -> String {
        if self.withholds(key) {
            WITHHELD.to_string()
        } else {
            shown
        }
    }

    /// Whether a count this size is withheld in its own right (1 to threshold − 1).
    pub fn below_threshold(&self, n: usize) -> bool {
        self.applied && n > 0 && n < self.threshold
    }

    /// The smallest group a chart may draw on its own (a histogram bar, a binned
    /// mean): the threshold, or 1 when disclosure control is off.
    pub fn smallest_drawn(&self) -> usize {
        if self.applied { self.threshold } else { 1 }
    }

    /// True when anything is withheld.
    pub fn any(&self) -> bool {
        self.applied && !self.hidden.is_empty()
    }
}

/// The counts a report publishes (or implies) and the sums that tie them.
#[derive(Debug, Default)]
pub struct Ledger {
    cells: BTreeMap<String, Cell>,
    /// Insertion order, so the list of withheld counts follows the report.
    order: Vec<String>,
    /// Each sum: total = Σ parts, as keys.
    sums: Vec<(String, Vec<String>)>,
}

#[derive(Debug)]
struct Cell {
    value: usize,
    /// Printed in the report; an implied complement is not.
    printed: bool,
    /// Printed in prose that does not go through disclosure control (a study's
    /// total): never chosen for secondary suppression.
    fixed: bool,
    words: String,
}

impl Ledger {
    pub fn new() -> Self {
        Ledger::default()
    }

    /// A count printed in the report. The same key may be added twice (the same
    /// count in two places); the first words are kept.
    pub fn printed(&mut self, key: impl Into<String>, value: usize, words: impl Into<String>) {
        self.add(key.into(), value, true, words.into());
    }

    /// A count the report implies but does not print (a complement).
    pub fn implied(&mut self, key: impl Into<String>, value: usize, words: impl Into<String>) {
        self.add(key.into(), value, false, words.into());
    }

    fn add(&mut self, key: String, value: usize, printed: bool, words: String) {
        match self.cells.get_mut(&key) {
            Some(cell) => {
                debug_assert_eq!(cell.value, value, "count {key} added with two values");
                cell.printed |= printed;
            }
            None => {
                self.order.push(key.clone());
                self.cells.insert(
                    key,
                    Cell {
                        value,
                        printed,
                        fixed: false,
                        words,
                    },
                );
            }
        }
    }

    /// A printed count that the report states in prose as well (a total), so it is
    /// never withheld to protect another; one below the threshold is a caution.
    pub fn fixed(&mut self, key: impl Into<String>, value: usize, words: impl Into<String>) {
        let key = key.into();
        self.add(key.clone(), value, true, words.into());
        if let Some(cell) = self.cells.get_mut(&key) {
            cell.fixed = true;
        }
    }

    /// total = Σ parts. Added only when the counts do add up (a sum the report does
    /// not imply would withhold more than needed) and every key is known.
    pub fn sum(&mut self, total: impl Into<String>, parts: Vec<String>) {
        let total = total.into();
        let (Some(t), Some(values)) = (
            self.cells.get(&total).map(|c| c.value),
            parts
                .iter()
                .map(|p| self.cells.get(p).map(|c| c.value))
                .collect::<Option<Vec<_>>>(),
        ) else {
            return;
        };
        if parts.is_empty() || values.iter().sum::<usize>() != t {
            return;
        }
        self.sums.push((total, parts));
    }

    /// Two keys for one count shown in two places.
    pub fn same(&mut self, a: impl Into<String>, b: impl Into<String>) {
        self.sum(a, vec![b.into()]);
    }

    /// Applies the policy: primary suppression, then secondary until no withheld
    /// count can be solved for.
    pub fn assess(&self, policy: Policy) -> Disclosure {
        let mut disclosure = Disclosure {
            applied: policy.apply,
            threshold: policy.threshold,
            ..Disclosure::default()
        };
        if !policy.apply {
            return disclosure;
        }
        let sensitive: BTreeSet<&str> = self
            .cells
            .iter()
            .filter(|(_, c)| c.value > 0 && c.value < policy.threshold)
            .map(|(k, _)| k.as_str())
            .collect();
        let mut withheld: BTreeSet<&str> = sensitive
            .iter()
            .copied()
            .filter(|k| self.cells[*k].printed && !self.cells[*k].fixed)
            .collect();
        for key in &self.order {
            let cell = &self.cells[key];
            if cell.fixed && sensitive.contains(key.as_str()) {
                disclosure.cautions.push(format!(
                    "{} is {}, below the threshold of {}: the whole study is smaller than the threshold, and its estimates describe so few units that the report should not be published outside the data-sharing agreement",
                    capitalised(&cell.words),
                    cell.value,
                    policy.threshold
                ));
            }
        }
        let primary = withheld.clone();
        let sums_of: BTreeMap<&str, usize> = self.cells.keys().fold(BTreeMap::new(), |mut m, k| {
            let n = self
                .sums
                .iter()
                .filter(|(t, parts)| t == k || parts.contains(k))
                .count();
            m.insert(k.as_str(), n);
            m
        });
        // Each round solves what the published counts allow; a protected count that
        // falls out makes one more count withheld in the sum that solved it.
        // Counts no choice can protect (every other count of the sum that reveals
        // them is fixed or itself worked out): a sensitive one is said in a caution,
        // a secondary one is shown again (withholding it hides nothing).
        let mut exposed: BTreeSet<&str> = BTreeSet::new();
        while let Some((sum_index, revealed)) =
            self.first_revealing_sum(&sensitive, &withheld, &exposed)
        {
            let (total, parts) = &self.sums[sum_index];
            let candidate = std::iter::once(total)
                .chain(parts)
                .map(String::as_str)
                .filter(|k| {
                    let cell = &self.cells[*k];
                    cell.printed && !cell.fixed && !withheld.contains(k) && !exposed.contains(k)
                })
                // Prefer a count tied into few sums (less spreads), then one that
                // is not zero (a withheld zero reads oddly), then the smallest, then
                // the key (deterministic).
                .min_by_key(|k| {
                    let value = self.cells[*k].value;
                    (sums_of[k], value == 0, value, *k)
                });
            match candidate {
                Some(k) => {
                    withheld.insert(k);
                }
                None => {
                    exposed.insert(revealed);
                    if !sensitive.contains(revealed) {
                        withheld.remove(revealed);
                    }
                }
            }
        }
        for key in exposed.iter().filter(|k| sensitive.contains(*k)) {
            disclosure.cautions.push(format!(
                "{} can be worked out from totals the report states in words; withholding other counts cannot hide it",
                capitalised(&self.cells[*key].words)
            ));
        }
        for key in &self.order {
            if withheld.contains(key.as_str()) {
                disclosure.withheld.push(Withheld {
                    count: self.cells[key].words.clone(),
                    reason: if primary.contains(key.as_str()) {
                        Reason::BelowThreshold
                    } else {
                        Reason::WouldRevealAnother
                    },
                });
            }
        }
        disclosure.hidden = withheld.into_iter().map(str::to_string).collect();
        disclosure
    }

    /// Peels the system of sums from the printed counts: the first sum that solves
    /// a protected count (sensitive, or withheld to protect one; not yet given up as
    /// exposed), and that count.
    fn first_revealing_sum<'a>(
        &'a self,
        sensitive: &BTreeSet<&'a str>,
        withheld: &BTreeSet<&'a str>,
        exposed: &BTreeSet<&'a str>,
    ) -> Option<(usize, &'a str)> {
        let mut known: BTreeSet<&str> = self
            .cells
            .iter()
            .filter(|(k, c)| c.printed && !withheld.contains(k.as_str()))
            .map(|(k, _)| k.as_str())
            .collect();
        loop {
            let mut progressed = false;
            for (index, (total, parts)) in self.sums.iter().enumerate() {
                let mut unknown = std::iter::once(total)
                    .chain(parts)
                    .map(String::as_str)
                    .filter(|k| !known.contains(k));
                let (Some(only), None) = (unknown.next(), unknown.next()) else {
                    continue;
                };
                if (sensitive.contains(only) || withheld.contains(only)) && !exposed.contains(only)
                {
                    return Some((index, only));
                }
                known.insert(only);
                progressed = true;
            }
            if !progressed {
                return None;
            }
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// The keys of the counts a report shows: the ledger and the renderers build them
/// with these, so one count has one key wherever it appears.
pub mod key {
    /// A stage of an arm in the flow of units: `allocated`, `lost`, `with_data`,
    /// `excluded`, `analysed`.
    pub fn flow(arm: &str, stage: &str) -> String {
        format!("flow/{arm}/{stage}")
    }
    /// Units of an arm excluded for a missing value of this column.
    pub fn flow_missing(arm: &str, column: &str) -> String {
        format!("flow/{arm}/missing/{column}")
    }
    /// Units of an arm left out of a matched sample for this reason.
    pub fn flow_not_matched(arm: &str, reason: &str) -> String {
        format!("flow/{arm}/not_matched/{reason}")
    }
    /// Everyone allocated (the flow diagram's top box).
    pub const FLOW_ALLOCATED: &str = "flow/all/allocated";
    /// Everyone analysed (the grade's attrition criterion).
    pub const FLOW_ANALYSED: &str = "flow/all/analysed";
    /// A group of an outcome's analysis: `n`, `with` (binary: units with the
    /// outcome) or `without` (implied).
    pub fn group(outcome: &str, group: &str, part: &str) -> String {
        format!("outcome/{outcome}/{group}/{part}")
    }
    /// Rows of an outcome's analysis excluded for missing values.
    pub fn outcome_excluded(outcome: &str) -> String {
        format!("outcome/{outcome}/excluded")
    }
    /// Outcome values missing over every outcome (the limitations).
    pub const OUTCOMES_EXCLUDED: &str = "outcome/all/excluded";
    /// A group's n in the summary of findings row of this outcome and contrast.
    pub fn finding(outcome: &str, contrast: &str, group: &str) -> String {
        format!("finding/{outcome}/{contrast}/{group}")
    }
    /// Units allocated to an arm (assign stage).
    pub fn assigned(arm: &str) -> String {
        format!("assign/{arm}")
    }
    /// Units of a block allocated to an arm; with `arm` empty, the block's size.
    pub fn assigned_block(block: &str, arm: &str) -> String {
        format!("assign/block/{block}/{arm}")
    }
    pub const ASSIGNED: &str = "assign/all";
    /// A subgroup level's group n for one subgroup analysis (column and contrast).
    pub fn subgroup(column: &str, contrast: &str, level: &str, group: &str) -> String {
        format!("subgroup/{column}/{contrast}/{level}/{group}")
    }
    /// A matched analysis' count for the treated or comparison side: `all`, or a
    /// match status.
    pub fn matching(side: &str, status: &str) -> String {
        format!("matching/{side}/{status}")
    }
    /// Observations of a stepped-wedge period in a condition (`control`,
    /// `intervention`).
    pub fn period(period: &str, condition: &str) -> String {
        format!("period/{period}/{condition}")
    }
    /// Units in a matched effect's regression, per side.
    pub fn matched_effect(outcome: &str, side: &str) -> String {
        format!("matched/{outcome}/{side}")
    }
    /// A coarsened-exact-matching stratum's count for a side (a stratum number, or
    /// `rest` for those not drawn, `dropped` for units of strata without the other
    /// group).
    pub fn stratum(stratum: &str, side: &str) -> String {
        format!("stratum/{stratum}/{side}")
    }
}

/// Every count of units the report shows, and the sums that tie them.
pub fn ledger(model: &super::ReportModel) -> Ledger {
    let mut ledger = Ledger::new();
    if let Some(a) = &model.assignment {
        assignment_counts(a, &mut ledger);
    }
    if let Some(analysis) = &model.analysis {
        // Outcome columns read as their labels, as in the report's body.
        let label = |column: &str| -> String {
            analysis
                .outcomes
                .iter()
                .find(|o| o.outcome == column)
                .map_or_else(|| column.to_string(), |o| o.label.clone())
        };
        flow_counts(&analysis.flow, &label, &mut ledger);
        for outcome in &analysis.outcomes {
            group_counts(outcome, &mut ledger);
        }
        // The limitations state the rows dropped over all outcomes in prose.
        ledger.fixed(
            key::OUTCOMES_EXCLUDED,
            analysis.outcomes.iter().map(|o| o.excluded_missing).sum(),
            "outcome values missing",
        );
        ledger.sum(
            key::OUTCOMES_EXCLUDED,
            analysis
                .outcomes
                .iter()
                .map(|o| key::outcome_excluded(&o.outcome))
                .collect(),
        );
        if let Some(primary) = analysis
            .outcomes
            .iter()
            .find(|o| o.outcome == analysis.flow.outcome)
        {
            ledger.sum(
                key::outcome_excluded(&primary.outcome),
                analysis
                    .flow
                    .arms
                    .iter()
                    .map(|a| key::flow(&a.arm, "missing"))
                    .collect(),
            );
        }
        // The flow's analysed units are the primary outcome's headline groups.
        if let Some(primary) = analysis
            .outcomes
            .iter()
            .find(|o| o.outcome == analysis.flow.outcome)
            && let Some(c) = primary.comparisons.first()
        {
            for g in &c.groups {
                ledger.same(
                    key::flow(&g.name, "analysed"),
                    key::group(&primary.outcome, &g.name, "n"),
                );
            }
        }
        for s in &analysis.subgroups {
            subgroup_counts(s, &mut ledger);
        }
        if let Some(matched) = &analysis.matched {
            matching_counts(matched, &mut ledger);
        }
        if let Some(sw) = &analysis.stepped_wedge {
            for p in &sw.periods {
                let period = p.period.to_string();
                ledger.printed(
                    key::period(&period, "control"),
                    p.n_control,
                    format!("period {period}: observations in control"),
                );
                ledger.printed(
                    key::period(&period, "intervention"),
                    p.n_intervention,
                    format!("period {period}: observations with the intervention"),
                );
            }
        }
    }
    for row in &model.findings {
        if row.analysed.is_some() {
            continue;
        }
        let name = model
            .analysis
            .iter()
            .flat_map(|a| &a.outcomes)
            .find(|o| o.label == row.outcome)
            .map(|o| o.outcome.as_str());
        for (group, n) in row.groups.iter().zip(&row.n) {
            let k = key::finding(&row.outcome, &row.contrast, group);
            ledger.printed(&k, *n, format!("{}, {group}: units analysed", row.outcome));
            if let Some(name) = name {
                ledger.same(k, key::group(name, group, "n"));
            }
        }
    }
    ledger
}

fn assignment_counts(a: &crate::assign::AssignmentReport, ledger: &mut Ledger) {
    // A units file of clusters (a stepped wedge's care homes) counts clusters, not
    // people: nothing to protect.
    if a.arms.iter().all(|arm| arm.clusters == Some(arm.units)) {
        return;
    }
    ledger.fixed(key::ASSIGNED, a.n_units, "units allocated");
    for arm in &a.arms {
        ledger.printed(
            key::assigned(&arm.arm),
            arm.units as usize,
            format!("{}: units allocated", arm.arm),
        );
    }
    ledger.sum(
        key::ASSIGNED,
        a.arms.iter().map(|arm| key::assigned(&arm.arm)).collect(),
    );
    // Blocks past the report's row limit are not shown; their counts stay in the
    // manifest, which is not a published output.
    let shown = &a.blocks[..a.blocks.len().min(super::document::MAX_BLOCK_ROWS)];
    for b in shown {
        for (arm, units) in a.arms.iter().zip(&b.units) {
            ledger.printed(
                key::assigned_block(&b.block, &arm.arm),
                *units as usize,
                format!("block {}, {}: units allocated", b.block, arm.arm),
            );
        }
        ledger.implied(
            key::assigned_block(&b.block, ""),
            b.units.iter().sum::<u64>() as usize,
            format!("block {}: units", b.block),
        );
        ledger.sum(
            key::assigned_block(&b.block, ""),
            a.arms
                .iter()
                .map(|arm| key::assigned_block(&b.block, &arm.arm))
                .collect(),
        );
    }
    if shown.len() == a.blocks.len() {
        for arm in &a.arms {
            ledger.sum(
                key::assigned(&arm.arm),
                shown
                    .iter()
                    .map(|b| key::assigned_block(&b.block, &arm.arm))
                    .collect(),
            );
        }
    }
}

fn flow_counts(flow: &crate::analysis::Flow, label: &dyn Fn(&str) -> String, ledger: &mut Ledger) {
    for a in &flow.arms {
        let arm = a.arm.as_str();
        if let Some(allocated) = a.allocated {
            ledger.printed(
                key::flow(arm, "allocated"),
                allocated,
                format!("{arm}: allocated"),
            );
            ledger.printed(
                key::flow(arm, "lost"),
                allocated.saturating_sub(a.with_data),
                format!("{arm}: lost to follow-up"),
            );
            ledger.same(key::flow(arm, "allocated"), key::assigned(arm));
        }
        ledger.printed(
            key::flow(arm, "with_data"),
            a.with_data,
            format!("{arm}: with outcome data"),
        );
        ledger.printed(
            key::flow(arm, "excluded"),
            a.excluded_missing + a.not_matched_total(),
            format!("{arm}: excluded from the analysis"),
        );
        ledger.printed(
            key::flow(arm, "missing"),
            a.excluded_missing,
            format!("{arm}: excluded for missing values"),
        );
        ledger.printed(
            key::flow(arm, "analysed"),
            a.analysed,
            format!("{arm}: analysed"),
        );
        ledger.sum(
            key::flow(arm, "allocated"),
            vec![key::flow(arm, "lost"), key::flow(arm, "with_data")],
        );
        ledger.sum(
            key::flow(arm, "with_data"),
            vec![key::flow(arm, "excluded"), key::flow(arm, "analysed")],
        );
        for e in &a.excluded_by_column {
            ledger.printed(
                key::flow_missing(arm, &e.column),
                e.units,
                format!("{arm}: excluded for a missing {}", label(&e.column)),
            );
        }
        ledger.sum(
            key::flow(arm, "missing"),
            a.excluded_by_column
                .iter()
                .map(|e| key::flow_missing(arm, &e.column))
                .collect(),
        );
        if a.not_matched.is_empty() {
            ledger.same(key::flow(arm, "excluded"), key::flow(arm, "missing"));
        } else {
            ledger.printed(
                key::flow(arm, "not_matched"),
                a.not_matched_total(),
                format!("{arm}: not in the matched sample"),
            );
            for n in &a.not_matched {
                ledger.printed(
                    key::flow_not_matched(arm, n.reason.words()),
                    n.units,
                    format!("{arm}: {}", n.reason.words()),
                );
            }
            ledger.sum(
                key::flow(arm, "not_matched"),
                a.not_matched
                    .iter()
                    .map(|n| key::flow_not_matched(arm, n.reason.words()))
                    .collect(),
            );
            ledger.sum(
                key::flow(arm, "excluded"),
                vec![key::flow(arm, "missing"), key::flow(arm, "not_matched")],
            );
        }
    }
    if flow.arms.len() >= 2 {
        if let Some(all) = flow.arms.iter().map(|a| a.allocated).sum::<Option<usize>>() {
            ledger.fixed(key::FLOW_ALLOCATED, all, "units allocated");
            ledger.sum(
                key::FLOW_ALLOCATED,
                flow.arms
                    .iter()
                    .map(|a| key::flow(&a.arm, "allocated"))
                    .collect(),
            );
            ledger.same(key::FLOW_ALLOCATED, key::ASSIGNED);
        }
        ledger.fixed(
            key::FLOW_ANALYSED,
            flow.arms.iter().map(|a| a.analysed).sum(),
            "units analysed",
        );
        ledger.sum(
            key::FLOW_ANALYSED,
            flow.arms
                .iter()
                .map(|a| key::flow(&a.arm, "analysed"))
                .collect(),
        );
    }
}

fn group_counts(outcome: &crate::analysis::OutcomeResult, ledger: &mut Ledger) {
    let binary = outcome.outcome_type == crate::spec::OutcomeType::Binary;
    ledger.printed(
        key::outcome_excluded(&outcome.outcome),
        outcome.excluded_missing,
        format!("{}: rows excluded for missing values", outcome.label),
    );
    let mut seen: Vec<&str> = Vec::new();
    let mut n_all = 0;
    for g in outcome.comparisons.iter().flat_map(|c| &c.groups) {
        if seen.contains(&g.name.as_str()) {
            continue;
        }
        seen.push(&g.name);
        n_all += g.n;
        let n = key::group(&outcome.outcome, &g.name, "n");
        ledger.printed(
            &n,
            g.n,
            format!("{}, {}: units analysed", outcome.label, g.name),
        );
        if binary {
            let with = (g.mean * g.n as f64).round() as usize;
            let k_with = key::group(&outcome.outcome, &g.name, "with");
            let k_without = key::group(&outcome.outcome, &g.name, "without");
            ledger.printed(
                &k_with,
                with,
                format!("{}, {}: with the outcome", outcome.label, g.name),
            );
            ledger.implied(
                &k_without,
                g.n - with.min(g.n),
                format!("{}, {}: without the outcome", outcome.label, g.name),
            );
            ledger.sum(n, vec![k_with, k_without]);
        }
    }
    let all = key::group(&outcome.outcome, "", "n");
    let parts: Vec<String> = seen
        .iter()
        .map(|g| key::group(&outcome.outcome, g, "n"))
        .collect();
    ledger.implied(&all, n_all, format!("{}: units analysed", outcome.label));
    ledger.sum(all, parts);
}

fn subgroup_counts(s: &crate::analysis::subgroups::SubgroupAnalysis, ledger: &mut Ledger) {
    for l in &s.levels {
        for g in &l.comparison.groups {
            ledger.printed(
                key::subgroup(&s.column, &s.contrast, &l.level, &g.name),
                g.n,
                format!("{} = {}, {}: units analysed", s.column, l.level, g.name),
            );
        }
    }
    // Each group's levels add up to those analysed with a value of the column; that
    // total is not printed, but the flow's analysed count less the stated missing
    // is, for the primary outcome.
    let groups: Vec<&str> = s
        .levels
        .first()
        .map(|l| {
            l.comparison
                .groups
                .iter()
                .map(|g| g.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    for group in groups {
        let total = key::subgroup(&s.column, &s.contrast, "", group);
        let parts: Vec<String> = s
            .levels
            .iter()
            .map(|l| key::subgroup(&s.column, &s.contrast, &l.level, group))
            .collect();
        let n: usize = s
            .levels
            .iter()
            .flat_map(|l| l.comparison.groups.iter().filter(|g| g.name == group))
            .map(|g| g.n)
            .sum();
        ledger.implied(&total, n, format!("{}: {group} analysed", s.column));
        ledger.sum(&total, parts);
        if s.excluded_missing == 0 {
            ledger.same(key::group(&s.outcome, group, "n"), total);
        }
    }
    // Those with no value of the column (printed) and those in a level add up to
    // everyone analysed for the outcome.
    if s.excluded_missing > 0 {
        let missing = key::subgroup(&s.column, &s.contrast, "", "missing");
        ledger.printed(
            &missing,
            s.excluded_missing,
            format!("{}: analysed units with no value", s.column),
        );
        let in_levels = key::subgroup(&s.column, &s.contrast, "", "");
        let groups: Vec<String> = s
            .levels
            .first()
            .map(|l| {
                l.comparison
                    .groups
                    .iter()
                    .map(|g| key::subgroup(&s.column, &s.contrast, "", &g.name))
                    .collect()
            })
            .unwrap_or_default();
        let n: usize = s
            .levels
            .iter()
            .flat_map(|l| &l.comparison.groups)
            .map(|g| g.n)
            .sum();
        ledger.implied(
            &in_levels,
            n,
            format!("{}: analysed with a value", s.column),
        );
        ledger.sum(&in_levels, groups);
        ledger.sum(key::group(&s.outcome, "", "n"), vec![in_levels, missing]);
    }
}

fn matching_counts(m: &crate::analysis::matched::MatchedAnalysis, ledger: &mut Ledger) {
    for (side, counts) in [
        ("treated", &m.balance.treated),
        ("comparison", &m.balance.control),
    ] {
        ledger.printed(
            key::matching(side, "all"),
            counts.all,
            format!("{side}: in the pool"),
        );
        let mut parts = Vec::new();
        for (status, n) in &counts.by_status {
            let k = key::matching(side, status.words());
            ledger.printed(&k, *n, format!("{side}: {}", status.words()));
            parts.push(k);
        }
        ledger.sum(key::matching(side, "all"), parts);
    }
    for o in &m.outcomes {
        let e = &o.effect;
        for (side, n, status_n) in [
            ("treated", e.n_treated, m.balance.treated.matched),
            ("comparison", e.n_control, m.balance.control.matched),
        ] {
            let k = key::matched_effect(&e.outcome, side);
            ledger.printed(
                &k,
                n,
                format!("{}, {side}: units in the effect's regression", e.outcome),
            );
            if n == status_n {
                ledger.same(
                    k,
                    key::matching(side, crate::matching::MatchStatus::Matched.words()),
                );
            }
        }
    }
    if let Some(strata) = &m.strata {
        for s in &strata.strata {
            ledger.printed(
                key::stratum(&s.stratum.to_string(), "treated"),
                s.treated,
                format!("stratum {}: treated", s.stratum),
            );
            ledger.printed(
                key::stratum(&s.stratum.to_string(), "comparison"),
                s.control,
                format!("stratum {}: comparison", s.stratum),
            );
        }
        let shown = strata.strata.len().min(super::matching::STRATA_SHOWN);
        let rest = &strata.strata[shown..];
        for (side, n, dropped) in [
            (
                "treated",
                rest.iter().map(|s| s.treated).sum(),
                strata.treated_dropped,
            ),
            (
                "comparison",
                rest.iter().map(|s| s.control).sum(),
                strata.control_dropped,
            ),
        ] {
            if !rest.is_empty() {
                ledger.printed(
                    key::stratum("rest", side),
                    n,
                    format!("smaller strata: {side}"),
                );
            }
            ledger.printed(
                key::stratum("dropped", side),
                dropped,
                format!("{side} dropped: no unit of the other group in the stratum"),
            );
            let mut parts: Vec<String> = strata.strata[..shown]
                .iter()
                .map(|s| key::stratum(&s.stratum.to_string(), side))
                .collect();
            if !rest.is_empty() {
                parts.push(key::stratum("rest", side));
            }
            ledger.sum(
                key::matching(side, crate::matching::MatchStatus::Matched.words()),
                parts,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::default()
    }

    #[test]
    fn a_small_cell_is_withheld_and_a_large_one_shown() {
        let mut ledger = Ledger::new();
        ledger.printed("a", 4, "a");
        ledger.printed("b", 40, "b");
        ledger.printed("zero", 0, "zero");
        let d = ledger.assess(policy());
        assert!(d.withholds("a"));
        assert!(!d.withholds("b"));
        assert!(!d.withholds("zero"), "a zero is shown");
        assert_eq!(d.count("a", 4), "[c]");
        assert_eq!(d.count("b", 40), "40");
        assert_eq!(d.withheld.len(), 1);
        assert_eq!(d.withheld[0].reason, Reason::BelowThreshold);
    }

    #[test]
    fn the_threshold_is_exclusive() {
        let mut ledger = Ledger::new();
        ledger.printed("nine", 9, "nine");
        ledger.printed("ten", 10, "ten");
        let d = ledger.assess(policy());
        assert!(d.withholds("nine"));
        assert!(!d.withholds("ten"));
    }

    #[test]
    fn a_cell_recoverable_from_its_margin_takes_a_second_one_with_it() {
        // Block × arm table: 4 | 30 | 50 with the arm totals printed. Withholding 4
        // alone leaves it as margin − 30 − 50.
        let mut ledger = Ledger::new();
        for (key, value) in [("a", 4), ("b", 30), ("c", 50), ("total", 84)] {
            ledger.printed(key, value, key);
        }
        ledger.sum("total", vec!["a".into(), "b".into(), "c".into()]);
        let d = ledger.assess(policy());
        assert!(d.withholds("a"));
        assert!(d.withholds("b"), "the smaller of the other cells goes too");
        assert!(!d.withholds("c"));
        assert!(!d.withholds("total"));
        assert_eq!(d.withheld[1].reason, Reason::WouldRevealAnother);
    }

    #[test]
    fn a_two_way_table_is_protected_along_rows_and_columns() {
        // 2 × 2 cells with both margins: withholding one cell and its row partner
        // leaves the column sums; peeling must find and close that path.
        //        x    y   | row
        // p      3   20   | 23
        // q     30   40   | 70
        // col   33   60   | 93
        let mut ledger = Ledger::new();
        let cells = [("px", 3), ("py", 20), ("qx", 30), ("qy", 40)];
        for (k, v) in cells {
            ledger.printed(k, v, k);
        }
        for (k, v) in [("p", 23), ("q", 70), ("x", 33), ("y", 60), ("all", 93)] {
            ledger.printed(k, v, k);
        }
        ledger.sum("p", vec!["px".into(), "py".into()]);
        ledger.sum("q", vec!["qx".into(), "qy".into()]);
        ledger.sum("x", vec!["px".into(), "qx".into()]);
        ledger.sum("y", vec!["py".into(), "qy".into()]);
        ledger.sum("all", vec!["p".into(), "q".into()]);
        let d = ledger.assess(policy());
        assert!(d.withholds("px"));
        // No withheld count is the only unknown of any sum, so none can be solved.
        let hidden = |k: &str| d.withholds(k);
        for (total, parts) in [
            ("p", ["px", "py"]),
            ("q", ["qx", "qy"]),
            ("x", ["px", "qx"]),
            ("y", ["py", "qy"]),
        ] {
            let unknown = std::iter::once(total)
                .chain(parts)
                .filter(|k| hidden(k))
                .count();
            assert_ne!(unknown, 1, "sum {total} leaves one withheld count");
        }
    }

    #[test]
    fn an_implied_complement_protects_the_printed_count() {
        // 586 analysed, 580 with the outcome: the 6 without it follow by subtraction.
        let mut ledger = Ledger::new();
        ledger.printed("n", 586, "n");
        ledger.printed("with", 580, "with");
        ledger.implied("without", 6, "without");
        ledger.sum("n", vec!["with".into(), "without".into()]);
        let d = ledger.assess(policy());
        assert!(d.withholds("with"));
        assert!(!d.withholds("n"));
        assert!(!d.withholds("without"), "never printed, so never listed");
        assert_eq!(d.withheld.len(), 1);
        assert_eq!(d.withheld[0].reason, Reason::WouldRevealAnother);
    }

    #[test]
    fn a_total_stated_in_words_makes_the_other_part_withheld() {
        // Two arms' missing values, 5 and 11, and their total 16 stated in prose
        // (fixed): the 11 goes with the 5, and the total is never withheld.
        let mut ledger = Ledger::new();
        ledger.printed("a", 5, "a");
        ledger.printed("b", 11, "b");
        ledger.printed("caption", 16, "caption");
        ledger.fixed("prose", 16, "prose");
        ledger.sum("caption", vec!["a".into(), "b".into()]);
        ledger.same("prose", "caption");
        let d = ledger.assess(policy());
        assert!(d.withholds("a"));
        assert!(d.withholds("b"));
        assert!(!d.withholds("prose"));
        // The caption equals the prose total, so withholding it would hide nothing.
        assert!(!d.withholds("caption"));
        assert!(d.cautions.is_empty(), "{:?}", d.cautions);
    }

    #[test]
    fn a_count_given_away_by_a_stated_total_is_a_caution() {
        let mut ledger = Ledger::new();
        ledger.printed("a", 5, "the small arm");
        ledger.fixed("total", 5, "total");
        ledger.same("total", "a");
        let d = ledger.assess(policy());
        assert!(d.withholds("a"));
        assert_eq!(d.cautions.len(), 2, "{:?}", d.cautions);
        assert!(d.cautions[1].starts_with("The small arm can be worked out"));
    }

    #[test]
    fn a_sum_that_does_not_add_up_is_not_used() {
        let mut ledger = Ledger::new();
        ledger.printed("t", 100, "t");
        ledger.printed("a", 5, "a");
        ledger.printed("b", 90, "b");
        ledger.sum("t", vec!["a".into(), "b".into()]);
        let d = ledger.assess(policy());
        assert!(d.withholds("a"));
        assert!(!d.withholds("b"));
    }

    #[test]
    fn nothing_is_withheld_when_the_policy_is_off() {
        let mut ledger = Ledger::new();
        ledger.printed("a", 2, "a");
        let d = ledger.assess(Policy {
            apply: false,
            threshold: 10,
        });
        assert!(!d.withholds("a"));
        assert_eq!(d.count("a", 2), "2");
        assert!(d.withheld.is_empty());
    }
}
