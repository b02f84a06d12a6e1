//! `analysis.attrition_bounds`: Lee (2009) trimming bounds and Horowitz–Manski bounds on
//! a trial with high attrition, checked against Lee's own program (trimbound) re-expressed
//! in R and the worst-case formula (tests/reference/analysis/attrition_bounds.R), with
//! the Imbens–Manski interval; when they are computed; how the grade reads them; and
//! the bad inputs.

use std::path::PathBuf;

use evident::analysis::Analysis;
use evident::analysis::attrition_bounds::AttritionBounds;
use evident::evidence::{Grade, Status};
use evident::pipeline;
use evident::stats::bounds::TrimmedArm;
use evident::stats::prec::{PARITY, PARITY_SOLVED, assert_close};
use serde_json::Value;
use tempfile::TempDir;

fn reference() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/analysis")
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(reference().join("attrition_bounds.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The fixture trial as a study; `analysis_extra` is added to the analysis section.
fn study(kind: &str, better: &str, analysis_extra: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    for file in ["units.csv", "outcomes.csv"] {
        std::fs::copy(reference().join("bounds").join(file), dir.path().join(file)).unwrap();
    }
    let spec = format!(
        r#"{{"evident": 1, "title": "t",
  "statement": {{"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]}},
  "design": {{"kind": "{kind}", "units": {{"file": "units.csv", "id": "id", "arm": "arm"}},
    "arms": [{{"name": "control", "share": 0.5}}, {{"name": "treatment", "share": 0.5}}], "control": "control"}},
  "outcomes": [
    {{"name": "score", "type": "continuous", "role": "primary", "better": "{better}"}},
    {{"name": "passed", "type": "binary", "role": "secondary"}}],
  "analysis": {{"data": "outcomes.csv", "missing": "listwise"{analysis_extra}}},
  "evidence": {{"preregistration": "register 1"}},
  "report": {{"dir": "out"}}}}"#
    );
    std::fs::write(dir.path().join("study.json"), spec).unwrap();
    dir
}

fn analyse(dir: &TempDir) -> Result<(Analysis, Grade), String> {
    let mut checked = pipeline::check(&dir.path().join("study.json")).map_err(|e| e.to_string())?;
    checked
        .plan
        .analysis
        .as_mut()
        .unwrap()
        .randomisation_inference = None;
    let (analysis, grade) =
        pipeline::analyse_and_grade(&checked.plan).map_err(|e| e.to_string())?;
    Ok((analysis.unwrap(), grade))
}

fn bounds_of<'a>(analysis: &'a Analysis, outcome: &str) -> &'a [AttritionBounds] {
    &analysis
        .outcomes
        .iter()
        .find(|o| o.outcome == outcome)
        .unwrap()
        .attrition_bounds
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn check(b: &AttritionBounds, r: &Value, what: &str) {
    let close = |a: f64, key: &Value, label: &str| {
        assert_close(a, num(key), PARITY, &format!("{what} {label}"))
    };
    close(b.overall_attrition, &r["attrition"]["overall"], "overall");
    close(
        b.differential_attrition,
        &r["attrition"]["differential"],
        "differential",
    );
    assert!(b.high_attrition, "{what}: high attrition");
    let lee = &b.lee;
    let expected_arm = match r["lee"]["trimmed_arm"].as_str().unwrap() {
        "treated" => TrimmedArm::Treated,
        _ => TrimmedArm::Control,
    };
    assert_eq!(lee.trimmed_arm, expected_arm, "{what} trimmed arm");
    assert_eq!(
        lee.trimmed as u64,
        r["lee"]["trimmed"].as_u64().unwrap(),
        "{what} trimmed"
    );
    close(lee.trim_share, &r["lee"]["trim_share"], "p");
    close(
        lee.trim_share_std_error,
        &r["lee"]["trim_share_std_error"],
        "se(p)",
    );
    close(lee.lower.estimate, &r["lee"]["lower"], "Lee lower");
    close(lee.lower.std_error, &r["lee"]["lower_se"], "Lee lower se");
    close(lee.upper.estimate, &r["lee"]["upper"], "Lee upper");
    close(lee.upper.std_error, &r["lee"]["upper_se"], "Lee upper se");
    // The critical value is a root (uniroot at tol 1e-15 against Brent here).
    let ci = &lee.interval;
    let solved = |a: f64, key: &Value, label: &str| {
        assert_close(a, num(key), PARITY_SOLVED, &format!("{what} {label}"))
    };
    solved(
        ci.critical_value,
        &r["lee"]["interval"]["critical_value"],
        "Lee c",
    );
    solved(ci.conf_low, &r["lee"]["interval"]["conf_low"], "Lee CI low");
    solved(
        ci.conf_high,
        &r["lee"]["interval"]["conf_high"],
        "Lee CI high",
    );
    let w = b.worst_case.as_ref().expect("a range is known");
    close(w.lower.estimate, &r["worst_case"]["lower"], "HM lower");
    close(
        w.lower.std_error,
        &r["worst_case"]["lower_se"],
        "HM lower se",
    );
    close(w.upper.estimate, &r["worst_case"]["upper"], "HM upper");
    close(
        w.upper.std_error,
        &r["worst_case"]["upper_se"],
        "HM upper se",
    );
    solved(
        w.interval.conf_low,
        &r["worst_case"]["interval"]["conf_low"],
        "HM CI low",
    );
    solved(
        w.interval.conf_high,
        &r["worst_case"]["interval"]["conf_high"],
        "HM CI high",
    );
}

#[test]
fn high_attrition_is_bounded_as_lee_and_horowitz_manski() {
    let r = fixture();
    let dir = study(
        "rct",
        "higher",
        r#", "attrition_bounds": {"ranges": {"score": [0, 100]}}"#,
    );
    let (analysis, _) = analyse(&dir).unwrap();
    let score = bounds_of(&analysis, "score");
    assert_eq!(score.len(), 1);
    check(&score[0], &r["score"], "score");
    let passed = bounds_of(&analysis, "passed");
    assert_eq!(passed.len(), 1);
    check(&passed[0], &r["passed"], "passed");
    // Without a declared range a continuous outcome has Lee bounds only.
    let dir = study("rct", "higher", "");
    let (analysis, _) = analyse(&dir).unwrap();
    assert!(bounds_of(&analysis, "score")[0].worst_case.is_none());
    assert!(bounds_of(&analysis, "passed")[0].worst_case.is_some());
}

#[test]
fn bounds_are_computed_only_when_attrition_is_high_unless_asked() {
    let virtual_checks =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/virtual-safety-checks/study.json");
    let checked = pipeline::check(&virtual_checks).unwrap();
    let (analysis, _) = pipeline::analyse_and_grade(&checked.plan).unwrap();
    assert!(
        analysis
            .unwrap()
            .outcomes
            .iter()
            .all(|o| o.attrition_bounds.is_empty())
    );
    let dir = study(
        "rct",
        "higher",
        r#", "attrition_bounds": {"when": "never"}"#,
    );
    let (analysis, _) = analyse(&dir).unwrap();
    assert!(
        analysis
            .outcomes
            .iter()
            .all(|o| o.attrition_bounds.is_empty())
    );
}

/// The grade's attrition criterion: high attrition is not met by itself; met when the
/// Lee bounds' 95% interval lies on the beneficial side. The score's interval
/// (−3.5 to 11.0) includes zero; the binary outcome's (0.07 to 0.40) does not, so
/// the same data with `passed` as the primary outcome meet it.
#[test]
fn the_grade_reads_the_bounds_of_the_primary_effect() {
    let dir = study("rct", "higher", "");
    let (_, grade) = analyse(&dir).unwrap();
    let attrition = grade.criteria.iter().find(|c| c.id == "attrition").unwrap();
    assert_eq!(attrition.status, Status::NotMet, "{}", attrition.observed);
    assert!(
        attrition
            .observed
            .contains("Lee (2009) trimming bounds are −0.2 to 7.7"),
        "{}",
        attrition.observed
    );
    assert!(
        attrition
            .observed
            .contains("does not lie wholly above zero"),
        "{}",
        attrition.observed
    );
    assert!(
        attrition
            .rule
            .contains("Imbens–Manski 95% confidence interval"),
        "{}",
        attrition.rule
    );

    let spec = std::fs::read_to_string(dir.path().join("study.json")).unwrap();
    let swapped = spec
        .replace(r#""role": "primary""#, r#""role": "PRIMARY""#)
        .replace(r#""role": "secondary""#, r#""role": "primary""#)
        .replace(r#""role": "PRIMARY""#, r#""role": "secondary""#);
    std::fs::write(dir.path().join("study.json"), swapped).unwrap();
    let (_, grade) = analyse(&dir).unwrap();
    let attrition = grade.criteria.iter().find(|c| c.id == "attrition").unwrap();
    assert_eq!(attrition.status, Status::Met, "{}", attrition.observed);
    assert!(
        attrition.observed.contains("lies wholly above zero"),
        "{}",
        attrition.observed
    );
    // Attrition still counts as high: baseline equivalence is then required.
    let balance = grade
        .criteria
        .iter()
        .find(|c| c.id == "baseline_equivalence")
        .unwrap();
    assert!(
        balance.rule.starts_with("Level 3 needs"),
        "{}",
        balance.rule
    );
}

#[test]
fn bad_bounds_settings_are_refused_naming_the_key() {
    let cases = [
        (
            r#", "attrition_bounds": {"ranges": {"passed": [0, 1]}}"#,
            "`passed` is binary",
        ),
        (
            r#", "attrition_bounds": {"ranges": {"score": [100, 0]}}"#,
            "low below high",
        ),
        (
            r#", "attrition_bounds": {"ranges": {"points": [0, 100]}}"#,
            "`points` is not one of the spec's outcomes",
        ),
        (
            r#", "attrition_bounds": {"when": "sometimes"}"#,
            "sometimes",
        ),
    ];
    for (extra, expected) in cases {
        let err = analyse(&study("rct", "higher", extra)).unwrap_err();
        assert!(err.contains(expected), "{expected}: {err}");
    }
    // An outcome outside its declared range.
    let err = analyse(&study(
        "rct",
        "higher",
        r#", "attrition_bounds": {"ranges": {"score": [0, 90]}}"#,
    ))
    .unwrap_err();
    assert!(err.contains("outside the declared range 0 to 90"), "{err}");
}
