//! Parity of the RD engine with rdrobust 2.1.1 (the authors' Python port): every case of
//! tests/reference/rdd/rdrobust_cases.json, once with the bandwidths selected by Evident
//! and once with rdrobust's own bandwidths declared. See tests/reference/rdd/README.md
//! for the tolerances (estimates at 1e-10 given the same bandwidths, selected bandwidths at 1e-8).

use evident::designs::rdd::{
    BandwidthChoice, Kernel, RdData, RdEstimate, RdOptions, Selector, Vce, estimate,
};
use serde_json::Value;

fn fixtures() -> Value {
    let text = std::fs::read_to_string("tests/reference/rdd/rdrobust_cases.json").unwrap();
    serde_json::from_str(&text).unwrap()
}

fn column(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_f64().unwrap())
        .collect()
}

fn floats(v: &Value, key: &str) -> Vec<f64> {
    column(&v[key])
}

thread_local! {
    /// The largest relative difference seen by `close`, printed by each test
    /// (`cargo test --test rdd_parity -- --nocapture`) for the fixtures' README.
    static WORST: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

fn close(what: &str, case: &str, got: f64, want: f64, rel: f64) {
    let scale = want.abs().max(1e-12);
    if !what.starts_with("p-value") {
        WORST.with(|w| w.set(w.get().max(((got - want) / scale).abs())));
    }
    assert!(
        ((got - want) / scale).abs() <= rel,
        "{case}: {what} = {got:e}, rdrobust {want:e} (relative difference {:e} > {rel:e})",
        ((got - want) / scale).abs()
    );
}

fn options(case: &Value) -> RdOptions {
    let mut opts = RdOptions::new(0.0);
    opts.p = case["p"].as_u64().unwrap() as usize;
    opts.q = case["q"].as_u64().unwrap() as usize;
    opts.kernel = match case["kernel"].as_str().unwrap() {
        "triangular" => Kernel::Triangular,
        "epanechnikov" => Kernel::Epanechnikov,
        "uniform" => Kernel::Uniform,
        k => panic!("kernel {k}"),
    };
    opts.vce = match case["vce"].as_str().unwrap() {
        "nn" => Vce::Nn,
        "hc0" => Vce::Hc0,
        "hc1" => Vce::Hc1,
        "hc2" => Vce::Hc2,
        "hc3" => Vce::Hc3,
        v => panic!("vce {v}"),
    };
    opts.bandwidth = match case["bwselect"].as_str().unwrap() {
        "mserd" => BandwidthChoice::Select(Selector::Mserd),
        "msetwo" => BandwidthChoice::Select(Selector::Msetwo),
        "cerrd" => BandwidthChoice::Select(Selector::Cerrd),
        "certwo" => BandwidthChoice::Select(Selector::Certwo),
        "manual" => fixed(case),
        s => panic!("selector {s}"),
    };
    opts
}

fn fixed(case: &Value) -> BandwidthChoice {
    let h = floats(case, "h");
    let b = floats(case, "b");
    BandwidthChoice::Fixed {
        h_left: h[0],
        h_right: h[1],
        b_left: b[0],
        b_right: b[1],
    }
}

fn run(all: &Value, case: &Value, opts: &RdOptions) -> RdEstimate {
    let data = &all["data"][case["data"].as_str().unwrap()];
    let x = column(&data["x"]);
    let y = column(&data[case["outcome"].as_str().unwrap()]);
    let t = column(&data["t"]);
    let covs: Vec<Vec<f64>> = case["covs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| column(&data[c.as_str().unwrap()]))
        .collect();
    let cov_refs: Vec<&[f64]> = covs.iter().map(|c| c.as_slice()).collect();
    let cluster: Vec<u64> = data["cluster"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let rd = RdData {
        running: &x,
        outcome: &y,
        treatment: case["fuzzy"].as_bool().unwrap().then_some(t.as_slice()),
        covariates: &cov_refs,
        cluster: case["cluster"]
            .as_bool()
            .unwrap()
            .then_some(cluster.as_slice()),
    };
    estimate(rd, opts).unwrap_or_else(|e| panic!("{}: {e}", case["name"]))
}

fn compare(case: &Value, est: &RdEstimate, rel: f64) {
    let name = case["name"].as_str().unwrap();
    let rows = [&est.conventional, &est.bias_corrected, &est.robust];
    let (coef, se, pv) = (floats(case, "coef"), floats(case, "se"), floats(case, "pv"));
    let (lo, hi) = (floats(case, "ci_lower"), floats(case, "ci_upper"));
    for (i, r) in rows.iter().enumerate() {
        close("coefficient", name, r.estimate, coef[i], rel);
        close("standard error", name, r.std_error, se[i], rel);
        // p-values far in the tail carry the relative error of z times z².
        close("p-value", name, r.p_value, pv[i], rel * 100.0);
        close("CI lower", name, r.ci_lower, lo[i], rel);
        close("CI upper", name, r.ci_upper, hi[i], rel);
    }
    let n_h = case["n_h"].as_array().unwrap();
    assert_eq!(
        est.n_h_left as u64,
        n_h[0].as_u64().unwrap(),
        "{name}: N_h left"
    );
    assert_eq!(
        est.n_h_right as u64,
        n_h[1].as_u64().unwrap(),
        "{name}: N_h right"
    );
    if let Some(fs) = case.get("first_stage_coef") {
        let got = est.first_stage.as_ref().expect("fuzzy first stage");
        let want = column(fs);
        let want_se = floats(case, "first_stage_se");
        let rows = [&got.conventional, &got.bias_corrected, &got.robust];
        for (i, r) in rows.iter().enumerate() {
            close("first-stage coefficient", name, r.estimate, want[i], rel);
            close(
                "first-stage standard error",
                name,
                r.std_error,
                want_se[i],
                rel,
            );
        }
    }
}

#[test]
fn estimates_match_rdrobust_given_its_bandwidths() {
    let all = fixtures();
    for case in all["cases"].as_array().unwrap() {
        let mut opts = options(case);
        opts.bandwidth = fixed(case);
        let est = run(&all, case, &opts);
        compare(case, &est, 1e-10);
    }
    println!(
        "largest relative difference given rdrobust's bandwidths: {:e}",
        WORST.with(|w| w.get())
    );
}

#[test]
fn selected_bandwidths_match_rdbwselect() {
    let all = fixtures();
    let mut selected = 0;
    for case in all["cases"].as_array().unwrap() {
        if case["bwselect"] == "manual" {
            continue;
        }
        selected += 1;
        let opts = options(case);
        let est = run(&all, case, &opts);
        let name = case["name"].as_str().unwrap();
        let (h, b) = (floats(case, "h"), floats(case, "b"));
        close("h left", name, est.h_left, h[0], 1e-8);
        close("h right", name, est.h_right, h[1], 1e-8);
        close("b left", name, est.b_left, b[0], 1e-8);
        close("b right", name, est.b_right, b[1], 1e-8);
        compare(case, &est, 1e-8);
    }
    assert!(selected >= 40, "only {selected} selector cases");
    println!(
        "largest relative difference with selected bandwidths: {:e}",
        WORST.with(|w| w.get())
    );
}
