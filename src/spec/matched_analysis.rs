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
    /// matched.csv, relative to the spec file; by default the one the match stage
    /// (`design.matching`) writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The population the matching targeted: `att`, `ate` or `atc`; it sets the SMD
    /// denominator. By default `design.matching.estimand`, else `att`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimand: Option<Estimand>,
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

impl MatchedAnalysisPlan {
    /// The analysis of the comparison group the match stage builds: its matched.csv,
    /// its estimand, and the model settings of `analysis.matched` when given. A spec
    /// with `design.matching` analyses the matched sample whether or not it also
    /// writes `analysis.matched`, so the pool is never analysed unmatched by mistake.
    pub fn from_match_stage(
        spec: Option<&MatchedAnalysisSpec>,
        matching: &crate::spec::matching::MatchingPlan,
    ) -> MatchedAnalysisPlan {
        MatchedAnalysisPlan {
            file: matching.matched_path(),
            estimand: matching.estimand,
            adjust_for: spec.map(|s| s.adjust_for.clone()).unwrap_or_default(),
        }
    }
}
