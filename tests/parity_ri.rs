//! Randomisation inference against R, by full enumeration (tests/reference/ri/ri.R),
//! and its properties: with rerandomisation the reference distribution holds only
//! accepted allocations (and the p-value differs from the unrestricted one), the same
//! spec gives the same bytes on any number of threads.

use std::path::{Path, PathBuf};

use evident::analysis::{Analysis, RiMethod};
use evident::assign::{self, Redrawer, Scratch};
use evident::pipeline::{self, Scope};
use evident::spec::{EstimatorKind, Plan};
use evident::stats::estimate::Alternative;
use evident::stats::prec::{PARITY, assert_close};
use serde_json::Value;
use tempfile::TempDir;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> Value {
    let text = std::fs::read_to_string(repo().join("tests/reference/ri/ri.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Copies a reference case (spec and data) into a temporary folder.
fn case(name: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    for file in ["study.json", "units.csv", "outcomes.csv"] {
        std::fs::copy(
            repo().join("tests/reference/ri").join(name).join(file),
            dir.path().join(file),
        )
        .unwrap();
    }
    dir
}

fn plan(spec: &Path) -> Plan {
    pipeline::check(spec).unwrap().plan
}

fn analyse(plan: &Plan) -> Analysis {
    pipeline::analyse_and_grade(plan).unwrap().0.unwrap()
}

fn estimator_key(kind: EstimatorKind) -> &'static str {
    match kind {
        EstimatorKind::DifferenceInMeans => "difference_in_means",
        EstimatorKind::RegressionAdjusted => "regression_adjusted",
        EstimatorKind::Lin => "lin",
        _ => unreachable!(),
    }
}

#[test]
fn exact_enumeration_matches_r_combn_for_complete_blocked_and_unequal_designs() {
    let reference = reference();
    for name in ["complete12", "blocked12", "unequal11"] {
        let dir = case(name);
        let spec = dir.path().join("study.json");
        // The assign stage makes the allocation R read.
        pipeline::run(&spec, Scope::All, None, false).unwrap();
        let committed = std::fs::read(
            repo()
                .join("tests/reference/ri")
                .join(name)
                .join("assignments.csv"),
        )
        .unwrap();
        let written = std::fs::read(dir.path().join("out/assignments.csv")).unwrap();
        assert_eq!(
            written, committed,
            "{name}: the allocation R enumerated around"
        );
        let mut plan = plan(&spec);
        for (alternative, key) in [
            (Alternative::TwoSided, "two_sided"),
            (Alternative::Greater, "upper"),
            (Alternative::Less, "lower"),
        ] {
            plan.analysis.as_mut().unwrap().alternative = alternative;
            let analysis = analyse(&plan);
            let summary = analysis.randomisation_inference.as_ref().unwrap();
            assert_eq!(summary.method, RiMethod::Exact, "{name}");
            assert!(!summary.acceptance_rule_applied);
            for comparison in &analysis.outcomes[0].comparisons {
                let expected = &reference["cases"][name][estimator_key(comparison.estimator)];
                let ri = comparison.randomisation.as_ref().unwrap();
                let what = format!("{name} {:?} {key}", comparison.estimator);
                assert_close(
                    ri.statistic,
                    expected["statistic"].as_f64().unwrap(),
                    1e-9,
                    &what,
                );
                // The statistic is the estimate the analysis reports.
                assert_close(ri.statistic, comparison.estimate.estimate, 1e-9, &what);
                assert_close(ri.p_value, expected[key].as_f64().unwrap(), PARITY, &what);
                assert_eq!(
                    summary.possible_allocations,
                    expected["allocations"].as_u64(),
                    "{what}"
                );
                assert!(ri.monte_carlo_se.is_none());
            }
        }
    }
}

/// 30 units, a covariate that predicts the outcome strongly, and rerandomisation on it.
fn rerandomised_study(draws: u64) -> TempDir {
    let dir = TempDir::new().unwrap();
    let mut units = String::from("id,x\n");
    for i in 0..30 {
        let x = ((i * 17) % 30) as f64 / 3.0;
        units.push_str(&format!("U{i:02},{x}\n"));
    }
    std::fs::write(dir.path().join("units.csv"), units).unwrap();
    let spec = format!(
        r#"{{
  "evident": 1,
  "title": "Rerandomised",
  "statement": {{"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]}},
  "design": {{
    "kind": "rct",
    "units": {{"file": "units.csv", "id": "id"}},
    "arms": [{{"name": "control", "share": 0.5}}, {{"name": "treatment", "share": 0.5}}],
    "assignment": {{"method": "complete", "seed": 7,
      "rerandomisation": {{"covariates": ["x"], "max_mahalanobis": 0.05}}}}
  }},
  "outcomes": [{{"name": "y", "type": "continuous", "role": "primary"}}],
  "analysis": {{"data": "outcomes.csv", "randomisation_inference": {{"draws": {draws}}}}},
  "evidence": {{"target_level": 1}},
  "report": {{"dir": "out", "formats": ["json"]}}
}}"#
    );
    std::fs::write(dir.path().join("study.json"), spec).unwrap();
    // The spec check needs the outcomes file's header; the values follow the allocation.
    std::fs::write(dir.path().join("outcomes.csv"), "id,y\n").unwrap();
    // Allocate, then write outcomes: y = 2x + noise + 1 for treated units.
    let plan = plan(&dir.path().join("study.json"));
    let (csv, _) = assign::allocate_to_bytes(&plan, 7).unwrap();
    let mut outcomes = String::from("id,y\n");
    for (i, line) in String::from_utf8(csv).unwrap().lines().skip(1).enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let id: usize = fields[0][1..].parse().unwrap();
        let x = ((id * 17) % 30) as f64 / 3.0;
        let noise = ((i * 7) % 5) as f64 / 10.0;
        let effect = if fields[1] == "treatment" { 1.0 } else { 0.0 };
        outcomes.push_str(&format!("{},{}\n", fields[0], 2.0 * x + noise + effect));
    }
    std::fs::write(dir.path().join("outcomes.csv"), outcomes).unwrap();
    dir
}

#[test]
fn rerandomised_reference_distribution_holds_only_accepted_allocations() {
    let dir = rerandomised_study(2000);
    let spec = dir.path().join("study.json");
    pipeline::run(&spec, Scope::All, None, false).unwrap();
    let plan = plan(&spec);
    let assignment = plan.assignment.as_ref().unwrap();
    let threshold = assignment
        .rerandomisation
        .as_ref()
        .unwrap()
        .rule
        .max_mahalanobis;

    // Every re-draw passes the rule: M recomputed from the drawn arms.
    let prepared = assign::prepare(&plan, assignment).unwrap();
    let redrawer = Redrawer::new(&prepared, 7).unwrap();
    let mut scratch = Scratch::default();
    let mut rejected_before_acceptance = 0;
    for k in 1..=300 {
        let redraw = redrawer.draw(k, &mut scratch).unwrap();
        let m = redrawer.balance_statistic(&scratch.unit_arm).unwrap();
        assert!(m <= threshold, "re-draw {k}: M = {m} > {threshold}");
        assert_eq!(redraw.statistic, Some(m));
        rejected_before_acceptance += redraw.draws - 1;
    }
    assert!(
        rejected_before_acceptance > 300,
        "the rule must bite: {rejected_before_acceptance}"
    );

    let restricted = analyse(&plan);
    let summary = restricted.randomisation_inference.as_ref().unwrap();
    assert_eq!(summary.method, RiMethod::Sampled);
    assert!(summary.acceptance_rule_applied);
    assert_eq!(summary.reference_allocations, 2000);
    assert!(summary.allocations_drawn.unwrap() > 2000 * 5);
    assert!(summary.largest_statistic.unwrap() <= threshold);
    let p_restricted = restricted.outcomes[0].comparisons[0]
        .randomisation
        .as_ref()
        .unwrap();

    // The same observed allocation, tested as if it had not been rerandomised.
    let mut unrestricted_plan = plan.clone();
    unrestricted_plan
        .assignment
        .as_mut()
        .unwrap()
        .rerandomisation = None;
    let unrestricted = analyse(&unrestricted_plan);
    let u_summary = unrestricted.randomisation_inference.as_ref().unwrap();
    assert!(!u_summary.acceptance_rule_applied);
    assert_eq!(u_summary.allocations_drawn, Some(2000));
    let p_unrestricted = unrestricted.outcomes[0].comparisons[0]
        .randomisation
        .as_ref()
        .unwrap();
    assert_eq!(p_restricted.statistic, p_unrestricted.statistic);
    // x explains the outcome, so balanced allocations spread T much less: ignoring
    // the rule gives a larger (conservative) p-value.
    assert!(
        p_unrestricted.p_value > p_restricted.p_value + 0.1,
        "restricted {} vs unrestricted {}",
        p_restricted.p_value,
        p_unrestricted.p_value
    );
    let se = p_restricted.monte_carlo_se.unwrap();
    let expected = (p_restricted.p_value * (1.0 - p_restricted.p_value) / 2000.0).sqrt();
    assert_close(se, expected, 1e-12, "Monte Carlo SE");
    let (low, high) = (
        p_restricted.conf_low.unwrap(),
        p_restricted.conf_high.unwrap(),
    );
    assert!(low <= p_restricted.p_value && p_restricted.p_value <= high);
}

#[test]
fn exact_enumeration_under_rerandomisation_keeps_only_accepted_allocations() {
    let dir = case("complete12");
    let spec_path = dir.path().join("study.json");
    let text = std::fs::read_to_string(&spec_path).unwrap().replace(
        r#""seed": 11"#,
        r#""seed": 11, "rerandomisation": {"covariates": ["x"], "acceptance_probability": 0.3}"#,
    );
    std::fs::write(&spec_path, text).unwrap();
    pipeline::run(&spec_path, Scope::All, None, false).unwrap();
    let plan = plan(&spec_path);
    let threshold = plan
        .assignment
        .as_ref()
        .unwrap()
        .rerandomisation
        .as_ref()
        .unwrap()
        .rule
        .max_mahalanobis;
    let analysis = analyse(&plan);
    let summary = analysis.randomisation_inference.as_ref().unwrap();
    assert_eq!(summary.method, RiMethod::Exact);
    assert_eq!(summary.possible_allocations, Some(924));
    let accepted = summary.reference_allocations;
    assert!(accepted < 924 && accepted > 100, "{accepted}");
    assert!(summary.largest_statistic.unwrap() <= threshold);
    for comparison in &analysis.outcomes[0].comparisons {
        assert_eq!(
            comparison.randomisation.as_ref().unwrap().allocations,
            accepted
        );
    }
}

#[test]
fn the_same_spec_gives_the_same_p_value_bytes_on_any_number_of_threads() {
    let dir = rerandomised_study(700);
    let spec = dir.path().join("study.json");
    let first = pipeline::run(&spec, Scope::All, None, false).unwrap();
    let report = std::fs::read(first.report_dir.join("report.json")).unwrap();
    let again = pipeline::run(&spec, Scope::All, None, false).unwrap();
    assert_eq!(
        report,
        std::fs::read(again.report_dir.join("report.json")).unwrap()
    );
    let plan = plan(&spec);
    let p_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let analysis = pool.install(|| analyse(&plan));
        serde_json::to_value(&analysis.outcomes[0].comparisons[0].randomisation).unwrap()
    };
    let one = p_with(1);
    assert_eq!(one, p_with(3));
    let from_report: Value = serde_json::from_slice(&report).unwrap();
    let in_report = &from_report["analysis"]["outcomes"][0]["comparisons"][0]["randomisation"];
    assert_eq!(in_report, &one);
}

/// Trials allocated outside Evident (arms in the data): exact p-values under the
/// declared procedure against R's combn enumeration (tests/reference/ri/declared.R).
#[test]
fn declared_procedures_match_r_combn_for_complete_blocked_and_cluster_randomisation() {
    let text = std::fs::read_to_string(repo().join("tests/reference/ri/declared.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    for (name, procedure) in [
        ("declared_complete13", evident::spec::RiProcedure::Complete),
        ("declared_blocked14", evident::spec::RiProcedure::Blocked),
        ("declared_cluster8", evident::spec::RiProcedure::Cluster),
    ] {
        let mut plan = plan(
            &repo()
                .join("tests/reference/ri")
                .join(name)
                .join("study.json"),
        );
        for (alternative, key) in [
            (Alternative::TwoSided, "two_sided"),
            (Alternative::Greater, "upper"),
            (Alternative::Less, "lower"),
        ] {
            plan.analysis.as_mut().unwrap().alternative = alternative;
            let analysis = analyse(&plan);
            let summary = analysis.randomisation_inference.as_ref().unwrap();
            assert_eq!(summary.method, RiMethod::Exact, "{name}");
            assert_eq!(
                summary.assumed_procedure.as_ref().unwrap().procedure,
                procedure
            );
            assert_eq!(summary.stream, "evident-ri-declared-v1");
            for comparison in &analysis.outcomes[0].comparisons {
                let expected = &reference["cases"][name][estimator_key(comparison.estimator)];
                let ri = comparison.randomisation.as_ref().unwrap();
                let what = format!("{name} {:?} {key}", comparison.estimator);
                assert_close(
                    ri.statistic,
                    expected["statistic"].as_f64().unwrap(),
                    1e-9,
                    &what,
                );
                assert_close(ri.statistic, comparison.estimate.estimate, 1e-12, &what);
                assert_close(ri.p_value, expected[key].as_f64().unwrap(), PARITY, &what);
                assert_eq!(
                    summary.possible_allocations,
                    expected["allocations"].as_u64(),
                    "{what}"
                );
            }
        }
    }
}

/// Sampled re-draws under a declared procedure: the same seed gives the same
/// p-value, no re-draw leaves a block without an arm, and the estimate agrees with
/// the exact p-value.
#[test]
fn declared_sampled_redraws_are_seeded_and_estimate_the_exact_p_value() {
    let spec = repo().join("tests/reference/ri/declared_blocked14/study.json");
    let mut plan = plan(&spec);
    let settings = plan
        .analysis
        .as_mut()
        .unwrap()
        .randomisation_inference
        .as_mut()
        .unwrap();
    settings.exact_limit = 0;
    settings.draws = 400;
    settings.seed = Some(7);
    let first = analyse(&plan);
    let second = analyse(&plan);
    let summary = first.randomisation_inference.as_ref().unwrap();
    assert_eq!(summary.method, RiMethod::Sampled);
    assert_eq!(summary.seed, 7);
    let p = |a: &Analysis| {
        a.outcomes[0].comparisons[0]
            .randomisation
            .as_ref()
            .unwrap()
            .p_value
    };
    assert_eq!(p(&first).to_bits(), p(&second).to_bits());
    // No re-draw leaves a block without both arms, so none is undefined.
    assert_eq!(
        first.outcomes[0].comparisons[0]
            .randomisation
            .as_ref()
            .unwrap()
            .undefined,
        0
    );
    // The sampled p-value estimates the exact one (0.2117 by enumeration): within
    // five Monte Carlo standard errors.
    let ri = first.outcomes[0].comparisons[0]
        .randomisation
        .as_ref()
        .unwrap();
    assert!((ri.p_value - 0.211_666_666_666_667).abs() < 5.0 * (0.2117 * 0.7883 / 400.0f64).sqrt());
}
