//! Parity of `evident::stats::htest` with R 4.2.2. Fixtures are written by the R scripts
//! in `tests/reference/htest/` (one `<case>.R` beside each `<case>.json`); this file
//! reads only the JSON, so CI needs no R. Closed-form results are compared at
//! `PARITY` (relative 1e-10); solved roots at `PARITY_SOLVED` (1e-8) against R run
//! at a tight tolerance.

use evident::stats::htest::*;
use evident::stats::prec::{PARITY, PARITY_SOLVED, assert_close};
use serde_json::Value;

fn load(name: &str) -> Vec<Value> {
    let path = format!(
        "{}/tests/reference/htest/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(
        doc["r_version"]
            .as_str()
            .unwrap()
            .starts_with("R version 4.2.2"),
        "fixture {name} must come from R 4.2.2"
    );
    let cases = doc["cases"].as_array().unwrap().clone();
    assert!(!cases.is_empty(), "fixture {name} has no cases");
    cases
}

/// A number from the fixture; "Inf", "-Inf" and "NaN" arrive as strings.
fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => match s.as_str() {
            "Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            other => panic!("not a number: {other}"),
        },
        other => panic!("not a number: {other}"),
    }
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

fn table(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(nums).collect()
}

fn alternative(case: &Value) -> Alternative {
    match case["alternative"].as_str().unwrap() {
        "two.sided" => Alternative::TwoSided,
        "less" => Alternative::Less,
        "greater" => Alternative::Greater,
        other => panic!("unknown alternative {other}"),
    }
}

fn call(case: &Value) -> String {
    case["call"].as_str().unwrap_or("").to_string()
}

#[test]
fn t_tests_match_r() {
    for case in load("t_test") {
        let what = call(&case);
        let x = nums(&case["x"]);
        let options = TTestOptions {
            alternative: alternative(&case),
            mu: num(&case["mu"]),
            conf_level: num(&case["conf_level"]),
        };
        let r = match case["kind"].as_str().unwrap() {
            "one_sample" => t_test_one_sample(&x, &options),
            "paired" => t_test_paired(&x, &nums(&case["y"]), &options),
            "welch" => t_test_welch(&x, &nums(&case["y"]), &options),
            "student" => t_test_student(&x, &nums(&case["y"]), &options),
            other => panic!("unknown kind {other}"),
        }
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_close(
            r.statistic,
            num(&case["statistic"]),
            PARITY,
            &format!("{what} t"),
        );
        assert_close(r.df, num(&case["df"]), PARITY, &format!("{what} df"));
        assert_close(
            r.p_value,
            num(&case["p_value"]),
            PARITY,
            &format!("{what} p"),
        );
        assert_close(
            r.conf_low,
            num(&case["conf_low"]),
            PARITY,
            &format!("{what} low"),
        );
        assert_close(
            r.conf_high,
            num(&case["conf_high"]),
            PARITY,
            &format!("{what} high"),
        );
        assert_close(
            r.std_error,
            num(&case["std_error"]),
            PARITY,
            &format!("{what} se"),
        );
        assert_close(
            r.mean_x,
            num(&case["mean_x"]),
            PARITY,
            &format!("{what} mean x"),
        );
        if let Some(my) = r.mean_y {
            assert_close(my, num(&case["mean_y"]), PARITY, &format!("{what} mean y"));
        }
    }
}

fn method(name: &str) -> PAdjustMethod {
    match name {
        "bonferroni" => PAdjustMethod::Bonferroni,
        "holm" => PAdjustMethod::Holm,
        "hochberg" => PAdjustMethod::Hochberg,
        "hommel" => PAdjustMethod::Hommel,
        "BH" => PAdjustMethod::BenjaminiHochberg,
        "BY" => PAdjustMethod::BenjaminiYekutieli,
        "none" => PAdjustMethod::None,
        other => panic!("unknown method {other}"),
    }
}

fn optional_nums(v: &Value) -> Vec<Option<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| if x.is_null() { None } else { Some(num(x)) })
        .collect()
}

#[test]
fn p_adjust_matches_r() {
    for case in load("p_adjust") {
        let what = format!("{} on {}", call(&case), case["set"]);
        let p = optional_nums(&case["p"]);
        let m = method(case["method"].as_str().unwrap());
        let got = match case["n"].as_u64() {
            Some(n) => p_adjust_n(&p, m, n as usize),
            None => p_adjust(&p, m),
        }
        .unwrap();
        let expected = optional_nums(&case["adjusted"]);
        assert_eq!(got.len(), expected.len(), "{what}");
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            match (g, e) {
                (Some(g), Some(e)) => assert_close(*g, *e, PARITY, &format!("{what} [{i}]")),
                (None, None) => {}
                _ => panic!("{what} [{i}]: got {g:?}, expected {e:?}"),
            }
        }
    }
}

#[test]
fn prop_test_matches_r() {
    for case in load("prop_test") {
        let what = call(&case);
        let options = PropTestOptions {
            p: if case["p"].is_null() {
                None
            } else {
                Some(nums(&case["p"]))
            },
            alternative: alternative(&case),
            conf_level: num(&case["conf_level"]),
            correct: case["correct"].as_bool().unwrap(),
        };
        let r = prop_test(&nums(&case["x"]), &nums(&case["n"]), &options)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.method, case["method"].as_str().unwrap(), "{what}");
        assert_close(
            r.statistic,
            num(&case["statistic"]),
            PARITY,
            &format!("{what} X2"),
        );
        assert_close(r.df, num(&case["df"]), PARITY, &format!("{what} df"));
        assert_close(
            r.p_value,
            num(&case["p_value"]),
            PARITY,
            &format!("{what} p"),
        );
        let est = nums(&case["estimates"]);
        for (g, e) in r.estimates.iter().zip(&est) {
            assert_close(*g, *e, PARITY, &format!("{what} estimate"));
        }
        match (r.conf_int, case["conf_int"].is_null()) {
            (Some((low, high)), false) => {
                let ci = nums(&case["conf_int"]);
                assert_close(low, ci[0], PARITY, &format!("{what} low"));
                assert_close(high, ci[1], PARITY, &format!("{what} high"));
            }
            (None, true) => {}
            (got, _) => panic!("{what}: interval {got:?} vs {}", case["conf_int"]),
        }
    }
}

#[test]
fn chisq_test_matches_r() {
    for case in load("chisq_test") {
        let what = call(&case);
        let r = if case["p"].is_null() {
            chisq_test(&table(&case["table"]), case["correct"].as_bool().unwrap())
        } else {
            chisq_test_gof(&nums(&case["x"]), &nums(&case["p"]))
        }
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.method, case["method"].as_str().unwrap(), "{what}");
        assert_close(
            r.statistic,
            num(&case["statistic"]),
            PARITY,
            &format!("{what} X2"),
        );
        assert_close(r.df, num(&case["df"]), PARITY, &format!("{what} df"));
        assert_close(
            r.p_value,
            num(&case["p_value"]),
            PARITY,
            &format!("{what} p"),
        );
        for (field, got) in [
            ("expected", &r.expected),
            ("residuals", &r.residuals),
            ("stdres", &r.stdres),
        ] {
            let expected = table(&case[field]);
            assert_eq!(got.len(), expected.len(), "{what} {field}");
            for (gr, er) in got.iter().zip(&expected) {
                for (g, e) in gr.iter().zip(er) {
                    assert_close(*g, *e, PARITY, &format!("{what} {field}"));
                }
            }
        }
    }
}

#[test]
fn fisher_matches_r() {
    for case in load("fisher") {
        let what = call(&case);
        let options = FisherOptions {
            alternative: alternative(&case),
            or: num(&case["or"]),
            conf_int: true,
            conf_level: num(&case["conf_level"]),
        };
        let r =
            fisher_test(&table(&case["table"]), &options).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_close(
            r.p_value,
            num(&case["p_value"]),
            PARITY,
            &format!("{what} p"),
        );
        if case["estimate"].is_null() {
            assert!(r.estimate.is_none(), "{what}");
            continue;
        }
        // Roots: against fisher.test's equations solved with uniroot(tol = 1e-14).
        let est = r.estimate.unwrap();
        assert_close(
            est,
            num(&case["estimate"]),
            PARITY_SOLVED,
            &format!("{what} MLE"),
        );
        let (low, high) = r.conf_int.unwrap();
        let ci = nums(&case["conf_int"]);
        assert_close(low, ci[0], PARITY_SOLVED, &format!("{what} low"));
        assert_close(high, ci[1], PARITY_SOLVED, &format!("{what} high"));
        // R's default (loose, tol ~1.2e-4 on the odds-ratio scale) roots are recorded in
        // the fixture but not compared: for matrix(c(1, 200, 300, 2), 2) R's MLE is
        // 9.92e-5 where the root of its own equation is 4.60e-5.
    }
}

#[test]
fn wilcoxon_matches_r() {
    for case in load("wilcoxon") {
        let what = call(&case);
        let conf_int = case["conf_int_requested"].as_bool().unwrap();
        let options = WilcoxonOptions {
            alternative: alternative(&case),
            mu: num(&case["mu"]),
            exact: case["exact"].as_bool(),
            correct: case["correct"].as_bool().unwrap(),
            conf_int,
            conf_level: num(&case["conf_level"]),
        };
        let x = nums(&case["x"]);
        let r = match case["kind"].as_str().unwrap() {
            "signed_rank" => wilcox_signed_rank(&x, &options),
            "paired" => wilcox_signed_rank_paired(&x, &nums(&case["y"]), &options),
            "rank_sum" => wilcox_rank_sum(&x, &nums(&case["y"]), &options),
            other => panic!("unknown kind {other}"),
        }
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.method, case["method"].as_str().unwrap(), "{what}");
        assert_close(
            r.statistic,
            num(&case["statistic"]),
            PARITY,
            &format!("{what} stat"),
        );
        assert_close(
            r.p_value,
            num(&case["p_value"]),
            PARITY,
            &format!("{what} p"),
        );
        if !conf_int {
            assert!(r.estimate.is_none() && r.conf_int.is_none(), "{what}");
            continue;
        }
        // Exact intervals are order statistics (closed form); normal-approximation ones
        // are roots, compared with R at tol.root = 1e-14.
        let tol = if r.exact { PARITY } else { PARITY_SOLVED };
        let (low, high) = r.conf_int.unwrap();
        let ci = nums(&case["conf_int"]);
        assert_close(low, ci[0], tol, &format!("{what} low"));
        assert_close(high, ci[1], tol, &format!("{what} high"));
        assert_close(
            r.conf_level.unwrap(),
            num(&case["conf_level_achieved"]),
            PARITY,
            &format!("{what} level"),
        );
        if r.exact || case["estimate_unique"].as_bool().unwrap() {
            assert_close(
                r.estimate.unwrap(),
                num(&case["estimate"]),
                tol,
                &format!("{what} est"),
            );
        }
    }
}

#[test]
fn mcnemar_matches_r() {
    for case in load("mcnemar") {
        let what = call(&case);
        let r = mcnemar_test(&table(&case["table"]), case["correct"].as_bool().unwrap())
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.method, case["method"].as_str().unwrap(), "{what}");
        assert_close(
            r.statistic,
            num(&case["statistic"]),
            PARITY,
            &format!("{what} X2"),
        );
        assert_close(r.df, num(&case["df"]), PARITY, &format!("{what} df"));
        assert_close(
            r.p_value,
            num(&case["p_value"]),
            PARITY,
            &format!("{what} p"),
        );
    }
}

fn check_effect(got: &EffectSize, case: &Value, key: &str, tol: f64) {
    let what = format!("{} {key}", call(case));
    assert_close(got.estimate, num(&case[key]), PARITY, &what);
    let ci = nums(&case[format!("{key}_ci").as_str()]);
    assert_close(got.conf_low, ci[0], tol, &format!("{what} low"));
    assert_close(got.conf_high, ci[1], tol, &format!("{what} high"));
    if let Some(se) = got.std_error {
        assert_close(
            se,
            num(&case[format!("{key}_se").as_str()]),
            PARITY,
            &format!("{what} se"),
        );
    }
}

#[test]
fn effect_sizes_match_r() {
    for case in load("effect_size") {
        let what = call(&case);
        let level = num(&case["conf_level"]);
        if case["kind"] == "d" {
            let (x, y) = (nums(&case["x"]), nums(&case["y"]));
            // Non-central t limits are roots (uniroot tol = 1e-14 in R): PARITY_SOLVED.
            let d = cohens_d(&x, &y, level).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(d.warnings.is_empty(), "{what}: {:?}", d.warnings);
            check_effect(&d, &case, "d", PARITY_SOLVED);
            let g = hedges_g(&x, &y, level).unwrap_or_else(|e| panic!("{what}: {e}"));
            check_effect(&g, &case, "g", PARITY_SOLVED);
        } else {
            let t = table(&case["table"]);
            check_effect(&risk_difference(&t, level).unwrap(), &case, "rd", PARITY);
            check_effect(&risk_ratio(&t, level).unwrap(), &case, "rr", PARITY);
            check_effect(&odds_ratio(&t, level).unwrap(), &case, "or", PARITY);
            check_effect(&cox_index(&t, level).unwrap(), &case, "cox", PARITY);
        }
    }
}

fn optional(v: &Value) -> Option<f64> {
    (!v.is_null()).then(|| num(v))
}

/// TOST and non-inferiority: each one-sided test is R's t.test against the bound (or
/// the Wald z for two proportions), the TOST p the larger, the 1 − 2α interval
/// t.test's (tests/reference/htest/tost.R).
#[test]
fn tost_matches_r() {
    for (i, case) in load("tost").iter().enumerate() {
        let what = format!("tost case {i} ({})", case["design"]);
        let options = TostOptions {
            margins: Margins {
                low: optional(&case["low"]),
                high: optional(&case["high"]),
            },
            alpha: num(&case["alpha"]),
            mu: num(&case["mu"]),
            unit: None,
        };
        let r = match case["family"].as_str().unwrap() {
            "means" => {
                let design = match case["design"].as_str().unwrap() {
                    "one_sample" => MeansDesign::OneSample,
                    "paired" => MeansDesign::Paired,
                    "welch" => MeansDesign::Welch,
                    "student" => MeansDesign::Student,
                    other => panic!("unknown design {other}"),
                };
                let y = (!case["y"].is_null()).then(|| nums(&case["y"]));
                tost_means(&nums(&case["x"]), y.as_deref(), design, &options)
            }
            _ => {
                let (s, n) = (nums(&case["successes"]), nums(&case["trials"]));
                tost_two_proportions([s[0], s[1]], [n[0], n[1]], &options)
            }
        }
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_close(r.estimate, num(&case["estimate"]), PARITY, &what);
        assert_close(r.std_error, num(&case["std_error"]), PARITY, &what);
        match (r.df, optional(&case["df"])) {
            (Some(got), Some(want)) => assert_close(got, want, PARITY, &what),
            (None, None) => {}
            other => panic!("{what}: df {other:?}"),
        }
        for (got, key) in [(r.lower, "lower"), (r.upper, "upper")] {
            let want = &case[key];
            match got {
                Some(t) => {
                    assert_close(t.bound, num(&want["bound"]), PARITY, &what);
                    assert_close(t.statistic, num(&want["statistic"]), PARITY, &what);
                    assert_close(t.p_value, num(&want["p_value"]), PARITY, &what);
                }
                None => assert!(want.is_null(), "{what}: {key} test missing"),
            }
        }
        assert_close(r.p_value, num(&case["p_value"]), PARITY, &what);
        let ci = nums(&case["conf_int"]);
        assert_close(r.conf_low, ci[0], PARITY, &what);
        assert_close(r.conf_high, ci[1], PARITY, &what);
        assert_eq!(r.conf_level, 1.0 - 2.0 * options.alpha);
        let shown = r.p_value < options.alpha;
        assert_eq!(r.verdict != Verdict::NotShown, shown, "{what}");
    }
}
