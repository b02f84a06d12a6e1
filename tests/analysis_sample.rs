//! The analytic sample, the flow and baseline balance (issue 14): each estimator's
//! sample from the columns it reads, the assign stage's allocation as the
//! intention-to-treat arm, the flow's reasons for loss and cluster counts, the
//! extreme-value rules, the Cox index and covariate types, and one contrast of a
//! multi-arm trial. Expected values are computed by hand in each test.

use std::path::PathBuf;

use evident::analysis::{Analysis, BalanceMeasure, BalanceRow, ColumnExclusion};
use evident::pipeline;
use evident::spec::EstimatorKind;
use evident::stats::prec::assert_close;
use tempfile::TempDir;

/// A study folder: `study.json` plus the CSV files given.
struct Study {
    dir: TempDir,
}

impl Study {
    fn new(spec: &str, files: &[(&str, &str)]) -> Study {
        let dir = TempDir::new().unwrap();
        std::fs::write(dir.path().join("study.json"), spec).unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Study { dir }
    }

    fn spec(&self) -> PathBuf {
        self.dir.path().join("study.json")
    }

    fn analyse(&self) -> Result<(Analysis, evident::evidence::Grade), String> {
        let checked = pipeline::check(&self.spec()).map_err(|e| e.to_string())?;
        let (analysis, grade) =
            pipeline::analyse_and_grade(&checked.plan).map_err(|e| e.to_string())?;
        Ok((analysis.unwrap(), grade))
    }
}

const STATEMENT: &str =
    r#""statement": {"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]}"#;

/// A two-arm RCT with arms in a units file; `outcome` and `analysis` are JSON members.
fn rct_spec(outcome: &str, analysis: &str) -> String {
    format!(
        r#"{{"evident": 1, "title": "t", {STATEMENT},
  "design": {{"kind": "rct", "units": {{"file": "units.csv", "id": "id", "arm": "arm"}},
    "arms": [{{"name": "control", "share": 0.5}}, {{"name": "treatment", "share": 0.5}}]}},
  "outcomes": [{outcome}],
  "analysis": {{"data": "outcomes.csv", {analysis}}},
  "report": {{"dir": "out"}}}}"#
    )
}

const UNITS: &str = "id,arm\n1,control\n2,control\n3,control\n4,control\n5,control\n6,treatment\n7,treatment\n8,treatment\n9,treatment\n10,treatment\n";
/// Unit 10 has no outcome row; x is missing for units 2 and 7, b for unit 3.
const OUTCOMES: &str = "id,y,x,b\n1,1.0,0.5,3\n2,2.0,,4\n3,1.5,0.3,\n4,2.5,0.9,5\n5,0.5,0.2,6\n6,3.0,0.2,2\n7,3.5,,7\n8,4.5,0.4,4\n9,2.0,0.8,3\n";

fn headline(analysis: &Analysis) -> &evident::analysis::Comparison {
    &analysis.outcomes[0].comparisons[0]
}

#[test]
fn a_secondary_estimator_or_a_baseline_for_balance_moves_neither_the_headline_nor_the_grade() {
    let y = r#"{"name": "y", "type": "continuous", "role": "primary"}"#;
    let y_with_baseline =
        r#"{"name": "y", "type": "continuous", "role": "primary", "baseline": "b"}"#;
    let plain = Study::new(
        &rct_spec(
            y,
            r#""covariates": ["x"], "estimators": ["difference_in_means"], "missing": "listwise""#,
        ),
        &[("units.csv", UNITS), ("outcomes.csv", OUTCOMES)],
    );
    let more = Study::new(
        &rct_spec(
            y_with_baseline,
            r#""covariates": ["x"], "estimators": ["difference_in_means", "regression_adjusted"], "missing": "listwise""#,
        ),
        &[("units.csv", UNITS), ("outcomes.csv", OUTCOMES)],
    );
    let (a, grade_a) = plain.analyse().unwrap();
    let (b, grade_b) = more.analyse().unwrap();
    // The difference in means reads only y: all 9 rows, by hand 3.25 − 1.5.
    assert_eq!(headline(&a).estimate.estimate, 3.25 - 1.5);
    assert_eq!(headline(&a).estimate, headline(&b).estimate);
    assert_eq!(headline(&b).groups[0].n + headline(&b).groups[1].n, 9);
    // The adjusted estimator loses the two rows without x, and only it does.
    let adjusted = &b.outcomes[0].comparisons[1];
    assert_eq!(adjusted.estimator, EstimatorKind::RegressionAdjusted);
    assert_eq!(adjusted.groups[0].n + adjusted.groups[1].n, 7);
    // Flow and attrition on the headline sample: 5 allocated per arm, unit 10 lost.
    for analysis in [&a, &b] {
        let flow = &analysis.flow;
        assert_eq!(flow.estimator, EstimatorKind::DifferenceInMeans);
        let counts: Vec<_> = flow
            .arms
            .iter()
            .map(|f| {
                (
                    f.allocated,
                    f.with_data,
                    f.lost_to_follow_up,
                    f.excluded_missing,
                    f.analysed,
                )
            })
            .collect();
        assert_eq!(
            counts,
            [(Some(5), 5, Some(0), 0, 5), (Some(5), 4, Some(1), 0, 4)]
        );
        assert_eq!(analysis.outcomes[0].excluded_missing, 0);
    }
    assert_eq!(grade_a.level, grade_b.level);
    let statuses = |g: &evident::evidence::Grade| {
        serde_json::to_value(&g.criteria)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["id"] != "baseline_equivalence")
            .map(|c| (c["id"].clone(), c["status"].clone(), c["observed"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(statuses(&grade_a), statuses(&grade_b));
    // The baseline b is balanced on the headline sample where present (8 of 9 rows).
    let row = b.baseline.iter().find(|r| r.variable == "b").unwrap();
    assert_eq!((row.n_control, row.n_treatment), (4, 4));
}

#[test]
fn the_flow_names_the_column_each_excluded_unit_was_missing() {
    let study = Study::new(
        &rct_spec(
            r#"{"name": "y", "type": "continuous", "role": "primary"}"#,
            r#""covariates": ["x"], "estimators": ["regression_adjusted", "difference_in_means"], "missing": "listwise""#,
        ),
        &[
            ("units.csv", UNITS),
            ("outcomes.csv", &OUTCOMES.replace("9,2.0,0.8,3", "9,,0.8,3")),
        ],
    );
    let (analysis, _) = study.analyse().unwrap();
    let flow = &analysis.flow;
    assert_eq!(flow.estimator, EstimatorKind::RegressionAdjusted);
    let control = &flow.arms[0];
    assert_eq!(
        control.excluded_by_column,
        [ColumnExclusion {
            column: "x".into(),
            units: 1
        }]
    );
    assert_eq!((control.excluded_missing, control.analysed), (1, 4));
    let treated = &flow.arms[1];
    assert_eq!(
        treated.excluded_by_column,
        [
            ColumnExclusion {
                column: "y".into(),
                units: 1
            },
            ColumnExclusion {
                column: "x".into(),
                units: 1
            }
        ]
    );
    assert_eq!(
        (
            treated.lost_to_follow_up,
            treated.excluded_missing,
            treated.analysed
        ),
        (Some(1), 2, 2)
    );
    assert_eq!(treated.attrition(), Some(1.0 - 2.0 / 5.0));
}

/// A two-arm trial allocated by the assign stage, its assignments.csv written by
/// hand (randomisation inference off, so no manifest is needed).
fn assigned_spec(kind: &str, extra_design: &str, analysis: &str) -> String {
    format!(
        r#"{{"evident": 1, "title": "t", {STATEMENT},
  "design": {{"kind": "{kind}", "units": {{"file": "units.csv", "id": "id"}}, {extra_design}
    "arms": [{{"name": "control", "share": 0.5}}, {{"name": "treatment", "share": 0.5}}],
    "assignment": {{"method": "{method}", "seed": 3}}}},
  "outcomes": [{{"name": "y", "type": "continuous", "role": "primary"}}],
  "analysis": {{"data": "outcomes.csv", "randomisation_inference": {{"enabled": false}}{analysis}}},
  "report": {{"dir": "out"}}}}"#,
        method = if kind == "cluster_rct" {
            "cluster"
        } else {
            "complete"
        }
    )
}

#[test]
fn assignments_csv_is_the_intention_to_treat_arm_and_a_disagreeing_data_column_is_an_error() {
    let units = "id,s\n1,a\n2,a\n3,a\n4,a\n5,b\n6,b\n7,b\n8,b\n";
    let assignments = "id,arm,block,cluster,probability\n1,control,,,0.5\n2,treatment,,,0.5\n3,control,,,0.5\n4,treatment,,,0.5\n5,control,,,0.5\n6,treatment,,,0.5\n7,control,,,0.5\n8,treatment,,,0.5\n";
    // Units 7 and 8 have no outcome row; the data's arm column agrees with the allocation.
    let outcomes = "id,group,y\n1,control,1\n2,treatment,2\n3,control,2\n4,treatment,4\n5,control,3\n6,treatment,5\n";
    let study = Study::new(
        &assigned_spec("rct", "", r#", "treatment": "group""#),
        &[
            ("units.csv", units),
            ("outcomes.csv", outcomes),
            ("out/assignments.csv", assignments),
        ],
    );
    let (analysis, _) = study.analyse().unwrap();
    let counts: Vec<_> = analysis
        .flow
        .arms
        .iter()
        .map(|f| (f.allocated, f.lost_to_follow_up, f.analysed))
        .collect();
    assert_eq!(counts, [(Some(4), Some(1), 3), (Some(4), Some(1), 3)]);
    // Unit 4, allocated to treatment, appears under control on line 5 of the data.
    std::fs::write(
        study.dir.path().join("outcomes.csv"),
        outcomes.replace("4,treatment,4", "4,control,4"),
    )
    .unwrap();
    let error = study.analyse().unwrap_err();
    assert!(
        error.contains(
            "outcomes.csv:5: unit `4` is in arm `control` here but allocated to `treatment` in "
        ) && error.contains("assignments.csv"),
        "{error}"
    );
}

#[test]
fn cluster_counts_come_from_assignments_csv_and_a_cluster_lost_whole_is_counted() {
    let units =
        "id,school\n1,s1\n2,s1\n3,s2\n4,s2\n5,s3\n6,s3\n7,s4\n8,s4\n9,s5\n10,s5\n11,s6\n12,s6\n";
    let assignments = "id,arm,block,cluster,probability\n1,control,,s1,0.5\n2,control,,s1,0.5\n3,control,,s2,0.5\n4,control,,s2,0.5\n5,control,,s3,0.5\n6,control,,s3,0.5\n7,treatment,,s4,0.5\n8,treatment,,s4,0.5\n9,treatment,,s5,0.5\n10,treatment,,s5,0.5\n11,treatment,,s6,0.5\n12,treatment,,s6,0.5\n";
    // School s6 has no outcome rows at all; s3 has one unit with a missing outcome.
    let outcomes = "id,y\n1,1\n2,2\n3,2\n4,3\n5,\n6,2.5\n7,3\n8,4\n9,5\n10,3.5\n";
    let study = Study::new(
        &assigned_spec(
            "cluster_rct",
            r#""cluster": "school","#,
            r#", "missing": "listwise""#,
        ),
        &[
            ("units.csv", units),
            ("outcomes.csv", outcomes),
            ("out/assignments.csv", assignments),
        ],
    );
    let (analysis, _) = study.analyse().unwrap();
    let [control, treated] = &analysis.flow.arms[..] else {
        panic!("two arms")
    };
    assert_eq!(
        (
            control.clusters_allocated,
            control.clusters_with_data,
            control.clusters_analysed,
            control.clusters_lost
        ),
        (Some(3), Some(3), Some(3), Some(0))
    );
    assert_eq!(
        (
            treated.clusters_allocated,
            treated.clusters_with_data,
            treated.clusters_analysed,
            treated.clusters_lost
        ),
        (Some(3), Some(2), Some(2), Some(1))
    );
    assert_eq!(treated.cluster_attrition(), Some(1.0 - 2.0 / 3.0));
    let clusters = analysis.flow.cluster_attrition().unwrap();
    assert_eq!(clusters.overall, 1.0 - 5.0 / 6.0);
    assert_eq!(clusters.differential, 1.0 - 2.0 / 3.0);
    let units_attrition = analysis.flow.attrition().unwrap();
    assert_eq!(units_attrition.overall, 1.0 - 9.0 / 12.0);
    assert_eq!(
        units_attrition.differential,
        (1.0 - 4.0 / 6.0) - (1.0 - 5.0 / 6.0)
    );
}

#[test]
fn individual_attrition_of_a_cluster_trial_counts_units_allocated_in_retained_clusters() {
    // The same trial: school s6 (treatment) has no outcome rows, unit 5 (control, s3)
    // misses its outcome. Retained clusters: s1–s5. Allocated in them: 6 control
    // units and 4 treatment units (s4, s5); analysed: 5 and 4.
    let units =
        "id,school\n1,s1\n2,s1\n3,s2\n4,s2\n5,s3\n6,s3\n7,s4\n8,s4\n9,s5\n10,s5\n11,s6\n12,s6\n";
    let assignments = "id,arm,block,cluster,probability\n1,control,,s1,0.5\n2,control,,s1,0.5\n3,control,,s2,0.5\n4,control,,s2,0.5\n5,control,,s3,0.5\n6,control,,s3,0.5\n7,treatment,,s4,0.5\n8,treatment,,s4,0.5\n9,treatment,,s5,0.5\n10,treatment,,s5,0.5\n11,treatment,,s6,0.5\n12,treatment,,s6,0.5\n";
    let outcomes = "id,y\n1,1\n2,2\n3,2\n4,3\n5,\n6,2.5\n7,3\n8,4\n9,5\n10,3.5\n";
    let study = Study::new(
        &assigned_spec(
            "cluster_rct",
            r#""cluster": "school","#,
            r#", "missing": "listwise""#,
        ),
        &[
            ("units.csv", units),
            ("outcomes.csv", outcomes),
            ("out/assignments.csv", assignments),
        ],
    );
    let (analysis, _) = study.analyse().unwrap();
    let in_retained: Vec<Option<usize>> = analysis
        .flow
        .arms
        .iter()
        .map(|a| a.allocated_in_retained_clusters)
        .collect();
    assert_eq!(in_retained, [Some(6), Some(4)]);
    let within = analysis.flow.attrition_in_retained_clusters().unwrap();
    assert_eq!(within.overall, 1.0 - 9.0 / 10.0);
    assert_eq!(within.differential, (1.0 - 5.0 / 6.0) - (1.0 - 4.0 / 4.0));
    let contrast = analysis.contrast(1, 0).unwrap();
    assert_eq!(contrast.attrition_in_retained_clusters, Some(within));
}

fn y_spec(analysis: &str) -> String {
    rct_spec(
        r#"{"name": "y", "type": "continuous", "role": "primary"}"#,
        analysis,
    )
}

#[test]
fn values_whose_squares_leave_f64s_range_are_refused_naming_file_line_and_column() {
    for (value, line) in [("1e308", 3), ("-1e308", 3), ("2e150", 3), ("1e-200", 3)] {
        let outcomes = OUTCOMES.replace("2,2.0,,4", &format!("2,{value},0.1,4"));
        let study = Study::new(
            &y_spec(r#""covariates": ["x"]"#),
            &[("units.csv", UNITS), ("outcomes.csv", &outcomes)],
        );
        let error = study.analyse().unwrap_err();
        assert!(
            error.contains(&format!(
                "outcomes.csv:{line}: column `y`: `{value}` is outside the range"
            )),
            "{value}: {error}"
        );
    }
    // The same rule for a covariate used only for balance.
    let outcomes = OUTCOMES.replace("2,2.0,,4", "2,2.0,1e308,4");
    let study = Study::new(
        &y_spec(r#""covariates": ["x"]"#),
        &[("units.csv", UNITS), ("outcomes.csv", &outcomes)],
    );
    let error = study.analyse().unwrap_err();
    assert!(
        error.contains("outcomes.csv:3: column `x`: `1e308`"),
        "{error}"
    );
}

#[test]
fn values_that_cancel_are_refused_and_milder_precision_loss_is_a_warning() {
    // 1e17 plus multiples of 16 (exactly representable): the spread is 16 parts in 1e17.
    let big: String = (1..=9)
        .map(|id| format!("{id},{},0.5,1\n", 1e17 + 16.0 * id as f64))
        .collect();
    let study = Study::new(
        &y_spec(r#""covariates": ["x"]"#),
        &[
            ("units.csv", UNITS),
            ("outcomes.csv", &format!("id,y,x,b\n{big}")),
        ],
    );
    let error = study.analyse().unwrap_err();
    assert!(
        error.contains("outcomes.csv:10: column `y`: values as large as")
            && error.contains("cancel"),
        "{error}"
    );
    // 1e17 + 1 and 1e17 + 2 differ in the file but read as one number.
    let collapsed = OUTCOMES
        .replace("1,1.0,0.5,3", "1,100000000000000001,0.5,3")
        .replace("4,2.5,0.9,5", "4,100000000000000002,0.9,5");
    let study = Study::new(
        &y_spec(r#""covariates": ["x"]"#),
        &[("units.csv", UNITS), ("outcomes.csv", &collapsed)],
    );
    let error = study.analyse().unwrap_err();
    assert!(
        error.contains("outcomes.csv:5: column `y`: `100000000000000002` and `100000000000000001` on line 2 differ in the file but read as the same"),
        "{error}"
    );
    // Values near 1e9 varying by about 1: some digits lost, a warning, and a finite SE.
    let offset: String = OUTCOMES
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let y: f64 = fields[1].parse().unwrap();
            format!("{},{},{},{}\n", fields[0], 1e9 + y, fields[2], fields[3])
        })
        .collect();
    let study = Study::new(
        &y_spec(r#""covariates": ["x"], "missing": "listwise""#),
        &[
            ("units.csv", UNITS),
            ("outcomes.csv", &format!("id,y,x,b\n{offset}")),
        ],
    );
    let (analysis, _) = study.analyse().unwrap();
    assert!(headline(&analysis).estimate.std_error.is_finite());
    assert_eq!(analysis.warnings.len(), 1, "{:?}", analysis.warnings);
    assert_eq!(analysis.warnings[0].column, "y");
    assert!(
        analysis.warnings[0]
            .message
            .contains("lose about 8 of 16 significant digits"),
        "{:?}",
        analysis.warnings
    );
}

fn balance_rows<'a>(analysis: &'a Analysis, variable: &str) -> Vec<&'a BalanceRow> {
    analysis
        .baseline
        .iter()
        .filter(|r| r.variable == variable)
        .collect()
}

#[test]
fn cox_index_is_zero_for_equal_proportions_and_corrected_for_zero_cells() {
    use evident::analysis::cox_index;
    assert_eq!(cox_index(&[0.0; 3], &[0.0; 7]), 0.0);
    assert_eq!(cox_index(&[1.0; 3], &[1.0; 7]), 0.0);
    assert_eq!(
        cox_index(&[1.0, 0.0, 1.0, 0.0], &[1.0, 1.0, 1.0, 0.0, 0.0, 0.0]),
        0.0
    );
    // 0 of 4 against 2 of 4: half an event added to every cell of both arms.
    let expected = (1.0 - 3.0 / 23.0) * ((0.5f64 / 4.5).ln() - (2.5f64 / 2.5).ln()) / 1.65;
    assert_close(
        cox_index(&[0.0; 4], &[1.0, 1.0, 0.0, 0.0]),
        expected,
        1e-14,
        "cox",
    );
}

#[test]
fn a_two_valued_numeric_column_is_binary_whatever_its_coding() {
    // x coded 1/2 and z coded 0/5: the larger value is the event, named as its level.
    let outcomes = "id,y,x,z\n1,1,1,0\n2,2,2,5\n3,1.5,1,0\n4,2.5,1,0\n5,0.5,2,5\n6,3,2,5\n7,3.5,2,0\n8,4.5,1,5\n9,2,2,5\n10,1,1,0\n";
    let study = Study::new(
        &y_spec(r#""covariates": ["x", "z"]"#),
        &[("units.csv", UNITS), ("outcomes.csv", outcomes)],
    );
    let (analysis, _) = study.analyse().unwrap();
    let x = balance_rows(&analysis, "x");
    assert_eq!(x.len(), 1);
    assert_eq!(
        (x[0].measure, x[0].level.as_deref()),
        (BalanceMeasure::CoxIndex, Some("2"))
    );
    // Control: 2 of 5 are 2; treatment: 3 of 5.
    let expected = (1.0 - 3.0 / 31.0) * ((0.6f64 / 0.4).ln() - (0.4f64 / 0.6).ln()) / 1.65;
    assert_eq!((x[0].mean_control, x[0].mean_treatment), (0.4, 0.6));
    assert_close(x[0].effect_size, expected, 1e-14, "x");
    let z = balance_rows(&analysis, "z");
    assert_eq!(
        (z[0].measure, z[0].level.as_deref()),
        (BalanceMeasure::CoxIndex, Some("5"))
    );
    // 2 of 5 against 3 of 5 again.
    assert_close(z[0].effect_size, expected, 1e-14, "z");
}

#[test]
fn category_levels_come_from_the_analytic_sample_and_types_can_be_declared() {
    // Level "north" appears only on unit 2, whose outcome is missing (listwise).
    let outcomes = "id,y,region,grade\n1,1,east,1\n2,,north,2\n3,1.5,west,3\n4,2.5,east,1\n5,0.5,west,2\n6,3,east,3\n7,3.5,west,1\n8,4.5,east,2\n9,2,west,3\n10,1,east,1\n";
    let study = Study::new(
        &y_spec(
            r#""covariates": ["region", "grade"], "covariate_types": {"grade": "categorical"}, "missing": "listwise""#,
        ),
        &[("units.csv", UNITS), ("outcomes.csv", outcomes)],
    );
    let (analysis, _) = study.analyse().unwrap();
    let region: Vec<_> = balance_rows(&analysis, "region")
        .iter()
        .map(|r| r.level.clone())
        .collect();
    // Two levels in the analytic sample: one indicator, for the later level.
    assert_eq!(region, [Some("west".to_string())]);
    let grade: Vec<_> = balance_rows(&analysis, "grade")
        .iter()
        .map(|r| r.level.clone().unwrap())
        .collect();
    assert_eq!(grade, ["1", "2", "3"]);
    assert!(
        balance_rows(&analysis, "grade")
            .iter()
            .all(|r| r.measure == BalanceMeasure::CoxIndex)
    );
    // A declared type for a column that is not a covariate: rejected with a suggestion.
    let study = Study::new(
        &y_spec(
            r#""covariates": ["region", "grade"], "covariate_types": {"grade": "categorical", "regoin": "binary"}, "missing": "listwise""#,
        ),
        &[("units.csv", UNITS), ("outcomes.csv", outcomes)],
    );
    let error = study.analyse().unwrap_err();
    assert!(
        error.contains("`regoin` is not one of analysis.covariates")
            && error.contains("did you mean `region`?"),
        "{error}"
    );
    let study = Study::new(
        &y_spec(
            r#""covariates": ["grade"], "covariate_types": {"grade": "binary"}, "missing": "listwise""#,
        ),
        &[("units.csv", UNITS), ("outcomes.csv", outcomes)],
    );
    let error = study.analyse().unwrap_err();
    assert!(
        error.contains("column `grade` is declared binary") && error.contains("`1`, `2`, `3`"),
        "{error}"
    );
}

#[test]
fn one_contrast_of_a_three_arm_trial_has_its_own_flow_attrition_and_balance() {
    let spec = format!(
        r#"{{"evident": 1, "title": "t", {STATEMENT},
  "design": {{"kind": "rct", "units": {{"file": "units.csv", "id": "id", "arm": "arm"}},
    "arms": [{{"name": "a", "share": 0.4}}, {{"name": "b", "share": 0.3}}, {{"name": "c", "share": 0.3}}], "control": "a"}},
  "outcomes": [{{"name": "y", "type": "continuous", "role": "primary"}}],
  "analysis": {{"data": "outcomes.csv", "covariates": ["x"]}},
  "report": {{"dir": "out"}}}}"#
    );
    let units = "id,arm\n1,a\n2,a\n3,a\n4,a\n5,b\n6,b\n7,b\n8,c\n9,c\n10,c\n";
    // b loses unit 7; c loses nothing.
    let outcomes =
        "id,y,x\n1,1,0.1\n2,2,0.5\n3,1.5,0.2\n4,2,0.4\n5,3,1\n6,2,2\n8,4,3\n9,5,1\n10,3,2\n";
    let study = Study::new(&spec, &[("units.csv", units), ("outcomes.csv", outcomes)]);
    let (analysis, _) = study.analyse().unwrap();
    let contrast = analysis.contrast(2, 1).unwrap();
    let arms: Vec<_> = contrast
        .flow
        .arms
        .iter()
        .map(|a| (a.arm.as_str(), a.allocated, a.analysed))
        .collect();
    assert_eq!(arms, [("b", Some(3), 2), ("c", Some(3), 3)]);
    let attrition = contrast.attrition.unwrap();
    assert_eq!(attrition.overall, 1.0 - 5.0 / 6.0);
    assert_eq!(attrition.differential, (1.0 - 2.0 / 3.0) - 0.0);
    assert_eq!(contrast.balance.len(), 1);
    let row = &contrast.balance[0];
    assert_eq!(row.contrast, "c vs b");
    assert_eq!((row.n_control, row.n_treatment), (2, 3));
    assert_eq!(
        row.effect_size,
        evident::analysis::hedges_g(&[3.0, 1.0, 2.0], &[1.0, 2.0])
    );
    // The report's table stays treatment arms against the control.
    assert!(
        analysis
            .baseline
            .iter()
            .all(|r| r.contrast.ends_with("vs a"))
    );
    assert!(analysis.contrast(1, 1).is_none() && analysis.contrast(3, 0).is_none());
}

/// Balance rows and both estimators' samples against R (tests/reference/analysis/balance):
/// WWC Hedges' g and Cox index written out in R, a 1/2 and a 0/5 coding, a region level
/// only on a row without an outcome, a zero cell, equal proportions, and a covariate
/// missing only where the adjusted estimator reads it.
#[test]
fn balance_and_per_estimator_samples_match_r() {
    use evident::stats::prec::PARITY;
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/analysis/balance");
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("balance.json")).unwrap())
            .unwrap();
    let checked = pipeline::check(&folder.join("study.json")).unwrap();
    let analysis = pipeline::analyse_and_grade(&checked.plan)
        .unwrap()
        .0
        .unwrap();
    let expected = reference["balance"].as_array().unwrap();
    assert_eq!(analysis.baseline.len(), expected.len());
    for (row, want) in analysis.baseline.iter().zip(expected) {
        let what = format!("{} {:?}", row.variable, row.level);
        assert_eq!(row.variable, want["variable"].as_str().unwrap(), "{what}");
        assert_eq!(row.level.as_deref(), want["level"].as_str(), "{what}");
        assert_eq!(
            serde_json::to_value(row.measure).unwrap(),
            want["measure"],
            "{what}"
        );
        assert_eq!(row.n_control as u64, want["n_control"].as_u64().unwrap());
        assert_eq!(
            row.n_treatment as u64,
            want["n_treatment"].as_u64().unwrap()
        );
        for (actual, key) in [
            (row.mean_control, "mean_control"),
            (row.mean_treatment, "mean_treatment"),
            (row.effect_size, "effect_size"),
        ] {
            let want = want[key].as_f64().unwrap();
            if want == 0.0 {
                assert_eq!(actual, 0.0, "{what} {key}");
            } else {
                assert_close(actual, want, PARITY, &format!("{what} {key}"));
            }
        }
    }
    for (comparison, key) in analysis.outcomes[0]
        .comparisons
        .iter()
        .zip(["difference_in_means", "regression_adjusted"])
    {
        let want = &reference[key];
        let n: usize = comparison.groups.iter().map(|g| g.n).sum();
        assert_eq!(n as u64, want["n"].as_u64().unwrap(), "{key} n");
        assert_close(
            comparison.estimate.estimate,
            want["estimate"].as_f64().unwrap(),
            PARITY,
            key,
        );
        assert_close(
            comparison.estimate.std_error,
            want["std_error"].as_f64().unwrap(),
            PARITY,
            key,
        );
    }
    assert_eq!(
        analysis.flow.arms.iter().map(|a| a.analysed).sum::<usize>(),
        22
    );
}
