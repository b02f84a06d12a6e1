//! Staggered roll-out against its references: csdid 0.4.3 (the Python port of R did)
//! for ATT(g, t), the four aggregations and their analytic standard errors; a TWFE
//! fitted by least squares with unit and period dummies and a hand-computed
//! Goodman-Bacon decomposition; the Hussey-Hughes variance against GLS by matrix
//! algebra. Fixtures: tests/reference/staggered/ (make_fixtures.py).

use std::path::Path;

use evident::designs::staggered::{
    self, ComparisonKind, Inference, Panel, Settings, StaggeredError, Timing,
};
use evident::power::stepped_wedge::treatment_variance;
use evident::spec::staggered::{
    BasePeriod, BootstrapSpec, Comparison, Estimation, MultiplierWeights,
};
use serde_json::Value;

const TOL: f64 = 1e-8;

fn folder() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/staggered"
    ))
}

fn fixtures() -> Value {
    serde_json::from_str(&std::fs::read_to_string(folder().join("fixtures.json")).unwrap()).unwrap()
}

fn reference_panel() -> Panel {
    let mut reader = csv::Reader::from_path(folder().join("panel.csv")).unwrap();
    let (mut unit, mut period, mut g, mut y) = (vec![], vec![], vec![], vec![]);
    for row in reader.records() {
        let row = row.unwrap();
        unit.push(row[0].to_string());
        period.push(row[1].parse::<i64>().unwrap());
        g.push(Some(row[2].parse::<i64>().unwrap()));
        y.push(row[3].parse::<f64>().unwrap());
    }
    Panel::from_long(&unit, &period, &y, Timing::FirstTreated(&g)).unwrap()
}

fn close(what: &str, ours: f64, theirs: f64) {
    let scale = theirs.abs().max(1.0);
    assert!(
        (ours - theirs).abs() <= TOL * scale,
        "{what}: ours {ours}, reference {theirs}"
    );
}

fn inference() -> Inference {
    Inference {
        alpha: 0.05,
        bootstrap: BootstrapSpec::default(),
        cluster_of_unit: None,
    }
}

#[test]
fn att_gt_and_aggregations_match_csdid() {
    let panel = reference_panel();
    let fx = fixtures();
    for case in fx["cases"].as_array().unwrap() {
        let settings = Settings {
            comparison: match case["comparison"].as_str().unwrap() {
                "nevertreated" => Comparison::NeverTreated,
                _ => Comparison::NotYetTreated,
            },
            base_period: match case["base_period"].as_str().unwrap() {
                "varying" => BasePeriod::Varying,
                _ => BasePeriod::Universal,
            },
            anticipation: case["anticipation"].as_u64().unwrap() as u32,
            method: Default::default(),
        };
        let label = format!("{settings:?}");
        let result = staggered::analyse(&panel, &settings, &inference()).unwrap();
        let cells = case["cells"].as_array().unwrap();
        assert_eq!(result.cells.len(), cells.len(), "{label}: number of cells");
        for (ours, theirs) in result.cells.iter().zip(cells) {
            assert_eq!(ours.group, theirs["group"].as_i64().unwrap());
            assert_eq!(ours.time, theirs["time"].as_i64().unwrap());
            let what = format!("{label} ATT({}, {})", ours.group, ours.time);
            close(&what, ours.att.unwrap(), theirs["att"].as_f64().unwrap());
            match theirs["se"].as_f64() {
                Some(se) => close(&format!("{what} se"), ours.se.unwrap(), se),
                None => assert!(ours.reference && ours.se.is_none(), "{what}"),
            }
        }
        let aggs = &case["aggregates"];
        let o = &result.overall;
        for (name, ours) in [
            ("simple", o.simple),
            ("group", o.cohort_weighted),
            ("dynamic", o.event_time_mean),
            ("calendar", o.calendar_mean),
        ] {
            close(
                &format!("{label} {name} overall"),
                ours.0,
                aggs[name]["overall_att"].as_f64().unwrap(),
            );
            close(
                &format!("{label} {name} overall se"),
                ours.1,
                aggs[name]["overall_se"].as_f64().unwrap(),
            );
        }
        for (name, effects) in [
            ("group", &result.by_cohort),
            ("dynamic", &result.event_time),
            ("calendar", &result.calendar),
        ] {
            let keys = aggs[name]["keys"].as_array().unwrap();
            assert_eq!(effects.len(), keys.len(), "{label} {name}: count");
            for (i, e) in effects.iter().enumerate() {
                assert_eq!(e.key, keys[i].as_i64().unwrap(), "{label} {name} key");
                let what = format!("{label} {name} {}", e.key);
                close(&what, e.estimate, aggs[name]["att"][i].as_f64().unwrap());
                match aggs[name]["se"][i].as_f64() {
                    Some(se) => close(&format!("{what} se"), e.se, se),
                    None => assert_eq!(e.se, 0.0, "{what}: the reference cell has no variance"),
                }
            }
        }
    }
}

#[test]
fn bacon_decomposition_matches_the_hand_computation_and_sums_to_twfe() {
    let panel = reference_panel();
    let fx = fixtures();
    let twfe = staggered::twfe::twfe(&panel);
    close(
        "TWFE (within) vs LSDV",
        twfe.estimate,
        fx["bacon"]["twfe"].as_f64().unwrap(),
    );
    let terms = fx["bacon"]["terms"].as_array().unwrap();
    assert_eq!(twfe.decomposition.len(), terms.len());
    for (ours, theirs) in twfe.decomposition.iter().zip(terms) {
        let kind = match theirs["kind"].as_str().unwrap() {
            "treated_vs_never" => ComparisonKind::TreatedVsNever,
            "earlier_vs_later" => ComparisonKind::EarlierVsLater,
            _ => ComparisonKind::LaterVsEarlier,
        };
        assert_eq!(ours.kind, kind);
        assert_eq!(ours.treated, theirs["treated"].as_i64().unwrap());
        assert_eq!(ours.comparison, theirs["comparison"].as_i64());
        close(
            "2x2 estimate",
            ours.estimate,
            theirs["estimate"].as_f64().unwrap(),
        );
        close(
            "2x2 weight",
            ours.weight,
            theirs["weight"].as_f64().unwrap(),
        );
    }
    let weights: f64 = twfe.decomposition.iter().map(|t| t.weight).sum();
    let sum: f64 = twfe
        .decomposition
        .iter()
        .map(|t| t.weight * t.estimate)
        .sum();
    assert!((weights - 1.0).abs() < 1e-12, "weights sum to {weights}");
    assert!(
        (sum - twfe.estimate).abs() < 1e-12,
        "{sum} vs {}",
        twfe.estimate
    );
}

#[test]
fn hussey_hughes_closed_form_matches_gls() {
    for case in fixtures()["stepped_wedge"].as_array().unwrap() {
        let steps = case["steps"].as_u64().unwrap() as usize;
        let per = case["clusters_per_step"].as_u64().unwrap() as usize;
        let design = evident::power::stepped_wedge::SteppedWedge {
            steps,
            clusters_per_step: per,
            cluster_period_size: 1.0,
            icc: 0.0,
        };
        let (clusters, periods, x) = design.treatment_matrix();
        let ours = treatment_variance(
            clusters,
            periods,
            &x,
            case["sigma2"].as_f64().unwrap(),
            case["tau2"].as_f64().unwrap(),
        );
        close(
            "Hussey-Hughes variance",
            ours,
            case["variance"].as_f64().unwrap(),
        );
    }
}

#[test]
fn bootstrap_bands_are_seeded_and_agree_with_the_analytic_errors() {
    let panel = reference_panel();
    let settings = Settings {
        comparison: Comparison::NeverTreated,
        anticipation: 0,
        base_period: BasePeriod::Varying,
        method: Default::default(),
    };
    let a = staggered::analyse(&panel, &settings, &inference()).unwrap();
    let b = staggered::analyse(&panel, &settings, &inference()).unwrap();
    assert_eq!(a.event_time, b.event_time, "same seed, same bands");
    assert_eq!(a.by_cohort, b.by_cohort, "same seed, same bands");
    let mut other = inference();
    other.bootstrap.seed += 1;
    let c = staggered::analyse(&panel, &settings, &other).unwrap();
    assert_ne!(a.event_time_critical_value, c.event_time_critical_value);
    // The uniform critical value lies between the pointwise and the Bonferroni one.
    let k = a.event_time.len() as f64;
    let z = 1.959_963_984_540_054;
    let bonferroni = evident::stats::distributions::normal::quantile(1.0 - 0.025 / k).unwrap();
    for cv in [a.event_time_critical_value, c.event_time_critical_value] {
        assert!(cv > z && cv < bonferroni * 1.05, "critical value {cv}");
    }
    // Bootstrap SEs (IQR-based, 999 draws) within 15% of the analytic ones.
    for e in &a.event_time {
        let boot = (e.band.unwrap().1 - e.estimate) / a.event_time_critical_value;
        assert!(
            (boot / e.se - 1.0).abs() < 0.15,
            "e = {}: {boot} vs {}",
            e.key,
            e.se
        );
    }
    let mut rademacher = inference();
    rademacher.bootstrap.weights = MultiplierWeights::Rademacher;
    let r = staggered::analyse(&panel, &settings, &rademacher).unwrap();
    assert!(r.event_time_critical_value > z);
}

/// Long rows of a deterministic panel: `cohort(i)` gives unit i's first-treatment
/// period (None for never), `effect(g, t)` the true effect.
fn simulate(
    units: usize,
    periods: i64,
    cohort: impl Fn(usize) -> Option<i64>,
    effect: impl Fn(i64, i64) -> f64,
) -> (Vec<String>, Vec<i64>, Vec<f64>, Vec<Option<i64>>) {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut noise = move || {
        // SplitMix64, then a uniform in (-0.5, 0.5): enough for a known-truth test.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let (mut u, mut p, mut y, mut g) = (vec![], vec![], vec![], vec![]);
    for i in 0..units {
        let level = 3.0 * noise();
        for t in 1..=periods {
            let treated = cohort(i).filter(|&c| t >= c);
            let value = level + 0.2 * t as f64 + treated.map_or(0.0, |c| effect(c, t)) + noise();
            u.push(format!("a{i}"));
            p.push(t);
            y.push(value);
            g.push(cohort(i));
        }
    }
    (u, p, y, g)
}

#[test]
fn recovers_a_known_effect_where_twfe_is_biased() {
    // Effects grow with time since treatment, so later-vs-earlier comparisons use
    // already-treated units whose effect is still growing: TWFE is pulled down.
    let cohort = |i: usize| match i % 4 {
        0 => Some(3),
        1 => Some(5),
        2 => Some(7),
        _ => None,
    };
    let effect = |g: i64, t: i64| 1.0 + 0.8 * (t - g) as f64;
    let (u, p, y, g) = simulate(2000, 8, cohort, effect);
    let panel = Panel::from_long(&u, &p, &y, Timing::FirstTreated(&g)).unwrap();
    for comparison in [Comparison::NeverTreated, Comparison::NotYetTreated] {
        let settings = Settings {
            comparison,
            anticipation: 0,
            base_period: BasePeriod::Varying,
            method: Default::default(),
        };
        let result = staggered::analyse(&panel, &settings, &inference()).unwrap();
        // True simple ATT: post cells weighted by cohort size (equal cohorts here).
        let cells: Vec<(i64, i64)> = [3, 5, 7]
            .iter()
            .flat_map(|&g| (g..=8).map(move |t| (g, t)))
            .collect();
        let truth = cells.iter().map(|&(g, t)| effect(g, t)).sum::<f64>() / cells.len() as f64;
        let (simple, se) = result.overall.simple;
        assert!(
            (simple - truth).abs() < 4.0 * se,
            "CS {simple} vs truth {truth} (se {se})"
        );
        for e in result.event_time.iter().filter(|e| e.key >= 0) {
            let true_e = 1.0 + 0.8 * e.key as f64;
            assert!((e.estimate - true_e).abs() < 4.0 * e.se, "e = {}", e.key);
        }
        let pre = result.pre_trend.as_ref().unwrap();
        assert!(pre.p_value > 0.001, "no pre-trend was built in: {pre:?}");
        let twfe = &result.twfe;
        assert!(
            truth - twfe.estimate > 1.0,
            "TWFE {} should be biased below {truth}",
            twfe.estimate
        );
        assert!(twfe.forbidden_weight() > 0.1);
        let sum: f64 = twfe
            .decomposition
            .iter()
            .map(|t| t.weight * t.estimate)
            .sum();
        assert!((sum - twfe.estimate).abs() < 1e-10);
    }
}

#[test]
fn a_pre_trend_is_detected() {
    // Cohort 5 drifts upwards before it is treated: parallel trends fail.
    let cohort = |i: usize| if i.is_multiple_of(2) { Some(5) } else { None };
    let (u, p, mut y, g) = simulate(600, 8, cohort, |_, _| 1.0);
    for (row, value) in y.iter_mut().enumerate() {
        if g[row] == Some(5) {
            *value += 0.5 * p[row] as f64;
        }
    }
    let panel = Panel::from_long(&u, &p, &y, Timing::FirstTreated(&g)).unwrap();
    let settings = Settings {
        comparison: Comparison::NeverTreated,
        anticipation: 0,
        base_period: BasePeriod::Varying,
        method: Default::default(),
    };
    let result = staggered::analyse(&panel, &settings, &inference()).unwrap();
    assert!(result.pre_trend.unwrap().p_value < 1e-6);
}

fn error_of(u: &[&str], p: &[i64], timing: Timing<'_>, comparison: Comparison) -> StaggeredError {
    let u: Vec<String> = u.iter().map(|s| s.to_string()).collect();
    let y = vec![1.0; u.len()];
    let settings = Settings {
        comparison,
        anticipation: 0,
        base_period: BasePeriod::Varying,
        method: Default::default(),
    };
    match Panel::from_long(&u, p, &y, timing) {
        Err(e) => e,
        Ok(panel) => staggered::analyse(&panel, &settings, &inference()).unwrap_err(),
    }
}

#[test]
fn bad_input_gets_a_clear_message() {
    let units = ["a", "a", "a", "b", "b", "b"];
    let periods = [1, 2, 3, 1, 2, 3];
    // Every unit treated at once.
    let g = [Some(2); 6];
    let e = error_of(
        &units,
        &periods,
        Timing::FirstTreated(&g),
        Comparison::NotYetTreated,
    );
    assert!(
        matches!(&e, StaggeredError::AllTreatedAtOnce { period } if period.number == 2),
        "{e}"
    );
    // No never-treated units when they are asked for.
    let g = [Some(2), Some(2), Some(2), Some(3), Some(3), Some(3)];
    let e = error_of(
        &units,
        &periods,
        Timing::FirstTreated(&g),
        Comparison::NeverTreated,
    );
    assert!(e.to_string().contains("not_yet_treated"), "{e}");
    // ... but not-yet-treated works, and leaves the last cohort's own cells unestimated.
    let u: Vec<String> = units.iter().map(|s| s.to_string()).collect();
    let panel = Panel::from_long(
        &u,
        &periods,
        &[1.0, 2.0, 4.0, 1.0, 2.5, 3.0],
        Timing::FirstTreated(&g),
    )
    .unwrap();
    let settings = Settings {
        comparison: Comparison::NotYetTreated,
        anticipation: 0,
        base_period: BasePeriod::Varying,
        method: Default::default(),
    };
    let result = staggered::analyse(&panel, &settings, &inference()).unwrap();
    assert!(
        result.notes[0].contains("not estimated"),
        "{:?}",
        result.notes
    );
    // Treatment switching off, naming the unit.
    let d = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
    let e = error_of(
        &units,
        &periods,
        Timing::Indicator(&d),
        Comparison::NeverTreated,
    );
    assert!(
        matches!(&e, StaggeredError::SwitchesOff { units, .. } if units == "a"),
        "{e}"
    );
    // Duplicated unit-period, naming the rows.
    let e = error_of(
        &["a", "a", "b"],
        &[1, 1, 1],
        Timing::Indicator(&[0.0; 3]),
        Comparison::NeverTreated,
    );
    assert_eq!(
        e.to_string(),
        "unit a appears more than once in period 1 (rows 1, 2); each unit-period must be one row"
    );
    // A cohort with no pre-period.
    let g = [Some(1), Some(1), Some(1), None, None, None];
    let e = error_of(
        &units,
        &periods,
        Timing::FirstTreated(&g),
        Comparison::NeverTreated,
    );
    assert!(
        matches!(&e, StaggeredError::NoPrePeriod { cohort, units, .. } if cohort.number == 1 && units == "a"),
        "{e}"
    );
    // Gaps.
    let e = error_of(
        &["a", "a", "b"],
        &[1, 2, 1],
        Timing::Indicator(&[0.0; 3]),
        Comparison::NeverTreated,
    );
    assert!(
        matches!(&e, StaggeredError::Unbalanced { missing: 1, unit, period } if unit == "b" && period.number == 2),
        "{e}"
    );
}

#[test]
fn grade_names_the_pre_trend_and_the_report_shows_twfe_bias() {
    use evident::evidence::staggered::{StaggeredGradeInput, criteria, held_down_by};
    use evident::spec::{Direction, Thresholds};
    let thresholds = Thresholds::default();
    let input = StaggeredGradeInput {
        better: Direction::Higher,
        thresholds: &thresholds,
        randomised_timing: false,
        outcome_sd: 1.0,
    };
    let settings = Settings {
        comparison: Comparison::NeverTreated,
        anticipation: 0,
        base_period: BasePeriod::Varying,
        method: Default::default(),
    };
    // Parallel trends hold: every level-3 criterion passes.
    let cohort = |i: usize| match i % 4 {
        0 => Some(3),
        1 => Some(5),
        2 => Some(7),
        _ => None,
    };
    let (u, p, y, g) = simulate(2000, 8, cohort, |g, t| 1.0 + 0.8 * (t - g) as f64);
    let panel = Panel::from_long(&u, &p, &y, Timing::FirstTreated(&g)).unwrap();
    let good = staggered::analyse(&panel, &settings, &inference()).unwrap();
    let graded = criteria(&good, &input);
    assert!(graded.iter().all(|c| c.status.passes()), "{graded:?}");
    assert_eq!(held_down_by(&graded), None);
    let md = evident::report::staggered::markdown(&good, "score");
    assert!(md.contains(&evident::report::format::significant(good.twfe.estimate, 3)));
    assert!(
        md.contains("should not be used here"),
        "TWFE is far from CS here:\n{md}"
    );
    assert!(md.contains("later vs earlier treated"));
    let chart = evident::report::staggered::event_time_chart(&good, "score");
    assert!(chart.svg.contains("<title") && chart.svg.contains("<circle"));

    // A pre-trend: the grade is held at level 2 and the test is named.
    let cohort = |i: usize| if i.is_multiple_of(2) { Some(5) } else { None };
    let (u, p, mut y, g) = simulate(600, 8, cohort, |_, _| 1.0);
    for (row, value) in y.iter_mut().enumerate() {
        if g[row] == Some(5) {
            *value += 0.5 * p[row] as f64;
        }
    }
    let panel = Panel::from_long(&u, &p, &y, Timing::FirstTreated(&g)).unwrap();
    let bad = staggered::analyse(&panel, &settings, &inference()).unwrap();
    let graded = criteria(&bad, &input);
    let held = held_down_by(&graded).unwrap();
    assert!(
        held.starts_with("Parallel pre-trends (not met): pre-trend test"),
        "{held}"
    );
    // With randomised timing (a stepped-wedge trial) the pre-trend does not apply.
    let randomised = StaggeredGradeInput {
        randomised_timing: true,
        ..input
    };
    let graded = criteria(&bad, &randomised);
    assert!(
        !held_down_by(&graded)
            .unwrap_or_default()
            .contains("pre-trend")
    );
}

#[test]
fn programme_rollout_example_recovers_its_known_effects_and_twfe_does_not() {
    let folder = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/programme-rollout/data"
    ));
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("truth.json")).unwrap()).unwrap();
    let mut reader = csv::Reader::from_path(folder.join("panel.csv")).unwrap();
    let (mut unit, mut period, mut g, mut y) = (vec![], vec![], vec![], vec![]);
    for row in reader.records() {
        let row = row.unwrap();
        unit.push(row[0].to_string());
        period.push(row[1].parse::<i64>().unwrap());
        g.push(Some(row[2].parse::<i64>().unwrap()));
        y.push(row[3].parse::<f64>().unwrap());
    }
    let panel = Panel::from_long(&unit, &period, &y, Timing::FirstTreated(&g)).unwrap();
    let settings = Settings {
        comparison: Comparison::NotYetTreated,
        anticipation: 0,
        base_period: BasePeriod::Varying,
        method: Default::default(),
    };
    let result = staggered::analyse(&panel, &settings, &inference()).unwrap();
    let (overall, se) = result.overall.cohort_weighted;
    let true_overall = truth["overall_cohort_weighted"].as_f64().unwrap();
    assert!(
        (overall - true_overall).abs() < 3.0 * se,
        "{overall} vs {true_overall} (se {se})"
    );
    for e in &result.by_cohort {
        let t = truth["cohort_effects"][e.key.to_string()].as_f64().unwrap();
        assert!(
            (e.estimate - t).abs() < 4.0 * e.se,
            "cohort {}: {} vs {t}",
            e.key,
            e.estimate
        );
    }
    for e in result.event_time.iter().filter(|e| e.key >= 0) {
        let t = truth["event_time_effects"][e.key.to_string()]
            .as_f64()
            .unwrap();
        let (low, high) = e.band.unwrap();
        assert!(
            low < t && t < high,
            "event time {}: band {low}..{high} misses {t}",
            e.key
        );
    }
    // TWFE is biased: off by more than 5 standard errors of the CS estimate.
    let twfe = result.twfe.estimate;
    assert!(
        (twfe - true_overall).abs() > 5.0 * se,
        "TWFE {twfe} vs {true_overall}"
    );
    assert!(result.pre_trend.unwrap().p_value > 0.01);
}

#[test]
fn hussey_hughes_variance_and_power_hold_in_a_monte_carlo() {
    use evident::power::stepped_wedge::SteppedWedge;
    use nalgebra::{DMatrix, DVector};
    // 4 steps × 3 clusters, 10 people per cluster-period, ICC 0.1: in SD units the
    // cluster-period mean has residual variance 0.9/10 and cluster variance 0.1.
    let design = SteppedWedge {
        steps: 4,
        clusters_per_step: 3,
        cluster_period_size: 10.0,
        icc: 0.1,
    };
    let (clusters, periods, x) = design.treatment_matrix();
    let (sigma2, tau2, theta) = (0.09, 0.1, 0.4);
    let v = DMatrix::<f64>::identity(periods, periods) * sigma2
        + DMatrix::<f64>::from_element(periods, periods, tau2);
    let v_inv = v.try_inverse().unwrap();
    let z_of = |i: usize| {
        let mut z = DMatrix::<f64>::zeros(periods, periods + 1);
        for j in 0..periods {
            z[(j, j)] = 1.0;
            z[(j, periods)] = x[i * periods + j];
        }
        z
    };
    let mut info = DMatrix::<f64>::zeros(periods + 1, periods + 1);
    for i in 0..clusters {
        let z = z_of(i);
        info += z.transpose() * &v_inv * &z;
    }
    let info_inv = info.try_inverse().unwrap();
    let mut state = 42u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (((z ^ (z >> 31)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut normal = move || {
        let (u1, u2) = (uniform(), uniform());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    };
    let variance = design.variance();
    let reps = 4000;
    let (mut sum, mut sum2, mut rejected) = (0.0, 0.0, 0usize);
    for _ in 0..reps {
        let mut score = DVector::<f64>::zeros(periods + 1);
        for i in 0..clusters {
            let alpha = tau2.sqrt() * normal();
            let y = DVector::from_iterator(
                periods,
                (0..periods).map(|j| {
                    0.1 * j as f64 + theta * x[i * periods + j] + alpha + sigma2.sqrt() * normal()
                }),
            );
            score += z_of(i).transpose() * &v_inv * y;
        }
        let estimate = (&info_inv * score)[periods];
        sum += estimate;
        sum2 += estimate * estimate;
        if (estimate / variance.sqrt()).abs() > 1.959_963_984_540_054 {
            rejected += 1;
        }
    }
    let mean = sum / reps as f64;
    let empirical = (sum2 - reps as f64 * mean * mean) / (reps - 1) as f64;
    // A sample variance from 4,000 draws has relative SE sqrt(2/3999) ≈ 2.2%.
    assert!(
        (empirical / variance - 1.0).abs() < 4.0 * (2.0 / 3999.0f64).sqrt(),
        "{empirical} vs {variance}"
    );
    assert!((mean - theta).abs() < 4.0 * (variance / reps as f64).sqrt());
    let power = design.power(theta, 0.05);
    let rate = rejected as f64 / reps as f64;
    assert!(
        (rate - power).abs() < 4.0 * (power * (1.0 - power) / reps as f64).sqrt(),
        "{rate} vs {power}"
    );
}

/// The TWFE coefficient beside the staggered analysis carries estimatr's CR2
/// inference: `lm_robust(y ~ d, fixed_effects = ~ unit + period, clusters = unit |
/// cluster of 4 units, se_type = "CR2")` (tests/reference/staggered/twfe_cr2.R), at
/// relative 1e-10 as for the DiD fixtures: both solve the same least-squares problem
/// directly.
#[test]
fn twfe_cr2_inference_matches_estimatr() {
    let panel = reference_panel();
    let fx: Value =
        serde_json::from_str(&std::fs::read_to_string(folder().join("twfe_cr2.json")).unwrap())
            .unwrap();
    let by_four: Vec<usize> = (0..panel.n_units()).map(|u| u / 4).collect();
    for case in fx["cases"].as_array().unwrap() {
        let clusters = match case["clusters"].as_str().unwrap() {
            "unit" => None,
            _ => Some(by_four.as_slice()),
        };
        let ours = staggered::twfe::twfe_cr2(&panel, clusters, 0.95).unwrap();
        let name = case["name"].as_str().unwrap();
        for (what, value) in [
            ("estimate", ours.estimate),
            ("std_error", ours.std_error),
            ("df", ours.df),
            ("p_value", ours.p_value),
            ("conf_low", ours.conf_low),
            ("conf_high", ours.conf_high),
        ] {
            let theirs = case[what].as_f64().unwrap();
            let scale = theirs.abs().max(f64::MIN_POSITIVE);
            assert!(
                (value - theirs).abs() <= 1e-10 * scale,
                "{name} {what}: ours {value}, estimatr {theirs}"
            );
        }
    }
    // The whole analysis carries it, at the analysis's confidence level.
    let settings = Settings {
        comparison: Comparison::NeverTreated,
        anticipation: 0,
        base_period: BasePeriod::Varying,
        method: Default::default(),
    };
    let result = staggered::analyse(&panel, &settings, &inference()).unwrap();
    let cr2 = result.twfe.inference.as_ref().expect("CR2 computed");
    assert!((cr2.estimate - result.twfe.estimate).abs() < 1e-10);
    assert_eq!(
        cr2.std_error.to_bits(),
        staggered::twfe::twfe_cr2(&panel, None, 0.95)
            .unwrap()
            .std_error
            .to_bits()
    );
}

fn close_covariates(what: &str, ours: f64, theirs: f64) {
    let scale = theirs.abs().max(1.0);
    assert!(
        (ours - theirs).abs() <= 1e-10 * scale,
        "{what}: ours {ours}, csdid {theirs}"
    );
}

/// The covariate panel with its long unit and period columns and its covariates.
type CovariatePanel = (Panel, Vec<String>, Vec<i64>, Vec<(String, Vec<f64>)>);

fn covariate_panel() -> CovariatePanel {
    let mut reader = csv::Reader::from_path(folder().join("panel_covariates.csv")).unwrap();
    let (mut unit, mut period, mut g, mut y) = (vec![], vec![], vec![], vec![]);
    let (mut x1, mut x2) = (vec![], vec![]);
    for row in reader.records() {
        let row = row.unwrap();
        unit.push(row[0].to_string());
        period.push(row[1].parse::<i64>().unwrap());
        g.push(Some(row[2].parse::<i64>().unwrap()));
        x1.push(row[3].parse::<f64>().unwrap());
        x2.push(row[4].parse::<f64>().unwrap());
        y.push(row[5].parse::<f64>().unwrap());
    }
    let mut panel = Panel::from_long(&unit, &period, &y, Timing::FirstTreated(&g)).unwrap();
    let columns = vec![("x1".to_string(), x1), ("x2".to_string(), x2)];
    let varying = panel.set_covariates(&unit, &period, &columns).unwrap();
    assert!(varying.is_empty());
    (panel, unit, period, columns)
}

/// Callaway-Sant'Anna with covariates against csdid 0.4.3 (`xformla = "~ x1 + x2"`,
/// `est_method` "reg" and "dr", never- and not-yet-treated comparisons):
/// tests/reference/staggered/make_covariate_fixtures.py, at relative 1e-10 (the
/// brief's default; everything agrees to 1e-13 in fact, although csdid's logit stops
/// at statsmodels' deviance tolerance, because Newton's method converges
/// quadratically and the last IRLS step lands on the optimum).
#[test]
fn covariates_outcome_regression_and_doubly_robust_match_csdid() {
    let (panel, ..) = covariate_panel();
    let fx: Value = serde_json::from_str(
        &std::fs::read_to_string(folder().join("covariate_fixtures.json")).unwrap(),
    )
    .unwrap();
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let settings = Settings {
            comparison: match case["comparison"].as_str().unwrap() {
                "nevertreated" => Comparison::NeverTreated,
                _ => Comparison::NotYetTreated,
            },
            anticipation: 0,
            base_period: BasePeriod::Varying,
            method: match case["method"].as_str().unwrap() {
                "reg" => Estimation::OutcomeRegression,
                _ => Estimation::DoublyRobust,
            },
        };
        let label = format!("{settings:?}");
        let result = staggered::analyse(&panel, &settings, &inference()).unwrap();
        assert_eq!(result.covariates, ["x1", "x2"]);
        let cells = case["cells"].as_array().unwrap();
        assert_eq!(result.cells.len(), cells.len(), "{label}");
        for (ours, theirs) in result.cells.iter().zip(cells) {
            assert_eq!(ours.group, theirs["group"].as_i64().unwrap());
            assert_eq!(ours.time, theirs["time"].as_i64().unwrap());
            let what = format!("{label} ATT({}, {})", ours.group, ours.time);
            close_covariates(&what, ours.att.unwrap(), theirs["att"].as_f64().unwrap());
            close_covariates(
                &format!("{what} se"),
                ours.se.unwrap(),
                theirs["se"].as_f64().unwrap(),
            );
        }
        let aggs = &case["aggregates"];
        let o = &result.overall;
        for (name, ours) in [
            ("simple", o.simple),
            ("group", o.cohort_weighted),
            ("dynamic", o.event_time_mean),
        ] {
            close_covariates(
                &format!("{label} {name}"),
                ours.0,
                aggs[name]["overall_att"].as_f64().unwrap(),
            );
            close_covariates(
                &format!("{label} {name} se"),
                ours.1,
                aggs[name]["overall_se"].as_f64().unwrap(),
            );
        }
        for (name, ours) in [
            ("group", &result.by_cohort),
            ("dynamic", &result.event_time),
        ] {
            let keys = aggs[name]["keys"].as_array().unwrap();
            assert_eq!(ours.len(), keys.len(), "{label} {name}");
            for (j, e) in ours.iter().enumerate() {
                assert_eq!(e.key, keys[j].as_i64().unwrap());
                close_covariates(
                    &format!("{label} {name} {}", e.key),
                    e.estimate,
                    aggs[name]["att"][j].as_f64().unwrap(),
                );
                close_covariates(
                    &format!("{label} {name} {} se", e.key),
                    e.se,
                    aggs[name]["se"][j].as_f64().unwrap(),
                );
            }
        }
    }
}

/// A covariate that changes within a unit is reported with the unit and its rows (the
/// analysis refuses it unless base-period values are asked for), and a missing value
/// names its row.
#[test]
fn time_varying_and_missing_covariates_are_named() {
    let (mut panel, unit, period, mut columns) = covariate_panel();
    // Unit u002's x1 moves in its fourth period (row 10 of the file, index 9).
    columns[0].1[9] += 1.0;
    let varying = panel.set_covariates(&unit, &period, &columns).unwrap();
    assert_eq!(varying.len(), 1);
    assert_eq!(varying[0].name, "x1");
    assert_eq!(varying[0].unit, "u002");
    assert_eq!(varying[0].units, 1);
    assert_eq!(varying[0].rows, (6, 9));
    columns[1].1[13] = f64::NAN;
    let error = panel.set_covariates(&unit, &period, &columns).unwrap_err();
    assert_eq!(
        error.to_string(),
        "covariate x2 is missing or not finite for unit u003 in period 2 (row 14)"
    );
}
