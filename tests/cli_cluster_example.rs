//! The cluster-randomised example (`specs/ward-falls-alert`) run through the `evident`
//! binary: the cluster paths of the report (units and clusters in the summary of
//! findings, cluster counts in the flow, cluster attrition and individual attrition
//! within the retained clusters, the observed ICC beside the assumed one, risk and
//! odds ratios on the CR2 variance) checked against counts taken from the CSV files
//! here and against the library's own estimators on the same rows.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use assert_cmd::Command;
use evident::stats::regression::{Clusters, DimOptions, difference_in_means};
use serde_json::Value;
use tempfile::TempDir;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/ward-falls-alert")
}

fn close(ours: f64, theirs: f64, what: &str) {
    assert!(
        (ours - theirs).abs() <= 1e-10 * theirs.abs().max(1e-300),
        "{what}: {ours} vs {theirs}"
    );
}

/// What the CSV files say, counted without the engine.
struct Counts {
    /// Per arm (usual, alert): units allocated, units with an outcome row, units
    /// analysed, allocated units in retained clusters.
    allocated: [usize; 2],
    with_data: [usize; 2],
    analysed: [usize; 2],
    in_retained: [usize; 2],
    clusters_allocated: [usize; 2],
    clusters_analysed: [usize; 2],
    /// The analysed rows: outcome, treated indicator, ward.
    y: Vec<f64>,
    treated: Vec<f64>,
    wards: Vec<String>,
}

fn count_files() -> Counts {
    let units = std::fs::read_to_string(example().join("data/patients.csv")).unwrap();
    let falls = std::fs::read_to_string(example().join("data/falls.csv")).unwrap();
    let arm_index = |arm: &str| usize::from(arm == "alert");
    let mut unit_of: HashMap<String, (usize, String)> = HashMap::new();
    let mut allocated = [0; 2];
    let mut clusters: [BTreeSet<String>; 2] = Default::default();
    for line in units.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let arm = arm_index(f[2]);
        allocated[arm] += 1;
        clusters[arm].insert(f[1].to_string());
        unit_of.insert(f[0].to_string(), (arm, f[1].to_string()));
    }
    let (mut with_data, mut analysed) = ([0; 2], [0; 2]);
    let mut retained: [BTreeSet<String>; 2] = Default::default();
    let (mut y, mut treated, mut wards) = (Vec::new(), Vec::new(), Vec::new());
    for line in falls.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (arm, ward) = &unit_of[f[0]];
        with_data[*arm] += 1;
        if !f[1].is_empty() {
            analysed[*arm] += 1;
            retained[*arm].insert(ward.clone());
            y.push(f[1].parse().unwrap());
            treated.push(*arm as f64);
            wards.push(ward.clone());
        }
    }
    let mut in_retained = [0; 2];
    for (arm, ward) in unit_of.values() {
        if retained[*arm].contains(ward) {
            in_retained[*arm] += 1;
        }
    }
    Counts {
        allocated,
        with_data,
        analysed,
        in_retained,
        clusters_allocated: [clusters[0].len(), clusters[1].len()],
        clusters_analysed: [retained[0].len(), retained[1].len()],
        y,
        treated,
        wards,
    }
}

fn run() -> (TempDir, Value, String) {
    let out = TempDir::new().unwrap();
    Command::cargo_bin("evident")
        .unwrap()
        .args(["-q", "run"])
        .arg(example().join("study.json"))
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap())
            .unwrap();
    let markdown = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    (out, json, markdown)
}

#[test]
fn the_cluster_example_reports_its_clusters_and_its_cr2_estimates() {
    let counts = count_files();
    // The example is what specs/README.md says: one alert ward lost whole.
    assert_eq!(counts.clusters_allocated, [12, 12]);
    assert_eq!(counts.clusters_analysed, [12, 11]);
    let (_out, report, markdown) = run();

    // The flow, per arm (usual first), against the counts of the CSV files.
    let arms = report["analysis"]["flow"]["arms"].as_array().unwrap();
    for (i, arm) in arms.iter().enumerate() {
        let n = |key: &str| arm[key].as_u64().unwrap() as usize;
        assert_eq!(n("allocated"), counts.allocated[i]);
        assert_eq!(n("with_data"), counts.with_data[i]);
        assert_eq!(n("analysed"), counts.analysed[i]);
        assert_eq!(n("clusters_allocated"), counts.clusters_allocated[i]);
        assert_eq!(n("clusters_analysed"), counts.clusters_analysed[i]);
        assert_eq!(
            n("clusters_lost"),
            counts.clusters_allocated[i] - counts.clusters_analysed[i]
        );
        assert_eq!(n("allocated_in_retained_clusters"), counts.in_retained[i]);
    }

    // The summary of findings: units and clusters analysed per arm.
    let finding = &report["findings"][0];
    assert_eq!(finding["n"], serde_json::json!(counts.analysed));
    assert_eq!(
        finding["clusters"],
        serde_json::json!(counts.clusters_analysed)
    );
    assert!(markdown.contains(&format!(
        "usual {}, alert {} units in 12 and 11 clusters",
        counts.analysed[0], counts.analysed[1]
    )));

    // The CR2 difference in means equals the library's on the same rows.
    let clusters = Clusters::from_labels(&counts.wards);
    let fit = difference_in_means(
        &counts.y,
        &counts.treated,
        &DimOptions {
            clusters: Some(&clusters),
            ..DimOptions::default()
        },
    )
    .unwrap();
    let comparison = &report["analysis"]["outcomes"][0]["comparisons"][0];
    assert_eq!(comparison["design"]["variance"], "CR2");
    let e = &comparison["estimate"];
    let value = |v: &Value, key: &str| v[key].as_f64().unwrap();
    close(value(e, "estimate"), fit.estimate.estimate, "estimate");
    close(value(e, "std_error"), fit.estimate.std_error, "SE");
    close(value(e, "df"), fit.estimate.df, "Bell–McCaffrey df");
    close(value(e, "conf_low"), fit.estimate.conf_low, "CI low");
    close(value(e, "conf_high"), fit.estimate.conf_high, "CI high");
    // The risk ratio on the same CR2 variance: log(p₁/p₀) with the delta method,
    // Var = v₁/p₁² + v₀/p₀² − 2c/(p₁p₀), on the difference's df.
    let m = fit.arm_means;
    let rr = &comparison["risk_ratio"];
    assert_eq!(rr["variance"], "CR2");
    close(value(rr, "estimate"), m.treated / m.control, "risk ratio");
    let log_se = (m.var_treated / m.treated.powi(2) + m.var_control / m.control.powi(2)
        - 2.0 * m.covariance / (m.treated * m.control))
        .sqrt();
    close(value(rr, "log_std_error"), log_se, "log risk ratio SE");
    close(value(rr, "df"), fit.estimate.df, "risk ratio df");
    assert_eq!(comparison["odds_ratio"]["variance"], "CR2");

    // The grade: cluster attrition from the cluster counts, individual attrition
    // within the retained clusters.
    let criterion = |id: &str| {
        report["grade"]["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    let clusters_lost = criterion("cluster_attrition");
    // 1 of 24 clusters lost (4.2 %), 0 against 8.3 %: above the cautious 6.0.
    assert_eq!(clusters_lost["status"], "not_met");
    assert!(
        clusters_lost["observed"]
            .as_str()
            .unwrap()
            .contains("1 of 12 alert clusters lost; overall attrition of clusters 4.2%, differential 8.3 percentage points"),
        "{clusters_lost}"
    );
    let individuals = criterion("attrition");
    assert!(
        individuals["observed"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "{} of {} units allocated in the retained clusters analysed",
                counts.analysed[0] + counts.analysed[1],
                counts.in_retained[0] + counts.in_retained[1]
            )),
        "{individuals}"
    );

    // Planned against achieved: clusters, cluster size and the observed ICC.
    let rows = report["planned_vs_achieved"]["rows"].as_array().unwrap();
    let row = |key: &str| rows.iter().find(|r| r["key"] == key).unwrap().clone();
    assert_eq!(row("clusters_randomised")["achieved"], 24.0);
    assert_eq!(row("clusters_analysed")["achieved"], 23.0);
    assert_eq!(
        row("clusters_analysed")["note"],
        "1 of 24 randomised clusters has no analysed unit (lost whole)"
    );
    let analysed = (counts.analysed[0] + counts.analysed[1]) as f64;
    close(
        row("cluster_size")["achieved"].as_f64().unwrap(),
        analysed / 23.0,
        "mean cluster size",
    );
    assert_eq!(row("icc")["planned"], 0.05);
    let plan = evident::pipeline::check(&example().join("study.json"))
        .unwrap()
        .plan;
    let icc = evident::analysis::icc::observed_icc(&plan)
        .unwrap()
        .unwrap();
    close(
        row("icc")["achieved"].as_f64().unwrap(),
        icc.icc,
        "observed ICC",
    );

    // The flow table in the Markdown shows the cluster columns.
    assert!(markdown.contains("| Clusters allocated | Clusters analysed | Clusters lost |"));
}
