//! The grade's rules on hand-built analyses: each test sets exactly the figures a
//! rule reads (flow counts, estimates, balance rows) and checks the verdict.

use super::*;
use crate::analysis::{Flow, GroupSummary};
use crate::spec::{EstimatorKind, MissingPolicy, PAdjustMethod, load_spec, validate};

/// A validated plan from a spec body (design and evidence JSON), with the files it
/// names written beside it.
fn plan(design: &str, evidence: &str) -> Plan {
    let dir = tempfile::TempDir::new().unwrap();
    std::fs::write(dir.path().join("units.csv"), "id,arm,school\n1,control,a\n").unwrap();
    std::fs::write(dir.path().join("outcomes.csv"), "id,y,x\n1,1,1\n").unwrap();
    let spec = format!(
        r#"{{"evident": 1, "title": "t",
        "statement": {{"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]}},
        "design": {design},
        "outcomes": [{{"name": "y", "type": "continuous", "role": "primary"}}],
        "analysis": {{"data": "outcomes.csv", "covariates": ["x"]}},
        "evidence": {evidence}}}"#
    );
    let path = dir.path().join("study.json");
    std::fs::write(&path, spec).unwrap();
    let file = load_spec(&path).unwrap();
    validate(&file).unwrap().0
}

const RCT: &str = r#"{"kind": "rct", "units": {"file": "units.csv", "id": "id", "arm": "arm"},
    "arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}]}"#;
const CLUSTER_RCT: &str = r#"{"kind": "cluster_rct", "cluster": "school",
    "units": {"file": "units.csv", "id": "id", "arm": "arm"},
    "arms": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}]}"#;

fn arm(name: &str, allocated: Option<usize>, analysed: usize) -> ArmFlow {
    ArmFlow {
        arm: name.into(),
        allocated,
        with_data: analysed,
        lost_to_follow_up: allocated.map(|a| a - analysed),
        excluded_missing: 0,
        excluded_by_column: Vec::new(),
        not_matched: Vec::new(),
        analysed,
        clusters_allocated: None,
        clusters_analysed: None,
        clusters_with_data: None,
        clusters_lost: None,
        allocated_in_retained_clusters: None,
    }
}

fn group(name: &str, n: usize) -> GroupSummary {
    GroupSummary {
        name: name.into(),
        n,
        mean: 0.0,
        sd: 1.0,
    }
}

/// A comparison of `treated` against control with the given estimate and SE (t on
/// `df` degrees of freedom), reported at the analysis' alpha and alternative.
fn comparison(
    treated: &str,
    n: [usize; 2],
    estimate: f64,
    se: f64,
    alternative: Alternative,
) -> Comparison {
    Comparison {
        estimator: EstimatorKind::DifferenceInMeans,
        contrast: format!("{treated} vs control"),
        groups: vec![group("control", n[0]), group(treated, n[1])],
        estimate: Estimate::from_t(estimate, se, 100.0, 0.9, alternative),
        outcome_sd: 1.0,
        standardised: None,
        risk_ratio: None,
        odds_ratio: None,
        p_adjusted: None,
        randomisation: None,
        design: None,
    }
}

fn balance(treated: &str, variable: &str, level: Option<&str>, g: f64) -> BalanceRow {
    BalanceRow {
        variable: variable.into(),
        level: level.map(String::from),
        contrast: format!("{treated} vs control"),
        measure: if level.is_some() {
            BalanceMeasure::CoxIndex
        } else {
            BalanceMeasure::HedgesG
        },
        n_control: 100,
        n_treatment: 100,
        mean_control: 0.0,
        mean_treatment: 0.0,
        effect_size: g,
        adjusted: false,
        treated_arm: 1,
        control_arm: 0,
    }
}

fn analysis(
    arms: Vec<ArmFlow>,
    comparisons: Vec<Comparison>,
    baseline: Vec<BalanceRow>,
) -> Analysis {
    // The analysis keeps balance for every ordered pair of arms by arm index
    // (`Analysis::contrast` reads it): index each row by its contrast's arm names.
    let index = |name: &str| arms.iter().position(|a| a.arm == name).unwrap();
    let pairwise_balance = baseline
        .iter()
        .map(|row| {
            let (treated, control) = row.contrast.split_once(" vs ").unwrap();
            BalanceRow {
                treated_arm: index(treated),
                control_arm: index(control),
                ..row.clone()
            }
        })
        .collect();
    Analysis {
        alpha: 0.1,
        conf_level: 0.9,
        alternative: Alternative::TwoSided,
        multiple_comparisons: PAdjustMethod::Holm,
        missing_policy: MissingPolicy::Error,
        flow: Flow {
            arms,
            outcome: "y".into(),
            estimator: EstimatorKind::DifferenceInMeans,
        },
        outcomes: vec![crate::analysis::OutcomeResult {
            outcome: "y".into(),
            label: "y".into(),
            role: crate::spec::OutcomeRole::Primary,
            outcome_type: crate::spec::OutcomeType::Continuous,
            better: Direction::Higher,
            unit: None,
            excluded_missing: 0,
            complier_effects: Vec::new(),
            equivalence: Vec::new(),
            attrition_bounds: Vec::new(),
            comparisons,
        }],
        baseline,
        randomisation_inference: None,
        warnings: Vec::new(),
        pairwise_balance,
        matched: None,
        regression_discontinuity: None,
        interrupted_time_series: None,
        difference_in_differences: None,
        stepped_wedge: None,
        subgroups: Vec::new(),
        economics: Vec::new(),
        staggered_rollout: None,
        interim: None,
    }
}

/// A two-arm trial: 200 allocated per arm, `analysed` per arm, effect 0.3 (SE 0.1).
fn two_arm(analysed: [usize; 2], baseline: Vec<BalanceRow>) -> Analysis {
    analysis(
        vec![
            arm("control", Some(200), analysed[0]),
            arm("treatment", Some(200), analysed[1]),
        ],
        vec![comparison(
            "treatment",
            analysed,
            0.3,
            0.1,
            Alternative::TwoSided,
        )],
        baseline,
    )
}

fn criterion<'a>(grade: &'a Grade, id: &str) -> &'a Criterion {
    grade
        .criteria
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("criterion {id} is graded"))
}

#[test]
fn a_sound_trial_reaches_level_three_with_the_number_analysed_in_both_arms() {
    let grade = grade(
        &plan(RCT, "{}"),
        Some(&two_arm(
            [190, 186],
            vec![balance("treatment", "x", None, 0.01)],
        )),
    );
    assert_eq!(grade.level, 3);
    assert_eq!(
        grade.graded_contrast.as_deref(),
        Some("treatment vs control")
    );
    assert!(
        criterion(&grade, "outcome_data")
            .observed
            .contains("376 units")
    );
    assert!(
        criterion(&grade, "sample_size")
            .observed
            .contains("376 units analysed (190 control, 186 treatment)")
    );
    assert_eq!(grade.sms.level, 5);
}

#[test]
fn unknown_attrition_is_not_assessed_and_makes_baseline_equivalence_required() {
    let mut a = two_arm([190, 186], vec![]);
    a.flow.arms.iter_mut().for_each(|arm| arm.allocated = None);
    let grade = grade(&plan(RCT, "{}"), Some(&a));
    let attrition = criterion(&grade, "attrition");
    assert_eq!(attrition.status, Status::NotAssessed);
    assert!(attrition.observed.contains("design.units"));
    // Required now, and with no covariates it cannot be shown either.
    let balance = criterion(&grade, "baseline_equivalence");
    assert_eq!(balance.status, Status::NotAssessed);
    assert!(balance.rule.starts_with("Level 3 needs"));
    assert_eq!(grade.level, 2);
    assert!(grade.summary.contains("low attrition (not assessed)"));
    // Balance shown: still not level 3, since attrition is not assessed.
    let mut a = two_arm([190, 186], vec![balance_row_ok()]);
    a.flow.arms.iter_mut().for_each(|arm| arm.allocated = None);
    let graded = super::grade(&plan(RCT, "{}"), Some(&a));
    assert_eq!(
        criterion(&graded, "baseline_equivalence").status,
        Status::Met
    );
    assert_eq!(graded.level, 2);
}

fn balance_row_ok() -> BalanceRow {
    balance("treatment", "x", None, 0.01)
}

#[test]
fn losing_three_of_ten_treated_clusters_is_high_attrition() {
    let mut a = two_arm([200, 200], vec![balance_row_ok()]);
    a.flow.arms[0].clusters_allocated = Some(10);
    a.flow.arms[0].clusters_analysed = Some(10);
    a.flow.arms[1].clusters_allocated = Some(10);
    a.flow.arms[1].clusters_analysed = Some(7);
    let grade = grade(&plan(CLUSTER_RCT, "{}"), Some(&a));
    let clusters = criterion(&grade, "cluster_attrition");
    assert_eq!(clusters.status, Status::NotMet);
    assert!(
        clusters
            .observed
            .contains("3 of 10 treatment clusters lost"),
        "{}",
        clusters.observed
    );
    // Individuals are all analysed, but attrition is high: balance becomes required.
    assert_eq!(criterion(&grade, "attrition").status, Status::Met);
    assert!(
        criterion(&grade, "baseline_equivalence")
            .rule
            .starts_with("Level 3 needs")
    );
    assert!(grade.level < 3);
    // The same trial without cluster counts: not assessed, counted as high.
    a.flow
        .arms
        .iter_mut()
        .for_each(|arm| arm.clusters_allocated = None);
    let grade = super::grade(&plan(CLUSTER_RCT, "{}"), Some(&a));
    assert_eq!(
        criterion(&grade, "cluster_attrition").status,
        Status::NotAssessed
    );
    assert!(grade.level < 3);
    // No cluster lost: level 3.
    a.flow.arms.iter_mut().for_each(|arm| {
        arm.clusters_allocated = Some(10);
        arm.clusters_analysed = Some(10);
    });
    assert_eq!(super::grade(&plan(CLUSTER_RCT, "{}"), Some(&a)).level, 3);
}

#[test]
fn significance_is_two_sided_at_the_evidence_alpha_whatever_the_analysis_says() {
    // t = 1.8 on 100 df: one-sided p = 0.0375, two-sided 0.075. The analysis is
    // one-sided at alpha 0.1; the grade is two-sided at 0.05, so the effect is not
    // significant for the grade.
    let mut a = two_arm([200, 200], vec![balance_row_ok()]);
    a.alternative = Alternative::Greater;
    a.outcomes[0].comparisons = vec![comparison(
        "treatment",
        [200, 200],
        0.18,
        0.1,
        Alternative::Greater,
    )];
    assert!(a.outcomes[0].comparisons[0].estimate.p_value < 0.05);
    let grade = grade(&plan(RCT, "{}"), Some(&a));
    let effect = criterion(&grade, "causal_effect");
    assert_eq!(effect.status, Status::NotMet);
    assert!(
        effect.observed.contains("two-sided p = 0.075"),
        "{}",
        effect.observed
    );
    // The two-sided p equals R 4.x's 2 * pt(-1.8, 100) (printed with digits = 12).
    let p = two_sided(&a.outcomes[0].comparisons[0].estimate, 0.05).p_value;
    let r = 0.074_875_897_867_f64;
    assert!(((p - r) / r).abs() < 1e-10, "{p}");
    // A looser evidence threshold changes the grade; the analysis settings did not.
    let grade = super::grade(&plan(RCT, r#"{"thresholds": {"alpha": 0.1}}"#), Some(&a));
    assert_eq!(criterion(&grade, "causal_effect").status, Status::Met);
}

#[test]
fn the_mdes_uses_the_evidence_alpha() {
    let a = two_arm([200, 200], vec![balance_row_ok()]);
    let strict = grade(&plan(RCT, "{}"), Some(&a));
    let loose = grade(&plan(RCT, r#"{"thresholds": {"alpha": 0.1}}"#), Some(&a));
    let mdes = |g: &Grade| {
        let expected = mdes_from_standard_error(0.1, 100.0, g.evidence_alpha, 0.8).unwrap();
        assert!(
            criterion(g, "sample_size")
                .observed
                .contains(&significant(expected, 3))
        );
        expected
    };
    assert!(mdes(&strict) > mdes(&loose));
}

#[test]
fn a_significant_harmful_change_is_called_harmful() {
    let mut a = two_arm([200, 200], vec![balance_row_ok()]);
    a.outcomes[0].comparisons = vec![comparison(
        "treatment",
        [200, 200],
        -0.5,
        0.1,
        Alternative::TwoSided,
    )];
    let grade = grade(&plan(RCT, "{}"), Some(&a));
    let effect = criterion(&grade, "causal_effect");
    assert_eq!(effect.status, Status::NotMet);
    assert!(effect.observed.contains("harmful"), "{}", effect.observed);
    // Not significant: not called harmful.
    a.outcomes[0].comparisons = vec![comparison(
        "treatment",
        [200, 200],
        -0.05,
        0.1,
        Alternative::TwoSided,
    )];
    let grade = super::grade(&plan(RCT, "{}"), Some(&a));
    assert!(
        !criterion(&grade, "causal_effect")
            .observed
            .contains("harmful")
    );
}

#[test]
fn a_categorical_imbalance_names_its_level() {
    let a = two_arm(
        [150, 140],
        vec![balance("treatment", "region", Some("north"), 0.4)],
    );
    let grade = grade(&plan(RCT, "{}"), Some(&a));
    let balance = criterion(&grade, "baseline_equivalence");
    assert_eq!(balance.status, Status::NotMet);
    assert!(
        balance.observed.contains("region = north (Cox index 0.4)"),
        "{}",
        balance.observed
    );
}

const THREE_ARMS: &str = r#"{"kind": "rct", "units": {"file": "units.csv", "id": "id", "arm": "arm"},
    "arms": [{"name": "control", "share": 0.4}, {"name": "letter", "share": 0.3}, {"name": "visit", "share": 0.3}]}"#;
const THREE_ARMS_REORDERED: &str = r#"{"kind": "rct", "control": "control",
    "units": {"file": "units.csv", "id": "id", "arm": "arm"},
    "arms": [{"name": "visit", "share": 0.3}, {"name": "letter", "share": 0.3}, {"name": "control", "share": 0.4}]}"#;

/// Letter: significant with low attrition; visit: high attrition and imbalanced.
fn three_arm(order: [&str; 3]) -> Analysis {
    let flow = |name: &str| match name {
        "control" => arm("control", Some(200), 190),
        "letter" => arm("letter", Some(200), 188),
        _ => arm("visit", Some(200), 120),
    };
    let compare = |name: &str| match name {
        "letter" => comparison("letter", [190, 188], 0.4, 0.1, Alternative::TwoSided),
        _ => comparison("visit", [190, 120], 0.4, 0.1, Alternative::TwoSided),
    };
    let treated: Vec<&str> = order.iter().copied().filter(|a| *a != "control").collect();
    analysis(
        order.iter().map(|a| flow(a)).collect(),
        treated.iter().map(|a| compare(a)).collect(),
        treated
            .iter()
            .map(|a| balance(a, "x", None, if *a == "visit" { 0.3 } else { 0.0 }))
            .collect(),
    )
}

#[test]
fn multi_arm_grades_each_contrast_on_its_own_arms_whatever_their_order() {
    let first = grade(
        &plan(THREE_ARMS, "{}"),
        Some(&three_arm(["control", "letter", "visit"])),
    );
    let second = grade(
        &plan(THREE_ARMS_REORDERED, "{}"),
        Some(&three_arm(["visit", "letter", "control"])),
    );
    assert_eq!(first.level, second.level);
    assert_eq!(first.graded_contrast, second.graded_contrast);
    assert_eq!(
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&second).unwrap()
    );
    // Every contrast graded; the lowest (visit: high attrition, imbalance) is reported.
    assert_eq!(first.graded_contrast.as_deref(), Some("visit vs control"));
    let levels: Vec<(String, u8)> = first
        .contrast_levels
        .iter()
        .map(|c| (c.contrast.clone(), c.level))
        .collect();
    assert_eq!(
        levels,
        [
            ("letter vs control".to_string(), 3),
            ("visit vs control".to_string(), 2)
        ]
    );
    // Attrition is on the visit contrast's two arms only: 310 of 400.
    assert!(
        criterion(&first, "attrition")
            .observed
            .starts_with("310 of 400")
    );
    // Declaring the graded arm grades that contrast alone.
    let letter = grade(
        &plan(THREE_ARMS_REORDERED, r#"{"graded_arm": "letter"}"#),
        Some(&three_arm(["visit", "letter", "control"])),
    );
    assert_eq!(letter.level, 3);
    assert!(letter.contrast_levels.is_empty());
    assert!(
        criterion(&letter, "attrition")
            .observed
            .starts_with("378 of 400")
    );
}

#[test]
fn without_outcome_data_the_data_criteria_are_not_assessed() {
    let grade = grade(&plan(RCT, "{}"), None);
    assert_eq!(grade.level, 1);
    for id in [
        "outcome_data",
        "positive_change",
        "causal_effect",
        "attrition",
        "baseline_equivalence",
        "sample_size",
    ] {
        let c = criterion(&grade, id);
        assert_eq!(c.status, Status::NotAssessed, "{id}");
        assert!(c.observed.contains("analysis"), "{id}: {}", c.observed);
    }
    assert!(!Status::NotAssessed.passes());
}

#[test]
fn a_cluster_trials_individuals_are_judged_within_the_retained_clusters() {
    // 40 clusters of 5 per arm. Control: all clusters kept, 196 of 200 analysed (2 %).
    // Treatment: one cluster lost whole, so 195 units were allocated in the retained
    // clusters, of whom 182 are analysed.
    let mut a = two_arm([196, 182], vec![balance_row_ok()]);
    for (arm, (kept, in_kept)) in a.flow.arms.iter_mut().zip([(40, 200), (39, 195)]) {
        arm.clusters_allocated = Some(40);
        arm.clusters_analysed = Some(kept);
        arm.allocated_in_retained_clusters = Some(in_kept);
    }
    let grade = grade(&plan(CLUSTER_RCT, "{}"), Some(&a));
    // Clusters: 1 of 80 lost (1.25 %), differential 2.5 points: low.
    assert_eq!(criterion(&grade, "cluster_attrition").status, Status::Met);
    // Individuals within retained clusters: 1 − 378/395 = 4.30 % overall; 2 % against
    // 1 − 182/195 = 6.67 %, 4.67 points differential; cautious boundary at 4.3 % is
    // 6.0: low.
    let individuals = criterion(&grade, "attrition");
    assert_eq!(individuals.status, Status::Met, "{}", individuals.observed);
    assert!(
        individuals.observed.starts_with(
            "378 of 395 units allocated in the retained clusters analysed; overall attrition of units 4.3%, differential 4.7 percentage points"
        ),
        "{}",
        individuals.observed
    );
    assert!(individuals.rule.contains("within the retained clusters"));
    assert_eq!(grade.level, 3);
    // Over every allocated unit (clusters of the units not recorded) the same trial
    // shows 5.5 % overall and 7 points differential: high, and the text says why.
    a.flow
        .arms
        .iter_mut()
        .for_each(|arm| arm.allocated_in_retained_clusters = None);
    let grade = super::grade(&plan(CLUSTER_RCT, "{}"), Some(&a));
    let individuals = criterion(&grade, "attrition");
    assert_eq!(individuals.status, Status::NotMet);
    assert!(
        individuals.observed.starts_with(
            "378 of 400 allocated units (the clusters of the allocated units are not recorded"
        ),
        "{}",
        individuals.observed
    );
    assert!(
        individuals
            .observed
            .contains("overall attrition of units 5.5%, differential 7.0 percentage points"),
        "{}",
        individuals.observed
    );
}

#[test]
fn the_grading_text_states_effects_on_the_outcomes_scale_with_shared_decimals() {
    // Binary: percentage points. 95% CI −0.01534 ± t(0.975, 100) × 0.038.
    let mut a = two_arm([200, 200], vec![balance_row_ok()]);
    a.outcomes[0].outcome_type = crate::spec::OutcomeType::Binary;
    a.outcomes[0].comparisons = vec![comparison(
        "treatment",
        [200, 200],
        -0.01534,
        0.038,
        Alternative::TwoSided,
    )];
    let grade = grade(&plan(RCT, "{}"), Some(&a));
    let effect = criterion(&grade, "causal_effect");
    assert!(
        effect.observed.contains(
            "treatment vs control: difference −1.5 percentage points (95% CI −9.1 to 6.0), two-sided p = 0.69"
        ),
        "{}",
        effect.observed
    );
    // Continuous with a unit: 0.3 ± 1.984 × 0.1 has half-width 0.198, two decimals.
    let mut a = two_arm([200, 200], vec![balance_row_ok()]);
    a.outcomes[0].unit = Some("minutes".into());
    let grade = super::grade(&plan(RCT, "{}"), Some(&a));
    let effect = criterion(&grade, "causal_effect");
    assert!(
        effect
            .observed
            .contains("difference 0.30 minutes (95% CI 0.10 to 0.50)"),
        "{}",
        effect.observed
    );
    // Attrition at the one decimal it is judged at: 1 − 376/400 = 6.0 %, 2.0 points.
    let a = two_arm([190, 186], vec![balance_row_ok()]);
    let grade = super::grade(&plan(RCT, "{}"), Some(&a));
    assert!(
        criterion(&grade, "attrition")
            .observed
            .contains("overall attrition of units 6.0%, differential 2.0 percentage points (largest acceptable at this rate: 6.2 points)"),
        "{}",
        criterion(&grade, "attrition").observed
    );
}
