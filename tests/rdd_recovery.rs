//! The RD engine on simulated data with a known jump: it recovers the jump, its robust
//! intervals cover it at about the nominal rate, the diagnostics find no jump where
//! there is none and a jump where one was planted, and bad input gets a clear error.

use evident::designs::rdd::diagnostics::{
    SENSITIVITY_MULTIPLES, bandwidth_sensitivity, covariate_continuity, placebo_cutoffs,
};
use evident::designs::rdd::{BandwidthChoice, RdData, RdError, RdOptions, estimate};

/// SplitMix64: a self-contained seeded stream so the data never depend on a crate.
struct Stream(u64);

impl Stream {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

struct Sim {
    x: Vec<f64>,
    y: Vec<f64>,
    t: Vec<f64>,
    z_smooth: Vec<f64>,
    z_jump: Vec<f64>,
}

/// Outcome 1 + 0.8x − 0.6x² + `jump`·1[x ≥ 0] + noise; treatment receipt with a
/// 0.6 jump in take-up; a fuzzy outcome with effect `jump` of receipt.
fn simulate(seed: u64, n: usize, jump: f64) -> (Sim, Vec<f64>) {
    let mut s = Stream(seed);
    let mut sim = Sim {
        x: vec![],
        y: vec![],
        t: vec![],
        z_smooth: vec![],
        z_jump: vec![],
    };
    let mut y_fuzzy = vec![];
    for _ in 0..n {
        let x = 2.0 * s.uniform() - 1.0;
        let above = if x >= 0.0 { 1.0 } else { 0.0 };
        let base = 1.0 + 0.8 * x - 0.6 * x * x + 0.5 * s.normal();
        let receipt = if s.uniform() < 0.2 + 0.6 * above {
            1.0
        } else {
            0.0
        };
        sim.x.push(x);
        sim.y.push(base + jump * above);
        sim.t.push(receipt);
        sim.z_smooth.push(0.7 * x + s.normal());
        sim.z_jump.push(0.7 * x + 1.0 * above + s.normal());
        y_fuzzy.push(base + jump * receipt);
    }
    (sim, y_fuzzy)
}

fn sharp(sim: &Sim) -> RdData<'_> {
    RdData {
        running: &sim.x,
        outcome: &sim.y,
        treatment: None,
        covariates: &[],
        cluster: None,
    }
}

#[test]
fn recovers_a_known_sharp_jump() {
    let (sim, _) = simulate(11, 20_000, 0.4);
    let est = estimate(sharp(&sim), &RdOptions::new(0.0)).unwrap();
    assert!((est.conventional.estimate - 0.4).abs() < 0.08, "{est:?}");
    assert!(
        est.robust.ci_lower < 0.4 && 0.4 < est.robust.ci_upper,
        "{est:?}"
    );
    assert!(est.robust.p_value < 1e-6);
    assert!(est.h_left > 0.05 && est.h_left < 1.0);
}

#[test]
fn recovers_a_known_fuzzy_effect() {
    let (sim, y_fuzzy) = simulate(12, 30_000, 0.5);
    let data = RdData {
        running: &sim.x,
        outcome: &y_fuzzy,
        treatment: Some(&sim.t),
        covariates: &[],
        cluster: None,
    };
    let est = estimate(data, &RdOptions::new(0.0)).unwrap();
    let fs = est.first_stage.as_ref().unwrap();
    assert!((fs.conventional.estimate - 0.6).abs() < 0.05, "{fs:?}");
    assert!(fs.f_statistic > 100.0);
    assert!(
        est.robust.ci_lower < 0.5 && 0.5 < est.robust.ci_upper,
        "{est:?}"
    );
    assert!(est.warnings.is_empty(), "{:?}", est.warnings);
}

#[test]
fn robust_intervals_cover_at_about_the_nominal_rate() {
    let reps = 200;
    let mut covered = 0;
    for r in 0..reps {
        let (sim, _) = simulate(1000 + r, 1_500, 0.4);
        let est = estimate(sharp(&sim), &RdOptions::new(0.0)).unwrap();
        if est.robust.ci_lower < 0.4 && 0.4 < est.robust.ci_upper {
            covered += 1;
        }
    }
    // 95% nominal; with 200 replications the binomial 99.9% range is about 0.90–0.99.
    let rate = covered as f64 / reps as f64;
    assert!((0.89..=0.995).contains(&rate), "coverage {rate}");
}

#[test]
fn diagnostics_find_jumps_only_where_planted() {
    let (sim, _) = simulate(21, 20_000, 0.4);
    let covs: Vec<&[f64]> = vec![&sim.z_smooth, &sim.z_jump];
    let data = RdData {
        covariates: &covs,
        ..sharp(&sim)
    };
    let opts = RdOptions::new(0.0);
    let base = estimate(sharp(&sim), &opts).unwrap();

    let table = bandwidth_sensitivity(sharp(&sim), &opts, &base, &SENSITIVITY_MULTIPLES);
    assert_eq!(table.len(), 5);
    let at_one = table[2].result.as_ref().unwrap();
    assert_eq!(at_one.0.estimate, base.conventional.estimate);
    assert_eq!(at_one.1.std_error, base.robust.std_error);
    for row in &table {
        let (conv, _) = row.result.as_ref().unwrap();
        assert!((conv.estimate - 0.4).abs() < 0.15, "{row:?}");
    }

    let placebos = placebo_cutoffs(sharp(&sim), &opts, &[]);
    assert_eq!(placebos.len(), 2);
    assert!(placebos[0].cutoff < -0.4 && placebos[0].side == "below");
    assert!(placebos[1].cutoff > 0.4 && placebos[1].side == "above");
    for p in &placebos {
        let e = p.result.as_ref().unwrap();
        assert!(
            e.robust.p_value > 0.001,
            "placebo at {}: {:?}",
            p.cutoff,
            e.robust
        );
    }

    let continuity = covariate_continuity(data, &opts);
    let smooth = continuity[0].result.as_ref().unwrap();
    let jumping = continuity[1].result.as_ref().unwrap();
    assert!(smooth.robust.p_value > 0.001, "{:?}", smooth.robust);
    assert!(jumping.robust.p_value < 1e-6, "{:?}", jumping.robust);
    assert!((jumping.conventional.estimate - 1.0).abs() < 0.25);
}

#[test]
fn no_observations_on_one_side_is_refused() {
    let x: Vec<f64> = (0..100).map(|i| 1.0 + i as f64).collect();
    let y = x.clone();
    let data = RdData {
        running: &x,
        outcome: &y,
        treatment: None,
        covariates: &[],
        cluster: None,
    };
    let err = estimate(data, &RdOptions::new(0.0)).unwrap_err();
    assert!(matches!(err, RdError::CutoffOutsideRange { .. }), "{err}");
    assert!(err.to_string().contains("no observations on one side"));
}

#[test]
fn fewer_than_ten_in_the_bandwidth_is_refused() {
    let (sim, _) = simulate(31, 200, 0.4);
    let mut opts = RdOptions::new(0.0);
    opts.bandwidth = BandwidthChoice::Fixed {
        h_left: 0.05,
        h_right: 0.05,
        b_left: 0.6,
        b_right: 0.6,
    };
    let err = estimate(sharp(&sim), &opts).unwrap_err();
    assert!(matches!(err, RdError::TooFewInBandwidth { .. }), "{err}");
}

#[test]
fn few_mass_points_are_refused_and_many_are_warned_about() {
    let x: Vec<f64> = (0..300).map(|i| (i % 5) as f64 - 2.0).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|v| v * 0.5 + if *v >= 0.0 { 1.0 } else { 0.0 })
        .collect();
    let data = RdData {
        running: &x,
        outcome: &y,
        treatment: None,
        covariates: &[],
        cluster: None,
    };
    let err = estimate(data, &RdOptions::new(0.0)).unwrap_err();
    assert!(
        matches!(err, RdError::TooFewMassPoints { distinct: 2, .. }),
        "{err}"
    );

    let (sim, _) = simulate(41, 3_000, 0.4);
    let x: Vec<f64> = sim.x.iter().map(|v| (v * 15.0).round() / 15.0).collect();
    let data = RdData {
        running: &x,
        ..sharp(&sim)
    };
    let est = estimate(data, &RdOptions::new(0.0)).unwrap();
    assert!(
        est.warnings.iter().any(|w| w.contains("mass points")),
        "{:?}",
        est.warnings
    );
}

#[test]
fn a_weak_first_stage_is_said_and_no_first_stage_refused() {
    let (sim, y_fuzzy) = simulate(51, 2_000, 0.5);
    let mut s = Stream(99);
    let weak: Vec<f64> = sim
        .x
        .iter()
        .map(|x| {
            let p = 0.5 + if *x >= 0.0 { 0.02 } else { 0.0 };
            if s.uniform() < p { 1.0 } else { 0.0 }
        })
        .collect();
    let data = RdData {
        running: &sim.x,
        outcome: &y_fuzzy,
        treatment: Some(&weak),
        covariates: &[],
        cluster: None,
    };
    let est = estimate(data, &RdOptions::new(0.0)).unwrap();
    assert!(
        est.warnings.iter().any(|w| w.contains("weak first stage")),
        "{:?}",
        est.warnings
    );

    let constant = vec![1.0; sim.x.len()];
    let data = RdData {
        treatment: Some(&constant),
        ..data
    };
    assert_eq!(
        estimate(data, &RdOptions::new(0.0)).unwrap_err(),
        RdError::NoFirstStage
    );
}
