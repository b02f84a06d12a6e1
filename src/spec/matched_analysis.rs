//! `analysis.matched`: analyse a matched comparison from its matched file
//! (`unit,treated,matched_set,weight,distance,status`, written by `evident match`
//! or made elsewhere): balance before and after, the effect on the treated with the
//! matching's standard errors, sensitivity to unmeasured confounding, and the
//! grading check (docs/statistics.md, "Matched comparison").

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::matching::Estimand;

/// The matched file and what the effect model adds.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchedAnalysisSpec {
    /// matched.csv, relative to the spec file.
    pub file: String,
    /// The population the matching targeted: `att` (default), `ate` or `atc`; it
    /// sets the SMD denominator.
    #[serde(default)]
    pub estimand: Estimand,
    /// Columns of the analysis data the effect model adjusts for (doubly robust);
    /// balance is shown on `analysis.covariates`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjust_for: Vec<String>,
}

/// `analysis.matched` validated: the file resolved against the spec's folder.
#[derive(Debug, Clone)]
pub struct MatchedAnalysisPlan {
    pub file: PathBuf,
    pub estimand: Estimand,
    pub adjust_for: Vec<String>,
}
