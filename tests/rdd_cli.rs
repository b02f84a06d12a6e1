//! The regression discontinuity example (specs/hmo-inspections-rd) run end to end through
//! the `evident` binary: check, run, report.json's `analysis.regression_discontinuity`,
//! the grade, the report's RD section and charts, and bad RD settings refused with the
//! JSON path. The data's known truth (data/make_data.py): an inspection raises licensing
//! by 0.20 and listing at the cut-off raises inspection take-up by 0.75.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

fn spec() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/hmo-inspections-rd/study.json")
}

#[test]
fn the_rd_example_recovers_its_effect_and_is_graded_level_three() {
    let out = TempDir::new().unwrap();
    evident()
        .arg("run")
        .arg(spec())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    for file in ["rd-plot.svg", "rd-density.svg", "rd-bandwidth.svg"] {
        assert!(out.path().join(file).is_file(), "{file} written");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["design"]["kind"], "regression_discontinuity");
    let rd = &report["analysis"]["regression_discontinuity"];
    assert_eq!(rd["design"], "fuzzy");
    assert_eq!(
        rd["n_left"].as_u64().unwrap() + rd["n_right"].as_u64().unwrap(),
        6000
    );
    let robust = &rd["robust"];
    let (lo, hi) = (
        robust["conf_low"].as_f64().unwrap(),
        robust["conf_high"].as_f64().unwrap(),
    );
    assert!(lo < 0.20 && 0.20 < hi, "robust CI {lo} to {hi} covers 0.20");
    assert!(lo > 0.0, "the effect is detected: {lo}");
    let fs = &rd["first_stage"];
    assert!(fs["conf_low"].as_f64().unwrap() < 0.75 && 0.75 < fs["conf_high"].as_f64().unwrap());
    assert!(rd["density_p"].as_f64().unwrap() >= 0.05);
    assert_eq!(rd["max_nesta_level"], 3);
    assert_eq!(report["grade"]["level"], 3);
    assert_eq!(report["grade"]["sms"]["level"], 4);
    let criteria = report["grade"]["criteria"].as_array().unwrap();
    let diagnostics = criteria
        .iter()
        .find(|c| c["id"] == "rd_diagnostics")
        .unwrap();
    assert_eq!(diagnostics["status"], "met");
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains("## Regression discontinuity"));
    assert!(md.contains("near the cut-off"));
}

#[test]
fn rd_settings_are_checked_with_their_json_path() {
    let dir = TempDir::new().unwrap();
    let text = std::fs::read_to_string(spec()).unwrap();
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/hmo-inspections-rd/data");
    let with_data = text.replace(
        "data/properties.csv",
        &data.join("properties.csv").display().to_string(),
    );
    let write = |body: &str| {
        let path = dir.path().join("study.json");
        std::fs::write(&path, body).unwrap();
        path
    };
    // A misspelt column: located and a near name suggested.
    evident()
        .arg("check")
        .arg(write(&with_data.replace("\"risk_score\"", "\"risk_scor\"")))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "design.regression_discontinuity.running",
        ))
        .stderr(predicate::str::contains("risk_score"));
    // The block missing from an RD.
    let without: serde_json::Value = {
        let mut v: serde_json::Value = serde_json::from_str(&with_data).unwrap();
        v["design"]
            .as_object_mut()
            .unwrap()
            .remove("regression_discontinuity");
        v
    };
    evident()
        .arg("check")
        .arg(write(&without.to_string()))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("design.regression_discontinuity"));
    // An unknown key inside the block.
    evident()
        .arg("check")
        .arg(write(
            &with_data.replace("\"cutoff\": 60", "\"cutoff\": 60, \"cutof\": 1"),
        ))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cutof"));
    // A bad setting: its rule.
    evident()
        .arg("check")
        .arg(write(
            &with_data.replace("\"cutoff\": 60", "\"cutoff\": 60, \"order\": 3"),
        ))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("order must be 1 or 2"));
}
