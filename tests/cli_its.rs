//! The interrupted time series example end to end: the spec validates, the analysis
//! recovers the effect the data were generated with (specs/ambulance-standby-its/
//! data/make_data.py: −0.80 minutes at month 37, −0.02 a month after), and the grade
//! follows the ITS ceiling: level 3 for a comparative ITS whose diagnostics pass,
//! level 2 at most without a control series or with too few periods before.

mod examples_support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use examples_support::copy_dir;
use serde_json::Value;
use tempfile::TempDir;

const EXAMPLE: &str = "ambulance-standby-its";

fn evident() -> Command {
    Command::cargo_bin("evident").unwrap()
}

/// A copy of the example whose spec text has been passed through `edit`.
fn example(root: &TempDir, edit: impl Fn(String) -> String) -> PathBuf {
    let folder = root.path().join("specs").join(EXAMPLE);
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("specs")
            .join(EXAMPLE),
        &folder,
    );
    let spec = folder.join("study.json");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, edit(text)).unwrap();
    spec
}

fn report(spec: &Path, root: &TempDir) -> Value {
    let out = root.path().join("out");
    evident()
        .arg("run")
        .arg("-q")
        .arg(spec)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

fn criterion<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["grade"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no criterion {id}"))
}

#[test]
fn comparative_its_recovers_the_generated_effect_and_reaches_level_three() {
    let root = TempDir::new().unwrap();
    let spec = example(&root, |t| t);
    let r = report(&spec, &root);
    let fit = &r["analysis"]["interrupted_time_series"]["series"][0]["fit"];
    assert_eq!(fit["comparative"], true);
    assert_eq!(
        (fit["n_pre"].as_u64(), fit["n_post"].as_u64()),
        (Some(36), Some(24))
    );
    let level = &fit["level_change"];
    let (est, low, high) = (
        level["estimate"].as_f64().unwrap(),
        level["conf_low"].as_f64().unwrap(),
        level["conf_high"].as_f64().unwrap(),
    );
    assert!(
        low < -0.80 && -0.80 < high,
        "CI {low}..{high} misses the true −0.80"
    );
    assert!((est + 0.80).abs() < 0.15, "level change {est}");
    // Twelve months on, the true effect is −0.80 − 0.02 × 12 = −1.04.
    let h12 = &fit["horizons"][1];
    assert_eq!(h12["horizon"], 12);
    assert_eq!(h12["period"], 49);
    assert!(h12["effect"]["conf_low"].as_f64().unwrap() < -1.04);
    assert!(h12["effect"]["conf_high"].as_f64().unwrap() > -1.04);
    // The headline comparison is the level change itself.
    let headline = &r["analysis"]["outcomes"][0]["comparisons"][0];
    assert_eq!(headline["estimator"], "segmented_regression");
    assert_eq!(headline["estimate"]["estimate"].as_f64().unwrap(), est);
    let ceiling = &r["analysis"]["interrupted_time_series"]["ceiling"];
    assert_eq!(ceiling["max_level"], 3);
    assert_eq!(ceiling["held_down_by"].as_array().unwrap().len(), 0);
    assert_eq!(r["grade"]["level"], 3);
    assert_eq!(r["grade"]["sms"]["level"], 3);
    assert_eq!(criterion(&r, "comparison_group")["status"], "met");
    assert_eq!(criterion(&r, "design_diagnostics")["status"], "met");
    assert_eq!(criterion(&r, "causal_effect")["status"], "met");
}

#[test]
fn without_a_control_series_the_grade_stops_at_level_two() {
    let root = TempDir::new().unwrap();
    let spec = example(&root, |t| {
        t.replace(r#""control": "comparison_response_minutes","#, "")
            .replace(
                r#""secondary_controls": { "within_target_pct": "comparison_within_target_pct" },"#,
                "",
            )
    });
    let r = report(&spec, &root);
    let its = &r["analysis"]["interrupted_time_series"];
    assert_eq!(its["series"][0]["fit"]["comparative"], false);
    assert_eq!(its["ceiling"]["held_down_by"][0], "no_control_series");
    assert_eq!(its["ceiling"]["max_level"], 2);
    assert_eq!(criterion(&r, "comparison_group")["status"], "not_met");
    assert!(r["grade"]["level"].as_u64().unwrap() <= 2);
    assert_eq!(r["grade"]["sms"]["level"], 2);
}

#[test]
fn too_few_periods_before_hold_a_comparative_its_at_level_two() {
    let root = TempDir::new().unwrap();
    let spec = example(&root, |t| {
        t.replace(
            r#""intervention": 37,"#,
            r#""intervention": 7, "min_pre_periods": 4,"#,
        )
    });
    let r = report(&spec, &root);
    let its = &r["analysis"]["interrupted_time_series"];
    assert_eq!(its["series"][0]["fit"]["n_pre"], 6);
    assert_eq!(its["ceiling"]["held_down_by"][0], "too_few_periods");
    assert_eq!(criterion(&r, "design_diagnostics")["status"], "not_met");
    assert!(r["grade"]["level"].as_u64().unwrap() <= 2);
}

#[test]
fn bad_settings_are_invalid_input_with_the_json_path() {
    type Edit = fn(String) -> String;
    let cases: [(&str, Edit, &str); 4] = [
        (
            "no settings block",
            |t| {
                let key = t.find(r#""interrupted_time_series": {"#).unwrap();
                let start = t[..key].rfind(',').unwrap();
                let end = key + t[key..].find("\n    }").unwrap() + 6;
                format!("{}{}", &t[..start], &t[end..])
            },
            "needs design.interrupted_time_series",
        ),
        (
            "unknown key",
            |t| t.replace(r#""horizons""#, r#""horizon_months""#),
            "horizon_months",
        ),
        (
            "missing column",
            |t| t.replace(r#""period": "month""#, r#""period": "month_index""#),
            "month_index",
        ),
        (
            "secondary outcome without its control series",
            |t| {
                t.replace(
                    r#""secondary_controls": { "within_target_pct": "comparison_within_target_pct" },"#,
                    "",
                )
            },
            "has no control series",
        ),
    ];
    for (what, edit, expected) in cases {
        let root = TempDir::new().unwrap();
        let spec = example(&root, edit);
        let output = evident().arg("check").arg(&spec).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{what}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{what}: {stderr}");
    }
}

/// `design.interrupted_time_series.series`: one segmented regression per series, each
/// equal to fitting that series alone (library `fit_series`), in label order; a series
/// with a gap is listed with its reason and rows instead of failing the others; the
/// headline is the mean level change; the Markdown shows the table and the failure.
#[test]
fn many_series_fit_one_regression_each_and_name_the_series_that_fail() {
    use evident::designs::its::{ItsOptions, Series, fit_series};
    let root = TempDir::new().unwrap();
    let spec = example(&root, |text| {
        let mut study: Value = serde_json::from_str(&text).unwrap();
        study["design"]["interrupted_time_series"] =
            serde_json::json!({"period": "month", "intervention": 13, "series": "ward"});
        study["outcomes"] = serde_json::json!([{"name": "falls", "label": "Falls per 1,000 bed days",
            "type": "continuous", "role": "primary", "better": "lower"}]);
        study["analysis"] = serde_json::json!({"data": "data/wards.csv", "id": "ward"});
        study["report"] = serde_json::json!({"formats": ["json", "md"]});
        study.to_string()
    });
    // Four wards x 24 months; ward w4 has no row for month 7 (a gap).
    let mut csv = String::from("ward,month,falls\n");
    // (ward, months, values, file lines)
    type Ward = (String, Vec<i64>, Vec<f64>, Vec<u64>);
    let mut wards: Vec<Ward> = Vec::new();
    let mut line = 1u64;
    for (w, level) in [("w1", -1.0), ("w2", -0.5), ("w3", 0.0), ("w4", -0.2)] {
        let (mut months, mut values, mut lines) = (vec![], vec![], vec![]);
        for m in 1..=24i64 {
            if w == "w4" && m == 7 {
                continue;
            }
            let noise = ((m * 7919 + w.len() as i64 * 31 + level as i64) % 17) as f64 / 17.0 - 0.5;
            let wobble = (m as f64 * 1.3 + level * 5.0).sin() * 0.3;
            let y = 5.0
                + 0.05 * m as f64
                + if m >= 13 {
                    level - 0.02 * (m - 13) as f64
                } else {
                    0.0
                }
                + noise
                + wobble;
            line += 1;
            csv.push_str(&format!("{w},{m},{y}\n"));
            months.push(m);
            values.push(y);
            lines.push(line);
        }
        wards.push((w.to_string(), months, values, lines));
    }
    std::fs::write(spec.parent().unwrap().join("data/wards.csv"), csv).unwrap();
    let report = report(&spec, &root);
    let its = &report["analysis"]["interrupted_time_series"];
    let many = &its["by_series"];
    assert_eq!(many["series_column"], "ward");
    assert_eq!(many["n_series"], 4);
    assert_eq!(many["n_fitted"], 3);
    assert_eq!(its["series"].as_array().unwrap().len(), 0);
    let options = ItsOptions {
        intervention: 13,
        ..ItsOptions::default()
    };
    let mut levels = Vec::new();
    for (i, (ward, months, values, lines)) in wards.iter().enumerate() {
        let row = &many["series"][i];
        assert_eq!(row["series"], ward.as_str());
        let alone = fit_series(
            &Series {
                periods: months,
                outcome: values,
                control: None,
                season: None,
                rows: Some(lines),
            },
            &options,
        );
        match alone {
            Ok(fit) => {
                for (key, ours) in [
                    ("level_change", &fit.level_change),
                    ("slope_change", &fit.slope_change),
                ] {
                    for field in ["estimate", "std_error", "conf_low", "conf_high"] {
                        let json = row[key][field].as_f64().unwrap();
                        let lib = serde_json::to_value(ours).unwrap()[field].as_f64().unwrap();
                        assert!(
                            (json - lib).abs() <= 1e-12 * lib.abs().max(1.0),
                            "{ward} {key} {field}"
                        );
                    }
                }
                levels.push(fit.level_change.estimate);
            }
            Err(e) => {
                let message = row["error"].as_str().unwrap();
                assert_eq!(message, e.to_string());
                assert!(
                    message.contains("gap") && message.contains("period 6 (row 79)"),
                    "{message}"
                );
            }
        }
    }
    let mean = levels.iter().sum::<f64>() / levels.len() as f64;
    let headline = many["mean_level_change"]["estimate"].as_f64().unwrap();
    assert!((headline - mean).abs() < 1e-12, "{headline} vs {mean}");
    assert_eq!(
        report["analysis"]["outcomes"][0]["comparisons"][0]["estimate"]["estimate"]
            .as_f64()
            .unwrap(),
        headline
    );
    let md = std::fs::read_to_string(root.path().join("out/report.md")).unwrap();
    assert!(md.contains("4 series (column"), "{md}");
    assert!(md.contains("1 series could not be fitted"), "{md}");
    assert!(md.contains("w4: the series has a gap"), "{md}");
}

/// Runs `spec` into `out`, requires the refusal exit code (2) and returns standard error.
fn refused(spec: &std::path::Path, out: &std::path::Path) -> String {
    let output = evident()
        .arg("run")
        .arg("-q")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    stderr
}

/// Dated periods: the example's months written as `YYYY-MM` with `frequency: monthly`
/// and the intervention as a date give exactly the integer-period analysis; a dated
/// series with a missing month is refused naming the rows, a malformed date naming its
/// line, a date intervention after the data by its date, and a date intervention without a
/// frequency at check time.
#[test]
fn monthly_dates_give_the_integer_analysis_and_bad_dates_are_named() {
    let integer_root = TempDir::new().unwrap();
    let integer_spec = example(&integer_root, |t| t);
    let expected = report(&integer_spec, &integer_root);

    let root = TempDir::new().unwrap();
    let spec = example(&root, |text| {
        text.replace(
            "\"intervention\": 37,",
            "\"intervention\": \"2022-01\", \"frequency\": \"monthly\",",
        )
    });
    let data = spec.parent().unwrap().join("data/monthly_response.csv");
    let original = std::fs::read_to_string(&data).unwrap();
    let dated: String = original
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                return format!("{line}\n");
            }
            let (month, rest) = line.split_once(',').unwrap();
            let m: i64 = month.parse().unwrap();
            let date = format!("{}-{:02}", 2019 + (m - 1) / 12, (m - 1) % 12 + 1);
            format!("{date},{rest}\n")
        })
        .collect();
    std::fs::write(&data, &dated).unwrap();
    let got = report(&spec, &root);
    let fit = |r: &Value| r["analysis"]["interrupted_time_series"]["series"][0]["fit"].clone();
    assert_eq!(fit(&got)["level_change"], fit(&expected)["level_change"]);
    assert_eq!(fit(&got)["slope_change"], fit(&expected)["slope_change"]);
    assert_eq!(fit(&got)["n_pre"], 36);
    assert_eq!(
        got["analysis"]["interrupted_time_series"]["period_one"],
        "2019-01"
    );

    // 2019-06 missing: a gap between periods 5 and 7, rows named.
    let gap: String = dated
        .lines()
        .filter(|l| !l.starts_with("2019-06,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&data, gap).unwrap();
    let stderr = refused(&spec, &root.path().join("gap"));
    assert!(
        stderr.contains("no row between 2019-05 (row 6) and 2019-07 (row 7)"),
        "{stderr}"
    );

    // An intervention after the last month is named by its date and the data's range
    // by theirs, not by period numbers the user never wrote.
    let late_root = TempDir::new().unwrap();
    let late = example(&late_root, |text| {
        text.replace(
            "\"intervention\": 37,",
            "\"intervention\": \"2026-01\", \"frequency\": \"monthly\",",
        )
    });
    std::fs::write(
        late.parent().unwrap().join("data/monthly_response.csv"),
        &dated,
    )
    .unwrap();
    let stderr = refused(&late, &late_root.path().join("late"));
    assert!(
        stderr.contains(
            "the intervention (2026-01) is outside the data, which runs from 2019-01 to 2023-12"
        ),
        "{stderr}"
    );

    let bad = dated.replacen("2019-03,", "2019-3,", 1);
    std::fs::write(&data, bad).unwrap();
    let stderr = refused(&spec, &root.path().join("bad"));
    assert!(
        stderr.contains(
            ":4: column `month`: \"2019-3\" is not a monthly date (YYYY-MM-DD or YYYY-MM)"
        ),
        "{stderr}"
    );

    let undated_root = TempDir::new().unwrap();
    let undated = example(&undated_root, |text| {
        text.replace("\"intervention\": 37,", "\"intervention\": \"2022-01\",")
    });
    let output = evident().arg("check").arg(&undated).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("design.interrupted_time_series.intervention")
            && stderr.contains("set frequency"),
        "{stderr}"
    );
}
