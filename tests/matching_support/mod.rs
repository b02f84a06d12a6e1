//! A spec over the matching reference pool (tests/reference/matching/pool.csv)
//! with a given `design.matching`, shared by the matching test suites.

use std::path::PathBuf;

use tempfile::TempDir;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A spec over the reference pool with the given `design.matching`.
pub fn spec_with(matching: &str, covariates: &[&str]) -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let data = repo().join("tests/reference/matching/pool.csv");
    let covariates = serde_json::to_string(covariates).unwrap();
    let text = format!(
        r#"{{
  "evident": 1,
  "title": "matching parity",
  "statement": {{ "problem": "p", "action": "a", "data_product": "d", "datasets": ["x"] }},
  "design": {{
    "kind": "matched_comparison",
    "arms": [ {{ "name": "control", "share": 0.5 }}, {{ "name": "treated", "share": 0.5 }} ],
    "control": "control",
    "matching": {matching}
  }},
  "outcomes": [ {{ "name": "x1", "type": "continuous", "role": "primary" }} ],
  "analysis": {{ "data": "{}", "id": "unit", "treatment": "group", "covariates": {covariates} }},
  "report": {{ "dir": "out" }}
}}"#,
        data.display()
    );
    let path = dir.path().join("study.json");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}
