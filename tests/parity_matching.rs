//! Parity and recovery of the analysis side of a matched comparison (issue 17):
//! balance before/after against MatchIt 4.5.1's summary() code, effects against
//! estimatr 1.0.0's lm_robust, Rosenbaum bounds against R's wilcox.test and an R
//! transcription of rbounds::psens, E-values against VanderWeele and Ding (2017).
//! Fixtures: tests/reference/matching_balance/ (README there). CI needs no R.

use evident::analysis::matched::{
    MatchedEffectOptions, MatchedOutcome, matched_effect, rows_of_units,
};
use evident::data::Table;
use evident::matching::balance::{BalanceInput, BalanceVariable, WwcBand, balance_table};
use evident::matching::sensitivity::{e_value, rosenbaum_bounds};
use evident::matching::{Estimand, MatchStatus, MatchedSample, MatchedUnit, read_matched_sample};
use evident::stats::estimate::Alternative;
use evident::stats::prec::{PARITY, assert_close};
use evident::stats::regression::Covariate;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::path::PathBuf;

const COVARIATES: [&str; 8] = [
    "age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75",
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/matching_balance")
}

fn fixtures() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("fixtures.json")).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    if let Some(x) = v.as_f64() {
        return vec![x];
    }
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// An optional statistic against R's value (NA = `None`).
fn check_option(actual: Option<f64>, expected: f64, what: &str) {
    match actual {
        None => assert!(
            expected.is_nan(),
            "{what}: Evident has none, R has {expected}"
        ),
        Some(a) => assert_close(a, expected, PARITY, what),
    }
}

struct Lalonde {
    table: Table,
    ids: Vec<String>,
}

fn lalonde() -> Lalonde {
    let table = Table::read(&dir().join("lalonde.csv")).unwrap();
    let ids = table.identifiers("unit").unwrap();
    Lalonde { table, ids }
}

/// A data column in the order of the matched file's units.
fn aligned(data: &Lalonde, matched: &MatchedSample, column: &str) -> Vec<Option<f64>> {
    let values = data.table.numeric(column).unwrap();
    rows_of_units(matched, &data.ids)
        .into_iter()
        .map(|row| values[row.expect("every unit of the pool is in the data")])
        .collect()
}

fn case(name: &str) -> (Value, MatchedSample, Lalonde) {
    let all = fixtures();
    let case = all[name].clone();
    let estimand = match case["estimand"].as_str().unwrap() {
        "att" => Estimand::Att,
        "ate" => Estimand::Ate,
        _ => Estimand::Atc,
    };
    let matched = read_matched_sample(
        &dir().join(case["matched_file"].as_str().unwrap()),
        estimand,
    )
    .unwrap();
    (case, matched, lalonde())
}

fn check_balance(name: &str) {
    let (case, matched, data) = case(name);
    let variables: Vec<BalanceVariable> = COVARIATES
        .iter()
        .map(|c| BalanceVariable {
            name: c.to_string(),
            level: None,
            values: aligned(&data, &matched, c)
                .into_iter()
                .map(Option::unwrap)
                .collect(),
        })
        .collect();
    let treated: Vec<bool> = matched.units.iter().map(|u| u.treated).collect();
    let weights: Vec<f64> = matched.units.iter().map(|u| u.weight).collect();
    let status: Vec<MatchStatus> = matched.units.iter().map(|u| u.status).collect();
    let distance: Option<Vec<f64>> = case["distance"]
        .as_bool()
        .unwrap()
        .then(|| matched.units.iter().map(|u| u.distance.unwrap()).collect());
    let table = balance_table(&BalanceInput {
        treated: &treated,
        weights: &weights,
        variables: &variables,
        distance: distance.as_deref(),
        estimand: matched.estimand,
        status: &status,
        adjusted: &[],
    });
    let expected = case["balance"].as_array().unwrap();
    assert_eq!(table.rows.len(), expected.len(), "{name}: rows");
    for (row, r) in table.rows.iter().zip(expected) {
        assert_eq!(row.variable, r["variable"].as_str().unwrap());
        for (stats, key) in [(&row.before, "before"), (&row.after, "after")] {
            let e = floats(&r[key]);
            let what = |s: &str| format!("{name} {} {key} {s}", row.variable);
            assert_close(stats.mean_treated, e[0], PARITY, &what("mean treated"));
            assert_close(stats.mean_control, e[1], PARITY, &what("mean control"));
            check_option(stats.smd, e[2], &what("SMD"));
            check_option(stats.variance_ratio, e[3], &what("variance ratio"));
            check_option(stats.ecdf_mean, e[4], &what("eCDF mean"));
            check_option(stats.ecdf_max, e[5], &what("eCDF max"));
        }
        assert_eq!(row.wwc, WwcBand::of(row.after.smd));
    }
    let n_treated = treated.iter().filter(|t| **t).count();
    assert_eq!(table.treated.all, n_treated);
    assert_eq!(
        table.treated.matched + table.control.matched,
        weights.iter().filter(|w| **w > 0.0).count()
    );
}

#[test]
fn balance_after_mahalanobis_pairs_matches_matchit() {
    check_balance("mahalanobis");
}

#[test]
fn balance_after_ps_matching_with_replacement_matches_matchit() {
    check_balance("ps_replace");
}

#[test]
fn balance_under_ate_weights_uses_the_pooled_sd_as_matchit() {
    check_balance("ipw_ate");
}

#[test]
fn balance_under_atc_weights_uses_the_control_sd_as_matchit() {
    check_balance("odds_atc");
}

fn check_effect(name: &str, key: &str, outcome: &str, baseline: Option<&str>, covariates: &[&str]) {
    let (case, matched, data) = case(name);
    let y = aligned(&data, &matched, outcome);
    let base = baseline.map(|b| aligned(&data, &matched, b));
    let options = MatchedEffectOptions {
        covariates: covariates
            .iter()
            .map(|c| Covariate::Numeric {
                name: c.to_string(),
                values: aligned(&data, &matched, c)
                    .into_iter()
                    .map(Option::unwrap)
                    .collect(),
            })
            .collect(),
        conf_level: 0.95,
        alternative: Alternative::TwoSided,
    };
    let effect = matched_effect(
        &matched,
        MatchedOutcome {
            name: outcome,
            values: &y,
            baseline: base.as_deref(),
            binary: outcome == "employed78",
        },
        &options,
    )
    .unwrap();
    let r = &case[key];
    let what = |s: &str| format!("{name} {key} {s}");
    assert_close(
        effect.estimate.estimate,
        floats(&r["coef"])[1],
        PARITY,
        &what("estimate"),
    );
    assert_close(
        effect.estimate.std_error,
        floats(&r["std_error"])[1],
        PARITY,
        &what("SE"),
    );
    assert_close(effect.estimate.df, floats(&r["df"])[1], PARITY, &what("df"));
    assert_close(
        effect.estimate.conf_low,
        floats(&r["conf_low"])[1],
        PARITY,
        &what("CI low"),
    );
    assert_close(
        effect.estimate.conf_high,
        floats(&r["conf_high"])[1],
        PARITY,
        &what("CI high"),
    );
    assert_close(
        effect.estimate.p_value,
        floats(&r["p_value"])[1],
        PARITY,
        &what("p"),
    );
    if outcome == "employed78" {
        // Delta method from R's coefficients and covariance.
        let b = floats(&r["coef"]);
        let v: Vec<Vec<f64>> = r["vcov"].as_array().unwrap().iter().map(floats).collect();
        let p1 = b[0] + b[1];
        let g = [1.0 / p1 - 1.0 / b[0], 1.0 / p1];
        let var = g[0] * g[0] * v[0][0] + 2.0 * g[0] * g[1] * v[0][1] + g[1] * g[1] * v[1][1];
        let rr = effect.risk_ratio.expect("binary outcome has a risk ratio");
        assert_close(rr.estimate, p1 / b[0], PARITY, &what("RR"));
        assert_close(rr.log_std_error, var.sqrt(), PARITY, &what("SE log RR"));
    }
}

#[test]
fn pair_effect_is_lm_robust_cr2_by_matched_set() {
    check_effect("mahalanobis", "effect", "re78", None, &[]);
}

#[test]
fn doubly_robust_effect_is_lm_robust_with_covariates() {
    check_effect(
        "mahalanobis",
        "effect_adjusted",
        "re78",
        None,
        &["age", "educ", "re74", "re75"],
    );
}

#[test]
fn matched_difference_in_differences_uses_the_change() {
    check_effect("mahalanobis", "effect_did", "re78", Some("re75"), &[]);
}

#[test]
fn binary_outcome_gives_risk_difference_and_ratio_from_the_same_variance() {
    check_effect("mahalanobis", "effect_binary", "employed78", None, &[]);
    check_effect("ps_replace", "effect_binary", "employed78", None, &[]);
}

#[test]
fn weighted_effect_with_replacement_is_hc2() {
    check_effect("ps_replace", "effect", "re78", None, &[]);
    check_effect("ipw_ate", "effect", "re78", None, &[]);
}

/// The lead example (Rosenbaum 2002, ch. 4): at Γ = 1 the bound is R's own
/// signed-rank p-value; over the grid it matches the rbounds formula in R; the
/// study stays significant at 5% up to Γ ≈ 4.43 (between 4 and 5, as published).
#[test]
fn rosenbaum_bounds_of_the_lead_example() {
    let r = &fixtures()["rosenbaum_lead"];
    let treated = floats(&r["treated"]);
    let control = floats(&r["control"]);
    let differences: Vec<f64> = treated.iter().zip(&control).map(|(t, c)| t - c).collect();
    let gammas = floats(&r["gamma"]);
    let b = rosenbaum_bounds(&differences, 1.0, &gammas, 0.05).unwrap();
    assert_eq!(b.statistic, r["statistic"].as_f64().unwrap());
    assert_eq!(b.pairs, 33);
    assert_close(
        b.bounds[0].p_upper,
        r["wilcox_p"].as_f64().unwrap(),
        PARITY,
        "Γ = 1 vs wilcox.test",
    );
    for (k, bound) in b.bounds.iter().enumerate() {
        // R's 1 − pnorm(z) carries an absolute error near 1e-16: compare relative
        // 1e-9 where the p-value exceeds 1e-6, else absolute 1e-15.
        for (actual, expected) in [
            (bound.p_upper, floats(&r["p_upper"])[k]),
            (bound.p_lower, floats(&r["p_lower"])[k]),
        ] {
            if expected > 1e-6 {
                assert_close(actual, expected, 1e-9, "bound");
            } else {
                assert!((actual - expected).abs() < 1e-15, "{actual} vs {expected}");
            }
        }
    }
    let gamma = b.gamma_at_alpha.unwrap();
    assert_close(gamma, r["gamma_at_05"].as_f64().unwrap(), 1e-9, "Γ at 5%");
    assert!(gamma > 4.0 && gamma < 5.0);
}

#[test]
fn e_value_of_the_published_breastfeeding_example() {
    let e = e_value(3.9, 1.8, 8.7).unwrap();
    assert!((e.estimate - 7.26).abs() < 0.005);
    assert_close(e.confidence_limit, 3.0, 1e-14, "E-value of the CI");
}

/// Box–Muller standard normal from a seeded generator.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Simulated confounding: x (0..9) raises both the chance of treatment and the
/// outcome; the true effect is 2. Exact 1:1 matching on x (written here, ties in
/// unit order) removes the bias.
fn simulate(seed: u64) -> (f64, MatchedSample, Vec<Option<f64>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = 1500;
    let mut x = Vec::with_capacity(n);
    let mut t = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let xi = (rng.random::<f64>() * 10.0).floor();
        let p = 1.0 / (1.0 + (-(-2.5 + 0.45 * xi)).exp());
        let ti = rng.random::<f64>() < p;
        y.push(Some(
            1.0 + 2.0 * f64::from(u8::from(ti)) + 1.5 * xi + normal(&mut rng),
        ));
        x.push(xi);
        t.push(ti);
    }
    let mean = |flag: bool| {
        let v: Vec<f64> = (0..n)
            .filter(|&i| t[i] == flag)
            .map(|i| y[i].unwrap())
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let naive = mean(true) - mean(false);
    let mut units: Vec<MatchedUnit> = (0..n)
        .map(|i| MatchedUnit {
            unit: format!("u{i:05}"),
            treated: t[i],
            matched_set: None,
            weight: 0.0,
            distance: None,
            status: if t[i] {
                MatchStatus::NoExactMatch
            } else {
                MatchStatus::Unmatched
            },
        })
        .collect();
    let mut set = 0;
    for level in 0..10 {
        let pick = |flag: bool| -> Vec<usize> {
            (0..n)
                .filter(|&i| t[i] == flag && x[i] == level as f64)
                .collect()
        };
        for (&a, &b) in pick(true).iter().zip(pick(false).iter()) {
            set += 1;
            for i in [a, b] {
                units[i].matched_set = Some(set);
                units[i].weight = 1.0;
                units[i].status = MatchStatus::Matched;
            }
        }
    }
    let matched = MatchedSample {
        units,
        method: "exact (test)".into(),
        estimand: Estimand::Att,
        with_replacement: false,
    };
    (naive, matched, y)
}

#[test]
fn matching_recovers_a_known_effect_with_near_nominal_coverage() {
    let options = MatchedEffectOptions {
        covariates: Vec::new(),
        conf_level: 0.95,
        alternative: Alternative::TwoSided,
    };
    let seeds = 200;
    let mut covered = 0;
    let mut estimates = Vec::new();
    for seed in 0..seeds {
        let (naive, matched, y) = simulate(seed);
        assert!(
            naive > 3.5,
            "seed {seed}: the naive estimate {naive} should be far off"
        );
        let effect = matched_effect(
            &matched,
            MatchedOutcome {
                name: "y",
                values: &y,
                baseline: None,
                binary: false,
            },
            &options,
        )
        .unwrap();
        assert_eq!(effect.variance, "CR2");
        estimates.push(effect.estimate.estimate);
        if effect.estimate.conf_low <= 2.0 && 2.0 <= effect.estimate.conf_high {
            covered += 1;
        }
    }
    let mean = estimates.iter().sum::<f64>() / estimates.len() as f64;
    assert!((mean - 2.0).abs() < 0.05, "mean matched estimate {mean}");
    let coverage = covered as f64 / seeds as f64;
    // 200 seeds: the Monte Carlo SE of a 95% coverage is 1.5 points.
    assert!((0.91..=0.99).contains(&coverage), "coverage {coverage}");
}

/// The one-call analysis the report shows, on MatchIt's Mahalanobis pairs: the
/// balance of the same file, the same CR2 effect, Rosenbaum bounds (1:1 pairs) and
/// an E-value, and a grading check that names what held it back.
#[test]
fn analyse_matched_puts_balance_effect_sensitivity_and_grade_together() {
    use evident::analysis::matched::{MatchedAnalysisInput, MatchedOutcomeSpec, analyse_matched};
    let (case, matched, data) = case("mahalanobis");
    let covariates: Vec<String> = COVARIATES.iter().map(|c| c.to_string()).collect();
    let outcomes = [
        MatchedOutcomeSpec {
            name: "re78".into(),
            baseline: None,
            binary: false,
        },
        MatchedOutcomeSpec {
            name: "employed78".into(),
            baseline: None,
            binary: true,
        },
    ];
    let analysis = analyse_matched(&MatchedAnalysisInput {
        matched: &matched,
        data: &data.table,
        id_column: "unit",
        balance_covariates: &covariates,
        adjust_for: &[],
        outcomes: &outcomes,
        conf_level: 0.95,
        alpha: 0.05,
    })
    .unwrap();
    let expected_smd = floats(&case["balance"][0]["after"])[2];
    assert_close(
        analysis.balance.rows[0].after.smd.unwrap(),
        expected_smd,
        PARITY,
        "age SMD",
    );
    assert_close(
        analysis.outcomes[0].effect.estimate.estimate,
        floats(&case["effect"]["coef"])[1],
        PARITY,
        "effect",
    );
    let rosenbaum = analysis.outcomes[0].rosenbaum.as_ref().expect("1:1 pairs");
    assert_eq!(rosenbaum.pairs, 185);
    assert!(
        analysis.outcomes[0]
            .e_value
            .as_ref()
            .unwrap()
            .from_standardised_difference
    );
    assert!(
        !analysis.outcomes[1]
            .e_value
            .as_ref()
            .unwrap()
            .from_standardised_difference
    );
    // MatchIt's Mahalanobis pairs leave age at SMD 0.13 (treated SD), above 0.05.
    assert!(!analysis.balance.all_balanced);
    assert!(analysis.balance.held_back_by.contains(&"age".to_string()));
    assert!(
        analysis.criterion.observed.contains("age (SMD"),
        "{}",
        analysis.criterion.observed
    );
    let section = evident::report::matching::section_markdown(&analysis, "the programme");
    assert!(
        section.contains("| Matched (weight above 0) | 185 | 185 |"),
        "{section}"
    );
    assert!(section.contains("Rosenbaum") || section.contains("signed-rank"));
}

/// `analysis.matched` end to end: a matched_comparison spec naming MatchIt's
/// matched file runs through `evident run`'s pipeline, and report.json and the
/// Markdown report carry the balance, effect, sensitivity and grading check.
#[test]
fn a_spec_with_analysis_matched_reports_the_matched_comparison() {
    let tmp = tempfile::tempdir().unwrap();
    for file in ["lalonde.csv", "mahalanobis_matched.csv"] {
        std::fs::copy(dir().join(file), tmp.path().join(file)).unwrap();
    }
    let spec = serde_json::json!({
        "evident": 1,
        "title": "Job training (MatchIt's lalonde)",
        "statement": {
            "problem": "Our problem is low earnings after unemployment.",
            "action": "We would offer job training.",
            "data_product": "If we could see who gains,",
            "datasets": ["earnings records"]
        },
        "design": {
            "kind": "matched_comparison",
            "arms": [{ "name": "0", "share": 0.5 }, { "name": "1", "share": 0.5 }],
            "control": "0"
        },
        "outcomes": [
            { "name": "re78", "label": "Earnings in 1978", "type": "continuous", "role": "primary", "better": "higher" },
            { "name": "employed78", "label": "Employed in 1978", "type": "binary", "role": "secondary", "better": "higher" }
        ],
        "analysis": {
            "data": "lalonde.csv",
            "id": "unit",
            "treatment": "treat",
            "covariates": COVARIATES,
            "matched": { "file": "mahalanobis_matched.csv", "estimand": "att" }
        },
        "report": { "dir": "report" }
    });
    let path = tmp.path().join("study.json");
    std::fs::write(&path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    let out = evident::pipeline::run(&path, evident::pipeline::Scope::All, None, false).unwrap();
    let matched = out
        .model
        .analysis
        .as_ref()
        .and_then(|a| a.matched.as_ref())
        .expect("the matched analysis is in the report model");
    let expected = fixtures();
    assert_close(
        matched.outcomes[0].effect.estimate.std_error,
        floats(&expected["mahalanobis"]["effect"]["std_error"])[1],
        PARITY,
        "SE through the pipeline",
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.report_dir.join("report.json")).unwrap())
            .unwrap();
    let m = &json["analysis"]["matched"];
    assert_eq!(m["balance"]["estimand"], "att");
    assert_eq!(m["criterion"]["id"], "matched_comparison_quality");
    assert!(
        m["outcomes"][0]["rosenbaum"]["gamma_at_alpha"].is_number()
            || m["outcomes"][0]["rosenbaum"]["bounds"].is_array()
    );
    // The grade carries the check, and MatchIt's pairs leave age unbalanced.
    let check = json["grade"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "matched_comparison_quality")
        .expect("the grade lists the matched-comparison check");
    assert_eq!(check["status"], "not_met");
    assert!(json["grade"]["level"].as_u64().unwrap() < 3);
    let md = std::fs::read_to_string(out.report_dir.join("report.md")).unwrap();
    assert!(md.contains("Matched comparison"), "{md}");
    assert!(md.contains("Who was matched"), "{md}");
}
