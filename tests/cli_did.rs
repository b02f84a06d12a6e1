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
    run_edited(|s| s.to_string(), edit_data)
        .unwrap_or_else(|(code, stderr)| panic!("exit {code:?}: {stderr}"))
        .0
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

/// Runs the example with its spec and data edited; the report (JSON and Markdown), or
/// the exit code and standard error when the run fails.
fn run_edited(
    edit_spec: impl Fn(&str) -> String,
    edit_data: impl Fn(&str) -> String,
) -> Result<(Value, String), (Option<i32>, String)> {
    let root = TempDir::new().unwrap();
    let folder = root.path().join("specs").join(EXAMPLE);
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("specs")
            .join(EXAMPLE),
        &folder,
    );
    for (file, edit) in [
        (
            folder.join("study.json"),
            &edit_spec as &dyn Fn(&str) -> String,
        ),
        (folder.join("data").join("ward_months.csv"), &edit_data),
    ] {
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, edit(&text)).unwrap();
    }
    let out = root.path().join("out");
    let output = Command::cargo_bin("evident")
        .unwrap()
        .arg("run")
        .arg("-q")
        .arg(folder.join("study.json"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    if !output.status.success() {
        return Err((
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }
    let json = serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    Ok((json.unwrap(), md))
}

/// Month m of the example (1 to 24) as the date 2022-01 to 2023-12.
fn dated_months(text: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return format!("{line}\n");
            }
            let fields: Vec<&str> = line.split(',').collect();
            let m: i64 = fields[1].parse().unwrap();
            let date = format!("{}-{:02}", 2022 + (m - 1) / 12, (m - 1) % 12 + 1);
            format!("{},{date},{}\n", fields[0], fields[2..].join(","))
        })
        .collect()
}

/// Months written as dates with `frequency: monthly` give the integer-period analysis
/// to the bit; the report names the first treated month by its date; a duplicated
/// month and treatment from the first month are refused naming the dates, not the
/// period numbers the user never wrote.
#[test]
fn dated_months_give_the_integer_analysis_and_errors_name_the_dates() {
    let monthly = |spec: &str| {
        spec.replace(
            "\"period\": \"month\",",
            "\"period\": \"month\", \"frequency\": \"monthly\",",
        )
    };
    let integer = run(|d| d.to_string());
    let (dated, md) = run_edited(monthly, dated_months).unwrap();
    let fit = |r: &Value| r["analysis"]["difference_in_differences"]["series"][0]["fit"].clone();
    assert_eq!(fit(&dated)["estimate"], fit(&integer)["estimate"]);
    assert_eq!(fit(&dated)["pre_trend"], fit(&integer)["pre_trend"]);
    assert_eq!(fit(&dated)["treatment_period"], 13);
    let did = &dated["analysis"]["difference_in_differences"];
    assert_eq!(did["period_one"], "2022-01");
    assert_eq!(did["treatment_start"], "2023-01");
    assert!(md.contains("15 treated from period 13 (2023-01)"), "{md}");
    assert!(
        md.contains("Periods are numbered from 1 = 2022-01, the first date in the data."),
        "{md}"
    );
    assert!(integer["analysis"]["difference_in_differences"]["treatment_start"].is_null());

    // W01's second month written as its first: a duplicate named by its date.
    let duplicated = |d: &str| dated_months(d).replacen("W01,2022-02,", "W01,2022-01,", 1);
    let (code, stderr) = run_edited(monthly, duplicated).unwrap_err();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("unit `W01` has two rows for 2022-01"),
        "{stderr}"
    );

    // Every treated ward treated from the first month: no pre-period, named by date.
    let from_start = |d: &str| {
        let text = dated_months(d);
        let treated: std::collections::BTreeSet<String> = text
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(2) == Some("1"))
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect();
        text.lines()
            .enumerate()
            .map(|(i, line)| {
                let f: Vec<&str> = line.split(',').collect();
                if i > 0 && treated.contains(f[0]) {
                    format!("{},{},1,{}\n", f[0], f[1], f[3])
                } else {
                    format!("{line}\n")
                }
            })
            .collect::<String>()
    };
    let (code, stderr) = run_edited(monthly, from_start).unwrap_err();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("treatment starts in 2022-01, the first period of the data"),
        "{stderr}"
    );
}
