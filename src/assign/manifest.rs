//! manifest.json: what an allocation was made from and what it contains, so anyone
//! can reproduce it (`evident assign --verify`) and see that it was not altered:
//! SHA-256 of the units file, of the spec's design section and of assignments.csv,
//! the seed and procedure, the engine version, counts per arm and per block, and the
//! rerandomisation acceptance rule. No timestamps, so a re-run writes the same bytes.

use serde::{Deserialize, Serialize};

use super::rerandomise::RerandomisationRecord;

/// Version of the manifest layout.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub manifest_version: u32,
    pub engine: String,
    pub engine_version: String,
    /// The documented random procedure (`src/assign/rng.rs`).
    pub procedure: String,
    pub method: String,
    pub seed: u64,
    /// `spec` (declared) or `drawn` (from the operating system, then reused).
    pub seed_source: String,
    /// The units file as the spec names it, and its SHA-256.
    pub units_file: String,
    pub units_sha256: String,
    /// SHA-256 of the spec's design section (compact JSON of the parsed section).
    pub design_sha256: String,
    pub assignments_file: String,
    pub assignments_sha256: String,
    pub n_units: usize,
    /// Clusters randomised, for cluster methods.
    pub n_clusters: Option<usize>,
    pub arms: Vec<ArmCount>,
    pub blocks: Vec<BlockCount>,
    pub rerandomisation: Option<RerandomisationRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArmCount {
    pub arm: String,
    pub share: f64,
    pub units: u64,
    /// Clusters allocated, for cluster methods.
    pub clusters: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockCount {
    pub block: String,
    /// Units per arm, in arm order.
    pub units: Vec<u64>,
    /// Probability of each arm for a unit of this block, in arm order.
    pub probabilities: Vec<f64>,
}

impl Manifest {
    /// What `self` (the manifest on disk) records differently from `other` (the
    /// one a run would write), one phrase per field, e.g.
    /// "units_sha256: recorded 3a…, now 9f…".
    pub fn differences(&self, other: &Manifest) -> Vec<String> {
        let ours = serde_json::to_value(self).expect("a manifest is plain JSON");
        let theirs = serde_json::to_value(other).expect("a manifest is plain JSON");
        let (Some(ours), Some(theirs)) = (ours.as_object(), theirs.as_object()) else {
            return Vec::new();
        };
        ours.iter()
            .filter(|(key, value)| theirs.get(*key) != Some(*value))
            .map(|(key, value)| {
                let now = theirs.get(key).map_or("absent".into(), short_json);
                format!("{key}: recorded {}, now {now}", short_json(value))
            })
            .collect()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a manifest is plain JSON");
        bytes.push(b'\n');
        bytes
    }
}

/// A manifest value as a message quotes it: strings bare, bounded in length.
fn short_json(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::error::excerpt(&text).into_owned()
}
