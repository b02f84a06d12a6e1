//! A study's whole life in one spec, driven through the `evident` binary: the
//! protocol stage (outcome data not there yet), the data arriving, and the bad input
//! of issue 14 (a report asked for before the analysis can run, outcome data that lack
//! an arm, a planned design that cannot reach its target level), each asserting the
//! exit code, the message and what was (and was not) written.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A two-arm RCT whose spec names `outcomes.csv` before it exists, planned with a
/// two-sample t test of 6 units.
const SPEC: &str = r#"{
  "evident": 1,
  "title": "Protocol test",
  "statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]},
  "design": {
    "kind": "rct",
    "units": {"file": "units.csv", "id": "id", "arm": "arm"},
    "arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}],
    "power": {"test": "t", "solve_for": "power", "effect": 0.8, "n": N, "attrition": 0.1}
  },
  "outcomes": [{"name": "y", "type": "continuous", "role": "primary", "better": "higher"}],
  "analysis": {"data": "outcomes.csv"},
  "evidence": {"target_level": 3},
  "report": {"dir": "out"}
}"#;

const UNITS: &str =
    "id,arm\n1,control\n2,control\n3,control\n4,treatment\n5,treatment\n6,treatment\n";
const OUTCOMES: &str = "id,y\n1,1.0\n2,2.0\n3,1.5\n4,3.0\n5,3.5\n6,4.5\n";

struct Study {
    dir: TempDir,
}

impl Study {
    /// The protocol-stage study, planned with `n` units.
    fn planned_with(n: u32) -> Study {
        let study = Study {
            dir: TempDir::new().expect("temporary folder"),
        };
        study.write("study.json", &SPEC.replace("N", &n.to_string()));
        study.write("units.csv", UNITS);
        study
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write test file");
    }

    fn spec(&self) -> PathBuf {
        self.dir.path().join("study.json")
    }

    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join("out").join(name)
    }

    fn json(&self, name: &str) -> Value {
        let text = std::fs::read_to_string(self.out(name)).expect("report file");
        serde_json::from_str(&text).expect("valid JSON")
    }
}

#[test]
fn check_and_plan_work_before_the_outcome_data_exist() {
    let study = Study::planned_with(200);
    evident()
        .arg("check")
        .arg(study.spec())
        .assert()
        .success()
        .stdout(predicate::str::contains("valid"))
        .stderr(predicate::str::contains("analysis.data"))
        .stderr(predicate::str::contains("outcomes.csv does not exist yet"));
    evident()
        .args(["-q", "plan"])
        .arg(study.spec())
        .assert()
        .success();
    let plan = study.json("plan.json");
    assert_eq!(plan["protocol"]["reachable_level"], 3);
    assert!(
        plan["protocol"]["waiting_for"]
            .as_str()
            .unwrap()
            .ends_with("outcomes.csv")
    );
}

#[test]
fn analyse_says_it_is_waiting_for_outcome_data_with_exit_3() {
    let study = Study::planned_with(200);
    evident()
        .arg("analyse")
        .arg(study.spec())
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "error: waiting for outcome data: ",
        ))
        .stderr(predicate::str::contains("outcomes.csv does not exist yet"))
        .stderr(predicate::str::contains(
            "hint: put the outcome data at that path",
        ));
    assert!(
        !study.dir.path().join("out").exists(),
        "analyse writes nothing"
    );
}

#[test]
fn a_report_asked_for_before_the_data_writes_the_protocol_report_and_exits_3() {
    let study = Study::planned_with(200);
    evident()
        .arg("report")
        .arg(study.spec())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("waiting for outcome data"))
        .stderr(predicate::str::contains("the protocol report"));
    assert!(study.out("protocol.md").exists());
    assert!(!study.out("report.json").exists(), "no results report yet");
    let protocol = study.json("protocol.json");
    assert!(protocol["analysis"].is_null());
    assert!(
        protocol["protocol"]["summary"]
            .as_str()
            .unwrap()
            .contains("level 3")
    );
}

#[test]
fn run_writes_the_protocol_report_then_the_results_once_the_data_arrive() {
    let study = Study::planned_with(200);
    evident()
        .arg("run")
        .arg(study.spec())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Protocol: waiting for outcome data",
        ))
        .stdout(predicate::str::contains("can reach Nesta level 3"));
    let protocol = study.json("protocol.json");
    let criteria = protocol["protocol"]["criteria"].as_array().unwrap();
    let sample = criteria.iter().find(|c| c["id"] == "sample_size").unwrap();
    assert_eq!(sample["prospect"], "depends_on_results");
    let data = criteria.iter().find(|c| c["id"] == "outcome_data").unwrap();
    assert!(data["needs"].as_str().unwrap().contains("outcomes.csv"));
    let md = std::fs::read_to_string(study.out("protocol.md")).unwrap();
    assert!(md.contains("## Protocol: the evidence this design can reach"));
    assert!(!md.contains("the spec has no analysis section"));

    // A year later: the same spec, now with its outcome data.
    study.write("outcomes.csv", OUTCOMES);
    evident()
        .args(["-q", "run"])
        .arg(study.spec())
        .assert()
        .success();
    let report = study.json("report.json");
    assert!(report.get("protocol").is_none());
    let rows = report["planned_vs_achieved"]["rows"].as_array().unwrap();
    let row = |key: &str| rows.iter().find(|r| r["key"] == key).unwrap().clone();
    // The plan: 200 units randomised, 10% expected attrition, so 180 analysed.
    assert_eq!(row("units_randomised")["planned"], 200.0);
    assert_eq!(row("units_randomised")["achieved"], 6.0);
    assert!((row("units_analysed")["planned"].as_f64().unwrap() - 180.0).abs() < 1e-9);
    assert_eq!(row("units_analysed")["achieved"], 6.0);
    assert_eq!(row("attrition")["planned"], 0.1);
    assert_eq!(row("attrition")["achieved"], 0.0);
    // The achieved MDES is the grade's formula on the analysis's SE and df.
    let c = &report["analysis"]["outcomes"][0]["comparisons"][0];
    let expected = evident::power::mdes_from_standard_error(
        c["estimate"]["std_error"].as_f64().unwrap(),
        c["estimate"]["df"].as_f64().unwrap(),
        0.05,
        0.8,
    )
    .unwrap()
        / c["outcome_sd"].as_f64().unwrap();
    let achieved = row("mdes")["achieved"].as_f64().unwrap();
    assert!(
        (achieved - expected).abs() <= 1e-12 * expected,
        "{achieved} vs {expected}"
    );
    assert!(achieved > row("mdes")["planned"].as_f64().unwrap());
    let md = std::fs::read_to_string(study.out("report.md")).unwrap();
    assert!(md.contains("## Planned and achieved"));
}

#[test]
fn outcome_data_that_lack_an_arm_keep_the_previous_report_and_write_the_protocol() {
    let study = Study::planned_with(200);
    study.write("outcomes.csv", OUTCOMES);
    evident()
        .args(["-q", "run"])
        .arg(study.spec())
        .assert()
        .success();
    let before = std::fs::read(study.out("report.json")).unwrap();
    // The outcome file has no row from the treatment arm.
    study.write("outcomes.csv", "id,y\n1,1.0\n2,2.0\n3,1.5\n");
    evident()
        .arg("run")
        .arg(study.spec())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error: "))
        .stderr(predicate::str::contains("treatment"))
        .stderr(predicate::str::contains(
            "the protocol report (plan, allocation and the level of evidence the design can reach) was written to",
        ));
    assert_eq!(
        std::fs::read(study.out("report.json")).unwrap(),
        before,
        "the previous results report is left as it was"
    );
    let protocol = study.json("protocol.json");
    assert!(
        protocol["headline"]
            .as_str()
            .unwrap()
            .contains("the analysis could not run")
    );
}

#[test]
fn a_planned_design_that_cannot_reach_the_target_level_is_warned_about() {
    // 20 units cannot detect 0.5 SD with 80% power.
    let study = Study::planned_with(20);
    evident()
        .arg("check")
        .arg(study.spec())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "the planned design cannot reach target level 3",
        ))
        .stderr(predicate::str::contains("plan a larger sample"));
    evident()
        .arg("run")
        .arg(study.spec())
        .assert()
        .success()
        .stderr(predicate::str::contains("cannot reach target level 3"));
    let protocol = study.json("protocol.json");
    assert_eq!(protocol["protocol"]["reachable_level"], 2);
    let sample = protocol["protocol"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "sample_size")
        .unwrap()
        .clone();
    assert_eq!(sample["prospect"], "out_of_reach");
}

/// A cluster trial: the observed ICC and cluster size beside the assumed ones.
#[test]
fn a_cluster_trial_compares_its_icc_and_cluster_size_with_the_plan() {
    let dir = TempDir::new().unwrap();
    let source = repo().join("tests/reference/analysis/cluster");
    for name in ["pupils.csv", "scores.csv"] {
        std::fs::copy(source.join(name), dir.path().join(name)).unwrap();
    }
    let mut spec: Value =
        serde_json::from_str(&std::fs::read_to_string(source.join("study.json")).unwrap()).unwrap();
    spec["design"]["power"] = serde_json::json!({
        "test": "cluster", "solve_for": "power", "effect": 0.4,
        "clusters": 24, "cluster_size": 20, "icc": 0.2
    });
    let path = dir.path().join("study.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    evident().args(["-q", "run"]).arg(&path).assert().success();
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report/report.json")).unwrap(),
    )
    .unwrap();
    let comparison = &report["planned_vs_achieved"];
    let rows = comparison["rows"].as_array().unwrap();
    let row = |key: &str| rows.iter().find(|r| r["key"] == key).unwrap().clone();
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/reference/lifecycle/icc.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(row("icc")["planned"], 0.2);
    let observed = row("icc")["achieved"].as_f64().unwrap();
    let r = fixture["nested"]["icc"].as_f64().unwrap();
    assert!((observed - r).abs() <= 1e-10 * r, "{observed} vs R {r}");
    for bound in ["conf_low", "conf_high"] {
        let ours = row("icc")[format!("achieved_{bound}")].as_f64().unwrap();
        let theirs = fixture["nested"][bound].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= 1e-10 * theirs,
            "{bound}: {ours} vs R {theirs}"
        );
    }
    // 0.2 lies inside R's interval (0.188 to 0.481).
    assert!(row("icc")["note"].as_str().unwrap().contains("inside"));
    assert_eq!(row("clusters_analysed")["planned"], 24.0);
    assert_eq!(row("clusters_analysed")["achieved"], 24.0);
    assert_eq!(row("cluster_size")["planned"], 20.0);
    let size = row("cluster_size")["achieved"].as_f64().unwrap();
    assert!((size - 472.0 / 24.0).abs() < 1e-12);
    assert!(
        comparison["icc_method"]
            .as_str()
            .unwrap()
            .contains("one-way ANOVA")
    );
}

/// The prospect follows the design: a before/after study can reach level 2 at most
/// (no comparison group), a matched comparison level 3 with balance left to the data.
#[test]
fn the_reachable_level_follows_the_design() {
    let prospect = |name: &str| {
        let plan = evident::pipeline::check(&repo().join(format!("specs/{name}/study.json")))
            .unwrap()
            .plan;
        evident::lifecycle::prospect(&plan, None)
    };
    let before_after = prospect("ambulance-standby");
    assert_eq!(before_after.reachable_level, 2);
    let comparison = before_after
        .criteria
        .iter()
        .find(|c| c.id == "comparison_group")
        .unwrap();
    assert_eq!(
        comparison.prospect,
        evident::lifecycle::Prospect::OutOfReach
    );
    assert!(
        before_after
            .summary
            .contains("level 3 needs: a control or comparison group")
    );

    let matched = prospect("neet-early-warning");
    assert_eq!(matched.reachable_level, 3);
    assert!(matched.criteria.iter().all(|c| c.id != "attrition"));
    let balance = matched
        .criteria
        .iter()
        .find(|c| c.id == "baseline_equivalence")
        .unwrap();
    assert_eq!(
        balance.prospect,
        evident::lifecycle::Prospect::DependsOnResults
    );

    // The designs graded by their own rules reach level 3 on paper, through their own
    // criteria (an RD's comparison is either side of the cut-off, not a control arm).
    for (name, own) in [
        ("hmo-inspections-rd", "rd_diagnostics"),
        ("council-programme-did", "parallel_trends"),
        ("ambulance-standby-its", "design_diagnostics"),
        ("programme-rollout", "staggered_pre_trends"),
        ("fire-policy-synth", "placebo_p_value"),
    ] {
        let p = prospect(name);
        assert_eq!(p.reachable_level, 3, "{name}: {}", p.summary);
        let level_three: Vec<_> = p.criteria.iter().filter(|c| c.level == 3).collect();
        assert!(
            level_three.iter().any(
                |c| c.id == own && c.prospect == evident::lifecycle::Prospect::DependsOnResults
            ),
            "{name}: {level_three:?}"
        );
        assert!(
            p.criteria
                .iter()
                .all(|c| c.prospect != evident::lifecycle::Prospect::OutOfReach),
            "{name}: {:?}",
            p.criteria
        );
    }
}
