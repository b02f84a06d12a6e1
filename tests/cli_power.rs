//! `evident power ...` from the command line: the answer in words and numbers, the
//! same numbers as JSON (exact roots from tests/reference/power/), and messages that
//! say why no solution exists.

mod contract_support;

use contract_support::evident;
use evident::power::answer::Unknown;
use evident::stats::prec::assert_close;
use evident::stats::tidy::PowerOutput;
use predicates::prelude::*;
use serde_json::Value;

/// `evident power ARGS --json`, checked against the result schema.
fn json(args: &[&str]) -> PowerOutput {
    let mut all = vec!["power"];
    all.extend_from_slice(args);
    contract_support::run::<PowerOutput>("power", &all).0
}

/// Exact root of pwr.t.test's power at d = 0.5, power = 0.8 (tests/reference/power/t.json).
#[test]
fn t_sample_size_is_exact_and_rounded_up() {
    let answer = json(&["t", "--d", "0.5", "--power", "0.8"]);
    assert_eq!(answer.solved_for, Unknown::SampleSize);
    assert_close(answer.groups[0].analysed, 63.765_610_190_939_6, 1e-9, "n");
    assert_eq!(answer.groups[0].rounded, 64);
    assert_eq!(answer.total_rounded, 128);
    assert_eq!(answer.command, "power t");
}

#[test]
fn raw_effect_with_sd_equals_the_standardised_effect() {
    let raw = json(&["t", "--delta", "5", "--sd", "10", "--power", "0.8"]);
    let std = json(&["t", "--d", "0.5", "--power", "0.8"]);
    assert_eq!(raw.total_rounded, std.total_rounded);
}

/// `--sd` without `--d` or `--delta` solves for the raw difference: R's
/// `power.t.test(n = 20, sd = 2, power = 0.8, strict = TRUE)$delta`, solved with
/// uniroot(tol = 1e-14) (tests/reference/power/delta.R); `--n 40` is both groups.
#[test]
fn sd_alone_solves_for_delta_in_outcome_units() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/power/delta.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let delta: f64 = fixture["delta"].as_str().unwrap().parse().unwrap();
    let by_sd = json(&["t", "--n", "40", "--sd", "2", "--power", "0.8"]);
    assert_eq!(by_sd.solved_for, Unknown::Effect);
    assert_eq!(by_sd.sd, Some(2.0));
    assert_close(by_sd.delta.unwrap(), delta, 1e-9, "delta");
    let by_d = json(&["t", "--n", "40", "--power", "0.8"]);
    assert_close(
        by_sd.delta.unwrap(),
        2.0 * by_d.effect,
        1e-14,
        "delta = d × sd",
    );
    assert_eq!(by_d.delta, None);
}

/// `--n` is the total, as `n` in a spec: 128 in all is 64 per group, the n of
/// pwr.t.test(d = 0.5, power = 0.8) rounded; --n1/--n2 give unequal groups.
#[test]
fn n_is_the_total_and_n1_n2_name_the_groups() {
    let total = json(&["t", "--n", "128", "--d", "0.5"]);
    let per_group = json(&["t", "--n1", "64", "--d", "0.5"]);
    assert_eq!(total.power, per_group.power);
    assert_eq!(total.groups[0].analysed, 64.0);
    let unequal = json(&["t", "--n1", "50", "--n2", "30", "--d", "0.5"]);
    assert_eq!(unequal.groups[0].analysed, 50.0);
    assert_eq!(unequal.groups[1].analysed, 30.0);
    let by_ratio = json(&["t", "--n1", "50", "--ratio", "0.6", "--d", "0.5"]);
    assert_close(unequal.power, by_ratio.power, 1e-14, "power");
    let prop = json(&["prop", "--p1", "0.3", "--p2", "0.5", "--n", "186"]);
    assert_eq!(prop.groups[0].analysed, 93.0);
}

#[test]
fn attrition_inflates_and_a_baseline_shrinks_the_sample() {
    let base = json(&["t", "--d", "0.3", "--power", "0.9"]).total_rounded;
    let lossy = json(&["t", "--d", "0.3", "--power", "0.9", "--attrition", "0.2"]).total_rounded;
    let baseline =
        json(&["t", "--d", "0.3", "--power", "0.9", "--baseline-r", "0.6"]).total_rounded;
    assert!(
        lossy >= (base as f64 / 0.8).floor() as u64,
        "{lossy} vs {base}"
    );
    assert!(baseline < base);
}

/// One question, one answer: the method asked for; the other method on request.
#[test]
fn proportions_answer_by_the_method_asked_for() {
    let h = json(&["prop", "--p1", "0.1", "--p2", "0.05", "--power", "0.8"]);
    assert!(h.method.contains("Cohen's h"), "{}", h.method);
    let pooled = json(&[
        "prop", "--p1", "0.1", "--p2", "0.05", "--power", "0.8", "--method", "pooled",
    ]);
    assert!(
        pooled.method.contains("power.prop.test"),
        "{}",
        pooled.method
    );
    assert_ne!(h.total_rounded, pooled.total_rounded);
    evident()
        .args([
            "power", "prop", "--p1", "0.1", "--p2", "0.05", "--power", "0.8",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("other method").not());
}

/// PowerUp! cra2 MDES (tests/reference/power/cluster.json, first case).
#[test]
fn cluster_mdes_matches_powerup_and_reports_the_band() {
    let out = json(&[
        "cluster",
        "--clusters",
        "40",
        "--cluster-size",
        "20",
        "--icc",
        "0.1",
        "--power",
        "0.8",
    ]);
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/power/cluster.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_close(
        out.effect,
        fixture["cases"][0]["expected"].as_f64().unwrap(),
        1e-9,
        "mdes",
    );
    assert!(out.eef_band.unwrap().padlocks <= 5);
}

#[test]
fn text_output_is_a_sentence_and_a_table() {
    evident()
        .args(["power", "mdes", "--n", "400"])
        .assert()
        .success()
        .stdout(predicate::str::contains("smallest effect detectable"))
        .stdout(predicate::str::contains("EEF-style MDES band"));
}

#[test]
fn impossible_targets_say_why_without_a_number() {
    let cases: [(&[&str], &str); 5] = [
        (
            &["t", "--d", "0.5", "--power", "0.04"],
            "at or below the significance level",
        ),
        (&["t", "--d", "0", "--power", "0.8"], "the effect is zero"),
        (
            &[
                "cluster",
                "--icc",
                "1",
                "--clusters",
                "20",
                "--cluster-size",
                "5",
                "--power",
                "0.8",
            ],
            "[0, 1)",
        ),
        (&["t", "--d", "0.00001", "--power", "0.8"], "more than 1e9"),
        (
            &["mdes", "--n", "100", "--share", "0"],
            "strictly between 0 and 1",
        ),
    ];
    for (args, message) in cases {
        evident()
            .arg("power")
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains("hint:"));
    }
}

#[test]
fn cluster_size_cannot_beat_the_between_cluster_floor() {
    evident()
        .args([
            "power",
            "cluster",
            "--icc",
            "0.1",
            "--clusters",
            "20",
            "--effect",
            "0.1",
            "--power",
            "0.8",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("add clusters"));
}

fn hmo_spec() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/hmo-inspections/study.json")
}

#[test]
fn plan_writes_the_plan_report_with_both_charts() {
    let out = tempfile::TempDir::new().unwrap();
    evident()
        .arg("plan")
        .arg(hmo_spec())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("recruit"))
        .stdout(predicate::str::contains("Simulated:"));
    for file in [
        "plan.json",
        "plan.md",
        "plan.html",
        "power-curve.svg",
        "mdes-curve.svg",
    ] {
        assert!(out.path().join(file).is_file(), "{file} written");
    }
    let md = std::fs::read_to_string(out.path().join("plan.md")).unwrap();
    assert!(md.contains("Sample size and power"));
    assert!(md.contains("Simulated design diagnosis"));
    let svg = std::fs::read_to_string(out.path().join("power-curve.svg")).unwrap();
    assert!(svg.contains("<title"), "accessible title");
}

#[test]
fn plan_json_is_seeded_and_quiet_prints_nothing() {
    let run = || {
        let out = tempfile::TempDir::new().unwrap();
        let output = evident()
            .arg("plan")
            .arg(hmo_spec())
            .arg("--out")
            .arg(out.path())
            .arg("--json")
            .output()
            .unwrap();
        assert!(output.status.success());
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a["simulation"], b["simulation"]);
    assert_eq!(a["answers"][0]["total_rounded"], 1294);
    let out = tempfile::TempDir::new().unwrap();
    evident()
        .args(["plan", "--quiet"])
        .arg(hmo_spec())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::is_empty());
}

#[test]
fn a_power_block_that_cannot_be_answered_is_a_located_problem() {
    let dir = tempfile::TempDir::new().unwrap();
    let text = std::fs::read_to_string(hmo_spec())
        .unwrap()
        .replace("\"power\": 0.9,", "\"power\": 0.01,")
        .replace(
            "data/",
            &format!("{}/", hmo_spec().parent().unwrap().join("data").display()),
        );
    let spec = dir.path().join("study.json");
    std::fs::write(&spec, text).unwrap();
    evident()
        .arg("check")
        .arg(&spec)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("design.power"))
        .stderr(predicate::str::contains(
            "at or below the significance level",
        ));
}

/// pwr.t2n.test and pwr.2p2n.test with n1 given and n2 left out, against the same power
/// functions solved with uniroot(tol = 1e-14) (tests/reference/power/second_group.R).
#[test]
fn the_second_group_is_solved_with_the_first_fixed() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/power/second_group.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let text = |v: &Value| v.to_string().trim_matches('"').to_string();
    let n2 = |v: &Value| text(&v["n2"]).parse::<f64>().unwrap();
    for case in fixture["t"].as_array().unwrap() {
        let alternative = match case["alternative"].as_str().unwrap() {
            "two.sided" => "two_sided",
            other => other,
        };
        let answer = json(&[
            "t",
            "--n1",
            &text(&case["n1"]),
            "--d",
            &text(&case["d"]),
            "--power",
            &text(&case["power"]),
            "--alternative",
            alternative,
        ]);
        assert_eq!(answer.solved_for, Unknown::SampleSize);
        assert_eq!(answer.groups[0].analysed, case["n1"].as_f64().unwrap());
        assert_close(answer.groups[1].analysed, n2(case), 1e-8, "t n2");
        assert!(answer.power_at_rounded >= answer.power);
    }
    for case in fixture["h"].as_array().unwrap() {
        let answer = json(&[
            "prop",
            "--n1",
            &text(&case["n1"]),
            "--h",
            &text(&case["h"]),
            "--power",
            &text(&case["power"]),
        ]);
        assert_close(answer.groups[1].analysed, n2(case), 1e-8, "h n2");
    }
    evident()
        .args(["power", "t", "--n1", "5", "--d", "0.5", "--power", "0.99"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("enlarge the first group"));
}

/// The TOST fixture (tests/reference/power/tost.R: an independent integration in R).
fn tost_case(index: usize) -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/power/tost.json"
    ))
    .unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["cases"][index].clone()
}

/// `power tost`: the crossover sample size of PowerTOST's CV = 0.3 example (fixture
/// case 1: the exact root 38.44, so 39 to recruit; PowerTOST rounds up to an even 40
/// for balanced sequences), and parallel power with --n the total (case 5).
#[test]
fn tost_sample_size_and_power_match_the_r_integral() {
    let case = tost_case(1);
    let sd = case["sd"].as_f64().unwrap().to_string();
    let difference = case["difference"].as_f64().unwrap().to_string();
    let low = case["low"].as_f64().unwrap().to_string();
    let high = case["high"].as_f64().unwrap().to_string();
    let answer = json(&[
        "tost",
        "--design",
        "crossover",
        "--sd",
        &sd,
        "--difference",
        &difference,
        "--low",
        &low,
        "--high",
        &high,
        "--power",
        "0.8",
    ]);
    assert_eq!(answer.command, "power tost");
    assert_eq!(answer.solved_for, Unknown::SampleSize);
    assert_close(
        answer.groups[0].analysed,
        case["expected"].as_f64().unwrap(),
        1e-8,
        "crossover n",
    );
    assert_eq!(answer.total_rounded, 39);
    assert!(answer.power_at_rounded >= 0.8);

    let case = tost_case(5);
    assert_eq!(case["n"], 50.0);
    let answer = json(&["tost", "--n", "100", "--sd", "2", "--margin", "1"]);
    assert_eq!(answer.solved_for, Unknown::Power);
    assert_close(
        answer.power,
        case["expected"].as_f64().unwrap(),
        1e-8,
        "parallel power",
    );
    assert_eq!(answer.total_rounded, 100);
}

/// Non-inferiority with --margin and --better, and margins of the wrong sign refused.
#[test]
fn tost_non_inferiority_and_bad_margins() {
    let case = tost_case(15);
    let answer = json(&[
        "tost", "--sd", "1", "--margin", "0.5", "--better", "higher", "--power", "0.8",
    ]);
    assert_close(
        answer.groups[0].analysed,
        case["expected"].as_f64().unwrap(),
        1e-8,
        "non-inferiority n",
    );
    assert!(answer.family.starts_with("non-inferiority"));
    evident()
        .args([
            "power", "tost", "--sd", "1", "--margin", "0.5", "--power", "0.8",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "To show equivalence with 80% power",
        ));
    for (args, message) in [
        (
            &["--low", "0.5", "--high", "-0.5"][..],
            "--low 0.5 must be below --high -0.5",
        ),
        (
            &["--high", "-0.5"][..],
            "--high -0.5 alone is a non-inferiority bound",
        ),
        (
            &["--margin", "0.5", "--difference", "0.7"][..],
            "not strictly inside the margins",
        ),
    ] {
        evident()
            .args([&["power", "tost", "--sd", "1", "--power", "0.8"][..], args].concat())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

/// The group-sequential fixture (tests/reference/power/sequential.R, rpact).
fn sequential_case(index: usize) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/power/sequential.json"
    );
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all["cases"][index].clone()
}

/// `power sequential`: three O'Brien–Fleming looks (fixture case 0) on the t question
/// d = 0.4, power 0.8: 200 units fixed, 200 × 1.0174 = 203.5, so 204 at most.
#[test]
fn sequential_boundaries_and_inflated_sample() {
    let case = sequential_case(0);
    let answer = json(&["sequential", "--looks", "3", "--d", "0.4", "--power", "0.8"]);
    assert_eq!(answer.command, "power sequential");
    assert_eq!(answer.total_rounded, 200);
    let s = answer.sequential.expect("the sequential section");
    for (look, expected) in s
        .design
        .looks
        .iter()
        .zip(case["critical"].as_array().unwrap())
    {
        assert_close(
            look.critical_z,
            expected.as_f64().unwrap(),
            1e-8,
            "critical z",
        );
    }
    assert_close(
        s.design.inflation_factor,
        case["inflation"].as_f64().unwrap(),
        1e-8,
        "inflation factor",
    );
    assert_eq!(s.maximum_size, 204);
    assert_eq!(s.look_sizes, vec![68, 136, 204]);
    // Lan–DeMets Hwang–Shih–DeCani γ = −4 (fixture case 9).
    let case = sequential_case(9);
    let answer = json(&[
        "sequential",
        "--looks",
        "3",
        "--boundary",
        "lan-demets",
        "--spending",
        "hwang-shih-decani",
        "--gamma",
        "-4",
        "--d",
        "0.4",
        "--power",
        "0.8",
    ]);
    let s = answer.sequential.unwrap();
    for (look, expected) in s
        .design
        .looks
        .iter()
        .zip(case["critical"].as_array().unwrap())
    {
        assert_close(
            look.critical_z,
            expected.as_f64().unwrap(),
            1e-8,
            "critical z",
        );
    }
    evident()
        .args([
            "power",
            "sequential",
            "--looks",
            "3",
            "--d",
            "0.4",
            "--power",
            "0.8",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("maximum 204 units randomised"));
    for (args, message) in [
        (&["--looks", "1"][..], "looks counts the analyses"),
        (
            &["--looks", "3", "--fractions", "0.5,0.4,1"][..],
            "increasing from look to look",
        ),
        (
            &[
                "--looks",
                "2",
                "--boundary",
                "lan-demets",
                "--spending",
                "hwang-shih-decani",
            ][..],
            "needs gamma",
        ),
    ] {
        evident()
            .args(
                [
                    &["power", "sequential", "--d", "0.4", "--power", "0.8"][..],
                    args,
                ]
                .concat(),
            )
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
}

/// `design.power.interim` problems are located at their key in `evident check`.
#[test]
fn interim_problems_are_located_at_their_key() {
    for (interim, key, message) in [
        (
            r#"{ "looks": 3, "boundary": "lan_demets", "spending": "hwang_shih_decani" }"#,
            "design.power.interim.gamma",
            "needs gamma",
        ),
        (
            r#"{ "looks": 3, "information_fractions": [0.2, 0.5] }"#,
            "design.power.interim.information_fractions",
            "one information fraction per look",
        ),
        (
            r#"{ "looks": 2, "information_fractions": [0.0005, 1] }"#,
            "design.power.interim.looks",
            "each look needs at least two more",
        ),
    ] {
        let dir = tempfile::TempDir::new().unwrap();
        let text = std::fs::read_to_string(hmo_spec())
            .unwrap()
            .replacen(
                "\"power\": {",
                &format!("\"power\": {{ \"interim\": {interim},"),
                1,
            )
            .replace(
                "data/",
                &format!("{}/", hmo_spec().parent().unwrap().join("data").display()),
            );
        let spec = dir.path().join("study.json");
        std::fs::write(&spec, text).unwrap();
        evident()
            .arg("check")
            .arg(&spec)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(key))
            .stderr(predicate::str::contains(message));
    }
}
