//! Stepped-wedge power against an independent computation: R's GLS variance of the
//! Hussey and Hughes (2007) model by matrix algebra (tests/reference/stepped_wedge/
//! hussey_hughes.R), with power, MDES and clusters needed; and the simulation check
//! (the simulated power of the same design within Monte Carlo error of the closed
//! form).

use std::path::Path;

use evident::power::mdes::Targets;
use evident::power::simulate::{SteppedWedgeSimulation, diagnose_stepped_wedge};
use evident::power::stepped_wedge::{SteppedWedge, SteppedWedgeQuestion, solve_stepped_wedge};
use serde_json::Value;

/// Relative tolerance: the brief's 1e-10. R's MDES comes from uniroot at tol 1e-14 on
/// a shift of order 3, so it is exact to about 1e-14 as well.
const TOL: f64 = 1e-10;

fn cases() -> Vec<Value> {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/stepped_wedge/hussey_hughes.json"
    ));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["cases"].as_array().unwrap().clone()
}

fn close(what: &str, ours: f64, theirs: f64) {
    let scale = theirs.abs().max(1e-300);
    assert!(
        (ours - theirs).abs() <= TOL * scale,
        "{what}: ours {ours}, R {theirs}, relative error {}",
        (ours - theirs).abs() / scale
    );
}

fn f(case: &Value, key: &str) -> f64 {
    case[key].as_f64().unwrap()
}

fn question(
    case: &Value,
    clusters: Option<f64>,
    effect: Option<f64>,
    power: Option<f64>,
) -> SteppedWedgeQuestion {
    SteppedWedgeQuestion {
        steps: f(case, "steps") as usize,
        clusters,
        cluster_period_size: f(case, "m"),
        icc: f(case, "icc"),
        targets: Targets {
            effect,
            alpha: f(case, "alpha"),
            power,
            two_sided: true,
        },
    }
}

#[test]
fn variance_power_mdes_and_clusters_match_r() {
    for case in cases() {
        let steps = f(&case, "steps") as usize;
        let per_step = f(&case, "per_step") as usize;
        let clusters = (steps * per_step) as f64;
        let design = SteppedWedge {
            steps,
            clusters_per_step: per_step,
            cluster_period_size: f(&case, "m"),
            icc: f(&case, "icc"),
        };
        close("variance", design.variance(), f(&case, "variance"));
        let effect = f(&case, "effect");
        let target = f(&case, "target_power");
        let power =
            solve_stepped_wedge(&question(&case, Some(clusters), Some(effect), None)).unwrap();
        close("power", power.power, f(&case, "power"));
        close(
            "power (struct)",
            design.power(effect, f(&case, "alpha")),
            f(&case, "power"),
        );
        let mdes =
            solve_stepped_wedge(&question(&case, Some(clusters), None, Some(target))).unwrap();
        close("MDES", mdes.effect, f(&case, "mdes"));
        let needed =
            solve_stepped_wedge(&question(&case, None, Some(effect), Some(target))).unwrap();
        close(
            "clusters needed",
            needed.groups[0].analysed,
            f(&case, "clusters_needed"),
        );
        // Whole clusters in every step, and the target met there.
        let rounded = needed.groups[0].rounded as usize;
        assert_eq!(rounded % steps, 0);
        assert!(rounded as f64 >= f(&case, "clusters_needed"));
        assert!(rounded as f64 - f(&case, "clusters_needed") < steps as f64);
        assert!(needed.power_at_rounded >= target);
    }
}

#[test]
fn the_simulation_gls_is_the_closed_form_and_its_power_agrees() {
    let case = &cases()[0];
    let design = SteppedWedgeSimulation {
        steps: 4,
        clusters: 12,
        cluster_period_size: 10.0,
        icc: 0.05,
        sd: 2.0,
        effect: 0.6,
        alpha: 0.05,
        sims: 4000,
        seed: 18,
    };
    // Var(θ̂) of the GLS weights in outcome units is the closed form × SD².
    let (weights, variance) = design.gls_weights();
    close("GLS variance", variance / 4.0, f(case, "variance"));
    assert_eq!(weights.len(), 12 * 5);
    let d = diagnose_stepped_wedge(&design, None).unwrap();
    assert_eq!(d.failed, 0);
    // The closed-form power of a 0.3 SD effect (0.6 / 2) is R's 0.6127; the simulated
    // power must lie within 3 Monte Carlo SEs (SE ≈ 0.0077 over 4,000 draws).
    let analytic = f(case, "power");
    assert!(
        (d.power.value - analytic).abs() < 3.0 * d.power.mc_se,
        "simulated {} ± {}, analytic {analytic}",
        d.power.value,
        d.power.mc_se
    );
    // Unbiased, with the closed-form SD and nominal coverage.
    assert!(d.bias.value.abs() < 3.0 * d.bias.mc_se, "{:?}", d.bias);
    let sd = (f(case, "variance") * 4.0).sqrt();
    assert!(
        (d.sd_estimate.value - sd).abs() < 3.0 * d.sd_estimate.mc_se,
        "{:?}",
        d.sd_estimate
    );
    assert!(
        (d.coverage.value - 0.95).abs() < 3.0 * d.coverage.mc_se,
        "{:?}",
        d.coverage
    );
    // Same seed, same numbers.
    assert_eq!(d, diagnose_stepped_wedge(&design, None).unwrap());
}

#[test]
fn bad_questions_are_refused_with_the_reason() {
    let case = &cases()[0];
    let mut q = question(case, Some(12.0), Some(0.3), None);
    q.steps = 1;
    assert!(
        solve_stepped_wedge(&q)
            .unwrap_err()
            .to_string()
            .contains("steps")
    );
    let mut q = question(case, Some(12.0), Some(0.3), None);
    q.icc = 1.0;
    assert!(
        solve_stepped_wedge(&q)
            .unwrap_err()
            .to_string()
            .contains("ICC")
    );
    let q = question(case, None, None, Some(0.8));
    assert!(solve_stepped_wedge(&q).is_err(), "two unknowns");
}
