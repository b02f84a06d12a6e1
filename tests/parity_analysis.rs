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
    // Estimates only: randomisation inference has its own tests (parity_ri.rs).
    checked
        .plan
        .analysis
        .as_mut()
        .unwrap()
        .randomisation_inference = None;
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
    let analysis = analyse(&repo().join("specs/neet-early-warning/matched-elsewhere.json"));
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

// Designs analysed as allocated (tests/reference/analysis/designs.R) ----------------

fn designs() -> Value {
    let text =
        std::fs::read_to_string(repo().join("tests/reference/analysis/designs.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn design_case(name: &str) -> Analysis {
    analyse(
        &repo()
            .join("tests/reference/analysis/designs")
            .join(name)
            .join("study.json"),
    )
}

fn assert_ratios(c: &Comparison, expected: &Value, what: &str) {
    for (key, ratio) in [
        ("risk_ratio", c.risk_ratio.as_ref()),
        ("odds_ratio", c.odds_ratio.as_ref()),
    ] {
        let ratio = ratio.unwrap_or_else(|| panic!("{what}: {key} reported"));
        let e = &expected[key];
        for (name, actual) in [
            ("estimate", ratio.estimate),
            ("conf_low", ratio.conf_low),
            ("conf_high", ratio.conf_high),
            ("log_std_error", ratio.log_std_error),
            ("df", ratio.df),
        ] {
            assert_close(
                actual,
                e[name].as_f64().unwrap(),
                PARITY,
                &format!("{what}.{key}.{name}"),
            );
        }
    }
}

#[test]
fn declared_blocks_give_estimatrs_blocked_estimator_and_block_fixed_effects() {
    let r = designs();
    let analysis = design_case("blocked");
    let y = comparison(&analysis, "y", EstimatorKind::DifferenceInMeans);
    assert_matches(y, &r["blocked"]["y"], "blocked.y");
    let design = y.design.as_ref().unwrap();
    assert_eq!(
        design.difference_in_means,
        Some(evident::stats::regression::DimDesign::Blocked)
    );
    assert_eq!(design.blocks, Some(5));
    assert_eq!(design.df_rule, "N − 2B");
    assert_matches(
        comparison(&analysis, "y", EstimatorKind::RegressionAdjusted),
        &r["blocked"]["y_adjusted"],
        "blocked.y_adjusted",
    );
    let lin = comparison(&analysis, "y", EstimatorKind::Lin);
    assert_matches(lin, &r["blocked"]["y_lin"], "blocked.y_lin");
    assert!(lin.design.as_ref().unwrap().block_fixed_effects);
    let b = comparison(&analysis, "b", EstimatorKind::DifferenceInMeans);
    assert_matches(b, &r["blocked"]["b"], "blocked.b");
    assert_ratios(b, &r["blocked"]["b_ratios"], "blocked.b");
    // Ratios belong to the difference in means, whose variance they share.
    assert!(
        comparison(&analysis, "b", EstimatorKind::Lin)
            .risk_ratio
            .is_none()
    );
}

#[test]
fn pairs_mixed_with_larger_blocks_use_the_matched_pair_variance_with_b_minus_1_df() {
    let r = designs();
    let analysis = design_case("mixed");
    assert_eq!(r["mixed"]["design"], "Matched-pair");
    for outcome in ["y", "b"] {
        let c = comparison(&analysis, outcome, EstimatorKind::DifferenceInMeans);
        assert_matches(c, &r["mixed"][outcome], &format!("mixed.{outcome}"));
        let design = c.design.as_ref().unwrap();
        assert!(design.mixed_block_sizes);
        assert_eq!(design.df_rule, "B − 1");
        // Nine blocks: df 8, not Welch's df on 29 units.
        assert_eq!(c.estimate.df, 8.0);
    }
    assert_ratios(
        comparison(&analysis, "b", EstimatorKind::DifferenceInMeans),
        &r["mixed"]["b_ratios"],
        "mixed.b",
    );
}

#[test]
fn declared_pairs_use_the_matched_pairs_estimator_and_drop_a_broken_pair() {
    let r = designs();
    let analysis = design_case("pairs");
    let y = comparison(&analysis, "y", EstimatorKind::DifferenceInMeans);
    assert_matches(y, &r["pairs"]["y"], "pairs.y");
    let design = y.design.as_ref().unwrap();
    assert_eq!(
        design.difference_in_means,
        Some(evident::stats::regression::DimDesign::MatchedPairs)
    );
    assert_eq!((design.blocks, design.blocks_dropped), (Some(15), 1));
    assert_eq!(design.units_dropped, 1);
    let b = comparison(&analysis, "b", EstimatorKind::DifferenceInMeans);
    assert_matches(b, &r["pairs"]["b"], "pairs.b");
    assert_eq!(b.design.as_ref().unwrap().blocks, Some(16));
    assert_ratios(b, &r["pairs"]["b_ratios"], "pairs.b");
}

#[test]
fn cluster_trial_ratios_use_the_cr2_variance() {
    let r = designs();
    let analysis = design_case("cluster_binary");
    let b = comparison(&analysis, "b", EstimatorKind::DifferenceInMeans);
    assert_matches(b, &r["cluster_binary"]["b"], "cluster_binary.b");
    assert_ratios(b, &r["cluster_binary"]["b_ratios"], "cluster_binary.b");
    assert_eq!(b.risk_ratio.as_ref().unwrap().variance, "CR2");
}

#[test]
fn standard_design_ratios_use_the_neyman_variance_with_welch_df() {
    let r = designs();
    let analysis = analyse(&repo().join("specs/hmo-inspections/study.json"));
    let lic = comparison(
        &analysis,
        "licensable_found",
        EstimatorKind::DifferenceInMeans,
    );
    assert_ratios(lic, &r["hmo"]["licensable_ratios"], "hmo.licensable");
    assert_close(
        lic.risk_ratio.as_ref().unwrap().df,
        lic.estimate.df,
        0.0,
        "the ratio's df is the difference's",
    );
}

#[test]
fn an_assign_stage_blocked_allocation_is_analysed_with_its_blocks() {
    let r = designs();
    let dir = tempfile::TempDir::new().unwrap();
    for file in ["study.json", "units.csv", "outcomes.csv"] {
        std::fs::copy(
            repo().join("tests/reference/ri/blocked12").join(file),
            dir.path().join(file),
        )
        .unwrap();
    }
    let spec = dir.path().join("study.json");
    pipeline::run(&spec, pipeline::Scope::All, None, false).unwrap();
    let mut checked = pipeline::check(&spec).unwrap();
    let plan = checked.plan.analysis.as_mut().unwrap();
    plan.covariates = vec!["x".into()];
    plan.estimators = vec![
        EstimatorKind::DifferenceInMeans,
        EstimatorKind::RegressionAdjusted,
        EstimatorKind::Lin,
    ];
    let analysis = pipeline::analyse_and_grade(&checked.plan)
        .unwrap()
        .0
        .unwrap();
    for (estimator, key) in [
        (EstimatorKind::DifferenceInMeans, "y"),
        (EstimatorKind::RegressionAdjusted, "y_adjusted"),
        (EstimatorKind::Lin, "y_lin"),
    ] {
        let c = comparison(&analysis, "y", estimator);
        assert_matches(
            c,
            &r["assign_blocked12"][key],
            &format!("assign_blocked12.{key}"),
        );
        // Randomisation inference re-computes the estimate the row reports (block
        // fixed effects included).
        let ri = c.randomisation.as_ref().unwrap();
        assert_close(ri.statistic, c.estimate.estimate, 1e-10, key);
    }
    let y = comparison(&analysis, "y", EstimatorKind::DifferenceInMeans);
    let design = y.design.as_ref().unwrap();
    assert_eq!(
        design.blocks_from,
        Some(evident::analysis::BlockSource::Assignment {
            method: evident::spec::AssignmentMethod::Blocked
        })
    );
}
