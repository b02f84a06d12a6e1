//! `analysis.economics`: incremental cost and effect, the ICER with Fieller's set, the
//! net monetary benefit and acceptability curve, Green Book discounting and the cost
//! sensitivity, checked against the formulas in R (tests/reference/analysis/economics.R:
//! the virtual-safety-checks example on estimatr's HC2 estimate; Fieller's end points by
//! the quadratic at 1e-10 and, independently, as the thresholds where the net benefit's
//! t statistic reaches the critical value by uniroot at 1e-8); the seeded bootstrap's
//! determinism; the grade's branches (a) and (b); and the bad inputs.

mod examples_support;
use std::path::{Path, PathBuf};

use evident::analysis::Analysis;
use evident::analysis::economics::{
    Economics, FiellerSet, Quadrant, discount_factor, discount_total, fieller,
};
use evident::evidence::{Grade, Status};
use evident::pipeline;
use evident::stats::prec::{PARITY, PARITY_SOLVED, assert_close};
use serde_json::Value;
use tempfile::TempDir;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> Value {
    let path = repo().join("tests/reference/analysis/economics.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn analyse(spec: &Path) -> Result<(Analysis, Grade), String> {
    let mut checked = pipeline::check(spec).map_err(|e| e.to_string())?;
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

fn virtual_spec() -> PathBuf {
    repo().join("specs/virtual-safety-checks/study.json")
}

fn only(analysis: &Analysis) -> &Economics {
    assert_eq!(analysis.economics.len(), 1, "one treated arm");
    &analysis.economics[0]
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[test]
fn the_virtual_check_trial_matches_the_formulas() {
    let r = &fixture()["virtual"];
    let (analysis, grade) = analyse(&virtual_spec()).unwrap();
    let e = only(&analysis);
    assert_eq!(
        (e.treated.as_str(), e.control.as_str()),
        ("video", "in_person")
    );
    assert_eq!(e.delta_cost, -55.0);
    assert_close(e.delta_effect, num(&r["delta_effect"]), PARITY, "dE");
    assert_close(e.delta_effect_se, num(&r["std_error"]), PARITY, "se");
    assert_eq!(e.df, num(&r["df"]));
    assert_close(
        e.effect_conf_low,
        num(&r["effect_conf_low"]),
        PARITY,
        "dE low",
    );
    assert_close(
        e.effect_conf_high,
        num(&r["effect_conf_high"]),
        PARITY,
        "dE high",
    );
    assert_close(e.icer.unwrap(), num(&r["icer"]), PARITY, "ICER");
    // Cheaper and (by the estimate) less effective; dE's interval spans zero, so
    // Fieller's set is the two rays outside (−2,773, 1,107).
    assert_eq!(e.quadrant, Quadrant::LessEffectiveLessCostly);
    let FiellerSet::Exclusive { low, high } = e.fieller else {
        panic!("expected an exclusive set, got {:?}", e.fieller)
    };
    assert_eq!(r["fieller"]["kind"], "exclusive");
    assert_close(low, num(&r["fieller"]["low"]), PARITY, "Fieller low");
    assert_close(high, num(&r["fieller"]["high"]), PARITY, "Fieller high");
    assert_close(
        low,
        num(&r["fieller_uniroot"][0]),
        PARITY_SOLVED,
        "root low",
    );
    assert_close(
        high,
        num(&r["fieller_uniroot"][1]),
        PARITY_SOLVED,
        "root high",
    );
    // With costs fixed the set's ends are dC over dE's interval ends.
    assert_close(low, -55.0 / e.effect_conf_high, PARITY, "dC / dE high");
    assert_close(high, -55.0 / e.effect_conf_low, PARITY, "dC / dE low");

    let n = e.net_benefit.unwrap();
    let rn = &r["net_benefit"];
    assert_eq!(n.value, 500.0);
    for (got, key) in [
        (n.estimate, "estimate"),
        (n.std_error, "std_error"),
        (n.conf_low, "conf_low"),
        (n.conf_high, "conf_high"),
        (n.probability_positive, "probability_positive"),
    ] {
        assert_close(got, num(&rn[key]), PARITY, &format!("NMB {key}"));
    }
    assert!((n.estimate - 47.5377).abs() < 1e-4, "{}", n.estimate);

    let values = r["ceac_values"].as_array().unwrap();
    let normal = r["ceac_normal"].as_array().unwrap();
    assert_eq!(e.ceac.len(), values.len());
    for ((p, v), q) in e.ceac.iter().zip(values).zip(normal) {
        assert_close(p.value, num(v), PARITY, "CEAC value");
        assert_close(p.normal, num(q), PARITY, &format!("CEAC at {}", p.value));
        assert!(p.bootstrap.is_some());
    }

    let sens = r["sensitivity"].as_array().unwrap();
    assert_eq!(e.sensitivity.len(), 3);
    for (row, s) in e.sensitivity.iter().zip(sens) {
        assert_close(row.delta_cost, num(&s["delta_cost"]), PARITY, &row.label);
        assert_close(row.icer.unwrap(), num(&s["icer"]), PARITY, &row.label);
        assert_close(
            row.net_benefit.unwrap(),
            num(&s["net_benefit"]),
            PARITY,
            &row.label,
        );
    }
    assert_eq!(
        e.sensitivity[2].label,
        "video call with a follow-up visit for one in five"
    );

    // Branch (a), met outright: the NMB's lower bound is above zero.
    let c = grade.criteria.iter().find(|c| c.id == "cost_data").unwrap();
    assert_eq!(c.status, Status::Met);
    assert!(c.observed.starts_with("branch (a)"), "{}", c.observed);
    assert!(
        c.observed.contains("£47.54 (95% CI £30.16 to £64.92)"),
        "{}",
        c.observed
    );
    assert!(c.observed.contains("met, the lower bound is above zero"));
    assert!(c.rule.contains("(b) no value is declared"), "{}", c.rule);
}

/// The bootstrap: same draws every run; its spread checked loosely against the Welch
/// standard error of the difference in means it resamples. Loosely because it is a
/// Monte Carlo estimate: with B = 2000 the standard deviation's relative error is about
/// 1/√(2B) ≈ 1.6%, and the plug-in resampling variance is (n−1)/n of Welch's; 6% is
/// over three such errors.
#[test]
fn the_bootstrap_is_seeded_and_agrees_with_the_normal_approximation() {
    let r = &fixture()["virtual"];
    let (first, _) = analyse(&virtual_spec()).unwrap();
    let (second, _) = analyse(&virtual_spec()).unwrap();
    let a = serde_json::to_string(&first.economics).unwrap();
    let b = serde_json::to_string(&second.economics).unwrap();
    assert_eq!(a, b, "same seed, same bytes");
    let boot = only(&first).bootstrap.as_ref().unwrap();
    assert_eq!((boot.draws, boot.seed), (2000, 20260));
    let welch = num(&r["dim_std_error"]);
    assert!(
        (boot.effect_se / welch - 1.0).abs() < 0.06,
        "bootstrap SE {} against Welch {welch}",
        boot.effect_se
    );
    let centre = (boot.effect_conf_low + boot.effect_conf_high) / 2.0;
    assert!((centre - num(&r["dim_estimate"])).abs() < 0.2 * welch);
    // ΔE's resamples cross zero, so the ratio gets no percentile interval.
    assert!(boot.sign_changes > 0);
    assert_eq!(boot.icer_conf_low, None);

    // Another seed, other draws.
    let dir = edited_copy(|s| {
        s["analysis"]["economics"]["bootstrap"] = serde_json::json!({"seed": 7});
    });
    let (other, _) = analyse(&dir.path().join("study.json")).unwrap();
    let other = only(&other).bootstrap.as_ref().unwrap();
    assert_eq!(other.seed, 7);
    assert_ne!(other.effect_se, boot.effect_se);
}

#[test]
fn fieller_matches_the_quadratic_and_the_net_benefit_roots() {
    for (i, case) in fixture()["fieller"].as_array().unwrap().iter().enumerate() {
        let set = fieller(
            num(&case["dc"]),
            num(&case["de"]),
            num(&case["vc"]),
            num(&case["ve"]),
            num(&case["cov"]),
            num(&case["crit"]),
        );
        let q = &case["quadratic"];
        match (q["kind"].as_str().unwrap(), set) {
            ("interval", FiellerSet::Interval { low, high })
            | ("exclusive", FiellerSet::Exclusive { low, high }) => {
                assert_close(low, num(&q["low"]), PARITY, &format!("case {i} low"));
                assert_close(high, num(&q["high"]), PARITY, &format!("case {i} high"));
                assert_close(low, num(&case["uniroot"][0]), PARITY_SOLVED, "root");
                assert_close(high, num(&case["uniroot"][1]), PARITY_SOLVED, "root");
            }
            ("unbounded", FiellerSet::Unbounded) => {}
            (kind, set) => panic!("case {i}: R {kind}, Evident {set:?}"),
        }
    }
}

#[test]
fn green_book_discounting() {
    let d = &fixture()["discount"];
    for (year, factor) in d["years"]
        .as_array()
        .unwrap()
        .iter()
        .zip(d["factors"].as_array().unwrap())
    {
        let year = year.as_u64().unwrap() as u32;
        assert_close(
            discount_factor(year),
            num(factor),
            PARITY,
            &format!("year {year}"),
        );
    }
    for (n, total) in d["totals_years"]
        .as_array()
        .unwrap()
        .iter()
        .zip(d["totals"].as_array().unwrap())
    {
        let n = n.as_u64().unwrap() as u32;
        assert_close(discount_total(n), num(total), PARITY, &format!("{n} years"));
    }
    // The Green Book's own table (2022, annex A6) to its four decimals.
    assert_eq!(format!("{:.4}", discount_factor(30)), "0.3563");
    // Costs over 3 years and benefits over 10 scale ΔC and ΔE.
    let dir = edited_copy(|s| {
        s["analysis"]["economics"]["cost_years"] = serde_json::json!(3);
        s["analysis"]["economics"]["benefit_years"] = serde_json::json!(10);
    });
    let (analysis, _) = analyse(&dir.path().join("study.json")).unwrap();
    let e = only(&analysis);
    let r = &fixture()["virtual"];
    assert_close(
        e.delta_cost,
        -55.0 * discount_total(3),
        PARITY,
        "dC over 3 years",
    );
    assert_close(
        e.delta_effect,
        num(&r["delta_effect"]) * discount_total(10),
        PARITY,
        "dE over 10 years",
    );
    assert_close(
        e.cost_factor,
        1.0 + 1.035f64.powi(-1) + 1.035f64.powi(-2),
        PARITY,
        "factor",
    );
}

#[test]
fn without_a_value_the_criterion_is_met_as_costed() {
    let dir = edited_copy(|s| {
        s["analysis"]["economics"]
            .as_object_mut()
            .unwrap()
            .remove("value");
    });
    let (analysis, grade) = analyse(&dir.path().join("study.json")).unwrap();
    assert!(only(&analysis).net_benefit.is_none());
    let c = grade.criteria.iter().find(|c| c.id == "cost_data").unwrap();
    assert_eq!(c.status, Status::Met);
    assert!(c.observed.starts_with("branch (b)"), "{}", c.observed);
    assert!(
        c.observed
            .contains("no judgement of whether the cost is worth it")
    );
    assert!(
        c.observed.contains("at most −£2,773 or at least £1,107"),
        "{}",
        c.observed
    );

    // A value too low for the saving to outweigh the loss: not met.
    let dir = edited_copy(|s| {
        s["analysis"]["economics"]["value"] = serde_json::json!(5000);
    });
    let (_, grade) = analyse(&dir.path().join("study.json")).unwrap();
    let c = grade.criteria.iter().find(|c| c.id == "cost_data").unwrap();
    assert_eq!(c.status, Status::NotMet, "{}", c.observed);
}

/// A copy of the virtual-safety-checks folder with its spec changed by `edit`.
fn edited_copy(edit: impl FnOnce(&mut Value)) -> TempDir {
    let dir = TempDir::new().unwrap();
    let from = repo().join("specs/virtual-safety-checks");
    std::fs::create_dir(dir.path().join("data")).unwrap();
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
fn bad_economics_are_refused_naming_the_key() {
    let cases: Vec<(Value, &str)> = vec![
        (
            serde_json::json!({"costs": {"in_person": 85}}),
            "no cost per unit for arm `video`",
        ),
        (
            serde_json::json!({"costs": {"in_person": 85, "video": 30, "phone": 10}}),
            "analysis.economics.costs.phone",
        ),
        (
            serde_json::json!({"costs": {"in_person": -85, "video": 30}}),
            "not a cost per unit of at least 0",
        ),
        (
            serde_json::json!({"costs": {"in_person": 85, "video": 30}, "outcome": "alarm"}),
            "`alarm` is not a declared outcome",
        ),
        (
            serde_json::json!({"costs": {"in_person": 85, "video": 30}, "benefit_years": 0}),
            "analysis.economics.benefit_years",
        ),
        (
            serde_json::json!({"costs": {"in_person": 85, "video": 30}, "values": [100, 50]}),
            "analysis.economics.values",
        ),
        (
            serde_json::json!({"costs": {"in_person": 85, "video": 30}, "sensitivity": {"percent": 120}}),
            "analysis.economics.sensitivity.percent",
        ),
    ];
    for (economics, expected) in cases {
        let dir = edited_copy(|s| s["analysis"]["economics"] = economics.clone());
        let err = analyse(&dir.path().join("study.json")).unwrap_err();
        assert!(err.contains(expected), "{expected}: {err}");
    }
}

/// A cluster trial (ward-falls-alert, lower is better): the per-ward cost is spread
/// over each arm's patients (wards allocated ÷ patients allocated), ΔE is the fall
/// rate's reduction, and Fieller's ends are ΔC over ΔE's interval ends.
#[test]
fn per_cluster_costs_are_spread_over_a_cluster_trials_units() {
    let dir = TempDir::new().unwrap();
    let from = repo().join("specs/ward-falls-alert");
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
    spec["analysis"]["economics"] = serde_json::json!({
        "costs": {"usual": 0, "alert": 2},
        "cluster_costs": {"alert": 1500},
        "bootstrap": {"draws": 0}
    });
    std::fs::write(dir.path().join("study.json"), spec.to_string()).unwrap();
    let (analysis, _) = analyse(&dir.path().join("study.json")).unwrap();
    let e = only(&analysis);
    let alert = analysis
        .flow
        .arms
        .iter()
        .find(|a| a.arm == "alert")
        .unwrap();
    let per_unit = alert.clusters_allocated.unwrap() as f64 / alert.allocated.unwrap() as f64;
    assert_close(
        e.cost_treated,
        2.0 + 1500.0 * per_unit,
        PARITY,
        "alert per patient",
    );
    assert_eq!(e.cost_control, 0.0);
    let headline = &analysis.outcomes[0].comparisons[0].estimate;
    assert_close(
        e.delta_effect,
        -headline.estimate,
        PARITY,
        "lower is better",
    );
    assert!(e.bootstrap.is_none());
    assert!(e.ceac.iter().all(|p| p.bootstrap.is_none()));
    match e.fieller {
        FiellerSet::Interval { low, high } => {
            assert_close(low, e.delta_cost / e.effect_conf_high, PARITY, "low");
            assert_close(high, e.delta_cost / e.effect_conf_low, PARITY, "high");
        }
        FiellerSet::Exclusive { low, high } => {
            assert_close(low, e.delta_cost / e.effect_conf_low, PARITY, "low");
            assert_close(high, e.delta_cost / e.effect_conf_high, PARITY, "high");
        }
        FiellerSet::Unbounded => panic!("costs are fixed: never every ratio"),
    }
    // Not on an individually randomised trial.
    let dir = edited_copy(|s| {
        s["analysis"]["economics"]["cluster_costs"] = serde_json::json!({"video": 100});
    });
    let err = analyse(&dir.path().join("study.json")).unwrap_err();
    assert!(err.contains("analysis.economics.cluster_costs"), "{err}");
}
