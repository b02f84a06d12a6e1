//! `analysis.equivalence` and `analysis.non_inferiority`: the two one-sided tests on the
//! headline comparison's own estimate, standard error and degrees of freedom, checked
//! against estimatr and the TOST formulas in R (tests/reference/analysis/equivalence.R):
//! the virtual-safety-checks example (HC2 regression adjustment, Welch difference in
//! means) and the ward-falls cluster trial (CR2); the grade's reading of a declared
//! margin; and the bad inputs.

mod examples_support;
use std::path::{Path, PathBuf};

use evident::analysis::Analysis;
use evident::analysis::equivalence::EquivalenceTest;
use evident::evidence::Grade;
use evident::pipeline;
use evident::spec::EstimatorKind;
use evident::stats::htest::Verdict;
use evident::stats::prec::{PARITY, assert_close};
use serde_json::Value;
use tempfile::TempDir;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> Value {
    let path = repo().join("tests/reference/analysis/equivalence.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Analyses a spec, optionally with other estimators; randomisation inference off
/// (it does not touch these tests).
fn analyse(
    spec: &Path,
    estimators: Option<Vec<EstimatorKind>>,
) -> Result<(Analysis, Grade), String> {
    let mut checked = pipeline::check(spec).map_err(|e| e.to_string())?;
    let plan = checked.plan.analysis.as_mut().unwrap();
    plan.randomisation_inference = None;
    if let Some(estimators) = estimators {
        plan.estimators = estimators;
    }
    let (analysis, grade) =
        pipeline::analyse_and_grade(&checked.plan).map_err(|e| e.to_string())?;
    Ok((analysis.unwrap(), grade))
}

fn test_of<'a>(analysis: &'a Analysis, outcome: &str) -> &'a EquivalenceTest {
    let o = analysis
        .outcomes
        .iter()
        .find(|o| o.outcome == outcome)
        .unwrap();
    assert_eq!(o.equivalence.len(), 1, "{outcome}: one treated arm");
    &o.equivalence[0]
}

fn check(t: &EquivalenceTest, r: &Value, what: &str) {
    let num = |key: &str| r[key].as_f64();
    let t = &t.test;
    assert_close(
        t.estimate,
        num("estimate").unwrap(),
        PARITY,
        &format!("{what} estimate"),
    );
    assert_close(
        t.std_error,
        num("std_error").unwrap(),
        PARITY,
        &format!("{what} se"),
    );
    assert_close(
        t.df.unwrap(),
        num("df").unwrap(),
        PARITY,
        &format!("{what} df"),
    );
    for (side, test) in [("lower", t.lower), ("upper", t.upper)] {
        match (test, num(&format!("{side}_p"))) {
            (Some(test), Some(p)) => {
                assert_close(test.p_value, p, PARITY, &format!("{what} {side} p"));
                let statistic = num(&format!("{side}_statistic")).unwrap();
                assert_close(
                    test.statistic,
                    statistic,
                    PARITY,
                    &format!("{what} {side} t"),
                );
            }
            (None, None) => {}
            (test, p) => panic!("{what} {side}: {test:?} against R's {p:?}"),
        }
    }
    assert_close(
        t.p_value,
        num("p_value").unwrap(),
        PARITY,
        &format!("{what} p"),
    );
    assert_close(
        t.conf_low,
        num("conf_low").unwrap(),
        PARITY,
        &format!("{what} low"),
    );
    assert_close(
        t.conf_high,
        num("conf_high").unwrap(),
        PARITY,
        &format!("{what} high"),
    );
}

fn virtual_spec() -> PathBuf {
    repo().join("specs/virtual-safety-checks/study.json")
}

#[test]
fn the_virtual_check_trial_matches_estimatr_and_the_formula() {
    let r = fixture();
    let (analysis, grade) = analyse(&virtual_spec(), None).unwrap();
    let alarm = test_of(&analysis, "working_alarm");
    check(
        alarm,
        &r["virtual"]["working_alarm"]["analysis"],
        "alarm HC2",
    );
    assert_eq!(alarm.estimator, EstimatorKind::RegressionAdjusted);
    assert_eq!(alarm.test.verdict, Verdict::NonInferior);
    assert_eq!(alarm.test.conf_level, 0.9);
    assert_eq!(
        alarm.sentence,
        "video is no worse than in_person by more than 5 percentage points"
    );
    let risk = test_of(&analysis, "risk_after");
    check(risk, &r["virtual"]["risk_after"]["analysis"], "risk HC2");
    assert_eq!(risk.test.verdict, Verdict::Equivalent);
    assert_eq!(
        risk.sentence,
        "video and in_person are equivalent within ±1 points"
    );

    // The grade reads the declared claim at its own threshold: the 95% interval (each
    // one-sided test at 0.025) wholly above −5 points.
    let g = &r["virtual"]["working_alarm"]["grade"];
    let shown = format!(
        "95% CI {:.2} to {:.2}",
        100.0 * g["conf_low"].as_f64().unwrap(),
        100.0 * g["conf_high"].as_f64().unwrap()
    )
    .replace('-', "−");
    for id in ["positive_change", "causal_effect"] {
        let c = grade.criteria.iter().find(|c| c.id == id).unwrap();
        assert_eq!(
            c.status,
            evident::evidence::Status::Met,
            "{id}: {}",
            c.observed
        );
        assert!(
            c.observed.contains(&shown),
            "{id}: {} lacks {shown}",
            c.observed
        );
        assert!(c.rule.contains("margin declared in advance"), "{}", c.rule);
    }
    assert!(grade.level >= 3, "level {}", grade.level);
}

#[test]
fn the_difference_in_means_is_welchs_tost() {
    let r = fixture();
    let (analysis, _) = analyse(
        &virtual_spec(),
        Some(vec![EstimatorKind::DifferenceInMeans]),
    )
    .unwrap();
    let alarm = test_of(&analysis, "working_alarm");
    assert_eq!(alarm.estimator, EstimatorKind::DifferenceInMeans);
    check(
        alarm,
        &r["virtual"]["working_alarm_dim"]["analysis"],
        "alarm Welch",
    );
}

/// A copy of an example's folder with its analysis section changed by `edit`.
fn edited_copy(example: &str, edit: impl FnOnce(&mut Value)) -> TempDir {
    let dir = TempDir::new().unwrap();
    let from = repo().join("specs").join(example);
    std::fs::create_dir(dir.path().join("data")).unwrap();
    examples_support::copy_locks(&from, dir.path());
    for entry in std::fs::read_dir(from.join("data")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.path().join("data").join(entry.file_name()),
        )
        .unwrap();
    }
    let mut spec: Value =
        serde_json::from_str(&std::fs::read_to_string(from.join("study.json")).unwrap()).unwrap();
    edit(&mut spec);
    std::fs::write(dir.path().join("study.json"), spec.to_string()).unwrap();
    dir
}

#[test]
fn a_cluster_trial_is_tested_on_its_cr2_estimate() {
    let r = fixture();
    let dir = edited_copy("ward-falls-alert", |s| {
        s["analysis"]["non_inferiority"] = serde_json::json!({"fell": 0.04});
    });
    let (analysis, _) = analyse(&dir.path().join("study.json"), None).unwrap();
    let t = test_of(&analysis, "fell");
    check(t, &r["ward"]["non_inferiority"]["analysis"], "ward NI");
    // Lower is better: the one bound is above.
    assert_eq!(
        (t.test.margins.low, t.test.margins.high),
        (None, Some(0.04))
    );

    let dir = edited_copy("ward-falls-alert", |s| {
        s["analysis"]["equivalence"] = serde_json::json!({"fell": {"low": -0.03, "high": 0.06}});
        s["analysis"]["alpha"] = serde_json::json!(0.1);
    });
    let (analysis, _) = analyse(&dir.path().join("study.json"), None).unwrap();
    let t = test_of(&analysis, "fell");
    check(t, &r["ward"]["equivalence"]["analysis"], "ward equivalence");
    assert_eq!(t.test.conf_level, 0.8);
}

#[test]
fn bad_margins_are_refused_naming_the_key() {
    let cases: Vec<(Value, Value, &str)> = vec![
        (
            serde_json::json!({"risk_after": -1}),
            Value::Null,
            "analysis.equivalence.risk_after",
        ),
        (
            serde_json::json!({"risk_after": {"low": 0.5, "high": 2}}),
            Value::Null,
            "low below 0 and high above 0",
        ),
        (
            Value::Null,
            serde_json::json!({"working_alarm": 5}),
            "a binary outcome's margin is a difference of proportions",
        ),
        (
            Value::Null,
            serde_json::json!({"working_alarm": 0}),
            "it must be a positive number",
        ),
        (
            Value::Null,
            serde_json::json!({"smoke_alarm": 0.05}),
            "`smoke_alarm` is not one of the spec's outcomes",
        ),
        (
            serde_json::json!({"risk_after": 1}),
            serde_json::json!({"risk_after": 1}),
            "has an equivalence margin too",
        ),
    ];
    for (equivalence, non_inferiority, expected) in cases {
        let dir = edited_copy("virtual-safety-checks", |s| {
            let a = s["analysis"].as_object_mut().unwrap();
            a.remove("equivalence");
            a.remove("non_inferiority");
            if !equivalence.is_null() {
                a.insert("equivalence".into(), equivalence.clone());
            }
            if !non_inferiority.is_null() {
                a.insert("non_inferiority".into(), non_inferiority.clone());
            }
        });
        let err = analyse(&dir.path().join("study.json"), None).unwrap_err();
        assert!(err.contains(expected), "{expected}: {err}");
    }
    // A before/after design has no comparison of arms to test.
    let dir = edited_copy("ambulance-standby", |s| {
        s["analysis"]["non_inferiority"] = serde_json::json!({"mean_response_after": 0.5});
    });
    let err = analyse(&dir.path().join("study.json"), None).unwrap_err();
    assert!(
        err.contains("analysis.non_inferiority") && err.contains("for rct and cluster_rct designs"),
        "{err}"
    );
}
