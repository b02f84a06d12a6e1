//! `analysis.received`: the complier average causal effect beside the ITT in the
//! analyse stage, checked against estimatr's iv_robust on the datasets of
//! tests/reference/regression/iv_robust.json (HC2 for a trial of individuals, with and
//! without covariates; CR2 for a cluster trial), and its bad inputs.

use std::path::PathBuf;

use evident::analysis::Analysis;
use evident::pipeline;
use evident::stats::prec::{PARITY, PARITY_SOLVED, assert_close};
use serde_json::Value;
use tempfile::TempDir;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/regression/iv_robust.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn case<'a>(fixture: &'a Value, name: &str) -> &'a Value {
    fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// A number, or the strings "Inf"/"-Inf".
fn real(v: &Value) -> f64 {
    match v.as_str() {
        Some("Inf") => f64::INFINITY,
        Some("-Inf") => f64::NEG_INFINITY,
        _ => num(v),
    }
}

const STATEMENT: &str =
    r#""statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]}"#;

/// A study folder: the units file (arm from z, cluster when asked), the outcome data
/// (y, received = d, x1, g) and the spec.
fn study(dataset: &str, kind: &str, analysis: &str) -> TempDir {
    let fixture = fixture();
    let rows = fixture["datasets"][dataset].as_array().unwrap();
    let cluster = kind == "cluster_rct";
    let mut units = String::from(if cluster { "id,arm,cl\n" } else { "id,arm\n" });
    let mut outcomes = String::from("id,y,received,x1,g\n");
    for (i, r) in rows.iter().enumerate() {
        let arm = if num(&r["z"]) == 1.0 {
            "treatment"
        } else {
            "control"
        };
        if cluster {
            units += &format!("u{i},{arm},{}\n", r["cl"].as_str().unwrap());
        } else {
            units += &format!("u{i},{arm}\n");
        }
        outcomes += &format!(
            "u{i},{},{},{},{}\n",
            r["y"],
            r["d"],
            r["x1"],
            r["g"].as_str().unwrap()
        );
    }
    let cluster_key = if cluster { r#""cluster": "cl","# } else { "" };
    let spec = format!(
        r#"{{"evident": 1, "title": "t", {STATEMENT},
  "design": {{"kind": "{kind}", "units": {{"file": "units.csv", "id": "id", "arm": "arm"}}, {cluster_key}
    "arms": [{{"name": "control", "share": 0.5}}, {{"name": "treatment", "share": 0.5}}]}},
  "outcomes": [{{"name": "y", "type": "continuous", "role": "primary"}}],
  "analysis": {{"data": "outcomes.csv", {analysis}}},
  "report": {{"dir": "out"}}}}"#
    );
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("study.json"), spec).unwrap();
    std::fs::write(dir.path().join("units.csv"), units).unwrap();
    std::fs::write(dir.path().join("outcomes.csv"), outcomes).unwrap();
    dir
}

fn spec_path(dir: &TempDir) -> PathBuf {
    dir.path().join("study.json")
}

fn analyse(dir: &TempDir) -> Result<Analysis, String> {
    let checked = pipeline::check(&spec_path(dir)).map_err(|e| e.to_string())?;
    let (analysis, _) = pipeline::analyse_and_grade(&checked.plan).map_err(|e| e.to_string())?;
    Ok(analysis.unwrap())
}

fn check_against(analysis: &Analysis, r: &Value) {
    let outcome = &analysis.outcomes[0];
    assert_eq!(outcome.complier_effects.len(), 1);
    let cace = &outcome.complier_effects[0];
    let name = r["name"].as_str().unwrap();
    assert_eq!(cace.contrast, "treatment vs control");
    let e = &cace.estimate;
    let i = 1; // the coefficient of receipt follows the intercept
    for (got, key) in [
        (e.estimate, "estimate"),
        (e.std_error, "std_error"),
        (e.df, "df"),
        (e.p_value, "p_value"),
        (e.conf_low, "conf_low"),
        (e.conf_high, "conf_high"),
    ] {
        assert_close(got, num(&r[key][i]), PARITY, &format!("{name} {key}"));
    }
    assert_eq!(cace.se_type, r["se_type"].as_str().unwrap());
    assert_close(
        cace.first_stage.f_robust.value,
        num(&r["first_stage_f"][0]),
        PARITY,
        &format!("{name} first-stage F"),
    );
    let intervals = r["anderson_rubin"]["intervals"].as_array().unwrap();
    assert_eq!(cace.anderson_rubin.intervals.len(), intervals.len());
    for (ours, theirs) in cace.anderson_rubin.intervals.iter().zip(intervals) {
        assert_close(ours.lower.0, real(&theirs["lower"]), PARITY_SOLVED, name);
        assert_close(ours.upper.0, real(&theirs["upper"]), PARITY_SOLVED, name);
    }
    let n: usize = cace.take_up.iter().map(|t| t.n).sum();
    assert_eq!(n, cace.nobs);
}

#[test]
fn the_complier_effect_of_a_trial_matches_iv_robust_beside_the_itt() {
    let fixture = fixture();
    let dir = study("strong", "rct", r#""received": "received""#);
    let analysis = analyse(&dir).unwrap();
    check_against(&analysis, case(&fixture, "strong_hc2"));
    // The ITT is still the headline comparison.
    assert_eq!(analysis.outcomes[0].comparisons.len(), 1);
    let cace = &analysis.outcomes[0].complier_effects[0];
    assert!(cace.adjusted_for.is_empty());
    assert!(!cace.first_stage.weak);
    let json = serde_json::to_value(&analysis).unwrap();
    assert_eq!(
        json["outcomes"][0]["complier_effects"][0]["anderson_rubin"]["shape"],
        "bounded"
    );
}

#[test]
fn an_adjusting_estimator_puts_the_covariates_in_both_stages() {
    let fixture = fixture();
    let dir = study(
        "strong",
        "rct",
        r#""received": "received", "covariates": ["x1", "g"], "estimators": ["regression_adjusted"]"#,
    );
    let analysis = analyse(&dir).unwrap();
    check_against(&analysis, case(&fixture, "strong_hc2_covariates"));
    assert_eq!(
        analysis.outcomes[0].complier_effects[0].adjusted_for,
        ["x1", "g"]
    );
}

#[test]
fn a_cluster_trial_uses_cr2() {
    let fixture = fixture();
    let dir = study("cluster", "cluster_rct", r#""received": "received""#);
    let analysis = analyse(&dir).unwrap();
    check_against(&analysis, case(&fixture, "cluster_cr2"));
    assert_eq!(analysis.outcomes[0].complier_effects[0].nclusters, Some(24));
}

#[test]
fn a_weak_instrument_is_flagged_and_the_ar_set_may_be_two_rays() {
    let dir = study("two_rays", "rct", r#""received": "received""#);
    let analysis = analyse(&dir).unwrap();
    let cace = &analysis.outcomes[0].complier_effects[0];
    assert!(cace.first_stage.weak);
    assert_eq!(cace.anderson_rubin.intervals.len(), 2);
    assert_eq!(cace.anderson_rubin.intervals[0].lower.0, f64::NEG_INFINITY);
}

#[test]
fn a_received_column_that_is_not_zero_one_names_its_lines() {
    let dir = study("strong", "rct", r#""received": "received""#);
    let path = dir.path().join("outcomes.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for line in [3, 7] {
        let mut cells: Vec<String> = lines[line - 1].split(',').map(str::to_string).collect();
        cells[2] = "2".into();
        lines[line - 1] = cells.join(",");
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let err = analyse(&dir).unwrap_err();
    assert!(
        err.contains("column `received` (analysis.received) must be 0 or 1; 2 row(s) are not (line(s) 3, 7; first value 2)"),
        "{err}"
    );
}

#[test]
fn received_is_refused_without_random_assignment_or_when_absent() {
    let dir = study("strong", "rct", r#""received": "took_part""#);
    let err = analyse(&dir).unwrap_err();
    assert!(
        err.contains("analysis.received") && err.contains("took_part"),
        "{err}"
    );
    let dir = study("strong", "rct", r#""received": "y""#);
    let err = analyse(&dir).unwrap_err();
    assert!(err.contains("`y` is an outcome"), "{err}");
    // A before/after design has no assignment to instrument with.
    let spec = format!(
        r#"{{"evident": 1, "title": "t", {STATEMENT},
  "design": {{"kind": "before_after"}},
  "outcomes": [{{"name": "y", "type": "continuous", "role": "primary", "baseline": "x1"}}],
  "analysis": {{"data": "outcomes.csv", "id": "id", "received": "received"}},
  "report": {{"dir": "out"}}}}"#
    );
    std::fs::write(spec_path(&dir), spec).unwrap();
    let err = analyse(&dir).unwrap_err();
    assert!(
        err.contains("analysis.received") && err.contains("for rct and cluster_rct designs"),
        "{err}"
    );
}

mod contract_support;

#[test]
fn the_report_and_the_terminal_read_the_complier_effect_in_plain_words() {
    let dir = study("weak", "rct", r#""received": "received""#);
    contract_support::evident()
        .args(["analyse", spec_path(&dir).to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "y [complier average causal effect, instrumental variables] treatment vs control: −2.5 (95% CI −8.0 to 3.0), SE 2.8, p = 0.38\n  first-stage F 5.45 (HC2) below 10: a weak instrument, the interval above is unreliable; Anderson–Rubin 95% set: −30.7 to 1.3",
        ));
    contract_support::evident()
        .args(["report", spec_path(&dir).to_str().unwrap()])
        .assert()
        .success();
    let md = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    for phrase in [
        "| treatment vs control | −2.5 | 2.8 | −8.0 to 3.0 | 198 | 0.38 | 5.45 | −30.7 to 1.3 |",
        "Among those who would take up the service if offered, and not otherwise (the compliers), treatment changed “y” by −2.5 (95% CI −8.0 to 3.0)",
        "Warning: that is below 10, so assignment barely changes who receives the service (a weak instrument)",
        "The Anderson–Rubin 95% confidence set, which stays valid however weak the instrument, is from −30.7 to 1.3.",
    ] {
        assert!(md.contains(phrase), "{phrase}\n---\n{md}");
    }
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/report.json")).unwrap())
            .unwrap();
    contract_support::assert_fits(
        &contract_support::printed_schema("report"),
        &json,
        "report.json with complier effects",
    );
    let cace = &json["analysis"]["outcomes"][0]["complier_effects"][0];
    assert_eq!(cace["first_stage"]["weak"], true);
    assert_eq!(cace["anderson_rubin"]["shape"], "bounded");
}
