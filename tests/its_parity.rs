//! Parity of `evident::designs::its` with R and statsmodels (tests/reference/its):
//! segmented regression with sandwich::NeweyWest(lag, prewhite = FALSE, adjust =
//! TRUE) at the default and a given lag, with month effects, on a difference series
//! (comparative ITS); Prais–Winsten iterated by hand in R; Durbin–Watson, R's acf()
//! and Box.test(type = "Ljung-Box"); statsmodels HAC (no correction) for the
//! unadjusted covariance. Tolerance 1e-10 except Prais–Winsten (1e-8: both sides stop
//! iterating when ρ̂ moves by less than 1e-13, and the fixed point is reached to about
//! that precision, which the standard errors inherit through the transform).

use evident::data::periods::PeriodName;
use evident::designs::its::{ErrorModel, ItsError, ItsOptions, Series, fit_series, hac};
use evident::stats::prec::{PARITY, PARITY_SOLVED, assert_close};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/reference/its/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

struct Data {
    periods: Vec<i64>,
    months: Vec<u32>,
    y: Vec<f64>,
    control: Vec<f64>,
    intervention: i64,
}

fn data() -> (Value, Data) {
    let f = load("its.json");
    let d = &f["data"];
    let data = Data {
        periods: floats(&d["period"]).iter().map(|&p| p as i64).collect(),
        months: floats(&d["month"]).iter().map(|&p| p as u32).collect(),
        y: floats(&d["y"]),
        control: floats(&d["control"]),
        intervention: d["intervention"].as_i64().unwrap(),
    };
    (f, data)
}

fn case<'a>(fixture: &'a Value, name: &str) -> &'a Value {
    fixture["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("case {name}"))
}

fn options(data: &Data, lag: Option<usize>, model: ErrorModel) -> ItsOptions {
    ItsOptions {
        intervention: data.intervention,
        hac_lag: lag,
        error_model: model,
        horizons: vec![0, 3, 6, 12],
        ..ItsOptions::default()
    }
}

fn compare(fit: &evident::designs::its::ItsFit, expected: &Value, tol: f64, name: &str) {
    let est = floats(&expected["estimate"]);
    let se = floats(&expected["std_error"]);
    assert_eq!(fit.coefficients.len(), est.len(), "{name}: terms");
    for (j, c) in fit.coefficients.iter().enumerate() {
        assert_close(
            c.estimate.estimate,
            est[j],
            tol,
            &format!("{name} {} estimate", c.term),
        );
        assert_close(
            c.estimate.std_error,
            se[j],
            tol,
            &format!("{name} {} se", c.term),
        );
        assert_close(
            c.estimate.df,
            expected["df"].as_f64().unwrap(),
            PARITY,
            "df",
        );
    }
    for (h, e) in fit
        .horizons
        .iter()
        .zip(expected["horizons"].as_array().unwrap())
    {
        assert_eq!(h.horizon as i64, e["h"].as_i64().unwrap());
        assert_close(
            h.effect.estimate,
            e["effect"].as_f64().unwrap(),
            tol,
            &format!("{name} horizon {}", h.horizon),
        );
        assert_close(
            h.effect.std_error,
            e["std_error"].as_f64().unwrap(),
            tol,
            &format!("{name} horizon {} se", h.horizon),
        );
    }
}

#[test]
fn newey_west_segmented_regression_matches_sandwich() {
    let (fixture, data) = data();
    assert_eq!(hac::default_lag(60), 3);
    assert_eq!(fixture["data"]["lag_rule"].as_u64().unwrap(), 3);
    let series = Series {
        periods: &data.periods,
        outcome: &data.y,
        control: None,
        season: None,
        rows: None,
    };
    let fit = fit_series(&series, &options(&data, None, ErrorModel::OlsHac)).unwrap();
    assert_eq!(fit.hac_lag, Some(3));
    assert!(fit.hac_lag_default);
    assert_eq!((fit.n_pre, fit.n_post), (36, 24));
    let expected = case(&fixture, "ols_hac_adjusted");
    compare(&fit, expected, PARITY, "default lag");
    let ac = &fit.autocorrelation;
    assert_close(
        ac.durbin_watson,
        expected["durbin_watson"].as_f64().unwrap(),
        PARITY,
        "DW",
    );
    for (r, e) in ac.acf.iter().zip(floats(&expected["acf"])) {
        assert_close(*r, e, PARITY, "acf");
    }
    let lb = &expected["ljung_box"];
    assert_close(
        ac.ljung_box.statistic,
        lb["statistic"].as_f64().unwrap(),
        PARITY,
        "Ljung-Box Q",
    );
    assert_close(
        ac.ljung_box.p_value,
        lb["p_value"].as_f64().unwrap(),
        PARITY,
        "Ljung-Box p",
    );

    let fit6 = fit_series(&series, &options(&data, Some(6), ErrorModel::OlsHac)).unwrap();
    compare(&fit6, case(&fixture, "ols_hac_lag6"), PARITY, "lag 6");
}

#[test]
fn unadjusted_newey_west_matches_sandwich_and_statsmodels() {
    let (fixture, data) = data();
    let sm = load("its_statsmodels.json");
    let r = case(&fixture, "ols_hac_unadjusted");
    let fit = fit_series(
        &Series {
            periods: &data.periods,
            outcome: &data.y,
            control: None,
            season: None,
            rows: None,
        },
        &options(&data, None, ErrorModel::OlsHac),
    )
    .unwrap();
    // Evident applies n/(n − k); undo it to compare with adjust = FALSE.
    let factor = (60.0_f64 / 56.0).sqrt();
    for (j, c) in fit.coefficients.iter().enumerate() {
        let unadjusted = c.estimate.std_error / factor;
        assert_close(
            unadjusted,
            floats(&r["std_error"])[j],
            PARITY,
            "sandwich adjust=FALSE",
        );
        assert_close(
            unadjusted,
            floats(&sm["std_error"])[j],
            PARITY,
            "statsmodels HAC",
        );
    }
}

#[test]
fn month_effects_and_comparative_series_match_sandwich() {
    let (fixture, data) = data();
    let seasonal = fit_series(
        &Series {
            periods: &data.periods,
            outcome: &data.y,
            control: None,
            season: Some(&data.months),
            rows: None,
        },
        &options(&data, None, ErrorModel::OlsHac),
    )
    .unwrap();
    compare(
        &seasonal,
        case(&fixture, "ols_hac_seasonal"),
        PARITY,
        "seasonal",
    );
    assert_eq!(seasonal.seasons, (1..=12).collect::<Vec<u32>>());
    let comparative = fit_series(
        &Series {
            periods: &data.periods,
            outcome: &data.y,
            control: Some(&data.control),
            season: None,
            rows: None,
        },
        &options(&data, None, ErrorModel::OlsHac),
    )
    .unwrap();
    assert!(comparative.comparative);
    compare(
        &comparative,
        case(&fixture, "comparative_difference"),
        PARITY,
        "comparative",
    );
}

#[test]
fn prais_winsten_matches_the_hand_iteration_in_r() {
    let (fixture, data) = data();
    let fit = fit_series(
        &Series {
            periods: &data.periods,
            outcome: &data.y,
            control: None,
            season: None,
            rows: None,
        },
        &options(&data, None, ErrorModel::PraisWinsten),
    )
    .unwrap();
    let expected = case(&fixture, "prais_winsten");
    assert_close(
        fit.rho.unwrap(),
        expected["rho"].as_f64().unwrap(),
        PARITY_SOLVED,
        "rho",
    );
    compare(&fit, expected, PARITY_SOLVED, "Prais-Winsten");
    assert_close(
        fit.autocorrelation.durbin_watson,
        expected["durbin_watson_transformed"].as_f64().unwrap(),
        PARITY_SOLVED,
        "DW of the transformed residuals",
    );
}

#[test]
fn rows_are_sorted_before_fitting() {
    let (_, data) = data();
    let mut idx: Vec<usize> = (0..60).collect();
    idx.reverse();
    let periods: Vec<i64> = idx.iter().map(|&i| data.periods[i]).collect();
    let y: Vec<f64> = idx.iter().map(|&i| data.y[i]).collect();
    let a = fit_series(
        &Series {
            periods: &data.periods,
            outcome: &data.y,
            control: None,
            season: None,
            rows: None,
        },
        &options(&data, None, ErrorModel::OlsHac),
    )
    .unwrap();
    let b = fit_series(
        &Series {
            periods: &periods,
            outcome: &y,
            control: None,
            season: None,
            rows: None,
        },
        &options(&data, None, ErrorModel::OlsHac),
    )
    .unwrap();
    assert_eq!(
        a.level_change.estimate.to_bits(),
        b.level_change.estimate.to_bits()
    );
    assert_eq!(
        a.slope_change.std_error.to_bits(),
        b.slope_change.std_error.to_bits()
    );
}

#[test]
fn bad_series_are_refused_with_the_rows_named() {
    let periods: Vec<i64> = (1..=20).collect();
    let y: Vec<f64> = (0..20).map(|i| i as f64).collect();
    let rows: Vec<u64> = (2..=21).collect();
    let opts = ItsOptions {
        intervention: 12,
        ..ItsOptions::default()
    };
    let mut dup = periods.clone();
    dup[5] = 5;
    let err = fit_series(
        &Series {
            periods: &dup,
            outcome: &y,
            control: None,
            season: None,
            rows: Some(&rows),
        },
        &opts,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ItsError::DuplicatePeriod {
                ref period,
                first: 6,
                second: 7
            } if *period == PeriodName::number(5)
        ),
        "{err}"
    );
    let mut gap = periods.clone();
    gap[10] = 100;
    let err = fit_series(
        &Series {
            periods: &gap,
            outcome: &y,
            control: None,
            season: None,
            rows: Some(&rows),
        },
        &opts,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ItsError::Gap {
                ref before,
                before_row: 11,
                ref after,
                after_row: 13
            } if *before == PeriodName::number(10) && *after == PeriodName::number(12)
        ),
        "{err}"
    );
    let s = Series {
        periods: &periods,
        outcome: &y,
        control: None,
        season: None,
        rows: None,
    };
    let err = fit_series(
        &s,
        &ItsOptions {
            intervention: 40,
            ..ItsOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ItsError::InterventionOutside {
                ref intervention,
                ref first,
                ref last,
            } if [intervention, first, last].map(|p| p.number) == [40, 1, 20]
                && intervention.date.is_none()
        ),
        "{err}"
    );
    let err = fit_series(
        &s,
        &ItsOptions {
            intervention: 1,
            ..ItsOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ItsError::TooFewPre {
                found: 0,
                needed: 8
            }
        ),
        "{err}"
    );
    let err = fit_series(
        &s,
        &ItsOptions {
            intervention: 6,
            ..ItsOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ItsError::TooFewPre {
                found: 5,
                needed: 8
            }
        ),
        "{err}"
    );
    let err = fit_series(
        &s,
        &ItsOptions {
            intervention: 19,
            ..ItsOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ItsError::TooFewPost {
                found: 2,
                needed: 3,
                ..
            }
        ),
        "{err}"
    );
    let err = fit_series(
        &s,
        &ItsOptions {
            intervention: 12,
            transition: 2,
            horizons: vec![1],
            ..ItsOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ItsError::HorizonInTransition {
                horizon: 1,
                transition: 2
            }
        ),
        "{err}"
    );
    // Configurable minimum: 5 before is enough when asked for.
    assert!(
        fit_series(
            &s,
            &ItsOptions {
                intervention: 6,
                min_pre: 5,
                ..ItsOptions::default()
            }
        )
        .is_ok()
    );
}
