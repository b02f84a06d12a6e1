//! `evident test` and `evident regress` from the command line: inline values and CSV
//! columns in, R's numbers out (values from R 4.2.2 / estimatr 1.0.0 as noted), and
//! clear errors for bad arguments.

mod contract_support;

use contract_support::evident;
use evident::stats::estimate::Alternative;
use evident::stats::prec::assert_close;
use evident::stats::tidy::{Cells, RegressOutput, Row, TestOutput};
use predicates::prelude::*;
use serde_json::Value;

/// `evident ARGS --json` for a test, checked against the result schema.
fn test(args: &[&str]) -> TestOutput {
    contract_support::run::<TestOutput>("test", args).0
}

/// `evident ARGS --json` for a regression, checked against the result schema.
fn regress(args: &[&str]) -> RegressOutput {
    contract_support::run::<RegressOutput>("regress", args).0
}

/// R's values for the contract data (tests/reference/cli/contract.R).
fn reference() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/cli/contract.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

fn number(value: &Value, key: &str) -> f64 {
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

fn list(value: &Value, key: &str) -> Vec<f64> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {value}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// Compares a row's inference with R's (fixture printed to 15 significant digits).
fn assert_row(row: &Row, r: &Value, what: &str) {
    let tol = 1e-10;
    assert_close(row.estimate.0, number(r, "estimate"), tol, what);
    assert_close(row.std_error.unwrap(), number(r, "std_error"), tol, what);
    assert_close(row.df.unwrap(), number(r, "df"), tol, what);
    assert_close(row.p_value.unwrap(), number(r, "p_value"), tol, what);
    assert_close(row.conf_low.unwrap().0, number(r, "conf_low"), tol, what);
    assert_close(row.conf_high.unwrap().0, number(r, "conf_high"), tol, what);
}

const CONTRACT: &str = "tests/reference/cli/contract.csv";

/// R: `t.test(c(1,2,3,4,9), c(2,2.5,7,8))`.
#[test]
fn welch_t_test_inline_matches_r() {
    let result = test(&["test", "t", "--x", "1,2,3,4,9", "--y", "2,2.5,7,8"]);
    assert_eq!(result.method, "Welch Two Sample t-test");
    assert_eq!(result.alternative, Some(Alternative::TwoSided));
    let statistic = result.statistic.as_ref().unwrap();
    assert_close(statistic.value, -0.519_077_913_996_118_9, 1e-12, "t");
    assert_close(statistic.df.unwrap(), 6.616_723_140_165_76, 1e-12, "df");
    let row = &result.estimates[0];
    assert_eq!(row.term, "mean of x - mean of y");
    assert_eq!(row.statistic, Some(statistic.value));
    assert_eq!(
        result.estimates[1..]
            .iter()
            .map(|r| r.estimate.0)
            .collect::<Vec<_>>(),
        vec![3.8, 4.875]
    );
}

/// R: `wilcox.test(c(1.1,2.2,3.3,4.4), c(2.5,4.5,6.5,8.5,9.9), conf.int = TRUE)`: W = 2,
/// p = 0.063492063492063489 (exact), location shift −3.75.
#[test]
fn exact_wilcoxon_rank_sum_matches_r() {
    let result = test(&[
        "test",
        "wilcoxon",
        "--x",
        "1.1,2.2,3.3,4.4",
        "--y",
        "2.5,4.5,6.5,8.5,9.9",
        "--conf-int",
    ]);
    assert_close(result.statistic.unwrap().value, 2.0, 1e-15, "W");
    assert_close(
        result.p_value.unwrap(),
        0.063_492_063_492_063_49,
        1e-12,
        "p",
    );
    assert_eq!(result.exact, Some(true));
    assert_close(result.estimates[0].estimate.0, -3.75, 1e-12, "shift");
}

#[test]
fn one_sample_test_reads_a_csv_column() {
    let result = test(&[
        "test",
        "t",
        "--data",
        "tests/reference/analysis/cluster/scores.csv",
        "--column",
        "score",
    ]);
    assert_eq!(result.method, "One Sample t-test");
    assert_eq!(result.estimates[0].term, "mean of x");
    assert!(result.statistic.unwrap().value > 0.0);
}

#[test]
fn adjust_keeps_missing_p_values() {
    let (result, raw) = contract_support::run::<TestOutput>(
        "test",
        &[
            "test",
            "adjust",
            "--p",
            "0.01,0.02,NA,0.04",
            "--method",
            "BH",
        ],
    );
    assert_eq!(
        raw["adjusted"],
        serde_json::json!([
            {"p_value": 0.01, "p_adjusted": 0.03},
            {"p_value": 0.02, "p_adjusted": 0.03},
            {"p_value": null, "p_adjusted": null},
            {"p_value": 0.04, "p_adjusted": 0.04}
        ])
    );
    assert_eq!(result.n, Some(3));
}

/// R: `p.adjust(c(0.01, 0.02, 0.04), method, n = 10)` (tests/reference/cli/contract.json).
#[test]
fn adjust_takes_the_number_of_comparisons() {
    let r = &reference()["p_adjust_n"];
    for method in ["holm", "BH"] {
        let result = test(&[
            "test",
            "adjust",
            "--p",
            "0.01,0.02,0.04",
            "--method",
            method,
            "--n",
            "10",
        ]);
        let adjusted: Vec<f64> = result
            .adjusted
            .unwrap()
            .iter()
            .map(|a| a.p_adjusted.unwrap())
            .collect();
        for (ours, theirs) in adjusted.iter().zip(list(r, method)) {
            assert_close(*ours, theirs, 1e-12, method);
        }
        assert_eq!(result.n, Some(10));
    }
    evident()
        .args(["test", "adjust", "--p", "0.01,0.02,0.04", "--n", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "at least the number of non-missing",
        ));
}

/// A goodness-of-fit test's expected counts are a list (R: chisq.test(c(30, 20, 50))),
/// a contingency table's are rows; whole degrees of freedom print as integers.
#[test]
fn chisq_cells_are_vectors_or_tables_as_the_input_was() {
    let (gof, raw) =
        contract_support::run::<TestOutput>("test", &["test", "chisq", "--observed", "30,20,50"]);
    let Some(Cells::Vector(expected)) = gof.expected else {
        panic!("expected counts of a goodness-of-fit test are a list: {raw}");
    };
    for (ours, theirs) in expected
        .iter()
        .zip(list(&reference()["chisq_gof"], "expected"))
    {
        assert_close(*ours, theirs, 1e-12, "expected");
    }
    assert_eq!(raw["statistic"]["df"], serde_json::json!(2));
    assert!(raw["statistic"]["df"].is_u64());
    let table = test(&["test", "chisq", "--table", "12,5;7,9"]);
    assert!(matches!(table.expected, Some(Cells::Table(ref rows)) if rows.len() == 2));
}

/// Every test command's --json fits the one schema, with `alternative` spelled as the
/// flag takes it (R's `two.sided` is accepted as well).
#[test]
fn every_test_fits_the_result_schema() {
    let cases: [&[&str]; 8] = [
        &["test", "t", "--x", "1,2,3,4", "--alternative", "greater"],
        &["test", "t", "--x", "1,2,3,4", "--y", "2,3,5,4", "--paired"],
        &[
            "test",
            "wilcoxon",
            "--x",
            "1.5,2,3,4.5",
            "--conf-int",
            "--alternative",
            "two.sided",
        ],
        &["test", "prop", "--successes", "15,25", "--trials", "50,50"],
        &[
            "test",
            "prop",
            "--successes",
            "15",
            "--trials",
            "50",
            "--p",
            "0.4",
        ],
        &[
            "test",
            "fisher",
            "--table",
            "3,1;1,3",
            "--alternative",
            "less",
        ],
        &["test", "mcnemar", "--table", "10,5;3,12"],
        &["test", "chisq", "--table", "12,5;7,9", "--no-correct"],
    ];
    for args in cases {
        let out = test(args);
        assert!(args.join(" ").starts_with(&out.command), "{args:?}");
        assert!(out.p_value.is_some_and(|p| (0.0..=1.0).contains(&p)));
    }
    let less = test(&[
        "test",
        "fisher",
        "--table",
        "3,1;1,3",
        "--alternative",
        "less",
    ]);
    assert_eq!(less.alternative, Some(Alternative::Less));
    assert_eq!(less.estimates[0].conf_low.unwrap().0, 0.0);
    let (_, raw) = contract_support::run::<TestOutput>(
        "test",
        &["test", "t", "--x", "1,2,3,4", "--alternative", "greater"],
    );
    assert_eq!(raw["alternative"], "greater");
    assert_eq!(raw["estimates"][0]["conf_high"], "Inf");
    let two = test(&["test", "t", "--x", "1,2,3,4", "--alternative", "two_sided"]);
    assert_eq!(two.alternative, Some(Alternative::TwoSided));
}

/// estimatr: `difference_in_means(outcome ~ treated, blocks = pair)` (matched pairs),
/// `blocks = block` (blocked, alpha = 0.1) and unblocked, on the contract data.
#[test]
fn difference_in_means_with_pairs_and_blocks_matches_estimatr() {
    let r = reference();
    let common = [
        "test",
        "dim",
        "--data",
        CONTRACT,
        "--outcome",
        "outcome",
        "--treatment",
        "treated",
    ];
    let with = |extra: &[&str]| {
        let mut args = common.to_vec();
        args.extend_from_slice(extra);
        test(&args)
    };
    let pairs = with(&["--pairs", "pair"]);
    assert_row(&pairs.estimates[0], &r["dim_pairs"], "matched pairs");
    assert_eq!(pairs.estimates[0].term, "treated");
    let sample = pairs.sample.unwrap();
    assert_eq!((sample.nobs, sample.nblocks), (24, Some(12)));
    assert_eq!(sample.design, "matched_pairs");
    let blocks = with(&["--blocks", "block", "--alpha", "0.1"]);
    assert_row(&blocks.estimates[0], &r["dim_blocks"], "blocked");
    assert_eq!(blocks.conf_level, Some(0.9));
    assert_eq!(blocks.sample.unwrap().design, "blocked");
    let plain = with(&[]);
    assert_row(&plain.estimates[0], &r["dim_plain"], "standard");
    let mut args = common.to_vec();
    args.extend_from_slice(&["--pairs", "block"]);
    evident()
        .args(&args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has a pair of 8 units"));
}

/// estimatr: `lm_robust(outcome ~ 1)` (HC2): intercept-only models fit.
#[test]
fn regress_fits_an_intercept_only_model() {
    let r = &reference()["intercept_only"];
    let fit = regress(&["regress", "--data", CONTRACT, "--outcome", "outcome"]);
    assert_eq!(fit.estimates.len(), 1);
    assert_eq!(fit.estimates[0].term, "(Intercept)");
    assert_close(
        fit.estimates[0].estimate.0,
        number(r, "estimate"),
        1e-10,
        "mean",
    );
    assert_close(
        fit.estimates[0].std_error.unwrap(),
        number(r, "std_error"),
        1e-10,
        "se",
    );
    assert_close(
        fit.fit.residual_variance.unwrap(),
        number(r, "res_var"),
        1e-10,
        "res_var",
    );
    assert_eq!(fit.fit.df_residual, Some(23.0));
    assert!(fit.fit.fstatistic.is_none());
}

/// estimatr: `lm_robust(outcome ~ treated + x, alpha = 0.1)` and summary(lm())'s sigma:
/// --alpha sets the interval level; the fit reports what R users read from it.
#[test]
fn regress_reports_sigma_r2_and_f_with_alpha() {
    let r = &reference()["lm_alpha_0_1"];
    let (fit, raw) = contract_support::run::<RegressOutput>(
        "regress",
        &[
            "regress",
            "--data",
            CONTRACT,
            "--outcome",
            "outcome",
            "--covariates",
            "treated,x",
            "--alpha",
            "0.1",
        ],
    );
    assert_eq!(fit.conf_level, 0.9);
    for (i, row) in fit.estimates.iter().enumerate() {
        assert_close(row.estimate.0, list(r, "estimate")[i], 1e-10, "estimate");
        assert_close(row.std_error.unwrap(), list(r, "std_error")[i], 1e-10, "se");
        assert_close(
            row.conf_low.unwrap().0,
            list(r, "conf_low")[i],
            1e-10,
            "low",
        );
        assert_close(
            row.conf_high.unwrap().0,
            list(r, "conf_high")[i],
            1e-10,
            "high",
        );
    }
    let f = &fit.fit;
    assert_close(f.sigma.unwrap(), number(r, "sigma"), 1e-10, "sigma");
    assert_close(
        f.residual_variance.unwrap(),
        number(r, "res_var"),
        1e-10,
        "res_var",
    );
    assert_close(f.r_squared.unwrap(), number(r, "r_squared"), 1e-10, "R2");
    assert_close(
        f.adj_r_squared.unwrap(),
        number(r, "adj_r_squared"),
        1e-10,
        "adj R2",
    );
    let fstat = f.fstatistic.as_ref().unwrap();
    assert_close(fstat.value, list(r, "fstatistic")[0], 1e-10, "F");
    assert_eq!(raw["fit"]["fstatistic"]["numdf"], serde_json::json!(2));
    assert_eq!(raw["fit"]["fstatistic"]["dendf"], serde_json::json!(21));
    assert_eq!(raw["fit"]["df_residual"], serde_json::json!(21));
    assert_eq!(raw["fit"]["df_null"], serde_json::json!(23));
    assert_eq!(raw["fit"]["nobs"], serde_json::json!(24));
    evident()
        .args([
            "regress",
            "--data",
            CONTRACT,
            "--outcome",
            "outcome",
            "--alpha",
            "0.1",
            "--conf-level",
            "0.9",
        ])
        .assert()
        .code(2);
}

/// glm(success ~ treated + x, binomial): deviances, AIC, residual and null df,
/// convergence.
#[test]
fn logistic_regression_reports_deviance_df_and_convergence() {
    let r = &reference()["logistic"];
    let fit = regress(&[
        "regress",
        "--data",
        CONTRACT,
        "--outcome",
        "success",
        "--covariates",
        "treated,x",
        "--logistic",
    ]);
    for (row, theirs) in fit.estimates.iter().zip(list(r, "estimate")) {
        assert_close(row.estimate.0, theirs, 1e-8, "coefficient");
        assert_eq!(row.df, None, "z inference");
    }
    let f = &fit.fit;
    assert_close(
        f.deviance.unwrap(),
        number(r, "deviance"),
        1e-10,
        "deviance",
    );
    assert_close(
        f.null_deviance.unwrap(),
        number(r, "null_deviance"),
        1e-10,
        "null",
    );
    assert_close(f.aic.unwrap(), number(r, "aic"), 1e-10, "aic");
    assert_eq!(f.df_residual, Some(number(r, "df_residual")));
    assert_eq!(f.df_null, Some(number(r, "df_null")));
    assert_eq!(f.converged, Some(true));
    assert!(f.iterations.is_some_and(|i| i > 0));
    assert_eq!(fit.se_type.as_deref(), Some("classical"));
}

/// `regress --logistic --weights w --clusters cl` (CR1 by default) and `--se-type
/// HC1` against glm with weights and the sandwich at the MLE
/// (tests/reference/regression/logistic_weighted.R); HC2 is refused.
#[test]
fn weighted_logistic_regression_with_clustered_and_robust_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (file, fixture) = fixture_csv(
        "logistic_weighted.json",
        &["y", "x1", "x2", "g", "cl", "w"],
        &dir,
        "weighted",
    );
    let r = &fixture["weighted"];
    for (extra, se, name) in [
        (vec!["--clusters", "cl"], "stata", "CR1"),
        (vec!["--se-type", "HC1"], "HC1", "HC1"),
    ] {
        let mut args = vec![
            "regress",
            "--data",
            &file,
            "--outcome",
            "y",
            "--covariates",
            "x1,x2,g",
            "--logistic",
            "--weights",
            "w",
        ];
        args.extend(extra);
        let fit = regress(&args);
        assert_eq!(fit.se_type.as_deref(), Some(se));
        assert!(fit.fit.weighted);
        for (i, row) in fit.estimates.iter().enumerate() {
            assert_close(row.estimate.0, list(r, "estimate")[i], 1e-8, name);
            assert_close(
                row.std_error.unwrap(),
                list(&r["se"][name], "std_error")[i],
                1e-8,
                name,
            );
        }
        assert_close(
            fit.fit.deviance.unwrap(),
            number(r, "deviance"),
            1e-8,
            "deviance",
        );
    }
    evident()
        .args([
            "regress",
            "--data",
            &file,
            "--outcome",
            "y",
            "--logistic",
            "--se-type",
            "HC2",
        ])
        .assert()
        .failure()
        .code(2)
        .stderr(predicate::str::contains("HC0 or HC1"));
}

/// estimatr: `lm_robust(days_to_inspection ~ risk_score, data = inspections)` (HC2):
/// slope −0.014102117496889499, SE 0.023491995583282771.
#[test]
fn regress_matches_lm_robust_on_the_example_data() {
    let result = regress(&[
        "regress",
        "--data",
        "specs/hmo-inspections/data/inspections.csv",
        "--outcome",
        "days_to_inspection",
        "--covariates",
        "risk_score",
    ]);
    let slope = &result.estimates[1];
    assert_eq!(slope.term, "risk_score");
    assert_close(slope.estimate.0, -0.014_102_117_496_889_499, 1e-10, "slope");
    assert_close(
        slope.std_error.unwrap(),
        0.023_491_995_583_282_77,
        1e-10,
        "se",
    );
    assert_eq!(result.se_type.as_deref(), Some("HC2"));
}

#[test]
fn version_names_the_engine_and_schema_versions() {
    evident()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "evident {} (report schema 1, result schema 2)",
            env!("CARGO_PKG_VERSION")
        )));
}

#[test]
fn an_unknown_option_gets_a_did_you_mean() {
    evident()
        .args(["test", "t", "--x", "1,2,3", "--alterntive", "less"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "a similar argument exists: '--alternative'",
        ));
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

/// A dataset of tests/reference/regression/iv_robust.json written as a CSV.
fn iv_dataset(dir: &tempfile::TempDir, name: &str) -> (std::path::PathBuf, Value) {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/regression/iv_robust.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let rows = fixture["datasets"][name].as_array().unwrap();
    let keys: Vec<&str> = ["y", "d", "z", "x1", "g", "cl"]
        .into_iter()
        .filter(|k| !rows[0][*k].is_null())
        .collect();
    let mut text = keys.join(",") + "\n";
    for row in rows {
        let cells: Vec<String> = keys
            .iter()
            .map(|k| match &row[*k] {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            })
            .collect();
        text += &(cells.join(",") + "\n");
    }
    let file = dir.path().join(format!("{name}.csv"));
    std::fs::write(&file, text).unwrap();
    (file, fixture)
}

fn iv_case<'a>(fixture: &'a Value, name: &str) -> &'a Value {
    fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

#[test]
fn regress_iv_matches_iv_robust_with_clusters_and_covariates() {
    let dir = tempfile::TempDir::new().unwrap();
    let (file, fixture) = iv_dataset(&dir, "cluster");
    let case = iv_case(&fixture, "cluster_cr2_covariates");
    let fit = regress(&[
        "regress",
        "--data",
        file.to_str().unwrap(),
        "--outcome",
        "y",
        "--iv",
        "d ~ z",
        "--covariates",
        "x1,g",
        "--clusters",
        "cl",
    ]);
    assert_eq!(fit.method, "iv_robust");
    assert_eq!(fit.se_type.as_deref(), Some("CR2"));
    for (i, row) in fit.estimates.iter().enumerate() {
        assert_close(row.estimate.0, list(case, "estimate")[i], 1e-10, &row.term);
        assert_close(
            row.std_error.unwrap(),
            list(case, "std_error")[i],
            1e-10,
            &row.term,
        );
        assert_close(row.df.unwrap(), list(case, "df")[i], 1e-10, &row.term);
    }
    let iv = fit.iv.expect("iv diagnostics");
    assert_eq!((iv.endogenous.as_str(), iv.instrument.as_str()), ("d", "z"));
    assert_close(
        iv.first_stage_f.value,
        list(case, "first_stage_f")[0],
        1e-10,
        "F",
    );
    assert_close(
        iv.first_stage_f_classical.value,
        list(case, "aer_weak_instrument_f")[2],
        1e-10,
        "classical F",
    );
    assert!(!iv.weak_instrument);
    assert_eq!(iv.anderson_rubin.shape, "bounded");
    let ar = &case["anderson_rubin"]["intervals"][0];
    assert_close(
        iv.anderson_rubin.intervals[0].conf_low.0,
        number(ar, "lower"),
        1e-8,
        "AR",
    );
    assert_close(
        iv.anderson_rubin.intervals[0].conf_high.0,
        number(ar, "upper"),
        1e-8,
        "AR",
    );
}

#[test]
fn regress_iv_prints_an_unbounded_anderson_rubin_set_and_warns_of_a_weak_instrument() {
    let dir = tempfile::TempDir::new().unwrap();
    let (file, _) = iv_dataset(&dir, "two_rays");
    let fit = regress(&[
        "regress",
        "--data",
        file.to_str().unwrap(),
        "--outcome",
        "y",
        "--iv",
        "d~z",
    ]);
    let iv = fit.iv.expect("iv diagnostics");
    assert!(iv.weak_instrument);
    assert_eq!(iv.anderson_rubin.shape, "two_rays");
    assert_eq!(iv.anderson_rubin.intervals.len(), 2);
    assert_eq!(iv.anderson_rubin.intervals[0].conf_low.0, f64::NEG_INFINITY);
    assert_eq!(iv.anderson_rubin.intervals[1].conf_high.0, f64::INFINITY);
    evident()
        .args([
            "regress",
            "--data",
            file.to_str().unwrap(),
            "--outcome",
            "y",
            "--iv",
            "d ~ z",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Warning: weak instrument"))
        .stdout(predicate::str::contains(
            "Anderson-Rubin 95% confidence set for d: (-Inf, 1.027999] U [6.266989, Inf)",
        ));
}

#[test]
fn regress_iv_refuses_bad_input_with_one_clear_line() {
    let dir = tempfile::TempDir::new().unwrap();
    let (file, _) = iv_dataset(&dir, "strong");
    let data = file.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["regress", "--data", data, "--outcome", "y"];
        args.extend_from_slice(extra);
        evident().args(args).assert().code(2)
    };
    run(&["--iv", "d ~ z + x1"]).stderr(predicate::str::contains(
        "is not of the form \"ENDOGENOUS ~ INSTRUMENT\"",
    ));
    run(&["--iv", "d ~ z", "--lin", "z"]).stderr(predicate::str::contains(
        "--iv takes --covariates, --clusters and --se-type only",
    ));
    run(&["--iv", "d ~ d"]).stderr(predicate::str::contains("must be different columns"));
    run(&["--iv", "d ~ nope"]).stderr(predicate::str::contains("nope"));
    // An instrument without variation.
    let constant = dir.path().join("constant.csv");
    std::fs::write(&constant, "y,d,z\n1,0,1\n2,1,1\n3,0,1\n4,1,1\n").unwrap();
    evident()
        .args([
            "regress",
            "--data",
            constant.to_str().unwrap(),
            "--outcome",
            "y",
            "--iv",
            "d ~ z",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the instrument z is constant (every value is 1)",
        ));
}

/// The TOST fixture (tests/reference/htest/tost.R: R's t.test against each bound).
fn tost_case(index: usize) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/htest/tost.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"][index].clone()
}

fn joined(values: &[f64]) -> String {
    values
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn assert_tost(result: &TestOutput, r: &Value, what: &str) {
    let tol = 1e-10;
    let row = &result.estimates[0];
    assert_close(row.estimate.0, number(r, "estimate"), tol, what);
    assert_close(row.std_error.unwrap(), number(r, "std_error"), tol, what);
    let ci = list(r, "conf_int");
    assert_close(row.conf_low.unwrap().0, ci[0], tol, what);
    assert_close(row.conf_high.unwrap().0, ci[1], tol, what);
    assert_close(result.p_value.unwrap(), number(r, "p_value"), tol, what);
    let eq = result.equivalence.as_ref().unwrap();
    for (got, key) in [(&eq.lower, "lower"), (&eq.upper, "upper")] {
        match got {
            Some(t) => {
                assert_close(t.statistic, number(&r[key], "statistic"), tol, what);
                assert_close(t.p_value, number(&r[key], "p_value"), tol, what);
            }
            None => assert!(r[key].is_null(), "{what}: {key}"),
        }
    }
}

/// Welch TOST within ±2 on inline values, as R (fixture case 0).
#[test]
fn tost_on_inline_values_matches_r() {
    let r = tost_case(0);
    let (x, y) = (joined(&list(&r, "x")), joined(&list(&r, "y")));
    let result = test(&[
        "test", "tost", "--x", &x, "--y", &y, "--margin", "2", "--unit", "minutes",
    ]);
    assert_eq!(result.command, "test tost");
    assert_eq!(result.method, "Welch Two Sample t-test TOST");
    assert_eq!(result.conf_level, Some(0.9));
    assert_tost(&result, &r, "welch ±2");
    let eq = result.equivalence.unwrap();
    assert_eq!(eq.verdict, "equivalent");
    assert_eq!(eq.conclusion, "equivalent within ±2 minutes");
    evident()
        .args([
            "test", "tost", "--x", &x, "--y", &y, "--margin", "2", "--unit", "minutes",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("TOST p-value = 0.002742"))
        .stdout(predicate::str::contains(
            "verdict (alpha = 0.05): equivalent within ±2 minutes",
        ));
}

/// The same samples as CSV columns split by a group column; a Student lower-bound-only
/// test (non-inferiority, fixture case 8) and the paired test (case 10) from columns.
#[test]
fn tost_reads_csv_columns() {
    let dir = tempfile::tempdir().unwrap();
    let r = tost_case(0);
    let mut csv = String::from("arm,minutes\n");
    for v in list(&r, "x") {
        csv.push_str(&format!("a,{v}\n"));
    }
    for v in list(&r, "y") {
        csv.push_str(&format!("b,{v}\n"));
    }
    let path = dir.path().join("arms.csv");
    std::fs::write(&path, csv).unwrap();
    let path = path.to_str().unwrap();
    let args = [
        "test", "tost", "--data", path, "--column", "minutes", "--by", "arm",
    ];
    let welch = test(&[&args[..], &["--margin", "2"]].concat());
    assert_tost(&welch, &r, "welch from csv");
    let ni = tost_case(8);
    assert_eq!(ni["design"], "student");
    let student = test(
        &[
            &args[..],
            &["--var-equal", "--margin", "1.5", "--better", "higher"],
        ]
        .concat(),
    );
    assert_eq!(student.method, "Two Sample t-test TOST");
    assert_tost(&student, &ni, "student non-inferiority from csv");
    let eq = student.equivalence.unwrap();
    assert_eq!(eq.hypothesis, "non_inferiority_lower");
    assert_eq!((eq.low, eq.high), (Some(-1.5), None));

    let pr = tost_case(10);
    assert_eq!(pr["design"], "paired");
    let (x, y) = (list(&pr, "x"), list(&pr, "y"));
    let mut csv = String::from("before,after\n");
    for (a, b) in x.iter().zip(&y) {
        csv.push_str(&format!("{a},{b}\n"));
    }
    let path = dir.path().join("pairs.csv");
    std::fs::write(&path, csv).unwrap();
    let paired = test(&[
        "test",
        "tost",
        "--data",
        path.to_str().unwrap(),
        "--column",
        "before",
        "--column2",
        "after",
        "--paired",
        "--low",
        "-1",
        "--high",
        "1",
    ]);
    assert_tost(&paired, &pr, "paired from csv");
}

/// Two proportions by the Wald z (fixture case 15: non-inferiority by 0.1).
#[test]
fn tost_on_two_proportions_matches_the_wald_formula() {
    let r = tost_case(15);
    assert_eq!(r["family"], "proportions");
    let result = test(&[
        "test",
        "tost",
        "--successes",
        "45,40",
        "--trials",
        "50,50",
        "--low",
        "-0.1",
    ]);
    assert_eq!(result.statistic.as_ref().unwrap().name, "z");
    assert_eq!(result.statistic.as_ref().unwrap().df, None);
    assert_tost(&result, &r, "proportions");
    assert_eq!(result.equivalence.unwrap().verdict, "non_inferior");
}

/// A margin of the wrong sign is one clear error naming the flag, exit 2.
#[test]
fn tost_refuses_margins_of_the_wrong_sign() {
    let run = |extra: &[&str]| {
        evident()
            .args(
                [
                    &["test", "tost", "--x", "1,2,3,4", "--y", "2,3,4,6"][..],
                    extra,
                ]
                .concat(),
            )
            .assert()
            .code(2)
    };
    run(&["--low", "1", "--high", "-1"]).stderr(predicate::str::contains(
        "error: --low 1 must be below --high -1",
    ));
    run(&["--low", "0.5"]).stderr(predicate::str::contains(
        "error: --low 0.5 alone is a non-inferiority bound and must be below 0",
    ));
    run(&["--high", "-0.5"]).stderr(predicate::str::contains(
        "error: --high -0.5 alone is a non-inferiority bound and must be above 0",
    ));
    run(&["--margin", "-2"]).stderr(predicate::str::contains(
        "error: --margin -2 must be above 0",
    ));
    run(&[]).stderr(predicate::str::contains(
        "error: give --margin, or --low and/or --high",
    ));
    run(&["--margin", "1", "--alpha", "0.6"]).stderr(predicate::str::contains("`alpha` = 0.6"));
}

/// `regress --fixed-effects` on the panel of tests/reference/did/fixed_effects.R: the
/// same numbers as estimatr's lm_robust(fixed_effects = ~ unit + period) (and ~ unit),
/// HC2, CR2, CR0 and stata, at 1e-10; the absorbed factors listed; bad combinations
/// refused.
#[test]
fn regress_absorbs_fixed_effects_as_estimatr() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/did/fixed_effects.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let data = &fixture["data"];
    let columns = ["unit", "period", "region", "d", "x1", "y"];
    let n = data["y"].as_array().unwrap().len();
    let mut csv = columns.join(",") + "\n";
    for i in 0..n {
        let row: Vec<String> = columns.iter().map(|c| data[c][i].to_string()).collect();
        csv.push_str(&(row.join(",") + "\n"));
    }
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("panel.csv");
    std::fs::write(&path, csv).unwrap();
    let path = path.to_str().unwrap();
    let mut checked = 0;
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let fixed_effects = match &case["fixed_effects"] {
            Value::String(f) => f.clone(),
            Value::Array(fs) => fs
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(","),
            _ => unreachable!(),
        };
        let se_type = match case["se_type"].as_str().unwrap() {
            "HC2" => "HC2",
            "HC1" => "HC1",
            "CR2" => "CR2",
            "CR0" => "CR0",
            // estimatr's "stata" is CR1 with clusters (HC1 without).
            "stata" => "CR1",
            "classical" => "classical",
            other => panic!("{other}"),
        };
        let mut args = vec![
            "regress",
            "--data",
            path,
            "--outcome",
            "y",
            "--covariates",
            "d,x1",
            "--fixed-effects",
            &fixed_effects,
            "--se-type",
            se_type,
        ];
        if let Some(cluster) = case["clusters"].as_str() {
            args.extend(["--clusters", cluster]);
        }
        let out = regress(&args);
        assert_eq!(out.method, "lm_robust (fixed effects absorbed)");
        let absorbed: Vec<&str> = out.fixed_effects.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(absorbed.join(","), fixed_effects, "{name}");
        for (i, term) in ["d", "x1"].iter().enumerate() {
            let row = out.estimates.iter().find(|r| r.term == *term).unwrap();
            let what = format!("{name} {term}");
            let at = |key: &str| list(case, key)[i];
            assert_close(
                row.estimate.0,
                at("estimate"),
                1e-10,
                &format!("{what} estimate"),
            );
            assert_close(
                row.std_error.unwrap(),
                at("std_error"),
                1e-10,
                &format!("{what} se"),
            );
            assert_close(row.df.unwrap(), at("df"), 1e-10, &format!("{what} df"));
            assert_close(
                row.p_value.unwrap(),
                at("p_value"),
                1e-10,
                &format!("{what} p"),
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 9);
    evident()
        .args([
            "regress",
            "--data",
            path,
            "--outcome",
            "y",
            "--fixed-effects",
            "unit",
            "--weights",
            "x1",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "--fixed-effects takes --covariates, --clusters and --se-type only",
        ));
    evident()
        .args([
            "regress",
            "--data",
            path,
            "--outcome",
            "y",
            "--covariates",
            "unit",
            "--fixed-effects",
            "unit",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "cannot also be the outcome or a covariate",
        ));
}

/// `regress --lin arm --lin-reference letter` with a text arm column fits the
/// three-arm trial in one Lin regression (estimatr's lm_lin with a factor,
/// tests/reference/regression/lm_lin_arms.R).
#[test]
fn regress_lin_takes_a_column_of_arm_names() {
    let dir = tempfile::tempdir().unwrap();
    let (file, fixture) = fixture_csv(
        "lm_lin_arms.json",
        &["y", "arm", "x1", "x2", "g"],
        &dir,
        "arms",
    );
    let r = fixture["fits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["reference"] == "letter")
        .unwrap();
    let fit = regress(&[
        "regress",
        "--data",
        &file,
        "--outcome",
        "y",
        "--covariates",
        "x1,x2,g",
        "--lin",
        "arm",
        "--lin-reference",
        "letter",
    ]);
    assert_eq!(fit.method, "lm_lin");
    for (i, row) in fit.estimates.iter().enumerate() {
        assert_eq!(row.term, r["term"][i].as_str().unwrap());
        assert_close(row.estimate.0, list(r, "estimate")[i], 1e-10, &row.term);
        assert_close(
            row.std_error.unwrap(),
            list(r, "std_error")[i],
            1e-10,
            &row.term,
        );
    }
    evident()
        .args([
            "regress",
            "--data",
            &file,
            "--outcome",
            "y",
            "--covariates",
            "x1",
            "--lin",
            "arm",
            "--lin-reference",
            "phone",
        ])
        .assert()
        .failure()
        .code(2)
        .stderr(predicate::str::contains("reference arm"));
}

/// Columns `keys` of a fixture's `data` (parallel arrays) written as `name.csv` in `dir`.
fn fixture_csv(
    fixture: &str,
    keys: &[&str],
    dir: &tempfile::TempDir,
    name: &str,
) -> (String, Value) {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/reference/regression/{fixture}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let data = &fixture["data"];
    let mut text = keys.join(",") + "\n";
    for i in 0..data[keys[0]].as_array().unwrap().len() {
        let cells: Vec<String> = keys
            .iter()
            .map(|k| match &data[*k][i] {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            })
            .collect();
        text += &(cells.join(",") + "\n");
    }
    let file = dir.path().join(format!("{name}.csv"));
    std::fs::write(&file, text).unwrap();
    (file.to_string_lossy().into_owned(), fixture)
}
