//! A study's whole life in one spec. An evaluator writes the spec at the protocol
//! stage, when `analysis.data` does not exist yet, and adds the outcome data later:
//!
//! - until the data exist, `check`, `plan` and `assign` run, `analyse` and `report`
//!   say the study is waiting for outcome data, and `run` writes a protocol report
//!   with the level of evidence the design can reach if it succeeds ([`protocol`]);
//! - once they exist, the report sets what was planned against what was achieved:
//!   sample, clusters, cluster size, ICC, attrition and MDES ([`planned`]).

pub mod planned;
mod planned_rd;
pub mod protocol;

use std::path::Path;

use crate::spec::Plan;

pub use planned::{PlannedAchievedRow, PlannedVsAchieved, Quantity, compare};
pub use protocol::{Prospect, ProspectCriterion, Protocol, prospect};

/// The outcome data file a plan names that does not exist yet; `None` when the plan
/// declares no analysis or its data exist.
pub fn awaiting_outcome_data(plan: &Plan) -> Option<&Path> {
    plan.analysis
        .as_ref()
        .map(|a| a.data.as_path())
        .filter(|path| !path.exists())
}

/// The warning `check` gives for outcome data that do not exist yet.
pub fn awaiting_warning(path: &Path) -> String {
    format!(
        "{} does not exist yet: check, plan and assign run now; analyse and report wait for the outcome data, and run writes a protocol report",
        path.display()
    )
}
