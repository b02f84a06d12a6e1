//! Parity of `evident::stats::regression` with R (estimatr 1.0.0, clubSandwich,
//! stats::glm). The numbers come from the scripts in `tests/reference/regression/`,
//! which write the JSON read here; CI needs no R. Tolerances from `stats::prec`.

use evident::stats::estimate::{Alternative, Estimate};
use evident::stats::prec::{PARITY, PARITY_SOLVED, assert_close};
use evident::stats::regression::{
    Clusters, Covariate, LmRobustOptions, SeType, build_design, lm_robust,
};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/tests/reference/regression/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists"))
        .expect("fixture is JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("string").to_string())
        .collect()
}

fn se_type(name: &str) -> SeType {
    match name {
        "classical" => SeType::Classical,
        "HC0" => SeType::HC0,
        "HC1" => SeType::HC1,
        "HC2" => SeType::HC2,
        "HC3" => SeType::HC3,
        "CR0" => SeType::CR0,
        "stata" => SeType::CR1,
        "CR2" => SeType::CR2,
        other => panic!("unknown se_type {other}"),
    }
}

/// Compares an estimate with R's columns at row `i`.
fn check_estimate(e: &Estimate, r: &Value, i: usize, tol: f64, what: &str) {
    let get = |key: &str| floats(&r[key])[i];
    assert_close(
        e.estimate,
        get("estimate"),
        tol,
        &format!("{what} estimate"),
    );
    assert_close(
        e.std_error,
        get("std_error"),
        tol,
        &format!("{what} std_error"),
    );
    assert_close(
        e.statistic,
        get("statistic"),
        tol,
        &format!("{what} statistic"),
    );
    assert_close(e.df, get("df"), tol, &format!("{what} df"));
    assert_close(e.p_value, get("p_value"), tol, &format!("{what} p_value"));
    assert_close(
        e.conf_low,
        get("conf_low"),
        tol,
        &format!("{what} conf_low"),
    );
    assert_close(
        e.conf_high,
        get("conf_high"),
        tol,
        &format!("{what} conf_high"),
    );
}

fn lm_covariates(x1: Vec<f64>, x2: Vec<f64>, g: Vec<String>) -> Vec<Covariate> {
    vec![
        Covariate::Numeric {
            name: "x1".into(),
            values: x1,
        },
        Covariate::Numeric {
            name: "x2".into(),
            values: x2,
        },
        Covariate::Factor {
            name: "g".into(),
            levels: g,
        },
    ]
}

#[test]
fn lm_robust_matches_estimatr_for_every_se_type() {
    let fx = load("lm_robust.json");
    let data = &fx["data"];
    let y = floats(&data["y"]);
    let w = floats(&data["w"]);
    let clusters = Clusters::from_labels(&strings(&data["cl"]));
    let design = build_design(
        true,
        &lm_covariates(
            floats(&data["x1"]),
            floats(&data["x2"]),
            strings(&data["g"]),
        ),
    )
    .unwrap();
    let fits = fx["fits"].as_array().unwrap();
    assert_eq!(fits.len(), 16);
    for r in fits {
        let se = se_type(r["se_type"].as_str().unwrap());
        let weighted = r["weights"].is_string();
        let clustered = r["clusters"].is_string();
        let options = LmRobustOptions {
            se_type: Some(se),
            weights: weighted.then_some(w.as_slice()),
            clusters: clustered.then_some(&clusters),
            ..Default::default()
        };
        let fit = lm_robust(&design, &y, &options).unwrap();
        assert_eq!(
            fit.coefficients
                .iter()
                .map(|c| c.term.clone())
                .collect::<Vec<_>>(),
            strings(&r["term"])
        );
        let what = format!("{se} weighted={weighted} clustered={clustered}");
        for (i, c) in fit.coefficients.iter().enumerate() {
            check_estimate(&c.estimate, r, i, PARITY, &format!("{what} {}", c.term));
            if se == SeType::CR2 {
                // clubSandwich's CR2 agrees with estimatr's.
                assert_close(
                    c.estimate.std_error,
                    floats(&r["clubsandwich_std_error"])[i],
                    PARITY,
                    &format!("{what} clubSandwich se"),
                );
                assert_close(
                    c.estimate.df,
                    floats(&r["clubsandwich_df"])[i],
                    PARITY,
                    &format!("{what} clubSandwich df"),
                );
            }
        }
    }
}

#[test]
fn default_se_types_are_hc2_and_cr2() {
    let fx = load("lm_robust.json");
    let data = &fx["data"];
    let y = floats(&data["y"]);
    let design = build_design(
        true,
        &lm_covariates(
            floats(&data["x1"]),
            floats(&data["x2"]),
            strings(&data["g"]),
        ),
    )
    .unwrap();
    let clusters = Clusters::from_labels(&strings(&data["cl"]));
    let fit = lm_robust(&design, &y, &LmRobustOptions::default()).unwrap();
    assert_eq!(fit.se_type, SeType::HC2);
    let fit = lm_robust(
        &design,
        &y,
        &LmRobustOptions {
            clusters: Some(&clusters),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(fit.se_type, SeType::CR2);
    assert_eq!(fit.nclusters, Some(11));
}

/// The caller drops incomplete rows (the data loader's job); R's lm_robust does the
/// same through na.omit.
#[test]
fn lm_robust_on_caller_filtered_rows_matches_na_omit() {
    let fx = load("lm_robust.json");
    let data = &fx["data"];
    let y = floats(&fx["data_missing"]["y"]);
    let x1 = floats(&fx["data_missing"]["x1"]);
    let x2 = floats(&data["x2"]);
    let g = strings(&data["g"]);
    let keep: Vec<usize> = (0..y.len())
        .filter(|&i| y[i].is_finite() && x1[i].is_finite())
        .collect();
    let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let design = build_design(
        true,
        &lm_covariates(
            pick(&x1),
            pick(&x2),
            keep.iter().map(|&i| g[i].clone()).collect(),
        ),
    )
    .unwrap();
    let r = &fx["missing_fit"];
    let fit = lm_robust(&design, &pick(&y), &LmRobustOptions::default()).unwrap();
    assert_eq!(fit.nobs as f64, r["nobs"].as_f64().unwrap());
    for (i, c) in fit.coefficients.iter().enumerate() {
        check_estimate(&c.estimate, r, i, PARITY, &c.term);
    }
    // Unfiltered NaNs are refused with the column named.
    let err = build_design(true, &lm_covariates(x1, x2, g)).unwrap_err();
    assert!(err.to_string().contains("'x1'"), "{err}");
}

#[allow(dead_code)]
fn unused_tolerances() -> (f64, Alternative) {
    (PARITY_SOLVED, Alternative::TwoSided)
}
