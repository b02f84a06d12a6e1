//! `evident synthesise` from the command line: three study reports made from a real
//! report.json (specs/hmo-inspections, run once) with the primary outcome's estimate
//! and standard error set to known values, pooled and compared with metafor 3.8-1
//! (values in the test, from `rma(y, sei = s, method = m, control = list(threshold =
//! 1e-12))`); the report files written (same inputs, same bytes); the Nesta criteria;
//! and each refusal with its message, hint and exit status 2.

mod contract_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use contract_support::{assert_fits, evident, printed_schema};
use evident::stats::prec::{PARITY_SOLVED, assert_close};
use evident::synthesis::SynthesisOutput;
use predicates::prelude::*;
use serde_json::{Value, json};
use tempfile::TempDir;

/// The studies' estimates (differences in proportions) and standard errors.
const ESTIMATES: [f64; 3] = [0.0968, 0.0387, 0.1549];
const STD_ERRORS: [f64; 3] = [0.0186, 0.0242, 0.0167];
const TITLES: [&str; 3] = [
    "HMO trial, Leeds",
    "HMO trial, Bristol",
    "HMO trial, Newham",
];

fn hmo_report() -> &'static Value {
    static REPORT: OnceLock<Value> = OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        evident()
            .args(["run", "specs/hmo-inspections/study.json", "--out"])
            .arg(dir.path())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .assert()
            .success();
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap()
    })
}

/// Study `i`: the HMO report retitled, its primary comparison set to study i's values,
/// its input data given a distinct fingerprint (an independent study).
fn study(i: usize) -> Value {
    let mut report = hmo_report().clone();
    report["title"] = json!(TITLES[i]);
    let e = &mut report["analysis"]["outcomes"][0]["comparisons"][0]["estimate"];
    e["estimate"] = json!(ESTIMATES[i]);
    e["std_error"] = json!(STD_ERRORS[i]);
    e["conf_low"] = json!(ESTIMATES[i] - 1.96 * STD_ERRORS[i]);
    e["conf_high"] = json!(ESTIMATES[i] + 1.96 * STD_ERRORS[i]);
    report["reproducibility"]["inputs"][0]["sha256"] = json!(i.to_string().repeat(64));
    report
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

fn studies(dir: &Path) -> Vec<PathBuf> {
    (0..3)
        .map(|i| write(dir, &format!("study{i}.json"), &study(i)))
        .collect()
}

fn synthesise(paths: &[PathBuf], args: &[&str]) -> SynthesisOutput {
    let output = evident()
        .arg("synthesise")
        .args(paths)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let raw: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_fits(&printed_schema("synthesis"), &raw, "synthesise --json");
    assert_eq!(raw["schema_version"], 2);
    serde_json::from_value(raw).unwrap()
}

#[test]
fn pools_three_studies_as_metafor_does() {
    let dir = TempDir::new().unwrap();
    let paths = studies(dir.path());
    // metafor: estimate, se, ci.lb, ci.ub, tau2, I2 (%), pi.lb, pi.ub, pval, weights (%).
    let expected = [
        (
            "reml",
            [
                0.09855849137891134,
                0.03325311083787174,
                0.0333835917627642,
                0.1637333909950585,
                0.0029189156265648597,
                88.42712676330311,
                -0.025782417900795787,
                0.22289940065861846,
                0.003037789712498071,
            ],
            [33.86865249624283, 31.552342100491927, 34.57900540326524],
        ),
        (
            "dl",
            [
                0.09864940882382828,
                0.032409130399539646,
                0.03512868047046837,
                0.1621701371771882,
                0.0027529250051218923,
                87.81435901084224,
                -0.022222965911577047,
                0.2195217835592336,
                0.002335505546583145,
            ],
            [33.89450500803755, 31.461173637265016, 34.644321354697425],
        ),
        (
            "fe",
            [
                0.1101336227176716,
                0.011054155419975259,
                0.08846787621501187,
                0.13179936922033134,
                0.0,
                87.81435901084222,
                0.08846787621501187,
                0.13179936922033134,
                2.2106677524589174e-23,
            ],
            [35.32036999912373, 20.865096654765463, 43.81453334611081],
        ),
    ];
    for (method, values, weights) in expected {
        let out = synthesise(&paths, &["--method", method]);
        let m = &out.meta;
        let ours = [
            m.estimate,
            m.std_error,
            m.conf_low,
            m.conf_high,
            m.tau2,
            100.0 * m.i2,
            m.pi_low,
            m.pi_high,
            m.p_value,
        ];
        let names = [
            "estimate", "se", "ci.lb", "ci.ub", "tau2", "I2", "pi.lb", "pi.ub", "pval",
        ];
        for ((ours, theirs), name) in ours.iter().zip(values).zip(names) {
            assert_close(*ours, theirs, PARITY_SOLVED, &format!("{method} {name}"));
        }
        assert_close(m.q, 16.41275991783698, PARITY_SOLVED, "Q");
        assert_close(m.q_p_value, 0.000272906869342819, PARITY_SOLVED, "Q p");
        for (row, w) in out.studies.iter().zip(weights) {
            assert_close(
                100.0 * row.weight,
                w,
                PARITY_SOLVED,
                &format!("{method} weight"),
            );
        }
        assert_eq!(out.outcome.name, "licensable_found");
        assert_eq!(out.outcome.measure, "a difference in proportions");
        assert_eq!(
            out.studies
                .iter()
                .map(|s| s.study.as_str())
                .collect::<Vec<_>>(),
            TITLES
        );
    }
    let out = synthesise(&paths, &[]);
    assert_eq!(
        out.in_words,
        "Licensable HMO found, pooled over 3 studies (random effects, REML): 9.9 percentage points (95% CI 3.3 to 16.4), p = 0.0030, an improvement; τ² = 0.00292, I² = 88%, Q = 16.4 on 2 df (p < 0.001); the effect in a new study would lie between −3 and 22 percentage points (95% prediction interval)."
    );
}

#[test]
fn writes_the_report_files_with_the_same_bytes_each_time() {
    let dir = TempDir::new().unwrap();
    let paths = studies(dir.path());
    let run = |out: &str| {
        evident()
            .arg("synthesise")
            .args(&paths)
            .args(["--out", out])
            .current_dir(dir.path())
            .assert()
            .success()
            .stdout(
                predicate::str::contains("wrote out1/forest.svg")
                    .or(predicate::str::contains("wrote out2/forest.svg")),
            );
    };
    run("out1");
    run("out2");
    for name in [
        "synthesis.json",
        "synthesis.md",
        "synthesis.html",
        "forest.svg",
    ] {
        let a = std::fs::read(dir.path().join("out1").join(name)).unwrap();
        let b = std::fs::read(dir.path().join("out2").join(name)).unwrap();
        assert_eq!(a, b, "{name} differs between two runs");
        assert!(!a.is_empty());
    }
    let md = std::fs::read_to_string(dir.path().join("out1/synthesis.md")).unwrap();
    assert!(md.contains("| HMO trial, Leeds | randomised controlled trial | 2,241 | 9.7 percentage points | 95% CI 6.0 to 13.3 |"), "{md}");
    assert!(md.contains("![Forest plot: Licensable HMO found across 3 studies](forest.svg)"));
    let svg = std::fs::read_to_string(dir.path().join("out1/forest.svg")).unwrap();
    assert!(svg.contains("<title id=\"forest-title\">Forest plot"));
    // Chart text is drawn as glyph outlines; the description carries the numbers.
    assert!(svg.contains(
        "Pooled (random effects, REML): 9.9 (3.3 to 16.4); prediction interval −3 to 22</desc>"
    ));
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out1/synthesis.json")).unwrap())
            .unwrap();
    assert_fits(&printed_schema("synthesis"), &json, "synthesis.json");
}

#[test]
fn nesta_levels_4_and_5_follow_the_studies_grades() {
    let dir = TempDir::new().unwrap();
    let paths = studies(dir.path());
    let status = |out: &SynthesisOutput| -> Vec<(String, String)> {
        out.nesta
            .criteria
            .iter()
            .map(|c| (c.id.clone(), c.status.clone()))
            .collect()
    };
    let out = synthesise(&paths, &[]);
    assert_eq!(out.nesta.level, 3);
    assert_eq!(
        status(&out),
        [
            ("replications", "met"),
            ("consistent", "met"),
            ("cost_data", "not_met"),
            ("several_sites", "met"),
            ("manualised", "not_met"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        out.nesta.summary,
        "The synthesis does not reach Nesta level 4, which also needs: impact at reasonable cost; the best single study is at level 3."
    );
    // One study declares cost data and manualised delivery: level 5.
    let mut declared = study(0);
    for c in declared["grade"]["criteria"].as_array_mut().unwrap() {
        if c["id"] == "cost_data" || c["id"] == "manualised" {
            c["status"] = json!("met");
        }
    }
    let mut five = paths.clone();
    five[0] = write(dir.path(), "declared.json", &declared);
    let out = synthesise(&five, &[]);
    assert_eq!(out.nesta.level, 5);
    assert_eq!(
        out.nesta.summary,
        "The synthesis supports Nesta level 5 of 5."
    );
    // Two copies of one study's data are not independent replications; a
    // significantly harmful study breaks consistency.
    let mut harmful = study(2);
    harmful["analysis"]["outcomes"][0]["comparisons"][0]["estimate"]["estimate"] = json!(-0.08);
    harmful["analysis"]["outcomes"][0]["comparisons"][0]["estimate"]["conf_low"] = json!(-0.12);
    harmful["analysis"]["outcomes"][0]["comparisons"][0]["estimate"]["conf_high"] = json!(-0.04);
    let same = [
        five[0].clone(),
        write(dir.path(), "copy.json", &declared),
        write(dir.path(), "harmful.json", &harmful),
    ];
    let out = synthesise(&same[..2], &[]);
    assert_eq!(status(&out)[0], ("replications".into(), "not_met".into()));
    assert_eq!(
        out.nesta.criteria[0].observed,
        "2 of 2 studies graded level 3 or above, from 1 distinct sets of input data"
    );
    let out = synthesise(&[paths[0].clone(), paths[1].clone(), same[2].clone()], &[]);
    assert_eq!(status(&out)[1], ("consistent".into(), "not_met".into()));
    assert!(
        out.nesta.criteria[1]
            .observed
            .ends_with("significant harmful effect in: HMO trial, Newham"),
        "{}",
        out.nesta.criteria[1].observed
    );
}

#[test]
fn refuses_what_cannot_be_pooled_with_the_reason() {
    let dir = TempDir::new().unwrap();
    let paths = studies(dir.path());
    let refuse = |reports: &[PathBuf], args: &[&str], message: &str, hint: &str| {
        evident()
            .arg("synthesise")
            .args(reports)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains(format!("hint: {hint}")));
    };
    refuse(
        &paths[..1],
        &[],
        "a synthesis needs at least two studies; one report given",
        "give two or more reports",
    );
    // A continuous outcome in days against a difference in proportions.
    let mut means = study(1);
    means["analysis"]["outcomes"][0]["type"] = json!("continuous");
    means["analysis"]["outcomes"][0]["unit"] = json!("days");
    let means = write(dir.path(), "means.json", &means);
    refuse(
        &[paths[0].clone(), means],
        &[],
        "measures `licensable_found` as a difference in means (days)",
        "pool only studies that measure the outcome the same way",
    );
    let mut lower = study(1);
    lower["analysis"]["outcomes"][0]["better"] = json!("lower");
    let lower = write(dir.path(), "lower.json", &lower);
    refuse(
        &[paths[0].clone(), lower],
        &[],
        "the studies disagree on which direction is better",
        "pool only studies",
    );
    let mut future = study(1);
    future["schema_version"] = json!(7);
    let future = write(dir.path(), "future.json", &future);
    refuse(
        &[paths[0].clone(), future],
        &[],
        "future.json: not a report this engine reads: `schema_version` 7 (it reads report.json of report schema 1)",
        "re-run each study with this engine version",
    );
    refuse(
        &paths,
        &["--outcome", "rent_arrears"],
        "no outcome `rent_arrears` in the report (it has: licensable_found, days_to_inspection)",
        "name the outcome each report shares with --outcome",
    );
    let mut protocol = study(1);
    protocol["analysis"] = Value::Null;
    let protocol = write(dir.path(), "protocol.json", &protocol);
    refuse(
        &[paths[0].clone(), protocol],
        &[],
        "the report has no analysis",
        "synthesise results reports",
    );
    let mut exact = study(1);
    exact["analysis"]["outcomes"][0]["comparisons"][0]["estimate"]["std_error"] = json!(0.0);
    let exact = write(dir.path(), "exact.json", &exact);
    refuse(
        &[paths[0].clone(), exact],
        &[],
        "exact.json: outcome `licensable_found` has the standard error 0; pooling needs a finite standard error above 0",
        "only outcomes analysed by a comparison of groups",
    );
    let not_json = dir.path().join("notes.txt");
    std::fs::write(&not_json, "studies: 3").unwrap();
    refuse(
        &[paths[0].clone(), not_json],
        &[],
        "notes.txt:1:1: not JSON: expected value",
        "give the report.json files",
    );
    refuse(
        &paths,
        &["--level", "95"],
        "--level 95: a confidence level is between 0 and 1",
        "e.g. --level 0.95",
    );
}
