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
    fire_safety_visits(Path::new("specs/fire-safety-visits"));
    ward_falls_alert(Path::new("specs/ward-falls-alert"));
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

/// Blocked RCT being planned: 1,200 households flagged by a fire-risk model across six
/// fire-station areas, to be randomised within station areas to a targeted home fire
/// safety visit or the usual programme. Units only (no outcomes yet): the spec declares
/// the assignment, and `evident run` writes the plan report with its balance table.
fn fire_safety_visits(dir: &Path) {
    let mut rng = ChaCha8Rng::seed_from_u64(20_261_125);
    let noise: Normal<f64> = Normal::new(0.0, 1.0).expect("valid normal");
    let stations = [
        ("Central", 260),
        ("Northgate", 230),
        ("Riverside", 210),
        ("Hillcrest", 190),
        ("Westmoor", 170),
        ("Eastbrook", 140),
    ];
    let mut text = String::from(
        "household_id,station,tenure,oldest_occupant_age,lives_alone,prior_incidents,risk_score\n",
    );
    let mut id = 0;
    for (station, count) in stations {
        for _ in 0..count {
            id += 1;
            let tenure = match rng.random_range(0..10) {
                0..=3 => "owner",
                4..=6 => "social_rent",
                _ => "private_rent",
            };
            let age = (58.0 + 16.0 * noise.sample(&mut rng))
                .clamp(18.0, 99.0)
                .round();
            let alone = u8::from(rng.random::<f64>() < 0.25 + 0.004 * (age - 58.0).max(0.0));
            let incidents = (rng.random::<f64>() * 2.2).floor() as u32;
            let risk = (0.02 * (age - 58.0)
                + 0.5 * f64::from(alone)
                + 0.4 * f64::from(incidents)
                + 0.6 * noise.sample(&mut rng))
            .clamp(-3.0, 4.0);
            // Households are listed as the risk model exported them, not by identifier.
            writeln!(
                text,
                "FS{:05},{station},{tenure},{age},{alone},{incidents},{risk:.3}",
                (id * 389) % 1201
            )
            .unwrap();
        }
    }
    write(&dir.join("data/households.csv"), &text);
    fire_safety_follow_up(dir, &text);
}

/// The same trial a year on (`results.json`): the allocation the assign stage makes
/// from `study.json` (the same design, so the same allocation), then 12-month
/// outcomes, the targeted visit lowering the fire risk and raising the share of
/// homes with a working smoke alarm.
fn fire_safety_follow_up(dir: &Path, households: &str) {
    let plan = evident::pipeline::check(&dir.join("study.json"))
        .expect("the fire-safety spec is valid")
        .plan;
    let seed = plan
        .assignment
        .as_ref()
        .and_then(|a| a.seed)
        .expect("the spec declares its seed");
    let (allocation, _) = evident::assign::allocate_to_bytes(&plan, seed).expect("allocates");
    let allocation = String::from_utf8(allocation).expect("UTF-8");
    let arm_of: std::collections::HashMap<&str, &str> = allocation
        .lines()
        .skip(1)
        .map(|line| {
            let mut fields = line.split(',');
            (fields.next().unwrap(), fields.next().unwrap())
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(20_271_125);
    // Baseline covariates travel with the outcomes, as in an analysis file.
    let mut text = String::from(
        "household_id,prior_incidents,risk_score,dwelling_fire_12m,smoke_alarm_working_12m\n",
    );
    for line in households.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (id, incidents, risk_text) = (fields[0], fields[5], fields[6]);
        let risk: f64 = risk_text.parse().unwrap();
        let targeted = f64::from(u8::from(arm_of[id] == "targeted"));
        let fire = logistic(-3.1 + 0.7 * risk - 0.55 * targeted);
        let alarm = logistic(0.4 - 0.3 * risk + 1.3 * targeted);
        // About 4% of households moved away before the 12-month check.
        if rng.random::<f64>() < 0.04 {
            writeln!(text, "{id},{incidents},{risk_text},NA,NA").unwrap();
            continue;
        }
        writeln!(
            text,
            "{id},{incidents},{risk_text},{},{}",
            u8::from(rng.random::<f64>() < fire),
            u8::from(rng.random::<f64>() < alarm)
        )
        .unwrap();
    }
    write(&dir.join("data/follow_up.csv"), &text);
}

/// Cluster-randomised trial: 24 hospital wards, half given a falls-risk alert on the
/// ward's electronic board. Whole wards are randomised (the alert changes how a ward
/// works, so patients on one ward cannot be split). Outcome: a fall during the
/// admission (binary, lower is better). One alert ward closed for refurbishment
/// before follow-up (no outcome rows: a cluster lost whole), and about 3% of the
/// other patients were transferred out with the outcome not recorded.
fn ward_falls_alert(dir: &Path) {
    let mut rng = ChaCha8Rng::seed_from_u64(20_250_310);
    let noise: Normal<f64> = Normal::new(0.0, 1.0).expect("valid normal");
    let wards = 24;
    // Complete randomisation of wards: exactly half to each arm, by a seeded shuffle.
    let mut arms: Vec<&str> = (0..wards)
        .map(|i| if i < wards / 2 { "alert" } else { "usual" })
        .collect();
    for i in (1..wards).rev() {
        let j = rng.random_range(0..=i);
        arms.swap(i, j);
    }
    let closed = arms
        .iter()
        .rposition(|a| *a == "alert")
        .expect("an alert ward");
    let mut units = String::from("patient_id,ward,arm\n");
    let mut outcomes = String::from("patient_id,fell,age,high_risk\n");
    for (w, arm) in arms.iter().enumerate() {
        let ward = format!("W{:02}", w + 1);
        // Wards differ in their patients and routines: a ward effect on the log-odds.
        let ward_effect = 0.35 * noise.sample(&mut rng);
        let patients = 20 + rng.random_range(0..16);
        for k in 0..patients {
            let id = format!("{ward}-{:03}", k + 1);
            writeln!(units, "{id},{ward},{arm}").unwrap();
            let age = (80.0 + 8.0 * noise.sample(&mut rng))
                .clamp(65.0, 101.0)
                .round();
            let high_risk = u8::from(rng.random::<f64>() < 0.35);
            let logit = -2.0
                + 0.03 * (age - 80.0)
                + 0.6 * f64::from(high_risk)
                + ward_effect
                + if *arm == "alert" { -0.45 } else { 0.0 };
            let fell = u8::from(rng.random::<f64>() < logistic(logit));
            let transferred = rng.random::<f64>() < 0.03;
            if w == closed {
                continue;
            }
            if transferred {
                writeln!(outcomes, "{id},,{age},{high_risk}").unwrap();
            } else {
                writeln!(outcomes, "{id},{fell},{age},{high_risk}").unwrap();
            }
        }
    }
    write(&dir.join("data/patients.csv"), &units);
    write(&dir.join("data/falls.csv"), &outcomes);
}
