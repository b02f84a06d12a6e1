//! Drives `evident assign` and the assign stage of `evident run` as a user would:
//! reproducible files, refusal to replace an allocation, verification, the report's
//! assignment section, the analysis reading arms from assignments.csv, and every
//! kind of bad input the issue lists (a clear error naming the block, unit or row,
//! and nothing written).

mod assign_support;

use assert_cmd::Command;
use assign_support::{AssignStudy, read, spec_text, units_csv};
use predicates::prelude::*;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

const TWO_ARMS: &str =
    r#""arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}]"#;

fn blocked(extra: &str) -> String {
    spec_text(
        "rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    {TWO_ARMS},
    "assignment": {{"method": "blocked", "blocks": ["region"], "covariates": ["age", "score"]{extra}}}"#
        ),
        None,
    )
}

fn assign(study: &AssignStudy) -> assert_cmd::assert::Assert {
    evident().arg("assign").arg(study.spec()).assert()
}

fn assert_invalid(assert: assert_cmd::assert::Assert, message: &str) {
    assert
        .code(2)
        .stderr(predicate::str::contains(message))
        .stderr(predicate::str::contains("hint: "))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn assign_writes_the_allocation_and_manifest_and_reruns_byte_for_byte() {
    let study = AssignStudy::new(&blocked(r#", "seed": 99"#), &units_csv(60, 3));
    assign(&study)
        .success()
        .stdout(predicate::str::contains("seed 99 (spec)"));
    let csv = read(&study.out().join("assignments.csv"));
    let manifest = read(&study.out().join("manifest.json"));
    assert!(csv.starts_with(b"id,arm,block,cluster,probability\n"));
    let m: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(m["seed"], 99);
    assert_eq!(m["method"], "blocked");
    assert_eq!(m["procedure"], "evident-assign-v1");
    assert_eq!(m["blocks"].as_array().unwrap().len(), 3);
    for key in ["units_sha256", "design_sha256", "assignments_sha256"] {
        assert_eq!(m[key].as_str().unwrap().len(), 64, "{key}");
    }
    assign(&study)
        .success()
        .stdout(predicate::str::contains("identical bytes"));
    assert_eq!(csv, read(&study.out().join("assignments.csv")));
    assert_eq!(manifest, read(&study.out().join("manifest.json")));
}

#[test]
fn a_different_seed_is_refused_without_force_and_replaces_with_it() {
    let study = AssignStudy::new(&blocked(r#", "seed": 1"#), &units_csv(60, 3));
    assign(&study).success();
    let first = read(&study.out().join("assignments.csv"));
    study.write("study.json", blocked(r#", "seed": 2"#).as_bytes());
    assign(&study)
        .code(2)
        .stderr(predicate::str::contains("holds a different allocation"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        first,
        read(&study.out().join("assignments.csv")),
        "untouched"
    );
    evident()
        .args(["assign", "--force"])
        .arg(study.spec())
        .assert()
        .success();
    assert_ne!(first, read(&study.out().join("assignments.csv")));
}

#[test]
fn changed_units_are_refused_and_run_needs_force_too() {
    let study = AssignStudy::new(&blocked(r#", "seed": 5"#), &units_csv(60, 3));
    assign(&study).success();
    study.write("units.csv", units_csv(61, 3).as_bytes());
    assign(&study)
        .code(2)
        .stderr(predicate::str::contains("different allocation"));
    evident()
        .arg("run")
        .arg(study.spec())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("different allocation"));
    evident()
        .args(["run", "--force"])
        .arg(study.spec())
        .assert()
        .success();
}

#[test]
fn verify_confirms_the_file_and_detects_tampering() {
    let study = AssignStudy::new(&blocked(r#", "seed": 7"#), &units_csv(40, 2));
    assign(&study).success();
    evident()
        .args(["assign", "--verify"])
        .arg(study.spec())
        .assert()
        .success()
        .stdout(predicate::str::contains("verified"));
    let path = study.out().join("assignments.csv");
    let text = String::from_utf8(read(&path)).unwrap();
    let tampered = if text.contains("U0001,control") {
        text.replacen("U0001,control", "U0001,treatment", 1)
    } else {
        text.replacen("U0001,treatment", "U0001,control", 1)
    };
    std::fs::write(&path, tampered).unwrap();
    evident()
        .args(["assign", "--verify"])
        .arg(study.spec())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "FAIL assignments.csv SHA-256 (recorded vs file)",
        ))
        .stderr(predicate::str::contains("does not match its manifest"));
}

#[test]
fn verify_without_an_allocation_says_how_to_make_one() {
    let study = AssignStudy::new(&blocked(""), &units_csv(20, 2));
    evident()
        .args(["assign", "--verify"])
        .arg(study.spec())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("manifest"))
        .stderr(predicate::str::contains("hint: run `evident assign`"));
}

#[test]
fn an_absent_seed_is_drawn_recorded_and_reused() {
    let study = AssignStudy::new(&blocked(""), &units_csv(30, 3));
    assign(&study)
        .success()
        .stdout(predicate::str::contains("(drawn)"));
    let m: serde_json::Value =
        serde_json::from_slice(&read(&study.out().join("manifest.json"))).unwrap();
    assert_eq!(m["seed_source"], "drawn");
    assert!(m["seed"].as_u64().unwrap() < 1 << 53);
    let csv = read(&study.out().join("assignments.csv"));
    assign(&study).success();
    assert_eq!(csv, read(&study.out().join("assignments.csv")));
}

#[test]
fn run_writes_a_plan_report_with_the_assignment_section_and_love_plot() {
    let study = AssignStudy::new(&blocked(r#", "seed": 3"#), &units_csv(60, 3));
    evident()
        .arg("run")
        .arg(study.spec())
        .assert()
        .success()
        .stdout(predicate::str::contains("assignments.csv"));
    let md = String::from_utf8(read(&study.out().join("report.md"))).unwrap();
    assert!(md.contains("## Assignment"));
    assert!(md.contains("Seed: 3"));
    assert!(md.contains("Manifest SHA-256"));
    assert!(md.contains("Variance ratio"));
    assert!(md.contains("Mahalanobis"));
    assert!(md.contains("love.svg"));
    let svg = String::from_utf8(read(&study.out().join("love.svg"))).unwrap();
    assert!(svg.contains("<title id=\"love-title\">"));
    let report: serde_json::Value =
        serde_json::from_slice(&read(&study.out().join("report.json"))).unwrap();
    assert_eq!(report["assignment"]["seed"], 3);
    assert_eq!(
        report["assignment"]["balance"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(!md.contains("U0001"), "no unit identifier in the report");
}

#[test]
fn the_analysis_reads_each_units_arm_from_assignments_csv() {
    let analysis = r#"{"data": "outcomes.csv"}"#;
    let spec = spec_text(
        "rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    {TWO_ARMS},
    "assignment": {{"method": "complete", "seed": 11}}"#
        ),
        Some(analysis),
    );
    let study = AssignStudy::new(&spec, &units_csv(40, 2));
    let mut outcomes = String::from("id,y\n");
    for i in 1..=40 {
        outcomes.push_str(&format!("U{i:04},{}\n", (i * 13 % 7) as f64 + 0.5));
    }
    study.write("outcomes.csv", outcomes.as_bytes());
    evident().arg("run").arg(study.spec()).assert().success();
    let report: serde_json::Value =
        serde_json::from_slice(&read(&study.out().join("report.json"))).unwrap();
    let flow = &report["analysis"]["flow"]["arms"];
    assert_eq!(flow[0]["allocated"], 20);
    assert_eq!(flow[1]["allocated"], 20);
    assert_eq!(flow[0]["analysed"], 20);
    // `report` skips assign but reads (and verifies) the allocation on disk.
    evident().arg("report").arg(study.spec()).assert().success();
}

#[test]
fn rerandomisation_records_draws_and_the_acceptance_rule() {
    let spec = spec_text(
        "rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    {TWO_ARMS},
    "assignment": {{"method": "complete", "seed": 4,
      "rerandomisation": {{"covariates": ["age", "score"], "acceptance_probability": 0.05}}}}"#
        ),
        None,
    );
    let study = AssignStudy::new(&spec, &units_csv(80, 2));
    evident()
        .args(["assign", "--json"])
        .arg(study.spec())
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_slice(&read(&study.out().join("manifest.json"))).unwrap();
    let r = &m["rerandomisation"];
    // qchisq(0.05, 2) = −2 log(0.95)
    let threshold = -2.0 * 0.95f64.ln();
    assert!((r["max_mahalanobis"].as_f64().unwrap() - threshold).abs() < 1e-12);
    assert!(r["draws"].as_u64().unwrap() >= 1);
    assert!(r["statistic"].as_f64().unwrap() <= threshold);
    assert_eq!(r["acceptance_probability"], 0.05);
}

#[test]
fn cluster_assignment_keeps_clusters_whole_with_fixed_counts() {
    let spec = spec_text(
        "cluster_rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    "cluster": "school",
    {TWO_ARMS},
    "assignment": {{"method": "cluster", "seed": 8, "counts": {{"control": 4, "treatment": 5}}}}"#
        ),
        None,
    );
    let study = AssignStudy::new(&spec, &units_csv(60, 3));
    assign(&study).success();
    let rows = assign_support::parse(&read(&study.out().join("assignments.csv")));
    let mut arm_of = std::collections::HashMap::new();
    for (_, arm, _, cluster, p) in &rows {
        let first = arm_of.entry(cluster.clone()).or_insert(arm.clone());
        assert_eq!(first, arm, "cluster {cluster} split");
        let expected = if arm == "control" {
            4.0 / 9.0
        } else {
            5.0 / 9.0
        };
        assert!((p - expected).abs() < 1e-15);
    }
    assert_eq!(arm_of.len(), 9);
    assert_eq!(arm_of.values().filter(|a| *a == "treatment").count(), 5);
}

// ---- bad input: a clear error naming the block, unit or row; nothing written ----

#[test]
fn a_block_with_one_unit_is_named_and_nothing_is_written() {
    let mut units = units_csv(20, 2);
    units.push_str("U9999,R9,S9,30,0.1\n");
    let study = AssignStudy::new(&blocked(""), &units);
    assert_invalid(
        assign(&study),
        "block `R9` has 1 unit(s) but there are 2 arms",
    );
    assert!(!study.out().exists(), "nothing written");
}

#[test]
fn more_arms_than_units_in_a_block_is_named() {
    let spec = spec_text(
        "rct",
        r#""units": {"file": "units.csv", "id": "id"},
    "arms": [{"name": "a", "share": 0.25}, {"name": "b", "share": 0.25}, {"name": "c", "share": 0.5}],
    "assignment": {"method": "blocked", "blocks": ["region"]}"#,
        None,
    );
    let units =
        "id,region,school,age,score\n1,x,s,1,1\n2,x,s,2,2\n3,y,s,3,3\n4,y,s,4,4\n5,y,s,5,5\n";
    let study = AssignStudy::new(&spec, units);
    assert_invalid(
        assign(&study),
        "block `x` has 2 unit(s) but there are 3 arms",
    );
    assert!(!study.out().exists());
}

#[test]
fn shares_that_do_not_sum_to_one_are_located() {
    let spec = blocked("").replace(r#""share": 0.5}]"#, r#""share": 0.6}]"#);
    let study = AssignStudy::new(&spec, &units_csv(20, 2));
    assert_invalid(assign(&study), "arm shares sum to 1.1, they must sum to 1");
}

#[test]
fn duplicate_unit_ids_name_both_lines() {
    let mut units = units_csv(10, 2);
    units.push_str("U0003,R0,S00-0,40,1.0\n");
    let study = AssignStudy::new(&blocked(""), &units);
    assert_invalid(
        assign(&study),
        "units.csv:12: identifier `U0003` in column `id` already appears on line 4",
    );
    assert!(!study.out().exists());
}

#[test]
fn a_missing_block_value_names_the_row() {
    let mut units = units_csv(10, 2);
    units.push_str("U0100,,S00-0,40,1.0\n");
    let study = AssignStudy::new(&blocked(""), &units);
    assert_invalid(
        assign(&study),
        "units.csv:12: column `region`: value is missing",
    );
    assert!(!study.out().exists());
}

#[test]
fn a_missing_cluster_value_names_the_row() {
    let spec = spec_text(
        "cluster_rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    "cluster": "school",
    {TWO_ARMS},
    "assignment": {{"method": "cluster"}}"#
        ),
        None,
    );
    let mut units = units_csv(10, 2);
    units.push_str("U0100,R0,NA,40,1.0\n");
    let study = AssignStudy::new(&spec, &units);
    assert_invalid(
        assign(&study),
        "units.csv:12: column `school`: value is missing",
    );
}

#[test]
fn a_cluster_split_across_blocks_is_named() {
    let spec = spec_text(
        "cluster_rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    "cluster": "school",
    {TWO_ARMS},
    "assignment": {{"method": "blocked_cluster", "blocks": ["region"]}}"#
        ),
        None,
    );
    let units =
        "id,region,school,age,score\n1,x,s1,1,1\n2,x,s2,2,2\n3,y,s3,3,3\n4,y,s1,4,4\n5,y,s4,5,5\n";
    let study = AssignStudy::new(&spec, units);
    assert_invalid(
        assign(&study),
        "units.csv:5: cluster `s1` is in block `y` here but in block `x` on line 2",
    );
    assert!(!study.out().exists());
}

#[test]
fn spec_rules_for_assignment_are_located() {
    // Blocks that are not columns, a cluster method without a cluster design.
    let spec = blocked("").replace(r#""blocks": ["region"]"#, r#""blocks": ["regoin"]"#);
    let study = AssignStudy::new(&spec, &units_csv(10, 2));
    assert_invalid(
        assign(&study),
        "design.assignment.blocks[0]: column `regoin` is not in",
    );
    let spec = blocked("").replace(r#""method": "blocked""#, r#""method": "cluster""#);
    let study = AssignStudy::new(&spec, &units_csv(10, 2));
    assert_invalid(assign(&study), "cluster allocates whole clusters");
    let spec = blocked("").replace(r#""method": "blocked""#, r#""method": "stratified""#);
    let study = AssignStudy::new(&spec, &units_csv(10, 2));
    assert_invalid(assign(&study), "design.assignment.method");
}

#[test]
fn an_odd_block_for_pairs_and_an_incomplete_pair_are_named() {
    let spec = spec_text(
        "rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    {TWO_ARMS},
    "assignment": {{"method": "matched_pairs", "pair_on": "age", "blocks": ["region"]}}"#
        ),
        None,
    );
    let units =
        "id,region,school,age,score\n1,x,s,1,1\n2,x,s,2,2\n3,y,s,3,3\n4,y,s,4,4\n5,y,s,5,5\n";
    let study = AssignStudy::new(&spec, units);
    assert_invalid(assign(&study), "block `y` has 3 units, an odd number");
    let spec = spec_text(
        "rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    {TWO_ARMS},
    "assignment": {{"method": "matched_pairs", "pairs": "school"}}"#
        ),
        None,
    );
    let units = "id,region,school,age,score\n1,x,p1,1,1\n2,x,p1,2,2\n3,y,p2,3,3\n";
    let study = AssignStudy::new(&spec, units);
    assert_invalid(assign(&study), "pair `p2` has 1 unit(s)");
}

#[test]
fn assign_without_a_declared_assignment_says_so() {
    let spec = spec_text(
        "rct",
        &format!(
            r#""units": {{"file": "units.csv", "id": "id"}},
    {TWO_ARMS}"#
        ),
        None,
    );
    let study = AssignStudy::new(&spec, &units_csv(10, 2));
    assert_invalid(assign(&study), "the spec declares no assign stage");
}

#[test]
fn schema_describes_the_assignment_section() {
    let out = evident().arg("schema").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for word in [
        "AssignmentSpec",
        "blocked_cluster",
        "acceptance_probability",
        "pair_on",
    ] {
        assert!(text.contains(word), "{word}");
    }
}
