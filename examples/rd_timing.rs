//! Times the RD engine on the seeded data of benches/rdd.rs (sharp design, cut-off 0):
//! the sort, the estimate with mserd bandwidth selection and robust inference
//! (rdrobust's defaults: the work rdrobust does; best wall time of 5 runs and mean CPU
//! seconds over all threads), and the analysis's checks (bandwidth sensitivity,
//! placebo cut-offs, density test). Prints one JSON line per size.
//!
//! `cargo run --release --example rd_timing -- 100000 1000000`

use std::time::Instant;

use evident::designs::rdd::diagnostics::{
    SENSITIVITY_MULTIPLES, bandwidth_sensitivity_sorted, placebo_cutoffs_sorted,
};
use evident::designs::rdd::{RdData, RdOptions, SortedRunning, density_test_sorted, estimate};
#[path = "../benches/support/rdd_data.rs"]
mod rdd_data;
use rdd_data::data;

/// CPU seconds (user + system, all threads) of this process so far, from
/// /proc/self/stat (clock ticks of 1/100 s): on a shared machine the wall clock
/// measures the neighbours too.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number of observations"))
        .collect();
    for n in sizes {
        let (x, y) = data(n);
        let d = RdData {
            running: &x,
            outcome: &y,
            treatment: None,
            covariates: &[],
            cluster: None,
        };
        let opts = RdOptions::new(0.0);
        let mut best = f64::INFINITY;
        let mut est = None;
        let cpu_start = cpu_seconds();
        const REPEATS: usize = 5;
        for _ in 0..REPEATS {
            let start = Instant::now();
            est = Some(estimate(d, &opts).expect("estimate"));
            best = best.min(start.elapsed().as_secs_f64());
        }
        let cpu = (cpu_seconds() - cpu_start) / REPEATS as f64;
        let est = est.unwrap();
        let start = Instant::now();
        let sorted = SortedRunning::new(&x);
        let sort_s = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let sens = bandwidth_sensitivity_sorted(d, &sorted, &opts, &est, &SENSITIVITY_MULTIPLES);
        let sens_s = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let placebo = placebo_cutoffs_sorted(d, &sorted, &opts, &[]);
        let placebo_s = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let density = density_test_sorted(&sorted, 0.0, opts.kernel).expect("density");
        let density_s = start.elapsed().as_secs_f64();
        println!(
            "{{\"n\": {n}, \"estimate_s\": {best:.3}, \"estimate_cpu_s\": {cpu:.3}, \"sort_s\": {sort_s:.3}, \"sensitivity_s\": {sens_s:.3}, \"placebo_s\": {placebo_s:.3}, \"density_s\": {density_s:.3}, \"h\": {}, \"b\": {}, \"robust\": {}, \"robust_se\": {}, \"sensitivity_rows\": {}, \"placebo_rows\": {}, \"density_p\": {}}}",
            est.h_left,
            est.b_left,
            est.robust.estimate,
            est.robust.std_error,
            sens.len(),
            placebo.len(),
            density.p_value,
        );
    }
}
