//! The HMO inspection list as a regression discontinuity (specs/hmo-inspections-rd):
//! seeded synthetic data with a known effect (data/make_data.py). Listing at a risk score
//! of 60 raises inspection take-up by 0.75 and an inspection raises licensing by 0.20,
//! so the reduced-form jump is 0.15. The engine must recover all three, find no
//! manipulation of the score and no jump in prior complaints, and allow level 3.

use evident::designs::rdd::diagnostics::{
    SENSITIVITY_MULTIPLES, bandwidth_sensitivity, covariate_continuity,
};
use evident::designs::rdd::{RdData, RdOptions, density_test, estimate};
use evident::evidence::rdd::grade_rd;

struct Properties {
    score: Vec<f64>,
    complaints: Vec<f64>,
    inspected: Vec<f64>,
    licensed: Vec<f64>,
}

fn load() -> Properties {
    let mut reader =
        csv::Reader::from_path("specs/hmo-inspections-rd/data/properties.csv").unwrap();
    let mut p = Properties {
        score: vec![],
        complaints: vec![],
        inspected: vec![],
        licensed: vec![],
    };
    for row in reader.records() {
        let row = row.unwrap();
        let num = |i: usize| row[i].parse::<f64>().unwrap();
        p.score.push(num(2));
        p.complaints.push(num(3));
        p.inspected.push(num(4));
        p.licensed.push(num(5));
    }
    p
}

fn covers(lo: f64, hi: f64, truth: f64) -> bool {
    lo < truth && truth < hi
}

#[test]
fn the_hmo_list_recovers_its_known_effects_and_reaches_level_3() {
    let p = load();
    assert_eq!(p.score.len(), 6000);
    let opts = RdOptions::new(60.0);
    let sharp = RdData {
        running: &p.score,
        outcome: &p.licensed,
        treatment: None,
        covariates: &[],
        cluster: None,
    };
    let reduced = estimate(sharp, &opts).unwrap();
    assert!(
        covers(reduced.robust.ci_lower, reduced.robust.ci_upper, 0.15),
        "{:?}",
        reduced.robust
    );
    assert!(reduced.robust.p_value < 0.05, "{:?}", reduced.robust);

    let fuzzy = RdData {
        treatment: Some(&p.inspected),
        ..sharp
    };
    let late = estimate(fuzzy, &opts).unwrap();
    let fs = late.first_stage.as_ref().unwrap();
    assert!(
        covers(fs.robust.ci_lower, fs.robust.ci_upper, 0.75),
        "{fs:?}"
    );
    assert!(fs.f_statistic > 100.0);
    assert!(
        covers(late.robust.ci_lower, late.robust.ci_upper, 0.20),
        "{:?}",
        late.robust
    );

    let density = density_test(&p.score, 60.0, opts.kernel);
    assert!(density.as_ref().unwrap().p_value > 0.05, "{density:?}");
    let covs: Vec<&[f64]> = vec![&p.complaints];
    let with_covs = RdData {
        covariates: &covs,
        ..sharp
    };
    let continuity: Vec<_> = covariate_continuity(with_covs, &opts)
        .into_iter()
        .map(|c| ("prior complaints".to_string(), c.result))
        .collect();
    let sensitivity = bandwidth_sensitivity(sharp, &opts, &reduced, &SENSITIVITY_MULTIPLES);
    let grade = grade_rd(&reduced, &density, &continuity, &sensitivity, 0.05);
    assert_eq!(grade.max_nesta_level, 3, "{grade:?}");
    assert!(grade.held_down_by.is_empty());
    assert_eq!(grade.passed.len(), 3);
}

#[test]
fn a_failed_density_test_holds_the_grade_at_level_2_and_is_named() {
    let p = load();
    // Manipulation: a fifth of the properties scoring just below 60 are nudged over it.
    let mut nudged = p.score.clone();
    let mut k = 0;
    for s in nudged.iter_mut() {
        if (55.0..60.0).contains(s) {
            k += 1;
            if k % 2 == 0 {
                *s = 60.0 + (*s - 55.0) / 5.0;
            }
        }
    }
    let opts = RdOptions::new(60.0);
    let data = RdData {
        running: &nudged,
        outcome: &p.licensed,
        treatment: None,
        covariates: &[],
        cluster: None,
    };
    let main = estimate(data, &opts).unwrap();
    let density = density_test(&nudged, 60.0, opts.kernel);
    assert!(density.as_ref().unwrap().p_value < 0.01, "{density:?}");
    let sensitivity = bandwidth_sensitivity(data, &opts, &main, &SENSITIVITY_MULTIPLES);
    let grade = grade_rd(&main, &density, &[], &sensitivity, 0.05);
    assert_eq!(grade.max_nesta_level, 2);
    assert!(
        grade
            .held_down_by
            .iter()
            .any(|r| r.starts_with("density test")),
        "{grade:?}"
    );
    assert!(
        grade
            .held_down_by
            .iter()
            .any(|r| r.contains("no covariates")),
        "{grade:?}"
    );
}

#[test]
fn the_report_section_shows_the_rows_diagnostics_grade_and_charts() {
    use evident::designs::rdd::diagnostics::placebo_cutoffs;
    use evident::designs::rdd::{BinRule, rd_bins};
    use evident::report::format::{EffectText, Scale};
    use evident::report::rdd::{
        rd_markdown, rd_plot_chart, running_histogram_chart, sensitivity_chart,
    };
    let p = load();
    let opts = RdOptions::new(60.0);
    let data = RdData {
        running: &p.score,
        outcome: &p.licensed,
        treatment: None,
        covariates: &[],
        cluster: None,
    };
    let est = estimate(data, &opts).unwrap();
    let density = density_test(&p.score, 60.0, opts.kernel);
    let sensitivity = bandwidth_sensitivity(data, &opts, &est, &SENSITIVITY_MULTIPLES);
    let placebos = placebo_cutoffs(data, &opts, &[]);
    let grade = grade_rd(&est, &density, &[], &sensitivity, 0.05);
    let md = rd_markdown(
        &est,
        &density,
        &placebos,
        &sensitivity,
        &grade,
        Scale::PercentagePoints,
    );
    assert!(md.contains("| robust (report this) |"), "{md}");
    // A binary outcome's jump reads in percentage points: 100 times the proportion.
    assert!(md.contains("| value, percentage points |"), "{md}");
    let c = &est.conventional;
    let shown = EffectText::new(Scale::PercentagePoints, c.estimate, c.ci_lower, c.ci_upper);
    assert!(
        (shown.estimate.parse::<f64>().unwrap() - 100.0 * c.estimate).abs() < 0.1,
        "{shown:?}"
    );
    assert!(
        md.contains(&format!("| conventional | {} |", shown.estimate)),
        "{md}"
    );
    assert!(md.contains("applies to units near it"));
    assert!(md.contains("Density test (Cattaneo, Jansson and Ma 2020): T = "));
    assert_eq!(md.matches("×h |").count(), 5, "{md}");
    assert!(md.contains("Nesta level 2"), "no covariates declared: {md}");
    assert!(md.contains("Held the grade down: covariate continuity"));

    let bins = rd_bins(&p.score, &p.licensed, 60.0, BinRule::ImseOptimal).unwrap();
    let plot = rd_plot_chart(
        &bins,
        &est,
        "risk score",
        "licensed within 12 months",
        Scale::PercentagePoints,
        1,
    );
    assert!(plot.svg.contains("<title id=\"rd-plot-title\">"));
    // The axis is in percent, as the jump under it is in percentage points.
    assert!(
        plot.svg.contains("licensed within 12 months (%)"),
        "{}",
        plot.svg
    );
    // Every bin above the cut-off is drawn as a visible square.
    assert_eq!(
        plot.svg
            .matches("width=\"7\" height=\"7\" opacity=\"1\" fill=\"#D55E00\"")
            .count(),
        bins.right.len(),
        "{}",
        plot.svg
    );
    assert!(
        plot.description
            .contains(&format!("{} evenly spaced bins", bins.left.len()))
    );
    let hist = running_histogram_chart(&p.score, 60.0, 20, "risk score", 1);
    assert!(hist.svg.contains("rd-density-desc"));
    assert!(!hist.description.contains("not drawn"));
    // Disclosure control: no bar holds a million units, so none is drawn.
    let guarded = running_histogram_chart(&p.score, 60.0, 20, "risk score", 1_000_000);
    assert!(
        guarded
            .description
            .contains("bins of fewer than 1,000,000 units are not drawn"),
        "{}",
        guarded.description
    );
    assert!(guarded.svg.matches("<rect").count() < hist.svg.matches("<rect").count());
    let bw = sensitivity_chart(&sensitivity, Scale::PercentagePoints);
    assert!(
        bw.description.contains("at 5 multiples"),
        "{}",
        bw.description
    );
}
