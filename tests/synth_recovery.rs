//! Synthetic control: recovery of a known synthetic path and weights on noise-free
//! factor-model data, the placebo p-value's arithmetic, and clear errors on bad panels.

use std::fmt::Write as _;
use std::path::Path;

use evident::designs::synth::{self, Method, Problem, SynthError, fit::fit, panel};
use evident::spec::synth::SynthSpec;

/// Noise-free panel: 12 donors with distinct levels, trends and cycles; the treated unit
/// is 0.6 A02 + 0.4 A07 before 2015 and that plus `effect` from 2015.
fn noise_free(effect: f64) -> (String, Vec<Vec<f64>>) {
    let years: Vec<f64> = (2001..=2020).map(f64::from).collect();
    let mut donors = Vec::new();
    for j in 0..12 {
        let jf = j as f64;
        let level = 30.0 + 3.0 * jf - 0.2 * jf * jf;
        let series: Vec<f64> = years
            .iter()
            .enumerate()
            .map(|(t, _)| {
                let tf = t as f64;
                // Donor-specific frequencies keep the donors' paths linearly
                // independent, so the true weights are the unique answer.
                level
                    + (0.3 + 0.11 * jf) * tf
                    + 3.0 * (tf * (0.35 + 0.13 * jf) + jf).sin()
                    + 2.0 * (tf * (0.9 + 0.21 * jf)).cos()
            })
            .collect();
        donors.push(series);
    }
    let treated: Vec<f64> = (0..years.len())
        .map(|t| {
            0.6 * donors[1][t] + 0.4 * donors[6][t] + if years[t] >= 2015.0 { effect } else { 0.0 }
        })
        .collect();
    let mut csv = String::from("area,year,y\n");
    for (t, year) in years.iter().enumerate() {
        writeln!(csv, "T,{year},{}", treated[t]).unwrap();
        for (j, d) in donors.iter().enumerate() {
            writeln!(csv, "A{:02},{year},{}", j + 1, d[t]).unwrap();
        }
    }
    let mut all = vec![treated];
    all.extend(donors);
    (csv, all)
}

fn spec(json: &str) -> SynthSpec {
    serde_json::from_str(json).unwrap()
}

fn base_spec(fit: &str) -> SynthSpec {
    spec(&format!(
        r#"{{"file": "panel.csv", "unit": "area", "period": "year", "treated": "T",
            "treatment_period": 2015, "fit": "{fit}", "outcome_periods": [2003, 2007, 2011, 2014]}}"#
    ))
}

fn write(dir: &Path, csv: &str) -> std::path::PathBuf {
    let path = dir.join("panel.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn outcome_only_fit_recovers_the_true_weights_and_effect() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, _) = noise_free(-4.0);
    let path = write(dir.path(), &csv);
    let s = base_spec("outcome_only");
    let data = panel::read(&path, &s, "y").unwrap();
    let result = synth::analyse(&data, &s, "y").unwrap();
    let w = &result.fit.weights;
    for (j, expected) in w.iter().enumerate().map(|(j, _)| {
        (
            j,
            match j {
                1 => 0.6,
                6 => 0.4,
                _ => 0.0,
            },
        )
    }) {
        // The noise-free panel is fitted exactly, so the QP's loss is flat to about
        // 1e-12 around the answer and Clarabel's interior-point iterate stops within
        // about sqrt(1e-12) = 1e-6 of it (1.02e-6 seen on this machine): 1e-5 bounds it.
        assert!(
            (w[j] - expected).abs() < 1e-5,
            "donor {j}: {} vs {expected}",
            w[j]
        );
    }
    assert!(
        (result.effect + 4.0).abs() < 1e-5,
        "effect {}",
        result.effect
    );
    assert!(result.pre_rmspe < 1e-5);
    // The treated unit is exactly reproduced before 2015: inside the convex hull.
    assert!(!result.convex_hull.outside);
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(w.iter().all(|x| *x >= 0.0));
}

#[test]
fn nested_and_augmented_fits_recover_the_known_path() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, series) = noise_free(-4.0);
    let path = write(dir.path(), &csv);
    for fit_kind in ["nested", "augmented"] {
        let s = base_spec(fit_kind);
        let data = panel::read(&path, &s, "y").unwrap();
        let result = synth::analyse(&data, &s, "y").unwrap();
        let truth: Vec<f64> = (0..20)
            .map(|t| 0.6 * series[2][t] + 0.4 * series[7][t])
            .collect();
        for (t, (s, y)) in result.fit.synthetic.iter().zip(&truth).enumerate() {
            assert!((s - y).abs() < 1e-3, "{fit_kind}, period {t}: {s} vs {y}");
        }
        assert!(
            (result.effect + 4.0).abs() < 1e-3,
            "{fit_kind}: {}",
            result.effect
        );
    }
}

#[test]
fn placebo_p_value_is_the_rank_over_kept_units_plus_one() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, _) = noise_free(-4.0);
    let path = write(dir.path(), &csv);
    let s = base_spec("outcome_only");
    let data = panel::read(&path, &s, "y").unwrap();
    let result = synth::analyse(&data, &s, "y").unwrap();
    let ps = &result.placebo_space;
    assert_eq!(ps.placebos.len(), 12);
    let at_least = ps
        .placebos
        .iter()
        .filter(|p| p.ratio >= ps.treated_ratio)
        .count();
    assert_eq!(ps.p_value, (1 + at_least) as f64 / 13.0);
    assert_eq!(ps.min_p_value, 1.0 / 13.0);
    // The exact fit makes the treated ratio enormous: it ranks first.
    assert_eq!(ps.rank, 1);
    // Leave-one-out covers exactly the two donors with positive weight.
    let mut dropped: Vec<&str> = result
        .leave_one_out
        .iter()
        .map(|l| l.dropped.as_str())
        .collect();
    dropped.sort();
    assert_eq!(dropped, ["A02", "A07"]);
    // Dropping placebos with a pre-RMSPE over 1x the (near-zero) treated one drops all.
    let mut strict = s.clone();
    strict.drop_placebos_over = Some(1.0);
    let r = synth::analyse(&data, &strict, "y").unwrap();
    assert_eq!(r.placebo_space.kept, 0);
    assert_eq!(r.placebo_space.p_value, 1.0);
}

#[test]
fn placebo_in_time_finds_no_gap_before_the_intervention() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, _) = noise_free(-4.0);
    let path = write(dir.path(), &csv);
    let mut s = base_spec("outcome_only");
    s.placebo_period = Some(2009.0);
    let data = panel::read(&path, &s, "y").unwrap();
    let result = synth::analyse(&data, &s, "y").unwrap();
    let t = result.placebo_time.unwrap();
    assert_eq!(t.period, 2009.0);
    assert!(t.mean_gap.abs() < 1e-4, "{}", t.mean_gap);
}

#[test]
fn qp_weights_lie_on_the_simplex_for_a_point_outside_the_hull() {
    // Treated above every donor: the best convex combination puts all weight on the
    // highest donor.
    let treated = [10.0, 10.0, 10.0, 10.0, 10.0, 10.0];
    let a = [1.0, 2.0, 1.0, 2.0, 1.0, 2.0];
    let b = [5.0, 5.0, 5.0, 5.0, 5.0, 5.0];
    let problem = Problem {
        treated: &treated,
        donors: vec![&a, &b],
        n_pre: 5,
        treated_predictors: Vec::new(),
        donor_predictors: Vec::new(),
    };
    let f = fit(&problem, &Method::OutcomeOnly).unwrap();
    assert!((f.weights[1] - 1.0).abs() < 1e-9, "{:?}", f.weights);
    assert!((f.pre_mspe - 25.0).abs() < 1e-7);
}

fn read_error(csv: &str, spec_json: Option<&str>) -> SynthError {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), csv);
    let s = spec_json.map_or_else(|| base_spec("outcome_only"), spec);
    panel::read(&path, &s, "y").unwrap_err()
}

#[test]
fn bad_panels_get_clear_messages() {
    let (csv, _) = noise_free(0.0);
    // Fewer than 5 pre-periods.
    let e = read_error(
        &csv,
        Some(
            r#"{"file": "panel.csv", "unit": "area", "period": "year", "treated": "T", "treatment_period": 2005}"#,
        ),
    );
    assert!(
        matches!(e, SynthError::TooFewPrePeriods { pre_periods: 4, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("at least 5 pre-periods"));
    // Fewer than 2 donors.
    let e = read_error(
        &csv,
        Some(
            r#"{"file": "panel.csv", "unit": "area", "period": "year", "treated": "T", "treatment_period": 2015, "donors": ["A01"]}"#,
        ),
    );
    assert!(
        matches!(e, SynthError::TooFewDonors { donors: 1, .. }),
        "{e}"
    );
    // Treated unit not in the panel, with a suggestion.
    let e = read_error(
        &csv,
        Some(
            r#"{"file": "panel.csv", "unit": "area", "period": "year", "treated": "A1", "treatment_period": 2015}"#,
        ),
    );
    assert!(e.to_string().contains("is not in column `area`"), "{e}");
    // A donor with a missing outcome.
    let holed = csv.replacen("A05,2010,", "A05,2010,NA,", 1);
    let holed = holed
        .lines()
        .map(|l| {
            if l.starts_with("A05,2010,NA,") {
                "A05,2010,".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let e = read_error(&holed, None);
    assert!(
        matches!(e, SynthError::MissingOutcomes { ref unit, .. } if unit == "A05"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("donor `A05` has no `y` value for period(s) 2010"),
        "{e}"
    );
    // A duplicated unit-period.
    let duplicated = format!("{csv}A03,2004,1.0\n");
    let e = read_error(&duplicated, None);
    assert!(
        matches!(e, SynthError::DuplicateUnitPeriod { ref unit, period, .. } if unit == "A03" && period == 2004.0),
        "{e}"
    );
    assert!(e.to_string().contains("one row per unit and period"));
}
