//! The difference-in-differences example end to end: the analysis recovers the effect
//! the panel was generated with (specs/council-programme-did/data/make_data.py: −1.5
//! reports per 1,000 homes from month 13 in the 15 treated wards), the pre-trend test
//! passes and the grade reaches level 3; a panel whose treated wards were already
//! diverging fails the test and is held at level 2.

mod examples_support;

use std::path::PathBuf;

use assert_cmd::Command;
use examples_support::copy_dir;
use serde_json::Value;
use tempfile::TempDir;

const EXAMPLE: &str = "council-programme-did";

fn run(edit_data: impl Fn(&str) -> String) -> Value {
    let root = TempDir::new().unwrap();
    let folder = root.path().join("specs").join(EXAMPLE);
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("specs")
            .join(EXAMPLE),
        &folder,
    );
    let data = folder.join("data").join("ward_months.csv");
    let text = std::fs::read_to_string(&data).unwrap();
    std::fs::write(&data, edit_data(&text)).unwrap();
    let out = root.path().join("out");
    Command::cargo_bin("evident")
        .unwrap()
        .arg("run")
        .arg("-q")
        .arg(folder.join("study.json"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn did_recovers_the_generated_effect_and_reaches_level_three() {
    let r = run(|t| t.to_string());
    let did = &r["analysis"]["difference_in_differences"];
    let fit = &did["series"][0]["fit"];
    assert_eq!(fit["n_units"], 40);
    assert_eq!(fit["n_treated_units"], 15);
    assert_eq!(fit["treatment_period"], 13);
    let e = &fit["estimate"];
    let (est, low, high) = (
        e["estimate"].as_f64().unwrap(),
        e["conf_low"].as_f64().unwrap(),
        e["conf_high"].as_f64().unwrap(),
    );
    assert!(
        low < -1.5 && -1.5 < high,
        "CI {low}..{high} misses the true −1.5"
    );
    assert!((est + 1.5).abs() < 0.25, "estimate {est}");
    assert_eq!(fit["pretrend"]["passed"], true);
    assert_eq!(did["ceiling"]["max_level"], 3);
    assert_eq!(
        r["analysis"]["outcomes"][0]["comparisons"][0]["estimator"],
        "two_way_fixed_effects"
    );
    assert_eq!(r["grade"]["level"], 3);
    assert_eq!(r["grade"]["sms"]["level"], 3);
}

#[test]
fn treated_wards_already_diverging_fail_the_pre_trend_test_and_stop_at_level_two() {
    // Add a rising trend to the treated wards (W01–W15) before month 13 only: the
    // leads are no longer zero.
    let r = run(|t| {
        t.lines()
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                let treated_ward = f[0].starts_with('W') && f[0][1..].parse::<u32>().unwrap() <= 15;
                match f[1].parse::<i64>() {
                    Ok(month) if treated_ward && month < 13 => {
                        let y: f64 = f[3].parse().unwrap();
                        format!(
                            "{},{},{},{:.2}",
                            f[0],
                            f[1],
                            f[2],
                            y - 0.5 * (13 - month) as f64
                        )
                    }
                    _ => line.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    });
    let did = &r["analysis"]["difference_in_differences"];
    assert_eq!(did["series"][0]["fit"]["pretrend"]["passed"], false);
    assert_eq!(did["ceiling"]["held_down_by"][0], "pretrend_test");
    let parallel = r["grade"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "parallel_trends")
        .unwrap();
    assert_eq!(parallel["status"], "not_met");
    assert!(r["grade"]["level"].as_u64().unwrap() <= 2);
}
