//! The meta-analysis against metafor 3.8-1 `rma()` (REML, DL, FE) and `predict()` on
//! five datasets (tests/reference/synthesis/synthesis.R writes synthesis.json): BCG
//! log risk ratios from escalc, Normand's mean differences, a homogeneous set where τ²
//! is truncated at 0, two studies, and a strongly heterogeneous set. Compared at 1e-8
//! relative (prec::PARITY_SOLVED: REML is iterative, run in R at threshold 1e-12).

use evident::stats::prec::{PARITY_SOLVED, assert_close, relative_difference};
use evident::synthesis::{Method, meta_analyse};
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(include_str!("reference/synthesis/synthesis.json")).unwrap()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn rma_reml_dl_and_fe_match_metafor() {
    let reference = reference();
    assert_eq!(reference["tolerance"], 1e-8);
    let mut checked = 0;
    let mut worst = 0.0f64;
    for case in reference["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (yi, vi) = (numbers(&case["yi"]), numbers(&case["vi"]));
        for fit in case["fits"].as_array().unwrap() {
            let method = match fit["method"].as_str().unwrap() {
                "REML" => Method::Reml,
                "DL" => Method::Dl,
                "FE" => Method::Fe,
                other => panic!("{other}"),
            };
            let m = meta_analyse(&yi, &vi, method, 0.95).unwrap();
            let at = |key: &str| format!("{name} {method:?} {key}");
            let r = |key: &str| fit[key].as_f64().unwrap_or_else(|| panic!("{}", at(key)));
            for (key, ours) in [
                ("tau2", m.tau2),
                ("estimate", m.estimate),
                ("se", m.std_error),
                ("z", m.statistic),
                ("p", m.p_value),
                ("ci_lb", m.conf_low),
                ("ci_ub", m.conf_high),
                ("q", m.q),
                ("q_p", m.q_p_value),
                ("h2", m.h2),
            ] {
                assert_close(ours, r(key), PARITY_SOLVED, &at(key));
                worst = worst.max(relative_difference(ours, r(key)));
            }
            // metafor's predict() gives no prediction interval for the fixed effect
            // (τ² = 0): there ours is the confidence interval.
            let (pi_lb, pi_ub) = match method {
                Method::Fe => (r("ci_lb"), r("ci_ub")),
                _ => (r("pi_lb"), r("pi_ub")),
            };
            assert_close(m.pi_low, pi_lb, PARITY_SOLVED, &at("pi_lb"));
            assert_close(m.pi_high, pi_ub, PARITY_SOLVED, &at("pi_ub"));
            // metafor gives I² and the weights in percent.
            assert_close(100.0 * m.i2, r("i2"), PARITY_SOLVED, &at("i2"));
            assert_eq!(m.q_df as f64, r("q_df"));
            for (i, (ours, theirs)) in m.weights.iter().zip(numbers(&fit["weights"])).enumerate() {
                assert_close(
                    100.0 * ours,
                    theirs,
                    PARITY_SOLVED,
                    &at(&format!("weight {i}")),
                );
            }
            if method == Method::Reml {
                assert_close(
                    m.se_tau2.unwrap(),
                    r("se_tau2"),
                    PARITY_SOLVED,
                    &at("se_tau2"),
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 15);
    eprintln!("largest relative difference from metafor: {worst:e}");
}

#[test]
fn homogeneous_studies_truncate_tau2_at_zero_under_dl_and_reml() {
    let reference = reference();
    let case = reference["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "homogeneous")
        .unwrap();
    let (yi, vi) = (numbers(&case["yi"]), numbers(&case["vi"]));
    for method in [Method::Reml, Method::Dl] {
        let m = meta_analyse(&yi, &vi, method, 0.95).unwrap();
        assert_eq!(m.tau2, 0.0, "{method:?}");
        assert_eq!(m.i2, 0.0);
        assert!(m.q < (m.q_df as f64), "Q {} below its df", m.q);
        // With τ² = 0 the random-effects fit is the fixed effect.
        let fe = meta_analyse(&yi, &vi, Method::Fe, 0.95).unwrap();
        assert_eq!((m.estimate, m.std_error), (fe.estimate, fe.std_error));
    }
}
