//! `evident test` and `evident regress` from the command line: inline values and CSV
//! columns in, R's numbers out (values from R 4.2.2 / estimatr 1.0.0 as noted), and
//! clear errors for bad arguments.

use assert_cmd::Command;
use evident::stats::prec::assert_close;
use predicates::prelude::*;
use serde_json::Value;

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

fn json(args: &[&str]) -> Value {
    let output = evident()
        .args(args)
        .arg("--json")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn number(value: &Value, key: &str) -> f64 {
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

/// R: `t.test(c(1,2,3,4,9), c(2,2.5,7,8))`.
#[test]
fn welch_t_test_inline_matches_r() {
    let result = json(&["test", "t", "--x", "1,2,3,4,9", "--y", "2,2.5,7,8"]);
    assert_eq!(result["kind"], "welch");
    assert_close(
        number(&result, "statistic"),
        -0.519_077_913_996_118_9,
        1e-12,
        "t",
    );
    assert_close(number(&result, "df"), 6.616_723_140_165_76, 1e-12, "df");
}

/// R: `wilcox.test(c(1.1,2.2,3.3,4.4), c(2.5,4.5,6.5,8.5,9.9), conf.int = TRUE)`: W = 2,
/// p = 0.063492063492063489 (exact), location shift −3.75.
#[test]
fn exact_wilcoxon_rank_sum_matches_r() {
    let result = json(&[
        "test",
        "wilcoxon",
        "--x",
        "1.1,2.2,3.3,4.4",
        "--y",
        "2.5,4.5,6.5,8.5,9.9",
        "--conf-int",
    ]);
    assert_close(number(&result, "statistic"), 2.0, 1e-15, "W");
    assert_close(
        number(&result, "p_value"),
        0.063_492_063_492_063_49,
        1e-12,
        "p",
    );
}

#[test]
fn two_sample_test_reads_a_csv_split_by_group() {
    let result = json(&[
        "test",
        "t",
        "--data",
        "tests/reference/analysis/cluster/scores.csv",
        "--column",
        "score",
    ]);
    assert_eq!(result["kind"], "one_sample");
    assert!(number(&result, "statistic") > 0.0);
}

#[test]
fn adjust_keeps_missing_p_values() {
    let result = json(&[
        "test",
        "adjust",
        "--p",
        "0.01,0.02,NA,0.04",
        "--method",
        "BH",
    ]);
    assert_eq!(
        result["adjusted"],
        serde_json::json!([0.03, 0.03, null, 0.04])
    );
}

/// estimatr: `lm_robust(days_to_inspection ~ risk_score, data = inspections)` (HC2):
/// slope −0.014102117496889499, SE 0.023491995583282771.
#[test]
fn regress_matches_lm_robust_on_the_example_data() {
    let result = json(&[
        "regress",
        "--data",
        "specs/hmo-inspections/data/inspections.csv",
        "--outcome",
        "days_to_inspection",
        "--covariates",
        "risk_score",
    ]);
    let slope = &result["coefficients"][1];
    assert_eq!(slope["term"], "risk_score");
    assert_close(
        number(slope, "estimate"),
        -0.014_102_117_496_889_499,
        1e-10,
        "slope",
    );
    assert_close(
        number(slope, "std_error"),
        0.023_491_995_583_282_77,
        1e-10,
        "se",
    );
}

#[test]
fn constant_data_is_a_clear_error() {
    evident()
        .args(["test", "t", "--x", "1,1,1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("data are essentially constant"))
        .stderr(predicate::str::contains("hint: "));
}

#[test]
fn a_malformed_table_names_the_cell() {
    evident()
        .args(["test", "fisher", "--table", "3,x;1,3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("table cell `x` is not a number"));
}

#[test]
fn paired_test_without_a_second_sample_is_refused() {
    evident()
        .args(["test", "t", "--x", "1,2,3", "--paired"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a paired test needs two samples"));
}

#[test]
fn a_missing_value_in_a_regression_stops_unless_dropped() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("d.csv");
    std::fs::write(&file, "y,x\n1,2\n2,NA\n3,5\n4,4\n5,7\n").unwrap();
    evident()
        .args([
            "regress",
            "--data",
            file.to_str().unwrap(),
            "--outcome",
            "y",
            "--covariates",
            "x",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "d.csv:3: column `x`: value is missing",
        ));
    evident()
        .args([
            "regress",
            "--data",
            file.to_str().unwrap(),
            "--outcome",
            "y",
            "--covariates",
            "x",
            "--drop-missing",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 rows with missing values were dropped",
        ));
}
