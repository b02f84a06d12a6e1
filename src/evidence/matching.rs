//! Grading rule of a matched or weighted comparison (issue 17; evidence-rules.md:
//! level 3 needs a comparison group "whose quality checks pass"). The check: every
//! covariate balanced after matching under the WWC rule (|SMD| ≤ 0.05, or ≤ 0.25
//! when the effect model adjusts for it; the distance row is shown, not graded),
//! and common support: no treated unit discarded for lying outside the comparison
//! group's range, since the effect would then describe only part of the treated.
//! The observation names the covariates that held the grade back and counts the
//! treated units lost, by reason.

use super::{Criterion, Status};
use crate::matching::MatchStatus;
use crate::matching::balance::{BalanceTable, WWC_LIMIT, WWC_SATISFIED};
use crate::report::format::{count, significant};

/// Id of the criterion in report.json.
pub const CRITERION_ID: &str = "matched_comparison_quality";

/// The level-3 criterion of a matched comparison, from its balance table.
pub fn matched_comparison_criterion(table: &BalanceTable) -> Criterion {
    let lost: Vec<String> = MatchStatus::ALL
        .iter()
        .filter(|s| **s != MatchStatus::Matched)
        .filter_map(|s| {
            let n = table.treated.by_status.get(s).copied().unwrap_or(0);
            (n > 0).then(|| format!("{} {}", count(n), s.words()))
        })
        .collect();
    let treated_lost = table.treated.all - table.treated.matched;
    let off_support = table
        .treated
        .by_status
        .get(&MatchStatus::DiscardedCommonSupport)
        .copied()
        .unwrap_or(0);
    let graded = table.rows.iter().filter(|r| !r.is_distance).count();
    let balance_text = if table.all_balanced {
        format!(
            "all {} covariates are balanced after matching",
            count(graded)
        )
    } else {
        let worst: Vec<String> = table
            .held_back_by
            .iter()
            .map(|label| {
                let smd = table
                    .rows
                    .iter()
                    .find(|r| !r.is_distance && &r.label() == label)
                    .and_then(|r| r.after.smd);
                match smd {
                    Some(d) => format!("{label} (SMD {})", significant(d, 2)),
                    None => format!("{label} (SMD not computable)"),
                }
            })
            .collect();
        format!("not balanced after matching: {}", worst.join(", "))
    };
    let lost_text = if treated_lost == 0 {
        "no treated unit was lost".to_string()
    } else {
        format!(
            "{} of {} treated units were lost ({})",
            count(treated_lost),
            count(table.treated.all),
            lost.join(", ")
        )
    };
    let status = if table.all_balanced && off_support == 0 && table.treated.matched > 0 {
        Status::Met
    } else {
        Status::NotMet
    };
    Criterion {
        level: 3,
        id: CRITERION_ID,
        title: "Matched comparison balanced with common support",
        status,
        observed: format!("{balance_text}; {lost_text}."),
        rule: format!(
            "Every covariate balanced after matching (What Works Clearinghouse rule: |SMD| ≤ {} with {} as the denominator, or ≤ {} when the effect model adjusts for it), and no treated unit outside common support.",
            significant(WWC_SATISFIED, 2),
            table.denominator,
            significant(WWC_LIMIT, 2)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::Estimand;
    use crate::matching::balance::{BalanceInput, BalanceVariable, balance_table};

    fn table(shift: f64, statuses: &[MatchStatus]) -> BalanceTable {
        // Four treated, four controls; x differs by `shift` between the groups.
        let treated = [true, true, true, true, false, false, false, false];
        let x: Vec<f64> = (0..8)
            .map(|i| (i % 4) as f64 + if i < 4 { shift } else { 0.0 })
            .collect();
        let weights: Vec<f64> = statuses
            .iter()
            .map(|s| f64::from(u8::from(*s == MatchStatus::Matched)))
            .collect();
        let variables = [BalanceVariable {
            name: "x".into(),
            level: None,
            values: x.into(),
        }];
        balance_table(&BalanceInput {
            treated: &treated,
            weights: &weights,
            variables: &variables,
            distance: None,
            estimand: Estimand::Att,
            status: statuses,
            adjusted: &[],
        })
    }

    #[test]
    fn balanced_with_support_is_met() {
        let c = matched_comparison_criterion(&table(0.0, &[MatchStatus::Matched; 8]));
        assert_eq!(c.status, Status::Met, "{}", c.observed);
        assert!(c.observed.contains("no treated unit was lost"));
    }

    #[test]
    fn an_unbalanced_covariate_is_named() {
        // Shift 0.5 over the treated SD √(5/3): SMD ≈ 0.387 > 0.25.
        let c = matched_comparison_criterion(&table(0.5, &[MatchStatus::Matched; 8]));
        assert_eq!(c.status, Status::NotMet);
        assert!(c.observed.contains("x (SMD 0.39)"), "{}", c.observed);
    }

    #[test]
    fn treated_lost_off_support_hold_it_back_and_are_counted() {
        let mut statuses = [MatchStatus::Matched; 8];
        statuses[3] = MatchStatus::DiscardedCommonSupport;
        statuses[7] = MatchStatus::Unmatched;
        let c = matched_comparison_criterion(&table(0.0, &statuses));
        assert_eq!(c.status, Status::NotMet);
        assert!(
            c.observed
                .contains("1 of 4 treated units were lost (1 outside common support)"),
            "{}",
            c.observed
        );
    }
}
