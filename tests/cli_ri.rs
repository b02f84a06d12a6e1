//! Randomisation inference through the binary: `evident run` then `evident analyse`
//! on a blocked trial allocated by the assign stage (tests/reference/ri/blocked12).

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

fn blocked_study(formats: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/ri/blocked12");
    for file in ["units.csv", "outcomes.csv"] {
        std::fs::copy(source.join(file), dir.path().join(file)).unwrap();
    }
    let spec: String = std::fs::read_to_string(source.join("study.json")).unwrap();
    let mut spec: Value = serde_json::from_str(&spec).unwrap();
    spec["report"]["formats"] = serde_json::from_str(formats).unwrap();
    std::fs::write(dir.path().join("study.json"), spec.to_string()).unwrap();
    dir
}

#[test]
fn analyse_json_reports_the_exact_randomisation_p_value_beside_the_analytic_one() {
    let study = blocked_study(r#"["json", "md", "html"]"#);
    let spec = study.path().join("study.json");
    evident().arg("run").arg(&spec).assert().success();
    let output = evident()
        .args(["analyse", "--json"])
        .arg(&spec)
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let summary = &json["analysis"]["randomisation_inference"];
    assert_eq!(summary["method"], "exact");
    assert_eq!(summary["possible_allocations"], 400);
    assert_eq!(summary["acceptance_rule_applied"], false);
    let comparison = &json["analysis"]["outcomes"][0]["comparisons"][0];
    // R: tests/reference/ri/ri.json, blocked12, two-sided: 146 of 400.
    assert_eq!(comparison["randomisation"]["p_value"], 0.365);
    assert_eq!(comparison["randomisation"]["extreme"], 146.0);
    assert!(comparison["estimate"]["p_value"].as_f64().unwrap() > 0.39);

    evident()
        .arg("analyse")
        .arg(&spec)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "randomisation inference: p = 0.36 (146 of 400 reference allocations at least as extreme, exact)",
        ));

    let report: Value =
        serde_json::from_slice(&std::fs::read(study.path().join("out/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["findings"][0]["p_randomisation"], 0.365);
    let markdown = std::fs::read_to_string(study.path().join("out/report.md")).unwrap();
    assert!(
        markdown.contains("## Randomisation inference"),
        "{markdown}"
    );
    assert!(markdown.contains("0.36 (exact)"), "{markdown}");
    assert!(markdown.contains("all 400 possible allocations enumerated"));
    let html = std::fs::read_to_string(study.path().join("out/report.html")).unwrap();
    assert!(html.contains("Randomisation inference"));
    assert!(html.contains("0.36 (exact)"));
}

#[test]
fn randomisation_inference_can_be_switched_off_and_bad_draws_are_located() {
    let study = blocked_study(r#"["json"]"#);
    let spec = study.path().join("study.json");
    let text = std::fs::read_to_string(&spec).unwrap();
    let off = text.replace(
        r#""data":"outcomes.csv""#,
        r#""data":"outcomes.csv","randomisation_inference":{"enabled":false}"#,
    );
    assert_ne!(off, text);
    std::fs::write(&spec, &off).unwrap();
    evident().arg("run").arg(&spec).assert().success();
    let output = evident()
        .args(["analyse", "--json"])
        .arg(&spec)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(json["analysis"]["randomisation_inference"].is_null());

    let bad = text.replace(
        r#""data":"outcomes.csv""#,
        r#""data":"outcomes.csv","randomisation_inference":{"draws":0,"exact":1}"#,
    );
    std::fs::write(&spec, bad).unwrap();
    evident()
        .arg("check")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exact"))
        .stderr(predicate::str::contains("panicked").not());
    let zero = text.replace(
        r#""data":"outcomes.csv""#,
        r#""data":"outcomes.csv","randomisation_inference":{"draws":0}"#,
    );
    std::fs::write(&spec, zero).unwrap();
    evident()
        .arg("check")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("draws 0 is outside 1 to 10000000"));
}

/// specs/fire-safety-visits copied into `<tmp>/specs/fire-safety-visits`, so that its
/// reports go to `<tmp>/reports/`.
fn fire_safety_example() -> (TempDir, PathBuf) {
    let root = TempDir::new().unwrap();
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/fire-safety-visits");
    let folder = root.path().join("specs/fire-safety-visits");
    std::fs::create_dir_all(folder.join("data")).unwrap();
    for file in [
        "study.json",
        "results.json",
        "protocol.lock",
        "data/households.csv",
        "data/follow_up.csv",
    ] {
        std::fs::copy(source.join(file), folder.join(file)).unwrap();
    }
    // Fewer re-draws than the example's 2000 keep the debug-build test quick.
    let results = std::fs::read_to_string(folder.join("results.json")).unwrap();
    assert!(results.contains(r#""draws": 2000"#));
    std::fs::write(
        folder.join("results.json"),
        results.replace(r#""draws": 2000"#, r#""draws": 300"#),
    )
    .unwrap();
    (root, folder)
}

#[test]
fn the_results_example_reproduces_the_planned_allocation_and_reports_ri_under_the_rule() {
    let (root, folder) = fire_safety_example();
    // Before any allocation, the analysis says how to make one.
    evident()
        .args(["analyse"])
        .arg(folder.join("results.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("evident assign SPEC"));
    evident()
        .arg("run")
        .arg(folder.join("study.json"))
        .assert()
        .success();
    evident()
        .arg("run")
        .arg(folder.join("results.json"))
        .assert()
        .success();
    let planned = std::fs::read(
        root.path()
            .join("reports/fire-safety-visits/assignments.csv"),
    );
    let reproduced = std::fs::read(
        root.path()
            .join("reports/fire-safety-visits-results/assignments.csv"),
    );
    assert_eq!(planned.unwrap(), reproduced.unwrap());
    let markdown = std::fs::read_to_string(
        root.path()
            .join("reports/fire-safety-visits-results/report.md"),
    )
    .unwrap();
    assert!(
        markdown.contains("95% Clopper–Pearson interval"),
        "{markdown}"
    );
    assert_eq!(markdown.matches(" of 300 |").count(), 4, "{markdown}");
    // The smoke-alarm effect is far beyond every re-draw: shown below 1/300, not as 0.
    assert_eq!(
        markdown
            .matches("< 0.0033 (none of 300 re-draws as extreme)")
            .count(),
        2,
        "{markdown}"
    );
    let analyse = || {
        let output = evident()
            .args(["analyse", "--json"])
            .arg(folder.join("results.json"))
            .output()
            .unwrap();
        assert!(output.status.success());
        output.stdout
    };
    let first = analyse();
    // An assignments.csv edited by hand is not the allocation the re-draws come from.
    let assignments = root
        .path()
        .join("reports/fire-safety-visits-results/assignments.csv");
    let original = std::fs::read_to_string(&assignments).unwrap();
    let second_line = original.lines().nth(1).unwrap().to_string();
    let flipped = if second_line.contains(",usual,") {
        second_line.replace(",usual,", ",targeted,")
    } else {
        second_line.replace(",targeted,", ",usual,")
    };
    std::fs::write(&assignments, original.replacen(&second_line, &flipped, 1)).unwrap();
    evident()
        .args(["analyse"])
        .arg(folder.join("results.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "assignments.csv is not the allocation its manifest records",
        ))
        .stderr(predicate::str::contains("evident assign --verify SPEC"));
    std::fs::write(&assignments, original).unwrap();
    assert_eq!(first, analyse(), "same inputs, same bytes");
    let json: Value = serde_json::from_slice(&first).unwrap();
    let ri = &json["analysis"]["randomisation_inference"];
    assert_eq!(ri["acceptance_rule_applied"], Value::Bool(true), "{ri}");
    assert!(ri["largest_statistic"].as_f64().unwrap() <= ri["max_mahalanobis"].as_f64().unwrap());
    assert!(ri["allocations_drawn"].as_u64().unwrap() > 300, "{ri}");
    for outcome in json["analysis"]["outcomes"].as_array().unwrap() {
        for comparison in outcome["comparisons"].as_array().unwrap() {
            let r = &comparison["randomisation"];
            assert_eq!(r["allocations"], 300);
            let p = r["p_value"].as_f64().unwrap();
            assert_eq!(p, r["extreme"].as_f64().unwrap() / 300.0);
            // The statistic is the reported estimate, recomputed by the re-draw code
            // (for Lin's estimator by another route through the regression).
            let (statistic, estimate) = (
                r["statistic"].as_f64().unwrap(),
                comparison["estimate"]["estimate"].as_f64().unwrap(),
            );
            assert!(
                (statistic - estimate).abs() <= 1e-10 * estimate.abs(),
                "{statistic} against {estimate}"
            );
        }
    }
}
