//! The match stage against MatchIt 4.5.1 and R's glm (tests/reference/matching):
//! propensity scores at 1e-10, nearest-neighbour match sets exactly (through
//! MatchIt's distance-matrix path), Mahalanobis matches exactly, exact, CEM and
//! subclass partitions exactly with their weights at 1e-10, IPW and overlap
//! weights by formula.

use std::collections::{BTreeMap, BTreeSet};

use evident::matching::{MatchResult, MatchStatus, build, read_input};
use evident::pipeline;
use evident::stats::prec::assert_close;
use serde_json::Value;

mod matching_support;
use matching_support::spec_with;

const TOL: f64 = 1e-10;

fn reference() -> Value {
    let text = std::fs::read_to_string(
        matching_support::repo().join("tests/reference/matching/matchit.json"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn run(matching: &str, covariates: &[&str]) -> MatchResult {
    let (_dir, path) = spec_with(matching, covariates);
    let checked = pipeline::check(&path).unwrap_or_else(|e| panic!("{e}"));
    let plan = checked.plan.matching.expect("design.matching");
    let input = read_input(&plan).unwrap();
    build(&plan, &input).unwrap_or_else(|e| panic!("{e}"))
}

const PS_COVARIATES: [&str; 4] = ["x1", "x2", "x3", "x4"];

/// Treated unit → its controls, for the treated units that found any.
fn sets_of(result: &MatchResult) -> BTreeMap<String, BTreeSet<String>> {
    let mut sets: BTreeMap<u64, (String, BTreeSet<String>)> = BTreeMap::new();
    for u in result.units.iter().filter(|u| u.treated) {
        if let Some(s) = u.matched_set {
            sets.entry(s).or_default().0 = u.unit.clone();
        }
    }
    for u in result.units.iter().filter(|u| !u.treated) {
        if let Some(s) = u.matched_set {
            sets.get_mut(&s).unwrap().1.insert(u.unit.clone());
        }
    }
    sets.into_values().collect()
}

fn reference_sets(value: &Value) -> BTreeMap<String, BTreeSet<String>> {
    value
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(t, controls)| {
            let controls: BTreeSet<String> = match controls {
                Value::String(s) => [s.clone()].into(),
                Value::Array(a) => a.iter().map(|c| c.as_str().unwrap().to_string()).collect(),
                _ => BTreeSet::new(),
            };
            (!controls.is_empty()).then(|| (t.clone(), controls))
        })
        .collect()
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn assert_weights(result: &MatchResult, expected: &[f64], what: &str) {
    assert_eq!(result.units.len(), expected.len());
    for (u, e) in result.units.iter().zip(expected) {
        if *e == 0.0 {
            assert_eq!(u.weight, 0.0, "{what}: weight of {}", u.unit);
        } else {
            assert_close(u.weight, *e, TOL, &format!("{what}: weight of {}", u.unit));
        }
    }
}

/// The partition of units into strata (labels are arbitrary: compare the sets).
fn partition_of(labels: impl Iterator<Item = (String, String)>) -> BTreeSet<BTreeSet<String>> {
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (unit, label) in labels {
        if !label.is_empty() {
            groups.entry(label).or_default().insert(unit);
        }
    }
    groups.into_values().collect()
}

fn assert_partition(result: &MatchResult, reference: &Value, what: &str) {
    let units: Vec<String> = result.units.iter().map(|u| u.unit.clone()).collect();
    let expected = partition_of(
        units.iter().cloned().zip(
            reference["subclass"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string()),
        ),
    );
    let ours = partition_of(result.units.iter().map(|u| {
        (
            u.unit.clone(),
            u.matched_set
                .filter(|_| u.status == MatchStatus::Matched)
                .map(|s| s.to_string())
                .unwrap_or_default(),
        )
    }));
    assert_eq!(ours, expected, "{what}: strata differ from MatchIt's");
    assert_weights(result, &numbers(&reference["weights"]), what);
}

#[test]
fn propensity_scores_match_a_fully_converged_glm() {
    let r = reference();
    let result = run(r#"{ "method": "nearest" }"#, &PS_COVARIATES);
    let ps = numbers(&r["ps"]);
    for (u, e) in result.units.iter().zip(&ps) {
        assert_close(u.distance.unwrap(), *e, TOL, &format!("PS of {}", u.unit));
    }
    let model = result.propensity_model.unwrap();
    for ((_, ours), e) in model.coefficients.iter().zip(numbers(&r["coefficients"])) {
        assert_close(*ours, e, 1e-9, "PS coefficient");
    }
}

#[test]
fn nearest_neighbour_on_the_propensity_score_equals_matchit() {
    let r = reference();
    let result = run(
        r#"{ "method": "nearest", "order": "largest" }"#,
        &PS_COVARIATES,
    );
    assert_eq!(sets_of(&result), reference_sets(&r["nn_largest"]["sets"]));
    assert_weights(
        &result,
        &numbers(&r["nn_largest"]["weights"]),
        "nearest 1:1",
    );
}

#[test]
fn ratio_two_with_a_caliper_equals_matchit() {
    let r = reference();
    let result = run(
        r#"{ "method": "nearest", "ratio": 2, "caliper": 0.1 }"#,
        &PS_COVARIATES,
    );
    assert_close(
        result.caliper_width.unwrap(),
        r["caliper_width"].as_f64().unwrap(),
        1e-12,
        "caliper width",
    );
    assert_eq!(
        sets_of(&result),
        reference_sets(&r["nn_ratio2_caliper"]["sets"])
    );
    assert_weights(
        &result,
        &numbers(&r["nn_ratio2_caliper"]["weights"]),
        "nearest 1:2 caliper",
    );
    assert!(result.treated.outside_caliper > 0, "the caliper binds");
}

#[test]
fn matching_with_replacement_equals_matchit() {
    let r = reference();
    let result = run(
        r#"{ "method": "nearest", "ratio": 2, "replacement": true }"#,
        &PS_COVARIATES,
    );
    // With replacement the controls carry no set id: read the sets from weights and
    // check them through the weights (MatchIt sums 1/k over the sets served).
    assert_weights(
        &result,
        &numbers(&r["nn_replace2"]["weights"]),
        "nearest 1:2 with replacement",
    );
}

#[test]
fn mahalanobis_matches_equal_matchit() {
    let r = reference();
    let result = run(
        r#"{ "method": "nearest", "distance": "mahalanobis" }"#,
        &["x1", "x2", "x4"],
    );
    assert_eq!(sets_of(&result), reference_sets(&r["mahalanobis"]));
}

#[test]
fn exact_matching_equals_matchit() {
    let r = reference();
    let result = run(r#"{ "method": "exact", "exact": ["region"] }"#, &["x3"]);
    assert_partition(&result, &r["exact"], "exact");
}

#[test]
fn coarsened_exact_matching_equals_matchit() {
    let r = reference();
    let result = run(r#"{ "method": "cem" }"#, &["x1", "x2", "x3"]);
    assert_partition(&result, &r["cem"], "cem (Sturges)");
    let result = run(
        r#"{ "method": "cem", "cutpoints": { "x1": [-1, 0, 1], "x4": 4 } }"#,
        &["x1", "x4"],
    );
    assert_partition(&result, &r["cem_cut"], "cem (declared cut points)");
}

#[test]
fn subclassification_equals_matchit() {
    let r = reference();
    let result = run(
        r#"{ "method": "subclass", "subclasses": 5 }"#,
        &PS_COVARIATES,
    );
    assert_partition(&result, &r["subclass"], "subclass ATT");
    let result = run(
        r#"{ "method": "subclass", "subclasses": 4, "estimand": "ate" }"#,
        &PS_COVARIATES,
    );
    assert_partition(&result, &r["subclass_ate"], "subclass ATE");
}

#[test]
fn ipw_and_overlap_weights_follow_their_formulas() {
    let r = reference();
    for (matching, key) in [
        (r#"{ "method": "ipw" }"#, "ipw_att"),
        (r#"{ "method": "ipw", "estimand": "ate" }"#, "ipw_ate"),
        (r#"{ "method": "overlap" }"#, "overlap"),
    ] {
        let result = run(matching, &PS_COVARIATES);
        assert_weights(&result, &numbers(&r[key]), key);
    }
}
