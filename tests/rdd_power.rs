//! Power and MDES of a regression discontinuity in the plan stage
//! (`design.power.test = "regression_discontinuity"`): the design effects of Schochet
//! (2008) Table 4.2; the MDES, power and trial comparison against the independent R
//! computation in tests/reference/rdd_power (closed form with qt/pt, and pwr's trial
//! power); `evident plan` on an RD spec printing the MDES; bad shapes refused at their
//! JSON paths.

use std::path::PathBuf;

use assert_cmd::Command;
use evident::power::answer::{Adjustments, Unknown};
use evident::power::mdes::Targets;
use evident::power::rdd::{
    RdPlanQuestion, RunningShape, design_effect, solve_rd_plan, treated_share_and_rho,
};
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

fn fixture() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/rdd_power/rdd_power.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn close(ours: f64, theirs: f64, rel: f64, what: &str) {
    let scale = theirs.abs().max(1e-300);
    assert!(
        (ours - theirs).abs() <= rel * scale,
        "{what}: ours {ours}, reference {theirs} (relative {})",
        (ours - theirs).abs() / scale
    );
}

fn shape(case: &Value) -> RunningShape {
    let p = case["treated_share"].as_f64().unwrap();
    match case["shape"].as_str().unwrap() {
        "uniform" => RunningShape::Uniform { treated: p },
        "normal" => RunningShape::normal_with_treated_share(p).unwrap(),
        _ => RunningShape::Correlation {
            rho: case["rho"].as_f64().unwrap(),
        },
    }
}

fn question(case: &Value, effect: Option<f64>, power: Option<f64>) -> RdPlanQuestion {
    RdPlanQuestion {
        n: Some(case["n"].as_f64().unwrap()),
        targets: Targets {
            effect,
            alpha: case["alpha"].as_f64().unwrap(),
            power,
            two_sided: true,
        },
        treated_share: case["treated_share"].as_f64().unwrap(),
        shape: shape(case),
        r_squared: case["r2"].as_f64().unwrap(),
        covariates: case["g"].as_u64().unwrap() as u32,
        adjustments: Adjustments::default(),
        take_up_jump: case["take_up"].as_f64().unwrap(),
    }
}

/// Schochet (2008), Table 4.2, rows "Normal" and "Uniform": printed to two decimals, so
/// compared at half a unit in the second decimal. One printed cell disagrees with the
/// closed form: uniform at P = 0.10 prints 1.35, but 1/(1 − 3·0.1·0.9) = 1.3699; the
/// same table's truncated normal at (−0.2, 0.2), which tends to the uniform, prints
/// 1.37. That cell is checked at 0.025 and the reason written here.
#[test]
fn design_effects_match_schochet_table_4_2() {
    let f = fixture();
    let table = &f["schochet_table_4_2"];
    for (row, name) in [(&table["normal"], "normal"), (&table["uniform"], "uniform")] {
        for (i, p) in [0.5, 0.33, 0.25, 0.10].iter().enumerate() {
            let shape = if name == "uniform" {
                RunningShape::Uniform { treated: *p }
            } else {
                RunningShape::normal_with_treated_share(*p).unwrap()
            };
            let (share, rho) = treated_share_and_rho(shape).unwrap();
            assert!((share - p).abs() < 1e-12, "{name} {p}: share {share}");
            let deff = design_effect(rho.unwrap());
            let printed = row[i].as_f64().unwrap();
            let tolerance = if name == "uniform" && *p == 0.10 {
                0.025
            } else {
                0.005
            };
            assert!(
                (deff - printed).abs() <= tolerance,
                "{name} at P = {p}: ours {deff}, Schochet {printed}"
            );
        }
    }
}

/// The design effect against R's closed form (qnorm, dnorm) at 1e-10.
#[test]
fn design_effects_match_the_r_closed_form() {
    for case in fixture()["design_effects"].as_array().unwrap() {
        let p = case["treated_share"].as_f64().unwrap();
        let shape = match case["shape"].as_str().unwrap() {
            "uniform" => RunningShape::Uniform { treated: p },
            _ => RunningShape::normal_with_treated_share(p).unwrap(),
        };
        let rho = treated_share_and_rho(shape).unwrap().1.unwrap();
        close(rho, case["rho"].as_f64().unwrap(), 1e-10, "rho");
        close(
            design_effect(rho),
            case["design_effect"].as_f64().unwrap(),
            1e-10,
            "design effect",
        );
    }
}

/// MDES, power of an effect, the trial's MDES and the design effect of each case
/// against R at 1e-10 (power at 1e-9: R's pt and our non-central t agree to that);
/// then the sample size solved for the MDES gives back n.
#[test]
fn mdes_and_power_match_the_r_reference() {
    for case in fixture()["cases"].as_array().unwrap() {
        let power = case["power"].as_f64().unwrap();
        let effect = case["effect"].as_f64().unwrap();
        let solved = solve_rd_plan(&question(case, None, Some(power))).unwrap();
        assert_eq!(solved.solved_for, Unknown::Effect);
        close(solved.effect, case["mdes"].as_f64().unwrap(), 1e-10, "mdes");
        let at = question(case, None, Some(power))
            .design_effect_at(case["n"].as_f64().unwrap(), power)
            .unwrap();
        close(
            at.mdes,
            case["mdes"].as_f64().unwrap(),
            1e-10,
            "mdes (summary)",
        );
        close(
            at.mdes_randomised,
            case["mdes_randomised"].as_f64().unwrap(),
            1e-10,
            "trial mdes",
        );
        close(
            at.design_effect,
            case["design_effect"].as_f64().unwrap(),
            1e-10,
            "design effect",
        );
        let powered = solve_rd_plan(&question(case, Some(effect), None)).unwrap();
        close(
            powered.power,
            case["power_of_effect"].as_f64().unwrap(),
            1e-9,
            "power",
        );
        let mut by_n = question(case, Some(case["mdes"].as_f64().unwrap()), Some(power));
        by_n.n = None;
        let n = solve_rd_plan(&by_n).unwrap();
        close(n.total_analysed, case["n"].as_f64().unwrap(), 1e-8, "n");
    }
}

/// pwr's own trial power: with P = 0.5 and no covariates the RD's power of δ is a
/// trial's power of δ/√DEFF, up to one degree of freedom (the RD's running-variable
/// slope: df = n − 3 against pwr.t.test's n − 2). Compared at 1e-6 for that reason.
#[test]
fn the_inflation_is_the_only_difference_from_pwrs_trial() {
    let mut checked = 0;
    for case in fixture()["cases"].as_array().unwrap() {
        let Some(pwr_power) = case["pwr_trial_power_at_deflated_effect"].as_f64() else {
            continue;
        };
        let effect = case["effect"].as_f64().unwrap();
        let ours = solve_rd_plan(&question(case, Some(effect), None))
            .unwrap()
            .power;
        close(ours, pwr_power, 1e-6, "RD power against pwr's trial");
        checked += 1;
    }
    assert_eq!(checked, 2);
}

fn evident() -> Command {
    Command::cargo_bin("evident").expect("the evident binary is built")
}

fn spec_text() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("specs/hmo-inspections-rd/study.json")).unwrap();
    text.replace(
        "data/properties.csv",
        &root
            .join("specs/hmo-inspections-rd/data/properties.csv")
            .display()
            .to_string(),
    )
}

/// `evident plan` on the RD example prints the MDES, the design effect with its
/// source, and the trial's MDES; plan.json carries `regression_discontinuity`.
#[test]
fn evident_plan_on_an_rd_spec_prints_the_mdes() {
    let out = TempDir::new().unwrap();
    let spec =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/hmo-inspections-rd/study.json");
    // The example: 3,500 units in the window, 40% treated, uniform, take-up jump 0.75:
    // MDES = (qt(.975, 3497) + qt(.8, 3497))·√(3.5714/(0.75²·0.24·3500)) (R: 0.243638).
    evident()
        .arg("plan")
        .arg(&spec)
        .arg("--out")
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "MDES at 80% power: 0.244 SD for this RD",
        ))
        .stdout(predicate::str::contains("design effect 1/(1 − ρ²) = 3.571"))
        .stdout(predicate::str::contains("Schochet 2008"))
        .stdout(predicate::str::contains(
            "Total inside the bandwidth         3,500",
        ));
    let plan: Value =
        serde_json::from_slice(&std::fs::read(out.path().join("plan.json")).unwrap()).unwrap();
    let rd = &plan["plan"]["regression_discontinuity"];
    close(
        rd["design_effect"].as_f64().unwrap(),
        1.0 / 0.28,
        1e-12,
        "deff",
    );
    close(
        rd["mdes"].as_f64().unwrap(),
        0.243638001915049,
        1e-10,
        "mdes",
    );
    assert_eq!(rd["running_shape"], "uniform");
    assert!(rd["source"].as_str().unwrap().contains("NCEE 2008-4026"));
    close(
        plan["plan"]["mdes"].as_f64().unwrap(),
        0.243638001915049,
        1e-10,
        "plan mdes",
    );
}

/// Bad RD planning input: each refused at its JSON path, exit 2.
#[test]
fn bad_rd_power_blocks_are_refused_at_their_json_paths() {
    let dir = TempDir::new().unwrap();
    let write = |body: &str| {
        let path = dir.path().join("study.json");
        std::fs::write(&path, body).unwrap();
        path
    };
    let text = spec_text();
    let cases: [(&str, &str, &str); 7] = [
        (
            "\"running_shape\": \"uniform\",",
            "",
            "design.power.running_shape",
        ),
        (
            "\"running_shape\": \"uniform\",",
            "\"running_shape\": \"uniform\", \"running_correlation\": 0.5,",
            "design.power.running_correlation",
        ),
        (
            "\"running_shape\": \"uniform\",",
            "\"running_correlation\": 1.2,",
            "design.power.running_correlation",
        ),
        (
            "\"treated_share\": 0.4,",
            "\"treated_share\": 1.4,",
            "design.power",
        ),
        (
            "\"take_up_jump\": 0.75,",
            "\"take_up_jump\": 0,",
            "design.power.take_up_jump",
        ),
        (
            "\"test\": \"regression_discontinuity\",",
            "\"test\": \"individual\",",
            "design.power.test",
        ),
        (
            "\"running_shape\": \"uniform\",",
            "\"running_shape\": \"triangular\",",
            "running_shape",
        ),
    ];
    for (from, to, path) in cases {
        assert!(text.contains(from), "{from}");
        evident()
            .arg("check")
            .arg(write(&text.replacen(from, to, 1)))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(path));
    }
}
