//! Matched and weighted comparison groups, the analysis side: the matched file
//! (`matched_file.rs`, the interface with the match stage), covariate balance before
//! and after matching (`balance.rs`, MatchIt's `summary()` conventions) and
//! sensitivity to unmeasured confounding (`sensitivity.rs`: E-values, Rosenbaum
//! bounds). The effect on the treated is estimated in `analysis::matched`.
//!
//! The types below are the contract with the match stage (see the task notes of
//! issue 17): field names are fixed so the two halves merge without renaming.

pub mod balance;
pub mod matched_file;
pub mod sensitivity;

pub use matched_file::read_matched_csv;

use serde::{Deserialize, Serialize};

/// The population the effect describes, which also fixes the SMD denominator.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Estimand {
    /// Average effect on the treated (MatchIt's default).
    #[default]
    Att,
    /// Average effect in the whole pool.
    Ate,
    /// Average effect on the untreated (the comparison units).
    Atc,
}

impl Estimand {
    pub fn label(self) -> &'static str {
        match self {
            Estimand::Att => "ATT",
            Estimand::Ate => "ATE",
            Estimand::Atc => "ATC",
        }
    }
}

/// Why a unit is or is not in the matched sample (one reason per unit).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    Matched,
    Unmatched,
    DiscardedCommonSupport,
    OutsideCaliper,
    NoExactMatch,
    MissingCovariate,
}

impl MatchStatus {
    /// Every status, in the order the report lists them.
    pub const ALL: [MatchStatus; 6] = [
        MatchStatus::Matched,
        MatchStatus::Unmatched,
        MatchStatus::DiscardedCommonSupport,
        MatchStatus::OutsideCaliper,
        MatchStatus::NoExactMatch,
        MatchStatus::MissingCovariate,
    ];

    /// The status as written in matched.csv.
    pub fn name(self) -> &'static str {
        match self {
            MatchStatus::Matched => "matched",
            MatchStatus::Unmatched => "unmatched",
            MatchStatus::DiscardedCommonSupport => "discarded_common_support",
            MatchStatus::OutsideCaliper => "outside_caliper",
            MatchStatus::NoExactMatch => "no_exact_match",
            MatchStatus::MissingCovariate => "missing_covariate",
        }
    }

    /// The reason in words, for the report.
    pub fn words(self) -> &'static str {
        match self {
            MatchStatus::Matched => "matched",
            MatchStatus::Unmatched => "not needed as a match",
            MatchStatus::DiscardedCommonSupport => "outside common support",
            MatchStatus::OutsideCaliper => "no match within the caliper",
            MatchStatus::NoExactMatch => "no exact match",
            MatchStatus::MissingCovariate => "a covariate is missing",
        }
    }

    pub fn from_name(name: &str) -> Option<MatchStatus> {
        MatchStatus::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// One unit of the pool as the match stage left it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchedUnit {
    pub unit: String,
    pub treated: bool,
    /// The matched set (pairs or 1:k without replacement); `None` for weighting
    /// methods and for matching with replacement.
    pub matched_set: Option<u64>,
    /// 0 for units not used.
    pub weight: f64,
    pub distance: Option<f64>,
    pub status: MatchStatus,
}

/// The matched (or weighted) pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchResult {
    pub units: Vec<MatchedUnit>,
    /// The method that formed it (`"nearest"`, `"ipw"`, ...), or `"file"` when read
    /// from a matched.csv made elsewhere.
    pub method: String,
    pub estimand: Estimand,
    /// Matching with replacement, or weights: a control can serve several treated
    /// units, so standard errors cluster by unit rather than by matched set.
    pub with_replacement: bool,
}

impl MatchResult {
    /// Whether every used unit belongs to a matched set (pairs or 1:k sets
    /// without replacement): the effect's standard error then clusters by set.
    pub fn has_matched_sets(&self) -> bool {
        !self.with_replacement
            && self
                .units
                .iter()
                .filter(|u| u.weight > 0.0)
                .all(|u| u.matched_set.is_some())
            && self.units.iter().any(|u| u.weight > 0.0)
    }

    /// 1:1 pairs: every matched set holds one treated and one untreated unit, all
    /// with weight 1 (Rosenbaum bounds need them).
    pub fn pairs(&self) -> Option<Vec<(usize, usize)>> {
        if !self.has_matched_sets() {
            return None;
        }
        let mut sets: std::collections::BTreeMap<u64, (Vec<usize>, Vec<usize>)> =
            std::collections::BTreeMap::new();
        for (i, u) in self.units.iter().enumerate() {
            if let (Some(set), true) = (u.matched_set, u.weight > 0.0) {
                let entry = sets.entry(set).or_default();
                if u.treated {
                    entry.0.push(i)
                } else {
                    entry.1.push(i)
                }
            }
        }
        sets.into_values()
            .map(|(t, c)| (t.len() == 1 && c.len() == 1).then(|| (t[0], c[0])))
            .collect()
    }
}
