//! The grade as a user meets it through the `evident` binary: `check` warnings that
//! agree with the grade `run` gives, the evidence significance level, the graded arm
//! of a multi-arm trial, and the secondary ratings in the report.

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

/// A study folder: units, outcome data and a spec assembled from its parts.
struct Study {
    dir: TempDir,
}

const UNITS: &str = "id,arm\n1,control\n2,control\n3,control\n4,control\n5,treatment\n6,treatment\n7,treatment\n8,treatment\n";
const OUTCOMES: &str = "id,arm,y,x\n1,control,1.0,0.5\n2,control,2.0,0.1\n3,control,1.5,0.3\n4,control,1.2,0.2\n5,treatment,3.0,0.2\n6,treatment,3.5,0.6\n7,treatment,4.5,0.4\n8,treatment,3.9,0.3\n";
const ARMS: &str = r#"[{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}]"#;

impl Study {
    fn new(design: &str, analysis: &str, evidence: &str) -> Study {
        let study = Study {
            dir: TempDir::new().expect("temporary folder"),
        };
        std::fs::write(study.dir.path().join("units.csv"), UNITS).unwrap();
        std::fs::write(study.dir.path().join("outcomes.csv"), OUTCOMES).unwrap();
        let spec = format!(
            r#"{{"evident": 1, "title": "Grading study",
  "statement": {{"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]}},
  "design": {design},
  "outcomes": [{{"name": "y", "type": "continuous", "role": "primary"}}],
  "analysis": {analysis},
  "evidence": {evidence},
  "report": {{"dir": "out"}}}}"#
        );
        std::fs::write(study.spec(), spec).unwrap();
        study
    }

    fn spec(&self) -> std::path::PathBuf {
        self.dir.path().join("study.json")
    }

    fn check(&self) -> assert_cmd::assert::Assert {
        evident().arg("check").arg(self.spec()).assert()
    }

    fn grade(&self) -> serde_json::Value {
        evident().arg("run").arg(self.spec()).assert().success();
        let report: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.dir.path().join("out/report.json")).unwrap(),
        )
        .unwrap();
        report["grade"].clone()
    }

    fn markdown(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("out/report.md")).unwrap()
    }
}

fn status<'a>(grade: &'a serde_json::Value, id: &str) -> &'a str {
    grade["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("criterion {id}"))["status"]
        .as_str()
        .unwrap()
}

fn rct_design() -> String {
    format!(
        r#"{{"kind": "rct", "units": {{"file": "units.csv", "id": "id", "arm": "arm"}}, "arms": {ARMS}}}"#
    )
}

const ANALYSIS: &str = r#"{"data": "outcomes.csv", "covariates": ["x"]}"#;

#[test]
fn a_sound_trial_checks_clean_and_shows_both_secondary_ratings() {
    let study = Study::new(&rct_design(), ANALYSIS, "{}");
    study
        .check()
        .success()
        .stderr(predicate::str::contains("warning").not());
    let grade = study.grade();
    assert_eq!(status(&grade, "attrition"), "met");
    assert!(grade["sms"]["level"].as_u64().is_some());
    assert!(grade["padlocks"]["padlocks"].as_u64().is_some());
    let md = study.markdown();
    assert!(md.contains("Secondary ratings"));
    assert!(md.contains("Maryland Scientific Methods Scale"));
    assert!(md.contains("padlocks"));
}

#[test]
fn a_descriptive_design_warns_at_target_two_and_stays_at_level_one() {
    let study = Study::new(
        r#"{"kind": "descriptive"}"#,
        r#"{"data": "outcomes.csv", "id": "id"}"#,
        r#"{"target_level": 2}"#,
    );
    study.check().success().stderr(predicate::str::contains(
        "target level 2 cannot be reached: a descriptive design",
    ));
    let grade = study.grade();
    assert_eq!(grade["level"], 1);
    assert_eq!(status(&grade, "positive_change"), "not_met");
    assert_eq!(grade["sms"]["level"], 0);
}

#[test]
fn a_trial_without_allocation_counts_warns_at_target_three_and_grade_agrees() {
    // The arm comes from the outcome data: nobody knows how many were allocated.
    let study = Study::new(
        &format!(r#"{{"kind": "rct", "arms": {ARMS}}}"#),
        r#"{"data": "outcomes.csv", "id": "id", "treatment": "arm", "covariates": ["x"]}"#,
        "{}",
    );
    study.check().success().stderr(predicate::str::contains(
        "target level 3 cannot be reached: without allocation counts",
    ));
    let grade = study.grade();
    assert_eq!(status(&grade, "attrition"), "not_assessed");
    assert!(grade["level"].as_u64().unwrap() < 3);
    // At target 2 there is nothing to warn about.
    let study = Study::new(
        &format!(r#"{{"kind": "rct", "arms": {ARMS}}}"#),
        r#"{"data": "outcomes.csv", "id": "id", "treatment": "arm"}"#,
        r#"{"target_level": 2}"#,
    );
    study
        .check()
        .success()
        .stderr(predicate::str::contains("warning").not());
}

#[test]
fn a_matched_comparison_without_covariates_warns_at_target_three_and_grade_agrees() {
    let study = Study::new(
        &format!(r#"{{"kind": "matched_comparison", "arms": {ARMS}}}"#),
        r#"{"data": "outcomes.csv", "id": "id", "treatment": "arm"}"#,
        "{}",
    );
    study.check().success().stderr(predicate::str::contains(
        "a matched comparison must show baseline equivalence",
    ));
    let grade = study.grade();
    assert_eq!(status(&grade, "baseline_equivalence"), "not_assessed");
    assert!(grade["level"].as_u64().unwrap() < 3);
}

#[test]
fn check_warns_when_the_analysis_alpha_or_alternative_differ_from_the_grade() {
    let study = Study::new(
        &rct_design(),
        r#"{"data": "outcomes.csv", "covariates": ["x"], "alpha": 0.1, "alternative": "less"}"#,
        "{}",
    );
    study
        .check()
        .success()
        .stderr(predicate::str::contains("analysis.alpha is 0.1"))
        .stderr(predicate::str::contains(
            "one-sided alternative points against the primary outcome's `better` direction",
        ));
    // The grade is two-sided at 0.05 whatever the analysis says.
    let grade = study.grade();
    assert_eq!(grade["evidence_alpha"], 0.05);
    let effect = grade["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "causal_effect")
        .unwrap();
    assert!(effect["observed"].as_str().unwrap().contains("two-sided p"));
}

#[test]
fn an_evidence_alpha_out_of_range_and_an_unknown_graded_arm_are_invalid() {
    let study = Study::new(&rct_design(), ANALYSIS, r#"{"thresholds": {"alpha": 0.7}}"#);
    study
        .check()
        .code(2)
        .stderr(predicate::str::contains("evidence.thresholds.alpha"));
    let study = Study::new(&rct_design(), ANALYSIS, r#"{"graded_arm": "treatmnet"}"#);
    study
        .check()
        .code(2)
        .stderr(predicate::str::contains("did you mean `treatment`"));
    let study = Study::new(&rct_design(), ANALYSIS, r#"{"graded_arm": "control"}"#);
    study
        .check()
        .code(2)
        .stderr(predicate::str::contains("is the control arm"));
}

const THREE_ARM_UNITS: &str = "id,arm\n1,control\n2,control\n3,control\n4,control\n5,letter\n6,letter\n7,letter\n8,letter\n9,visit\n10,visit\n11,visit\n12,visit\n";
const THREE_ARM_OUTCOMES: &str = "id,y,x\n1,1.0,0.5\n2,2.0,0.1\n3,1.5,0.3\n4,1.2,0.2\n5,3.0,0.2\n6,3.5,0.6\n7,4.5,0.4\n8,3.9,0.3\n9,1.4,0.9\n10,2.1,0.8\n11,1.9,0.7\n";

fn three_arm_study(arms: &str, evidence: &str) -> Study {
    let study = Study::new(
        &format!(
            r#"{{"kind": "rct", "control": "control", "units": {{"file": "units.csv", "id": "id", "arm": "arm"}}, "arms": {arms}}}"#
        ),
        ANALYSIS,
        evidence,
    );
    std::fs::write(study.dir.path().join("units.csv"), THREE_ARM_UNITS).unwrap();
    std::fs::write(study.dir.path().join("outcomes.csv"), THREE_ARM_OUTCOMES).unwrap();
    study
}

#[test]
fn a_multi_arm_grade_does_not_depend_on_the_order_of_arms() {
    let forward = three_arm_study(
        r#"[{"name": "control", "share": 0.34}, {"name": "letter", "share": 0.33}, {"name": "visit", "share": 0.33}]"#,
        "{}",
    );
    let backward = three_arm_study(
        r#"[{"name": "visit", "share": 0.33}, {"name": "letter", "share": 0.33}, {"name": "control", "share": 0.34}]"#,
        "{}",
    );
    forward
        .check()
        .success()
        .stderr(predicate::str::contains("no evidence.graded_arm"));
    let (a, b) = (forward.grade(), backward.grade());
    assert_eq!(a, b);
    // Both contrasts are graded; the visit arm lost a unit (3 of 4 analysed).
    let levels = a["contrast_levels"].as_array().unwrap();
    assert_eq!(levels.len(), 2);
    assert_eq!(levels[0]["contrast"], "letter vs control");
    assert_eq!(levels[1]["contrast"], "visit vs control");
    // Declared: only the letter contrast, on its own two arms (8 of 8 analysed).
    let letter = three_arm_study(
        r#"[{"name": "visit", "share": 0.33}, {"name": "letter", "share": 0.33}, {"name": "control", "share": 0.34}]"#,
        r#"{"graded_arm": "letter"}"#,
    );
    letter
        .check()
        .success()
        .stderr(predicate::str::contains("graded_arm").not());
    let grade = letter.grade();
    assert_eq!(grade["graded_contrast"], "letter vs control");
    assert!(grade.get("contrast_levels").is_none());
    let attrition = grade["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "attrition")
        .unwrap();
    assert!(
        attrition["observed"]
            .as_str()
            .unwrap()
            .starts_with("8 of 8 allocated units analysed"),
        "{attrition}"
    );
}
