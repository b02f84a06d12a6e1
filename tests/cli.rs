//! Drives the `evident` binary as a user would: the bundled examples, and every
//! kind of bad input the foundation issue lists, each asserting the exit code, the
//! one-line message and the hint.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A study in a temporary folder: a two-arm RCT spec and its data, which each test
/// then breaks in one way.
struct Study {
    dir: TempDir,
}

const SPEC: &str = r#"{
  "evident": 1,
  "title": "Test study",
  "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]},
  "design": {
    "kind": "rct",
    "units": {"file": "units.csv", "id": "id", "arm": "arm"},
    "arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}]
  },
  "outcomes": [{"name": "y", "type": "continuous", "role": "primary"}],
  "analysis": {"data": "outcomes.csv", "covariates": ["x"]},
  "report": {"dir": "out"}
}"#;

const UNITS: &str =
    "id,arm\n1,control\n2,control\n3,control\n4,treatment\n5,treatment\n6,treatment\n";
const OUTCOMES: &str = "id,y,x\n1,1.0,0.5\n2,2.0,0.1\n3,1.5,0.3\n4,3.0,0.2\n5,3.5,0.6\n6,4.5,0.4\n";

impl Study {
    fn new() -> Study {
        let study = Study {
            dir: TempDir::new().expect("temporary folder"),
        };
        study.write("study.json", SPEC.as_bytes());
        study.write("units.csv", UNITS.as_bytes());
        study.write("outcomes.csv", OUTCOMES.as_bytes());
        study
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(name), bytes).expect("write test file");
    }

    fn spec(&self) -> PathBuf {
        self.dir.path().join("study.json")
    }

    fn edit_spec(&self, from: &str, to: &str) {
        assert!(
            SPEC.contains(from),
            "test edits text that is in the spec: {from}"
        );
        self.write("study.json", SPEC.replacen(from, to, 1).as_bytes());
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn run(&self) -> assert_cmd::assert::Assert {
        evident().arg("run").arg(self.spec()).assert()
    }
}

fn assert_invalid(assert: assert_cmd::assert::Assert, message: &str) {
    assert
        .code(2)
        .stderr(predicate::str::contains(message))
        .stderr(predicate::str::contains("hint: "))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn valid_study_runs_and_writes_three_formats_and_a_chart() {
    let study = Study::new();
    study
        .run()
        .success()
        .stdout(predicate::str::contains("wrote"));
    for name in ["report.json", "report.md", "report.html", "forest.svg"] {
        assert!(study.out().join(name).is_file(), "{name} written");
    }
    let html = std::fs::read_to_string(study.out().join("report.html")).unwrap();
    assert!(
        html.contains("<svg") && html.contains("<title id=\"forest-title\">"),
        "chart inlined with a title"
    );
    assert!(
        !html.contains("src=\"http") && !html.contains("<script"),
        "self-contained, no scripts"
    );
}

#[test]
fn same_inputs_give_identical_report_bytes() {
    let study = Study::new();
    study.run().success();
    let first = std::fs::read(study.out().join("report.json")).unwrap();
    let first_html = std::fs::read(study.out().join("report.html")).unwrap();
    study.run().success();
    assert_eq!(
        first,
        std::fs::read(study.out().join("report.json")).unwrap()
    );
    assert_eq!(
        first_html,
        std::fs::read(study.out().join("report.html")).unwrap()
    );
}

#[test]
fn check_accepts_a_valid_spec() {
    let study = Study::new();
    evident()
        .arg("check")
        .arg(study.spec())
        .assert()
        .success()
        .stdout(predicate::str::contains("valid"));
}

#[test]
fn malformed_json_names_line_and_column() {
    let study = Study::new();
    study.edit_spec("\"title\": \"Test study\",", "\"title\": \"Test study\"");
    assert_invalid(
        evident().arg("check").arg(study.spec()).assert(),
        "study.json:4:3: malformed JSON",
    );
}

#[test]
fn unknown_key_names_line_field_and_suggestion() {
    let study = Study::new();
    study.edit_spec("\"covariates\"", "\"covariate\"");
    assert_invalid(
        evident().arg("check").arg(study.spec()).assert(),
        "study.json:11:40: analysis.covariate: unknown key `covariate`; did you mean `covariates`?",
    );
}

#[test]
fn wrong_type_names_the_field() {
    let study = Study::new();
    study.edit_spec(
        "\"share\": 0.5}, {\"name\": \"treatment\"",
        "\"share\": \"half\"}, {\"name\": \"treatment\"",
    );
    assert_invalid(
        evident().arg("check").arg(study.spec()).assert(),
        "design.arms[0].share: wrong type",
    );
}

#[test]
fn shares_that_do_not_sum_to_one_are_located() {
    let study = Study::new();
    study.edit_spec("\"share\": 0.5}]", "\"share\": 0.4}]");
    assert_invalid(
        evident().arg("check").arg(study.spec()).assert(),
        "study.json:8:5: design.arms: arm shares sum to 0.9, they must sum to 1",
    );
}

#[test]
fn two_primary_outcomes_are_rejected() {
    let study = Study::new();
    study.edit_spec(
        "\"role\": \"primary\"}]",
        "\"role\": \"primary\"}, {\"name\": \"x\", \"type\": \"continuous\", \"role\": \"primary\"}]",
    );
    assert_invalid(
        evident().arg("check").arg(study.spec()).assert(),
        "exactly one outcome may be primary",
    );
}

#[test]
fn missing_spec_file_is_a_clear_error() {
    assert_invalid(
        evident().arg("check").arg("no/such/study.json").assert(),
        "cannot read spec no/such/study.json",
    );
}

/// A data file that does not exist is a protocol-stage spec, not an error (issue 14):
/// `check` names it in a warning; `analyse` waits for it (exit 3).
#[test]
fn missing_data_file_is_named_by_check() {
    let study = Study::new();
    study.edit_spec("\"outcomes.csv\"", "\"outcome.csv\"");
    evident()
        .arg("check")
        .arg(study.spec())
        .assert()
        .success()
        .stderr(predicate::str::contains("analysis.data: "))
        .stderr(predicate::str::contains("outcome.csv does not exist yet"));
    evident()
        .arg("analyse")
        .arg(study.spec())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("waiting for outcome data"))
        .stderr(predicate::str::contains("hint: "));
}

#[test]
fn missing_column_is_named_with_a_suggestion() {
    let study = Study::new();
    study.edit_spec("\"covariates\": [\"x\"]", "\"covariates\": [\"xx\"]");
    assert_invalid(
        evident().arg("check").arg(study.spec()).assert(),
        "analysis.covariates[0]: column `xx` is not in",
    );
}

#[test]
fn non_utf8_csv_names_line_and_column() {
    let study = Study::new();
    study.write("outcomes.csv", b"id,y,x\n1,1.0,0.5\n2,2.0,caf\xe9\n");
    assert_invalid(study.run(), "outcomes.csv:3: column x is not valid UTF-8");
}

#[test]
fn ragged_csv_names_the_line() {
    let study = Study::new();
    study.write("outcomes.csv", b"id,y,x\n1,1.0,0.5\n2,2.0\n");
    assert_invalid(
        study.run(),
        "outcomes.csv:3: row has 2 fields but the header has 3",
    );
}

#[test]
fn non_numeric_outcome_names_line_and_column() {
    let study = Study::new();
    study.write("outcomes.csv", OUTCOMES.replace("3.5", "three").as_bytes());
    assert_invalid(
        study.run(),
        "outcomes.csv:6: column `y`: `three` is not a number",
    );
}

#[test]
fn empty_data_file_is_an_error() {
    let study = Study::new();
    study.write("outcomes.csv", b"id,y,x\n");
    assert_invalid(study.run(), "the file has a header but no data rows");
    study.write("outcomes.csv", b"");
    assert_invalid(
        evident().arg("check").arg(study.spec()).assert(),
        "the file is empty",
    );
}

#[test]
fn duplicate_unit_id_names_both_lines() {
    let study = Study::new();
    study.write(
        "outcomes.csv",
        OUTCOMES.replace("5,3.5", "4,3.5").as_bytes(),
    );
    assert_invalid(
        study.run(),
        "identifier `4` in column `id` already appears on line 5",
    );
}

#[test]
fn an_arm_with_no_units_is_an_error() {
    let study = Study::new();
    study.write(
        "units.csv",
        UNITS.replace("treatment", "control").as_bytes(),
    );
    study.write("outcomes.csv", OUTCOMES.as_bytes());
    assert_invalid(study.run(), "arm `treatment` has no units");
}

#[test]
fn an_outcome_with_zero_variance_is_an_error() {
    let study = Study::new();
    let constant = "id,y,x\n1,2,0.5\n2,2,0.1\n3,2,0.3\n4,2,0.2\n5,2,0.6\n6,2,0.4\n";
    study.write("outcomes.csv", constant.as_bytes());
    assert_invalid(study.run(), "outcome `y` has zero variance");
}

#[test]
fn missing_value_is_an_error_by_default_and_dropped_when_listwise() {
    let study = Study::new();
    study.write("outcomes.csv", OUTCOMES.replace("3.5", "NA").as_bytes());
    assert_invalid(study.run(), "outcomes.csv:6: column `y`: value is missing");
    study.write(
        "study.json",
        SPEC.replace(
            "\"covariates\"",
            "\"missing\": \"listwise\", \"covariates\"",
        )
        .as_bytes(),
    );
    study.write("outcomes.csv", OUTCOMES.replace("3.5", "NA").as_bytes());
    study.run().success();
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(study.out().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["analysis"]["outcomes"][0]["excluded_missing"], 1);
    assert_eq!(report["analysis"]["flow"]["arms"][1]["analysed"], 2);
}

#[test]
fn unknown_arm_in_the_data_is_named() {
    let study = Study::new();
    study.write(
        "units.csv",
        UNITS.replacen("treatment", "treatmnet", 1).as_bytes(),
    );
    assert_invalid(
        study.run(),
        "units.csv:5: column `arm`: arm `treatmnet` is not one of the declared arms",
    );
}

#[test]
fn a_match_stage_without_a_group_column_stops_the_run_before_anything_is_written() {
    let study = Study::new();
    study.edit_spec(
        "\"kind\": \"rct\",",
        "\"kind\": \"matched_comparison\", \"matching\": {\"method\": \"nearest\"},",
    );
    assert_invalid(
        study.run(),
        "design.matching: the match stage reads each unit's group from analysis.treatment",
    );
    assert!(!study.out().exists(), "nothing written");
}

#[test]
fn a_failed_run_leaves_the_previous_report_intact() {
    let study = Study::new();
    study.run().success();
    let before = std::fs::read(study.out().join("report.json")).unwrap();
    study.write("outcomes.csv", b"id,y,x\n1,1.0,0.5\n2,2.0\n");
    study.run().code(2);
    assert_eq!(
        before,
        std::fs::read(study.out().join("report.json")).unwrap()
    );
    let leftovers: Vec<_> = std::fs::read_dir(study.out())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left behind");
}

#[test]
fn schema_is_valid_json_naming_the_spec_sections() {
    let output = evident().arg("schema").output().unwrap();
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in [
        "evident",
        "title",
        "statement",
        "design",
        "outcomes",
        "analysis",
        "evidence",
        "report",
    ] {
        assert!(
            schema["properties"].get(key).is_some(),
            "schema documents {key}"
        );
    }
}

fn run_example(name: &str) -> serde_json::Value {
    let out = TempDir::new().unwrap();
    let spec = repo().join("specs").join(name).join("study.json");
    evident()
        .arg("run")
        .arg(&spec)
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    for file in ["report.json", "report.md", "report.html", "forest.svg"] {
        assert!(out.path().join(file).is_file(), "{name}: {file} written");
    }
    serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap()
}

fn level(report: &serde_json::Value) -> u64 {
    report["grade"]["level"].as_u64().unwrap()
}

#[test]
fn hmo_example_is_a_randomised_trial_graded_level_three() {
    let report = run_example("hmo-inspections");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["design"]["kind"], "rct");
    assert_eq!(level(&report), 3);
    assert_eq!(report["analysis"]["flow"]["arms"][0]["allocated"], 1200);
}

#[test]
fn ambulance_example_is_a_before_after_study_graded_level_two() {
    let report = run_example("ambulance-standby");
    assert_eq!(report["design"]["kind"], "before_after");
    assert_eq!(level(&report), 2);
    let criteria = report["grade"]["criteria"].as_array().unwrap();
    let comparison = criteria
        .iter()
        .find(|c| c["id"] == "comparison_group")
        .unwrap();
    assert_eq!(comparison["status"], "not_met");
}

#[test]
fn neet_example_runs_as_a_matched_comparison() {
    let report = run_example("neet-early-warning");
    assert_eq!(report["design"]["kind"], "matched_comparison");
    assert!(report["analysis"]["baseline"].as_array().unwrap().len() >= 6);
}

#[test]
fn every_example_spec_passes_check() {
    for entry in std::fs::read_dir(repo().join("specs")).unwrap() {
        let spec = entry.unwrap().path().join("study.json");
        if Path::new(&spec).is_file() {
            evident().arg("check").arg(&spec).assert().success();
        }
    }
}

#[test]
fn issue_14_an_extreme_value_is_refused_naming_file_line_and_column_with_a_hint() {
    let study = Study::new();
    study.write(
        "outcomes.csv",
        OUTCOMES.replacen("2,2.0,0.1", "2,-1e308,0.1", 1).as_bytes(),
    );
    assert_invalid(
        study.run(),
        "outcomes.csv:3: column `y`: `-1e308` is outside the range",
    );
    study.write(
        "outcomes.csv",
        OUTCOMES.replacen("2,2.0,0.1", "2,2.0,1e200", 1).as_bytes(),
    );
    assert_invalid(
        study.run(),
        "outcomes.csv:3: column `x`: `1e200` is outside the range",
    );
}

#[test]
fn issue_14_an_arm_column_that_disagrees_with_the_allocation_names_unit_and_both_arms() {
    let study = Study::new();
    study.edit_spec(
        r#""analysis": {"data": "outcomes.csv""#,
        r#""analysis": {"data": "outcomes.csv", "treatment": "group""#,
    );
    study.write(
        "outcomes.csv",
        b"id,group,y,x\n1,control,1.0,0.5\n2,control,2.0,0.1\n3,treatment,1.5,0.3\n4,treatment,3.0,0.2\n5,treatment,3.5,0.6\n6,treatment,4.5,0.4\n",
    );
    assert_invalid(
        study.run(),
        "outcomes.csv:4: unit `3` is in arm `treatment` here but allocated to `control` in ",
    );
}

/// `analysis.engine`: `memory` (the default) is accepted by name; a value that is
/// not an engine is refused at `check` naming the key and the value.
#[test]
fn analysis_engine_is_parsed_at_check() {
    let study = Study::new();
    study.edit_spec(
        "\"covariates\": [\"x\"]}",
        "\"covariates\": [\"x\"], \"engine\": \"memory\"}",
    );
    evident().arg("check").arg(study.spec()).assert().success();
    for bad in ["spark://h:1", "ballista://host:0", "DataFusion"] {
        study.edit_spec(
            "\"covariates\": [\"x\"]}",
            &format!("\"covariates\": [\"x\"], \"engine\": \"{bad}\"}}"),
        );
        let assert = evident().arg("check").arg(study.spec()).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains("analysis.engine: unknown engine") && stderr.contains(bad),
            "{bad}: {stderr}"
        );
    }
}

/// Without the `cluster` feature an engine spec is refused with the NotBuilt
/// message and its hint, before any stage writes a file.
#[cfg(not(feature = "cluster"))]
#[test]
fn an_engine_not_built_in_is_refused_and_nothing_is_written() {
    let study = Study::new();
    study.edit_spec(
        "\"covariates\": [\"x\"]}",
        "\"covariates\": [\"x\"], \"engine\": \"datafusion\"}",
    );
    for command in ["check", "run", "analyse"] {
        assert_invalid(
            evident().arg(command).arg(study.spec()).assert(),
            "analysis.engine: the datafusion engine is not in this build of evident (it was built without the `cluster` feature): build evident with `cargo build --release --features cluster`",
        );
        assert!(!study.out().exists(), "{command} wrote nothing");
    }
}
