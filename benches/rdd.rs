//! RD with bandwidth selection (mserd) and robust bias-corrected inference with the
//! nearest-neighbour variance, on 100,000 and 1,000,000 seeded observations.
//! benches/rdd_vs_python.sh times rdrobust's Python port on the same sizes in the same run.

use criterion::{Criterion, criterion_group, criterion_main};
use evident::designs::rdd::{RdData, RdOptions, estimate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn data(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let mut uniform = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let xi = 2.0 * uniform() - 1.0;
        let noise = uniform() - 0.5;
        x.push(xi);
        y.push(1.0 + 0.8 * xi - 0.6 * xi * xi + if xi >= 0.0 { 0.4 } else { 0.0 } + noise);
    }
    (x, y)
}

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
