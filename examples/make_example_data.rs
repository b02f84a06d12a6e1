//! Generates the synthetic data bundled with the example studies in `specs/`.
//!
//! Run `cargo run --example make_example_data` from the repository root: it rewrites
//! the CSV files byte for byte (every draw comes from a seeded ChaCha8 stream). The
//! data are invented; the effect sizes and attrition are chosen to look like real pilots.

use std::fmt::Write as _;
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

fn main() {
    hmo_inspections(Path::new("specs/hmo-inspections"));
    ambulance_standby(Path::new("specs/ambulance-standby"));
    neet_early_warning(Path::new("specs/neet-early-warning"));
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("a file inside a folder")).expect("create folder");
    std::fs::write(path, text).expect("write example data");
    println!("wrote {} ({} bytes)", path.display(), text.len());
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// RCT: 2,400 suspected unlicensed HMOs; half put on the prioritised inspection list.
/// Outcome: a licensable HMO found at inspection (binary); days to inspection (secondary).
fn hmo_inspections(dir: &Path) {
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_601);
    let wards = [
        "Abbey",
        "Bridge",
        "Castle",
        "Docks",
        "Eastfield",
        "Fairview",
        "Greenway",
        "Harbour",
    ];
    let n = 2_400;
    // Complete randomisation: exactly half to each arm, by a seeded shuffle.
    let mut arms: Vec<&str> = (0..n)
        .map(|i| if i < n / 2 { "prioritised" } else { "standard" })
        .collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        arms.swap(i, j);
    }
    let noise: Normal<f64> = Normal::new(0.0, 1.0).expect("valid normal");
    let mut units =
        String::from("property_id,ward,risk_score,prior_complaints,on_council_tax_hmo_list,arm\n");
    let mut outcomes = String::from(
        "property_id,licensable_found,days_to_inspection,risk_score,prior_complaints\n",
    );
    for (i, arm) in arms.iter().enumerate() {
        let id = format!("P{:05}", i + 1);
        let ward = wards[rng.random_range(0..wards.len())];
        let risk: f64 = (50.0 + 15.0 * noise.sample(&mut rng)).clamp(0.0, 100.0);
        let complaints = (rng.random::<f64>() * 4.0 * risk / 60.0).floor() as u32;
        let listed = u8::from(rng.random::<f64>() < 0.3);
        writeln!(units, "{id},{ward},{risk:.1},{complaints},{listed},{arm}").unwrap();
        let treated = *arm == "prioritised";
        // Attrition: some inspections never happen (refused access, property sold).
        let lost = rng.random::<f64>() < if treated { 0.06 } else { 0.08 };
        if lost {
            continue;
        }
        let logit = -1.6
            + 0.03 * (risk - 50.0)
            + 0.2 * f64::from(complaints)
            + if treated { 0.55 } else { 0.0 };
        let found = u8::from(rng.random::<f64>() < logistic(logit));
        let days = (if treated { 21.0 } else { 48.0 } + 9.0 * noise.sample(&mut rng)).max(1.0);
        writeln!(outcomes, "{id},{found},{days:.0},{risk:.1},{complaints}").unwrap();
    }
    write(&dir.join("data/properties.csv"), &units);
    write(&dir.join("data/inspections.csv"), &outcomes);
}

/// Before/after: mean response times at 64 ambulance standby points, for the six
/// months before and after a new standby plan. No comparison group.
fn ambulance_standby(dir: &Path) {
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_715);
    let noise: Normal<f64> = Normal::new(0.0, 1.0).expect("valid normal");
    let areas = ["North", "South", "East", "West"];
    let mut text = String::from(
        "standby_point,area,incidents,mean_response_before,mean_response_after,within_target_before,within_target_after\n",
    );
    for i in 0..64 {
        let area = areas[i % areas.len()];
        let base: f64 = 8.5 + 1.6 * noise.sample(&mut rng);
        let incidents = 180 + rng.random_range(0..240);
        let after = base - 0.45 + 0.7 * noise.sample(&mut rng);
        let within_before =
            (0.62 - 0.05 * (base - 8.5) + 0.04 * noise.sample(&mut rng)).clamp(0.0, 1.0);
        let within_after = (within_before + 0.035 + 0.05 * noise.sample(&mut rng)).clamp(0.0, 1.0);
        writeln!(
            text,
            "SP{:02},{area},{incidents},{base:.2},{after:.2},{:.1},{:.1}",
            i + 1,
            100.0 * within_before,
            100.0 * within_after
        )
        .unwrap();
    }
    write(&dir.join("data/standby_points.csv"), &text);
}

/// Matched comparison: 300 young people flagged by an early-warning list and offered
/// support, and 300 matched young people from neighbouring schools that had no
/// programme. Outcome: NEET at 18 (binary, lower is better); attainment (secondary).
fn neet_early_warning(dir: &Path) {
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_901);
    let noise: Normal<f64> = Normal::new(0.0, 1.0).expect("valid normal");
    let mut text = String::from(
        "person_id,group,age_at_flag,female,free_school_meals,special_needs,attendance_pct,prior_exclusions,neet_at_18,attainment_points\n",
    );
    for i in 0..600 {
        let supported = i < 300;
        let group = if supported { "supported" } else { "comparison" };
        let age = 15 + rng.random_range(0..2);
        let female = u8::from(rng.random::<f64>() < 0.46);
        let fsm = u8::from(rng.random::<f64>() < 0.42);
        let sen = u8::from(rng.random::<f64>() < 0.23);
        let attendance: f64 = (86.0 + 6.0 * noise.sample(&mut rng)).clamp(40.0, 100.0);
        let exclusions = (rng.random::<f64>() * 3.0).floor() as u32;
        let logit = -1.1 + 0.5 * f64::from(fsm) + 0.4 * f64::from(sen) - 0.06 * (attendance - 86.0)
            + 0.3 * f64::from(exclusions)
            - if supported { 0.55 } else { 0.0 };
        let neet = u8::from(rng.random::<f64>() < logistic(logit));
        let points = 38.0 + 0.6 * (attendance - 86.0) - 4.0 * f64::from(fsm)
            + if supported { 1.5 } else { 0.0 }
            + 9.0 * noise.sample(&mut rng);
        // Some destinations are unknown at 18 (moved away, no contact).
        let neet_text = if rng.random::<f64>() < 0.04 {
            String::new()
        } else {
            neet.to_string()
        };
        writeln!(
            text,
            "Y{:04},{group},{age},{female},{fsm},{sen},{attendance:.1},{exclusions},{neet_text},{points:.1}",
            i + 1
        )
        .unwrap();
    }
    write(&dir.join("data/young_people.csv"), &text);
}
