//! `evident power ...` from the command line: the answer in words and numbers, the
//! same numbers as JSON (exact roots from tests/reference/power/), and messages that
//! say why no solution exists.

use assert_cmd::Command;
use evident::stats::prec::assert_close;
use predicates::prelude::*;
use serde_json::Value;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

fn json(args: &[&str]) -> Value {
    let output = evident()
        .arg("power")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Exact root of pwr.t.test's power at d = 0.5, power = 0.8 (tests/reference/power/t.json).
#[test]
fn t_sample_size_is_exact_and_rounded_up() {
    let out = json(&["t", "--d", "0.5", "--power", "0.8"]);
    let answer = &out["answers"][0];
    assert_eq!(answer["solved_for"], "sample_size");
    assert_close(
        answer["groups"][0]["analysed"].as_f64().unwrap(),
        63.765_610_190_939_6,
        1e-9,
        "n",
    );
    assert_eq!(answer["groups"][0]["rounded"], 64);
    assert_eq!(answer["total_rounded"], 128);
}

#[test]
fn raw_effect_with_sd_equals_the_standardised_effect() {
    let raw = json(&["t", "--delta", "5", "--sd", "10", "--power", "0.8"]);
    let std = json(&["t", "--d", "0.5", "--power", "0.8"]);
    assert_eq!(
        raw["answers"][0]["total_rounded"],
        std["answers"][0]["total_rounded"]
    );
}

#[test]
fn attrition_inflates_and_a_baseline_shrinks_the_sample() {
    let base = json(&["t", "--d", "0.3", "--power", "0.9"])["answers"][0]["total_rounded"]
        .as_u64()
        .unwrap();
    let lossy = json(&["t", "--d", "0.3", "--power", "0.9", "--attrition", "0.2"])["answers"][0]
        ["total_rounded"]
        .as_u64()
        .unwrap();
    let baseline = json(&["t", "--d", "0.3", "--power", "0.9", "--baseline-r", "0.6"])["answers"]
        [0]["total_rounded"]
        .as_u64()
        .unwrap();
    assert!(
        lossy >= (base as f64 / 0.8).floor() as u64,
        "{lossy} vs {base}"
    );
    assert!(baseline < base);
}

#[test]
fn proportions_say_which_method_and_show_both_when_they_differ() {
    let out = json(&["prop", "--p1", "0.1", "--p2", "0.05", "--power", "0.8"]);
    let answers = out["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert!(answers[0]["method"].as_str().unwrap().contains("Cohen's h"));
    assert!(
        answers[1]["method"]
            .as_str()
            .unwrap()
            .contains("power.prop.test")
    );
}

/// PowerUp! cra2 MDES (tests/reference/power/cluster.json, first case).
#[test]
fn cluster_mdes_matches_powerup_and_reports_the_band() {
    let out = json(&[
        "cluster",
        "--clusters",
        "40",
        "--cluster-size",
        "20",
        "--icc",
        "0.1",
        "--power",
        "0.8",
    ]);
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/power/cluster.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_close(
        out["answers"][0]["effect"].as_f64().unwrap(),
        fixture["cases"][0]["expected"].as_f64().unwrap(),
        1e-9,
        "mdes",
    );
    assert!(out["eef_band"]["padlocks"].as_u64().is_some());
}

#[test]
fn text_output_is_a_sentence_and_a_table() {
    evident()
        .args(["power", "mdes", "--n", "400"])
        .assert()
        .success()
        .stdout(predicate::str::contains("smallest effect detectable"))
        .stdout(predicate::str::contains("EEF-style MDES band"));
}

#[test]
fn impossible_targets_say_why_without_a_number() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["t", "--d", "0.5", "--power", "0.04"],
            "at or below the significance level",
        ),
        (&["t", "--d", "0", "--power", "0.8"], "the effect is zero"),
        (
            &[
                "cluster",
                "--icc",
                "1",
                "--clusters",
                "20",
                "--cluster-size",
                "5",
                "--power",
                "0.8",
            ],
            "[0, 1)",
        ),
        (&["t", "--d", "0.00001", "--power", "0.8"], "more than 1e9"),
        (
            &["mdes", "--n", "100", "--share", "0"],
            "strictly between 0 and 1",
        ),
    ];
    for (args, message) in cases {
        evident()
            .arg("power")
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains("hint:"));
    }
}

#[test]
fn cluster_size_cannot_beat_the_between_cluster_floor() {
    evident()
        .args([
            "power",
            "cluster",
            "--icc",
            "0.1",
            "--clusters",
            "20",
            "--effect",
            "0.1",
            "--power",
            "0.8",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("add clusters"));
}

fn hmo_spec() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/hmo-inspections/study.json")
}

#[test]
fn plan_writes_the_plan_report_with_both_charts() {
    let out = tempfile::TempDir::new().unwrap();
    evident()
        .arg("plan")
        .arg(hmo_spec())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("recruit"))
        .stdout(predicate::str::contains("Simulated:"));
    for file in [
        "plan.json",
        "plan.md",
        "plan.html",
        "power-curve.svg",
        "mdes-curve.svg",
    ] {
        assert!(out.path().join(file).is_file(), "{file} written");
    }
    let md = std::fs::read_to_string(out.path().join("plan.md")).unwrap();
    assert!(md.contains("Sample size and power"));
    assert!(md.contains("Simulated design diagnosis"));
    let svg = std::fs::read_to_string(out.path().join("power-curve.svg")).unwrap();
    assert!(svg.contains("<title"), "accessible title");
}

#[test]
fn plan_json_is_seeded_and_quiet_prints_nothing() {
    let run = || {
        let out = tempfile::TempDir::new().unwrap();
        let output = evident()
            .arg("plan")
            .arg(hmo_spec())
            .arg("--out")
            .arg(out.path())
            .arg("--json")
            .output()
            .unwrap();
        assert!(output.status.success());
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a["simulation"], b["simulation"]);
    assert_eq!(a["answers"][0]["total_rounded"], 1294);
    let out = tempfile::TempDir::new().unwrap();
    evident()
        .args(["plan", "--quiet"])
        .arg(hmo_spec())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::is_empty());
}

#[test]
fn a_power_block_that_cannot_be_answered_is_a_located_problem() {
    let dir = tempfile::TempDir::new().unwrap();
    let text = std::fs::read_to_string(hmo_spec())
        .unwrap()
        .replace("\"power\": 0.9,", "\"power\": 0.01,")
        .replace(
            "data/",
            &format!("{}/", hmo_spec().parent().unwrap().join("data").display()),
        );
    let spec = dir.path().join("study.json");
    std::fs::write(&spec, text).unwrap();
    evident()
        .arg("check")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("design.power"))
        .stderr(predicate::str::contains(
            "at or below the significance level",
        ));
}
