//! `analysis.subgroups`: the primary outcome's effect within each level of a declared
//! column and the Wald test of the treatment-by-subgroup interaction, against estimatr
//! (tests/reference/analysis/subgroups.R): an individually randomised reading with the
//! regression-adjusted headline (HC2) and a cluster-randomised one with the difference in
//! means (CR2); and the bad inputs. The same data check `analysis.fixed_effects` (band
//! absorbed by the regression-adjusted estimator, HC2 and CR2).

use std::path::PathBuf;

use evident::analysis::Analysis;
use evident::analysis::subgroups::SubgroupAnalysis;
use evident::pipeline;
use evident::stats::prec::{PARITY, assert_close};
use serde_json::Value;
use tempfile::TempDir;

fn reference() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/analysis")
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(reference().join("subgroups.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The fixture trial as a study of the given kind, estimator and subgroups.
fn study(kind: &str, estimator: &str, subgroups: &str) -> TempDir {
    study_with(kind, estimator, &format!(r#""subgroups": {subgroups}"#))
}

/// The fixture trial with `extra` keys in its analysis section.
fn study_with(kind: &str, estimator: &str, subgroups: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    for file in ["units.csv", "outcomes.csv"] {
        std::fs::copy(
            reference().join("subgroups").join(file),
            dir.path().join(file),
        )
        .unwrap();
    }
    let cluster = if kind == "cluster_rct" {
        r#""cluster": "school", "#
    } else {
        ""
    };
    let spec = format!(
        r#"{{"evident": 1, "title": "t",
  "statement": {{"problem": "p", "action": "a", "data_product": "d", "datasets": ["x"]}},
  "design": {{"kind": "{kind}", "units": {{"file": "units.csv", "id": "id", "arm": "arm"}}, {cluster}
    "arms": [{{"name": "control", "share": 0.5}}, {{"name": "treatment", "share": 0.5}}], "control": "control"}},
  "outcomes": [{{"name": "y", "type": "continuous", "role": "primary"}}],
  "analysis": {{"data": "outcomes.csv", "covariates": ["x"], "estimators": ["{estimator}"],
    {subgroups}}},
  "report": {{"dir": "out"}}}}"#
    );
    std::fs::write(dir.path().join("study.json"), spec).unwrap();
    dir
}

fn analyse(dir: &TempDir) -> Result<Analysis, String> {
    let mut checked = pipeline::check(&dir.path().join("study.json")).map_err(|e| e.to_string())?;
    checked
        .plan
        .analysis
        .as_mut()
        .unwrap()
        .randomisation_inference = None;
    let (analysis, _) = pipeline::analyse_and_grade(&checked.plan).map_err(|e| e.to_string())?;
    Ok(analysis.unwrap())
}

fn check(s: &SubgroupAnalysis, r: &Value, what: &str) {
    let num = |v: &Value| v.as_f64().unwrap();
    assert_eq!(
        s.levels
            .iter()
            .map(|l| l.level.as_str())
            .collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
    for level in &s.levels {
        let e = &level.comparison.estimate;
        let expected = &r["levels"][&level.level];
        let label = format!("{what} band {}", level.level);
        assert_close(
            e.estimate,
            num(&expected["estimate"]),
            PARITY,
            &format!("{label} estimate"),
        );
        assert_close(
            e.std_error,
            num(&expected["std_error"]),
            PARITY,
            &format!("{label} se"),
        );
        assert_close(e.df, num(&expected["df"]), PARITY, &format!("{label} df"));
        assert_close(
            e.p_value,
            num(&expected["p_value"]),
            PARITY,
            &format!("{label} p"),
        );
    }
    let i = &s.interaction;
    let expected = &r["interaction"];
    assert_close(
        i.statistic,
        num(&expected["statistic"]),
        PARITY,
        &format!("{what} F"),
    );
    assert_eq!(i.numdf, num(&expected["numdf"]));
    assert_eq!(i.dendf, num(&expected["dendf"]));
    assert_close(
        i.p_value,
        num(&expected["p_value"]),
        PARITY,
        &format!("{what} p"),
    );
}

#[test]
fn effects_within_subgroups_and_the_interaction_match_estimatr() {
    let r = fixture();
    let analysis = analyse(&study("rct", "regression_adjusted", r#"["band"]"#)).unwrap();
    assert_eq!(analysis.subgroups.len(), 1);
    let s = &analysis.subgroups[0];
    assert!(!s.preregistered);
    assert_eq!(s.interaction.adjusted_for, ["x"]);
    assert_eq!(s.interaction.se_type, "HC2");
    check(s, &r["individual"], "HC2");

    let analysis = analyse(&study(
        "cluster_rct",
        "difference_in_means",
        r#"[{"column": "band", "preregistered": true}]"#,
    ))
    .unwrap();
    let s = &analysis.subgroups[0];
    assert!(s.preregistered);
    assert_eq!(s.interaction.se_type, "CR2");
    check(s, &r["cluster"], "CR2");
}

#[test]
fn bad_subgroups_are_refused_naming_the_key() {
    let err = analyse(&study("rct", "difference_in_means", r#"["y"]"#)).unwrap_err();
    assert!(
        err.contains("analysis.subgroups[0]") && err.contains("is an outcome"),
        "{err}"
    );
    let err = analyse(&study("rct", "difference_in_means", r#"["band", "band"]"#)).unwrap_err();
    assert!(err.contains("listed twice"), "{err}");
    let err = analyse(&study("rct", "difference_in_means", r#"["grade"]"#)).unwrap_err();
    assert!(
        err.contains("analysis.subgroups[0]") && err.contains("grade"),
        "{err}"
    );
    // A level with units of one arm only: name the column, the level and the arm.
    let dir = study("rct", "difference_in_means", r#"["band"]"#);
    let units = std::fs::read_to_string(dir.path().join("units.csv")).unwrap();
    let control: std::collections::HashSet<&str> = units
        .lines()
        .filter(|l| l.ends_with(",control"))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let path = dir.path().join("outcomes.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited: Vec<String> = text
        .lines()
        .map(|line| {
            let id = line.split(',').next().unwrap();
            if control.contains(id) && line.ends_with(",c") {
                format!("{},b", &line[..line.len() - 2])
            } else {
                line.to_string()
            }
        })
        .collect();
    std::fs::write(&path, edited.join("\n") + "\n").unwrap();
    let err = analyse(&dir).unwrap_err();
    assert!(
        err.contains("column `band`, level `c` has 0 analysed unit(s) in arm `control`"),
        "{err}"
    );
}

#[test]
fn absorbed_fixed_effects_match_estimatr() {
    let r = fixture();
    for (kind, key) in [("rct", "individual"), ("cluster_rct", "cluster")] {
        let dir = study_with(kind, "regression_adjusted", r#""fixed_effects": ["band"]"#);
        let analysis = analyse(&dir).unwrap();
        let c = &analysis.outcomes[0].comparisons[0];
        let expected = &r["fixed_effects"][key];
        let num = |k: &str| expected[k].as_f64().unwrap();
        let e = &c.estimate;
        assert_close(
            e.estimate,
            num("estimate"),
            PARITY,
            &format!("{key} estimate"),
        );
        assert_close(e.std_error, num("std_error"), PARITY, &format!("{key} se"));
        assert_close(e.df, num("df"), PARITY, &format!("{key} df"));
        assert_close(e.p_value, num("p_value"), PARITY, &format!("{key} p"));
        let description = &c.design.as_ref().unwrap().description;
        assert!(
            description.contains("fixed effects absorbed for band (3 levels)"),
            "{description}"
        );
    }
    // Randomisation inference runs on the same model.
    let dir = study_with("rct", "regression_adjusted", r#""fixed_effects": ["band"]"#);
    let checked = pipeline::check(&dir.path().join("study.json")).unwrap();
    let (analysis, _) = pipeline::analyse_and_grade(&checked.plan).unwrap();
    let comparison = analysis.unwrap().outcomes[0].comparisons[0].clone();
    let ri = comparison
        .randomisation
        .expect("randomisation inference on");
    // The statistic re-drawn is the coefficient the absorbed fit reports.
    assert_close(
        ri.statistic,
        comparison.estimate.estimate,
        1e-10,
        "RI statistic",
    );
    assert!(ri.p_value > 0.0 && ri.p_value < 0.05, "{}", ri.p_value);
    for (extra, expected) in [
        (
            r#""fixed_effects": ["y"]"#,
            "is an outcome, a covariate or the treatment",
        ),
        (r#""fixed_effects": ["band", "band"]"#, "listed twice"),
        (r#""fixed_effects": ["grade"]"#, "grade"),
    ] {
        let err = analyse(&study_with("rct", "regression_adjusted", extra)).unwrap_err();
        assert!(
            err.contains("analysis.fixed_effects") && err.contains(expected),
            "{err}"
        );
    }
    let err = analyse(&study_with(
        "rct",
        "difference_in_means",
        r#""fixed_effects": ["band"]"#,
    ))
    .unwrap_err();
    assert!(err.contains("add it to analysis.estimators"), "{err}");
    let err = analyse(&study_with("rct", "lin", r#""fixed_effects": ["band"]"#)).unwrap_err();
    assert!(
        err.contains("Lin's estimator with absorbed fixed effects"),
        "{err}"
    );
}
