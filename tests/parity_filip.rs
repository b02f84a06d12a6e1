//! NIST StRD Filip: the degree-10 polynomial that R's `lm()` refuses (it drops x^10
//! as collinear at its 1e-7 pivot tolerance). Certified values (computed by NIST in
//! 500-digit arithmetic) are in tests/reference/regression/filip.json, the data in
//! filip.csv beside it. The engine must reproduce every coefficient to at least 7
//! significant digits, the bar: with a scaled condition number near 1e10 the
//! Vandermonde design leaves about 16 − 10 = 6 to 8 correct digits in double precision
//! for any backward-stable solver, so 7 digits is what a good solver can promise.

use evident::data::Table;
use evident::stats::regression::{Design, LmRobustOptions, SeType, lm_robust};
use nalgebra::DMatrix;
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/regression/filip.json"
        ))
        .unwrap(),
    )
    .unwrap()
}

fn values(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn relative(ours: f64, certified: f64) -> f64 {
    ((ours - certified) / certified).abs()
}

#[test]
fn filip_is_solved_to_seven_digits_in_every_coefficient() {
    let table = Table::read(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/regression/filip.csv"
    )))
    .unwrap();
    let x: Vec<f64> = table.numeric("x").unwrap().into_iter().flatten().collect();
    let y: Vec<f64> = table.numeric("y").unwrap().into_iter().flatten().collect();
    assert_eq!((x.len(), y.len()), (82, 82));
    let names: Vec<String> = (0..=10)
        .map(|p| match p {
            0 => "(Intercept)".to_string(),
            1 => "x".to_string(),
            p => format!("x^{p}"),
        })
        .collect();
    let matrix = DMatrix::from_fn(82, 11, |i, p| x[i].powi(p as i32));
    let design = Design::from_matrix(names, matrix).unwrap();
    let fit = lm_robust(
        &design,
        &y,
        &LmRobustOptions {
            se_type: Some(SeType::Classical),
            ..LmRobustOptions::default()
        },
    )
    .expect("Filip is ill-conditioned, not collinear");
    let certified = reference();
    let coefficients = values(&certified, "coefficients");
    let standard_errors = values(&certified, "standard_errors");
    for (j, c) in fit.coefficients.iter().enumerate() {
        let e = &c.estimate;
        assert!(
            relative(e.estimate, coefficients[j]) < 1e-7,
            "{}: {} vs certified {} (relative {:e})",
            c.term,
            e.estimate,
            coefficients[j],
            relative(e.estimate, coefficients[j])
        );
        assert!(
            relative(e.std_error, standard_errors[j]) < 1e-6,
            "{} SE: {} vs certified {}",
            c.term,
            e.std_error,
            standard_errors[j]
        );
    }
    assert!(
        relative(
            fit.sigma,
            certified["residual_standard_deviation"].as_f64().unwrap()
        ) < 1e-7
    );
    assert!(relative(fit.r_squared, certified["r_squared"].as_f64().unwrap()) < 1e-9);
}
