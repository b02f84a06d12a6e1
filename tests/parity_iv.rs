//! Parity of `evident::stats::regression::iv_robust` with R: estimatr 1.0.0's
//! `iv_robust` (coefficients, SEs, df, intervals, R², F, first-stage F), AER 1.2-10's
//! `ivreg` (classical SEs and the classical first-stage F) and the Anderson–Rubin set
//! found in R by inverting lm_robust's test on a grid and polishing each end with
//! uniroot. Fixture: tests/reference/regression/iv_robust.{R,json}. Closed forms at
//! 1e-10 (PARITY), the AR ends (roots) at 1e-8 (PARITY_SOLVED).

use evident::stats::prec::{PARITY, PARITY_SOLVED, assert_close};
use evident::stats::regression::{
    ArShape, Clusters, Covariate, IvData, IvOptions, NamedColumn, RegressionError, SeType,
    build_design_rows, iv_robust,
};
use serde_json::Value;

fn fixture() -> Value {
    let path = format!(
        "{}/tests/reference/regression/iv_robust.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture exists"))
        .expect("fixture is JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    if let Some(x) = v.as_f64() {
        return vec![x];
    }
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// A number, or the strings "Inf"/"-Inf".
fn real(v: &Value) -> f64 {
    match v.as_str() {
        Some("Inf") => f64::INFINITY,
        Some("-Inf") => f64::NEG_INFINITY,
        _ => v.as_f64().expect("number"),
    }
}

fn se_type(name: &str) -> SeType {
    match name {
        "classical" => SeType::Classical,
        "HC1" => SeType::HC1,
        "HC2" => SeType::HC2,
        "CR2" => SeType::CR2,
        "stata" => SeType::CR1,
        other => panic!("unknown se_type {other}"),
    }
}

struct Columns {
    y: Vec<f64>,
    d: Vec<f64>,
    z: Vec<f64>,
    x1: Vec<f64>,
    g: Vec<String>,
    cl: Vec<String>,
}

fn columns(rows: &Value) -> Columns {
    let rows = rows.as_array().expect("rows");
    let num = |key: &str| rows.iter().map(|r| r[key].as_f64().unwrap()).collect();
    let text = |key: &str| {
        rows.iter()
            .map(|r| r[key].as_str().unwrap_or("").to_string())
            .collect()
    };
    Columns {
        y: num("y"),
        d: num("d"),
        z: num("z"),
        x1: num("x1"),
        g: text("g"),
        cl: text("cl"),
    }
}

#[test]
fn iv_robust_matches_estimatr_aer_and_the_inverted_ar_test() {
    let fixture = fixture();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 12);
    let mut shapes = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let data = columns(&fixture["datasets"][case["data"].as_str().unwrap()]);
        // jsonlite writes a single name as a string (auto_unbox).
        let names: Vec<Value> = match &case["covariates"] {
            Value::String(_) => vec![case["covariates"].clone()],
            other => other.as_array().unwrap().clone(),
        };
        let covariates: Vec<Covariate> = names
            .iter()
            .map(|c| match c.as_str().unwrap() {
                "x1" => Covariate::Numeric {
                    name: "x1".into(),
                    values: data.x1.clone().into(),
                },
                "g" => Covariate::Factor {
                    name: "g".into(),
                    levels: data.g.clone(),
                },
                other => panic!("covariate {other}"),
            })
            .collect();
        let exogenous = build_design_rows(data.y.len(), true, &covariates).unwrap();
        let clusters = case["clusters"]
            .as_str()
            .map(|_| Clusters::from_labels(&data.cl));
        let alpha = case["alpha"].as_f64().unwrap();
        let fit = iv_robust(
            &IvData {
                outcome: &data.y,
                endogenous: NamedColumn {
                    name: "d",
                    values: &data.d,
                },
                instrument: NamedColumn {
                    name: "z",
                    values: &data.z,
                },
                exogenous: &exogenous,
            },
            &IvOptions {
                se_type: Some(se_type(case["se_type"].as_str().unwrap())),
                clusters: clusters.as_ref(),
                conf_level: 1.0 - alpha,
            },
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let terms: Vec<&str> = case["term"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let ours: Vec<&str> = fit
            .fit
            .coefficients
            .iter()
            .map(|c| c.term.as_str())
            .collect();
        assert_eq!(ours, terms, "{name}");
        for (i, c) in fit.fit.coefficients.iter().enumerate() {
            let e = &c.estimate;
            let what = format!("{name} {}", c.term);
            for (got, key) in [
                (e.estimate, "estimate"),
                (e.std_error, "std_error"),
                (e.statistic, "statistic"),
                (e.df, "df"),
                (e.p_value, "p_value"),
                (e.conf_low, "conf_low"),
                (e.conf_high, "conf_high"),
            ] {
                assert_close(got, floats(&case[key])[i], PARITY, &format!("{what} {key}"));
            }
            assert_close(
                e.estimate,
                floats(&case["aer_estimate"])[i],
                PARITY,
                &format!("{what} AER estimate"),
            );
            if case["se_type"] == "classical" {
                assert_close(
                    e.std_error,
                    floats(&case["aer_std_error"])[i],
                    PARITY,
                    &format!("{what} AER std_error"),
                );
            }
        }
        assert_eq!(fit.fit.nobs as f64, case["nobs"].as_f64().unwrap());
        for (got, key) in [
            (fit.fit.r_squared, "r_squared"),
            (fit.fit.adj_r_squared, "adj_r_squared"),
            (fit.fit.res_var, "res_var"),
        ] {
            assert_close(
                got,
                case[key].as_f64().unwrap(),
                PARITY,
                &format!("{name} {key}"),
            );
        }
        let f = fit.fit.fstatistic.as_ref().expect("F statistic");
        let rf = floats(&case["fstatistic"]);
        assert_close(f.value, rf[0], PARITY, &format!("{name} F"));
        assert_eq!((f.numdf, f.dendf), (rf[1], rf[2]), "{name} F df");

        // First stage: estimatr's robust F and AER's classical F.
        let fs = floats(&case["first_stage_f"]);
        let robust = &fit.first_stage.f_robust;
        assert_close(
            robust.value,
            fs[0],
            PARITY,
            &format!("{name} first-stage F"),
        );
        assert_eq!((robust.numdf, robust.dendf), (fs[1], fs[2]), "{name}");
        assert_close(
            robust.p_value,
            fs[3],
            PARITY,
            &format!("{name} first-stage p"),
        );
        let aer = floats(&case["aer_weak_instrument_f"]);
        let classical = &fit.first_stage.f_classical;
        assert_eq!(
            (classical.numdf, classical.dendf),
            (aer[0], aer[1]),
            "{name}"
        );
        assert_close(classical.value, aer[2], PARITY, &format!("{name} AER F"));
        assert_close(
            classical.p_value,
            aer[3],
            PARITY,
            &format!("{name} AER F p"),
        );
        assert_eq!(fit.first_stage.weak, fs[0] < 10.0, "{name}");

        // Anderson–Rubin: df and critical value closed form, ends are roots.
        let ar_r = &case["anderson_rubin"];
        let ar = &fit.anderson_rubin;
        assert_close(
            ar.df,
            ar_r["df"].as_f64().unwrap(),
            PARITY,
            &format!("{name} AR df"),
        );
        assert_close(
            ar.critical_value,
            ar_r["critical_value"].as_f64().unwrap(),
            PARITY,
            &format!("{name} AR critical value"),
        );
        assert_close(
            ar.statistic_at_zero,
            ar_r["statistic_at_zero"].as_f64().unwrap(),
            PARITY,
            &format!("{name} AR statistic at 0"),
        );
        let intervals = ar_r["intervals"].as_array().unwrap();
        assert_eq!(ar.intervals.len(), intervals.len(), "{name}: {ar}");
        for (ours, theirs) in ar.intervals.iter().zip(intervals) {
            assert_close(
                ours.lower.0,
                real(&theirs["lower"]),
                PARITY_SOLVED,
                &format!("{name} AR lower"),
            );
            assert_close(
                ours.upper.0,
                real(&theirs["upper"]),
                PARITY_SOLVED,
                &format!("{name} AR upper"),
            );
        }
        assert!(ar.contains(fit.effect().estimate), "{name}");
        shapes.push(ar.shape);
    }
    // The fixture covers every shape but the (measure-zero) half-line.
    for shape in [ArShape::Bounded, ArShape::TwoRays, ArShape::WholeLine] {
        assert!(shapes.contains(&shape), "{shape:?} covered");
    }
}

fn tiny(d: Vec<f64>, z: Vec<f64>) -> Result<(), RegressionError> {
    let n = d.len();
    let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() + d[i]).collect();
    let exogenous = build_design_rows(n, true, &[]).unwrap();
    iv_robust(
        &IvData {
            outcome: &y,
            endogenous: NamedColumn {
                name: "received",
                values: &d,
            },
            instrument: NamedColumn {
                name: "assigned",
                values: &z,
            },
            exogenous: &exogenous,
        },
        &IvOptions::default(),
    )
    .map(|_| ())
}

#[test]
fn an_instrument_without_variation_or_without_a_first_stage_is_named() {
    let z = vec![1.0; 12];
    let d: Vec<f64> = (0..12).map(|i| f64::from(i % 2 == 0)).collect();
    let err = tiny(d.clone(), z).unwrap_err();
    assert!(
        matches!(err, RegressionError::ConstantInstrument { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("assigned is constant"), "{err}");
    // Take-up of exactly one half in each arm: the first stage is 0.
    let z: Vec<f64> = (0..12).map(|i| f64::from(i < 6)).collect();
    let d: Vec<f64> = (0..12).map(|i| f64::from(i % 2 == 0)).collect();
    let err = tiny(d, z).unwrap_err();
    assert!(matches!(err, RegressionError::NoFirstStage { .. }), "{err}");
    assert!(err.to_string().contains("does not move received"), "{err}");
}
