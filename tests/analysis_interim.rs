//! `analysis.interim`: a look of a group-sequential trial applied to the primary
//! outcome's headline comparison, checked against rpact's recursive integration and the
//! repeated-CI formulas in R (tests/reference/analysis/interim.R): the hmo-inspections
//! trial with its analysis data cut to 900 rows, under plans with each boundary family,
//! one- and two-sided, information read from the sample or declared; the grade's reading
//! of a look; and the bad inputs, each naming its key.

use std::path::{Path, PathBuf};

mod contract_support;

use evident::analysis::Analysis;
use evident::analysis::interim::{InterimDecision, InterimTest, PBound};
use evident::evidence::{Grade, Status};
use evident::pipeline;
use evident::stats::prec::{PARITY, PARITY_SOLVED, assert_close};
use serde_json::{Value, json};
use tempfile::TempDir;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> Value {
    let path = repo().join("tests/reference/analysis/interim.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// hmo-inspections with its analysis data cut to the first `rows` rows, the power
/// section's simulation removed, and the spec changed by `edit`.
fn interim_copy(rows: usize, edit: impl FnOnce(&mut Value)) -> TempDir {
    let dir = TempDir::new().unwrap();
    let from = repo().join("specs/hmo-inspections");
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::copy(
        from.join("data/properties.csv"),
        dir.path().join("data/properties.csv"),
    )
    .unwrap();
    let text = std::fs::read_to_string(from.join("data/inspections.csv")).unwrap();
    let cut: Vec<&str> = text.lines().take(rows + 1).collect();
    std::fs::write(
        dir.path().join("data/inspections.csv"),
        cut.join("\n") + "\n",
    )
    .unwrap();
    let mut spec: Value =
        serde_json::from_str(&std::fs::read_to_string(from.join("study.json")).unwrap()).unwrap();
    spec["design"]["power"]
        .as_object_mut()
        .unwrap()
        .remove("simulation");
    spec["report"]["dir"] = json!("report");
    edit(&mut spec);
    std::fs::write(dir.path().join("study.json"), spec.to_string()).unwrap();
    dir
}

/// Analyses and grades a spec; randomisation inference off (it does not touch these).
fn analyse(spec: &Path) -> Result<(Analysis, Grade), String> {
    let mut checked = pipeline::check(spec).map_err(|e| e.to_string())?;
    checked
        .plan
        .analysis
        .as_mut()
        .unwrap()
        .randomisation_inference = None;
    let (analysis, grade) =
        pipeline::analyse_and_grade(&checked.plan).map_err(|e| e.to_string())?;
    Ok((analysis.unwrap(), grade))
}

/// The spec of a fixture case: its plan's interim block, sides, look and information.
fn case_copy(r: &Value) -> TempDir {
    interim_copy(900, |s| {
        let mut interim = json!({ "looks": r["looks"], "boundary": r["boundary"] });
        if !r["spending"].is_null() {
            interim["spending"] = r["spending"].clone();
        }
        if !r["gamma"].is_null() {
            interim["gamma"] = r["gamma"].clone();
        }
        s["design"]["power"]["interim"] = interim;
        if r["sided"] == 1 {
            s["design"]["power"]["alternative"] = json!("greater");
        }
        s["outcomes"][0]["better"] = r["better"].clone();
        let mut look = json!({ "look": r["look"] });
        if !r["information"].is_null() {
            look["information"] = match &r["information"] {
                Value::Array(a) => Value::Array(a.clone()),
                x => json!([x]),
            };
        }
        s["analysis"]["interim"] = look;
    })
}

fn numbers(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap()).collect(),
        x => vec![x.as_f64().unwrap()],
    }
}

fn check(t: &InterimTest, r: &Value, what: &str) {
    let num = |key: &str| r[key].as_f64().unwrap();
    // Closed forms on estimatr's estimate and standard error.
    assert_close(
        t.estimate,
        num("estimate"),
        PARITY,
        &format!("{what} estimate"),
    );
    assert_close(t.std_error, num("std_error"), PARITY, &format!("{what} se"));
    assert_close(t.t, num("t"), PARITY, &format!("{what} t"));
    assert_close(t.df.unwrap(), num("df"), PARITY, &format!("{what} df"));
    assert_close(t.z, num("z"), PARITY, &format!("{what} z"));
    assert_eq!(t.analysed as f64, num("analysed"), "{what} analysed");
    for (a, b) in t.fractions.iter().zip(numbers(&r["fractions"])) {
        assert_close(*a, b, PARITY, &format!("{what} fractions"));
    }
    let used = numbers(&r["boundary_fractions"]);
    assert_eq!(
        t.boundary_fractions.len(),
        used.len(),
        "{what} boundary fractions"
    );
    for (a, b) in t.boundary_fractions.iter().zip(used) {
        assert_close(*a, b, PARITY, &format!("{what} boundary fractions"));
    }
    // Roots and integrals.
    for (value, key) in [
        (t.critical_z, "critical_z"),
        (t.critical_t, "critical_t"),
        (t.nominal_p, "nominal_p"),
        (t.cumulative_alpha, "cumulative_alpha"),
        (t.rci_low, "rci_low"),
        (t.rci_high, "rci_high"),
        (t.repeated_p, "repeated_p"),
    ] {
        assert_close(value, num(key), PARITY_SOLVED, &format!("{what} {key}"));
    }
    // rpact's own design, at its search tolerance.
    assert_close(
        t.critical_z,
        num("rpact_critical_z"),
        1e-6,
        &format!("{what} rpact c"),
    );
    if let Some(c) = r["rpact_critical_at_repeated_p"].as_f64() {
        let statistic = match (r["sided"].as_u64(), r["better"].as_str()) {
            (Some(2), _) => t.z.abs(),
            (_, Some("lower")) => -t.z,
            _ => t.z,
        };
        assert_close(
            statistic,
            c,
            1e-6,
            &format!("{what} rpact c at the repeated p"),
        );
    }
    let crossed = r["crossed"].as_bool().unwrap();
    assert_eq!(
        matches!(
            t.decision,
            InterimDecision::MayStopForEfficacy
                | InterimDecision::MayStopForHarm
                | InterimDecision::EfficacyShown
                | InterimDecision::HarmShown
        ),
        crossed,
        "{what}: {:?}",
        t.decision
    );
}

fn run_case(name: &str) -> (Analysis, Grade, Value) {
    let r = fixture()["cases"][name].clone();
    let dir = case_copy(&r);
    let (analysis, grade) = analyse(&dir.path().join("study.json")).unwrap();
    let interim = analysis.interim.as_ref().expect("an interim look");
    assert_eq!(
        interim.maximum_size as f64,
        r["maximum_size"].as_f64().unwrap(),
        "{name} maximum"
    );
    assert_close(
        interim.maximum_analysed,
        r["maximum_analysed"].as_f64().unwrap(),
        PARITY,
        &format!("{name} maximum analysed"),
    );
    assert_eq!(interim.tests.len(), 1, "{name}: one treated arm");
    check(&interim.tests[0], &r, name);
    (analysis, grade, r)
}

#[test]
fn alpha_spending_at_the_information_reached_matches_rpact() {
    let (analysis, _, _) = run_case("spending_obf_look2");
    let t = &analysis.interim.as_ref().unwrap().tests[0];
    assert_eq!(t.decision, InterimDecision::MayStopForEfficacy);
    assert_eq!(
        t.sentence,
        "may stop for efficacy: the effect crossed the O'Brien–Fleming-like alpha-spending boundary at look 2 of 3 (|z| = 2.92 against the boundary 2.35)"
    );
    let (analysis, _, _) = run_case("hsd_look2_declared");
    assert!(analysis.interim.as_ref().unwrap().information_declared);
}

#[test]
fn the_final_look_spends_what_is_left() {
    let (analysis, _, _) = run_case("spending_pocock_final");
    let t = &analysis.interim.as_ref().unwrap().tests[0];
    assert_eq!(t.decision, InterimDecision::EfficacyShown);
    assert_close(t.cumulative_alpha, 0.05, 1e-12, "all alpha spent");
}

#[test]
fn an_exact_boundary_keeps_the_later_looks_as_planned() {
    let (analysis, _, _) = run_case("obf_look1_declared");
    let t = &analysis.interim.as_ref().unwrap().tests[0];
    assert_eq!(t.decision, InterimDecision::Continue);
    assert!(
        t.sentence.starts_with("continue to the next look"),
        "{}",
        t.sentence
    );
}

#[test]
fn a_one_sided_plan_looks_only_in_the_beneficial_direction() {
    let (analysis, _, _) = run_case("pocock_one_sided_look1");
    let t = &analysis.interim.as_ref().unwrap().tests[0];
    assert_eq!(t.decision, InterimDecision::MayStopForEfficacy);
    assert_close(t.rci_level, 0.9, 1e-15, "one-sided RCI level");
    let (analysis, _, _) = run_case("pocock_one_sided_harmful");
    let t = &analysis.interim.as_ref().unwrap().tests[0];
    assert_eq!(t.decision, InterimDecision::Continue);
    assert_eq!(t.repeated_p_bound, Some(PBound::Above));
    assert_eq!(t.repeated_p, 0.5);
}

#[test]
fn the_grade_judges_significance_against_the_boundary() {
    // Look 1 of an exact O'Brien–Fleming plan: z = 2.92 is significant by the
    // ordinary interval but inside the boundary 3.17, so the finding is not shown.
    let (analysis, grade, r) = run_case("obf_look1_declared");
    let t = &analysis.interim.as_ref().unwrap().tests[0];
    let c = r["grade_critical_z"].as_f64().unwrap();
    for id in ["positive_change", "causal_effect"] {
        let criterion = grade.criteria.iter().find(|x| x.id == id).unwrap();
        assert_eq!(
            criterion.status,
            Status::NotMet,
            "{id}: {}",
            criterion.observed
        );
        assert!(
            criterion.observed.contains(&format!(
                "boundary {}",
                evident::report::format::significant(c, 3)
            )),
            "{id}: {}",
            criterion.observed
        );
        assert!(
            criterion.rule.contains("repeated confidence interval"),
            "{}",
            criterion.rule
        );
    }
    assert!(t.z.abs() < c);
    // Look 2 with alpha spending: crossed, so met.
    let (_, grade, _) = run_case("spending_obf_look2");
    let criterion = grade
        .criteria
        .iter()
        .find(|x| x.id == "causal_effect")
        .unwrap();
    assert_eq!(criterion.status, Status::Met, "{}", criterion.observed);
}

#[test]
fn bad_interim_looks_are_refused_naming_the_key() {
    let plan = json!({ "looks": 3, "boundary": "lan_demets" });
    let cases: Vec<(usize, Value, Value, &str)> = vec![
        (
            900,
            plan.clone(),
            json!({ "look": 4 }),
            "analysis.interim.look",
        ),
        (
            900,
            plan.clone(),
            json!({ "look": 0 }),
            "not one of the 3 looks",
        ),
        (
            900,
            plan.clone(),
            json!({ "look": 2, "information": [0.3] }),
            "look 2 needs 2 fractions",
        ),
        (
            900,
            plan.clone(),
            json!({ "look": 2, "information": [0.5, 0.4] }),
            "analysis.interim.information[1]",
        ),
        (
            900,
            plan.clone(),
            json!({ "look": 3, "information": [0.3, 0.6, 0.9] }),
            "the final analysis, whose information fraction is 1",
        ),
        (
            900,
            plan.clone(),
            json!({ "look": 2, "information": [0.3, 1.0] }),
            "more looks than the information allows",
        ),
        // The whole data set: more than the plan's maximum at look 2 of 3.
        (
            100_000,
            plan.clone(),
            json!({ "look": 2 }),
            "more looks than the information allows",
        ),
        // 900 units are past look 2's planned 2/3 of an exact O'Brien–Fleming plan.
        (
            900,
            json!({ "looks": 3 }),
            json!({ "look": 1 }),
            "at or past look 2's planned",
        ),
        // No interim looks planned.
        (
            900,
            Value::Null,
            json!({ "look": 1 }),
            "declare the looks in design.power.interim",
        ),
        (
            900,
            plan.clone(),
            json!({ "look": 1, "when": 2 }),
            "analysis.interim.when: unknown key",
        ),
    ];
    for (rows, planned, look, expected) in cases {
        let dir = interim_copy(rows, |s| {
            if !planned.is_null() {
                s["design"]["power"]["interim"] = planned.clone();
            }
            s["analysis"]["interim"] = look.clone();
        });
        let err = analyse(&dir.path().join("study.json")).unwrap_err();
        assert!(err.contains(expected), "{expected}: {err}");
    }
    // An equivalence margin on the primary outcome is not judged by an efficacy boundary.
    let dir = interim_copy(900, |s| {
        s["design"]["power"]["interim"] = json!({ "looks": 3 });
        s["analysis"]["interim"] = json!({ "look": 1, "information": [0.3] });
        s["analysis"]["non_inferiority"] = json!({ "licensable_found": 0.05 });
    });
    let err = analyse(&dir.path().join("study.json")).unwrap_err();
    assert!(
        err.contains("analysis.interim") && err.contains("margin"),
        "{err}"
    );
    // A design without arms.
    let dir = TempDir::new().unwrap();
    let from = repo().join("specs/ambulance-standby");
    std::fs::create_dir(dir.path().join("data")).unwrap();
    for entry in std::fs::read_dir(from.join("data")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.path().join("data").join(entry.file_name()),
        )
        .unwrap();
    }
    let mut spec: Value =
        serde_json::from_str(&std::fs::read_to_string(from.join("study.json")).unwrap()).unwrap();
    spec["analysis"]["interim"] = json!({ "look": 1 });
    std::fs::write(dir.path().join("study.json"), spec.to_string()).unwrap();
    let err = analyse(&dir.path().join("study.json")).unwrap_err();
    assert!(
        err.contains("analysis.interim") && err.contains("rct and cluster_rct"),
        "{err}"
    );
}

#[test]
fn the_report_and_the_terminal_say_whether_the_trial_may_stop() {
    let r = fixture()["cases"]["spending_obf_look2"].clone();
    let dir = case_copy(&r);
    let spec = dir.path().join("study.json");
    contract_support::evident()
        .args(["analyse", spec.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "Licensable HMO found [interim look] prioritised vs standard: may stop for efficacy: the effect crossed the O'Brien–Fleming-like alpha-spending boundary at look 2 of 3 (|z| = 2.92 against the boundary 2.35); 95% repeated CI 1.7 to 15.7 percentage points, repeated p 0.014",
        ));
    contract_support::evident()
        .args(["report", spec.to_str().unwrap()])
        .assert()
        .success();
    let md = std::fs::read_to_string(dir.path().join("report/report.md")).unwrap();
    for words in [
        "## Interim look",
        "This analysis is look 2 of 3 of a group-sequential trial planned with the O'Brien–Fleming-like alpha-spending boundary (two-sided, α = 0.05; design.power.interim)",
        "| prioritised vs standard | 0.747 | 8.7 percentage points | 1.7 to 15.7 | 2.92 | 2.35 | 0.019 | 0.014 | may stop for efficacy |",
        "Group-sequential look: may stop for efficacy",
        "at an interim look some have not yet reached follow-up",
    ] {
        assert!(md.contains(words), "report.md lacks: {words}");
    }
}

/// The example (specs/ward-falls-alert/interim.json): a cluster plan counts wards, so
/// the information is the wards analysed over the plan's maximum; the CR2 statistic's
/// few degrees of freedom widen the repeated interval beyond the normal one.
#[test]
fn the_ward_example_reads_its_information_in_wards() {
    let (analysis, _) = analyse(&repo().join("specs/ward-falls-alert/interim.json")).unwrap();
    let look = analysis.interim.as_ref().unwrap();
    assert!(look.counts_clusters);
    assert_eq!((look.maximum_size, look.look, look.looks), (25, 2, 3));
    let t = &look.tests[0];
    assert_eq!(t.analysed, 23);
    assert_close(t.fractions[1], 23.0 / 25.0, 1e-15, "wards over the maximum");
    assert_eq!(t.decision, InterimDecision::Continue);
    assert!(
        t.critical_t > t.critical_z && t.z.abs() < t.t.abs(),
        "{t:?}"
    );
    assert_eq!(
        evident::report::format::significant(t.critical_z, 3),
        "2.07"
    );
}
