//! Parity of the density (manipulation) test with rddensity 3.0 (the authors' Python
//! port) on tests/reference/rdd/rddensity_cases.json: bandwidths, effective sample
//! sizes, the density estimates either side, the jackknife T statistic and its p-value.

use evident::designs::rdd::{Kernel, density_test};
use serde_json::Value;

fn close(what: &str, case: &str, got: f64, want: f64, rel: f64) {
    let d = ((got - want) / want.abs().max(1e-12)).abs();
    assert!(
        d <= rel,
        "{case}: {what} = {got:e}, rddensity {want:e} (relative {d:e})"
    );
}

#[test]
fn density_test_matches_rddensity() {
    let text = std::fs::read_to_string("tests/reference/rdd/rddensity_cases.json").unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let cases = all["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let data = case["data"].as_str().unwrap();
        let kernel_name = case["kernel"].as_str().unwrap();
        let name = format!("{data}/{kernel_name}");
        let x: Vec<f64> = all["data"][data]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let kernel = match kernel_name {
            "triangular" => Kernel::Triangular,
            "uniform" => Kernel::Uniform,
            _ => Kernel::Epanechnikov,
        };
        let got = density_test(&x, 0.0, kernel).unwrap();
        let f = |k: &str, i: usize| case[k][i].as_f64().unwrap();
        close("h left", &name, got.h_left, f("h", 0), 1e-8);
        close("h right", &name, got.h_right, f("h", 1), 1e-8);
        assert_eq!(got.n_h_left as f64, f("n_h", 0), "{name}");
        assert_eq!(got.n_h_right as f64, f("n_h", 1), "{name}");
        close("density left", &name, got.density_left, f("hat", 0), 1e-8);
        close("density right", &name, got.density_right, f("hat", 1), 1e-8);
        close("T", &name, got.t, case["t_jk"].as_f64().unwrap(), 1e-8);
        close(
            "p-value",
            &name,
            got.p_value,
            case["p_jk"].as_f64().unwrap(),
            1e-8,
        );
        assert_eq!(got.mass_points, data == "mass_points");
    }
}

#[test]
fn bunching_above_the_cut_off_is_detected() {
    let text = std::fs::read_to_string("tests/reference/rdd/rddensity_cases.json").unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let x: Vec<f64> = all["data"]["bunched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let got = density_test(&x, 0.0, Kernel::Triangular).unwrap();
    assert!(got.density_right > got.density_left);
    assert!(got.p_value < 0.05);
}
