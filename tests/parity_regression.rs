//! Parity of `evident::stats::regression` with R (estimatr 1.0.0, clubSandwich,
//! stats::glm). The numbers come from the scripts in `tests/reference/regression/`,
//! which write the JSON read here; CI needs no R. Tolerances from `stats::prec`.

use evident::stats::estimate::{Alternative, Estimate};
use evident::stats::prec::{PARITY, PARITY_SOLVED, assert_close};
use evident::stats::regression::{
    Clusters, Covariate, DimDesign, DimOptions, LmRobustOptions, LogisticOptions, RegressionError,
    SeType, build_design, difference_in_means, lm_lin, lm_lin_arms, lm_robust, logistic_regression,
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

/// A JSON array of numbers (null = NaN), or a single number (jsonlite's auto_unbox).
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
            values: x1.into(),
        },
        Covariate::Numeric {
            name: "x2".into(),
            values: x2.into(),
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
        let num = |key: &str| r[key].as_f64().unwrap();
        assert_close(
            fit.r_squared,
            num("r_squared"),
            PARITY,
            &format!("{what} R²"),
        );
        assert_close(
            fit.adj_r_squared,
            num("adj_r_squared"),
            PARITY,
            &format!("{what} adj R²"),
        );
        let fs = fit.fstatistic.as_ref().expect("F statistic");
        let expected_f = floats(&r["fstatistic"]);
        assert_close(fs.value, expected_f[0], PARITY, &format!("{what} F"));
        assert_eq!(
            (fs.numdf, fs.dendf),
            (expected_f[1], expected_f[2]),
            "{what} F df"
        );
        assert_close(
            fs.p_value,
            num("f_p_value"),
            PARITY,
            &format!("{what} F p-value"),
        );
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

fn labels(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| match x {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

#[test]
fn difference_in_means_matches_estimatr_for_every_design() {
    let fx = load("diff_in_means.json");
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 12);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let data = &case["data"];
        let y = floats(&data["y"]);
        let t = floats(&data["t"]);
        let blocks = case["blocks"]
            .as_str()
            .map(|b| Clusters::from_labels(&labels(&data[b])));
        let clusters = case["clusters"]
            .as_str()
            .map(|c| Clusters::from_labels(&labels(&data[c])));
        let weights = case["weights"].as_str().map(|w| floats(&data[w]));
        let options = DimOptions {
            blocks: blocks.as_ref(),
            clusters: clusters.as_ref(),
            weights: weights.as_deref(),
            conf_level: 1.0 - case["alpha"].as_f64().unwrap(),
            alternative: Alternative::TwoSided,
        };
        let fit = difference_in_means(&y, &t, &options).unwrap();
        let expected_design = match case["design"].as_str().unwrap() {
            "Standard" => DimDesign::Standard,
            "Blocked" => DimDesign::Blocked,
            "Matched-pair" => DimDesign::MatchedPairs,
            "Clustered" => DimDesign::Clustered,
            "Clustered (weighted)" => DimDesign::ClusteredWeighted,
            "Standard (weighted)" => DimDesign::Weighted,
            "Block-clustered" => DimDesign::BlockClustered,
            "Block-clustered (weighted)" => DimDesign::BlockClusteredWeighted,
            "Blocked (weighted)" => DimDesign::BlockedWeighted,
            "Matched-pair clustered" => DimDesign::MatchedPairsClustered,
            other => panic!("unknown design {other}"),
        };
        assert_eq!(fit.design, expected_design, "{name}");
        assert_eq!(fit.mixed_block_sizes, name == "mixed_pairs", "{name}");
        check_estimate(&fit.estimate, case, 0, PARITY, name);
    }
}

#[test]
fn lm_lin_matches_estimatr() {
    let fx = load("lm_lin.json");
    let data = &fx["data"];
    let y = floats(&data["y"]);
    let z = floats(&data["Z"]);
    let w = floats(&data["w"]);
    let clusters = Clusters::from_labels(&strings(&data["cl"]));
    let covariates = lm_covariates(
        floats(&data["x1"]),
        floats(&data["x2"]),
        strings(&data["g"]),
    );
    let fits = fx["fits"].as_array().unwrap();
    assert_eq!(fits.len(), 5);
    for r in fits {
        let se = se_type(r["se_type"].as_str().unwrap());
        let weighted = r["weights"].is_string();
        let clustered = r["clusters"].is_string();
        let options = LmRobustOptions {
            // The first fit relies on the default (HC2, or CR2 with clusters).
            se_type: (se == SeType::HC1).then_some(se),
            weights: weighted.then_some(w.as_slice()),
            clusters: clustered.then_some(&clusters),
            ..Default::default()
        };
        let fit = lm_lin(&y, "Z", &z, &covariates, &options).unwrap();
        assert_eq!(fit.se_type, se);
        assert_eq!(
            fit.coefficients
                .iter()
                .map(|c| c.term.clone())
                .collect::<Vec<_>>(),
            strings(&r["term"])
        );
        for (i, c) in fit.coefficients.iter().enumerate() {
            let what = format!("lm_lin {se} weighted={weighted} {}", c.term);
            check_estimate(&c.estimate, r, i, PARITY, &what);
        }
    }
}

#[test]
fn logistic_regression_matches_fully_converged_glm() {
    let fx = load("logistic.json");
    let data = &fx["data"];
    let design = build_design(
        true,
        &lm_covariates(
            floats(&data["x1"]),
            floats(&data["x2"]),
            strings(&data["g"]),
        ),
    )
    .unwrap();
    let fit =
        logistic_regression(&design, &floats(&data["y"]), &LogisticOptions::default()).unwrap();
    let r = &fx["fit"];
    assert_eq!(
        fit.coefficients
            .iter()
            .map(|c| c.term.clone())
            .collect::<Vec<_>>(),
        strings(&r["term"])
    );
    for (i, c) in fit.coefficients.iter().enumerate() {
        let e = &c.estimate;
        let what = format!("logistic {}", c.term);
        assert!(e.df.is_infinite(), "{what}: z inference");
        assert_close(e.estimate, floats(&r["estimate"])[i], PARITY_SOLVED, &what);
        assert_close(
            e.std_error,
            floats(&r["std_error"])[i],
            PARITY_SOLVED,
            &what,
        );
        assert_close(
            e.statistic,
            floats(&r["statistic"])[i],
            PARITY_SOLVED,
            &what,
        );
        assert_close(e.p_value, floats(&r["p_value"])[i], PARITY_SOLVED, &what);
        assert_close(e.conf_low, floats(&r["conf_low"])[i], PARITY_SOLVED, &what);
        assert_close(
            e.conf_high,
            floats(&r["conf_high"])[i],
            PARITY_SOLVED,
            &what,
        );
        // glm's own (lagged) SEs differ by more than the parity tolerance allows
        // only at looser convergence; at epsilon = 1e-14 they agree to ~1e-8.
        assert_close(
            e.std_error,
            floats(&r["glm_reported_std_error"])[i],
            1e-6,
            &what,
        );
    }
    assert_close(
        fit.deviance,
        r["deviance"].as_f64().unwrap(),
        PARITY_SOLVED,
        "deviance",
    );
    assert_close(
        fit.null_deviance,
        r["null_deviance"].as_f64().unwrap(),
        PARITY_SOLVED,
        "null deviance",
    );
    assert_close(fit.aic, r["aic"].as_f64().unwrap(), PARITY_SOLVED, "aic");
}

#[test]
fn logistic_separation_is_reported_with_the_column() {
    let fx = load("logistic.json");
    let sep = &fx["complete_separation"];
    assert!(
        sep["r_warning"]
            .as_str()
            .unwrap()
            .contains("numerically 0 or 1")
    );
    let design = build_design(
        true,
        &[
            Covariate::Numeric {
                name: "x".into(),
                values: floats(&sep["data"]["x"]).into(),
            },
            Covariate::Numeric {
                name: "z".into(),
                values: floats(&sep["data"]["z"]).into(),
            },
        ],
    )
    .unwrap();
    let err =
        logistic_regression(&design, &floats(&sep["data"]["y"]), &Default::default()).unwrap_err();
    assert_eq!(
        err,
        RegressionError::Separation {
            kind: "complete",
            columns: vec!["x".into()]
        },
        "{err}"
    );

    let qs = &fx["quasi_separation"];
    let design = build_design(
        true,
        &[
            Covariate::Numeric {
                name: "x1".into(),
                values: floats(&qs["data"]["x1"]).into(),
            },
            Covariate::Factor {
                name: "g".into(),
                levels: strings(&qs["data"]["g"]),
            },
        ],
    )
    .unwrap();
    let err =
        logistic_regression(&design, &floats(&qs["data"]["y"]), &Default::default()).unwrap_err();
    assert_eq!(
        err,
        RegressionError::Separation {
            kind: "quasi-complete",
            columns: vec!["gC".into()]
        },
        "{err}"
    );
}

/// Cluster fixed effects make I − H_gg singular: CR2 uses estimatr's pseudo-inverse
/// square root (eigenvalues below 1e-12 set to 0).
#[test]
fn cr2_with_cluster_fixed_effects_matches_estimatr() {
    let fx = load("lm_robust.json");
    let data = &fx["data"];
    let y = floats(&data["y"]);
    let w = floats(&data["w"]);
    let cl = strings(&data["cl"]);
    let clusters = Clusters::from_labels(&cl);
    let design = build_design(
        true,
        &[
            Covariate::Numeric {
                name: "x1".into(),
                values: floats(&data["x1"]).into(),
            },
            Covariate::Numeric {
                name: "x2".into(),
                values: floats(&data["x2"]).into(),
            },
            Covariate::Factor {
                name: "cl".into(),
                levels: cl.clone(),
            },
        ],
    )
    .unwrap();
    for r in fx["fe_fits"].as_array().unwrap() {
        assert_eq!(design.names, strings(&r["all_terms"]));
        let weighted = r["weights"].is_string();
        let options = LmRobustOptions {
            clusters: Some(&clusters),
            weights: weighted.then_some(w.as_slice()),
            ..Default::default()
        };
        let fit = lm_robust(&design, &y, &options).unwrap();
        for i in 0..3 {
            let c = &fit.coefficients[i];
            check_estimate(
                &c.estimate,
                r,
                i,
                PARITY,
                &format!("FE CR2 weighted={weighted} {}", c.term),
            );
        }
    }
}

/// A fitted probability of 1.6e-25 at a finite MLE is not separation: the fit is
/// returned and matches glm.
#[test]
fn logistic_extreme_but_finite_fit_is_not_separation() {
    let fx = load("logistic.json");
    let ex = &fx["extreme"];
    assert!(ex["min_fitted"].as_f64().unwrap() < 1e-20);
    let design = build_design(
        true,
        &[Covariate::Numeric {
            name: "x".into(),
            values: floats(&ex["data"]["x"]).into(),
        }],
    )
    .unwrap();
    let fit = logistic_regression(&design, &floats(&ex["data"]["y"]), &Default::default()).unwrap();
    for (i, c) in fit.coefficients.iter().enumerate() {
        assert_close(
            c.estimate.estimate,
            floats(&ex["estimate"])[i],
            PARITY_SOLVED,
            &c.term,
        );
        assert_close(
            c.estimate.std_error,
            floats(&ex["std_error"])[i],
            PARITY_SOLVED,
            &c.term,
        );
    }
    assert_close(
        fit.deviance,
        ex["deviance"].as_f64().unwrap(),
        PARITY_SOLVED,
        "deviance",
    );
}

/// Weighted (survey-like and frequency) and unweighted logistic regression with
/// model-based, HC0/HC1 and clustered CR0/CR1 standard errors, against glm and the
/// sandwich formulas at the final estimate (logistic_weighted.R); sandwich's own
/// values, which lag one iteration, to 1e-6.
#[test]
fn weighted_and_robust_logistic_regression_match_glm_and_sandwich() {
    let fx = load("logistic_weighted.json");
    let data = &fx["data"];
    let design = build_design(
        true,
        &lm_covariates(
            floats(&data["x1"]),
            floats(&data["x2"]),
            strings(&data["g"]),
        ),
    )
    .unwrap();
    let y = floats(&data["y"]);
    let clusters = Clusters::from_labels(&strings(&data["cl"]));
    let survey = floats(&data["w"]);
    let frequency = floats(&data["fw"]);
    for (case, weights) in [
        ("weighted", Some(survey.as_slice())),
        ("frequency", Some(frequency.as_slice())),
        ("unweighted", None),
    ] {
        let r = &fx[case];
        for (se, clustered) in [
            (None, false),
            (Some(SeType::HC0), false),
            (Some(SeType::HC1), false),
            (Some(SeType::CR0), true),
            // The default with clusters.
            (None, true),
        ] {
            let fit = logistic_regression(
                &design,
                &y,
                &LogisticOptions {
                    weights,
                    se_type: se,
                    clusters: clustered.then_some(&clusters),
                    ..Default::default()
                },
            )
            .unwrap();
            let name = match (se, clustered) {
                (None, false) => "classical",
                (None, true) => "CR1",
                (Some(t), _) => match t {
                    SeType::HC0 => "HC0",
                    SeType::HC1 => "HC1",
                    _ => "CR0",
                },
            };
            assert_eq!(fit.weighted, weights.is_some());
            assert_eq!(fit.nclusters, clustered.then_some(18));
            let v = &r["se"][name];
            for (i, c) in fit.coefficients.iter().enumerate() {
                let what = format!("logistic {case} {name} {}", c.term);
                assert_eq!(c.term, strings(&r["term"])[i]);
                let e = &c.estimate;
                assert_close(e.estimate, floats(&r["estimate"])[i], PARITY_SOLVED, &what);
                for (field, ours) in [
                    ("std_error", e.std_error),
                    ("statistic", e.statistic),
                    ("p_value", e.p_value),
                    ("conf_low", e.conf_low),
                    ("conf_high", e.conf_high),
                ] {
                    assert_close(ours, floats(&v[field])[i], PARITY_SOLVED, &what);
                }
                assert_close(e.std_error, floats(&r["sandwich"][name])[i], 1e-6, &what);
            }
            assert_close(
                fit.deviance,
                r["deviance"].as_f64().unwrap(),
                PARITY_SOLVED,
                case,
            );
            assert_close(
                fit.null_deviance,
                r["null_deviance"].as_f64().unwrap(),
                PARITY,
                case,
            );
        }
    }
    // AIC is deviance + 2k, R's own with integer weights; with non-integer ones R
    // rounds the weights inside its likelihood and reports less than the deviance.
    let fit = |weights| {
        logistic_regression(
            &design,
            &y,
            &LogisticOptions {
                weights,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let integer = fit(Some(frequency.as_slice()));
    assert_close(
        integer.aic,
        fx["frequency"]["aic"].as_f64().unwrap(),
        PARITY_SOLVED,
        "aic",
    );
    let survey_fit = fit(Some(survey.as_slice()));
    assert_close(
        survey_fit.aic,
        survey_fit.deviance + 10.0,
        PARITY,
        "aic is deviance + 2k",
    );
    assert!(fx["weighted"]["aic"].as_f64().unwrap() < survey_fit.deviance);
    // Without an intercept the null model is μ = 1/2.
    let no_intercept = build_design(
        false,
        &[
            Covariate::Numeric {
                name: "x1".into(),
                values: floats(&data["x1"]).into(),
            },
            Covariate::Numeric {
                name: "x2".into(),
                values: floats(&data["x2"]).into(),
            },
        ],
    )
    .unwrap();
    let r = &fx["no_intercept"];
    let fit = logistic_regression(
        &no_intercept,
        &y,
        &LogisticOptions {
            weights: Some(&survey),
            ..Default::default()
        },
    )
    .unwrap();
    for (i, c) in fit.coefficients.iter().enumerate() {
        assert_close(
            c.estimate.estimate,
            floats(&r["estimate"])[i],
            PARITY_SOLVED,
            "no intercept",
        );
    }
    assert_close(
        fit.null_deviance,
        r["null_deviance"].as_f64().unwrap(),
        PARITY,
        "null deviance without an intercept",
    );
    assert_close(
        fit.deviance,
        r["deviance"].as_f64().unwrap(),
        PARITY_SOLVED,
        "deviance without an intercept",
    );
}

#[test]
fn logistic_regression_refuses_bad_weights_and_variances() {
    let x: Vec<f64> = (0..20).map(|i| f64::from(i) / 4.0 - 2.0).collect();
    let y: Vec<f64> = (0..20).map(|i| f64::from((i * 7 % 5 < 2) as u8)).collect();
    let design = build_design(
        true,
        &[Covariate::Numeric {
            name: "x".into(),
            values: x.into(),
        }],
    )
    .unwrap();
    let mut weights = vec![1.0; 20];
    weights[6] = -0.5;
    let err = logistic_regression(
        &design,
        &y,
        &LogisticOptions {
            weights: Some(&weights),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, RegressionError::BadWeight { row: 6, value } if value == -0.5),
        "{err}"
    );
    let hc2 = LogisticOptions {
        se_type: Some(SeType::HC2),
        ..Default::default()
    };
    let err = logistic_regression(&design, &y, &hc2).unwrap_err();
    assert!(err.to_string().contains("HC0 or HC1"), "{err}");
    let cr0 = LogisticOptions {
        se_type: Some(SeType::CR0),
        ..Default::default()
    };
    let err = logistic_regression(&design, &y, &cr0).unwrap_err();
    assert!(err.to_string().contains("need clusters"), "{err}");
    let one = Clusters::from_labels(&["a"; 20]);
    let err = logistic_regression(
        &design,
        &y,
        &LogisticOptions {
            clusters: Some(&one),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("two clusters"), "{err}");
}

/// Lin's regression of a three-arm trial in one fit (estimatr's lm_lin with a factor
/// treatment): default and relevelled reference arm, HC2, HC1, weights, CR2, and
/// weights with CR2 (lm_lin_arms.R).
#[test]
fn lm_lin_of_a_multi_arm_trial_matches_estimatr() {
    let fx = load("lm_lin_arms.json");
    let data = &fx["data"];
    let y = floats(&data["y"]);
    let arms = strings(&data["arm"]);
    let w = floats(&data["w"]);
    let clusters = Clusters::from_labels(&strings(&data["cl"]));
    let covariates = lm_covariates(
        floats(&data["x1"]),
        floats(&data["x2"]),
        strings(&data["g"]),
    );
    for r in fx["fits"].as_array().unwrap() {
        let se = se_type(r["se_type"].as_str().unwrap());
        let weighted = r["weights"].is_string();
        let clustered = r["clusters"].is_string();
        let options = LmRobustOptions {
            se_type: (se == SeType::HC1).then_some(se),
            weights: weighted.then_some(w.as_slice()),
            clusters: clustered.then_some(&clusters),
            ..Default::default()
        };
        let fit = lm_lin_arms(
            &y,
            "arm",
            &arms,
            r["reference"].as_str(),
            &covariates,
            None,
            &options,
        )
        .unwrap();
        assert_eq!(fit.se_type, se);
        assert_eq!(
            fit.coefficients
                .iter()
                .map(|c| c.term.clone())
                .collect::<Vec<_>>(),
            strings(&r["term"])
        );
        for (i, c) in fit.coefficients.iter().enumerate() {
            let what = format!(
                "lm_lin arms reference={} {se} weighted={weighted} {}",
                r["reference"], c.term
            );
            check_estimate(&c.estimate, r, i, PARITY, &what);
        }
    }
    let one_arm = vec!["control".to_string(); y.len()];
    let err = lm_lin_arms(
        &y,
        "arm",
        &one_arm,
        None,
        &covariates,
        None,
        &Default::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("at least two arms"), "{err}");
    let err = lm_lin_arms(
        &y,
        "arm",
        &arms,
        Some("phone"),
        &covariates,
        None,
        &Default::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("reference arm"), "{err}");
}
