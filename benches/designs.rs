//! Benchmarks of the designs over time: TWFE with unit-clustered CR2 on a panel of
//! 100,000 units × 20 periods (two million rows, unit and period effects absorbed),
//! and interrupted time series on 10,000 monthly series of 48 periods (an analyst
//! looping over wards), both from a fixed seed.
//!
//! Run: `cargo bench --bench designs`.

use criterion::{Criterion, criterion_group, criterion_main};
use evident::designs::its::{ItsOptions, Series, fit_many};
use evident::stats::regression::{
    AbsorbedFactor, Clusters, Design, FixedEffectsOptions, SeType, lm_robust_fe,
};
use nalgebra::DMatrix;
use std::hint::black_box;
use std::time::Duration;

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

const UNITS: usize = 100_000;
const PERIODS: usize = 20;

fn panel() -> (Design, Vec<f64>, Clusters, Clusters) {
    let mut rng = SplitMix(18);
    let n = UNITS * PERIODS;
    let mut d = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    let mut unit = Vec::with_capacity(n);
    let mut period = Vec::with_capacity(n);
    for u in 0..UNITS {
        let alpha = rng.normal();
        let treated = u % 3 == 0;
        for t in 0..PERIODS {
            let on = treated && t >= PERIODS / 2;
            d.push(f64::from(u8::from(on)));
            y.push(alpha + 0.1 * t as f64 + if on { 1.5 } else { 0.0 } + rng.normal());
            unit.push(u as u32);
            period.push(t as u32);
        }
    }
    let design = Design {
        names: vec!["treated".into()],
        x: DMatrix::from_column_slice(n, 1, &d),
    };
    (
        design,
        y,
        Clusters::from_labels(&unit),
        Clusters::from_labels(&period),
    )
}

fn twfe(c: &mut Criterion) {
    let (design, y, unit, period) = panel();
    let mut group = c.benchmark_group("twfe");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("cr2_100k_units_x_20_periods", |b| {
        b.iter(|| {
            let fit = lm_robust_fe(
                &design,
                &y,
                &[
                    AbsorbedFactor {
                        name: "unit",
                        levels: &unit,
                    },
                    AbsorbedFactor {
                        name: "period",
                        levels: &period,
                    },
                ],
                &FixedEffectsOptions {
                    se_type: Some(SeType::CR2),
                    clusters: Some(&unit),
                    ..FixedEffectsOptions::default()
                },
            )
            .expect("fits");
            black_box(fit.coefficients[0].estimate.std_error)
        })
    });
    group.finish();
}

fn its(c: &mut Criterion) {
    let mut rng = SplitMix(7);
    let periods: Vec<i64> = (1..=48).collect();
    let data: Vec<Vec<f64>> = (0..10_000)
        .map(|_| {
            let mut e = 0.0;
            periods
                .iter()
                .map(|&p| {
                    e = 0.4 * e + rng.normal();
                    10.0 + 0.1 * p as f64 - if p >= 25 { 2.0 } else { 0.0 } + e
                })
                .collect()
        })
        .collect();
    let series: Vec<Series> = data
        .iter()
        .map(|y| Series {
            periods: &periods,
            outcome: y,
            control: None,
            season: None,
            rows: None,
        })
        .collect();
    let options = ItsOptions {
        intervention: 25,
        horizons: vec![3, 6, 12],
        ..ItsOptions::default()
    };
    let mut group = c.benchmark_group("its");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("10000_series_x_48_periods", |b| {
        b.iter(|| black_box(fit_many(&series, &options).len()))
    });
    group.finish();
}

criterion_group!(benches, twfe, its);
criterion_main!(benches);
