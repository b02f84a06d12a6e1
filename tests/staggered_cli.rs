//! The staggered roll-out example (`specs/programme-rollout`) run through the `evident`
//! binary: the spec reaches the Callaway and Sant'Anna analysis, report.json carries
//! `analysis.staggered_rollout`, the recovered overall effect agrees with the known
//! effect the data were made with (data/truth.json), the grade is level 3 through the
//! staggered criteria, and the Markdown carries the section and the event-time chart.
//! Also: a spec that names a column the panel lacks is refused at check time.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/programme-rollout")
}

fn run_example(out: &TempDir) -> Value {
    Command::cargo_bin("evident")
        .unwrap()
        .args(["-q", "run"])
        .arg(example().join("study.json"))
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap()
}

#[test]
fn run_recovers_the_known_effect_and_grades_level_three() {
    let out = TempDir::new().unwrap();
    let report = run_example(&out);
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(example().join("data/truth.json")).unwrap())
            .unwrap();
    let staggered = &report["analysis"]["staggered_rollout"];
    assert_eq!(staggered["n_units"], 120);
    assert_eq!(staggered["n_periods"], 12);
    assert_eq!(staggered["n_never_treated"], 30);
    let cohorts: Vec<i64> = staggered["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["first_treated"].as_i64().unwrap())
        .collect();
    assert_eq!(cohorts, [4, 6, 8, 10]);

    // The sample's true cohort-weighted effect (noise-free, from make_data.py) must lie
    // within 3 standard errors of the estimate, and inside its 95% interval.
    let true_overall = truth["overall_cohort_weighted"].as_f64().unwrap();
    let overall = &staggered["overall"];
    let (estimate, se) = (
        overall["estimate"].as_f64().unwrap(),
        overall["se"].as_f64().unwrap(),
    );
    assert!(se > 0.0 && se < 0.5, "SE {se}");
    assert!(
        (estimate - true_overall).abs() < 3.0 * se,
        "overall {estimate} (SE {se}) vs truth {true_overall}"
    );
    assert!(overall["ci_low"].as_f64().unwrap() < true_overall);
    assert!(overall["ci_high"].as_f64().unwrap() > true_overall);
    // Each cohort's effect, too (4 SE: four comparisons).
    for row in staggered["by_cohort"].as_array().unwrap() {
        let key = row["key"].as_i64().unwrap().to_string();
        let truth = truth["cohort_effects"][&key].as_f64().unwrap();
        let (e, s) = (
            row["estimate"].as_f64().unwrap(),
            row["se"].as_f64().unwrap(),
        );
        assert!(
            (e - truth).abs() < 4.0 * s,
            "cohort {key}: {e} (SE {s}) vs {truth}"
        );
    }
    // The TWFE estimate is biased here by the already-treated comparisons: it falls
    // outside the Callaway and Sant'Anna 95% interval.
    let twfe = staggered["twfe"]["estimate"].as_f64().unwrap();
    assert!((twfe - true_overall).abs() > 3.0 * se, "TWFE {twfe}");
    assert!(staggered["twfe"]["forbidden_weight"].as_f64().unwrap() > 0.1);
    // No pre-trend was built into the data.
    assert!(staggered["pre_trend"]["p_value"].as_f64().unwrap() > 0.05);

    let grade = &report["grade"];
    assert_eq!(grade["level"], 3, "{grade}");
    let ids: Vec<&str> = grade["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["level"] == 3)
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"staggered_pre_trends"), "{ids:?}");
    assert_eq!(report["design"]["kind"], "staggered_rollout");

    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains("## Staggered roll-out"), "{md}");
    assert!(md.contains("(event_time.svg)"));
    assert!(md.contains("Goodman-Bacon"));
    assert!(!md.contains("no comparison group"));
    assert!(out.path().join("event_time.svg").exists());
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("Staggered roll-out") && html.contains("<svg"));
}

#[test]
fn same_inputs_give_the_same_report_bytes() {
    let (a, b) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    run_example(&a);
    run_example(&b);
    for file in ["report.json", "report.md", "event_time.svg"] {
        assert_eq!(
            std::fs::read(a.path().join(file)).unwrap(),
            std::fs::read(b.path().join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_missing_panel_column_is_refused_with_its_json_path() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::copy(
        example().join("data/panel.csv"),
        dir.path().join("data/panel.csv"),
    )
    .unwrap();
    let spec = std::fs::read_to_string(example().join("study.json"))
        .unwrap()
        .replace("\"first_quarter\"", "\"joined\"");
    std::fs::write(dir.path().join("study.json"), spec).unwrap();
    let output = Command::cargo_bin("evident")
        .unwrap()
        .arg("check")
        .arg(dir.path().join("study.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("design.staggered.first_treated") && stderr.contains("joined"),
        "{stderr}"
    );
}

#[test]
fn staggered_settings_on_another_design_or_missing_are_refused() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::copy(
        example().join("data/panel.csv"),
        dir.path().join("data/panel.csv"),
    )
    .unwrap();
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(example().join("study.json")).unwrap())
            .unwrap();
    let check = |spec: &Value| {
        std::fs::write(dir.path().join("study.json"), spec.to_string()).unwrap();
        let output = Command::cargo_bin("evident")
            .unwrap()
            .arg("check")
            .arg(dir.path().join("study.json"))
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    };
    let mut without = original.clone();
    without["design"]
        .as_object_mut()
        .unwrap()
        .remove("staggered");
    let (code, stderr) = check(&without);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("needs design.staggered"), "{stderr}");

    let mut both = original.clone();
    both["design"]["staggered"]["treated"] = Value::from("first_quarter");
    let (code, stderr) = check(&both);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not both"), "{stderr}");
}

/// A spec with `design.staggered.covariates` runs the doubly robust Callaway-Sant'Anna
/// (csdid's numbers: tests/reference/staggered/covariate_fixtures.json), a covariate
/// that changes within a unit is refused naming the unit and file lines (exit 2), and
/// `time_varying_covariates: base_period` runs with a note that says what was done.
#[test]
fn covariates_run_doubly_robust_and_time_varying_ones_are_refused_or_noted() {
    let reference = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/staggered");
    let dir = TempDir::new().unwrap();
    let panel = std::fs::read_to_string(reference.join("panel_covariates.csv")).unwrap();
    std::fs::write(dir.path().join("panel.csv"), &panel).unwrap();
    let spec = |extra: &str| {
        let mut study: Value =
            serde_json::from_str(&std::fs::read_to_string(example().join("study.json")).unwrap())
                .unwrap();
        let staggered: Value = serde_json::from_str(&format!(
            r#"{{"unit": "unit", "period": "period", "first_treated": "first_treated",
                "comparison": "never_treated", "covariates": ["x1", "x2"]{extra}}}"#
        ))
        .unwrap();
        study["design"]["staggered"] = staggered;
        study["outcomes"] =
            serde_json::json!([{"name": "y", "type": "continuous", "role": "primary"}]);
        study["analysis"]["data"] = "panel.csv".into();
        study["report"] = serde_json::json!({"formats": ["json"]});
        study.to_string()
    };
    let run = |spec_text: String, out: &str| {
        let path = dir.path().join(format!("{out}.json"));
        std::fs::write(&path, spec_text).unwrap();
        Command::cargo_bin("evident")
            .unwrap()
            .args(["-q", "run"])
            .arg(&path)
            .arg("--out")
            .arg(dir.path().join(out))
            .output()
            .unwrap()
    };
    let output = run(spec(""), "fixed");
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("fixed/report.json")).unwrap(),
    )
    .unwrap();
    let staggered = &report["analysis"]["staggered_rollout"];
    assert_eq!(staggered["estimation"], "dr");
    assert_eq!(staggered["covariates"][1], "x2");
    let fixtures: Value = serde_json::from_str(
        &std::fs::read_to_string(reference.join("covariate_fixtures.json")).unwrap(),
    )
    .unwrap();
    let dr_never = &fixtures["cases"][1];
    assert_eq!(dr_never["method"], "dr");
    assert_eq!(dr_never["comparison"], "nevertreated");
    let theirs = dr_never["aggregates"]["group"]["overall_att"]
        .as_f64()
        .unwrap();
    let ours = staggered["overall"]["estimate"].as_f64().unwrap();
    assert!((ours - theirs).abs() < 1e-10, "{ours} vs csdid {theirs}");

    // x1 of unit u001 moves in period 4 (file line 5).
    let mut lines: Vec<String> = panel.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[4].split(',').map(str::to_string).collect();
    fields[3] = "9.5".into();
    lines[4] = fields.join(",");
    std::fs::write(dir.path().join("panel.csv"), lines.join("\n") + "\n").unwrap();
    let output = run(spec(""), "varying");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "covariate x1 changes over time within 1 unit(s) (first: unit u001, lines 2 and 5)"
        ) && stderr.contains("did issue #71"),
        "{stderr}"
    );
    let output = run(
        spec(r#", "time_varying_covariates": "base_period""#),
        "noted",
    );
    assert!(output.status.success(), "{output:?}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("noted/report.json")).unwrap(),
    )
    .unwrap();
    let notes = report["analysis"]["staggered_rollout"]["notes"].to_string();
    assert!(
        notes.contains("Covariate x1 changes within 1 unit(s)"),
        "{notes}"
    );
}

/// Quarterly dates: the example's quarters written as `YYYY-MM` (the first-treatment
/// column too; 0 stays never treated) with `frequency: quarterly` give the same
/// estimates as the integer quarters, and the notes say how the periods are numbered; a
/// repeated quarter is named by its date.
#[test]
fn quarterly_dates_give_the_integer_analysis() {
    let expected = run_example(&TempDir::new().unwrap());
    let dir = TempDir::new().unwrap();
    let panel = std::fs::read_to_string(example().join("data/panel.csv")).unwrap();
    let date = |q: i64| format!("{}-{:02}", 2020 + (q - 1) / 4, 1 + 3 * ((q - 1) % 4));
    let dated: String = panel
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return format!("{line}\n");
            }
            let f: Vec<&str> = line.split(',').collect();
            let first: i64 = f[2].parse().unwrap();
            let first = if first == 0 {
                "0".to_string()
            } else {
                date(first)
            };
            format!(
                "{},{},{first},{}\n",
                f[0],
                date(f[1].parse().unwrap()),
                f[3]
            )
        })
        .collect();
    std::fs::write(dir.path().join("panel.csv"), &dated).unwrap();
    let mut study: Value =
        serde_json::from_str(&std::fs::read_to_string(example().join("study.json")).unwrap())
            .unwrap();
    study["design"]["staggered"]["frequency"] = "quarterly".into();
    study["analysis"]["data"] = "panel.csv".into();
    study["report"] = serde_json::json!({"formats": ["json"]});
    let spec = dir.path().join("study.json");
    std::fs::write(&spec, study.to_string()).unwrap();
    Command::cargo_bin("evident")
        .unwrap()
        .args(["-q", "run"])
        .arg(&spec)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let got: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/report.json")).unwrap())
            .unwrap();
    let (a, b) = (
        &got["analysis"]["staggered_rollout"],
        &expected["analysis"]["staggered_rollout"],
    );
    assert_eq!(a["overall"], b["overall"]);
    assert_eq!(a["cohorts"], b["cohorts"]);
    assert_eq!(a["twfe"]["estimate"], b["twfe"]["estimate"]);
    assert!(
        a["notes"]
            .to_string()
            .contains("Periods are quarterly dates numbered from 1 = 2020 Q1"),
        "{}",
        a["notes"]
    );

    // A second row for area001 in 2020-02 (the first quarter): refused, naming the
    // quarter as a date rather than as period 1.
    let repeated = format!("{dated}area001,2020-02,0,90.0\n");
    std::fs::write(dir.path().join("panel.csv"), repeated).unwrap();
    let output = Command::cargo_bin("evident")
        .unwrap()
        .args(["-q", "run"])
        .arg(&spec)
        .arg("--out")
        .arg(dir.path().join("repeated"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unit area001 appears more than once in 2020 Q1"),
        "{stderr}"
    );
}
