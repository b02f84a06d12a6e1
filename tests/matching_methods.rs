//! The match stage end to end: optimal matching and entropy balancing against scipy,
//! robust Mahalanobis by its formula, row-order invariance of matched.csv, the
//! manifest rule, and every bad input the issue lists.

mod matching_support;

use std::path::Path;

use evident::matching::{
    Estimand, MatchStatus, build, read_input, read_matched_sample, render_matched_csv,
};
use evident::pipeline;
use matching_support::spec_with;
use serde_json::Value;

fn scipy() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/matching/scipy.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn plan_of(path: &Path) -> evident::spec::matching::MatchingPlan {
    pipeline::check(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .plan
        .matching
        .unwrap()
}

fn try_build(
    matching: &str,
    covariates: &[&str],
) -> Result<evident::matching::MatchResult, String> {
    let (_dir, path) = spec_with(matching, covariates);
    let plan = plan_of(&path);
    let input = read_input(&plan).map_err(|e| e.to_string())?;
    build(&plan, &input).map_err(|e| e.to_string())
}

const PS: [&str; 4] = ["x1", "x2", "x3", "x4"];

#[test]
fn optimal_pair_matching_reaches_scipys_least_total_distance() {
    let result = try_build(r#"{ "method": "optimal" }"#, &PS).unwrap();
    let score = |u: &str| {
        result
            .units
            .iter()
            .find(|x| x.unit == u)
            .unwrap()
            .distance
            .unwrap()
    };
    let mut by_set: std::collections::BTreeMap<u64, Vec<&str>> = Default::default();
    for u in &result.units {
        if let Some(s) = u.matched_set {
            by_set.entry(s).or_default().push(&u.unit);
        }
    }
    assert_eq!(by_set.len(), 87);
    let total: f64 = by_set
        .values()
        .map(|pair| (score(pair[0]) - score(pair[1])).abs())
        .sum();
    let expected = scipy()["optimal_total"].as_f64().unwrap();
    assert!(
        (total - expected).abs() <= 1e-10 * expected,
        "{total} vs {expected}"
    );
    // Greedy matching costs more in total (the point of optimal matching).
    let greedy = try_build(r#"{ "method": "nearest" }"#, &PS).unwrap();
    let greedy_total: f64 = {
        let mut sets: std::collections::BTreeMap<u64, Vec<f64>> = Default::default();
        for u in &greedy.units {
            if let Some(s) = u.matched_set {
                sets.entry(s).or_default().push(u.distance.unwrap());
            }
        }
        sets.values().map(|p| (p[0] - p[1]).abs()).sum()
    };
    assert!(greedy_total > total);
}

#[test]
fn entropy_balancing_meets_the_moment_conditions_and_equals_scipy() {
    let result = try_build(r#"{ "method": "entropy" }"#, &PS).unwrap();
    let expected: Vec<f64> = scipy()["entropy_att"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let controls: Vec<&evident::matching::MatchedUnit> =
        result.units.iter().filter(|u| !u.treated).collect();
    assert_eq!(controls.len(), expected.len());
    for (u, e) in controls.iter().zip(&expected) {
        assert!(
            (u.weight - e).abs() <= 1e-8 * e,
            "{}: {} vs {e}",
            u.unit,
            u.weight
        );
    }
    // Moment conditions, from the data file itself.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/matching/pool.csv"),
    )
    .unwrap();
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    let weight = |id: &str| result.units.iter().find(|u| u.unit == id).unwrap().weight;
    for column in 2..6 {
        let (mut t_sum, mut t_n, mut c_sum, mut c_w) = (0.0, 0.0, 0.0, 0.0);
        for r in &rows {
            let x: f64 = r[column].parse().unwrap();
            if r[1] == "treated" {
                t_sum += x;
                t_n += 1.0;
            } else {
                c_sum += weight(&r[0]) * x;
                c_w += weight(&r[0]);
            }
        }
        let gap = (c_sum / c_w - t_sum / t_n).abs();
        assert!(gap < 1e-8, "column {column}: imbalance {gap}");
    }
}

#[test]
fn robust_mahalanobis_matches_every_treated_unit_to_a_distinct_control() {
    let result = try_build(
        r#"{ "method": "nearest", "distance": "robust_mahalanobis" }"#,
        &["x1", "x2", "x4"],
    )
    .unwrap();
    assert_eq!(result.treated.matched, 87);
    assert_eq!(result.control.matched, 87);
}

#[test]
fn matched_csv_does_not_depend_on_row_order() {
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/matching/pool.csv");
    let text = std::fs::read_to_string(&original).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    // A fixed permutation: reverse, then interleave halves.
    lines.reverse();
    let (a, b) = lines.split_at(lines.len() / 2);
    let shuffled: Vec<&str> = a.iter().zip(b).flat_map(|(x, y)| [*y, *x]).collect();
    let dir = tempfile::TempDir::new().unwrap();
    let moved = dir.path().join("pool.csv");
    std::fs::write(&moved, format!("{header}\n{}\n", shuffled.join("\n"))).unwrap();
    for matching in [
        r#"{ "method": "nearest", "ratio": 2, "caliper": 0.2 }"#,
        r#"{ "method": "nearest", "order": "random", "seed": 4 }"#,
        r#"{ "method": "cem" }"#,
        r#"{ "method": "entropy" }"#,
    ] {
        let (_d, path) = spec_with(matching, &PS);
        let mut plan = plan_of(&path);
        let first = render_matched_csv(&build(&plan, &read_input(&plan).unwrap()).unwrap());
        plan.data = moved.clone();
        let second = render_matched_csv(&build(&plan, &read_input(&plan).unwrap()).unwrap());
        assert_eq!(first, second, "{matching}");
    }
}

#[test]
fn the_match_stage_writes_matched_csv_and_refuses_to_replace_it_silently() {
    let (dir, path) = spec_with(r#"{ "method": "nearest" }"#, &PS);
    let plan = pipeline::check(&path).unwrap().plan;
    let first = evident::matching::run_stage(&plan, false).unwrap();
    let bytes = std::fs::read(&first.matched_path).unwrap();
    let units = read_matched_sample(&first.matched_path, Estimand::Att)
        .unwrap()
        .units;
    assert_eq!(units, first.result.units);
    assert_eq!(
        units
            .iter()
            .filter(|u| u.status == MatchStatus::Matched)
            .count(),
        174
    );
    // Same inputs: same bytes, no complaint.
    evident::matching::run_stage(&plan, false).unwrap();
    assert_eq!(std::fs::read(&first.matched_path).unwrap(), bytes);
    // Other settings: refused without force.
    let changed = std::fs::read_to_string(&path).unwrap().replace(
        r#""method": "nearest""#,
        r#""method": "nearest", "ratio": 2"#,
    );
    std::fs::write(&path, changed).unwrap();
    let plan = pipeline::check(&path).unwrap().plan;
    let refused = evident::matching::run_stage(&plan, false).err().unwrap();
    assert!(
        refused.to_string().contains("not replaced silently"),
        "{refused}"
    );
    evident::matching::run_stage(&plan, true).unwrap();
    assert_ne!(std::fs::read(&first.matched_path).unwrap(), bytes);
    drop(dir);
}

/// A pool written as CSV text, matched with `matching`.
fn pool_result(
    csv: &str,
    matching: &str,
    covariates: &[&str],
) -> Result<evident::matching::MatchResult, String> {
    let (dir, path) = spec_with(matching, covariates);
    let data = dir.path().join("pool.csv");
    std::fs::write(&data, csv).unwrap();
    let mut plan = match pipeline::check(&path) {
        Ok(c) => c.plan.matching.unwrap(),
        Err(e) => return Err(e.to_string()),
    };
    plan.data = data;
    let input = read_input(&plan).map_err(|e| e.to_string())?;
    build(&plan, &input).map_err(|e| e.to_string())
}

fn pool(rows: &[(&str, &str, &str, &str)]) -> String {
    let mut s = String::from("unit,group,x1,x2,x3,x4,region\n");
    for (id, g, x1, region) in rows {
        s.push_str(&format!("{id},{g},{x1},1,0,2,{region}\n"));
    }
    s
}

/// Lines named in messages count blank lines, and "first" means first in the file,
/// though units are matched in id order.
#[test]
fn messages_name_the_file_line_across_blank_lines_and_out_of_id_order() {
    let header = "unit,group,x1,x2,x3,x4,region\n";
    let missing = format!(
        "{header}e,control,0,1,0,2,n\n\nd,control,NA,1,0,2,n\n\n\nb,treated,NA,1,0,2,n\n\
         a,treated,1,1,0,2,n\nc,control,2,1,0,2,n\n"
    );
    let e = pool_result(&missing, r#"{ "method": "nearest" }"#, &["x1"]).unwrap_err();
    assert!(
        e.contains(":4:") && e.contains("`x1` is missing for unit d"),
        "{e}"
    );
    let unknown = format!(
        "{header}e,control,0,1,0,2,n\n\n\nd,control,3,1,0,2,n\nb,treated,5,1,0,2,n\n\n\
         a,elsewhere,1,1,0,2,n\nc,control,2,1,0,2,n\n"
    );
    let e = pool_result(&unknown, r#"{ "method": "nearest" }"#, &["x1"]).unwrap_err();
    assert!(e.contains(":8:") && e.contains("elsewhere"), "{e}");
}

#[test]
fn bad_inputs_get_a_clear_message() {
    let all_treated = pool(&[("a", "treated", "1", "n"), ("b", "treated", "2", "n")]);
    let e = pool_result(&all_treated, r#"{ "method": "nearest" }"#, &["x1"]).unwrap_err();
    assert!(e.contains("no untreated units"), "{e}");
    let none_treated = pool(&[("a", "control", "1", "n"), ("b", "control", "2", "n")]);
    let e = pool_result(&none_treated, r#"{ "method": "nearest" }"#, &["x1"]).unwrap_err();
    assert!(e.contains("no treated units"), "{e}");
    // x1 separates the groups perfectly.
    let separated = pool(&[
        ("a", "treated", "5", "n"),
        ("b", "treated", "6", "n"),
        ("c", "control", "1", "n"),
        ("d", "control", "2", "n"),
        ("e", "control", "3", "n"),
    ]);
    let e = pool_result(&separated, r#"{ "method": "nearest" }"#, &["x1"]).unwrap_err();
    assert!(
        e.contains("propensity model") && e.contains("separat"),
        "{e}"
    );
    // A zero-variance covariate (x2 is 1 everywhere).
    let e = pool_result(&separated, r#"{ "method": "nearest" }"#, &["x1", "x2"]).unwrap_err();
    assert!(e.contains("`x2` has the same value"), "{e}");
    // Ratio larger than the pool.
    let overlap = pool(&[
        ("a", "treated", "1", "n"),
        ("b", "treated", "3", "n"),
        ("c", "control", "2", "n"),
        ("d", "control", "4", "n"),
        ("e", "control", "0", "n"),
    ]);
    let e = pool_result(&overlap, r#"{ "method": "nearest", "ratio": 2 }"#, &["x1"]).unwrap_err();
    assert!(
        e.contains("needs 4 untreated units") && e.contains("pool has 3"),
        "{e}"
    );
    // A caliper that leaves nobody matched.
    let e = pool_result(
        &overlap,
        r#"{ "method": "nearest", "caliper": { "x1": 0.001 } }"#,
        &["x1"],
    )
    .unwrap_err();
    assert!(
        e.contains("empty comparison") && e.contains("outside the caliper"),
        "{e}"
    );
    // An exact level present in one group only: counted, not silent.
    let levels = pool(&[
        ("a", "treated", "1", "north"),
        ("b", "treated", "3", "south"),
        ("c", "control", "2", "north"),
        ("d", "control", "4", "north"),
        ("e", "control", "0", "west"),
    ]);
    let r = pool_result(
        &levels,
        r#"{ "method": "nearest", "exact": ["region"] }"#,
        &["x1"],
    )
    .unwrap();
    assert_eq!(r.treated.no_exact_match, 1);
    assert_eq!(r.treated.matched, 1);
    // A missing-value token: an error naming the line, or counted under listwise.
    let missing = pool(&[
        ("a", "treated", "1", "n"),
        ("b", "treated", "NA", "n"),
        ("c", "control", "2", "n"),
        ("d", "control", "4", "n"),
        ("e", "control", "0", "n"),
    ]);
    let e = pool_result(&missing, r#"{ "method": "nearest" }"#, &["x1"]).unwrap_err();
    assert!(
        e.contains(":3:") && e.contains("`x1` is missing for unit b"),
        "{e}"
    );
    let r = pool_result(
        &missing,
        r#"{ "method": "nearest", "missing": "listwise" }"#,
        &["x1"],
    )
    .unwrap();
    assert_eq!(r.treated.missing_covariate, 1);
    let r = pool_result(
        &missing,
        r#"{ "method": "nearest", "missing": "indicators" }"#,
        &["x1"],
    )
    .unwrap_err();
    // One missing value among two treated units: the indicator separates them.
    assert!(r.contains("propensity model"), "{r}");
    // Every treated unit outside the common support.
    let apart = pool(&[
        ("a", "treated", "10", "n"),
        ("b", "treated", "3", "n"),
        ("c", "control", "2", "n"),
        ("d", "control", "4", "n"),
        ("e", "control", "0", "n"),
        ("f", "control", "11", "n"),
    ]);
    let r = pool_result(
        &apart,
        r#"{ "method": "nearest", "discard": "treated" }"#,
        &["x1"],
    );
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn invalid_settings_are_refused_with_their_path() {
    let check = |matching: &str| {
        let (_d, path) = spec_with(matching, &PS);
        pipeline::check(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let e = check(r#"{ "method": "nearest", "estimand": "ate" }"#);
    assert!(
        e.contains("design.matching.estimand") && e.contains("MatchIt"),
        "{e}"
    );
    let e = check(r#"{ "method": "optimal", "ratio": 2 }"#);
    assert!(e.contains("design.matching.ratio"), "{e}");
    let e = check(r#"{ "method": "cem", "caliper": 0.2 }"#);
    assert!(e.contains("design.matching.caliper"), "{e}");
    let e = check(r#"{ "method": "nearest", "order": "random" }"#);
    assert!(e.contains("design.matching.seed"), "{e}");
    let e = check(r#"{ "method": "nearest", "calliper": 0.2 }"#);
    assert!(e.contains("did you mean `caliper`"), "{e}");
    let e = check(r#"{ "method": "neerest" }"#);
    assert!(e.contains("did you mean `nearest`"), "{e}");
    let e = check(r#"{ "method": "nearest", "covariates": ["x1", "x9"] }"#);
    assert!(
        e.contains("design.matching.covariates[1]") && e.contains("`x9`"),
        "{e}"
    );
}
