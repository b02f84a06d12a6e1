//! A stepped-wedge trial driven through the binary as a user would: the example
//! (specs/stepped-wedge-falls) analysed as estimatr does (tests/reference/
//! stepped_wedge/falls_estimatr.R, compared at 1e-10) and graded; the assign stage's
//! allocation reproduced byte for byte whatever the units file's row order, verified,
//! and never silently replaced; the plan stage's Hussey–Hughes power beside its
//! simulation; and bad specs refused at their JSON path with a hint.

mod examples_support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use examples_support::copy_dir;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the example in a temporary folder; returns (folder guard, example dir).
fn example() -> (TempDir, PathBuf) {
    let root = TempDir::new().unwrap();
    let folder = root.path().join("specs").join("stepped-wedge-falls");
    copy_dir(&repo().join("specs/stepped-wedge-falls"), &folder);
    (root, folder)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn close(what: &str, ours: f64, theirs: f64) {
    assert!(
        (ours - theirs).abs() <= 1e-10 * theirs.abs().max(1e-300),
        "{what}: ours {ours}, estimatr {theirs}"
    );
}

#[test]
fn the_example_matches_estimatr_recovers_its_effect_and_reaches_level_3() {
    let (root, folder) = example();
    let out = root.path().join("out");
    evident()
        .arg("run")
        .arg(folder.join("study.json"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let report = json(&out.join("report.json"));
    let fit = &report["analysis"]["stepped_wedge"]["fits"][0];
    let reference = json(&repo().join("tests/reference/stepped_wedge/falls_estimatr.json"));
    for key in [
        "estimate",
        "std_error",
        "statistic",
        "df",
        "p_value",
        "conf_low",
        "conf_high",
    ] {
        close(
            key,
            fit["estimate"][key].as_f64().unwrap(),
            reference[key].as_f64().unwrap(),
        );
    }
    assert_eq!(fit["nobs"], reference["nobs"]);
    // The known effect (truth.json) inside the 99% interval: t(0.995, df) × SE.
    let truth = json(&folder.join("data/truth.json"))["effect"]
        .as_f64()
        .unwrap();
    let e = &fit["estimate"];
    let (est, se) = (
        e["estimate"].as_f64().unwrap(),
        e["std_error"].as_f64().unwrap(),
    );
    assert!(
        (est - truth).abs() < 3.2 * se,
        "estimate {est}, truth {truth}, SE {se}"
    );
    let sw = &report["analysis"]["stepped_wedge"];
    assert_eq!(sw["clusters_allocated"], 12);
    assert_eq!(sw["clusters_analysed"], 12);
    assert_eq!(sw["periods"].as_array().unwrap().len(), 5);
    // Quarter 0 all control, quarter 4 all crossed over, 3 more homes each quarter.
    for (q, period) in sw["periods"].as_array().unwrap().iter().enumerate() {
        assert_eq!(period["clusters_intervention"], 3 * q);
        assert_eq!(period["clusters_control"], 12 - 3 * q);
    }
    assert_eq!(report["grade"]["level"], 3);
    // Plan: Hussey-Hughes power and its simulation agree.
    let plan = &report["plan"];
    let agreement = &plan["simulation"]["agreement"];
    assert_eq!(agreement["agree"], true, "{agreement}");
    assert_eq!(plan["answers"][0]["family"], "stepped-wedge cluster trial");
}

#[test]
fn the_allocation_is_reproduced_verified_and_never_silently_replaced() {
    let (_root, folder) = example();
    let spec = folder.join("study.json");
    let committed = std::fs::read(folder.join("allocation/assignments.csv")).unwrap();
    // Rows of the units file reversed: the same allocation, byte for byte.
    let units = folder.join("data/care_homes.csv");
    let text = std::fs::read_to_string(&units).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    std::fs::write(&units, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    std::fs::remove_dir_all(folder.join("allocation")).unwrap();
    evident().arg("assign").arg(&spec).assert().success();
    assert_eq!(
        std::fs::read(folder.join("allocation/assignments.csv")).unwrap(),
        committed
    );
    let csv = String::from_utf8(committed).unwrap();
    assert!(csv.starts_with("home,cluster,step,crossover_period\n"));
    for step in 1..=4 {
        assert_eq!(
            csv.lines()
                .filter(|l| l.ends_with(&format!(",{step},{step}")))
                .count(),
            3
        );
    }
    evident()
        .arg("assign")
        .arg("--verify")
        .arg(&spec)
        .assert()
        .success();
    // A hand-edited allocation fails verification.
    let edited = csv.replacen(",1,1\n", ",2,2\n", 1);
    std::fs::write(folder.join("allocation/assignments.csv"), edited).unwrap();
    evident()
        .arg("assign")
        .arg("--verify")
        .arg(&spec)
        .assert()
        .failure();
    // Another seed would replace it: refused without --force, accepted with it.
    let other = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("\"seed\": 20261202", "\"seed\": 1");
    std::fs::write(&spec, other).unwrap();
    evident()
        .arg("assign")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would replace it"))
        .stderr(predicate::str::contains("hint: "));
    evident()
        .arg("assign")
        .arg(&spec)
        .arg("--force")
        .assert()
        .success();
    assert_ne!(
        std::fs::read_to_string(folder.join("allocation/assignments.csv")).unwrap(),
        csv
    );
}

/// The example's spec with `edit` applied to its text.
fn edited(edit: impl Fn(&str) -> String) -> (TempDir, PathBuf) {
    let (root, folder) = example();
    let spec = folder.join("study.json");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, edit(&text)).unwrap();
    (root, spec)
}

fn refused(spec: &Path, path: &str, message: &str) {
    evident()
        .arg("check")
        .arg(spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(path))
        .stderr(predicate::str::contains(message))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn bad_stepped_wedge_specs_are_refused_at_their_json_path() {
    let (_r, spec) = edited(|t| t.replace("\"steps\": 4", "\"step\": 4"));
    refused(&spec, "design.stepped_wedge", "did you mean `steps`?");
    let (_r, spec) = edited(|t| t.replace("\"steps\": 4", "\"steps\": 1"));
    refused(
        &spec,
        "design.stepped_wedge.steps",
        "steps 1 is outside 2 to",
    );
    let (_r, spec) = edited(|t| t.replace("\"cluster\": \"home\"", "\"cluster\": \"hom\""));
    refused(
        &spec,
        "design.stepped_wedge.cluster",
        "did you mean `home`?",
    );
    let (_r, spec) =
        edited(|t| t.replace("\"method\": \"stepped_wedge\"", "\"method\": \"cluster\""));
    refused(
        &spec,
        "design.assignment.method",
        "use method stepped_wedge",
    );
    let (_r, spec) = edited(|t| t.replace("\"test\": \"stepped_wedge\"", "\"test\": \"cluster\""));
    refused(
        &spec,
        "design.power.test",
        "planned with test stepped_wedge",
    );
    let (_r, spec) = edited(|t| t.replace("\"period\": \"quarter\"", "\"period\": \"quartre\""));
    refused(
        &spec,
        "design.stepped_wedge.period",
        "did you mean `quarter`?",
    );
    let (_r, spec) =
        edited(|t| t.replace("\"kind\": \"stepped_wedge\"", "\"kind\": \"cluster_rct\""));
    refused(&spec, "design.stepped_wedge", "only for stepped_wedge");
    let (_r, spec) = edited(|t| {
        t.replace(
            "\"seed\": 20261202,",
            "\"seed\": 20261202, \"blocks\": [\"area\"],",
        )
    });
    refused(
        &spec,
        "design.assignment.blocks",
        "does not apply to a stepped-wedge allocation",
    );
}

#[test]
fn uneven_clusters_and_unknown_clusters_are_clear_errors() {
    // clusters_per_step 4 with 12 homes: 16 are needed.
    let (_r, spec) = edited(|t| t.replace("\"clusters_per_step\": 3", "\"clusters_per_step\": 4"));
    evident()
        .arg("assign")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "12 clusters cannot cross over 4 per step in 4 steps",
        ));
    // An observation from a home the allocation does not know names its line.
    let (_r, folder) = example();
    let data = folder.join("data/assessments.csv");
    let mut text = std::fs::read_to_string(&data).unwrap();
    text.push_str("stray,home_99,2,20.0\n");
    std::fs::write(&data, text).unwrap();
    evident()
        .arg("analyse")
        .arg(folder.join("study.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 1202: cluster `home_99` is not in the allocation",
        ));
}
