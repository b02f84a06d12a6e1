//! Difference-in-differences: TWFE, event study and pre-trend test against estimatr
//! (tests/reference/did/event_study.R, relative 1e-10: direct least squares on both
//! sides), the 2 × 2 identity, recovery of a known effect, detection of a pre-trend,
//! and the refusals of bad panels.

use evident::designs::did::{DidError, DidOptions, Panel, fit_panel};
use evident::stats::prec::{PARITY, assert_close};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn twfe_event_study_and_pretrend_test_match_estimatr() {
    let path = format!(
        "{}/tests/reference/did/event_study.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let f: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let d = &f["data"];
    let units: Vec<String> = floats(&d["unit"]).iter().map(|u| format!("{u}")).collect();
    let periods: Vec<i64> = floats(&d["period"]).iter().map(|&p| p as i64).collect();
    let covariates = vec![("x".to_string(), floats(&d["x"]))];
    let panel = Panel {
        units: &units,
        periods: &periods,
        outcome: &floats(&d["y"]),
        treated: &floats(&d["d"]),
        covariates: &covariates,
        rows: None,
    };
    let fit = fit_panel(&panel, &DidOptions::default()).unwrap();
    assert_eq!(fit.treatment_period, 6);
    assert!(!fit.balanced);
    assert_eq!(
        (fit.n_units, fit.n_treated_units, fit.n_periods),
        (40, 16, 10)
    );
    let t = &f["twfe"];
    assert_close(
        fit.estimate.estimate,
        t["estimate"].as_f64().unwrap(),
        PARITY,
        "TWFE",
    );
    assert_close(
        fit.estimate.std_error,
        t["std_error"].as_f64().unwrap(),
        PARITY,
        "TWFE se",
    );
    assert_close(
        fit.estimate.df,
        t["df"].as_f64().unwrap(),
        PARITY,
        "TWFE df",
    );
    let times: Vec<i64> = floats(&f["event_times"])
        .iter()
        .map(|&r| r as i64)
        .collect();
    let shown: Vec<i64> = fit.event_study.iter().map(|e| e.event_time).collect();
    assert_eq!(shown, vec![-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]);
    let estimated: Vec<_> = fit
        .event_study
        .iter()
        .filter_map(|e| e.estimate.as_ref().map(|s| (e.event_time, s)))
        .collect();
    assert_eq!(estimated.iter().map(|(r, _)| *r).collect::<Vec<_>>(), times);
    for (j, (r, e)) in estimated.iter().enumerate() {
        assert_close(
            e.estimate,
            floats(&f["event_estimate"])[j],
            PARITY,
            &format!("event {r}"),
        );
        assert_close(
            e.std_error,
            floats(&f["event_std_error"])[j],
            PARITY,
            &format!("event {r} se"),
        );
        assert_close(
            e.df,
            floats(&f["event_df"])[j],
            PARITY,
            &format!("event {r} df"),
        );
    }
    let p = fit.pretrend.unwrap();
    let e = &f["pretrend"];
    assert_close(
        p.statistic,
        e["statistic"].as_f64().unwrap(),
        PARITY,
        "pre-trend F",
    );
    assert_eq!((p.df1, p.df2), (4.0, 39.0));
    assert_close(
        p.p_value,
        e["p_value"].as_f64().unwrap(),
        PARITY,
        "pre-trend p",
    );
    assert!(p.passed);
    assert_eq!(p.leads, vec![-5, -4, -3, -2]);
}

struct Sim {
    units: Vec<String>,
    periods: Vec<i64>,
    y: Vec<f64>,
    d: Vec<f64>,
}

/// Units 0..n, treated = first `treated`, T periods, treatment from t0; a pre-trend of
/// `drift` per period in the treated group before t0.
fn simulate(seed: u64, n: usize, treated: usize, t: i64, t0: i64, effect: f64, drift: f64) -> Sim {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut s = Sim {
        units: vec![],
        periods: vec![],
        y: vec![],
        d: vec![],
    };
    for u in 0..n {
        let alpha: f64 = StandardNormal.sample(&mut rng);
        for p in 1..=t {
            let is_treated = u < treated;
            let on = is_treated && p >= t0;
            let e: f64 = StandardNormal.sample(&mut rng);
            let trend = if is_treated && p < t0 {
                drift * (p - t0) as f64
            } else {
                0.0
            };
            s.units.push(format!("u{u:03}"));
            s.periods.push(p);
            s.d.push(f64::from(u8::from(on)));
            s.y.push(2.0 * alpha + 0.5 * p as f64 + trend + if on { effect } else { 0.0 } + e);
        }
    }
    s
}

fn panel(s: &Sim) -> Panel<'_> {
    Panel {
        units: &s.units,
        periods: &s.periods,
        outcome: &s.y,
        treated: &s.d,
        covariates: &[],
        rows: None,
    }
}

#[test]
fn two_by_two_equals_the_difference_of_mean_changes() {
    let s = simulate(3, 30, 12, 2, 2, 1.0, 0.0);
    let fit = fit_panel(&panel(&s), &DidOptions::default()).unwrap();
    let mean = |treated: bool, period: i64| {
        let v: Vec<f64> = (0..s.y.len())
            .filter(|&i| s.periods[i] == period && (s.units[i].as_str() < "u012") == treated)
            .map(|i| s.y[i])
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let did = (mean(true, 2) - mean(true, 1)) - (mean(false, 2) - mean(false, 1));
    assert_close(fit.estimate.estimate, did, 1e-12, "2x2 DiD");
    assert!(
        fit.pretrend.is_none(),
        "no leads beyond the reference period"
    );
}

#[test]
fn a_known_effect_is_recovered_and_a_pre_trend_is_detected() {
    let s = simulate(11, 400, 150, 12, 7, 2.0, 0.0);
    let fit = fit_panel(&panel(&s), &DidOptions::default()).unwrap();
    assert!(
        (fit.estimate.estimate - 2.0).abs() < 4.0 * fit.estimate.std_error,
        "{:?}",
        fit.estimate
    );
    assert!(fit.estimate.conf_low < 2.0 && 2.0 < fit.estimate.conf_high);
    let pre = fit.pretrend.as_ref().unwrap();
    assert!(pre.passed, "no pre-trend simulated: p = {}", pre.p_value);
    assert_eq!(fit.group_means.len(), 12);

    let drifting = simulate(11, 400, 150, 12, 7, 2.0, 0.4);
    let fit = fit_panel(&panel(&drifting), &DidOptions::default()).unwrap();
    let pre = fit.pretrend.unwrap();
    assert!(
        !pre.passed && pre.p_value < 1e-6,
        "pre-trend of 0.4/period: p = {}",
        pre.p_value
    );
}

#[test]
fn binned_window_marks_its_end_points() {
    let s = simulate(5, 60, 20, 12, 7, 1.0, 0.0);
    let fit = fit_panel(
        &panel(&s),
        &DidOptions {
            leads: Some(3),
            lags: Some(2),
            ..DidOptions::default()
        },
    )
    .unwrap();
    let times: Vec<(i64, bool)> = fit
        .event_study
        .iter()
        .map(|e| (e.event_time, e.binned))
        .collect();
    assert_eq!(
        times,
        vec![
            (-3, true),
            (-2, false),
            (-1, false),
            (0, false),
            (1, false),
            (2, true)
        ]
    );
}

#[test]
fn bad_panels_are_refused_with_a_reason() {
    let s = simulate(1, 10, 4, 6, 4, 1.0, 0.0);
    let mut everyone = s.d.clone();
    for (i, v) in everyone.iter_mut().enumerate() {
        *v = f64::from(u8::from(s.periods[i] >= 4));
    }
    let err = fit_panel(
        &Panel {
            treated: &everyone,
            ..panel(&s)
        },
        &DidOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DidError::NoComparison { ref period } if period.number == 4),
        "{err}"
    );
    let mut off = s.d.clone();
    off[5] = 0.0; // unit u000, period 6
    let err = fit_panel(
        &Panel {
            treated: &off,
            ..panel(&s)
        },
        &DidOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            DidError::SwitchesOff {
                ref period,
                row: 6,
                ..
            } if period.number == 6
        ),
        "{err}"
    );
    assert!(err.to_string().contains("not supported"));
    let mut staggered = s.d.clone();
    staggered[6 + 3] = 0.0; // unit u001 starts at 5
    let err = fit_panel(
        &Panel {
            treated: &staggered,
            ..panel(&s)
        },
        &DidOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, DidError::Staggered { .. }), "{err}");
    assert!(err.to_string().contains("staggered_rollout"));
    let mut dup = s.periods.clone();
    dup[1] = 1;
    let err = fit_panel(
        &Panel {
            periods: &dup,
            ..panel(&s)
        },
        &DidOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            DidError::DuplicateRow {
                ref period,
                first: 1,
                second: 2,
                ..
            } if period.number == 1
        ),
        "{err}"
    );
    let mut first = s.d.clone();
    for (i, v) in first.iter_mut().enumerate() {
        if s.units[i].as_str() < "u004" {
            *v = 1.0;
        }
    }
    let err = fit_panel(
        &Panel {
            treated: &first,
            ..panel(&s)
        },
        &DidOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DidError::NoPrePeriod { ref period } if period.number == 1),
        "{err}"
    );
    let zeros = vec![0.0; s.d.len()];
    let err = fit_panel(
        &Panel {
            treated: &zeros,
            ..panel(&s)
        },
        &DidOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, DidError::NoTreated), "{err}");
}
