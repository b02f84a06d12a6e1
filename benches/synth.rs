//! Synthetic control at the issue's scale: 100 donors, 40 pre-periods, 10 post-periods,
//! the nested fit with its full placebo-in-space run (101 fits), and the treated unit's
//! nested fit alone. Run with
//! `cargo bench --bench synth`.

use criterion::{Criterion, criterion_group, criterion_main};
use evident::designs::synth::{self, Method, Panel, Problem, fit};
use evident::spec::synth::SynthSpec;

fn panel() -> Panel {
    let units = 101;
    let periods = 50;
    let mut outcome = Vec::with_capacity(units);
    let mut state: u64 = 20261202;
    let mut uniform = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / (1u64 << 53) as f64
    };
    for i in 0..units {
        let a = uniform() * 4.0 - 2.0;
        let b = uniform() * 4.0 - 2.0;
        let level = 50.0 + uniform() * 10.0;
        outcome.push(
            (0..periods)
                .map(|t| {
                    let tf = t as f64;
                    level - 0.5 * tf
                        + a * (tf / 5.0).sin() * 4.0
                        + b * (tf / 9.0).cos() * 3.0
                        + (uniform() - 0.5) * 2.0
                        + if i == 0 && t >= 40 { -5.0 } else { 0.0 }
                })
                .collect::<Vec<f64>>(),
        );
    }
    let predictors = [5usize, 15, 25, 35, 39]
        .iter()
        .map(|&t| (format!("y{t}"), outcome.iter().map(|s| s[t]).collect()))
        .collect();
    Panel {
        units: (0..units).map(|i| format!("U{i:03}")).collect(),
        periods: (0..periods).map(|t| t as f64).collect(),
        outcome,
        n_pre: 40,
        predictors,
        not_donors: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let data = panel();
    let spec: SynthSpec = serde_json::from_str(
        r#"{"file": "-", "unit": "u", "period": "t", "treated": "U000", "treatment_period": 40,
            "fit": "nested", "starts": 2, "seed": 1}"#,
    )
    .unwrap();
    let mut group = c.benchmark_group("synth");
    group.sample_size(10);
    group.bench_function("nested_100_donors_40_pre_full_placebos", |b| {
        b.iter(|| synth::analyse(&data, &spec, "y").unwrap())
    });
    // The treated unit's fit alone: the cost of one outer search over V.
    let problem = Problem {
        treated: &data.outcome[0],
        donors: data.outcome[1..].iter().map(Vec::as_slice).collect(),
        n_pre: data.n_pre,
        treated_predictors: data.predictors.iter().map(|(_, v)| v[0]).collect(),
        donor_predictors: (1..data.units.len())
            .map(|d| data.predictors.iter().map(|(_, v)| v[d]).collect())
            .collect(),
    };
    group.bench_function("nested_one_fit_100_donors", |b| {
        b.iter(|| fit::fit(&problem, &Method::Nested { starts: 2, seed: 1 }).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
