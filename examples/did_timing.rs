//! Times the two-way fixed-effects regression with unit-clustered CR2 standard errors
//! (estimatr's `lm_robust(y ~ d, fixed_effects = ~ unit + period, clusters = unit,
//! se_type = "CR2")`) on a panel CSV (unit, period, d, y), e.g. the one
//! benches/did_vs_estimatr.sh writes, and prints one JSON line: read and fit times,
//! the coefficient and its CR2 standard error.
//!
//! `cargo run --release --example did_timing -- panel.csv`

use std::time::Instant;

use evident::stats::regression::{
    AbsorbedFactor, Clusters, Design, FixedEffectsOptions, SeType, lm_robust_fe,
};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: did_timing panel.csv");
    let start = Instant::now();
    let mut reader = csv::Reader::from_path(&path).expect("panel csv");
    let (mut unit, mut period, mut d, mut y) = (vec![], vec![], vec![], vec![]);
    for row in reader.records() {
        let row = row.expect("row");
        unit.push(row[0].parse::<u64>().expect("unit"));
        period.push(row[1].parse::<u64>().expect("period"));
        d.push(row[2].parse::<f64>().expect("d"));
        y.push(row[3].parse::<f64>().expect("y"));
    }
    let read = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let units = Clusters::from_labels(&unit);
    let periods = Clusters::from_labels(&period);
    let design = Design {
        names: vec!["d".into()],
        x: nalgebra::DMatrix::from_column_slice(d.len(), 1, &d),
    };
    let fit = lm_robust_fe(
        &design,
        &y,
        &[
            AbsorbedFactor {
                name: "unit",
                levels: &units,
            },
            AbsorbedFactor {
                name: "period",
                levels: &periods,
            },
        ],
        &FixedEffectsOptions {
            se_type: Some(SeType::CR2),
            clusters: Some(&units),
            ..FixedEffectsOptions::default()
        },
    )
    .expect("fit");
    let fit_s = start.elapsed().as_secs_f64();
    let e = &fit.coefficients[0].estimate;
    println!(
        "{{\"rows\": {}, \"read_s\": {read:.3}, \"fit_s\": {fit_s:.3}, \"estimate\": {}, \"std_error\": {}, \"df\": {}}}",
        y.len(),
        e.estimate,
        e.std_error,
        e.df
    );
}
