//! The lifecycle's numerics against R: the observed ICC of a cluster trial
//! (tests/reference/lifecycle/icc.R) and the planned-against-achieved MDES, which must
//! be the grade's MDES formula on the analysis's own standard error and df.

use std::path::PathBuf;

use evident::analysis::icc::{observed_icc, one_way_anova_icc};
use evident::pipeline;
use evident::stats::prec::{PARITY, assert_close};
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> Value {
    let text = std::fs::read_to_string(repo().join("tests/reference/lifecycle/icc.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn cluster_spec() -> PathBuf {
    repo().join("tests/reference/analysis/cluster/study.json")
}

#[test]
fn the_nested_icc_matches_r_anova() {
    let r = reference();
    let plan = pipeline::check(&cluster_spec()).unwrap().plan;
    let icc = observed_icc(&plan)
        .unwrap()
        .expect("a cluster trial has an ICC");
    let nested = &r["nested"];
    assert_eq!(icc.units as u64, r["units"].as_u64().unwrap());
    assert_eq!(icc.clusters as u64, r["clusters"].as_u64().unwrap());
    assert_close(
        icc.ms_between,
        nested["ms_between"].as_f64().unwrap(),
        PARITY,
        "ms_between",
    );
    assert_close(
        icc.ms_within,
        nested["ms_within"].as_f64().unwrap(),
        PARITY,
        "ms_within",
    );
    assert_close(icc.n0, nested["n0"].as_f64().unwrap(), PARITY, "n0");
    assert_close(icc.icc, nested["icc"].as_f64().unwrap(), PARITY, "icc");
    assert_close(
        icc.conf_low,
        nested["conf_low"].as_f64().unwrap(),
        PARITY,
        "conf_low",
    );
    assert_close(
        icc.conf_high,
        nested["conf_high"].as_f64().unwrap(),
        PARITY,
        "conf_high",
    );
}

/// With every cluster in one arm the estimator is ICC::ICCest's one-way ICC.
#[test]
fn with_one_arm_it_is_the_plain_one_way_icc() {
    let r = &reference()["one_arm"];
    let dir = repo().join("tests/reference/analysis/cluster");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let pupils = read("pupils.csv");
    let school: std::collections::HashMap<&str, &str> = pupils
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0], f[1])
        })
        .collect();
    let scores = read("scores.csv");
    let (mut y, mut c) = (Vec::new(), Vec::new());
    for line in scores.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        y.push(f[1].parse::<f64>().unwrap());
        c.push(school[f[0]]);
    }
    let icc = one_way_anova_icc(&y, &c, &vec![0; y.len()]).unwrap();
    assert_close(
        icc.ms_between,
        r["ms_between"].as_f64().unwrap(),
        PARITY,
        "ms_between",
    );
    assert_close(
        icc.ms_within,
        r["ms_within"].as_f64().unwrap(),
        PARITY,
        "ms_within",
    );
    assert_close(icc.n0, r["n0"].as_f64().unwrap(), PARITY, "n0");
    assert_close(icc.icc, r["icc"].as_f64().unwrap(), PARITY, "icc");
    assert_close(
        icc.conf_low,
        r["conf_low"].as_f64().unwrap(),
        PARITY,
        "conf_low",
    );
    assert_close(
        icc.conf_high,
        r["conf_high"].as_f64().unwrap(),
        PARITY,
        "conf_high",
    );
}
