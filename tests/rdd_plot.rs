//! The RD plot's bins against rdrobust 2.1.1's rdplot (tests/reference/rdd/rdplot_cases.json):
//! the IMSE-optimal and mimicking-variance numbers of evenly spaced bins either side,
//! and each bin's mean of x and y and its count.

use evident::designs::rdd::{BinRule, rd_bins};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_f64().unwrap())
        .collect()
}

#[test]
fn bins_match_rdplot() {
    let data: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/reference/rdd/rdrobust_cases.json").unwrap(),
    )
    .unwrap();
    let plot: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/reference/rdd/rdplot_cases.json").unwrap(),
    )
    .unwrap();
    let x = floats(&data["data"]["continuous"]["x"]);
    let y = floats(&data["data"]["continuous"]["y"]);
    for case in plot["cases"].as_array().unwrap() {
        let rule = match case["binselect"].as_str().unwrap() {
            "es" => BinRule::ImseOptimal,
            _ => BinRule::MimickingVariance,
        };
        let got = rd_bins(&x, &y, 0.0, rule).unwrap();
        let j = floats(&case["J"]);
        assert_eq!([got.j_left as f64, got.j_right as f64], [j[0], j[1]]);
        assert_eq!(got.j_imse.to_vec(), floats(&case["J_IMSE"]));
        assert_eq!(got.j_mimicking_variance.to_vec(), floats(&case["J_MV"]));
        let bins: Vec<_> = got.left.iter().chain(&got.right).collect();
        let (mx, my, count) = (
            floats(&case["mean_x"]),
            floats(&case["mean_y"]),
            floats(&case["count"]),
        );
        assert_eq!(bins.len(), mx.len());
        for (i, b) in bins.iter().enumerate() {
            assert!(
                (b.mean_x - mx[i]).abs() <= 1e-12 * mx[i].abs().max(1.0),
                "bin {i}"
            );
            assert!(
                (b.mean_y - my[i]).abs() <= 1e-12 * my[i].abs().max(1.0),
                "bin {i}"
            );
            assert_eq!(b.count as f64, count[i], "bin {i}");
        }
    }
}
