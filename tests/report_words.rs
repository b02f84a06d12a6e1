//! The example reports read as one voice: numbers through one formatter (true
//! minus signs, no floating-point noise), words that agree with the numbers, the
//! design's strength apart from the finding, a GRADE-style summary of findings with
//! a certainty per outcome, technical detail only in the appendix, and no Markdown
//! syntax in the HTML.

mod examples_support;

use examples_support::copy_dir;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn evident() -> Command {
    Command::cargo_bin("evident").unwrap()
}

struct Report {
    markdown: String,
    html: String,
    json: Value,
}

/// Runs `specs/<example>/<spec>` from a copy in a temporary folder (the assign
/// stage writes beside the spec) and reads the three report files.
fn run(root: &TempDir, example: &str, spec: &str) -> Report {
    let folder = root.path().join("specs").join(example);
    if !folder.exists() {
        copy_dir(
            &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("specs")
                .join(example),
            &folder,
        );
        // Fewer re-draws than the example's 2000 keep the debug-build test quick.
        let results = folder.join("results.json");
        if results.exists() {
            let text = std::fs::read_to_string(&results).unwrap();
            std::fs::write(
                &results,
                text.replace(r#""draws": 2000"#, r#""draws": 300"#),
            )
            .unwrap();
        }
    }
    let out = root.path().join(format!("out-{example}-{spec}"));
    evident()
        .arg("run")
        .arg(folder.join(spec))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    Report {
        markdown: read("report.md"),
        html: read("report.html"),
        json: serde_json::from_str(&read("report.json")).unwrap(),
    }
}

fn examples() -> (TempDir, Vec<(String, Report)>) {
    let root = TempDir::new().unwrap();
    let mut reports = Vec::new();
    for (example, spec) in [
        ("ambulance-standby", "study.json"),
        ("ambulance-standby-its", "study.json"),
        ("council-programme-did", "study.json"),
        ("hmo-inspections", "study.json"),
        ("hmo-inspections-rd", "study.json"),
        ("fire-policy-synth", "study.json"),
        ("neet-early-warning", "study.json"),
        ("fire-safety-visits", "study.json"),
        ("fire-safety-visits", "results.json"),
        ("ward-falls-alert", "study.json"),
        ("programme-rollout", "study.json"),
        ("stepped-wedge-falls", "study.json"),
    ] {
        let report = run(&root, example, spec);
        reports.push((format!("{example}/{spec}"), report));
    }
    (root, reports)
}

/// The body of a Markdown report: everything before the appendix.
fn body(markdown: &str) -> &str {
    let end = markdown
        .find("## Appendix: technical detail")
        .expect("every report ends with the appendix");
    &markdown[..end]
}

#[test]
fn every_example_report_speaks_with_one_voice() {
    let (_root, reports) = examples();
    for (name, r) in &reports {
        // No Markdown syntax leaks into the HTML.
        for token in ["`", "**", "\\_", "\\|", "](", "> **"] {
            assert!(
                !r.html.contains(token),
                "{name}: HTML contains Markdown syntax {token:?}"
            );
        }
        let body = body(&r.markdown);
        // Technical detail lives in the appendix.
        for token in ["SHA-256", "src/", "pwr.", "power.prop.test", "keyed by"] {
            assert!(!body.contains(token), "{name}: body mentions {token:?}");
        }
        assert!(
            r.markdown
                .contains("Re-create this report with: evident run"),
            "{name}"
        );
        // True minus signs, no exponent noise: no hyphen-minus before a digit in
        // running text or tables (outside the appendix), no "e-" exponents.
        for line in body.lines() {
            let bytes = line.as_bytes();
            for (i, w) in bytes.windows(2).enumerate() {
                let after_space = i == 0 || matches!(bytes[i - 1], b' ' | b'(' | b'|');
                assert!(
                    !(w[0] == b'-' && w[1].is_ascii_digit() && after_space),
                    "{name}: hyphen used as a minus sign in {line:?}"
                );
            }
            assert!(
                !line.contains("e-1") && !line.contains("e-0"),
                "{name}: exponent notation in {line:?}"
            );
        }
        // A certainty rating per finding in report.json, with its reason.
        for finding in r.json["findings"].as_array().unwrap() {
            let rating = finding["certainty"]["rating"].as_str().unwrap();
            assert!(
                ["high", "moderate", "low", "very_low"].contains(&rating),
                "{name}: {rating}"
            );
            assert!(!finding["certainty"]["why"].as_str().unwrap().is_empty());
        }
    }
}

#[test]
fn a_null_result_reads_no_clear_difference_and_says_why_the_grade_is_low() {
    let root = TempDir::new().unwrap();
    // The comparison group matched elsewhere (the example's second spec).
    let r = run(&root, "neet-early-warning", "matched-elsewhere.json");
    let headline = r.json["headline"].as_str().unwrap();
    // The interval −9.1 to 6.0 percentage points includes zero.
    assert!(
        headline.contains("no clear difference (−1.5 percentage points, 95% CI −9.1 to 6.0)"),
        "{headline}"
    );
    assert!(
        headline.contains("effects larger than 9.1 points lower or 6.0 points higher are unlikely"),
        "{headline}"
    );
    // The grading table states the same effect with the same numbers, on the same
    // scale (percentage points, shared decimals).
    let change = r.json["grade"]["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "positive_change")
        .unwrap();
    assert!(
        change["observed"]
            .as_str()
            .unwrap()
            .contains("difference −1.5 percentage points (95% CI −9.1 to 6.0)"),
        "{change}"
    );
    // The grade is low because of the finding; the design's own level is stated.
    assert!(
        headline.contains("Nesta level 1 of 5, because the primary outcome showed no clear benefit; with a clear benefit, the design and its conduct would support level 2 of 5"),
        "{headline}"
    );
    // Matched comparison: starts low; not equivalent at baseline: very low.
    assert_eq!(r.json["findings"][0]["certainty"]["rating"], "very_low");
    // Column names become labels in the body.
    let body = body(&r.markdown);
    assert!(!body.contains("neet\\_at\\_18"), "{body}");
    assert!(body.contains("primary outcome NEET at 18 analysed"));
    // The summary of findings table: without, with, difference in words, relative
    // effect named as a risk ratio, units, certainty and why.
    assert!(body.contains(
        "| NEET at 18 (primary) | 31.0% | 29.5% | No clear difference (−1.5 percentage points, 95% CI −9.1 to 6.0);"
    ), "{body}");
    assert!(
        body.contains("risk ratio 0.95 (95% CI 0.74 to 1.22)"),
        "{body}"
    );
    assert!(
        body.contains("comparison 284, supported 292 units"),
        "{body}"
    );
}

#[test]
fn a_clear_reduction_reads_lower_with_positive_magnitudes() {
    let root = TempDir::new().unwrap();
    let r = run(&root, "ambulance-standby", "study.json");
    let headline = r.json["headline"].as_str().unwrap();
    assert!(
        headline.contains("0.31 minutes lower (95% CI 0.14 to 0.48 lower), an improvement"),
        "{headline}"
    );
    // Before/after without a comparison group: starts low, down for risk of bias.
    assert_eq!(r.json["findings"][0]["certainty"]["rating"], "very_low");
}

/// The finding `row` of a report.json and its certainty's reason.
fn finding(r: &Report, row: usize) -> (&Value, String) {
    let f = &r.json["findings"][row];
    (f, f["certainty"]["why"].as_str().unwrap().to_string())
}

#[test]
fn each_design_states_its_own_effect_and_judges_certainty_by_its_own_diagnostics() {
    let root = TempDir::new().unwrap();
    let close = |a: &Value, b: &Value| {
        let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} != {b}");
    };

    // Comparative ITS: the level change against the projected trend, never the means
    // of the treated-minus-control series; periods, not units; no "no comparison".
    let r = run(&root, "ambulance-standby-its", "study.json");
    let headline = r.json["headline"].as_str().unwrap();
    assert!(
        headline.starts_with("Mean response time, compared with the pre-intervention trend projected forward and with the control series: at the intervention, 0.87 minutes lower (95% CI 0.73 to 1.01 lower)"),
        "{headline}"
    );
    assert!(headline.contains("12 periods after it, "), "{headline}");
    assert!(
        !headline.contains("before,") && !headline.contains("0.52"),
        "{headline}"
    );
    let series = &r.json["analysis"]["interrupted_time_series"]["series"];
    for (i, s) in series.as_array().unwrap().iter().enumerate() {
        let (f, why) = finding(&r, i);
        close(&f["difference"], &s["fit"]["level_change"]["estimate"]);
        close(&f["conf_low"], &s["fit"]["level_change"]["conf_low"]);
        assert!(f["with"].is_null() && f["without"].is_null());
        assert_eq!(
            f["n"],
            serde_json::json!([s["fit"]["n_pre"], s["fit"]["n_post"]])
        );
        assert_eq!(f["analysed"], "60 periods: 36 before, 24 after");
        for wrong in [
            "no comparison group",
            "information size",
            "units were analysed",
        ] {
            assert!(!why.contains(wrong), "{why}");
        }
    }
    let body = body(&r.markdown);
    assert!(!body.contains("the groups analysed"), "segment means shown");

    // Regression discontinuity: the robust jump at the cut-off, counted inside the
    // bandwidth, in percentage points for a binary outcome; not the participants' mean.
    let r = run(&root, "hmo-inspections-rd", "study.json");
    let rd = &r.json["analysis"]["regression_discontinuity"];
    let (f, why) = finding(&r, 0);
    close(&f["difference"], &rd["robust"]["estimate"]);
    close(&f["conf_high"], &rd["robust"]["conf_high"]);
    let inside = rd["n_h_left"].as_u64().unwrap() + rd["n_h_right"].as_u64().unwrap();
    assert_eq!(
        f["n"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .sum::<u64>(),
        inside
    );
    assert!(!why.contains("no comparison group"), "{why}");
    let headline = r.json["headline"].as_str().unwrap();
    assert!(
        headline.contains("percentage points higher (95% CI"),
        "{headline}"
    );
    assert!(
        !headline.contains("among participants") && !headline.contains("p ="),
        "{headline}"
    );

    // Difference-in-differences: without = the treated units' post-treatment mean less
    // the estimate; the pre-trend test, not "no comparison group", judges bias.
    let r = run(&root, "council-programme-did", "study.json");
    let fit = &r.json["analysis"]["difference_in_differences"]["series"][0]["fit"];
    let start = fit["treatment_period"].as_i64().unwrap();
    let (sum, n) = fit["group_means"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["period"].as_i64().unwrap() >= start)
        .fold((0.0, 0.0), |(s, n), g| {
            let k = g["treated_n"].as_f64().unwrap();
            (s + g["treated_mean"].as_f64().unwrap() * k, n + k)
        });
    let (f, why) = finding(&r, 0);
    assert!((f["with"].as_f64().unwrap() - sum / n).abs() < 1e-9);
    let without = f["with"].as_f64().unwrap() - f["difference"].as_f64().unwrap();
    assert!((f["without"].as_f64().unwrap() - without).abs() < 1e-12);
    close(&f["difference"], &fit["estimate"]["estimate"]);
    assert!(!why.contains("no comparison group"), "{why}");
    assert!(!why.contains("information size"), "{why}");

    // Staggered roll-out: a row of its own, the overall effect.
    let r = run(&root, "programme-rollout", "study.json");
    let overall = &r.json["analysis"]["staggered_rollout"]["overall"];
    let (f, _) = finding(&r, 0);
    close(&f["difference"], &overall["estimate"]);
    close(&f["conf_low"], &overall["ci_low"]);
    assert!(r.markdown.contains("## Summary of findings"));
}
