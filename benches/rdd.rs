//! RD with bandwidth selection (mserd) and robust bias-corrected inference with the
//! nearest-neighbour variance, on 100,000 and 1,000,000 seeded observations.
//! benches/rdd_vs_python.sh times rdrobust's Python port on the same sizes in the same run.

use criterion::{Criterion, criterion_group, criterion_main};
use evident::designs::rdd::{RdData, RdOptions, estimate};
#[path = "support/rdd_data.rs"]
mod rdd_data;
use rdd_data::data;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("rdd");
    group.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let (x, y) = data(n);
        let opts = RdOptions::new(0.0);
        group.bench_function(format!("mserd_nn_robust_{n}"), |b| {
            b.iter(|| {
                let d = RdData {
                    running: &x,
                    outcome: &y,
                    treatment: None,
                    covariates: &[],
                    cluster: None,
                };
                estimate(d, &opts).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
