//! `evident match` on the NEET example: the terminal shows the balance before and
//! after (SMD, variance ratio, WWC flags) and who was matched or not and why; `--json`
//! carries the same balance in report.json's `analysis.matched.balance` form, and the
//! figures agree with the report `evident run` writes from the same matched.csv.

mod examples_support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use examples_support::copy_dir;
use serde_json::Value;

fn neet_copy(root: &Path) -> PathBuf {
    let folder = root.join("specs").join("neet-early-warning");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/neet-early-warning"),
        &folder,
    );
    folder.join("study.json")
}

fn evident(args: &[&std::ffi::OsStr]) -> String {
    let out = Command::cargo_bin("evident")
        .unwrap()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn match_prints_the_balance_and_json_carries_the_report_schema() {
    let root = tempfile::tempdir().unwrap();
    let spec = neet_copy(root.path());
    let json: Value = serde_json::from_str(&evident(&[
        "match".as_ref(),
        spec.as_os_str(),
        "--json".as_ref(),
    ]))
    .unwrap();
    let balance = &json["balance"];
    // The NEET pool: 150 supported, 750 in schools without the programme; the
    // caliper leaves 8 supported young people without a match.
    assert_eq!(balance["treated"]["all"], 150);
    assert_eq!(balance["control"]["all"], 750);
    assert_eq!(balance["treated"]["matched"], 142);
    assert_eq!(balance["control"]["matched"], 142);
    assert_eq!(balance["treated"]["by_status"]["outside_caliper"], 8);
    assert_eq!(balance["control"]["by_status"]["unmatched"], 608);
    let rows = balance["rows"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["variable"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "distance",
            "age_at_flag",
            "female",
            "free_school_meals",
            "special_needs",
            "attendance_pct",
            "prior_exclusions"
        ]
    );
    // Matching reduced every large imbalance: attendance from |0.75| to under 0.05.
    let attendance = &rows[5];
    assert!(attendance["before"]["smd"].as_f64().unwrap() < -0.7);
    assert!(attendance["after"]["smd"].as_f64().unwrap().abs() < 0.05);
    // Counts appear once, in the balance table (one schema).
    assert!(json["match"].get("treated").is_none());

    // The terminal: the same figures, through the report's formatter.
    let text = evident(&["match".as_ref(), spec.as_os_str()]);
    assert!(text.contains("Variable"), "{text}");
    assert!(text.contains("SMD before"), "{text}");
    assert!(text.contains("Variance ratio after"), "{text}");
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}:\n{text}"))
            .to_string()
    };
    let fixed3 = |v: &Value| {
        let x = v.as_f64().unwrap();
        let s = format!("{:.3}", x.abs());
        if x < 0.0 { format!("−{s}") } else { s }
    };
    for row in rows {
        let name = row["variable"].as_str().unwrap();
        let l = line(name);
        assert!(l.contains(&fixed3(&row["before"]["smd"])), "{l}");
        assert!(l.contains(&fixed3(&row["after"]["smd"])), "{l}");
    }
    assert!(line("female").ends_with("balanced (adjusted)"));
    assert!(line("distance").ends_with("not graded"));
    let reasons = line("Not used: no match within the caliper");
    assert!(
        reasons.split_whitespace().rev().take(2).eq(["0", "8"]),
        "{reasons}"
    );
    let pool = line("Not used: not needed as a match");
    assert!(
        pool.split_whitespace().rev().take(2).eq(["608", "0"]),
        "{pool}"
    );

    // `evident run` reads the same matched.csv: report.json's balance is identical.
    let out = root.path().join("out");
    evident(&[
        "run".as_ref(),
        spec.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["analysis"]["matched"]["balance"], *balance);
}

/// Coarsened exact matching: the report draws the strata retained, and report.json's
/// `analysis.matched.strata` counts agree with matched.csv read directly (units with
/// a weight per matched set and group; units with status no_exact_match dropped).
#[test]
fn cem_reports_the_strata_retained() {
    let root = tempfile::tempdir().unwrap();
    let spec = neet_copy(root.path());
    let mut study: Value = serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    study["design"]["matching"] = serde_json::json!({ "method": "cem" });
    std::fs::write(&spec, serde_json::to_string_pretty(&study).unwrap()).unwrap();
    let out = root.path().join("out");
    evident(&[
        "run".as_ref(),
        spec.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let svg = std::fs::read_to_string(out.join("matched_strata.svg")).unwrap();
    assert!(svg.contains("<title"), "the chart is accessible");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let strata = &report["analysis"]["matched"]["strata"];

    // matched.csv, counted here: unit,treated,matched_set,weight,distance,status.
    let csv = std::fs::read_to_string(root.path().join("reports/neet-early-warning/matched.csv"))
        .unwrap();
    let mut sets: std::collections::BTreeMap<u64, (u64, u64)> = Default::default();
    let (mut treated_dropped, mut control_dropped) = (0u64, 0u64);
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let treated = f[1] == "1";
        if f[5] == "no_exact_match" {
            if treated {
                treated_dropped += 1
            } else {
                control_dropped += 1
            }
        } else if f[3].parse::<f64>().unwrap() > 0.0 {
            let e = sets.entry(f[2].parse().unwrap()).or_default();
            if treated { e.0 += 1 } else { e.1 += 1 }
        }
    }
    assert_eq!(strata["treated_dropped"], treated_dropped);
    assert_eq!(strata["control_dropped"], control_dropped);
    let listed = strata["strata"].as_array().unwrap();
    assert_eq!(listed.len(), sets.len());
    for s in listed {
        let (t, c) = sets[&s["stratum"].as_u64().unwrap()];
        assert_eq!(
            (
                s["treated"].as_u64().unwrap(),
                s["control"].as_u64().unwrap()
            ),
            (t, c)
        );
        assert!(t > 0 && c > 0, "a retained stratum holds both groups");
    }
    // Largest first.
    let sizes: Vec<u64> = listed
        .iter()
        .map(|s| s["treated"].as_u64().unwrap() + s["control"].as_u64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]));
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        markdown.contains("matched_strata.svg"),
        "the chart is in the report"
    );
}
