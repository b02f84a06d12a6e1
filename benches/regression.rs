//! Benchmarks of `stats::regression` at scale: lm_robust with HC2 and CR2 on
//! 1,000,000 rows, 10 covariates plus an intercept and 1,000 clusters (estimatr 1.0.0
//! needs 436 s for this CR2 fit), and weighted CR2 (per-cluster QR route). Smaller
//! sizes are swept with `BenchmarkId`.
//!
//! Run: `cargo bench --bench regression`. Inputs come from a fixed seed.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use evident::stats::regression::{Clusters, Design, LmRobustOptions, SeType, lm_robust};
use nalgebra::DMatrix;
use std::hint::black_box;
use std::time::Duration;

const COVARIATES: usize = 10;
const CLUSTERS: usize = 1_000;

/// SplitMix64: a fixed, dependency-free stream for benchmark inputs.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// n rows: intercept + 10 normal covariates, unequal clusters, a random-effect outcome.
fn problem(n: usize) -> (Design, Vec<f64>, Clusters) {
    let mut rng = SplitMix(20_261_125);
    let x = DMatrix::from_fn(n, COVARIATES + 1, |_, j| if j == 0 { 1.0 } else { 0.0 });
    let mut x = x;
    for j in 1..=COVARIATES {
        for i in 0..n {
            x[(i, j)] = rng.normal();
        }
    }
    // Cluster sizes vary: cluster id from a skewed draw.
    let ids: Vec<u32> = (0..n)
        .map(|_| {
            let u = rng.uniform();
            ((u * u) * CLUSTERS as f64) as u32
        })
        .collect();
    let effects: Vec<f64> = (0..CLUSTERS).map(|_| rng.normal()).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let xb: f64 = (1..=COVARIATES)
                .map(|j| x[(i, j)] * (j as f64) / 10.0)
                .sum();
            1.0 + xb + effects[ids[i] as usize] + rng.normal()
        })
        .collect();
    let names = std::iter::once("(Intercept)".to_string())
        .chain((1..=COVARIATES).map(|j| format!("x{j}")))
        .collect();
    let design = Design::from_matrix(names, x).expect("finite design");
    (design, y, Clusters::from_labels(&ids))
}

fn bench_lm_robust(c: &mut Criterion) {
    let mut group = c.benchmark_group("lm_robust");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(15));
    for n in [100_000, 1_000_000] {
        let (design, y, clusters) = problem(n);
        let weights: Vec<f64> = (0..n).map(|i| 0.5 + (i % 7) as f64 / 4.0).collect();
        group.bench_with_input(BenchmarkId::new("HC2", n), &n, |b, _| {
            b.iter(|| {
                let options = LmRobustOptions {
                    se_type: Some(SeType::HC2),
                    ..Default::default()
                };
                black_box(lm_robust(&design, &y, &options).expect("fit"))
            })
        });
        group.bench_with_input(BenchmarkId::new("CR2", n), &n, |b, _| {
            b.iter(|| {
                let options = LmRobustOptions {
                    se_type: Some(SeType::CR2),
                    clusters: Some(&clusters),
                    ..Default::default()
                };
                black_box(lm_robust(&design, &y, &options).expect("fit"))
            })
        });
        group.bench_with_input(BenchmarkId::new("CR2_weighted", n), &n, |b, _| {
            b.iter(|| {
                let options = LmRobustOptions {
                    se_type: Some(SeType::CR2),
                    clusters: Some(&clusters),
                    weights: Some(&weights),
                    ..Default::default()
                };
                black_box(lm_robust(&design, &y, &options).expect("fit"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_lm_robust);
criterion_main!(benches);
