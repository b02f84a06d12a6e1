//! Benchmark of the staggered roll-out analysis against the target:
//! Callaway-Sant'Anna on 100,000 units × 20 periods with 999 bootstrap draws under
//! 1 s (csdid: 0.8 s at 10,000 units, 7.7 s at 100,000). Also 10,000 units.
//!
//! Two groups: the Callaway–Sant'Anna part alone (`callaway_santanna`, the work
//! csdid does) and the whole analysis (`analyse`, adding TWFE with CR2 and the
//! Bacon decomposition).
//!
//! Run: `cargo bench --bench staggered`. The side-by-side with csdid in the same run
//! is benches/staggered_vs_csdid.py; figures in docs/performance.md.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use evident::designs::staggered::{self, Inference, Panel, Settings, Timing};
use evident::spec::staggered::{BasePeriod, BootstrapSpec, Comparison};
use std::hint::black_box;
use std::time::Duration;

/// Cohorts 5, 8, 11, 14, 17 and never treated, effects growing with exposure;
/// SplitMix64 noise so the panel is the same on every run.
fn panel(units: usize, periods: i64) -> Panel {
    let mut state = 20_261_202_u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let cohorts = [None, Some(5), Some(8), Some(11), Some(14), Some(17)];
    let (mut u, mut p, mut y, mut g) = (vec![], vec![], vec![], vec![]);
    for i in 0..units {
        let cohort = cohorts[i % cohorts.len()];
        let level = uniform() - 0.5;
        for t in 1..=periods {
            let effect = cohort
                .filter(|&c| t >= c)
                .map_or(0.0, |c| 1.0 + 0.2 * (t - c) as f64);
            u.push(i.to_string());
            p.push(t);
            y.push(level + 0.1 * t as f64 + effect + uniform() - 0.5);
            g.push(cohort);
        }
    }
    Panel::from_long(&u, &p, &y, Timing::FirstTreated(&g)).expect("panel")
}

fn callaway_santanna(c: &mut Criterion) {
    let settings = Settings {
        comparison: Comparison::NeverTreated,
        anticipation: 0,
        base_period: BasePeriod::Varying,
        method: Default::default(),
    };
    let inference = Inference {
        alpha: 0.05,
        bootstrap: BootstrapSpec::default(),
        cluster_of_unit: None,
    };
    let panels: Vec<(usize, Panel)> = [10_000, 100_000]
        .into_iter()
        .map(|units| (units, panel(units, 20)))
        .collect();
    let mut group = c.benchmark_group("callaway_santanna_999_draws");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (units, data) in &panels {
        group.bench_with_input(BenchmarkId::from_parameter(units), data, |b, data| {
            b.iter(|| {
                staggered::callaway_santanna(black_box(data), &settings, &inference)
                    .expect("analysis")
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("whole_staggered_analysis_999_draws");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for (units, data) in &panels {
        group.bench_with_input(BenchmarkId::from_parameter(units), data, |b, data| {
            b.iter(|| staggered::analyse(black_box(data), &settings, &inference).expect("analysis"))
        });
    }
    group.finish();
}

criterion_group!(benches, callaway_santanna);
criterion_main!(benches);
