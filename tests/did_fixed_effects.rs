//! Parity of `evident::stats::regression::fixed_effects` (absorbed fixed effects)
//! with `estimatr::lm_robust(fixed_effects = , clusters = , se_type = )` 1.0.0, which
//! equals the dummy-variable regression (the R script checks that). Fixture:
//! tests/reference/did/fixed_effects.R on an unbalanced 30-unit × 8-period panel, and
//! on the same panel balanced (where CR2 clustered by unit takes the low-rank path).
//! Tolerance 1e-10 relative (PARITY): both sides are direct solutions, no iteration.

use evident::stats::estimate::Alternative;
use evident::stats::prec::{PARITY, assert_close};
use evident::stats::regression::{
    AbsorbedFactor, Clusters, Covariate, FixedEffectsOptions, RegressionError, SeType,
    build_design, lm_robust_fe,
};
use serde_json::Value;

fn load(file: &str) -> Value {
    let path = format!("{}/tests/reference/did/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    if let Some(x) = v.as_f64() {
        return vec![x];
    }
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn labels(v: &Value) -> Vec<i64> {
    floats(v).into_iter().map(|x| x as i64).collect()
}

fn se_type(name: &str) -> SeType {
    match name {
        "CR2" => SeType::CR2,
        "stata" => SeType::CR1,
        "CR0" => SeType::CR0,
        "HC2" => SeType::HC2,
        "HC1" => SeType::HC1,
        "classical" => SeType::Classical,
        other => panic!("unknown se_type {other}"),
    }
}

#[test]
fn absorbed_fixed_effects_match_estimatr() {
    match_fixture("fixed_effects.json");
}

#[test]
fn absorbed_fixed_effects_of_a_balanced_panel_match_estimatr() {
    match_fixture("fixed_effects_balanced.json");
}

fn match_fixture(file: &str) {
    let fixture = load(file);
    let data = &fixture["data"];
    let y = floats(&data["y"]);
    let design = build_design(
        false,
        &[
            Covariate::Numeric {
                name: "d".into(),
                values: floats(&data["d"]).into(),
            },
            Covariate::Numeric {
                name: "x1".into(),
                values: floats(&data["x1"]).into(),
            },
        ],
    )
    .unwrap();
    let unit = Clusters::from_labels(&labels(&data["unit"]));
    let period = Clusters::from_labels(&labels(&data["period"]));
    let region = Clusters::from_labels(&labels(&data["region"]));
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let factors: Vec<AbsorbedFactor> = case["fixed_effects"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_else(|| vec![case["fixed_effects"].as_str().unwrap().to_string()])
            .iter()
            .map(|f| match f.as_str() {
                "unit" => AbsorbedFactor {
                    name: "unit",
                    levels: &unit,
                },
                "period" => AbsorbedFactor {
                    name: "period",
                    levels: &period,
                },
                other => panic!("{other}"),
            })
            .collect();
        let clusters = match case["clusters"].as_str() {
            Some("unit") => Some(&unit),
            Some("region") => Some(&region),
            _ => None,
        };
        let fit = lm_robust_fe(
            &design,
            &y,
            &factors,
            &FixedEffectsOptions {
                se_type: Some(se_type(case["se_type"].as_str().unwrap())),
                clusters,
                conf_level: 0.95,
                alternative: Alternative::TwoSided,
            },
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_close(
            fit.df_residual,
            case["df_residual"].as_f64().unwrap(),
            PARITY,
            &format!("{name} df.residual"),
        );
        let fields = [
            ("estimate", floats(&case["estimate"])),
            ("std_error", floats(&case["std_error"])),
            ("df", floats(&case["df"])),
            ("p_value", floats(&case["p_value"])),
            ("conf_low", floats(&case["conf_low"])),
            ("conf_high", floats(&case["conf_high"])),
        ];
        for (j, c) in fit.coefficients.iter().enumerate() {
            let e = &c.estimate;
            let got = [
                e.estimate,
                e.std_error,
                e.df,
                e.p_value,
                e.conf_low,
                e.conf_high,
            ];
            for ((field, expected), value) in fields.iter().zip(got) {
                assert_close(
                    value,
                    expected[j],
                    PARITY,
                    &format!("{name} {} {field}", c.term),
                );
            }
        }
        // jsonlite writes a matrix as an array of rows.
        let vcov: Vec<Vec<f64>> = case["vcov"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        for (r, row) in vcov.iter().enumerate().take(2) {
            for (c, &expected) in row.iter().enumerate().take(2) {
                assert_close(
                    fit.vcov[r][c],
                    expected,
                    PARITY,
                    &format!("{name} vcov[{r},{c}]"),
                );
            }
        }
    }
}

#[test]
fn a_covariate_constant_within_units_is_absorbed_and_named() {
    let unit = Clusters::from_labels(&[1, 1, 2, 2, 3, 3, 4, 4]);
    let design = build_design(
        false,
        &[Covariate::Numeric {
            name: "region_size".into(),
            values: vec![5.0, 5.0, 3.0, 3.0, 2.0, 2.0, 7.0, 7.0].into(),
        }],
    )
    .unwrap();
    let y = [1.0, 2.0, 3.0, 5.0, 4.0, 4.5, 6.0, 8.0];
    let err = lm_robust_fe(
        &design,
        &y,
        &[AbsorbedFactor {
            name: "unit",
            levels: &unit,
        }],
        &FixedEffectsOptions::default(),
    )
    .unwrap_err();
    match err {
        RegressionError::Collinear { columns } => {
            assert_eq!(
                columns,
                vec!["region_size (constant within the fixed effects)"]
            )
        }
        other => panic!("unexpected {other}"),
    }
}
