//! The analyse stage end to end against R: each bundled example, and a generated
//! cluster-randomised trial, analysed by the engine from its spec and compared with
//! estimatr / t.test on the same CSV files (tests/reference/analysis/examples.R).

use std::path::{Path, PathBuf};

use evident::analysis::{Analysis, Comparison};
use evident::pipeline;
use evident::spec::EstimatorKind;
use evident::stats::prec::{PARITY, assert_close};
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> Value {
    let text =
        std::fs::read_to_string(repo().join("tests/reference/analysis/examples.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn analyse(spec: &Path) -> Analysis {
    let checked = pipeline::check(spec).unwrap();
    pipeline::analyse_and_grade(&checked.plan)
        .unwrap()
        .0
        .unwrap()
}

fn analyse_with(spec: &Path, estimators: Vec<EstimatorKind>) -> Analysis {
    let mut checked = pipeline::check(spec).unwrap();
    checked.plan.analysis.as_mut().unwrap().estimators = estimators;
    pipeline::analyse_and_grade(&checked.plan)
        .unwrap()
        .0
        .unwrap()
}

fn comparison<'a>(
    analysis: &'a Analysis,
    outcome: &str,
    estimator: EstimatorKind,
) -> &'a Comparison {
    analysis
        .outcomes
        .iter()
        .find(|o| o.outcome == outcome)
        .and_then(|o| o.comparisons.iter().find(|c| c.estimator == estimator))
        .unwrap_or_else(|| panic!("{outcome} analysed with {estimator:?}"))
}

fn assert_matches(c: &Comparison, expected: &Value, what: &str) {
    let e = &c.estimate;
    for (name, actual) in [
        ("estimate", e.estimate),
        ("std_error", e.std_error),
        ("df", e.df),
        ("p_value", e.p_value),
        ("conf_low", e.conf_low),
        ("conf_high", e.conf_high),
    ] {
        let value = expected[name]
            .as_f64()
            .unwrap_or_else(|| panic!("{what}.{name} in the fixture"));
        assert_close(actual, value, PARITY, &format!("{what}.{name}"));
    }
}

#[test]
fn hmo_trial_matches_estimatr_difference_in_means_and_holm() {
    let r = reference();
    let analysis = analyse(&repo().join("specs/hmo-inspections/study.json"));
    let lic = comparison(
        &analysis,
        "licensable_found",
        EstimatorKind::DifferenceInMeans,
    );
    let days = comparison(
        &analysis,
        "days_to_inspection",
        EstimatorKind::DifferenceInMeans,
    );
    assert_matches(lic, &r["hmo"]["licensable_found"], "hmo.licensable_found");
    assert_matches(
        days,
        &r["hmo"]["days_to_inspection"],
        "hmo.days_to_inspection",
    );
    assert_close(
        lic.p_adjusted.unwrap(),
        r["hmo"]["holm"][0].as_f64().unwrap(),
        PARITY,
        "holm",
    );
}

#[test]
fn hmo_trial_adjusted_estimators_match_lm_robust_and_lm_lin() {
    let r = reference();
    let spec = repo().join("specs/hmo-inspections/study.json");
    let analysis = analyse_with(
        &spec,
        vec![EstimatorKind::RegressionAdjusted, EstimatorKind::Lin],
    );
    let adjusted = comparison(
        &analysis,
        "licensable_found",
        EstimatorKind::RegressionAdjusted,
    );
    let lin = comparison(&analysis, "licensable_found", EstimatorKind::Lin);
    assert_matches(adjusted, &r["hmo"]["adjusted_licensable"], "hmo.adjusted");
    assert_matches(lin, &r["hmo"]["lin_licensable"], "hmo.lin");
    assert!(
        analysis.baseline.iter().all(|b| b.adjusted),
        "the headline estimator adjusts for every covariate"
    );
}

#[test]
fn ambulance_before_after_matches_paired_t_test() {
    let r = reference();
    let analysis = analyse(&repo().join("specs/ambulance-standby/study.json"));
    for outcome in ["mean_response_after", "within_target_after"] {
        let c = comparison(&analysis, outcome, EstimatorKind::PairedDifference);
        assert_matches(c, &r["ambulance"][outcome], outcome);
    }
}

#[test]
fn neet_matched_comparison_matches_with_listwise_deletion() {
    let r = reference();
    let analysis = analyse(&repo().join("specs/neet-early-warning/study.json"));
    for outcome in ["neet_at_18", "attainment_points"] {
        let c = comparison(&analysis, outcome, EstimatorKind::DifferenceInMeans);
        assert_matches(c, &r["neet"][outcome], outcome);
    }
    let dropped = analysis
        .outcomes
        .iter()
        .find(|o| o.outcome == "neet_at_18")
        .unwrap()
        .excluded_missing;
    assert!(
        dropped > 0,
        "the example has unknown destinations, dropped listwise"
    );
}

#[test]
fn cluster_trial_uses_cr2_like_estimatr() {
    let r = reference();
    let analysis = analyse(&repo().join("tests/reference/analysis/cluster/study.json"));
    let c = comparison(&analysis, "score", EstimatorKind::DifferenceInMeans);
    assert_matches(c, &r["cluster"]["score"], "cluster.score");
    let flow = &analysis.flow.arms;
    assert_eq!(flow[0].clusters_allocated, Some(12));
    assert_eq!(flow[1].clusters_analysed, Some(12));
}
