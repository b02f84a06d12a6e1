//! `evident diff` on real report pairs: a report written by running an example spec,
//! copies of it perturbed at controlled magnitudes, and the exact JSON pointers the
//! diff reports for each; the exit status (0 no drift, 1 drift, 2 bad input); the
//! `--json` output against its schema; and the refusals.

mod contract_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use contract_support::{assert_fits, evident, printed_schema};
use evident::governance::{DiffOutput, DifferenceKind};
use predicates::prelude::*;
use serde_json::{Value, json};
use tempfile::TempDir;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// report.json of specs/hmo-inspections (run once for all the tests here).
fn hmo_report() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        evident()
            .args(["run", "specs/hmo-inspections/study.json", "--out"])
            .arg(dir.path())
            .current_dir(repo())
            .assert()
            .success();
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap()
    })
}

/// Writes `old` and `new` to a temporary folder and runs `evident diff` on them with
/// `args` and `--json`; returns the exit code and the parsed output (checked against
/// `evident schema --output diff`).
fn diff(old: &Value, new: &Value, args: &[&str]) -> (i32, DiffOutput) {
    let dir = TempDir::new().unwrap();
    let (a, b) = (dir.path().join("old.json"), dir.path().join("new.json"));
    std::fs::write(&a, serde_json::to_vec_pretty(old).unwrap()).unwrap();
    std::fs::write(&b, serde_json::to_vec_pretty(new).unwrap()).unwrap();
    let output = evident()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let raw: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    assert_fits(&printed_schema("diff"), &raw, "diff --json");
    let typed: DiffOutput = serde_json::from_value(raw).unwrap();
    (output.status.code().unwrap(), typed)
}

fn found(out: &DiffOutput) -> Vec<(&str, DifferenceKind)> {
    out.differences
        .iter()
        .map(|d| (d.path.as_str(), d.kind))
        .collect()
}

fn scale(value: &mut Value, pointer: &str, factor: f64) {
    let v = value
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer}"));
    *v = json!(v.as_f64().unwrap() * factor);
}

#[test]
fn an_identical_report_shows_no_drift() {
    let report = hmo_report();
    let (code, out) = diff(report, report, &[]);
    assert_eq!(code, 0);
    assert!(!out.drift);
    assert!(out.differences.is_empty());
    assert_eq!(out.document, "report schema 1");
    assert!(out.numbers_compared > 600, "{}", out.numbers_compared);
    assert_eq!(out.numbers_within_tolerance, 0);
}

#[test]
fn two_runs_of_an_example_show_no_drift_even_when_strict() {
    let dir = TempDir::new().unwrap();
    let report = |out: &str| {
        evident()
            .args(["run", "specs/ambulance-standby/study.json", "--out"])
            .arg(dir.path().join(out))
            .current_dir(repo())
            .assert()
            .success();
        dir.path().join(out).join("report.json")
    };
    let (a, b) = (report("first"), report("second"));
    evident()
        .args(["diff", "--strict"])
        .arg(&a)
        .arg(&b)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "no drift beyond rtol 1e-9, atol 0 (",
        ));
}

#[test]
fn numbers_drifting_beyond_rtol_are_reported_and_those_within_are_not() {
    let old = hmo_report();
    let mut new = old.clone();
    // 1e-6 relative: beyond the default rtol 1e-9.
    scale(&mut new, "/findings/0/difference", 1.0 + 1e-6);
    scale(
        &mut new,
        "/analysis/outcomes/1/comparisons/0/estimate/std_error",
        1.0 + 1e-6,
    );
    // 1e-12 relative: within it (counted, not reported).
    scale(&mut new, "/findings/0/conf_low", 1.0 + 1e-12);
    scale(&mut new, "/findings/1/conf_high", 1.0 - 1e-12);
    // Volatile: ignored by default.
    new["engine"]["version"] = json!("9.9.9");
    new["reproducibility"]["command"] = json!("evident run elsewhere/study.json");
    let (code, out) = diff(old, &new, &[]);
    assert_eq!(code, 1);
    assert!(out.drift);
    assert_eq!(
        found(&out),
        [
            (
                "/analysis/outcomes/1/comparisons/0/estimate/std_error",
                DifferenceKind::Number
            ),
            ("/findings/0/difference", DifferenceKind::Number),
        ]
    );
    assert_eq!(out.numbers_within_tolerance, 2);
    let d = &out.differences[1];
    let old_value = old["findings"][0]["difference"].as_f64().unwrap();
    assert_eq!(d.old, Some(json!(old_value)));
    assert_eq!(d.new, Some(json!(old_value * (1.0 + 1e-6))));
    assert!((d.rel_diff.unwrap() - 1e-6).abs() < 1e-12);

    // A looser rtol accepts the 1e-6 drift; --strict reports the volatile fields.
    let (code, out) = diff(old, &new, &["--rtol", "1e-5"]);
    assert_eq!((code, out.differences.len()), (0, 0));
    assert_eq!(out.numbers_within_tolerance, 4);
    let (code, out) = diff(old, &new, &["--rtol", "1e-5", "--strict"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&out),
        [
            ("/engine/version", DifferenceKind::String),
            ("/reproducibility/command", DifferenceKind::String),
        ]
    );
    // --ignore with a glob drops the findings' drift but keeps the analysis'.
    let (_, out) = diff(old, &new, &["--ignore", "/findings/*/diff*"]);
    assert_eq!(
        found(&out),
        [(
            "/analysis/outcomes/1/comparisons/0/estimate/std_error",
            DifferenceKind::Number
        )]
    );
}

#[test]
fn atol_absorbs_absolute_drift_near_zero() {
    let old = hmo_report();
    let mut new = old.clone();
    // p-values near 0: a relative tolerance never absorbs 0 → 1e-14; atol does.
    let p = "/analysis/outcomes/1/comparisons/0/estimate/p_value";
    assert_eq!(old.pointer(p), Some(&json!(0.0)));
    *new.pointer_mut(p).unwrap() = json!(1e-14);
    let (code, out) = diff(old, &new, &[]);
    assert_eq!((code, found(&out)), (1, vec![(p, DifferenceKind::Number)]));
    assert_eq!(out.differences[0].rel_diff, None);
    let (code, out) = diff(old, &new, &["--atol", "1e-12"]);
    assert_eq!((code, out.numbers_within_tolerance), (0, 1));
}

#[test]
fn structural_changes_are_listed_with_their_pointers() {
    let old = hmo_report();
    let mut new = old.clone();
    // A criterion removed from the middle: matched by `id`, so only that one is listed.
    new["grade"]["criteria"].as_array_mut().unwrap().remove(3);
    // An outcome inserted first: matched by `outcome`, the others keep their identity;
    // a change inside a moved one names both places.
    let outcomes = new["analysis"]["outcomes"].as_array_mut().unwrap();
    let mut extra = outcomes[1].clone();
    extra["outcome"] = json!("inserted");
    outcomes.insert(0, extra);
    scale(
        &mut new,
        "/analysis/outcomes/1/comparisons/0/estimate/estimate",
        1.001,
    );
    // A number that became null (NaN written by serde_json), a changed string.
    new["findings"][1]["outcome_sd"] = Value::Null;
    new["headline"] = json!("changed");
    let (code, out) = diff(old, &new, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&out),
        [
            (
                "/analysis/outcomes/1/comparisons/0/estimate/estimate",
                DifferenceKind::Number
            ),
            ("/analysis/outcomes/0", DifferenceKind::Added),
            ("/findings/1/outcome_sd", DifferenceKind::Type),
            ("/grade/criteria/3", DifferenceKind::Removed),
            ("/headline", DifferenceKind::String),
        ]
    );
    assert_eq!(
        out.differences[0].old_path.as_deref(),
        Some("/analysis/outcomes/0/comparisons/0/estimate/estimate")
    );
    assert_eq!(
        out.differences[3].old.as_ref().unwrap()["id"],
        json!("comparison_group")
    );
    assert_eq!(out.differences[3].new, None);
}

#[test]
fn text_output_names_each_path_and_the_verdict() {
    let dir = TempDir::new().unwrap();
    let old = hmo_report();
    let mut new = old.clone();
    scale(&mut new, "/findings/0/difference", 1.0 + 1e-6);
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&a, serde_json::to_vec(old).unwrap()).unwrap();
    std::fs::write(&b, serde_json::to_vec(&new).unwrap()).unwrap();
    evident()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "/findings/0/difference: 0.09682182018679616 → 0.09682191700861634",
        ))
        .stdout(predicate::str::contains(
            "drift: 1 difference beyond rtol 1e-9, atol 0",
        ));
    evident()
        .arg("diff")
        .arg(&a)
        .arg(&a)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "no drift beyond rtol 1e-9, atol 0",
        ));
    evident()
        .args(["--quiet", "diff"])
        .arg(&a)
        .arg(&b)
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn result_schema_outputs_compare_too() {
    let run = |x: &str| -> Value {
        let out = evident()
            .args(["test", "t", "--x", x, "--y", "2,3,4,5,9", "--json"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let (old, new) = (run("1,2,3,4,5"), run("1,2,3,4,5.000001"));
    let (code, out) = diff(&old, &new, &[]);
    assert_eq!(code, 1);
    assert_eq!(out.document, "result schema 2");
    // estimates are matched by `term`.
    let paths: Vec<&str> = out.differences.iter().map(|d| d.path.as_str()).collect();
    assert!(paths.contains(&"/p_value"), "{paths:?}");
    assert!(paths.contains(&"/estimates/1/estimate"), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.starts_with("/estimates/2")),
        "{paths:?}"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bad_input_is_refused_with_the_reason_and_exit_2() {
    let dir = TempDir::new().unwrap();
    let report = write(
        dir.path(),
        "report.json",
        &serde_json::to_string(hmo_report()).unwrap(),
    );
    let refuse = |other: &Path, args: &[&str], message: &str, hint: &str| {
        evident()
            .arg("diff")
            .arg(&report)
            .arg(other)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains(format!("hint: {hint}")));
    };
    let truncated = write(
        dir.path(),
        "cut.json",
        "{\"schema_version\": 1,\n \"a\": [1,",
    );
    refuse(
        &truncated,
        &[],
        "cut.json:2:9: not JSON: EOF while parsing a value",
        "give the JSON an Evident command wrote",
    );
    refuse(
        &dir.path().join("missing.json"),
        &[],
        "error: cannot read",
        "check the path",
    );
    let future = write(dir.path(), "future.json", r#"{"schema_version": 7}"#);
    refuse(
        &future,
        &[],
        "`schema_version` is 7, which this engine does not read (it reads schema_version 1)",
        "compare documents written by this engine version",
    );
    let manifest = write(dir.path(), "manifest.json", r#"{"manifest_version": 1}"#);
    refuse(
        &manifest,
        &[],
        "is report schema 1, ",
        "compare two documents of the same kind",
    );
    let unversioned = write(dir.path(), "analyse.json", r#"{"analysis": null}"#);
    refuse(&unversioned, &[], "is unversioned", "compare two documents");
    refuse(
        &report,
        &["--rtol", "-1"],
        "--rtol -1: a tolerance must be a finite number, 0 or more",
        "e.g. --rtol 1e-9",
    );
    refuse(
        &report,
        &["--ignore", "findings"],
        "--ignore `findings`: a pattern is a JSON pointer and starts with `/`",
        "write a JSON pointer pattern",
    );
}
