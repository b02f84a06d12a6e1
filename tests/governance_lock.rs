//! The pre-registration lock (`evident lock`, `evidence.lock`): the committed lock of
//! the fire-safety protocol is what this engine writes for that spec today (the same
//! spec gives the same hash on any machine); each kind of deviation is found and
//! worded; a serious one makes the selective-reporting threat high; a missing,
//! tampered, foreign or unknown-format lock, and an attempt to replace a lock, are
//! refused with one clear line.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use evident::governance::lock::{DeviationKind, PlanLock, lock_of, read_lock};
use examples_support::copy_dir;
use serde_json::Value;

mod examples_support;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/fire-safety-visits");

fn evident() -> Command {
    Command::cargo_bin("evident").unwrap()
}

/// A copy of the fire-safety example (specs and data) whose reports stay inside it.
fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(EXAMPLE), dir.path());
    for spec in ["protocol.json", "results.json"] {
        edit(&dir.path().join(spec), |s| {
            s["report"]["dir"] = format!("out-{spec}").into();
        });
    }
    dir
}

fn edit(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut spec);
    std::fs::write(path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
}

fn lock_path(dir: &Path) -> PathBuf {
    dir.join("protocol.lock")
}

/// The lock of the committed example, and the deviations `evident analyse` finds in
/// results.json after `change`.
fn deviations_after(change: impl FnOnce(&mut Value)) -> (Value, Vec<Value>) {
    let dir = example_copy();
    edit(&dir.path().join("results.json"), |s| {
        // Randomisation inference (2,000 re-draws) is not what these tests check.
        s["analysis"]
            .as_object_mut()
            .unwrap()
            .remove("randomisation_inference");
        change(s);
    });
    let out = evident()
        .args(["run", "results.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out-results.json/report.json")).unwrap(),
    )
    .unwrap();
    let deviations = report["lock"]["deviations"].as_array().unwrap().clone();
    (report, deviations)
}

fn selective_reporting(report: &Value) -> Value {
    report["grade"]["padlocks"]["threats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["threat"] == "selective reporting")
        .unwrap()
        .clone()
}

#[test]
fn the_committed_lock_is_what_the_engine_writes_for_the_protocol() {
    let committed = read_lock(&lock_path(Path::new(EXAMPLE))).unwrap();
    let file = evident::spec::load_spec(&Path::new(EXAMPLE).join("protocol.json")).unwrap();
    let units = Path::new(EXAMPLE).join("data/households.csv");
    let now: PlanLock = lock_of(
        &file.spec,
        "protocol.json",
        Some(&units),
        committed.locked_at.clone(),
    );
    assert_eq!(now.sha256, committed.sha256);
    assert_eq!(now.statement_sha256, committed.statement_sha256);
    assert_eq!(now.units_sha256, committed.units_sha256);
    assert_eq!(now.sections, committed.sections);
    // Locations are not the plan: the outcome data's path is left out.
    assert!(committed.sections["analysis"].get("data").is_none());
}

#[test]
fn lock_writes_once_keeps_an_identical_lock_and_refuses_to_replace_a_different_one() {
    let dir = example_copy();
    std::fs::remove_file(lock_path(dir.path())).unwrap();
    evident()
        .args(["lock", "protocol.json"])
        .current_dir(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("locked protocol.json at"));
    let first = read_lock(&lock_path(dir.path())).unwrap();
    let committed = read_lock(&lock_path(Path::new(EXAMPLE))).unwrap();
    assert_eq!(first.sha256, committed.sha256, "same spec, same hash");
    evident()
        .args(["lock", "protocol.json"])
        .current_dir(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("unchanged"));
    edit(&dir.path().join("protocol.json"), |s| {
        s["analysis"]["covariates"] = serde_json::json!(["risk_score"]);
    });
    evident()
        .args(["lock", "protocol.json"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already holds a different lock"))
        .stderr(predicates::str::contains("--replace"));
    evident()
        .args(["lock", "protocol.json", "--replace"])
        .current_dir(dir.path())
        .assert()
        .success();
    assert_ne!(
        read_lock(&lock_path(dir.path())).unwrap().sha256,
        first.sha256
    );
}

#[test]
fn results_as_committed_keep_the_primary_outcome_and_estimators() {
    let (report, deviations) = deviations_after(|_| {});
    let words: Vec<&str> = deviations
        .iter()
        .map(|d| d["words"].as_str().unwrap())
        .collect();
    assert!(
        words
            .iter()
            .any(|w| w.contains("secondary outcome “smoke_alarm_working_12m” was added")),
        "{words:?}"
    );
    assert!(deviations.iter().all(|d| d["serious"] == false));
    let threat = selective_reporting(&report);
    assert_eq!(threat["level"], "low");
    assert!(
        threat["why"]
            .as_str()
            .unwrap()
            .contains("keeps the primary outcome")
    );
}

/// One kind of deviation: found with its words and seriousness, and the
/// selective-reporting threat high exactly when it is serious.
fn deviation_case(
    change: impl FnOnce(&mut Value),
    kind: DeviationKind,
    words: &str,
    serious: bool,
) {
    let (report, deviations) = deviations_after(change);
    let found = deviations
        .iter()
        .find(|d| d["kind"] == serde_json::to_value(kind).unwrap())
        .unwrap_or_else(|| panic!("{kind:?} not in {deviations:?}"));
    assert!(
        found["words"].as_str().unwrap().contains(words),
        "{kind:?}: {}",
        found["words"]
    );
    assert_eq!(found["serious"], serious, "{kind:?}");
    let threat = selective_reporting(&report);
    assert_eq!(
        threat["level"],
        if serious { "high" } else { "low" },
        "{kind:?}: {threat}"
    );
    if serious {
        assert!(threat["why"].as_str().unwrap().contains(words), "{threat}");
        // Serious deviations come first in the report's table.
        assert_eq!(deviations[0]["serious"], true);
    }
}

#[test]
fn a_new_primary_outcome_is_a_serious_deviation() {
    deviation_case(
        |s| {
            s["outcomes"][0]["role"] = "secondary".into();
            s["outcomes"][1]["role"] = "primary".into();
        },
        DeviationKind::PrimaryOutcome,
        "the primary outcome changed from “dwelling_fire_12m” to “smoke_alarm_working_12m”",
        true,
    );
}

#[test]
fn a_redefined_primary_outcome_is_a_serious_deviation() {
    deviation_case(
        |s| s["outcomes"][0]["better"] = "higher".into(),
        DeviationKind::PrimaryOutcome,
        "better from “lower” to “higher”",
        true,
    );
}

#[test]
fn new_estimators_are_a_serious_deviation() {
    deviation_case(
        |s| s["analysis"]["estimators"] = serde_json::json!(["regression_adjusted"]),
        DeviationKind::Estimators,
        "the estimators changed from “difference_in_means”, “lin” to “regression_adjusted”",
        true,
    );
}

#[test]
fn covariates_alpha_and_design_changes_are_listed_but_not_serious() {
    deviation_case(
        |s| {
            s["analysis"]["covariates"] = serde_json::json!(["risk_score"]);
            s["analysis"]["alpha"] = 0.1.into();
            s["design"]["assignment"]["seed"] = 7.into();
        },
        DeviationKind::Covariates,
        "the adjustment covariates changed: removed “prior_incidents”",
        false,
    );
    let (_, deviations) = deviations_after(|s| {
        s["analysis"]["alpha"] = 0.1.into();
        s["design"]["assignment"]["seed"] = 7.into();
    });
    let words: Vec<&str> = deviations
        .iter()
        .map(|d| d["words"].as_str().unwrap())
        .collect();
    assert!(
        words.contains(&"analysis.alpha changed from 0.05 to 0.1"),
        "{words:?}"
    );
    assert!(
        words.contains(&"design.assignment.seed changed from 20261125 to 7"),
        "{words:?}"
    );
}

#[test]
fn a_different_units_file_is_a_change_of_sample() {
    let dir = example_copy();
    let units = dir.path().join("data/households.csv");
    let mut text = std::fs::read_to_string(&units).unwrap();
    text.push('\n');
    std::fs::write(&units, text).unwrap();
    let file = evident::spec::load_spec(&dir.path().join("results.json")).unwrap();
    let lock = read_lock(&lock_path(dir.path())).unwrap();
    let check = evident::governance::lock::check_against(
        &lock,
        "protocol.lock",
        &lock_path(dir.path()),
        &file.spec,
        Some(&units),
    )
    .unwrap();
    assert!(
        check
            .deviations
            .iter()
            .any(|d| d.kind == DeviationKind::Sample && d.words.contains("units file differs")),
        "{:?}",
        check.deviations
    );
}

#[test]
fn bad_locks_are_refused_at_evidence_lock() {
    let refused = |setup: &dyn Fn(&Path), words: &[&str]| {
        let dir = example_copy();
        setup(dir.path());
        let out = evident()
            .args(["check", "results.json"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("evidence.lock"), "{stderr}");
        for w in words {
            assert!(stderr.contains(w), "{w}: {stderr}");
        }
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with("hint:")).count(),
            1,
            "{stderr}"
        );
    };
    refused(
        &|d| std::fs::remove_file(lock_path(d)).unwrap(),
        &["no lock file", "evident lock SPEC"],
    );
    refused(
        &|d| {
            edit(&lock_path(d), |l| {
                l["sections"]["analysis"]["alpha"] = 0.1.into();
            })
        },
        &["edited after it was written"],
    );
    refused(
        &|d| {
            edit(&lock_path(d), |l| {
                l["evident_lock"] = 9.into();
            })
        },
        &["lock format 9"],
    );
    refused(
        &|d| {
            edit(&d.join("results.json"), |s| {
                s["statement"]["problem"] = "Our problem is that bins overflow.".into();
            })
        },
        &["belongs to another study"],
    );
}
