//! Times the staggered roll-out analysis on a panel CSV (unit, period,
//! first_treated, y), e.g. the one benches/staggered_vs_csdid.py writes, and prints
//! one JSON line: the read time, the time of the Callaway–Sant'Anna part alone
//! (`cs_s`: ATT(g, t), aggregations, bootstrap, pre-trend test: the work csdid does),
//! the time of the whole analysis (`analyse_s`: the same plus TWFE with CR2 and the
//! Bacon decomposition) and the headline estimates.
//!
//! `cargo run --release --example staggered_timing -- panel.csv [draws]`

use std::time::Instant;

use evident::designs::staggered::{self, Inference, Panel, Settings, Timing};
use evident::spec::staggered::{BasePeriod, BootstrapSpec, Comparison};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: staggered_timing panel.csv [draws]");
    let draws: u32 = args.get(2).map_or(999, |d| d.parse().expect("draws"));
    let start = Instant::now();
    let mut reader = csv::Reader::from_path(path).expect("panel csv");
    let (mut unit, mut period, mut g, mut y) = (vec![], vec![], vec![], vec![]);
    for row in reader.records() {
        let row = row.expect("row");
        unit.push(row[0].to_string());
        period.push(row[1].parse::<i64>().expect("period"));
        g.push(Some(row[2].parse::<i64>().expect("first_treated")));
        y.push(row[3].parse::<f64>().expect("y"));
    }
    let panel = Panel::from_long(&unit, &period, &y, Timing::FirstTreated(&g)).expect("panel");
    let read = start.elapsed().as_secs_f64();
    let settings = Settings {
        comparison: Comparison::NeverTreated,
        anticipation: 0,
        base_period: BasePeriod::Varying,
        method: Default::default(),
    };
    let inference = Inference {
        alpha: 0.05,
        bootstrap: BootstrapSpec {
            draws,
            ..BootstrapSpec::default()
        },
        cluster_of_unit: None,
    };
    let start = Instant::now();
    let cs = staggered::callaway_santanna(&panel, &settings, &inference).expect("analysis");
    let cs_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let result = staggered::analyse(&panel, &settings, &inference).expect("analysis");
    let analyse = start.elapsed().as_secs_f64();
    assert_eq!(
        cs.overall, result.overall,
        "the same Callaway–Sant'Anna part"
    );
    println!(
        "{{\"units\": {}, \"periods\": {}, \"draws\": {draws}, \"read_s\": {read:.3}, \"cs_s\": {cs_seconds:.3}, \"analyse_s\": {analyse:.3}, \"simple\": {}, \"group\": {}, \"event_time_critical_value\": {}}}",
        result.n_units,
        result.n_periods,
        result.overall.simple.0,
        result.overall.cohort_weighted.0,
        result.event_time_critical_value
    );
}
