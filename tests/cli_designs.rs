//! Drives the `evident` binary on the analysis keys that make a trial allocated
//! outside Evident analysed as it was allocated (`analysis.blocks`, `analysis.pairs`,
//! `analysis.randomisation_inference.procedure`): each kind of bad input gives exit
//! code 2, one located message and a hint.

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

const SPEC: &str = r#"{
  "evident": 1,
  "title": "Blocked test study",
  "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]},
  "design": {
    "kind": "rct",
    "arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}]
  },
  "outcomes": [{"name": "y", "type": "continuous", "role": "primary"}],
  "analysis": {"data": "outcomes.csv", "id": "id", "treatment": "arm", "blocks": ["site"]},
  "report": {"dir": "out"}
}"#;

const OUTCOMES: &str = "id,arm,site,pair,y\n\
1,control,a,p1,1.0\n2,treatment,a,p1,2.0\n3,control,a,p2,1.5\n4,treatment,a,p2,3.0\n\
5,control,b,p3,3.5\n6,treatment,b,p3,4.5\n7,control,b,p4,2.5\n8,treatment,b,p4,4.0\n";

fn study(spec: &str, outcomes: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("study.json"), spec).unwrap();
    std::fs::write(dir.path().join("outcomes.csv"), outcomes).unwrap();
    dir
}

fn invalid(dir: &TempDir, command: &str, message: &str) {
    evident()
        .arg(command)
        .arg(dir.path().join("study.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message))
        .stderr(predicate::str::contains("hint: "))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn declared_blocks_are_analysed_with_the_blocked_estimator_and_an_exact_ri_p_value() {
    let dir = study(SPEC, OUTCOMES);
    let output = evident()
        .args(["analyse", "--json"])
        .arg(dir.path().join("study.json"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let analysis = json.get("analysis").unwrap_or(&json);
    let c = &analysis["outcomes"][0]["comparisons"][0];
    assert_eq!(c["design"]["difference_in_means"], "blocked");
    assert_eq!(c["design"]["blocks"], 2);
    // N − 2B = 8 − 4.
    assert_eq!(c["estimate"]["df"], 4.0);
    let ri = &analysis["randomisation_inference"];
    assert_eq!(ri["method"], "exact");
    assert_eq!(ri["assumed_procedure"]["procedure"], "blocked");
    // C(4, 2) ways in each of the two sites.
    assert_eq!(ri["possible_allocations"], 36);
}

#[test]
fn a_misspelt_blocks_key_gets_a_suggestion() {
    let dir = study(&SPEC.replace("\"blocks\"", "\"block\""), OUTCOMES);
    invalid(&dir, "check", "unknown key `block`; did you mean `blocks`?");
}

#[test]
fn blocks_and_pairs_together_are_refused() {
    let dir = study(
        &SPEC.replace(
            "\"blocks\": [\"site\"]",
            "\"blocks\": [\"site\"], \"pairs\": \"pair\"",
        ),
        OUTCOMES,
    );
    invalid(
        &dir,
        "check",
        "analysis.pairs: declare either analysis.blocks or analysis.pairs",
    );
}

#[test]
fn a_block_column_that_is_not_in_the_data_is_named() {
    let dir = study(&SPEC.replace("[\"site\"]", "[\"sites\"]"), OUTCOMES);
    invalid(&dir, "check", "analysis.blocks[0]");
}

#[test]
fn a_blocked_procedure_without_blocks_is_refused() {
    let spec = SPEC.replace(
        "\"blocks\": [\"site\"]",
        "\"randomisation_inference\": {\"procedure\": \"blocked\"}",
    );
    let dir = study(&spec, OUTCOMES);
    invalid(
        &dir,
        "check",
        "analysis.randomisation_inference.procedure: blocked randomisation needs the blocks",
    );
}

#[test]
fn a_cluster_procedure_in_an_individually_randomised_trial_is_refused() {
    let spec = SPEC.replace(
        "\"blocks\": [\"site\"]",
        "\"randomisation_inference\": {\"procedure\": \"cluster\"}",
    );
    invalid(&study(&spec, OUTCOMES), "check", "applies to a cluster_rct");
}

#[test]
fn a_pair_with_three_units_is_named_with_its_line() {
    let spec = SPEC.replace("\"blocks\": [\"site\"]", "\"pairs\": \"pair\"");
    let outcomes = OUTCOMES.replace("4,treatment,a,p2", "4,treatment,a,p1");
    invalid(
        &study(&spec, &outcomes),
        "analyse",
        "column `pair` names the matched pairs, but pair `p1` has 3 units",
    );
}

#[test]
fn a_missing_block_value_is_named_with_its_line() {
    let outcomes = OUTCOMES.replace("5,control,b,p3", "5,control,,p3");
    invalid(
        &study(SPEC, &outcomes),
        "analyse",
        "outcomes.csv:6: column `site` names the blocks but is empty here",
    );
}
